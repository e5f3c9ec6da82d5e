// The seed example's graph (shared/seed/seed.md) as a picture: built from its
// intermediate functions a..h like examples/seed.mjs, swept backward, drawn by
// toSvg (Graphviz compiled to Wasm) and written to docs/seed-graph.svg; the
// chain rule that explain() derives from the same graph is printed.
//
//   npm run build && node examples/seed-graph.mjs [out.svg]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine } from 'wasmgrad';
import { explain, toDot, toSvg } from 'wasmgrad/viz';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/seed-graph.svg', import.meta.url));

const eng = await createEngine();
const w0 = eng.value(2.0, 'w0');
const x0 = eng.value(-1.0, 'x0');
const w1 = eng.value(-3.0, 'w1');
const x1 = eng.value(-2.0, 'x1');
const w2 = eng.value(-3.0, 'w2');
const a = w0.mul(x0).named('a');
const b = w1.mul(x1).named('b');
const c = a.add(b).named('c');
const d = c.add(w2).named('d');
const e = d.neg().named('e');
const f = e.exp().named('f');
const g = eng.add(1, f).named('g');
const h = eng.div(1, g).named('h');
h.backward();

const options = { title: 'h = 1/(1+exp(-(w0*x0+w1*x1+w2))): data and grad after h.backward()' };
writeFileSync(out, await toSvg(h, options));
console.log(explain(h));
console.log(`wrote ${out} (${toDot(h, options).split('\n').length} lines of DOT)`);
