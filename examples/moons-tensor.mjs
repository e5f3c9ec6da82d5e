// micrograd's two-moons classifier in tensor form: the same data, model
// (MLP 2-16-16-1), SVM max-margin loss with L2, and learning-rate schedule as
// examples/moons.mjs, but each step is a dozen tensor ops on the whole batch
// instead of ~66,000 scalar nodes.
//
//   npm run example:moons-tensor
//   node examples/moons-tensor.mjs --backend js --steps 200

import { parseArgs } from 'node:util';
import { createEngine, nn, optim, Random } from 'wasmgrad';
import { makeMoons } from './moons/data.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1337' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/moons-tensor.mjs [--backend wasm|js] [--steps N] [--seed S]');
  process.exit(0);
}
const steps = Number(args.steps);
const seed = Number(args.seed);
if (!['wasm', 'js'].includes(args.backend) || !Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed)) {
  console.error('--backend must be wasm or js, --steps a positive integer, --seed an integer');
  process.exit(2);
}

/** Trains and returns the final loss and accuracy, reporting every `every` steps. */
async function trainMoonsTensor({ backend = 'wasm', steps = 100, seed = 1337, every = 10, log = console.log } = {}) {
  const eng = await createEngine({ backend });
  const { X, y } = makeMoons(100, { noise: 0.1, seed });
  // Data that every step reads: kept in slots, so reset() leaves it alone.
  const xs = eng.keep(eng.tensor(X.flat(), [100, 2]));
  const ys = eng.keep(eng.tensor(y, [100, 1]));
  const layers = [new nn.Linear(eng, 2, 16), new nn.Linear(eng, 16, 16), new nn.Linear(eng, 16, 1)];
  // micrograd's init: every weight uniform in [-1, 1], biases 0, from one seeded stream.
  const rng = new Random(seed);
  for (const l of layers) {
    l.weight.assign(Float32Array.from({ length: l.weight.size }, () => rng.uniform(-1, 1)));
    l.bias.assign(new Float32Array(l.outFeatures));
  }
  const model = new nn.Sequential(layers[0], (t) => t.relu(), layers[1], (t) => t.relu(), layers[2]);
  const params = model.parameters();
  const opt = new optim.SGD(params, { lr: 1 });
  let loss = NaN, accuracy = 0;
  for (let k = 0; k < steps; k++) {
    const scores = model.forward(xs);
    const dataLoss = scores.mul(ys).neg().add(1).relu().mean();          // SVM max-margin
    const reg = params.map((p) => p.mul(p).sum()).reduce((a, b) => a.add(b)).mul(1e-4); // L2
    const total = dataLoss.add(reg);
    opt.zeroGrad();
    total.backward();
    opt.lr = 1.0 - (0.9 * k) / steps;                                     // micrograd's schedule
    opt.step();
    loss = total.item();
    const s = scores.data();
    accuracy = y.filter((label, i) => label > 0 === s[i] > 0).length / y.length;
    eng.reset();
    if (k % every === 0 || k === steps - 1) log(`step ${String(k).padStart(3)}  loss ${loss.toFixed(4)}  accuracy ${(100 * accuracy).toFixed(0)}%`);
  }
  return { loss, accuracy };
}

console.log(`two moons, tensor form, on the ${args.backend} backend (MLP 2-16-16-1, ${steps} steps)`);
const { accuracy } = await trainMoonsTensor({ backend: args.backend, steps, seed });
if (accuracy < 1) process.exitCode = 1;
