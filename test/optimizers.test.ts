// RMSprop and Adagrad against PyTorch's update rules written out in plain JS,
// step by step on a loss whose gradient is known, with their state dicts
// resuming exactly. Both backends.
import { describe, expect, it } from 'vitest';
import { createEngine, optim, type Engine, type TensorParam } from '../src/index.js';

const START = [0.5, -1.25, 2, 0.1];
/** Gradient of Σ (p³/3 − p) at p: p² − 1 (uneven across elements and steps). */
const gradOf = (p: number[]) => p.map((x) => x * x - 1);

async function trained(eng: Engine, make: (p: TensorParam) => { step(): void; zeroGrad(): void }, steps: number): Promise<number[]> {
  const p = eng.parameter(START, undefined, { dtype: 'float64' });
  const opt = make(p);
  for (let s = 0; s < steps; s++) {
    p.pow(3).div(3).sub(p).sum().backward();
    opt.step();
    opt.zeroGrad();
    eng.reset();
  }
  return Array.from(p.data());
}

function rmspropRef(steps: number, { lr = 0.01, alpha = 0.99, eps = 1e-8, wd = 0, momentum = 0, centered = false } = {}): number[] {
  const p = START.slice(), v = p.map(() => 0), b = p.map(() => 0), ga = p.map(() => 0);
  for (let s = 0; s < steps; s++) {
    const g = gradOf(p).map((gi, i) => gi + wd * p[i]);
    for (let i = 0; i < p.length; i++) {
      v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i];
      let vh = v[i];
      if (centered) { ga[i] = alpha * ga[i] + (1 - alpha) * g[i]; vh -= ga[i] * ga[i]; }
      const d = Math.sqrt(vh) + eps;
      if (momentum > 0) { b[i] = momentum * b[i] + g[i] / d; p[i] -= lr * b[i]; } else p[i] -= (lr * g[i]) / d;
    }
  }
  return p;
}

function adagradRef(steps: number, { lr = 0.01, lrDecay = 0, wd = 0, init = 0, eps = 1e-10 } = {}): number[] {
  const p = START.slice(), sum = p.map(() => init);
  for (let t = 1; t <= steps; t++) {
    const g = gradOf(p).map((gi, i) => gi + wd * p[i]);
    const clr = lr / (1 + (t - 1) * lrDecay);
    for (let i = 0; i < p.length; i++) { sum[i] += g[i] * g[i]; p[i] -= (clr * g[i]) / (Math.sqrt(sum[i]) + eps); }
  }
  return p;
}

function sgdRef(steps: number, { lr = 0.1, mu = 0, wd = 0, dampening = 0, nesterov = false } = {}): number[] {
  const p = START.slice(), v = p.map(() => 0);
  for (let s = 0; s < steps; s++) {
    const g = gradOf(p).map((gi, i) => gi + wd * p[i]);
    for (let i = 0; i < p.length; i++) {
      if (mu === 0) { p[i] -= lr * g[i]; continue; }
      v[i] = s === 0 ? g[i] : mu * v[i] + (1 - dampening) * g[i];
      p[i] -= lr * (nesterov ? g[i] + mu * v[i] : v[i]);
    }
  }
  return p;
}

describe.each(['wasm', 'js'] as const)("RMSprop, Adagrad and SGD's Nesterov momentum and dampening (%s)", (backend) => {
  it('SGD with Nesterov momentum, or dampening, follows torch.optim.SGD', async () => {
    const eng = await createEngine({ backend });
    expect(await trained(eng, (p) => new optim.SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }), 5))
      .toEqual(sgdRef(5, { mu: 0.9, nesterov: true, wd: 0.01 }));
    expect(await trained(eng, (p) => new optim.SGD([p], { lr: 0.1, momentum: 0.8, dampening: 0.3 }), 5)).toEqual(sgdRef(5, { mu: 0.8, dampening: 0.3 }));
    const plain = await trained(eng, (p) => new optim.SGD([p], { lr: 0.1, momentum: 0.9 }), 5);
    sgdRef(5, { mu: 0.9 }).forEach((x, i) => expect(plain[i]).toBeCloseTo(x, 14)); // the backends' fused step
  });

  it('RMSprop follows torch.optim.RMSprop, plain, with momentum, centered, with weight decay', async () => {
    const eng = await createEngine({ backend });
    expect(await trained(eng, (p) => new optim.RMSprop([p]), 5)).toEqual(rmspropRef(5));
    expect(await trained(eng, (p) => new optim.RMSprop([p], { lr: 0.05, momentum: 0.9, centered: true, weightDecay: 0.1 }), 6))
      .toEqual(rmspropRef(6, { lr: 0.05, momentum: 0.9, centered: true, wd: 0.1 }));
  });

  it('Adagrad follows torch.optim.Adagrad, with lr decay, weight decay and an initial accumulator', async () => {
    const eng = await createEngine({ backend });
    expect(await trained(eng, (p) => new optim.Adagrad([p]), 5)).toEqual(adagradRef(5));
    expect(await trained(eng, (p) => new optim.Adagrad([p], { lr: 0.3, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.2 }), 6))
      .toEqual(adagradRef(6, { lr: 0.3, lrDecay: 0.1, wd: 0.05, init: 0.2 }));
  });

  it('resume from their state dicts exactly, and refuse a wrong one', async () => {
    const eng = await createEngine({ backend });
    for (const make of [(p: TensorParam) => new optim.RMSprop([p], { momentum: 0.5, centered: true }), (p: TensorParam) => new optim.Adagrad([p], { lrDecay: 0.2 })]) {
      const run = async (split: boolean) => {
        const p = eng.parameter(START, undefined, { dtype: 'float64' });
        let opt = make(p);
        for (let s = 0; s < 6; s++) {
          if (split && s === 3) {
            const sd = opt.stateDict();
            opt = make(p);
            opt.loadStateDict(sd);
          }
          p.pow(3).div(3).sub(p).sum().backward();
          opt.step();
          opt.zeroGrad();
          eng.reset();
        }
        return Array.from(p.data());
      };
      expect(await run(true)).toEqual(await run(false));
    }
    const p = eng.parameter([1, 2]);
    expect(() => new optim.RMSprop([p]).loadStateDict(new optim.Adagrad([p]).stateDict())).toThrow(/RMSprop.loadStateDict: the state dict has no '0.square_avg'/);
    expect(() => new optim.RMSprop([p], { alpha: 2 })).toThrow(/alpha must be in \[0, 1\]/);
    expect(() => new optim.Adagrad([p], { lr_decay: 0.1 } as never)).toThrow(/lr_decay/);
  });
});

it('the fused optimizers give the same f32 numbers on both backends, for more parameters than one staging chunk', async () => {
  const configs: [string, (ps: TensorParam[]) => optim.Optimizer][] = [
    ['SGD nesterov', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ['SGD dampening', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.7, dampening: 0.2 })],
    ['RMSprop', (ps) => new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.1 })],
    ['Adagrad', (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.1 })],
  ];
  for (const [name, make] of configs) {
    const results: number[][] = [];
    for (const backend of ['wasm', 'js'] as const) {
      const eng = await createEngine({ backend, seed: 3 });
      const ps = Array.from({ length: 300 }, () => eng.parameter(eng.randn([2, 3])));
      const opt = make(ps);
      for (let s = 0; s < 4; s++) {
        eng.step(() => {
          opt.zeroGrad();
          let loss = ps[0].pow(2).sum();
          for (const p of ps.slice(1)) loss = loss.add(p.sin().mul(p).sum());
          loss.backward();
          opt.step();
        });
      }
      results.push(ps.flatMap((p) => Array.from(p.data())));
    }
    expect(results[0], name).toEqual(results[1]);
  }
});
