// Models PyTorch made: test/fixtures/pytorch/*.safetensors hold each model's
// state dict under PyTorch's own names, its input, the output PyTorch
// computed in f32 and, with the same weights in f64, the gradients of
// Σ c ⊙ output for a fixed c (test/fixtures/pytorch/make.py writes them).
// wasmgrad loads each state dict by name into the same architecture built
// from its modules, and must reproduce the outputs (f32, 1e-5 relative) and
// the gradients (f64, 1e-9), on both backends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, F, loadSafetensors, nn, type BackendName, type Engine, type Tensor } from '../src/index.js';
import { TENSOR_BACKENDS } from './tensor-helpers.js';

type Dtype = 'float32' | 'float64';

function fixture(eng: Engine, name: string): Record<string, Tensor> {
  return loadSafetensors(eng, new Uint8Array(readFileSync(new URL(`./fixtures/pytorch/${name}.safetensors`, import.meta.url))));
}

/** The entries under `prefix`, renamed without it, converted to `dtype` where they are floating. */
function under(eng: Engine, record: Record<string, Tensor>, prefix: string, dtype: Dtype): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(record)) {
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = t.dtype === 'int32' ? t : as(eng, t, dtype);
  }
  return out;
}

function as(eng: Engine, t: Tensor, dtype: Dtype): Tensor {
  return t.dtype === dtype ? t : eng.tensor(dtype === 'float64' ? Float64Array.from(t.data()) : Float32Array.from(t.data()), t.shape, { dtype });
}

/** |a − b| ≤ atol + rtol·|b| everywhere, naming the worst element. */
function expectClose(actual: Tensor, expected: Tensor, rtol: number, atol: number, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const a = actual.data(), b = expected.data();
  let worst = -1, excess = 0;
  for (let i = 0; i < b.length; i++) {
    const over = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (!(over <= excess)) { worst = i; excess = over; }
  }
  if (worst >= 0) expect.fail(`${what}: element ${worst} is ${a[worst]}, PyTorch has ${b[worst]} (beyond ${rtol} relative + ${atol})`);
}

const F32 = { rtol: 1e-5, atol: 1e-6 };
const F64 = { rtol: 1e-9, atol: 1e-12 };

/** The Block of make.py: Embedding, a pre-LayerNorm GELU MLP with a residual, a final LayerNorm and a head. */
class Block extends nn.Module {
  readonly emb: nn.Embedding;
  readonly ln1: nn.LayerNorm;
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;
  readonly ln_f: nn.LayerNorm;
  readonly head: nn.Linear;

  constructor(eng: Engine, dtype: Dtype, vocab = 11, dim = 16, hidden = 32) {
    super();
    this.emb = new nn.Embedding(eng, vocab, dim, { dtype });
    this.ln1 = new nn.LayerNorm(eng, dim, { dtype });
    this.fc1 = new nn.Linear(eng, dim, hidden, { dtype });
    this.fc2 = new nn.Linear(eng, hidden, dim, { dtype });
    this.ln_f = new nn.LayerNorm(eng, dim, { dtype });
    this.head = new nn.Linear(eng, dim, vocab, { dtype });
  }

  override forward(tokens: Tensor): Tensor {
    const x = this.emb.forward(tokens);
    const h = x.add(this.fc2.forward(this.fc1.forward(this.ln1.forward(x)).gelu()));
    return this.head.forward(this.ln_f.forward(h));
  }
}

/** The Attention of make.py: x + causal self-attention of LayerNorm(x). */
class Attention extends nn.Module {
  readonly ln: nn.LayerNorm;
  readonly attn: nn.MultiheadAttention;

  constructor(eng: Engine, dtype: Dtype) {
    super();
    this.ln = new nn.LayerNorm(eng, 12, { dtype });
    this.attn = new nn.MultiheadAttention(eng, 12, 3, { dtype });
  }

  override forward(x: Tensor): Tensor {
    const h = this.ln.forward(x);
    return x.add(this.attn.forward(h, h, h, { isCausal: true }));
  }
}

const MODELS: Record<string, (eng: Engine, dtype: Dtype) => nn.Module & { forward(x: Tensor): Tensor }> = {
  mlp: (eng, dtype) => new nn.Sequential(new nn.Linear(eng, 4, 8, { dtype }), new nn.Tanh(), new nn.Linear(eng, 8, 3, { dtype })),
  cnn: (eng, dtype) => new nn.Sequential(
    new nn.Conv2d(eng, 1, 4, 3, { padding: 1, dtype }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(eng, 4, 6, 3, { dtype }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(eng, 24, 5, { dtype }),
  ),
  block: (eng, dtype) => new Block(eng, dtype),
  attention: (eng, dtype) => new Attention(eng, dtype),
  batchnorm: (eng, dtype) => new nn.Sequential(new nn.Linear(eng, 4, 6, { dtype }), new nn.BatchNorm1d(eng, 6, { dtype }), new nn.ReLU(), new nn.Linear(eng, 6, 2, { dtype })),
};

async function engineFor(backend: BackendName): Promise<Engine> {
  return createEngine({ backend });
}

describe.each(TENSOR_BACKENDS)('models PyTorch made (%s)', (backend) => {
  describe.each(Object.keys(MODELS))('%s', (name) => {
    it('loads the state dict by PyTorch\'s names and reproduces the f32 output', async () => {
      const eng = await engineFor(backend);
      const rec = fixture(eng, name);
      const model = MODELS[name](eng, 'float32');
      const state = under(eng, rec, 'model.', 'float32');
      expect(Object.keys(model.stateDict()).sort()).toEqual(Object.keys(state).sort());
      model.loadStateDict(state);
      model.train(name === 'batchnorm');
      expectClose(model.forward(rec.input), rec.output, F32.rtol, F32.atol, `${name} output`);
      if (name === 'batchnorm') {
        // the running statistics the training-mode forward updated (unbiased variance), then an eval-mode forward with them
        const sd = model.stateDict();
        for (const [k, t] of Object.entries(under(eng, rec, 'after.', 'float32'))) {
          const mine = sd[k] as Tensor;
          expect(Array.from(mine.data()), k).toHaveLength(t.size);
          if (t.dtype === 'int32') expect(Array.from(mine.data()), k).toEqual(Array.from(t.data()));
          else expectClose(mine, t, F32.rtol, F32.atol, k);
        }
        model.eval();
        expectClose(model.forward(rec.input_eval), rec.output_eval, F32.rtol, F32.atol, 'batchnorm eval output');
      }
    });

    it('gives PyTorch\'s gradients in f64 for every parameter and the input', async () => {
      const eng = await engineFor(backend);
      const rec = fixture(eng, name);
      const model = MODELS[name](eng, 'float64');
      model.loadStateDict(under(eng, rec, 'model.', 'float64'));
      model.train(name === 'batchnorm');
      const floating = rec.input.dtype !== 'int32';
      const x = floating ? eng.tensor(Float64Array.from(rec.input.data()), rec.input.shape, { dtype: 'float64', requiresGrad: true }) : rec.input;
      const y = model.forward(x);
      expectClose(y, as(eng, rec.output64, 'float64'), F64.rtol, F64.atol, `${name} f64 output`);
      y.mul(as(eng, rec.cotangent, 'float64')).sum().backward();
      const grads = under(eng, rec, 'grad.', 'float64');
      for (const [pname, p] of model.namedParameters()) {
        const g = eng.tensor(p.grad, p.shape, { dtype: 'float64' });
        expectClose(g, grads[pname], F64.rtol, F64.atol, `${name} grad of ${pname}`);
      }
      expect(Object.keys(grads).filter((k) => k !== 'input').sort()).toEqual(model.namedParameters().map(([k]) => k).sort());
      if (floating) expectClose(eng.tensor(x.grad!, x.shape, { dtype: 'float64' }), grads.input, F64.rtol, F64.atol, `${name} grad of the input`);
    });
  });

  it('a model wasmgrad trained and saved loads back bit for bit through the same file format', async () => {
    const eng = await engineFor(backend);
    const rec = fixture(eng, 'mlp');
    const model = MODELS.mlp(eng, 'float32');
    model.loadStateDict(under(eng, rec, 'model.', 'float32'));
    const opt = new (await import('../src/index.js')).optim.SGD(model.parameters(), { lr: 0.1 });
    F.mse(model.forward(rec.input), eng.zeros([5, 3])).backward();
    opt.step();
    const bytes = (await import('../src/index.js')).saveSafetensors(model.stateDict() as Record<string, Tensor>);
    const again = MODELS.mlp(eng, 'float32');
    again.loadStateDict(loadSafetensors(eng, bytes));
    expect(Array.from(again.forward(rec.input).data())).toEqual(Array.from(model.forward(rec.input).data()));
  });
});
