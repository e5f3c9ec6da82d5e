// The workloads of bench/compare.mjs, their seeded data, and the f64 reference
// values every engine is checked against (plain JS, no autograd engine involved).

// W2: x_{k+1} = tanh(x_k·w + b), 33,333 steps = 99,999 op nodes (mul, add, tanh), forward + backward,
// gradients of x_last with respect to x0, w and b. The constants are bench/chain.mjs's: the chain sits
// on a slow, stable fixed point, so nothing saturates and d x_last / d x0 stays a normal number.
export const W2 = { x0: 0.5, w: 1.0004, b: 1e-5, steps: 33_333 };

// W2s: the same chain at 300 steps (900 op nodes), for every engine, including those that cannot run
// W2 at full length (js-pytorch's backward recurses once per op; jax-js eager ran out of a 4 GB heap and
// jax-js jit takes seconds to trace and compile even 300 steps).
export const W2_SHORT_STEPS = 300;

// W5: f(p) = Σ_{i<10} tanh(p_i·x_i + c), the value and its gradient with respect to the 10 parameters p,
// from 10 JS numbers in to 11 JS numbers out, per call.
export const W5 = { n: 10, c: 0.1, seed: 5 };

/** mulberry32: a small seeded PRNG, so the data are the same in every process. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** x_i in [-1, 1), p_i in [-1, 1), rounded to f32 so that f32 engines start from the same numbers. */
export function w5Data() {
  const r = mulberry32(W5.seed);
  const f32 = (v) => Math.fround(v);
  const x = Array.from({ length: W5.n }, () => f32(2 * r() - 1));
  const p = Array.from({ length: W5.n }, () => f32(2 * r() - 1));
  return { x, p };
}

/** [x_last, dx0, dw, db] in f64 for a chain of `steps` steps. */
export function w2Reference(steps) {
  const { x0, w, b } = W2;
  const xs = new Float64Array(steps + 1);
  xs[0] = x0;
  for (let k = 0; k < steps; k++) xs[k + 1] = Math.tanh(xs[k] * w + b);
  let g = 1, dw = 0, db = 0;
  for (let k = steps - 1; k >= 0; k--) {
    const t = xs[k + 1];
    const d = g * (1 - t * t);
    dw += d * xs[k];
    db += d;
    g = d * w;
  }
  return [xs[steps], g, dw, db];
}

/** [f, df/dp_0 .. df/dp_9] in f64. */
export function w5Reference() {
  const { x, p } = w5Data();
  let f = 0;
  const g = [];
  for (let i = 0; i < W5.n; i++) {
    const t = Math.tanh(p[i] * x[i] + W5.c);
    f += t;
    g.push((1 - t * t) * x[i]);
  }
  return [f, ...g];
}

export const CHECK_NAMES = { W2: ['x_last', 'dx_last/dx0', 'dx_last/dw', 'dx_last/db'], W5: ['f', ...Array.from({ length: W5.n }, (_, i) => `df/dp${i}`)] };

// W1 (tensor form, peers only): micrograd's two-moons step, MLP 2-16-16-1 (ReLU, linear output) on
// makeMoons(100, { seed: 1337 }), loss = mean_i relu(1 − y_i·score_i) + 1e-4·Σ p², SGD lr 0.05, as
// bench/moons.mjs, from the same initial weights (nn.MLP(eng, 2, [16, 16, 1], { seed: 1337 })).
export const W1 = { n: 100, seed: 1337, sizes: [2, 16, 16, 1], alpha: 1e-4, lr: 0.05, checkedSteps: 3 };

/** The data and the initial weights as matrices: layers[l].W[i][j] = neuron j's weight on input i. */
export async function w1Setup() {
  const { createEngine, nn } = await import('../../dist/index.js');
  const { makeMoons } = await import('../../examples/moons/data.mjs');
  const { X, y } = makeMoons(W1.n, { seed: W1.seed });
  const eng = await createEngine({ backend: 'js' });
  const model = new nn.MLP(eng, 2, W1.sizes.slice(1), { seed: W1.seed });
  const flat = model.parameters().map((p) => p.data); // per neuron: its weights, then its bias
  const layers = [];
  let k = 0;
  for (let l = 1; l < W1.sizes.length; l++) {
    const nin = W1.sizes[l - 1], nout = W1.sizes[l];
    const W = Array.from({ length: nin }, () => new Array(nout));
    const b = new Array(nout);
    for (let j = 0; j < nout; j++) {
      for (let i = 0; i < nin; i++) W[i][j] = flat[k++];
      b[j] = flat[k++];
    }
    layers.push({ W, b });
  }
  return { X, y, flat, layers };
}

/** The losses of the first W1.checkedSteps steps, in f64, by the object graph (micrograd's algorithm). */
export async function w1Reference() {
  const { X, y, flat } = await w1Setup();
  const { MLP, Value } = await import('../objectgraph.mjs');
  const model = new MLP(2, W1.sizes.slice(1));
  const ps = model.parameters();
  ps.forEach((p, i) => (p.data = flat[i]));
  const losses = [];
  for (let s = 0; s < W1.checkedSteps; s++) {
    const scores = X.map((row) => model.forward(row.map((v) => new Value(v))));
    let data = null;
    scores.forEach((sc, i) => {
      const li = sc.mul(-y[i]).add(1).relu();
      data = data ? data.add(li) : li;
    });
    data = data.mul(1 / X.length);
    let reg = null;
    for (const p of ps) reg = reg ? reg.add(p.mul(p)) : p.mul(p);
    const loss = data.add(reg.mul(W1.alpha));
    model.zeroGrad();
    loss.backward();
    for (const p of ps) p.data -= W1.lr * p.grad;
    losses.push(loss.data);
  }
  return losses;
}

// ── W3, W4: tensor workloads (matmul, MLP), f32 data from one seeded generator ──

/** n·n numbers in [lo, hi), each rounded to f32, so that every engine starts from the same values. */
export function f32Data(len, seed, lo = -1, hi = 1) {
  const r = mulberry32(seed);
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

// W3: loss = sum(A @ B) for n×n f32 matrices, forward + backward (dA, dB), GFLOP/s counting 6n³
// (2n³ for A@B, 2n³ each for dA = G·Bᵀ and dB = Aᵀ·G). An engine may not know that G is all ones.
export const W3 = { sizes: [64, 256, 512, 1024], quickSizes: [64, 256], seedA: 31, seedB: 32 };

export function w3Data(n) {
  return { A: f32Data(n * n, W3.seedA + 1000 * n), B: f32Data(n * n, W3.seedB + 1000 * n) };
}

/** The entries checked on every engine: [name, row, col] of dA and dB (row-major n×n). */
export function w3Probes(n) {
  return [['dA', 0, 0], ['dA', n - 1, n - 1], ['dA', n >> 1, 1], ['dB', 0, 0], ['dB', n - 1, n - 1], ['dB', 1, n >> 1]];
}

/**
 * The f64 reference and the scale each checked number is measured against. sum(A@B) = Σ_k colsumA_k ·
 * rowsumB_k; dA[i][k] = Σ_j B[k][j]; dB[k][j] = Σ_i A[i][k]. An f32 engine's error in a sum of many
 * terms is bounded relative to the sum of their magnitudes, not to the (cancelling) sum itself: that is
 * the scale. */
export function w3Reference(n) {
  const { A, B } = w3Data(n);
  const colA = new Float64Array(n), colAbsA = new Float64Array(n), rowB = new Float64Array(n), rowAbsB = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      colA[k] += A[i * n + k];
      colAbsA[k] += Math.abs(A[i * n + k]);
      rowB[i] += B[i * n + k];
      rowAbsB[i] += Math.abs(B[i * n + k]);
    }
  let loss = 0, lossScale = 0;
  for (let k = 0; k < n; k++) {
    loss += colA[k] * rowB[k];
    lossScale += colAbsA[k] * rowAbsB[k];
  }
  const values = [loss], scales = [lossScale];
  for (const [name, r, c] of w3Probes(n)) {
    values.push(name === 'dA' ? rowB[c] : colA[r]);
    scales.push(name === 'dA' ? rowAbsB[c] : colAbsA[r]);
  }
  return { values, scales, names: ['loss', ...w3Probes(n).map(([nm, r, c]) => `${nm}[${r}][${c}]`)] };
}

// W4: MLP 784-128-10 on a batch of 64: h = relu(X·W1 + b1), logits = h·W2 + b2,
// loss = mean_i (logsumexp(logits_i) − logits_i[y_i]), then p −= lr·grad. Weights as [in, out]
// (nn.Linear's [out, in] is its transpose), PyTorch's default init U(−1/√in, 1/√in), rounded to f32.
export const W4 = { batch: 64, sizes: [784, 128, 10], lr: 0.1, seed: 44, checkedSteps: 3 };

export function w4Setup() {
  const [nin, nh, nout] = W4.sizes;
  const r = mulberry32(W4.seed);
  const X = f32Data(W4.batch * nin, W4.seed + 1, 0, 1); // pixel-like intensities in [0, 1)
  const y = Int32Array.from({ length: W4.batch }, () => Math.floor(r() * nout));
  const b1b = 1 / Math.sqrt(nin), b2b = 1 / Math.sqrt(nh);
  return {
    X, y,
    W1: f32Data(nin * nh, W4.seed + 2, -b1b, b1b), b1: f32Data(nh, W4.seed + 3, -b1b, b1b),
    W2: f32Data(nh * nout, W4.seed + 4, -b2b, b2b), b2: f32Data(nout, W4.seed + 5, -b2b, b2b),
  };
}

/** Gradient entries checked after the first step's backward: [param, row, col] in the [in, out] layout. */
export const W4_PROBES = [['W1', 100, 5], ['W1', 400, 64], ['W1', 783, 127], ['b1', 7], ['W2', 3, 2], ['W2', 127, 9], ['b2', 0], ['b2', 9]];

/** Reads the probes from gradients given as flat row-major arrays in the [in, out] layout. */
export function w4ReadProbes(g) {
  const [, nh, nout] = W4.sizes;
  return W4_PROBES.map(([p, r, c]) => (p === 'W1' ? g.W1[r * nh + c] : p === 'W2' ? g.W2[r * nout + c] : g[p][r]));
}

/**
 * f64 reference: the losses of the first W4.checkedSteps SGD steps, the probed gradient entries of the
 * first step, and as their scales the largest gradient magnitude of each probed tensor (entries near 0
 * are measured against the tensor's scale, not their own).
 */
export function w4Reference() {
  const { X, y, W1: w1, b1: c1, W2: w2, b2: c2 } = w4Setup();
  const [nin, nh, nout] = W4.sizes, B = W4.batch;
  const W1 = Float64Array.from(w1), b1 = Float64Array.from(c1), W2 = Float64Array.from(w2), b2 = Float64Array.from(c2);
  const losses = [];
  let probes = null, scales = null;
  for (let s = 0; s < W4.checkedSteps; s++) {
    const h = new Float64Array(B * nh), lg = new Float64Array(B * nout);
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < nh; j++) {
        let a = b1[j];
        for (let k = 0; k < nin; k++) a += X[i * nin + k] * W1[k * nh + j];
        h[i * nh + j] = a > 0 ? a : 0;
      }
      for (let j = 0; j < nout; j++) {
        let a = b2[j];
        for (let k = 0; k < nh; k++) a += h[i * nh + k] * W2[k * nout + j];
        lg[i * nout + j] = a;
      }
    }
    let loss = 0;
    const dlg = new Float64Array(B * nout);
    for (let i = 0; i < B; i++) {
      let m = -Infinity;
      for (let j = 0; j < nout; j++) m = Math.max(m, lg[i * nout + j]);
      let se = 0;
      for (let j = 0; j < nout; j++) se += Math.exp(lg[i * nout + j] - m);
      const lse = m + Math.log(se);
      loss += lse - lg[i * nout + y[i]];
      for (let j = 0; j < nout; j++) dlg[i * nout + j] = (Math.exp(lg[i * nout + j] - lse) - (j === y[i] ? 1 : 0)) / B;
    }
    losses.push(loss / B);
    const gW2 = new Float64Array(nh * nout), gb2 = new Float64Array(nout), dh = new Float64Array(B * nh);
    const gW1 = new Float64Array(nin * nh), gb1 = new Float64Array(nh);
    for (let i = 0; i < B; i++)
      for (let j = 0; j < nout; j++) {
        const d = dlg[i * nout + j];
        gb2[j] += d;
        for (let k = 0; k < nh; k++) {
          gW2[k * nout + j] += h[i * nh + k] * d;
          dh[i * nh + k] += d * W2[k * nout + j];
        }
      }
    for (let i = 0; i < B; i++)
      for (let k = 0; k < nh; k++) {
        const d = h[i * nh + k] > 0 ? dh[i * nh + k] : 0;
        if (d === 0) continue;
        gb1[k] += d;
        for (let q = 0; q < nin; q++) gW1[q * nh + k] += X[i * nin + q] * d;
      }
    const g = { W1: gW1, b1: gb1, W2: gW2, b2: gb2 };
    if (s === 0) {
      probes = w4ReadProbes(g);
      const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      scales = W4_PROBES.map(([p]) => maxAbs(g[p]));
    }
    for (const [p, gp] of [[W1, gW1], [b1, gb1], [W2, gW2], [b2, gb2]]) for (let i = 0; i < p.length; i++) p[i] -= W4.lr * gp[i];
  }
  return {
    values: [...losses, ...probes],
    scales: [...losses.map((l) => Math.abs(l)), ...scales],
    names: [...losses.map((_, i) => `loss at step ${i + 1}`), ...W4_PROBES.map(([p, r, c]) => `d${p}[${r}]${c === undefined ? '' : `[${c}]`} (step 1)`)],
  };
}
