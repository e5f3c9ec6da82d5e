// Newton's method with exact Hessians: Rosenbrock's function
//
//   f(x, y) = (1 − x)² + 100·(y − x²)²
//
// from the classic start (−1.2, 1). Each step takes the gradient (eng.grad)
// and the 2×2 Hessian (eng.hessian: the gradient recorded as graph nodes,
// then differentiated again) at the iterate and solves H·d = −∇f. Pure
// Newton, no line search: it converges quadratically near (1, 1) and gets
// there in a handful of steps where gradient descent needs thousands.
//
//   npm run example:newton

import { createEngine } from 'wasmgrad';

export const rosenbrock = (x, y) => x.neg().add(1).pow(2).add(y.sub(x.mul(x)).pow(2).mul(100));

/** Newton iterates from `start` until the step is below `tol` (or maxIter steps): [[x, y], …], the start first. */
export async function newton({ backend = 'wasm', start = [-1.2, 1], tol = 1e-12, maxIter = 30 } = {}) {
  const eng = await createEngine({ backend });
  const grad = eng.grad(rosenbrock, { argnums: [0, 1] });
  const hessian = eng.hessian(rosenbrock);
  const iterates = [start];
  let [x, y] = start;
  for (let k = 0; k < maxIter; k++) {
    const [gx, gy] = grad(x, y).map((v) => v.data);
    const [[a, b], [c, d]] = hessian(x, y).map((row) => row.map((v) => v.data));
    // H·step = −g for a 2×2 H, by Cramer's rule
    const det = a * d - b * c;
    const dx = -(d * gx - b * gy) / det, dy = -(a * gy - c * gx) / det;
    x += dx;
    y += dy;
    iterates.push([x, y]);
    eng.reset();
    if (Math.hypot(dx, dy) < tol) break;
  }
  return iterates;
}

async function main() {
  const iterates = await newton();
  const f = ([x, y]) => (1 - x) ** 2 + 100 * (y - x * x) ** 2;
  iterates.forEach((p, k) => {
    console.log(`${String(k).padStart(2)}  x = ${p[0].toFixed(15).padStart(19)}  y = ${p[1].toFixed(15).padStart(19)}  f = ${f(p).toExponential(3)}`);
  });
  const [x, y] = iterates[iterates.length - 1];
  console.log(`\n${iterates.length - 1} Newton steps; distance from (1, 1): ${Math.hypot(x - 1, y - 1).toExponential(2)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
