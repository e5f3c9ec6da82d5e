// The seed neuron's full Hessian: f = 1/(1 + exp(-(w0·x0 + w1·x1 + w2))) at
// the seed's inputs, over (w0, x0, w1, x1, w2), by eng.hessian (the gradient
// recorded as graph nodes, then differentiated again) on both backends, next
// to the closed form. With s = σ(z), z = w0·x0 + w1·x1 + w2:
//
//   ∂²f/∂a∂b = s(1−s)(1−2s)·∂z/∂a·∂z/∂b + s(1−s)·∂²z/∂a∂b
//
// where ∂z/∂(w0, x0, w1, x1, w2) = (x0, w0, x1, w1, 1) and ∂²z/∂a∂b is 1 for
// the pairs (w0, x0) and (w1, x1), 0 otherwise.
//
//   npm run example:hessian

import { createEngine } from 'wasmgrad';
import { SEED_INPUTS } from './seed/build.mjs';

const NAMES = ['w0', 'x0', 'w1', 'x1', 'w2'];
const point = NAMES.map((n) => SEED_INPUTS[n]);

/** The neuron as the seed builds it: exp, add and div, no sigmoid op. */
const neuron = (eng) => (w0, x0, w1, x1, w2) => eng.div(1, eng.add(1, w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp()));

export function closedForm([w0, x0, w1, x1, w2]) {
  const s = 1 / (1 + Math.exp(-(w0 * x0 + w1 * x1 + w2)));
  const dz = [x0, w0, x1, w1, 1];
  const d2z = (a, b) => ((a === 0 && b === 1) || (a === 1 && b === 0) || (a === 2 && b === 3) || (a === 3 && b === 2) ? 1 : 0);
  return dz.map((za, a) => dz.map((zb, b) => s * (1 - s) * (1 - 2 * s) * za * zb + s * (1 - s) * d2z(a, b)));
}

export async function hessians() {
  const out = {};
  for (const backend of ['wasm', 'js']) {
    const eng = await createEngine({ backend });
    out[backend] = eng.hessian(neuron(eng))(...point).map((row) => row.map((v) => v.data));
  }
  return out;
}

async function main() {
  const { wasm, js } = await hessians();
  const exact = closedForm(point);
  const fmt = (x) => (Object.is(x, -0) ? 0 : x).toFixed(6).padStart(10);
  const show = (title, m) => {
    console.log(`\n${title}`);
    console.log(`${''.padEnd(4)}${NAMES.map((n) => n.padStart(10)).join('')}`);
    m.forEach((row, i) => console.log(`${NAMES[i].padEnd(4)}${row.map(fmt).join('')}`));
  };
  console.log('f(w,x) = 1/(1+exp(-(w0*x0+w1*x1+w2)))');
  console.log(`at ${NAMES.map((n, i) => `${n} = ${point[i]}`).join(', ')}`);
  show('Hessian, wasm backend (eng.hessian)', wasm);
  show('Hessian, js backend (eng.hessian)', js);
  show('closed form: s(1-s)(1-2s) dz/da dz/db + s(1-s) d2z/dadb', exact);
  const worst = (m) => Math.max(...m.flatMap((row, i) => row.map((x, j) => Math.abs(x - exact[i][j]))));
  console.log(`\nlargest |difference| from the closed form: wasm ${worst(wasm).toExponential(2)}, js ${worst(js).toExponential(2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
