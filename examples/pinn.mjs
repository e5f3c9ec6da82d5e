// A physics-informed network: u(x) solves u'' + u = 0 on [0, π] with
// u(0) = 0, u'(0) = 1, whose solution is sin x. No sample of sin x is ever
// shown to the network: the loss is the equation itself at collocation
// points, plus the two initial conditions,
//
//   L = mean over x of (u''(x) + u(x))² + u(0)² + (u'(0) − 1)²
//
// where u' and u'' come from differentiating the network with respect to its
// input twice with createGraph (eng.gradients), so that L stays a graph the
// ordinary backward() can take to the weights: third-order derivatives
// through the tanh layers, all on tensors.
//
// u is a small tanh MLP 1 → H → H → 1 in float64, trained with Adam and a
// cosine learning-rate schedule.
//
//   npm run example:pinn

import { createEngine, optim } from 'wasmgrad';

/** A seeded Glorot-uniform tanh MLP 1 → hidden → hidden → 1 as parameters. */
function mlp(eng, hidden, seed) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const layer = (n, m) => {
    const a = Math.sqrt(6 / (n + m));
    return [
      eng.parameter(Array.from({ length: n * m }, () => (2 * rand() - 1) * a), [n, m], { dtype: 'float64' }),
      eng.parameter(new Array(m).fill(0), [m], { dtype: 'float64' }),
    ];
  };
  const params = [...layer(1, hidden), ...layer(hidden, hidden), ...layer(hidden, 1)];
  const [w1, b1, w2, b2, w3, b3] = params;
  const u = (x) => x.matmul(w1).add(b1).tanh().matmul(w2).add(b2).tanh().matmul(w3).add(b3);
  return { u, params };
}

/**
 * Trains the network; `log(step, loss)` is called every `every` steps.
 * Returns u as a function of a list of points and the loss history.
 */
export async function trainPinn({ backend = 'wasm', points = 48, hidden = 16, steps = 3000, lr = 0.02, seed = 1, every = 250, log = () => {} } = {}) {
  const eng = await createEngine({ backend });
  const { u, params } = mlp(eng, hidden, seed);
  const xs = Array.from({ length: points }, (_, i) => (Math.PI * i) / (points - 1));
  const opt = new optim.Adam(params, { lr });
  const schedule = new optim.CosineAnnealingLR(opt, { tMax: steps, etaMin: lr / 100 });
  const losses = [];
  for (let step = 1; step <= steps; step++) {
    eng.reset();
    const x = eng.tensor(xs, [points, 1], { dtype: 'float64', requiresGrad: true });
    const y = u(x);
    // each u(x_i) depends on x_i alone, so the gradient of Σ u is u' at every point, and likewise u''
    const [du] = eng.gradients(y.sum(), [x], { createGraph: true });
    const [d2u] = eng.gradients(du.sum(), [x], { createGraph: true });
    const residual = d2u.add(y);
    const at0 = eng.tensor([0], [1, 1], { dtype: 'float64', requiresGrad: true });
    const u0 = u(at0);
    const [du0] = eng.gradients(u0.sum(), [at0], { createGraph: true });
    const loss = residual.mul(residual).mean().add(u0.mul(u0).sum()).add(du0.sub(1).pow(2).sum());
    opt.zeroGrad();
    loss.backward();
    opt.step();
    schedule.step();
    const value = loss.item();
    losses.push(value);
    if (step % every === 0 || step === steps) log(step, value);
  }
  const evaluate = (list) => {
    eng.reset();
    return Array.from(u(eng.tensor(list, [list.length, 1], { dtype: 'float64' })).data());
  };
  return { evaluate, losses };
}

/** The largest |u(x) − sin x| over `n` evenly spaced points of [0, π]. */
export function maxError(evaluate, n = 201) {
  const grid = Array.from({ length: n }, (_, i) => (Math.PI * i) / (n - 1));
  const u = evaluate(grid);
  return Math.max(...grid.map((x, i) => Math.abs(u[i] - Math.sin(x))));
}

async function main() {
  console.log("u'' + u = 0 on [0, π], u(0) = 0, u'(0) = 1; exact solution sin x");
  const started = performance.now();
  const { evaluate } = await trainPinn({ log: (step, loss) => console.log(`step ${String(step).padStart(5)}  loss ${loss.toExponential(3)}`) });
  console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const grid = [0, Math.PI / 6, Math.PI / 4, Math.PI / 2, (3 * Math.PI) / 4, Math.PI];
  const u = evaluate(grid);
  grid.forEach((x, i) => console.log(`u(${x.toFixed(4)}) = ${u[i].toFixed(6).padStart(9)}   sin = ${Math.sin(x).toFixed(6).padStart(9)}`));
  console.log(`max |u − sin| over 201 points of [0, π]: ${maxError(evaluate).toExponential(3)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
