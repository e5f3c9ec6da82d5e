// Memory over a long training run, repeated for a fixed time on each backend,
// sampling the engine's memory and the JS heap after a forced GC. A training
// loop must be able to run for hours; this shows whether anything grows per
// step. Workloads:
//   moons   micrograd's two-moons step on scalar Values
//   mlp     an MLP 784-128-10 step on tensors, batch 64, cross-entropy, SGD
//   mixed   steps of 1 MiB to 512 MiB of tensors in a shuffled cycle: linear
//           memory must stay within 1.5 × (the largest step so far + what
//           persists) + 8 MiB and stop growing once every size has run
//   forgot  the mlp loop without its reset(), under createEngine({ maxTapeBytes:
//           64 MiB }): each time the budget error comes, the loop resets and goes
//           on; memory must stay within the same bound with the budget as the step
//
//   npm run soak                            # 1 minute per backend, moons and mlp
//   node --expose-gc bench/soak.mjs --minutes 10 --backend wasm --workload mixed

import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createEngine, nn, optim, F, Random } from '../dist/index.js';
import { makeMoons } from '../examples/moons/data.mjs';
import { moonsLoss } from '../examples/moons/train.mjs';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    backend: { type: 'string' },
    samples: { type: 'string', default: '8' },
    workload: { type: 'string' },
  },
});
const WORKLOADS = ['moons', 'mlp', 'mixed', 'forgot'];
const workloads = args.workload ? args.workload.split(',') : ['moons', 'mlp'];
for (const w of workloads) if (!WORKLOADS.includes(w)) throw new RangeError(`--workload must be one of ${WORKLOADS.join(', ')}, got ${w}`);
const minutes = Number(args.minutes);
const sampleCount = Number(args.samples);
const backends = args.backend ? [args.backend] : ['wasm', 'js'];
if (!(minutes > 0) || !(sampleCount >= 2)) throw new RangeError('--minutes must be > 0 and --samples >= 2');
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run soak does)');

const mib = (b) => (b / 2 ** 20).toFixed(2);
const { X, y } = makeMoons(100, { seed: 1337 });
const report = [];

/** One training step of `workload` on `eng`, as a closure returning the loss; the graph is reset after each. */
function makeStep(eng, workload) {
  if (workload === 'moons') {
    const model = new nn.MLP(eng, 2, [16, 16, 1], { seed: 1337 });
    const params = model.parameters();
    return () => {
      const out = moonsLoss(eng, model, X, y);
      const loss = out.total.data;
      model.zeroGrad();
      out.total.backward();
      for (const p of params) p.data -= 0.05 * p.grad;
      eng.reset();
      return loss;
    };
  }
  if (workload === 'mixed') {
    // Live bytes of one step: n f32 of data, n of the product and n of its
    // gradient (12n bytes), plus a few scalars.
    const sizesMiB = [1, 512, 4, 64, 1, 256, 16, 512, 2, 128, 1, 32];
    const w = eng.parameter([0.5]);
    let k = 0;
    return () => {
      const n = Math.floor((sizesMiB[k++ % sizesMiB.length] * 2 ** 20) / 12);
      const loss = eng.full([n], 1).mul(w).sum();
      loss.backward();
      const value = loss.item();
      w.zeroGrad();
      eng.reset();
      return value;
    };
  }
  const rng = new Random(7);
  const model = new nn.Sequential(new nn.Linear(eng, 784, 128, { rng }), (t) => t.relu(), new nn.Linear(eng, 128, 10, { rng }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const images = Float32Array.from({ length: 64 * 784 }, () => rng.next());
  const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
  if (workload === 'forgot') {
    return () => {
      try {
        const loss = F.crossEntropy(model.forward(eng.tensor(images, [64, 784])), labels);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item(); // no reset(): the tape grows until the budget stops it
      } catch (err) {
        if (err?.code !== 'WASMGRAD_TAPE_BUDGET') throw err;
        budgetErrors++;
        eng.reset();
        return NaN;
      }
    };
  }
  return () => {
    const loss = F.crossEntropy(model.forward(eng.tensor(images, [64, 784])), labels);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const value = loss.item();
    eng.reset();
    return value;
  };
}

const BUDGET = 64 * 2 ** 20;
let budgetErrors = 0;

/**
 * The footprint bound of docs/tensors.md: 1.5 × (the largest tape any step
 * needed, or the budget, + parameters, kept tensors, programs and tables) +
 * 8 MiB, for the Wasm engine's linear memory; null for the twin.
 */
function bound(eng, s, workload) {
  if (eng.backend !== 'wasm') return null;
  const step = workload === 'forgot' ? Math.max(s.tensorArenaPeak, BUDGET) : s.tensorArenaPeak;
  return 1.5 * (step + s.heapBytes) + 8 * 2 ** 20;
}

for (const workload of workloads) for (const backend of backends) {
  const eng = await createEngine({ backend, ...(workload === 'forgot' ? { maxTapeBytes: BUDGET, onWarning: () => {} } : {}) });
  budgetErrors = 0;
  const step = makeStep(eng, workload);
  const durationMs = minutes * 60_000;
  const bar = new cliProgress.SingleBar(
    { format: `${workload.padEnd(5)} ${backend.padEnd(4)} {bar} {percentage}% | {steps} steps | loss {loss} | engine {engine} MiB | heap {heap} MiB`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { steps: 0, loss: '-', engine: '-', heap: '-' });

  const samples = [];
  const sample = (steps, loss) => {
    globalThis.gc();
    const s = eng.stats();
    const m = process.memoryUsage();
    samples.push({
      steps, loss, engineBytes: s.memoryBytes, capacity: s.capacity, tensorBytes: s.tensorBytes, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss,
      peak: s.tensorArenaPeak, persistent: s.heapBytes, bound: bound(eng, s, workload), budgetErrors,
    });
  };

  const t0 = performance.now();
  let steps = 0;
  let loss = NaN;
  let nextSample = 0;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (elapsed >= nextSample) {
      sample(steps, loss);
      nextSample += durationMs / (sampleCount - 1);
      const last = samples[samples.length - 1];
      bar.update(Math.min(100, Math.round((100 * elapsed) / durationMs)), {
        steps, loss: loss.toFixed(5), engine: mib(last.engineBytes), heap: mib(last.heapUsed),
      });
      if (elapsed >= durationMs) break;
    }
    const l = step();
    if (!Number.isNaN(l)) loss = l;
    steps++;
  }
  bar.stop();
  report.push({ workload, backend, samples, seconds: (performance.now() - t0) / 1000 });
}

const loadAverage = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`\nload average at the end: ${loadAverage}`);

for (const { workload, backend, samples, seconds } of report) {
  console.log(`\n### ${workload}, ${backend}: ${samples[samples.length - 1].steps} steps in ${seconds.toFixed(0)} s\n`);
  console.log('| steps | loss | engine memory (MiB) | bound (MiB) | largest step (MiB) | persistent (MiB) | tape capacity | tensor bytes (MiB) | JS heap after GC (MiB) | array buffers (MiB) | RSS (MiB) |');
  console.log('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const s of samples) {
    console.log(
      `| ${s.steps} | ${Number.isNaN(s.loss) ? '-' : s.loss.toFixed(6)} | ${mib(s.engineBytes)} | ${s.bound === null ? '-' : mib(s.bound)} | ${mib(s.peak ?? 0)} | ` +
        `${mib(s.persistent ?? 0)} | ${s.capacity} | ${mib(s.tensorBytes)} | ${mib(s.heapUsed)} | ${mib(s.arrayBuffers)} | ${mib(s.rss)} |`,
    );
  }
  const over = samples.filter((s) => s.bound !== null && s.engineBytes > s.bound);
  if (samples[0].bound !== null) console.log(`\nfootprint bound ${over.length === 0 ? 'held at every sample' : `BROKEN at ${over.length} samples`}`);
  if (workload === 'forgot') console.log(`the budget stopped the loop ${samples[samples.length - 1].budgetErrors} times`);
  if (workload === 'mixed' || workload === 'forgot') continue; // steps of several sizes: tensorBytes differs by design; the bound is the check
  // From the second sample on, the tape and the arena have reached their size: nothing may grow after that.
  const settled = samples.slice(1);
  const engineFlat = settled.every((s) => s.engineBytes === settled[0].engineBytes && s.capacity === settled[0].capacity && s.tensorBytes === settled[0].tensorBytes);
  const heaps = settled.map((s) => s.heapUsed);
  const heapDrift = Math.max(...heaps) - Math.min(...heaps);
  console.log(
    `\nengine memory ${engineFlat ? 'flat' : 'GREW'} from step ${settled[0].steps} on; ` +
      `JS heap after GC varied by ${(heapDrift / 1024).toFixed(0)} KiB across the samples`,
  );
}
