// What the page computes, in the page and in a Worker: the seed example's value
// and gradients, and y = w·x + b fitted by gradient descent to points on y = 2x - 1.
import { createEngine } from 'wasmgrad';

export async function demo() {
  const eng = await createEngine(); // finds the .wasm that Vite copied into the build

  const [w0, x0, w1, x1, w2] = [2, -1, -3, -2, -3].map((v) => eng.value(v));
  const h = eng.div(1, eng.add(1, w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp()));
  h.backward();
  const seed = { h: h.data, grads: { w0: w0.grad, x0: x0.grad, w1: w1.grad, x1: x1.grad, w2: w2.grad } };
  eng.reset();

  const xs = [-1, -0.5, 0, 0.5, 1, 1.5];
  const w = eng.param(0, 'w');
  const b = eng.param(0, 'b');
  let loss = NaN;
  for (let step = 0; step < 50; step++) {
    const errors = xs.map((x) => w.mul(x).add(b).sub(2 * x - 1).pow(2));
    const total = eng.mean(errors);
    w.grad = 0;
    b.grad = 0;
    total.backward();
    loss = total.data;
    w.data -= 0.3 * w.grad;
    b.data -= 0.3 * b.grad;
    eng.reset();
  }
  return { seed, fit: { w: w.data, b: b.data, loss } };
}
