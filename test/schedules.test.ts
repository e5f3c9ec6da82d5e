// Learning-rate schedules against PyTorch's formulas, step by step, on a
// stand-in optimizer and on a real one.
import { describe, expect, it } from 'vitest';
import { createEngine, optim } from '../src/index.js';

const run = (s: { step(): number; lr: number }, n: number) => [s.lr, ...Array.from({ length: n }, () => s.step())];

describe('StepLR', () => {
  it('multiplies by gamma every stepSize steps', () => {
    const opt = { lr: 0.5 };
    const lrs = run(new optim.StepLR(opt, { stepSize: 3, gamma: 0.1 }), 7);
    const expected = [0, 1, 2, 3, 4, 5, 6, 7].map((t) => 0.5 * 0.1 ** Math.floor(t / 3));
    lrs.forEach((lr, t) => expect(lr, `step ${t}`).toBeCloseTo(expected[t], 15));
    expect(opt.lr).toBeCloseTo(0.5 * 0.01, 15);
  });

  it('refuses what PyTorch would', () => {
    expect(() => new optim.StepLR({ lr: 1 }, { stepSize: 0 })).toThrow(/stepSize must be a whole number ≥ 1/);
    expect(() => new optim.StepLR({ lr: 1 }, { stepSize: 2, step_size: 2 } as never)).toThrow(/step_size/);
    expect(() => new optim.StepLR({} as never, { stepSize: 2 })).toThrow(/expected an optimizer/);
  });
});

describe('CosineAnnealingLR', () => {
  it('is etaMin + (base − etaMin)(1 + cos(πt/tMax))/2, and keeps going past tMax as PyTorch does', () => {
    const opt = { lr: 0.1 };
    const lrs = run(new optim.CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 }), 15);
    lrs.forEach((lr, t) => expect(lr, `step ${t}`).toBeCloseTo(0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * t) / 10))) / 2, 15));
    expect(lrs[10]).toBeCloseTo(0.001, 15);
  });

  it('warms up linearly from baseLr·warmupStartFactor, then anneals from baseLr', () => {
    const lrs = run(new optim.CosineAnnealingLR({ lr: 1 }, { tMax: 4, warmupSteps: 4, warmupStartFactor: 0.2 }), 8);
    expect(lrs.slice(0, 5)).toEqual([0.2, 0.4, 0.6000000000000001, 0.8, 1].map((x, i) => (i === 4 ? 1 : 0.2 + (0.8 * i) / 4)));
    expect(lrs[6]).toBeCloseTo(0.5, 15);
    expect(lrs[8]).toBeCloseTo(0, 15);
  });
});

describe('OneCycleLR', () => {
  /** PyTorch's OneCycleLR.get_lr, two phases, cosine, written out. */
  function reference(t: number, maxLr: number, total: number, pct = 0.3, div = 25, finalDiv = 1e4): number {
    const initial = maxLr / div;
    const min = initial / finalDiv;
    const phases = [{ end: pct * total - 1, from: initial, to: maxLr }, { end: total - 1, from: maxLr, to: min }];
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i];
      if (t <= p.end || i === phases.length - 1) {
        const q = (t - start) / (p.end - start);
        return p.to + ((p.from - p.to) / 2) * (Math.cos(Math.PI * q) + 1);
      }
      start = p.end;
    }
    throw new Error('unreachable');
  }

  it('rises from maxLr/25 to maxLr over 30% of the steps, then anneals to maxLr/25/1e4', () => {
    const opt = { lr: 123 };
    const s = new optim.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 20 });
    expect(opt.lr).toBeCloseTo(0.004, 15);
    const lrs = run(s, 19);
    lrs.forEach((lr, t) => expect(lr, `step ${t}`).toBeCloseTo(reference(t, 0.1, 20), 15));
    expect(Math.max(...lrs)).toBeCloseTo(0.1, 15);
    expect(lrs[19]).toBeCloseTo(0.004 / 1e4, 15);
  });

  it('anneals linearly when asked, has three phases when asked, and refuses steps past totalSteps', () => {
    const lin = run(new optim.OneCycleLR({ lr: 0 }, { maxLr: 1, totalSteps: 10, annealStrategy: 'linear', pctStart: 0.5 }), 9);
    expect(lin[2]).toBeCloseTo(0.04 + ((1 - 0.04) * 2) / 4, 15);
    const three = run(new optim.OneCycleLR({ lr: 0 }, { maxLr: 1, totalSteps: 10, threePhase: true, pctStart: 0.25 }), 9);
    // phases end at 0.25·10 − 1 = 1.5 (rise to 1), 2·0.25·10 − 2 = 3 (back to 0.04) and 9 (down to 4e-6)
    expect(three[1]).toBeCloseTo(1 + ((0.04 - 1) / 2) * (Math.cos(Math.PI / 1.5) + 1), 15);
    expect(three[2]).toBeCloseTo(0.04 + ((1 - 0.04) / 2) * (Math.cos(Math.PI / 3) + 1), 15);
    expect(three[3]).toBeCloseTo(0.04, 15);
    expect(three[9]).toBeCloseTo(4e-6, 15);
    const s = new optim.OneCycleLR({ lr: 0 }, { maxLr: 1, totalSteps: 2 });
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/step 3 is past totalSteps 2/);
  });
});

describe('a schedule on a real optimizer', () => {
  it.each(['wasm', 'js'] as const)('sets SGD\'s lr, and a restored schedule continues exactly (%s)', async (backend) => {
    const eng = await createEngine({ backend });
    const p = eng.parameter([1, 2, 3]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const s = new optim.CosineAnnealingLR(opt, { tMax: 5 });
    for (let i = 0; i < 3; i++) {
      p.mul(p).sum().backward();
      opt.step();
      opt.zeroGrad();
      s.step();
      eng.reset();
    }
    const saved = s.stateDict();
    const again = new optim.CosineAnnealingLR({ lr: 0.1 }, { tMax: 5 });
    again.loadStateDict(saved);
    expect(again.lr).toBe(opt.lr);
    expect(again.step()).toBe(s.step());
    expect(opt instanceof optim.Optimizer).toBe(true);
  });
});
