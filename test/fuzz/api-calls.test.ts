// Random sequences of public API calls (Engine, Tensor, TensorParam, Value,
// Param, Program, F, optim) with random, mostly invalid arguments: wrong
// shapes and dtypes, null, undefined, strings, NaN, ±∞, objects, handles from
// before a reset, from another engine, freed parameters, disposed programs.
// Both backends run the same sequence in lockstep. Every call must succeed on
// both or fail on both with the same named error (the op's name first, no
// host text such as "Cannot read properties of", no trap); after every failure
// a fixed computation still gives the right numbers, and the tensors,
// parameters and program kept aside are intact.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, F, optim, Program, Tensor, TensorParam, Value, type Engine } from '../../src/index.js';
import { Param } from '../../src/value.js';
import { check, SKIP, timeout } from './config.js';
import { show, unnamed } from './generators.js';

interface Side {
  eng: Engine;
  /** An engine of the same backend whose handles must be refused. */
  other: Engine;
  tensors: Tensor[];
  tparams: TensorParam[];
  values: Value[];
  params: Param[];
  programs: Program[];
  optimizers: optim.SGD[];
  saved: Uint8Array;
  keptTensor: TensorParam;
  keptParam: TensorParam;
  keptScalar: Param;
  keptProgram: Program;
}

const LITERALS: readonly unknown[] = [
  NaN, Infinity, -Infinity, -1, 0, 1, 2, 3, 1.5, -0, 1e12, -2, 'a', '2', '', null, undefined, true, {}, [],
  [2, 3], [3], [-1], [2, -1], [0], [1, 2, 3], [[1, 2], [3, 4]], [[1, 2], [3]], [1, 'a'], [NaN, 1], [0, 0.5],
  [[0, 1], [1, 0]], [1, 2, 3, 4, 5, 6, 7, 8, 9], 10n, Symbol('s'),
];
const OPTIONS: readonly unknown[] = [
  { dtype: 'float64' }, { dtype: 'int32' }, { dtype: 'float16' }, { requiresGrad: true }, { requiresGrad: true, dtype: 'int32' },
  { keepdims: true }, { keepdims: 'x' }, { correction: 0 }, { correction: null }, { correction: NaN }, { seed: 3 },
  { seed: NaN }, { rng: {} }, { lr: 0.1 }, { lr: -1 }, { lr: 0.1, momentum: 0.9 }, { lr: NaN }, { lr: 0.1, weight_decay: 0.01 },
  { stride: 0 }, { stride: 2 }, { padding: -1 }, { padding: 1 }, { stride: [1, 'a'] },
];

/** Argument k of a call: a literal, an option object, or a handle from the side's pools (stale or foreign ones included). */
type Atom = [number, number];
const ATOM_KINDS = 15;
const SMALL: readonly number[] = [0, 1, 2, -1, 0.5, 3];

function resolve(s: Side, [kind, k]: Atom): unknown {
  const from = <T,>(list: readonly T[], fallback: unknown = undefined) => (list.length ? list[k % list.length] : fallback);
  switch (kind % ATOM_KINDS) {
    case 0: case 1: return LITERALS[k % LITERALS.length];
    case 2: case 3: return SMALL[k % SMALL.length];
    case 4: return OPTIONS[k % OPTIONS.length];
    case 5: case 6: return from(s.tensors, 0);
    case 7: return from(s.tparams, 0);
    case 8: return from(s.values, 0);
    case 9: return from(s.params, 0);
    case 10: case 11: return [s.other.ones([2]), s.other.value(1), s.other.parameter([1, 2]), s.other.ones([2, 3])][k % 4];
    case 12: return [from(s.tparams, []), s.tparams.slice(0, 2), s.tensors.slice(-2), [from(s.tensors, 0), 'x'], [s.other.ones([2]), s.other.ones([2])]][k % 5];
    case 13: return [
      (x: Value) => x.mul(2), (x: Value, y: Value) => [x.add(y ?? 1), x.tanh()], () => 'x', () => from(s.values, 1),
      () => { throw new Error('fn: thrown by the traced function'); },
    ][k % 5];
    default: return [s.saved, s.saved.slice(0, 30), new Uint8Array(40), Uint8Array.from(s.saved.map((b, i) => (i === 9 ? b ^ 1 : b)))][k % 4];
  }
}

type Call = [string, 'tensor' | 'tparam' | 'value' | 'param' | 'program' | 'optimizer' | 'engine', (s: Side, r: any, a: any[]) => unknown];

const CALLS: readonly Call[] = ([
  ...(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'lt', 'ge', 'matmul', 'leakyRelu'] as const)
    .map((m): Call => [m, 'tensor', (_, t, a) => t[m](a[0])]),
  ...(['neg', 'exp', 'log', 'relu', 'gelu', 'abs', 'detach', 'flatten', 'data', 'toArray', 'item', 'backward', 'toString'] as const)
    .map((m): Call => [m, 'tensor', (_, t) => t[m]()]),
  ...(['sum', 'max', 'min', 'mean', 'var', 'logsumexp'] as const).map((m): Call => [m, 'tensor', (_, t, a) => t[m](a[0], a[1])]),
  ...(['softmax', 'logSoftmax', 'permute', 'reshape', 'squeeze', 'unsqueeze', 'expand', 'to'] as const)
    .map((m): Call => [m, 'tensor', (_, t, a) => t[m](a[0])]),
  ['clamp', 'tensor', (_, t, a) => t.clamp(a[0], a[1])],
  ['transpose', 'tensor', (_, t, a) => t.transpose(a[0], a[1])],
  ['slice', 'tensor', (_, t, a) => t.slice(a[0], a[1])],
  ['pad', 'tensor', (_, t, a) => t.pad(a[0], a[1])],
  ['indexSelect', 'tensor', (_, t, a) => t.indexSelect(a[0], a[1])],
  ['grad', 'tensor', (_, t) => t.grad],
  ['requiresGrad', 'tensor', (_, t) => t.requiresGrad],
  ['assign', 'tparam', (_, p, a) => p.assign(a[0])],
  ['zeroGrad', 'tparam', (_, p) => p.zeroGrad()],
  ['free', 'tparam', (_, p) => p.free()],
  ['tensor', 'engine', (s, _, a) => s.eng.tensor(a[0], a[1], a[2])],
  ...(['zeros', 'ones', 'randn', 'rand'] as const).map((m): Call => [m, 'engine', (s, _, a) => (s.eng[m] as (shape: never, options: never) => unknown).call(s.eng, a[0] as never, a[1] as never)]),
  ['full', 'engine', (s, _, a) => s.eng.full(a[0], a[1], a[2])],
  ['arange', 'engine', (s, _, a) => s.eng.arange(a[0], a[1], a[2], a[3])],
  ['eye', 'engine', (s, _, a) => s.eng.eye(a[0], a[1], a[2])],
  ['where', 'engine', (s, _, a) => s.eng.where(a[0], a[1], a[2])],
  ['concat', 'engine', (s, _, a) => s.eng.concat(a[0], a[1])],
  ['stack', 'engine', (s, _, a) => s.eng.stack(a[0], a[1])],
  ['parameter', 'engine', (s, _, a) => s.eng.parameter(a[0], a[1], a[2])],
  ['keep', 'engine', (s, _, a) => s.eng.keep(a[0], a[1])],
  ['reset', 'engine', (s) => s.eng.reset()],
  ['zeroGrad', 'engine', (s) => s.eng.zeroGrad()],
  ['crossEntropy', 'engine', (_, __, a) => F.crossEntropy(a[0], a[1])],
  ['mse', 'engine', (_, __, a) => F.mse(a[0], a[1])],
  ['binaryCrossEntropyWithLogits', 'engine', (_, __, a) => F.binaryCrossEntropyWithLogits(a[0], a[1])],
  ['linear', 'engine', (_, __, a) => F.linear(a[0], a[1], a[2])],
  ['conv2d', 'engine', (_, __, a) => F.conv2d(a[0], a[1], a[2], a[3])],
  ['maxPool2d', 'engine', (_, __, a) => F.maxPool2d(a[0], a[1], a[2])],
  ['avgPool2d', 'engine', (_, __, a) => F.avgPool2d(a[0], a[1], a[2])],
  ['SGD', 'engine', (_, __, a) => new optim.SGD(a[0], a[1])],
  ['Adam', 'engine', (_, __, a) => new optim.Adam(a[0], a[1])],
  ['AdamW', 'engine', (_, __, a) => new optim.AdamW(a[0], a[1])],
  ['step', 'optimizer', (_, o) => o.step()],
  ['value', 'engine', (s, _, a) => s.eng.value(a[0], a[1])],
  ['param', 'engine', (s, _, a) => s.eng.param(a[0], a[1])],
  ['compile', 'engine', (s, _, a) => s.eng.compile(a[0], a[1])],
  ['load', 'engine', (s, _, a) => s.eng.load(a[0])],
  ...(['add', 'mul', 'pow', 'div'] as const).map((m): Call => [m, 'value', (_, v, a) => v[m](a[0])]),
  ...(['tanh', 'relu', 'backward'] as const).map((m): Call => [m, 'value', (_, v) => v[m]()]),
  ['data', 'value', (_, v) => v.data],
  ['grad', 'value', (_, v) => v.grad],
  ['set data', 'value', (_, v, a) => { v.data = a[0]; }],
  ['set grad', 'value', (_, v, a) => { (v as { grad: unknown }).grad = a[0]; }],
  ['set data', 'param', (_, p, a) => { p.data = a[0]; }],
  ['set grad', 'param', (_, p, a) => { (p as { grad: unknown }).grad = a[0]; }],
  ['sum', 'engine', (s, _, a) => s.eng.sum(a[0])],
  ['run', 'program', (_, p, a) => p.run(a[0])],
  ['forward', 'program', (_, p, a) => p.forward(a[0])],
  ['step', 'program', (_, p, a) => p.step(a[0], a[1])],
  ['save', 'program', (_, p) => p.save()],
  ['dispose', 'program', (_, p) => p.dispose()],
] as Call[]).filter(([name]) => !SKIP.has(name));

interface Action { call: number; receiver: number; args: Atom[] }

const atom = fc.tuple(fc.nat(ATOM_KINDS - 1), fc.nat(1000));
const actionArb = fc.record({ call: fc.nat(CALLS.length - 1), receiver: fc.nat(1000), args: fc.array(atom, { minLength: 4, maxLength: 4 }) });

async function side(backend: 'wasm' | 'js'): Promise<Side> {
  const eng = await createEngine({ backend });
  const w = eng.param(0.5);
  const saved = eng.compile((x) => x.mul(w).tanh(), [1]).save();
  const s: Side = {
    eng, other: await createEngine({ backend }), tensors: [], tparams: [], values: [], params: [], programs: [], optimizers: [], saved,
    keptTensor: eng.keep(eng.tensor([10, 20, 30])),
    keptParam: eng.parameter([[1, 2], [3, 4]], undefined, { dtype: 'float64' }),
    keptScalar: eng.param(0.25),
    keptProgram: eng.compile((x, y) => x.mul(y).add(2), [1, 1]),
  };
  return s;
}

/** Fresh handles at the start of each case, so that the pools hold usable things. */
function seedPools(s: Side): void {
  const { eng } = s;
  s.tensors = [eng.tensor([[1, 2, 3], [4, 5, 6]]), eng.ones([3]), eng.zeros([2], { dtype: 'float64' }), eng.tensor([0, 2, 1], undefined, { dtype: 'int32' }), eng.full([], 2), eng.ones([1, 1, 4, 4])];
  s.tparams = [eng.parameter([1, 2, 3]), eng.parameter([[1, 2], [3, 4]], undefined, { dtype: 'float64' })];
  s.tensors.push(...s.tparams);
  s.values = [eng.value(2), eng.value(-3)];
  s.params = [eng.param(1.5)];
  s.values.push(...s.params);
  s.programs = [eng.compile((x) => x.mul(x), [2])];
  s.optimizers = [];
}

function stillWorks(s: Side, after: string): void {
  const { eng } = s;
  const what = `${eng.backend}, after ${after}`;
  const x = eng.tensor([1, 2, 3], undefined, { dtype: 'float64', requiresGrad: true });
  x.mul(x).sum().backward();
  expect(Array.from(x.grad!), `${what}: d Σx²/dx`).toEqual([2, 4, 6]);
  const v = eng.value(-4);
  const y = v.mul(v).add(v.mul(3));
  y.backward();
  expect([y.data, v.grad], `${what}: a scalar graph`).toEqual([4, -5]);
  expect(Array.from(s.keptTensor.data()), `${what}: the kept tensor`).toEqual([10, 20, 30]);
  expect(Array.from(s.keptParam.data()), `${what}: the kept parameter`).toEqual([1, 2, 3, 4]);
  expect(s.keptParam.shape, `${what}: the kept parameter's shape`).toEqual([2, 2]);
  expect(s.keptScalar.data, `${what}: the kept scalar parameter`).toBe(0.25);
  expect(Array.from(s.keptProgram.run([3, -2]).outputs), `${what}: the kept program`).toEqual([-4]);
  expect(Array.from(s.keptTensor.add(s.keptParam.sum().to('float32')).data()), `${what}: kept tensors in a graph`).toEqual([20, 30, 40]);
}

function describeArg(x: unknown): string {
  if (x instanceof TensorParam) return `TensorParam ${JSON.stringify(x.shape)} ${x.dtype}`;
  if (x instanceof Tensor) return `Tensor ${JSON.stringify(x.shape)} ${x.dtype}`;
  if (x instanceof Value) return x instanceof Param ? 'Param' : 'Value';
  if (x instanceof Uint8Array) return `Uint8Array(${x.length})`;
  if (typeof x === 'function') return `fn ${String(x).slice(0, 40)}`;
  if (Array.isArray(x)) return `[${x.map(describeArg).join(', ')}]`;
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'symbol') return String(x);
  return x === undefined ? 'undefined' : JSON.stringify(x);
}

/**
 * Calls whose arguments are operands (tensors or values the result is
 * computed from): one from another engine must be refused, never computed on.
 */
const OPERAND_CALLS = new Set([
  ...['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'lt', 'ge', 'matmul'].map((m) => `tensor:${m}`),
  ...['add', 'mul', 'pow', 'div'].map((m) => `value:${m}`),
  'engine:where', 'engine:concat', 'engine:stack', 'engine:keep', 'engine:sum',
]);

/** How many of the four arguments a call passes on (the others are never read). */
const arity = (f: Call[2]) => Math.max(0, ...[...f.toString().matchAll(/a\[(\d)\]/g)].map((m) => Number(m[1]) + 1));

function foreign(s: Side, x: unknown, depth = 0): boolean {
  if (x instanceof Tensor || x instanceof Value) return x.engine === s.other;
  return depth < 2 && Array.isArray(x) && x.some((y) => foreign(s, y, depth + 1));
}

type Outcome = { ok: true; result: unknown } | { ok: false; message: string };

function perform(s: Side, a: Action): Outcome | null {
  const [, kind, f] = CALLS[a.call];
  const pool = { tensor: s.tensors, tparam: s.tparams, value: s.values, param: s.params, program: s.programs, optimizer: s.optimizers, engine: [null] }[kind];
  if (pool.length === 0) return null;
  const receiver = pool[a.receiver % pool.length];
  const args = a.args.map((x) => resolve(s, x));
  let result: unknown;
  try {
    result = f(s, receiver, args);
  } catch (err) {
    const why = unnamed(err);
    if (why !== null) {
      expect.fail(`${s.eng.backend}: ${CALLS[a.call][0]} on ${kind === 'engine' ? 'the engine' : describeArg(receiver)} with (${args.map(describeArg).join(', ')}) threw ${why}\n${err instanceof Error ? err.stack : ''}`);
    }
    return { ok: false, message: (err as Error).message };
  }
  if (OPERAND_CALLS.has(`${kind}:${CALLS[a.call][0]}`) && args.slice(0, arity(f)).some((x) => foreign(s, x))) {
    expect.fail(`${s.eng.backend}: ${CALLS[a.call][0]} on ${kind === 'engine' ? 'the engine' : describeArg(receiver)} accepted another engine's handle: (${args.slice(0, arity(f)).map(describeArg).join(', ')})`);
  }
  if (result instanceof TensorParam) s.tparams.push(result);
  if (result instanceof Tensor) s.tensors.push(result);
  if (result instanceof Param) s.params.push(result);
  if (result instanceof Value) s.values.push(result);
  if (result instanceof Program) s.programs.push(result);
  if (result instanceof optim.SGD || result instanceof optim.Adam) s.optimizers.push(result as optim.SGD);
  return { ok: true, result };
}

/**
 * Messages name the engine ("js engine #3"), and some print a tensor's values,
 * whose last bits may differ between the backends' transcendentals.
 */
const normalize = (m: string) =>
  m.replace(/\b(wasm|js) engine #\d+/g, 'ENGINE').replace(/-?\d+\.\d+(e[-+]?\d+)?/g, (x) => Number(x).toPrecision(10));

describe('fuzz: invalid API calls on both backends', () => {
  let wasm: Side, js: Side;

  beforeAll(async () => {
    wasm = await side('wasm');
    js = await side('js');
  });

  it('each call succeeds on both backends or fails on both with the same named error, and the engines stay correct', () => {
    check('API calls', 500, 0xa91, [fc.array(actionArb, { minLength: 1, maxLength: 25 })], (actions) => {
      for (const s of [wasm, js]) {
        s.eng.reset();
        s.eng.zeroGrad();
        seedPools(s);
      }
      const done: string[] = [];
      for (const a of actions) {
        const name = `${CALLS[a.call][0]} #${done.length}`;
        const ra = perform(wasm, a);
        const rb = perform(js, a);
        done.push(name);
        if (ra === null || rb === null) continue;
        const sequence = `after ${done.join(', ')}`;
        expect(ra.ok, `${name}: wasm ${ra.ok ? 'succeeded' : `threw "${(ra as { message: string }).message}"`}, js ${rb.ok ? 'succeeded' : `threw "${(rb as { message: string }).message}"`} (${sequence})`).toBe(rb.ok);
        if (!ra.ok && !rb.ok) {
          expect(normalize(ra.message), `${name}: the backends' messages (${sequence})`).toBe(normalize(rb.message));
          stillWorks(wasm, `${name} threw "${ra.message}"`);
          stillWorks(js, `${name} threw "${rb.message}"`);
        }
      }
      stillWorks(wasm, 'the sequence');
      stillWorks(js, 'the sequence');
    });
  }, timeout(60_000));

  it('reaches both outcomes: many calls succeed and many fail', () => {
    let ok = 0, failed = 0;
    const names = new Set<string>();
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 5, maxLength: 20 }), (actions) => {
        js.eng.reset();
        seedPools(js);
        for (const a of actions) {
          const [, kind, f] = CALLS[a.call];
          const pool = { tensor: js.tensors, tparam: js.tparams, value: js.values, param: js.params, program: js.programs, optimizer: js.optimizers, engine: [null] }[kind];
          if (pool.length === 0) continue;
          try {
            f(js, pool[a.receiver % pool.length], a.args.map((x) => resolve(js, x)));
            ok++;
            names.add(CALLS[a.call][0]);
          } catch (err) {
            failed++;
            void show(err);
          }
        }
      }),
      { seed: 5, numRuns: 150 },
    );
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(100);
    expect(names.size).toBeGreaterThan(40);
  });
});
