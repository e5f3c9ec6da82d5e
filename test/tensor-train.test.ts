// Parameters, optimizers and modules: updates against PyTorch's formulas
// computed here by hand, nn.Linear's init, a small training run to 100%, and
// memory that stays flat across training steps with reset().
import { describe, expect, it } from 'vitest';
import { F, nn, optim, Random, type Engine, type TensorParam } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, tensorEngine } from './tensor-helpers.js';

const P0 = [0.5, -1.5, 2];
const C = [1, 3, -0.5];

/** Three steps of loss = Σ c·p² (gradient 2·c·p) through `opt`, returning p after each. */
function run(eng: Engine, make: (p: TensorParam) => { step(): void; zeroGrad(): void }): number[][] {
  const p = eng.parameter(P0, undefined, { dtype: 'float64' });
  const opt = make(p);
  const c = eng.keep(eng.tensor(C, undefined, { dtype: 'float64' }));
  const out: number[][] = [];
  for (let t = 0; t < 3; t++) {
    opt.zeroGrad();
    p.mul(p).mul(c).sum().backward();
    opt.step();
    out.push(Array.from(p.data()));
    eng.reset();
  }
  return out;
}

/** The same three steps in plain numbers, with `update` applied per element. */
function reference(update: (p: number, g: number, state: Record<string, number>, t: number) => number): number[][] {
  const p = P0.slice();
  const states = P0.map(() => ({}) as Record<string, number>);
  const out: number[][] = [];
  for (let t = 1; t <= 3; t++) {
    for (let i = 0; i < 3; i++) p[i] = update(p[i], 2 * C[i] * p[i], states[i], t);
    out.push(p.slice());
  }
  return out;
}

describe.each(TENSOR_BACKENDS)('parameters, optimizers and modules (%s)', (backend) => {
  it('SGD with momentum and weight decay follows torch.optim.SGD for 3 steps', async () => {
    const eng = await tensorEngine(backend);
    const [lr, mu, wd] = [0.1, 0.9, 0.01];
    const got = run(eng, (p) => new optim.SGD([p], { lr, momentum: mu, weightDecay: wd }));
    const want = reference((p, grad, s, t) => {
      const g = grad + wd * p;
      s.b = t === 1 ? g : mu * s.b + g;
      return p - lr * s.b;
    });
    got.forEach((row, t) => expectAllClose(row, want[t], { rtol: 1e-13, atol: 1e-15 }, `step ${t + 1}`));
  });

  it('plain SGD is p −= lr·grad', async () => {
    const eng = await tensorEngine(backend);
    const got = run(eng, (p) => new optim.SGD([p], { lr: 0.05 }));
    const want = reference((p, g) => p - 0.05 * g);
    got.forEach((row, t) => expectAllClose(row, want[t], { rtol: 1e-13, atol: 1e-15 }, `step ${t + 1}`));
  });

  for (const decoupled of [false, true]) {
    it(`${decoupled ? 'AdamW' : 'Adam'} with weight decay follows torch.optim.${decoupled ? 'AdamW' : 'Adam'} for 3 steps`, async () => {
      const eng = await tensorEngine(backend);
      const [lr, b1, b2, eps, wd] = [0.1, 0.8, 0.95, 1e-6, 0.1];
      const opts = { lr, betas: [b1, b2] as [number, number], eps, weightDecay: wd };
      const got = run(eng, (p) => (decoupled ? new optim.AdamW([p], opts) : new optim.Adam([p], opts)));
      const want = reference((p, grad, s, t) => {
        let g = grad;
        if (decoupled) p = p * (1 - lr * wd);
        else g = g + wd * p;
        s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
        s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
        const mhat = s.m / (1 - b1 ** t), vhat = s.v / (1 - b2 ** t);
        return p - (lr * mhat) / (Math.sqrt(vhat) + eps);
      });
      got.forEach((row, t) => expectAllClose(row, want[t], { rtol: 1e-12, atol: 1e-15 }, `step ${t + 1}`));
    });
  }

  it('parameters survive reset(), accumulate gradients until zeroGrad, and take assigned values', async () => {
    const eng = await tensorEngine(backend);
    const p = eng.parameter([[1, 2], [3, 4]], undefined, { dtype: 'float64' });
    expect(p.shape).toEqual([2, 2]);
    expect(p.requiresGrad).toBe(true);
    expect(Array.from(p.grad)).toEqual([0, 0, 0, 0]);
    p.sum().backward();
    eng.reset();
    p.mul(2).sum().backward();
    expect(Array.from(p.grad)).toEqual([3, 3, 3, 3]);
    p.zeroGrad();
    expect(Array.from(p.grad)).toEqual([0, 0, 0, 0]);
    p.assign([[5, 6], [7, 8]]);
    expect(p.toArray()).toEqual([[5, 6], [7, 8]]);
    expect(p.add(1).toArray()).toEqual([[6, 7], [8, 9]]);
    const k = eng.keep(p.mul(10));
    eng.reset();
    expect(k.requiresGrad).toBe(false);
    expect(k.toArray()).toEqual([[50, 60], [70, 80]]);
    expect(eng.stats().tensorSlots).toBe(2);
  });

  it('nn.Linear draws weight and bias from U(−1/√in, 1/√in), deterministically per seed', async () => {
    const eng = await tensorEngine(backend);
    const l = new nn.Linear(eng, 25, 40, { rng: new Random(3) });
    expect(l.weight.shape).toEqual([40, 25]);
    expect(l.bias!.shape).toEqual([40]);
    for (const p of l.parameters()) {
      const d = Array.from(p.data());
      expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.2);
      expect(Math.max(...d)).toBeGreaterThan(0.15); // the whole range is used
      expect(Math.min(...d)).toBeLessThan(-0.15);
    }
    const again = new nn.Linear(eng, 25, 40, { rng: new Random(3) });
    expect(Array.from(again.weight.data())).toEqual(Array.from(l.weight.data()));
    const other = new nn.Linear(eng, 25, 40, { rng: new Random(4) });
    expect(Array.from(other.weight.data())).not.toEqual(Array.from(l.weight.data()));
    expect(new nn.Linear(eng, 3, 2, { bias: false }).parameters()).toHaveLength(1);
    // y = x·Wᵀ + b
    const x = eng.randn([5, 25], { seed: 1 });
    const y = l.forward(x).data();
    const xd = x.data(), w = l.weight.data(), b = l.bias!.data();
    const expected: number[] = [];
    for (let i = 0; i < 5; i++) for (let o = 0; o < 40; o++) {
      let s = b[o];
      for (let k = 0; k < 25; k++) s += xd[i * 25 + k] * w[o * 25 + k];
      expected.push(s);
    }
    expectAllClose(y, expected, { rtol: 1e-4, atol: 1e-5 });
  });

  it('nn.Conv2d and nn.Sequential chain modules and functions', async () => {
    const eng = await tensorEngine(backend);
    const model = new nn.Sequential(
      new nn.Conv2d(eng, 1, 4, 3, { padding: 1 }),
      (x) => x.relu(),
      (x) => F.maxPool2d(x, 2),
      (x) => x.reshape([x.shape[0], -1]),
      new nn.Linear(eng, 4 * 4 * 4, 3),
    );
    expect(model.parameters()).toHaveLength(4);
    const logits = model.forward(eng.randn([2, 1, 8, 8], { seed: 5 }));
    expect(logits.shape).toEqual([2, 3]);
    F.crossEntropy(logits, [0, 2]).backward();
    for (const p of model.parameters()) expect(Array.from(p.grad).some((g) => g !== 0)).toBe(true);
  });

  it('trains Linear(2,16)-relu-Linear(16,16)-relu-Linear(16,1) to 100% on two moons, with memory flat across reset()s', async () => {
    const eng = await tensorEngine(backend);
    const rng = new Random(7);
    const n = 100;
    const X: number[] = [], Y: number[] = [];
    for (let i = 0; i < n; i++) {
      const upper = i % 2 === 0;
      const a = Math.PI * rng.next();
      const [x, y] = upper ? [Math.cos(a), Math.sin(a)] : [1 - Math.cos(a), 0.5 - Math.sin(a)];
      X.push(x + 0.05 * rng.normal(), y + 0.05 * rng.normal());
      Y.push(upper ? 1 : 0);
    }
    const rngInit = new Random(1);
    const model = new nn.Sequential(
      new nn.Linear(eng, 2, 16, { rng: rngInit }), (t) => t.relu(),
      new nn.Linear(eng, 16, 16, { rng: rngInit }), (t) => t.relu(),
      new nn.Linear(eng, 16, 1, { rng: rngInit }),
    );
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    const xs = eng.keep(eng.tensor(X, [n, 2]));
    const ys = eng.keep(eng.tensor(Y, [n, 1]));
    eng.reset(); // the set-up's intermediates go; from here on every step builds the same graph
    let bytesAfterFirst = 0;
    let accuracy = 0;
    for (let step = 0; step < 300; step++) {
      const logits = model.forward(xs);
      const loss = F.binaryCrossEntropyWithLogits(logits, ys);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if (step === 299) {
        const pred = logits.data();
        accuracy = Y.filter((y, i) => (pred[i] > 0 ? 1 : 0) === y).length / n;
      }
      eng.reset();
      expect(eng.stats().tensorNodes).toBe(0);
      if (step === 0) bytesAfterFirst = eng.stats().tensorBytes;
      else expect(eng.stats().tensorBytes).toBe(bytesAfterFirst);
    }
    expect(accuracy).toBe(1);
  });
});
