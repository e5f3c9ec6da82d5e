// micrograd's two-moons demo on wasmgrad.
//
//   npm run example:moons                       # both backends
//   node examples/moons.mjs --backend wasm      # one of them
//   node examples/moons.mjs --compiled          # record the step once, replay it (eng.compile)
//   node examples/moons.mjs --steps 200 --seed 7 --no-plot --no-color

import { parseArgs } from 'node:util';
import { trainMoons } from './moons/train.mjs';
import { plotDecisionBoundary } from './moons/plot.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string' },
    steps: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1337' },
    'no-plot': { type: 'boolean', default: false },
    'no-color': { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/moons.mjs [--backend wasm|js] [--compiled] [--steps N] [--seed S] [--no-plot] [--no-color]');
  process.exit(0);
}
const backends = args.backend === undefined ? ['wasm', 'js'] : [args.backend];
for (const b of backends) {
  if (b !== 'wasm' && b !== 'js') {
    console.error(`--backend must be wasm or js, got ${JSON.stringify(b)}`);
    process.exit(2);
  }
}
const steps = Number(args.steps);
const seed = Number(args.seed);
if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed)) {
  console.error('--steps must be a positive integer and --seed an integer');
  process.exit(2);
}
const color = !args['no-color'] && process.stdout.isTTY && !process.env.NO_COLOR;

console.log(`two moons: 100 points, MLP(2, [16, 16, 1]), SVM loss + 1e-4 L2, SGD ${steps} steps, seed ${seed}\n`);

const results = [];
for (const backend of backends) {
  console.log(`── ${backend}${args.compiled ? ', compiled' : ''} ──`);
  let lastT = 0;
  let lastStep = -1;
  const result = await trainMoons({
    backend,
    steps,
    seed,
    compiled: args.compiled,
    onStep({ step, loss, accuracy, elapsedMs }) {
      if (step % 10 !== 9 && step !== steps - 1) return;
      const rate = ((step - lastStep) * 1000) / (elapsedMs - lastT);
      lastT = elapsedMs;
      lastStep = step;
      console.log(
        `step ${String(step + 1).padStart(4)}  loss ${loss.toFixed(6)}  accuracy ${(accuracy * 100).toFixed(0).padStart(3)}%  ${rate.toFixed(1).padStart(6)} steps/s`,
      );
    },
  });
  results.push(result);
  console.log();
}

console.log('── summary ──');
for (const r of results) {
  const { first, last } = r.stats;
  const flat = first.memoryBytes === last.memoryBytes && first.capacity === last.capacity;
  console.log(
    `${r.backend.padEnd(4)}  accuracy ${(r.accuracy * 100).toFixed(0)}%  loss ${r.loss.toFixed(6)}  ` +
      `${r.msPerStep.toFixed(2)} ms/step  (${r.steps} steps in ${(r.elapsedMs / 1000).toFixed(2)} s)  ` +
      `tape ${last.nodes} nodes/step, capacity ${last.capacity}, memory ${(last.memoryBytes / 2 ** 20).toFixed(2)} MiB ` +
      (flat ? '(flat since step 1)' : `(grew from ${(first.memoryBytes / 2 ** 20).toFixed(2)} MiB)`),
  );
}
if (results.length === 2) {
  const [a, b] = results;
  let maxRel = 0;
  for (let i = 0; i < a.history.length; i++) {
    const rel = Math.abs(a.history[i].loss - b.history[i].loss) / Math.max(Math.abs(b.history[i].loss), 1e-300);
    maxRel = Math.max(maxRel, rel);
  }
  console.log(`loss histories agree across backends: max relative difference ${maxRel.toExponential(2)}`);
  console.log(`wasm/js time per step: ${(a.msPerStep / b.msPerStep).toFixed(2)}x`);
}

if (!args['no-plot']) {
  const r = results[0];
  console.log(`\ndecision boundary (${r.backend} model):`);
  console.log(plotDecisionBoundary(r.eng, r.model, r.data, { color }));
}

if (results.some((r) => r.accuracy < 1)) process.exitCode = 1;
