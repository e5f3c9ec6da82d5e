// The sigmoid neuron of docs/seed.md: f(w, x) = 1/(1 + exp(-(w0·x0 + w1·x1 + w2)))
// built from its intermediate functions a..h, on both backends, printed the
// way the hand derivation is written: forward values, then each chain-rule
// step with its local derivative and dh/dnode as the engine computed it.
//
//   npm start            (or: node examples/seed.mjs)

import { createEngine } from 'wasmgrad';
import { buildSeed, SEED_INPUTS as inputs } from './seed/build.mjs';

function build(eng) {
  const nodes = buildSeed(eng);
  nodes.h.backward();
  return nodes;
}

const engines = { wasm: await createEngine({ backend: 'wasm' }), js: await createEngine({ backend: 'js' }) };
const runs = { wasm: build(engines.wasm), js: build(engines.js) };
const n = runs.wasm;

const fmt = (x) => x.toPrecision(4);
const both = (read) => {
  const w = read(runs.wasm);
  const j = read(runs.js);
  return `${fmt(w).padStart(8)}  ${fmt(j).padStart(8)}${w === j ? '' : '   (backends differ!)'}`;
};

console.log('f(w,x) = 1/(1+exp(-(w0*x0+w1*x1+w2)))');
console.log(`inputs: ${Object.entries(inputs).map(([k, v]) => `${k} = ${v}`).join(', ')}`);

const header = (title, width) => `\n${title.padEnd(width)}${'wasm'.padStart(8)}  ${'js'.padStart(8)}`;
console.log(header('Forward', 27));
const defs = { a: 'w0*x0', b: 'w1*x1', c: 'a+b', d: 'c+w2', e: '-d', f: 'exp(e)', g: '1+f', h: '1/g' };
for (const [name, def] of Object.entries(defs)) {
  console.log(`  ${name} = ${def.padEnd(8)}${' '.repeat(11)}= ${both((r) => r[name].data)}`);
}

// Each step: [dh/dnode label, local derivative label, local value, the node], as docs/seed.md numbers them.
const steps = [
  ['dh/dh', null, null, 'h'],
  ['dh/dg', 'dh/dg = -1/g^2', -1 / n.g.data ** 2, 'g'],
  ['dh/df = dh/dg * dg/df', 'dg/df = 1', 1, 'f'],
  ['dh/de = dh/df * df/de', 'df/de = exp(e)', n.f.data, 'e'],
  ['dh/dd = dh/de * de/dd', 'de/dd = -1', -1, 'd'],
  ['dh/dc = dh/dd * dd/dc', 'dd/dc = 1', 1, 'c'],
  ['dh/dw2 = dh/dd * dd/dw2', 'dd/dw2 = 1', 1, 'w2'],
  ['dh/da = dh/dc * dc/da', 'dc/da = 1', 1, 'a'],
  ['dh/db = dh/dc * dc/db', 'dc/db = 1', 1, 'b'],
  ['dh/dw0 = dh/da * da/dw0', 'da/dw0 = x0', n.x0.data, 'w0'],
  ['dh/dx0 = dh/da * da/dx0', 'da/dx0 = w0', n.w0.data, 'x0'],
  ['dh/dw1 = dh/db * db/dw1', 'db/dw1 = x1', n.x1.data, 'w1'],
  ['dh/dx1 = dh/db * db/dx1', 'db/dx1 = w1', n.w1.data, 'x1'],
];
const notes = {
  w1: 'the usual hand derivation writes db/dw1 = x0 here and gets -0.19; b = w1*x1, so db/dw1 = x1 = -2',
  x1: "its PyTorch check prints w1.grad (-0.3932) as dh/dx1; the hand value -0.57 is 0.19*w1 with 0.1966 rounded",
};

console.log(header('Backward', 34));
steps.forEach(([chain, localLabel, localValue, node], i) => {
  if (localLabel && i > 1) console.log(`      ${localLabel.padEnd(26)}  ${fmt(localValue).padStart(8)}`);
  const label = `${String(i + 1).padStart(2)}) ${i === 1 ? localLabel : chain}`;
  console.log(`  ${label.padEnd(30)}= ${both((r) => r[node].grad)}`);
  if (notes[node]) console.log(`      ↳ corrected: ${notes[node]}`);
});

console.log('\nGradients (the PyTorch check of the hand derivation, with dh/dx1 corrected; docs/seed.md):');
for (const name of ['w0', 'x0', 'w1', 'x1', 'w2']) console.log(`  dh/d${name} = ${fmt(n[name].grad)}`);
const agree = Object.keys(n).every((k) => runs.wasm[k].data === runs.js[k].data && runs.wasm[k].grad === runs.js[k].grad);
console.log(`\nwasm and js backends ${agree ? 'agree on every value and gradient, to the last bit' : 'DIFFER (see the columns above)'}.`);
