// Optimizers against PyTorch: test/fixtures/pytorch/optim.safetensors holds
// the parameters torch.optim's SGD (momentum, Nesterov, dampening), Adam,
// AdamW, RMSprop (momentum, centered) and Adagrad (lr decay, initial
// accumulator) reach after 6 steps on ½·Σ c·p² + Σ d·p, in f64 and in f32
// (make_optim.py). wasmgrad's optimizers run the same steps on both backends:
// f64 to 1e-12 relative, f32 to 2e-6 (PyTorch rounds every f32 operation,
// wasmgrad computes each update in f64 and rounds once).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, loadSafetensors, optim, type TensorParam } from '../src/index.js';
import { TENSOR_BACKENDS } from './tensor-helpers.js';

const CASES: Record<string, (ps: TensorParam[]) => optim.Optimizer> = {
  sgd: (ps) => new optim.SGD(ps, { lr: 0.1 }),
  sgd_momentum_wd: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 }),
  sgd_nesterov: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  sgd_dampening: (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.8, dampening: 0.3 }),
  adam: (ps) => new optim.Adam(ps, { lr: 0.05 }),
  adam_wd: (ps) => new optim.Adam(ps, { lr: 0.05, betas: [0.8, 0.99], weightDecay: 0.1 }),
  adamw: (ps) => new optim.AdamW(ps, { lr: 0.05, weightDecay: 0.1 }),
  rmsprop: (ps) => new optim.RMSprop(ps, { lr: 0.01 }),
  rmsprop_momentum_centered: (ps) => new optim.RMSprop(ps, { lr: 0.05, momentum: 0.9, centered: true, weightDecay: 0.1 }),
  adagrad: (ps) => new optim.Adagrad(ps, { lr: 0.1 }),
  adagrad_decay: (ps) => new optim.Adagrad(ps, { lr: 0.3, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.2 }),
};

const fixture = new Uint8Array(readFileSync(new URL('./fixtures/pytorch/optim.safetensors', import.meta.url)));

describe.each(TENSOR_BACKENDS)('optimizers against PyTorch (%s)', (backend) => {
  it('has a case here for every case in the file', async () => {
    const eng = await createEngine({ backend });
    const names = new Set(Object.keys(loadSafetensors(eng, fixture)).filter((k) => k.includes('.')).map((k) => k.slice(0, k.indexOf('.'))));
    expect([...names].sort()).toEqual(Object.keys(CASES).sort());
  });

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    it.each(Object.keys(CASES))('%s', async (name) => {
      const eng = await createEngine({ backend });
      const rec = loadSafetensors(eng, fixture);
      const cast = (t: typeof rec.p0) => eng.keep(eng.tensor(dtype === 'float64' ? Float64Array.from(t.data()) : Float32Array.from(t.data()), t.shape, { dtype }));
      const c = cast(rec.c), d = cast(rec.d);
      const p = eng.parameter(cast(rec.p0));
      const want = rec[`${name}.${dtype === 'float64' ? 'f64' : 'f32'}`].data(); // the file's tensors die at the first reset
      const opt = CASES[name]([p]);
      for (let step = 0; step < 6; step++) {
        eng.step(() => {
          opt.zeroGrad();
          p.mul(p).mul(c).sum().mul(0.5).add(p.mul(d).sum()).backward();
          opt.step();
        });
      }
      const got = p.data();
      const rtol = dtype === 'float64' ? 1e-12 : 2e-6;
      for (let i = 0; i < want.length; i++) {
        if (!(Math.abs(got[i] - want[i]) <= rtol * Math.max(1, Math.abs(want[i])))) expect.fail(`${name} ${dtype}: p[${i}] is ${got[i]}, PyTorch has ${want[i]}`);
      }
    });
  });
});
