// The same computation in a module Worker; Vite bundles this file and the .wasm it needs.
import { demo } from './demo.js';

demo().then(
  (result) => postMessage({ result }),
  (err) => postMessage({ error: String(err?.stack ?? err) }),
);
