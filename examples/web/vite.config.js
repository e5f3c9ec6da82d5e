// `npm install` here links wasmgrad from ../.. (a file: dependency), which is
// outside this directory: allow the dev server to serve the package's .wasm.
// (Not needed when wasmgrad is installed from the registry into ./node_modules.)
export default {
  server: { fs: { allow: ['.', '../..'] } },
};
