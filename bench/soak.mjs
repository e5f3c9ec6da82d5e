// Memory over a long training run: micrograd's two-moons step, repeated for
// a fixed time on each backend, sampling the engine's memory and the JS heap
// after a forced GC. A training loop must be able to run for hours; this
// shows whether anything grows per step.
//
//   npm run soak                            # 1 minute per backend
//   node --expose-gc bench/soak.mjs --minutes 30 --backend wasm

import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createEngine, nn } from '../dist/index.js';
import { makeMoons } from '../examples/moons/data.mjs';
import { moonsLoss } from '../examples/moons/train.mjs';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    backend: { type: 'string' },
    samples: { type: 'string', default: '8' },
  },
});
const minutes = Number(args.minutes);
const sampleCount = Number(args.samples);
const backends = args.backend ? [args.backend] : ['wasm', 'js'];
if (!(minutes > 0) || !(sampleCount >= 2)) throw new RangeError('--minutes must be > 0 and --samples >= 2');
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run soak does)');

const mib = (b) => (b / 2 ** 20).toFixed(2);
const { X, y } = makeMoons(100, { seed: 1337 });
const report = [];

for (const backend of backends) {
  const eng = await createEngine({ backend });
  const model = new nn.MLP(eng, 2, [16, 16, 1], { seed: 1337 });
  const params = model.parameters();
  const durationMs = minutes * 60_000;
  const bar = new cliProgress.SingleBar(
    { format: `${backend.padEnd(4)} {bar} {percentage}% | {steps} steps | loss {loss} | engine {engine} MiB | heap {heap} MiB`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { steps: 0, loss: '-', engine: '-', heap: '-' });

  const samples = [];
  const sample = (steps, loss) => {
    globalThis.gc();
    const s = eng.stats();
    const m = process.memoryUsage();
    samples.push({ steps, loss, engineBytes: s.memoryBytes, capacity: s.capacity, heapUsed: m.heapUsed, rss: m.rss });
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
    const out = moonsLoss(eng, model, X, y);
    loss = out.total.data;
    model.zeroGrad();
    out.total.backward();
    for (const p of params) p.data -= 0.05 * p.grad;
    eng.reset();
    steps++;
  }
  bar.stop();
  report.push({ backend, samples, seconds: (performance.now() - t0) / 1000 });
}

for (const { backend, samples, seconds } of report) {
  console.log(`\n### ${backend}: ${samples[samples.length - 1].steps} steps in ${seconds.toFixed(0)} s\n`);
  console.log('| steps | loss | engine memory (MiB) | tape capacity | JS heap after GC (MiB) | RSS (MiB) |');
  console.log('|--:|--:|--:|--:|--:|--:|');
  for (const s of samples) {
    console.log(`| ${s.steps} | ${Number.isNaN(s.loss) ? '-' : s.loss.toFixed(6)} | ${mib(s.engineBytes)} | ${s.capacity} | ${mib(s.heapUsed)} | ${mib(s.rss)} |`);
  }
  // From the second sample on, the tape has reached its capacity: nothing may grow after that.
  const settled = samples.slice(1);
  const engineFlat = settled.every((s) => s.engineBytes === settled[0].engineBytes && s.capacity === settled[0].capacity);
  const heaps = settled.map((s) => s.heapUsed);
  const heapDrift = Math.max(...heaps) - Math.min(...heaps);
  console.log(
    `\nengine memory ${engineFlat ? 'flat' : 'GREW'} from step ${settled[0].steps} on; ` +
      `JS heap after GC varied by ${(heapDrift / 1024).toFixed(0)} KiB across the samples`,
  );
}
