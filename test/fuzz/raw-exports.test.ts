// Every export of the core, on each Wasm build the host runs, called in random
// sequences with hostile arguments: i32 edges (0, −1, 2^31−1, −2^31, 2^32−1
// as it reaches an i32, sizes past every limit), NaN, ±∞, −0 and huge f64s,
// and hostile arrays in the staging area; tensorRun, the one entry of every
// tensor op, also gets kinds near and far from the real ones, small node ids
// and hostile ones, and hostile f64 attributes in the stage. The ABI (docs/abi.md) promises a
// documented error code for every bad argument: no call may trap. Afterwards
// the instance still passes its self-test and computes a tensor product.
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasRelaxedSimd, hasSimd, instantiateCore, type WasmBuild } from '../../src/wasm/load.js';
import { check, SKIP, timeout } from './config.js';
import { hostileF64, hostileI32 } from './generators.js';
import { exportedFunctions, type ExportedFunction } from './wasm-exports.js';
import { NODE_KIND_COUNT, NodeKind, Op } from '../../src/generated/ops.js';

const FILES: Record<WasmBuild, string> = { 'relaxed-simd': 'wasmgrad.relaxed.wasm', simd: 'wasmgrad.simd.wasm', baseline: 'wasmgrad.wasm' };
const BUILDS = (['relaxed-simd', 'simd', 'baseline'] as const).filter(
  (b) => b === 'baseline' || (b === 'simd' ? hasSimd() : hasRelaxedSimd()),
);

type Fn = (...args: number[]) => number;
type Core = Record<string, Fn> & { memory: WebAssembly.Memory };

type Action =
  | { kind: 'call'; fn: number; i32: number[]; f64: number[] }
  | { kind: 'stage'; values: number[] }
  | { kind: 'stageF64'; word: number; value: number }
  | { kind: 'run'; node: number; inputs: number[] };

/** Staged arrays: mostly small dims and ids, sometimes sizes past the 2^28-element limit or negative. */
const stagedValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 9 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, -2, 0x7fffffff, -0x80000000, 0x10000001, 0x20000000, 0x40000000, 0x7ffffff8) },
);

/** tensorRun's inputs: mostly ids of the prelude's tensors and -1 (no input), sometimes hostile. */
const runInput = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -1, max: 8 }) }, { weight: 1, arbitrary: hostileI32() });

const action = (count: number): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('call' as const), fn: fc.nat(count - 1), i32: fc.array(hostileI32(), { minLength: 8, maxLength: 8 }), f64: fc.array(hostileF64(), { minLength: 8, maxLength: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('stage' as const), values: fc.array(stagedValue, { minLength: 1, maxLength: 24 }) }) },
    // the attribute layouts take at most 20 words: an f64 anywhere in them
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('stageF64' as const), word: fc.integer({ min: 0, max: 11 }).map((w) => 2 * w), value: hostileF64() }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('run' as const),
        node: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -1, max: NODE_KIND_COUNT }) }, { weight: 1, arbitrary: hostileI32() }),
        inputs: fc.array(runInput, { minLength: 3, maxLength: 3 }),
      }),
    },
  );

/** out = x op y through tensorRun: the op staged where a Binary node reads it. */
function binary(c: Core, op: number, x: number, y: number): number {
  new Int32Array(c.memory.buffer, c.tensorStage() >>> 0, 1)[0] = op;
  return c.tensorRun(NodeKind.Binary, x, y, -1);
}

/** A little of everything, so that small ids name real nodes, slots, programs and tensors. */
function prelude(c: Core): void {
  const x = c.pushLeaf(2), y = c.pushLeaf(-3);
  const s = c.paramCreate(0.5);
  c.pushBinary(5, c.pushBinary(3, x, y), c.pushParam(s));
  const start = c.nodeCount();
  const leaf = c.pushLeaf(1);
  const root = c.pushUnary(13, c.pushBinary(5, leaf, c.pushParam(s)));
  c.programCreate(start, c.nodeCount(), 1, root);
  c.truncate(start);
  const stage = (xs: number[]) => new Int32Array(c.memory.buffer, c.tensorStage() >>> 0, xs.length).set(xs);
  stage([2, 3]);
  const a = c.tensorFull(1, 2, 1.5);
  stage([3]);
  const b = c.tensorFromData(1, 1, 1);
  new Float64Array(c.memory.buffer, c.tensorData(b) >>> 0, 3).set([1, -2, 3]);
  binary(c, Op.Mul, a, b);
  stage([2, 2]);
  c.slotCreate(0, 2, 1);
  c.slotKeep(b, 0);
  stage([3]);
  c.tensorFromData(2, 1, 0); // int32 indices, zeros
  stage([2, 3]);
  c.tensorFromData(2, 2, 0); // an index box of a's shape, for Gather and ScatterAdd along either axis
}

function stillWorks(c: Core, build: WasmBuild): void {
  c.reset();
  c.tensorReset();
  expect(c.selfTest(), `${build}: the self-test after the sequence`).toBe(0);
  new Int32Array(c.memory.buffer, c.tensorStage() >>> 0, 1).set([2]);
  const t = c.tensorFull(1, 1, 3);
  const sq = binary(c, Op.Mul, t, t);
  expect(sq, `${build}: a tensor product after the sequence (error ${c.lastError()})`).toBeGreaterThanOrEqual(0);
  expect(Array.from(new Float64Array(c.memory.buffer, c.tensorData(sq) >>> 0, 2))).toEqual([9, 9]);
}

describe.each(BUILDS)('fuzz: raw exports with hostile arguments (%s build)', (build) => {
  let fns: ExportedFunction[];
  let module: WebAssembly.Module;

  beforeAll(async () => {
    const bytes = new Uint8Array(await readFile(new URL(`../../build/${FILES[build]}`, import.meta.url)));
    fns = exportedFunctions(bytes).filter((f) => !SKIP.has(f.name));
    module = await WebAssembly.compile(bytes);
    // The loader's choice of file must be the one read here.
    const features = ((await instantiateCore(undefined, build)).exports.wasmFeatures as () => number)();
    expect(features).toBe({ 'relaxed-simd': 3, simd: 1, baseline: 0 }[build]);
  });

  it('lists the exports with their types', () => {
    expect(fns.length).toBeGreaterThan(90);
    expect(fns.find((f) => f.name === 'pushBinaryConst')).toEqual({ name: 'pushBinaryConst', params: ['i32', 'i32', 'f64', 'i32'], results: ['i32'] });
    expect(fns.find((f) => f.name === 'tensorRun')).toEqual({ name: 'tensorRun', params: ['i32', 'i32', 'i32', 'i32'], results: ['i32'] });
  });

  it('never traps, whatever the arguments and their order', () => {
    check(
      `raw exports (${build})`, 1500, 0xab1 + BUILDS.indexOf(build),
      [fc.array(action(fns.length), { minLength: 1, maxLength: 30 })],
      (actions) => {
        // A fresh instance per case, so that a shrunk counterexample replays alone.
        const c = new WebAssembly.Instance(module, {}).exports as unknown as Core;
        prelude(c);
        const log: string[] = [];
        for (const a of actions) {
          if (a.kind === 'stage') {
            const n = Math.min(a.values.length, c.tensorStageInts());
            new Int32Array(c.memory.buffer, c.tensorStage() >>> 0, n).set(a.values.slice(0, n));
            log.push(`stage [${a.values.slice(0, n)}]`);
            continue;
          }
          if (a.kind === 'stageF64') {
            new Float64Array(c.memory.buffer, c.tensorStage() >>> 0, 12)[a.word / 2] = a.value;
            log.push(`stage f64 ${a.value} at word ${a.word}`);
            continue;
          }
          if (a.kind === 'run') {
            const [x, y, z] = a.inputs;
            log.push(`tensorRun(${a.node}, ${x}, ${y}, ${z})`);
            try {
              const id = c.tensorRun(a.node, x, y, z);
              if (id < 0) expect(c.lastError(), `${log.at(-1)}: a failure names its reason`).toBeGreaterThan(0);
            } catch (err) {
              if (err instanceof WebAssembly.RuntimeError) expect.fail(`${log.at(-1)} trapped (${err.message}) after ${log.slice(0, -1).join('; ') || 'nothing'}`);
              throw err;
            }
            continue;
          }
          const f = fns[a.fn];
          const args = f.params.map((t, k) => (t === 'f64' || t === 'f32' ? a.f64[k] : a.i32[k] | 0));
          log.push(`${f.name}(${args.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(', ')})`);
          try {
            c[f.name](...args);
          } catch (err) {
            if (err instanceof WebAssembly.RuntimeError) expect.fail(`${log.at(-1)} trapped (${err.message}) after ${log.slice(0, -1).join('; ') || 'nothing'}`);
            throw err;
          }
        }
        stillWorks(c, build);
      },
    );
  }, timeout(60_000));
});
