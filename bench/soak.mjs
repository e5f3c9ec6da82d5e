// Memory over a long training run, repeated for a fixed time on each backend,
// sampling the engine's memory and the JS heap after a forced GC. A training
// loop must be able to run for hours; this shows whether anything grows per
// step. Workloads: micrograd's two-moons step on scalar Values (moons), or an
// MLP 784-128-10 step on tensors, batch 64, cross-entropy, SGD (mlp).
//
//   npm run soak                            # 1 minute per backend, both workloads
//   node --expose-gc bench/soak.mjs --minutes 30 --backend wasm --workload mlp

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
const workloads = args.workload ? [args.workload] : ['moons', 'mlp'];
for (const w of workloads) if (w !== 'moons' && w !== 'mlp') throw new RangeError(`--workload must be moons or mlp, got ${w}`);
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
  const rng = new Random(7);
  const model = new nn.Sequential(new nn.Linear(eng, 784, 128, { rng }), (t) => t.relu(), new nn.Linear(eng, 128, 10, { rng }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const images = Float32Array.from({ length: 64 * 784 }, () => rng.next());
  const labels = Int32Array.from({ length: 64 }, (_, i) => i % 10);
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

for (const workload of workloads) for (const backend of backends) {
  const eng = await createEngine({ backend });
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
    samples.push({ steps, loss, engineBytes: s.memoryBytes, capacity: s.capacity, tensorBytes: s.tensorBytes, heapUsed: m.heapUsed, rss: m.rss });
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
    loss = step();
    steps++;
  }
  bar.stop();
  report.push({ workload, backend, samples, seconds: (performance.now() - t0) / 1000 });
}

for (const { workload, backend, samples, seconds } of report) {
  console.log(`\n### ${workload}, ${backend}: ${samples[samples.length - 1].steps} steps in ${seconds.toFixed(0)} s\n`);
  console.log('| steps | loss | engine memory (MiB) | tape capacity | tensor bytes (MiB) | JS heap after GC (MiB) | RSS (MiB) |');
  console.log('|--:|--:|--:|--:|--:|--:|--:|');
  for (const s of samples) {
    console.log(`| ${s.steps} | ${Number.isNaN(s.loss) ? '-' : s.loss.toFixed(6)} | ${mib(s.engineBytes)} | ${s.capacity} | ${mib(s.tensorBytes)} | ${mib(s.heapUsed)} | ${mib(s.rss)} |`);
  }
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
