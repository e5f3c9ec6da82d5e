// The playground as a Vite app over the built package (dist/ and build/, from
// `npm run build`): 'wasmgrad' and 'wasmgrad/viz' resolve to it as they would
// from node_modules, and Vite copies build/wasmgrad.wasm into the static build.
//
//   npm run playground          dev server
//   npm run playground:build    static site in examples/playground/dist
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default {
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    alias: [
      { find: /^wasmgrad\/viz$/, replacement: `${root}dist/viz/index.js` },
      { find: /^wasmgrad$/, replacement: `${root}dist/index.js` },
    ],
  },
  server: { fs: { allow: [root] } },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  logLevel: 'warn',
};
