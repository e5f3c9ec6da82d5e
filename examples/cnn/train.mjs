// The convolutional MNIST classifier of examples/cnn.mjs, on the same 8,000
// training and 2,000 test digits as examples/mnist (its data.mjs): two
// blocks of 5×5 convolution, ReLU and 2×2 max pooling, dropout, then two
// linear layers; PyTorch's default initialisation drawn from the engine's
// generator; SGD with momentum and a cosine learning rate; training digits
// shifted by up to two pixels each epoch, the cheapest way to make 8,000
// digits look like more.
//
// Each step builds its graph from the batch, runs backward, lets the
// optimizer update the parameters inside the engine and resets the tape.

import { createEngine, nn, optim, F } from 'wasmgrad';
import { loadMnist, batches, gather, mulberry32, shiftImages } from '../mnist/data.mjs';

export const RECIPE = Object.freeze({
  channels: [8, 16],
  kernel: 5,
  hidden: 128,
  dropout: 0.25,
  batch: 64,
  epochs: 30,
  optimizer: 'sgd',
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  shift: 2,
  seed: 1,
  dataSeed: 1,
});

/**
 * conv(1→c1) relu pool, conv(c1→c2) relu pool, flatten, dropout,
 * linear(c2·7·7 → hidden) relu, dropout, linear(hidden → 10).
 * @param {import('wasmgrad').Engine} eng
 */
export function makeCnn(eng, { channels = RECIPE.channels, kernel = RECIPE.kernel, hidden = RECIPE.hidden, dropout = RECIPE.dropout } = {}) {
  const [c1, c2] = channels;
  const pad = (kernel - 1) / 2; // 'same' padding: pooling alone halves 28 → 14 → 7
  return new nn.Sequential(
    new nn.Conv2d(eng, 1, c1, kernel, { padding: pad }),
    new nn.ReLU(),
    (x) => F.maxPool2d(x, 2),
    new nn.Conv2d(eng, c1, c2, kernel, { padding: pad }),
    new nn.ReLU(),
    (x) => F.maxPool2d(x, 2),
    new nn.Flatten(),
    new nn.Dropout(dropout),
    new nn.Linear(eng, c2 * 7 * 7, hidden),
    new nn.ReLU(),
    new nn.Dropout(dropout),
    new nn.Linear(eng, hidden, 10),
  );
}

/** Index of the largest of each row of an [n, width] array. */
function argmaxRows(values, n, width) {
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[r * width + k] > values[r * width + best]) best = k;
    out[r] = best;
  }
  return out;
}

/** Accuracy on n images of X (n × 784) in evaluation mode (no dropout), in chunks. */
export function accuracy(model, eng, X, Y, chunk = 500) {
  model.eval();
  let correct = 0;
  const n = Y.length;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const logits = model.forward(eng.tensor(X.subarray(s * 784, (s + m) * 784), [m, 1, 28, 28]));
    const predicted = argmaxRows(logits.data(), m, 10);
    eng.reset();
    for (let i = 0; i < m; i++) if (predicted[i] === Y[s + i]) correct++;
  }
  model.train();
  return correct / n;
}

/**
 * Trains and tests. `onStep({ step, steps, epoch, loss, accuracy })` after
 * every step (accuracy: the epoch's running training accuracy, with dropout);
 * `onEpoch({ epoch, trainLoss, trainAccuracy, testAccuracy, seconds })` after
 * each epoch. With `val` > 0 the last `val` training digits are held out and
 * scored in place of the test digits (for choosing a recipe without looking
 * at the test set).
 */
export async function trainCnn(options = {}) {
  const o = { ...RECIPE, backend: 'wasm', train: 8000, test: 2000, val: 0, onStep: () => {}, onEpoch: () => {}, ...options };
  const data = loadMnist({ train: o.train, test: o.test, seed: o.dataSeed });
  let { trainX, trainY, testX, testY } = data;
  if (o.val > 0) {
    const n = o.train - o.val;
    testX = trainX.subarray(n * 784);
    testY = trainY.subarray(n);
    trainX = trainX.subarray(0, n * 784);
    trainY = trainY.subarray(0, n);
  }
  const nTrain = trainY.length;
  const eng = await createEngine({ backend: o.backend, seed: o.seed });
  const model = makeCnn(eng, o);
  const params = model.parameters();
  const opt = o.optimizer === 'adam'
    ? new optim.AdamW(params, { lr: o.lr, weightDecay: o.weightDecay })
    : new optim.SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  const steps = Math.ceil(nTrain / o.batch) * o.epochs;
  const schedule = new optim.CosineAnnealingLR(opt, { tMax: steps });

  const orderRng = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const shiftRng = mulberry32((o.seed ^ 0x85ebca6b) >>> 0);
  const xb = new Float32Array(o.batch * 784);
  const yb = new Int32Array(o.batch);
  const history = [];
  let step = 0;
  let trainSeconds = 0;

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    let lossSum = 0, seen = 0, correct = 0;
    for (const idx of batches(nTrain, o.batch, orderRng)) {
      const n = idx.length;
      gather(trainX, trainY, idx, xb, yb);
      shiftImages(xb, n, o.shift, shiftRng);
      const labels = yb.subarray(0, n);
      const logits = model.forward(eng.tensor(xb.subarray(0, n * 784), [n, 1, 28, 28]));
      const loss = F.crossEntropy(logits, labels);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      schedule.step();
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
    const record = { epoch, trainLoss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy: accuracy(model, eng, testX, testY), seconds };
    history.push(record);
    o.onEpoch(record);
  }
  return {
    eng, model, history,
    testAccuracy: history[history.length - 1].testAccuracy,
    trainSeconds, stepsPerSecond: steps / trainSeconds, wasmBuild: eng.wasmBuild,
  };
}
