// The sigmoid neuron's graph (docs/seed.md) as a picture: built from its
// intermediate functions a..h (examples/seed/build.mjs), swept backward, drawn by
// toSvg (Graphviz compiled to Wasm) and written to docs/seed-graph.svg; the
// chain rule that explain() derives from the same graph is printed.
//
//   npm run build && node examples/seed-graph.mjs [out.svg]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine } from 'wasmgrad';
import { explain, toDot, toSvg } from 'wasmgrad/viz';
import { buildSeed } from './seed/build.mjs';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/seed-graph.svg', import.meta.url));

const eng = await createEngine();
const { h } = buildSeed(eng);
h.backward();

const options = { title: 'h = 1/(1+exp(-(w0*x0+w1*x1+w2))): data and grad after h.backward()' };
writeFileSync(out, await toSvg(h, options));
console.log(explain(h));
console.log(`wrote ${out} (${toDot(h, options).split('\n').length} lines of DOT)`);
