// A plain-JS MLP (784-H-10, ReLU, softmax cross-entropy) trained on the `mnist`
// package's digits, with no engine at all: the yardstick for the wasmgrad MNIST
// example's recipe, accuracy and time. Backpropagation is written out by hand.
//
//   node examples/mnist/reference.mjs                       # the chosen recipe (RECIPE.md)
//   node examples/mnist/reference.mjs --seed 2 --epochs 8
//   node examples/mnist/reference.mjs --optimizer adam --lr 3e-3 --shift 0
//   node examples/mnist/reference.mjs --val 1000            # hold 1000 training digits out for tuning
//   node examples/mnist/reference.mjs --help
//
// Storage is Float32Array throughout (what an f32 engine holds); sums are
// accumulated in JS doubles and rounded when stored.

import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadMnist, batches, gather, mulberry32, shiftImages } from './data.mjs';

const IN = 784;
const OUT = 10;

/** The recipe RECIPE.md reports; every field can be overridden. */
export const DEFAULTS = Object.freeze({
  train: 8000,
  test: 2000,
  val: 0, // > 0: the last `val` training digits are held out and scored instead of the test set
  dataSeed: 1, // loadMnist's split
  seed: 1, // initial weights and batch order
  hidden: 128,
  batch: 64,
  epochs: 10,
  optimizer: 'sgd',
  lr: 0.1,
  momentum: 0.9, // sgd
  nesterov: false, // sgd
  beta1: 0.9, // adam
  beta2: 0.999, // adam
  eps: 1e-8, // adam
  weightDecay: 0, // L2 added to the weights' gradients (not to biases)
  schedule: 'cosine', // 'const' | 'cosine' | 'step' | 'linear', per step
  warmup: 0, // steps of linear warm-up before the schedule
  shift: 1, // > 0: translate each training image by up to this many pixels per axis (shiftImages)
});

/** Standard normal from two uniforms (Box–Muller), for the initial weights. */
function gaussian(rng) {
  let u = 0;
  while (u === 0) u = rng(); // log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * He (Kaiming) normal init: std sqrt(2 / fan_in), so ReLU layers keep their
 * activations' scale; biases zero. Weights are [out][in] row-major (PyTorch's
 * layout): W1 is H×784, W2 is 10×H.
 */
export function initParams(hidden, seed) {
  const rng = mulberry32(seed);
  const W1 = new Float32Array(hidden * IN);
  const W2 = new Float32Array(OUT * hidden);
  const s1 = Math.sqrt(2 / IN);
  const s2 = Math.sqrt(2 / hidden);
  for (let i = 0; i < W1.length; i++) W1[i] = gaussian(rng) * s1;
  for (let i = 0; i < W2.length; i++) W2[i] = gaussian(rng) * s2;
  return { W1, b1: new Float32Array(hidden), W2, b2: new Float32Array(OUT) };
}

/**
 * C (M×N) = A (M×K) · Bᵀ, B being N×K: every output is a dot product of two
 * contiguous rows. Computed in 2×2 blocks: four independent sums per pass
 * share the loads and break the add-latency chain, about three times the speed
 * of one dot at a time in V8 (which does not vectorize). Sums are doubles,
 * rounded to f32 when stored.
 */
function matmulNT(A, B, C, M, N, K) {
  let m = 0;
  for (; m + 1 < M; m += 2) {
    const a0 = m * K;
    const a1 = a0 + K;
    let n = 0;
    for (; n + 1 < N; n += 2) {
      const b0 = n * K;
      const b1 = b0 + K;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0; // prettier-ignore
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k];
        const x1 = A[a1 + k];
        const y0 = B[b0 + k];
        const y1 = B[b1 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      C[m * N + n] = s00;
      C[m * N + n + 1] = s01;
      C[(m + 1) * N + n] = s10;
      C[(m + 1) * N + n + 1] = s11;
    }
    if (n < N) {
      const b0 = n * K;
      let s0 = 0, s1 = 0; // prettier-ignore
      for (let k = 0; k < K; k++) {
        s0 += A[a0 + k] * B[b0 + k];
        s1 += A[a1 + k] * B[b0 + k];
      }
      C[m * N + n] = s0;
      C[(m + 1) * N + n] = s1;
    }
  }
  if (m < M) {
    const a0 = m * K;
    for (let n = 0; n < N; n++) {
      const b0 = n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      C[m * N + n] = s;
    }
  }
}

/** Learning-rate multiplier at step t of T. */
function lrFactor(schedule, t, T, warmup) {
  if (t < warmup) return (t + 1) / warmup;
  const p = (t - warmup) / Math.max(1, T - warmup);
  switch (schedule) {
    case 'const':
      return 1;
    case 'cosine':
      return 0.5 * (1 + Math.cos(Math.PI * p));
    case 'linear':
      return 1 - p;
    case 'step': // x0.1 at 50% and 75% of training
      return p < 0.5 ? 1 : p < 0.75 ? 0.1 : 0.01;
    default:
      throw new RangeError(`unknown schedule ${JSON.stringify(schedule)}`);
  }
}

/**
 * Forward pass of n contiguous rows X (n×784), labels Y. Fills H (pre-activation,
 * kept for the ReLU mask), A (ReLU) and P (softmax); returns the summed
 * cross-entropy and the number of correct argmaxes.
 */
function forward(p, hidden, X, Y, n, H, A, P) {
  const { W1, b1, W2, b2 } = p;
  matmulNT(X, W1, H, n, hidden, IN);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < hidden; j++) {
      const k = r * hidden + j;
      H[k] += b1[j];
      A[k] = H[k] > 0 ? H[k] : 0;
    }
  }
  let loss = 0;
  let correct = 0;
  const z = new Float64Array(OUT);
  for (let r = 0; r < n; r++) {
    const a = r * hidden;
    for (let k = 0; k < OUT; k++) {
      let s = b2[k];
      const w = k * hidden;
      for (let j = 0; j < hidden; j++) s += A[a + j] * W2[w + j];
      z[k] = s;
    }
    // Softmax shifted by the max so exp cannot overflow.
    let m = z[0];
    let arg = 0;
    for (let k = 1; k < OUT; k++) if (z[k] > m) (m = z[k]), (arg = k);
    let s = 0;
    for (let k = 0; k < OUT; k++) s += Math.exp(z[k] - m);
    for (let k = 0; k < OUT; k++) P[r * OUT + k] = Math.exp(z[k] - m) / s;
    const y = Y[r];
    loss += Math.log(s) - (z[y] - m);
    if (arg === y) correct++;
  }
  return { loss, correct };
}

/** Accuracy and mean cross-entropy of the model on all rows of X. */
export function evaluate(p, hidden, X, Y, chunk = 256) {
  const n = Y.length;
  const H = new Float32Array(chunk * hidden);
  const A = new Float32Array(chunk * hidden);
  const P = new Float32Array(chunk * OUT);
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const r = forward(p, hidden, X.subarray(s * IN, (s + m) * IN), Y.subarray(s, s + m), m, H, A, P);
    loss += r.loss;
    correct += r.correct;
  }
  return { acc: correct / n, loss: loss / n };
}

/**
 * Trains the MLP and returns its parameters and per-epoch history.
 * @param {Partial<typeof DEFAULTS>} [options]
 * @param {(e: object) => void} [onEpoch] called after each epoch with its record
 */
export function trainReference(options = {}, onEpoch = () => {}) {
  const o = { ...DEFAULTS, ...options };
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new RangeError(`unknown optimizer ${JSON.stringify(o.optimizer)}`);
  lrFactor(o.schedule, 0, 1, 0); // reject an unknown schedule before loading anything
  const data = loadMnist({ train: o.train, test: o.test, seed: o.dataSeed });
  let { trainX, trainY, testX, testY } = data;
  if (o.val > 0) {
    // Tuning on held-out training digits keeps the test digits unseen until the recipe is fixed.
    const n = o.train - o.val;
    testX = trainX.subarray(n * IN);
    testY = trainY.subarray(n);
    trainX = trainX.subarray(0, n * IN);
    trainY = trainY.subarray(0, n);
  }
  const nTrain = trainY.length;
  const Hd = o.hidden;
  const B = o.batch;
  const p = initParams(Hd, o.seed);
  const grads = {
    W1: new Float32Array(p.W1.length),
    b1: new Float32Array(Hd),
    W2: new Float32Array(p.W2.length),
    b2: new Float32Array(OUT),
  };
  const names = ['W1', 'b1', 'W2', 'b2'];
  const decayed = { W1: true, b1: false, W2: true, b2: false };
  const m1 = {};
  const m2 = {};
  for (const k of names) {
    m1[k] = new Float32Array(p[k].length); // sgd velocity or adam first moment
    if (o.optimizer === 'adam') m2[k] = new Float32Array(p[k].length);
  }

  const Xb = new Float32Array(B * IN);
  const XbT = new Float32Array(IN * B);
  const Yb = new Int32Array(B);
  const H = new Float32Array(B * Hd);
  const A = new Float32Array(B * Hd);
  const P = new Float32Array(B * OUT);
  const dZ = new Float32Array(B * OUT);
  const dHT = new Float32Array(Hd * B);

  // Batch order has its own stream so it does not depend on how many numbers the init drew.
  const orderRng = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const shiftRng = mulberry32((o.seed ^ 0x85ebca6b) >>> 0);
  const stepsPerEpoch = Math.ceil(nTrain / B);
  const T = stepsPerEpoch * o.epochs;
  let t = 0;
  const history = [];
  let trainMs = 0;

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    for (const idx of batches(nTrain, B, orderRng)) {
      const n = idx.length;
      gather(trainX, trainY, idx, Xb, Yb);
      shiftImages(Xb, n, o.shift, shiftRng);
      const f = forward(p, Hd, Xb, Yb, n, H, A, P);
      lossSum += f.loss;
      correct += f.correct;

      // d(mean loss)/dz = (softmax - onehot) / n
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < OUT; k++) dZ[r * OUT + k] = (P[r * OUT + k] - (k === Yb[r] ? 1 : 0)) / n;
      }
      // Layer 2: dW2 = dZᵀ A, db2 = Σ dZ; dH = (dZ W2) ⊙ [H > 0], stored transposed for dW1.
      grads.W2.fill(0);
      grads.b2.fill(0);
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < OUT; k++) {
          const d = dZ[r * OUT + k];
          grads.b2[k] += d;
          const w = k * Hd;
          for (let j = 0; j < Hd; j++) grads.W2[w + j] += d * A[r * Hd + j];
        }
        for (let j = 0; j < Hd; j++) {
          let s = 0;
          if (H[r * Hd + j] > 0) for (let k = 0; k < OUT; k++) s += dZ[r * OUT + k] * p.W2[k * Hd + j];
          dHT[j * n + r] = s;
        }
      }
      // Layer 1: dW1 = dHᵀ X (no dX: the input needs no gradient), db1 = Σ dH.
      for (let j = 0; j < Hd; j++) {
        let s = 0;
        for (let r = 0; r < n; r++) s += dHT[j * n + r];
        grads.b1[j] = s;
      }
      for (let r = 0; r < n; r++) for (let i = 0; i < IN; i++) XbT[i * n + r] = Xb[r * IN + i];
      matmulNT(dHT, XbT, grads.W1, Hd, IN, n);

      // Update
      const lr = o.lr * lrFactor(o.schedule, t, T, o.warmup);
      t++;
      if (o.optimizer === 'adam') {
        const c1 = 1 - o.beta1 ** t;
        const c2 = 1 - o.beta2 ** t;
        for (const k of names) {
          const w = p[k];
          const g = grads[k];
          const m = m1[k];
          const v = m2[k];
          const wd = decayed[k] ? o.weightDecay : 0;
          for (let i = 0; i < w.length; i++) {
            const gi = g[i] + wd * w[i];
            m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
            v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
            w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + o.eps);
          }
        }
      } else {
        for (const k of names) {
          const w = p[k];
          const g = grads[k];
          const vel = m1[k];
          const wd = decayed[k] ? o.weightDecay : 0;
          for (let i = 0; i < w.length; i++) {
            const gi = g[i] + wd * w[i];
            vel[i] = o.momentum * vel[i] + gi;
            w[i] -= lr * (o.nesterov ? gi + o.momentum * vel[i] : vel[i]);
          }
        }
      }
    }
    const ms = performance.now() - t0;
    trainMs += ms;
    const ev = evaluate(p, Hd, testX, testY);
    const rec = {
      epoch,
      trainLoss: lossSum / nTrain,
      trainAcc: correct / nTrain,
      testLoss: ev.loss,
      testAcc: ev.acc,
      epochMs: ms,
      trainMs,
    };
    history.push(rec);
    onEpoch(rec);
  }
  return { params: p, history, options: o, scored: o.val > 0 ? 'val' : 'test' };
}

function main() {
  const spec = {
    train: 'int', test: 'int', val: 'int', dataSeed: 'int', seed: 'int', hidden: 'int', batch: 'int', epochs: 'int',
    optimizer: 'str', lr: 'num', momentum: 'num', nesterov: 'bool', beta1: 'num', beta2: 'num', eps: 'num',
    weightDecay: 'num', schedule: 'str', warmup: 'int', shift: 'int', json: 'bool', quiet: 'bool', help: 'bool',
  };
  const kebab = (s) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  const options = {};
  for (const [k, type] of Object.entries(spec)) options[kebab(k)] = { type: type === 'bool' ? 'boolean' : 'string' };
  const { values } = parseArgs({ options });
  if (values.help) {
    console.log('usage: node examples/mnist/reference.mjs [--option value ...]\noptions (default):');
    for (const [k, v] of Object.entries(DEFAULTS)) console.log(`  --${kebab(k)} (${v})`);
    console.log('  --json (one JSON line per epoch)  --quiet (final line only)');
    return;
  }
  const o = {};
  for (const [k, type] of Object.entries(spec)) {
    const v = values[kebab(k)];
    if (v === undefined || k === 'json' || k === 'quiet' || k === 'help') continue;
    if (type === 'bool') o[k] = v;
    else if (type === 'str') o[k] = v;
    else {
      const num = Number(v);
      if (!Number.isFinite(num) || (type === 'int' && !Number.isInteger(num))) {
        console.error(`--${kebab(k)} must be ${type === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`);
        process.exit(2);
      }
      o[k] = num;
    }
  }
  const r = { ...DEFAULTS, ...o };
  const what = r.val > 0 ? `val ${r.val} (held out of train)` : 'test';
  if (!values.json) {
    console.log(
      `MLP 784-${r.hidden}-10, ${r.optimizer} lr ${r.lr}` +
        (r.optimizer === 'sgd' ? ` momentum ${r.momentum}${r.nesterov ? ' nesterov' : ''}` : ` betas ${r.beta1}/${r.beta2}`) +
        `, ${r.schedule}${r.warmup ? ` warmup ${r.warmup}` : ''}, wd ${r.weightDecay}${r.shift ? `, shift ±${r.shift}` : ''}, batch ${r.batch}, ${r.epochs} epochs, ` +
        `train ${r.train - r.val} / ${what} ${r.val > 0 ? r.val : r.test}, data seed ${r.dataSeed}, seed ${r.seed}`,
    );
  }
  const res = trainReference(o, (e) => {
    if (values.json) console.log(JSON.stringify(e));
    else if (!values.quiet) {
      console.log(
        `epoch ${String(e.epoch).padStart(2)}  train loss ${e.trainLoss.toFixed(4)} acc ${(100 * e.trainAcc).toFixed(2)}%  ` +
          `${what.split(' ')[0]} loss ${e.testLoss.toFixed(4)} acc ${(100 * e.testAcc).toFixed(2)}%  ` +
          `${(e.epochMs / 1000).toFixed(2)} s (total ${(e.trainMs / 1000).toFixed(1)} s)`,
      );
    }
  });
  const last = res.history.at(-1);
  if (!values.json) {
    console.log(`final ${res.scored} accuracy ${(100 * last.testAcc).toFixed(2)}% after ${(last.trainMs / 1000).toFixed(1)} s of training`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
