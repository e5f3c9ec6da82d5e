// The workloads of bench/peers/run.mjs, their seeded data, and the f64 reference
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
