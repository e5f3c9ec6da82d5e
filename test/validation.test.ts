// Input validation on the way in (issue 12, cases 1 and 8–11): sizes are
// checked before any work with one limit and one message on both backends;
// indices, options and arguments are refused with a named error that says
// what was wrong, never V8's own text and never a silent conversion. After
// every refusal the engine, its kept tensors and its parameters are intact.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { F, nn, optim, Random, WasmgradMemoryError, type Engine, type Tensor, type TensorParam } from '../src/index.js';
import { TENSOR_BACKENDS, expectAllClose, tensorEngine } from './tensor-helpers.js';

type ErrorClass = typeof TypeError | typeof RangeError;
type Case = [name: string, run: (eng: Engine) => unknown, cls: ErrorClass, message: string | RegExp];

const LIMIT = '268435456 (2^28)';

/** State that must survive every refusal: a kept tensor and a parameter, both read back exactly. */
interface Witness {
  kept: TensorParam;
  param: TensorParam;
}

function witness(eng: Engine): Witness {
  return { kept: eng.keep(eng.tensor([10, 20, 30])), param: eng.parameter([1, 2], undefined, { dtype: 'float64' }) };
}

/** The engine computes values and gradients correctly, before and after a reset, and the witness is untouched. */
function stillWorks(eng: Engine, w: Witness): void {
  for (let round = 0; round < 2; round++) {
    expect(Array.from(w.kept.data())).toEqual([10, 20, 30]);
    expect(Array.from(w.param.data())).toEqual([1, 2]);
    expect(Array.from(eng.ones([2, 2]).matmul(eng.ones([2, 2])).data())).toEqual([2, 2, 2, 2]);
    const x = eng.tensor([1, 2, 3], undefined, { dtype: 'float64', requiresGrad: true });
    x.mul(x).sum().add(w.param.sum()).backward();
    expectAllClose(x.grad!, [2, 4, 6]);
    expect(Array.from(w.param.grad)).toEqual([round + 1, round + 1]);
    eng.reset();
  }
  w.param.zeroGrad();
}

/** Runs each case on a fresh engine: the named error, then the engine still right. */
function runCases(backend: (typeof TENSOR_BACKENDS)[number], cases: Case[]): void {
  for (const [name, run, cls, message] of cases) {
    it(`${name}: ${cls.name}${typeof message === 'string' ? ` "${message}"` : ` ${message}`}`, async () => {
      const eng = await tensorEngine(backend);
      const w = witness(eng);
      let caught: unknown;
      try {
        run(eng);
      } catch (err) {
        caught = err;
      }
      expect(caught, 'it must throw').toBeInstanceOf(cls);
      const text = (caught as Error).message;
      if (typeof message === 'string') expect(text).toContain(message);
      else expect(text).toMatch(message);
      stillWorks(eng, w);
    });
  }
}

describe.each(TENSOR_BACKENDS)('sizes are checked before any work (%s)', (backend) => {
  runCases(backend, [
    ['arange(2**31)', (e) => e.arange(2 ** 31), RangeError, `arange: the range 0..2147483648 by 1 would have 2147483648 elements, more than the ${LIMIT} a tensor can hold`],
    ['arange(0, 1e12, 1e-3)', (e) => e.arange(0, 1e12, 1e-3), RangeError, `arange: the range 0..1000000000000 by 0.001 would have 1000000000000000 elements, more than the ${LIMIT}`],
    ['arange float64 past the limit', (e) => e.arange(0, 2 ** 28 + 1, 1, { dtype: 'float64' }), RangeError, 'arange: the range 0..268435457 by 1 would have 268435457 elements'],
    ['tensor from a Float32Array past the limit', (e) => e.tensor(new Float32Array(2 ** 28 + 1)), RangeError, `tensor: a typed array of shape [268435457] would have 268435457 elements, more than the ${LIMIT}`],
    ['tensor from a nested array past the limit', (e) => e.tensor(new Array(2 ** 28 + 1)), RangeError, 'tensor: a tensor of shape [268435457] would have 268435457 elements'],
    ['parameter from a typed array past the limit', (e) => e.parameter(new Float32Array(2 ** 28 + 1)), RangeError, 'parameter: a typed array of shape [268435457]'],
    ['zeros', (e) => e.zeros([2 ** 14, 2 ** 14, 2]), RangeError, `zeros: a tensor of shape [16384,16384,2] would have 536870912 elements, more than the ${LIMIT}`],
    ['ones', (e) => e.ones([2 ** 29]), RangeError, 'ones: a tensor of shape [536870912] would have 536870912 elements'],
    ['full', (e) => e.full([2 ** 15, 2 ** 15], 1), RangeError, 'full: a tensor of shape [32768,32768]'],
    ['full with requiresGrad', (e) => e.full([2 ** 15, 2 ** 15], 1, { requiresGrad: true }), RangeError, 'full: a tensor of shape [32768,32768]'],
    ['rand', (e) => e.rand([2 ** 29]), RangeError, 'rand: a tensor of shape [536870912]'],
    ['randn', (e) => e.randn([2 ** 29]), RangeError, 'randn: a tensor of shape [536870912]'],
    ['eye', (e) => e.eye(2 ** 15), RangeError, 'eye: a tensor of shape [32768,32768]'],
    ['a size-0 tensor with a dim past the limit', (e) => e.zeros([0, 2 ** 32]), RangeError, `zeros: a tensor of shape [0,4294967296] has a dim of 4294967296, more than the ${LIMIT}`],
    [
      'indexSelect whose result is past the limit (issue case 1)',
      (e) => e.ones([1, 8192]).indexSelect(0, new Int32Array(131072)),
      RangeError, `indexSelect: the result, of shape [131072,8192] would have 1073741824 elements, more than the ${LIMIT}`,
    ],
    ['indexSelect along an inner axis', (e) => e.ones([8192, 1]).indexSelect(1, new Int32Array(2 ** 16)), RangeError, 'indexSelect: the result, of shape [8192,65536]'],
    ['indexSelect with an int32 tensor of indices', (e) => e.ones([1, 8192]).indexSelect(0, e.zeros([131072], { dtype: 'int32' })), RangeError, 'indexSelect: the result, of shape [131072,8192]'],
    ['broadcasting add', (e) => e.zeros([2 ** 15, 1]).add(e.zeros([1, 2 ** 14])), RangeError, 'add: a tensor of shape [32768,16384] would have 536870912 elements'],
    ['broadcasting where', (e) => e.where(e.zeros([2 ** 15, 1]), e.zeros([1, 2 ** 14]), 0), RangeError, 'where: a tensor of shape [32768,16384]'],
    ['matmul batch broadcast', (e) => e.zeros([2 ** 14, 1, 1, 1]).matmul(e.zeros([1, 2 ** 14, 1, 2])), RangeError, 'matmul: the product, of shape [16384,16384,1,2] would have 536870912 elements'],
    ['matmul outer product', (e) => e.zeros([2 ** 15, 1]).matmul(e.zeros([1, 2 ** 14])), RangeError, 'matmul: the product, of shape [32768,16384]'],
    ['expand', (e) => e.zeros([1]).expand([2 ** 29]), RangeError, 'expand: a tensor of shape [536870912]'],
    ['pad', (e) => e.zeros([1, 1]).pad([[0, 2 ** 15], [0, 2 ** 14]]), RangeError, 'pad: the padded tensor, of shape [32769,16385]'],
    ['concat', (e) => e.concat([e.zeros([0, 2 ** 28]), e.zeros([0, 1])], 1), RangeError, 'concat: a tensor of shape [0,268435457] has a dim of 268435457'],
    ['conv2d', (e) => F.conv2d(e.zeros([1, 1, 1, 1]), e.zeros([1, 1, 1, 1]), null, { padding: 2 ** 14 }), RangeError, /^conv2d: the unfolded input \(im2col\), of shape \[1,1073807361\] would have/],
    ['linear', (e) => F.linear(e.zeros([2 ** 15, 1]), e.zeros([2 ** 14, 1])), RangeError, 'linear: the output, of shape [32768,16384]'],
    ['nn.Linear, before its weights are drawn', (e) => new nn.Linear(e, 2 ** 15, 2 ** 14), RangeError, 'Linear: a parameter of shape [16384,32768] would have 536870912 elements'],
    ['nn.Conv2d', (e) => new nn.Conv2d(e, 2 ** 10, 2 ** 10, 2 ** 5), RangeError, 'Conv2d: a parameter of shape [1024,1024,32,32]'],
  ]);

  it('arange(2**31) fails at once, before filling memory', async () => {
    const eng = await tensorEngine(backend);
    const t0 = performance.now();
    expect(() => eng.arange(2 ** 31)).toThrow(RangeError);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('the issue 12 case 1 program: a refused indexSelect leaves kept tensors and later ops intact across resets', async () => {
    const eng = await tensorEngine(backend);
    const kept = eng.keep(eng.tensor([10, 20, 30]));
    expect(() => eng.ones([1, 8192]).indexSelect(0, new Int32Array(131072))).toThrow(/^indexSelect: the result, of shape \[131072,8192\]/);
    eng.reset();
    expect(Array.from(kept.data())).toEqual([10, 20, 30]);
    expect(Array.from(eng.ones([2, 2]).matmul(eng.ones([2, 2])).data())).toEqual([2, 2, 2, 2]);
  });

  it('the largest legal sizes are accepted: arange(2**28) shape, an indexSelect just under the limit', async () => {
    const eng = await tensorEngine(backend);
    const r = eng.arange(0, 2 ** 20, 4);
    expect(r.shape).toEqual([2 ** 18]);
    expect(r.data()[2 ** 18 - 1]).toBe(2 ** 20 - 4);
    const picked = eng.arange(8).reshape([1, 8]).indexSelect(0, new Int32Array(1024));
    expect(picked.shape).toEqual([1024, 8]);
    expect(Array.from(picked.data().subarray(8 * 1023))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe.each(TENSOR_BACKENDS)('a heap that cannot hold an array is a named out-of-memory error (%s)', (backend) => {
  afterEach(() => vi.unstubAllGlobals());

  /** Typed arrays of more than `n` elements fail as V8 fails when the heap cannot hold them. */
  function heapHoldsAtMost(n: number): void {
    for (const name of ['Float32Array', 'Float64Array', 'Int32Array'] as const) {
      const Base = globalThis[name] as unknown as new (...args: unknown[]) => object;
      vi.stubGlobal(name, class extends Base {
        constructor(...args: unknown[]) {
          if (typeof args[0] === 'number' && args[0] > n) throw new RangeError('Array buffer allocation failed');
          super(...args);
        }
      });
    }
  }

  it('randn draws its values in JS on both backends: the error names randn and the request', async () => {
    const eng = await tensorEngine(backend);
    const w = witness(eng);
    heapHoldsAtMost(1000);
    expect(() => eng.randn([50, 50], { dtype: 'float64' })).toThrow(WasmgradMemoryError);
    expect(() => eng.randn([50, 50], { dtype: 'float64' })).toThrow(
      /^randn: out of memory: the JS heap could not allocate 20000 bytes \(2500 float64 elements\) \(\d+ bytes[^)]* of memory in use\); reset\(\) graphs you no longer need/,
    );
    vi.unstubAllGlobals();
    stillWorks(eng, w);
  });

  // The twin's own allocation failure (the Wasm core's is test/memory-core.test.ts).
  if (backend === 'js') it('the twin names the op whose output the heap could not hold', async () => {
    const eng = await tensorEngine(backend);
    const w = witness(eng);
    const a = eng.ones([40, 1]), b = eng.ones([1, 40]);
    heapHoldsAtMost(1000);
    let caught: unknown;
    try {
      a.add(b);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WasmgradMemoryError);
    expect((caught as Error).message).toMatch(/^add: out of memory: the JS heap could not allocate 6400 bytes \(1600 float32 elements\)/);
    expect((caught as Error).message).not.toContain('Array buffer allocation failed');
    vi.unstubAllGlobals();
    stillWorks(eng, w);
  });
});

describe.each(TENSOR_BACKENDS)('indices are integers in range, as crossEntropy targets are (%s)', (backend) => {
  const pick = (e: Engine, indices: unknown): Tensor => e.tensor([10, 20, 30]).indexSelect(0, indices as number[]);
  runCases(backend, [
    ['2**32', (e) => pick(e, [2 ** 32]), RangeError, 'indexSelect: index 4294967296 is out of range for dim 0 of size 3'],
    ['NaN', (e) => pick(e, [0, NaN]), RangeError, 'indexSelect: indices[1] is NaN, not an integer index into dim 0 of size 3'],
    ["'a'", (e) => pick(e, ['a']), TypeError, 'indexSelect: indices[0] is the string "a", not an integer index into dim 0 of size 3'],
    ['0.5', (e) => pick(e, [0.5]), RangeError, 'indexSelect: indices[0] is 0.5, not an integer index'],
    ['-0.5', (e) => pick(e, [-0.5]), RangeError, 'indexSelect: indices[0] is -0.5, not an integer index'],
    ['-1 (negative indices are refused, as torch.index_select)', (e) => pick(e, [-1]), RangeError, 'indexSelect: index -1 is negative; indices count from 0 (as torch.index_select), dim 0 has size 3'],
    ['true', (e) => pick(e, [true]), TypeError, 'indexSelect: indices[0] is boolean true, not an integer index'],
    ['null', (e) => pick(e, [1, null]), TypeError, 'indexSelect: indices[1] is null, not an integer index'],
    ['undefined (a hole)', (e) => pick(e, [1, , 2]), TypeError, 'indexSelect: indices[1] is undefined, not an integer index'],
    ['a Float32Array with a fraction', (e) => pick(e, new Float32Array([1, 1.5])), RangeError, 'indexSelect: indices[1] is 1.5, not an integer index'],
    ['a float tensor', (e) => pick(e, e.tensor([0, 1])), TypeError, 'indexSelect: indices must be a 1-d int32 tensor, got float32 [2]'],
    ['a 2-d int32 tensor', (e) => pick(e, e.zeros([1, 1], { dtype: 'int32' })), TypeError, 'indexSelect: indices must be a 1-d int32 tensor, got int32 [1,1]'],
    ['a string', (e) => pick(e, '01'), TypeError, 'indexSelect: indices must be an array of integers, a typed array or a 1-d int32 tensor, got the string "01"'],
    ['crossEntropy, the same checker: 0.5', (e) => F.crossEntropy(e.zeros([1, 3]), [0.5]), RangeError, 'crossEntropy: target 0 is 0.5, not a class in 0..2'],
    ['crossEntropy: true', (e) => F.crossEntropy(e.zeros([1, 3]), [true as never]), TypeError, 'crossEntropy: target 0 is boolean true, not a class in 0..2'],
    ['crossEntropy: null targets', (e) => F.crossEntropy(e.zeros([1, 3]), null as never), TypeError, 'crossEntropy: targets must be an array of integers, a typed array or a 1-d int32 tensor, got null'],
  ]);

  it('accepts an array, a typed array of whole floats, an Int32Array and an int32 tensor alike', async () => {
    const eng = await tensorEngine(backend);
    const t = eng.tensor([[1, 2], [3, 4], [5, 6]]);
    for (const idx of [[2, 0, 2], new Float64Array([2, 0, 2]), new Int32Array([2, 0, 2]), eng.tensor([2, 0, 2], undefined, { dtype: 'int32' })]) {
      expect(t.indexSelect(0, idx).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    }
    expect(t.indexSelect(1, []).shape).toEqual([3, 0]);
  });
});

describe.each(TENSOR_BACKENDS)('options are objects with known keys (%s)', (backend) => {
  const params = (e: Engine) => [e.parameter([1, 2])];
  runCases(backend, [
    ['var correction null', (e) => e.tensor([1, 2, 4]).var(0, { correction: null as never }), TypeError, 'var: correction must be a non-negative integer (1: unbiased, 0: population), got null'],
    ['var correction NaN', (e) => e.tensor([1, 2, 4]).var(0, { correction: NaN }), TypeError, 'var: correction must be a non-negative integer (1: unbiased, 0: population), got number NaN'],
    ['var correction {}', (e) => e.tensor([1, 2, 4]).var(0, { correction: {} as never }), TypeError, 'var: correction must be a non-negative integer (1: unbiased, 0: population), got an object (Object)'],
    ['var correction 0.5', (e) => e.tensor([1, 2, 4]).var(0, { correction: 0.5 }), TypeError, 'var: correction must be a non-negative integer'],
    ['var correction -1', (e) => e.tensor([1, 2, 4]).var(0, { correction: -1 }), RangeError, 'var: correction must be a non-negative integer (1: unbiased, 0: population), got -1'],
    ['var unbiased (PyTorch)', (e) => e.tensor([1, 2, 4]).var(0, { unbiased: false } as never), TypeError, "var: unknown option 'unbiased' (use correction: 1 (unbiased, the default) or correction: 0); the options are keepdims, correction"],
    ["sum(0, 'x')", (e) => e.tensor([1, 2]).sum(0, 'x' as never), TypeError, 'sum: options must be an object, got the string "x"'],
    ['sum(0, [])', (e) => e.tensor([1, 2]).sum(0, [] as never), TypeError, 'sum: options must be an object, got an array'],
    ['sum keepdim (PyTorch)', (e) => e.tensor([1, 2]).sum(0, { keepdim: true } as never), TypeError, "sum: unknown option 'keepdim' (wasmgrad spells it keepdims); the options are keepdims"],
    ['mean dim (PyTorch)', (e) => e.tensor([1, 2]).mean(undefined, { dim: 0 } as never), TypeError, "mean: unknown option 'dim' (pass the axes as the first argument); the options are keepdims"],
    ['sum({ dim }) in the axes place (PyTorch)', (e) => e.tensor([1, 2]).sum({ dim: 0 } as never), TypeError, 'sum: axes must be a number or an array of numbers, got an object (Object); the axes come first and the options after, as in sum(1, { keepdims: true })'],
    ["max keepdims: 'yes'", (e) => e.tensor([1, 2]).max(0, { keepdims: 'yes' as never }), TypeError, 'max: keepdims must be true or false, got the string "yes"'],
    ['SGD betas', (e) => new optim.SGD(params(e), { lr: 0.1, betas: [0.9, 0.99] } as never), TypeError, "SGD: unknown option 'betas' (betas is an Adam option; SGD takes momentum); the options are lr, momentum, weightDecay"],
    ['SGD weight_decay (PyTorch)', (e) => new optim.SGD(params(e), { lr: 0.1, weight_decay: 0.01 } as never), TypeError, "SGD: unknown option 'weight_decay' (wasmgrad spells it weightDecay)"],
    ['crossEntropy label_smoothing', (e) => F.crossEntropy(e.zeros([2, 3]), [0, 1], { label_smoothing: 0.1 } as never), TypeError, "crossEntropy: unknown option 'label_smoothing' (wasmgrad spells it labelSmoothing); the options are weight, labelSmoothing, reduction"],
    ['SGD nesterov without momentum', (e) => new optim.SGD(params(e), { lr: 0.1, nesterov: true }), RangeError, 'SGD: Nesterov momentum needs momentum > 0 and dampening 0 (as PyTorch)'],
    ['SGD nesterov given as a string', (e) => new optim.SGD(params(e), { lr: 0.1, momentum: 0.9, nesterov: 'yes' as never }), TypeError, 'SGD: nesterov must be true or false, got the string "yes"'],
    ["SGD lr: '0.1'", (e) => new optim.SGD(params(e), { lr: '0.1' as never }), TypeError, 'SGD: lr must be a number ≥ 0, got the string "0.1"'],
    ['SGD without options', (e) => new (optim.SGD as new (p: unknown) => unknown)(params(e)), TypeError, 'SGD: lr is required (a number ≥ 0), e.g. new optim.SGD(params, { lr: 0.01 })'],
    ['Adam momentum', (e) => new optim.Adam(params(e), { momentum: 0.9 } as never), TypeError, "Adam: unknown option 'momentum' (Adam has no momentum option; its first moment's decay is betas[0]); the options are lr, betas, eps, weightDecay"],
    ['Adam weight_decay (PyTorch)', (e) => new optim.Adam(params(e), { weight_decay: 0.01 } as never), TypeError, "Adam: unknown option 'weight_decay' (wasmgrad spells it weightDecay)"],
    ['Adam amsgrad', (e) => new optim.Adam(params(e), { amsgrad: true } as never), TypeError, "Adam: unknown option 'amsgrad' (AMSGrad is not supported)"],
    ['Adam betas as a number', (e) => new optim.Adam(params(e), { betas: 0.9 as never }), TypeError, 'Adam: betas must be a pair of numbers [beta1, beta2], got number 0.9'],
    ['AdamW weight_decay (PyTorch)', (e) => new optim.AdamW(params(e), { lr: 1e-3, weight_decay: 0.01 } as never), TypeError, "AdamW: unknown option 'weight_decay' (wasmgrad spells it weightDecay); the options are lr, betas, eps, weightDecay"],
    ['zeros requires_grad (PyTorch)', (e) => e.zeros([2], { requires_grad: true } as never), TypeError, "zeros: unknown option 'requires_grad' (wasmgrad spells it requiresGrad); the options are dtype, requiresGrad"],
    ["tensor requiresGrad: 'yes'", (e) => e.tensor([1], undefined, { requiresGrad: 'yes' as never }), TypeError, 'tensor: requiresGrad must be true or false, got the string "yes"'],
    ['randn generator (PyTorch)', (e) => e.randn([2], { generator: new Random(1) } as never), TypeError, "randn: unknown option 'generator' (wasmgrad spells it rng (a Random)); the options are dtype, requiresGrad, seed, rng"],
    ['randn seed 0.5', (e) => e.randn([2], { seed: 0.5 }), TypeError, 'randn: seed must be an integer, got number 0.5'],
    ['randn seed and rng', (e) => e.randn([2], { seed: 1, rng: new Random(1) }), TypeError, 'randn: pass seed or rng, not both'],
    ['arange options', (e) => e.arange(3, undefined, undefined, { device: 'cpu' } as never), TypeError, "arange: unknown option 'device' (not supported: tensors live in the engine that made them); the options are dtype, requiresGrad"],
    ['keep requires_grad', (e) => e.keep(e.ones([1]), { requires_grad: true } as never), TypeError, "keep: unknown option 'requires_grad' (wasmgrad spells it requiresGrad); the options are requiresGrad"],
    ['nn.Linear device', (e) => new nn.Linear(e, 2, 3, { device: 'cpu' } as never), TypeError, "Linear: unknown option 'device'"],
    ["nn.Linear bias: 'no'", (e) => new nn.Linear(e, 2, 3, { bias: 'no' as never }), TypeError, 'Linear: bias must be true or false, got the string "no"'],
    ['nn.Linear rng {}', (e) => new nn.Linear(e, 2, 3, { rng: {} as never }), TypeError, 'Linear: rng must be a Random (new Random(seed)), got an object (Object)'],
    ['nn.Conv2d groups', (e) => new nn.Conv2d(e, 2, 2, 3, { groups: 2 } as never), TypeError, "Conv2d: unknown option 'groups' (grouped convolution is not supported); the options are bias, rng, dtype, stride, padding"],
    ['nn.Conv2d kernelSize null', (e) => new nn.Conv2d(e, 2, 2, null as never), TypeError, 'Conv2d: kernelSize must be a number or a pair of numbers, got null'],
    ['F.conv2d dilation', (e) => F.conv2d(e.zeros([1, 1, 3, 3]), e.zeros([1, 1, 2, 2]), null, { dilation: 2 } as never), TypeError, "conv2d: unknown option 'dilation' (dilation is not supported); the options are stride, padding"],
    ['F.maxPool2d ceil_mode', (e) => F.maxPool2d(e.zeros([1, 1, 4, 4]), 2, { ceil_mode: true } as never), TypeError, "maxPool2d: unknown option 'ceil_mode'"],
    ['F.avgPool2d count_include_pad', (e) => F.avgPool2d(e.zeros([1, 1, 4, 4]), 2, { count_include_pad: false } as never), TypeError, "avgPool2d: unknown option 'count_include_pad' (avgPool2d always counts padding in the divisor (count_include_pad=True))"],
    ['nn.MLP rng', (e) => new nn.MLP(e, 2, [3], { rng: new Random(1) } as never), TypeError, "MLP: unknown option 'rng'; the options are seed"],
    ['nn.Neuron nonlin: 0', (e) => new nn.Neuron(e, 2, { nonlin: 0 as never }), TypeError, 'Neuron: nonlin must be true or false, got number 0'],
  ]);

  it('valid options still work: correction 0, keepdims, SGD with weightDecay, Adam with betas', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.tensor([1, 2, 4], undefined, { dtype: 'float64' });
    expectAllClose(x.var(0, { correction: 0 }).data(), [14 / 9]);
    expectAllClose(x.var(0).data(), [7 / 3]);
    expect(x.sum(0, { keepdims: true }).shape).toEqual([1]);
    expect(x.sum(0, { keepdims: undefined }).shape).toEqual([]);
    const p = eng.parameter([1, 2], undefined, { dtype: 'float64' });
    p.sum().backward();
    new optim.SGD([p], { lr: 0.5, weightDecay: 0.1 }).step();
    expectAllClose(p.data(), [1 - 0.5 * 1.1, 2 - 0.5 * 1.2]);
    expect(new optim.Adam([p], { betas: [0.8, 0.9] }).betas).toEqual([0.8, 0.9]);
    expect(new optim.AdamW([p]).weightDecay).toBe(0.01);
  });
});

describe.each(TENSOR_BACKENDS)('arguments of the wrong shape or kind (%s)', (backend) => {
  runCases(backend, [
    ['assign [[1, 2]] into shape [2]', (e) => e.parameter([1, 2]).assign([[1, 2]]), RangeError, 'assign: values of shape [1,2] cannot be assigned to a tensor of shape [2]'],
    ['assign a [1, 2] tensor into shape [2]', (e) => e.parameter([1, 2]).assign(e.tensor([[1, 2]])), RangeError, 'assign: a tensor of shape [1,2] cannot be assigned to one of shape [2]'],
    ['assign a number into shape [2]', (e) => e.parameter([1, 2]).assign(5), RangeError, 'assign: values of shape [] cannot be assigned to a tensor of shape [2]'],
    ['assign a typed array of the wrong size', (e) => e.parameter([1, 2]).assign(new Float32Array(3)), RangeError, 'assign: expected 2 values for shape [2], got a typed array of 3'],
    ['slice(3)', (e) => e.tensor([1, 2, 3, 4]).slice(3 as never), TypeError, 'slice: starts must be an array with one bound per dim (e.g. slice([1], [3]) for rows 1..2), got number 3'],
    ['slice([1], 3)', (e) => e.tensor([1, 2, 3, 4]).slice([1], 3 as never), TypeError, 'slice: ends must be an array with one bound per dim'],
    ["slice(['1'])", (e) => e.tensor([1, 2, 3, 4]).slice(['1' as never]), TypeError, 'slice: bounds must be integers, got 1'],
    ['pad with a bad pair', (e) => e.zeros([2]).pad([[1] as never]), TypeError, 'pad: widths[0] must be a [before, after] pair, got an array'],
    ['clamp with a null bound', (e) => e.zeros([2]).clamp(null as never, 1), TypeError, 'clamp: min must be a number or undefined, got null'],
    ['pad with a string value', (e) => e.zeros([2]).pad([[1, 1]], '0' as never), TypeError, 'pad: the fill value must be a number, got the string "0"'],
  ]);

  it('assign with the right shape, or flat data as data() returns it, still works', async () => {
    const eng = await tensorEngine(backend);
    const p = eng.parameter([[1, 2], [3, 4]]);
    p.assign([[5, 6], [7, 8]]);
    expect(p.toArray()).toEqual([[5, 6], [7, 8]]);
    p.assign(new Float32Array([1, 1, 2, 2]));
    expect(p.toArray()).toEqual([[1, 1], [2, 2]]);
    p.assign(eng.tensor([[0, 1], [2, 3]], undefined, { dtype: 'float64' }));
    expect(p.toArray()).toEqual([[0, 1], [2, 3]]);
  });

  it('a refused assign leaves the parameter as it was', async () => {
    const eng = await tensorEngine(backend);
    const p = eng.parameter([1, 2]);
    expect(() => p.assign([[9, 9]])).toThrow(RangeError);
    expect(Array.from(p.data())).toEqual([1, 2]);
  });

  it('eng.where/concat/stack refuse tensors of another engine', async () => {
    const a = await tensorEngine(backend);
    const b = await tensorEngine(backend);
    const w = witness(b);
    const x = a.ones([2]), y = a.ones([2]);
    const other = /the Tensor belongs to \w+ engine #\d+, not \w+ engine #\d+; tensors of two engines cannot be mixed/;
    expect(() => b.where(x, y, 0)).toThrow(new RegExp(`^where: ${other.source}`));
    expect(() => b.concat([x, y])).toThrow(new RegExp(`^concat: ${other.source}`));
    expect(() => b.stack([x, y])).toThrow(new RegExp(`^stack: ${other.source}`));
    stillWorks(b, w);
  });
});

describe.each(TENSOR_BACKENDS)('named errors instead of V8 text (issue case 11, %s)', (backend) => {
  runCases(backend, [
    ['t.slice(null)', (e) => e.tensor([1, 2]).slice(null as never), TypeError, 'slice: starts must be an array with one bound per dim (e.g. slice([1], [3]) for rows 1..2), got null'],
    ...(['sum', 'max', 'min', 'mean', 'var', 'logsumexp'] as const).map((op): Case => [
      `t.${op}(0, null)`, (e) => e.tensor([1, 2])[op](0, null as never), TypeError, `${op}: options must be an object, got null`,
    ]),
    ['t.indexSelect(0, null)', (e) => e.tensor([1, 2]).indexSelect(0, null as never), TypeError, 'indexSelect: indices must be an array of integers, a typed array or a 1-d int32 tensor, got null'],
    ['randn with rng {}', (e) => e.randn([2], { rng: {} as never }), TypeError, 'randn: rng must be a Random (new Random(seed)), got an object (Object)'],
    ['rand with rng null', (e) => e.rand([2], { rng: null as never }), TypeError, 'rand: rng must be a Random (new Random(seed)), got null'],
    ['new optim.Adam(params, null)', (e) => new optim.Adam([e.parameter([1])], null as never), TypeError, 'Adam: options must be an object, got null'],
    ['new optim.SGD(params, null)', (e) => new optim.SGD([e.parameter([1])], null as never), TypeError, 'SGD: options must be an object, got null'],
    ['t.grad = …', (e) => { (e.tensor([1]) as { grad: unknown }).grad = new Float32Array(1); }, TypeError, "grad: a tensor's gradient cannot be assigned"],
    ['t.requiresGrad = true', (e) => { (e.tensor([1]) as { requiresGrad: boolean }).requiresGrad = true; }, TypeError, 'requiresGrad: it is fixed when the tensor is made'],
    ['v.grad = 5 on a Value that is not a parameter', (e) => { e.value(3).grad = 5; }, TypeError, "grad: only a parameter's gradient can be assigned (p.grad = 0 for one made with eng.param(), eng.zeroGrad() for all); this Value is not a parameter"],
    ['eng.arange(0, 1e12, 1e-3)', (e) => e.arange(0, 1e12, 1e-3), RangeError, 'arange: the range 0..1000000000000 by 0.001 would have 1000000000000000 elements'],
  ]);

  it("a parameter's grad may still be assigned, and a scalar graph still works after the refusal", async () => {
    const eng = await tensorEngine(backend);
    const p = eng.param(2);
    const v = eng.value(3);
    expect(() => { v.grad = 5; }).toThrow(TypeError);
    p.grad = 5;
    expect(p.grad).toBe(5);
    p.grad = 0;
    const y = p.mul(v);
    y.backward();
    expect([y.data, p.grad, v.grad]).toEqual([6, 3, 2]);
  });
});
