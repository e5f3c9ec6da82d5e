// Every elementwise op in the registry, on both backends, from its registry
// entry alone: an op added to registry/ops.mjs is tested here without a line
// of this file changing. For each op:
// - its `check.points` give the exact result (to 4 ulp), as a Value, as a
//   float64 tensor and, rounded, as a float32 tensor;
// - its gradient matches central differences of the engine's own forward, in
//   f64, at seeded points of `check.x` (and `check.y`), for Values and tensors;
// - the Wasm core and the JS twin agree, and a tensor gives each element
//   exactly what the same op gives a Value;
// - its generated method records the registry's id.
// The end of the file shows that forgetting one of an op's pieces fails:
// the twin's rule (a type error), its note in docs/ops.md, or `npm run gen`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { opsWithoutNotes, ROOT, staleFiles } from '../registry/generate.mjs';
import { OPS } from '../registry/ops.mjs';
import type { Op as RegistryOp } from '../registry/ops.d.mts';
import { Random } from '../src/random.js';
import type { BackendName, Engine, Tensor, Value } from '../src/index.js';
import { BACKENDS, engine } from './helpers.js';

const TESTED = OPS.filter((op) => op.check !== null);
const SAMPLES = 6;

/** The gap between x and the next double away from zero. */
function ulp(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return Number.MIN_VALUE;
  return 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}

function expectUlps(actual: number, expected: number, ulps: number, what: string): void {
  if (!Number.isFinite(expected) || expected === 0) {
    expect(Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected)), `${what}: expected ${expected}, got ${actual}`).toBe(true);
    return;
  }
  const off = Math.abs(actual - expected) / ulp(expected);
  expect(off, `${what}: expected ${expected}, got ${actual} (${off.toFixed(1)} ulp)`).toBeLessThanOrEqual(ulps);
}

/** Records the op through the path its methods take (Value/Tensor#applyUnary, #applyBinary). */
interface Recorder {
  applyUnary(op: number, opName?: string): unknown;
  applyBinary(op: number, other: unknown, opName?: string): unknown;
}

function onValues(eng: Engine, op: RegistryOp, x: Value, y?: Value): Value {
  const r = x as unknown as Recorder;
  return (op.arity === 1 ? r.applyUnary(op.id, op.method!) : r.applyBinary(op.id, y!, op.method!)) as Value;
}

function onTensors(op: RegistryOp, x: Tensor, y?: Tensor): Tensor {
  const r = x as unknown as Recorder;
  return (op.arity === 1 ? r.applyUnary(op.id) : r.applyBinary(op.id, y!)) as Tensor;
}

/** Seeded points inside the op's check ranges, kept off the points where a kink or a tie makes the derivative jump. */
function samples(op: RegistryOp, seed: number): number[][] {
  const rng = new Random(seed);
  const [xlo, xhi] = op.check!.x;
  const [ylo, yhi] = op.check!.y ?? [0, 0];
  const out: number[][] = [];
  while (out.length < SAMPLES) {
    const x = rng.uniform(xlo, xhi);
    const y = rng.uniform(ylo, yhi);
    if (Math.abs(x) < 1e-3 || (op.arity === 2 && Math.abs(x - y) < 1e-3)) continue;
    out.push(op.arity === 1 ? [x] : [x, y]);
  }
  return out;
}

/** Central difference in f64 with a step relative to the input. */
function centralDifference(f: (t: number) => number, t: number): number {
  const h = 1e-6 * Math.max(Math.abs(t), 0.1);
  return (f(t + h) - f(t - h)) / (2 * h);
}

const engines = new Map<BackendName, Engine>();
beforeAll(async () => {
  for (const backend of BACKENDS) engines.set(backend, await engine(backend));
});

describe.each(BACKENDS)('every op in the registry (%s)', (backend) => {
  for (const op of TESTED) {
    const scalar = op.kind === 'scalar';
    describe(op.name, () => {
      it('gives the registry\'s exact results', () => {
        const eng = engines.get(backend)!;
        for (const point of op.check!.points) {
          const inputs = point.slice(0, op.arity);
          const expected = point[op.arity];
          const what = `${op.name}(${inputs.join(', ')})`;
          if (scalar) {
            const [x, y] = inputs.map((v) => eng.value(v));
            expectUlps(onValues(eng, op, x, y).data, expected, 4, `${what} as a Value`);
          }
          const [tx, ty] = inputs.map((v) => eng.tensor([v], [1], { dtype: 'float64' }));
          expectUlps(onTensors(op, tx, ty).item(), expected, 4, `${what} as a float64 tensor`);
          eng.reset();
        }
      });

      it('has a gradient that matches central differences in f64', () => {
        const eng = engines.get(backend)!;
        for (const point of samples(op, op.id + 1)) {
          const what = `${op.name}(${point.join(', ')})`;
          for (let k = 0; k < op.arity; k++) {
            if (!op.gradient.inputs[k]) continue;
            const f = (t: number) => {
              const inputs = point.map((v, i) => (i === k ? t : v));
              const out = scalar
                ? onValues(eng, op, ...(inputs.map((v) => eng.value(v)) as [Value, Value])).data
                : onTensors(op, ...(inputs.map((v) => eng.tensor([v], [1], { dtype: 'float64' })) as [Tensor, Tensor])).item();
              return out;
            };
            const numeric = centralDifference(f, point[k]);
            const tol = 1e-6 * Math.max(1, Math.abs(numeric));
            if (scalar) {
              const xs = point.map((v) => eng.value(v));
              onValues(eng, op, xs[0], xs[1]).backward();
              expect(Math.abs(xs[k].grad - numeric), `${what}: d/dinput ${k} as Values ${xs[k].grad} vs ${numeric}`).toBeLessThanOrEqual(tol);
            }
            const ts = point.map((v) => eng.tensor([v], [1], { dtype: 'float64', requiresGrad: true }));
            onTensors(op, ts[0], ts[1]).sum().backward();
            const g = ts[k].grad![0];
            expect(Math.abs(g - numeric), `${what}: d/dinput ${k} as tensors ${g} vs ${numeric}`).toBeLessThanOrEqual(tol);
            eng.reset();
          }
        }
      });

      it('gives each element of a tensor what it gives a Value, and rounds float32 once', () => {
        const eng = engines.get(backend)!;
        const points = samples(op, op.id + 100);
        const columns = Array.from({ length: op.arity }, (_, k) => points.map((p) => p[k]));
        const f64 = onTensors(op, ...(columns.map((c) => eng.tensor(c, [c.length], { dtype: 'float64' })) as [Tensor, Tensor])).toArray() as number[];
        const rounded = columns.map((c) => c.map(Math.fround));
        const f32 = onTensors(op, ...(rounded.map((c) => eng.tensor(c, [c.length], { dtype: 'float32' })) as [Tensor, Tensor])).toArray() as number[];
        const f64OfRounded = onTensors(op, ...(rounded.map((c) => eng.tensor(c, [c.length], { dtype: 'float64' })) as [Tensor, Tensor])).toArray() as number[];
        points.forEach((p, i) => {
          if (scalar) {
            const [x, y] = p.map((v) => eng.value(v));
            expect(f64[i], `${op.name}(${p.join(', ')})`).toBe(onValues(eng, op, x, y).data);
          }
          expect(f32[i], `${op.name} in float32 at ${rounded.map((c) => c[i]).join(', ')}`).toBe(Math.fround(f64OfRounded[i]));
        });
        eng.reset();
      });

      const variant = op.variant === undefined ? '' : `({ ${op.variant.option}: '${op.variant.value}' })${op.variant.default ? ' and by default' : ''}`;
      if (op.method !== null) it(`is the ${op.method} method${variant}${scalar ? ' of Values, Tensors and the engine' : ' of Tensors'}`, () => {
        const eng = engines.get(backend)!;
        const point = samples(op, 7)[0];
        const [tx, ty] = point.map((v) => eng.tensor([v], [1], { dtype: 'float64' }));
        const method = op.method!;
        const call = (tx as unknown as Record<string, (...a: unknown[]) => Tensor>)[method].bind(tx);
        const operands = op.arity === 2 ? [ty] : [];
        if (op.variant !== undefined) {
          expect(call(...operands, { [op.variant.option]: op.variant.value }).item()).toBe(onTensors(op, tx, ty).item());
          if (op.variant.default) expect(call(...operands).item()).toBe(onTensors(op, tx, ty).item());
          expect(() => call(...operands, { [op.variant!.option]: 'no such variant' })).toThrow(new RegExp(`${method}: ${op.variant.option} must be`));
          return;
        }
        const viaMethod = call(...operands);
        expect(viaMethod.item()).toBe(onTensors(op, tx, ty).item());
        if (scalar) {
          const [x, y] = point.map((v) => eng.value(v));
          const direct = onValues(eng, op, x, y).data;
          expect((x as unknown as Record<string, (o?: unknown) => Value>)[method](y).data).toBe(direct);
          expect((eng as unknown as Record<string, (...a: unknown[]) => Value>)[method](x, y).data).toBe(direct);
          expect((x as unknown as Record<string, (o?: unknown) => Value>)[method](y).op).toBe(op.name);
        }
        eng.reset();
      });
    });
  }
});

describe('the Wasm core and the JS twin', () => {
  for (const op of TESTED) {
    it(`agree on ${op.name} to 2 ulp, and on its gradient`, () => {
      const results = BACKENDS.map((backend) => {
        const eng = engines.get(backend)!;
        const points = samples(op, op.id + 200);
        const columns = Array.from({ length: op.arity }, (_, k) => points.map((p) => p[k]));
        const ts = columns.map((c) => eng.tensor(c, [c.length], { dtype: 'float64', requiresGrad: true }));
        const out = onTensors(op, ts[0], ts[1]);
        out.sum().backward();
        const r = { out: out.toArray() as number[], grads: ts.map((t) => Array.from(t.grad!)) };
        eng.reset();
        return r;
      });
      const [wasm, js] = results;
      wasm.out.forEach((v, i) => expectUlps(js.out[i], v, 2, `${op.name} element ${i}`));
      wasm.grads.forEach((g, k) => g.forEach((v, i) => expect(Math.abs(js.grads[k][i] - v), `${op.name} d/dinput ${k} element ${i}`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(v)))));
    });
  }
});

// ── forgetting a piece of an op fails ──

/** Type errors of src/js/ops.ts and the files it imports, with one file's text replaced. */
function typeErrorsWith(path: string, text: string): string[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.readFile;
  host.readFile = (file) => (file === path ? text : read(file));
  const getSource = host.getSourceFile;
  host.getSourceFile = (file, language) => (file === path ? ts.createSourceFile(file, text, language) : getSource(file, language));
  const program = ts.createProgram([path], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The file's text without the `case` lines of the op whose constant is bound to `Group.Name`. */
function withoutCases(text: string, group: string, name: string): string {
  const constant = new RegExp(`(\\w+) = ${group}\\.${name}\\b`).exec(text)?.[1];
  expect(constant, `${group}.${name} has a constant in the rule table`).toBeDefined();
  const lines = text.split('\n').filter((line) => !new RegExp(`case ${constant}:`).test(line));
  return lines.join('\n');
}

describe('forgetting part of an op', () => {
  const lastScalar = [...OPS].reverse().find((op) => op.kind === 'scalar')!;
  const lastTensor = [...OPS].reverse().find((op) => op.kind === 'tensor')!;

  it.each([
    ['src/js/ops.ts', 'Op', lastScalar.name],
    ['src/js/tensor/ops.ts', 'TensorUnary', lastTensor.name],
  ])('the twin\'s rule in %s: leaving out %s.%s is a type error', (file, group, name) => {
    const path = join(ROOT, file).replace(/\\/g, '/');
    const text = readFileSync(path, 'utf8');
    expect(typeErrorsWith(path, text), 'the file as it is').toEqual([]);
    const errors = typeErrorsWith(path, withoutCases(text, group, name));
    expect(errors.some((e) => /not assignable to parameter of type 'never'/.test(e)), errors.join('\n')).toBe(true);
  }, 60_000);

  it('its note in docs/ops.md: every op with a method has one, and a missing one is named', () => {
    const doc = readFileSync(join(ROOT, 'docs/ops.md'), 'utf8');
    expect(opsWithoutNotes(doc)).toEqual([]);
    const without = doc.replace(/^### Erf$/m, '### (gone)');
    expect(opsWithoutNotes(without)).toEqual(['Erf']);
  });

  it('npm run gen: a generated file that lacks an op is stale', () => {
    const read = (path: string) => { try { return readFileSync(join(ROOT, path), 'utf8'); } catch { return null; } };
    expect(staleFiles(read).map((f) => f.path)).toEqual([]);
    for (const path of ['src/generated/ops.ts', 'src/generated/methods.ts', 'assembly/generated/ops.ts', 'include/wasmgrad.h', 'docs/abi.md', 'docs/ops.md']) {
      const edited = (p: string) => {
        const text = read(p);
        if (p !== path || text === null) return text;
        return text.split('\n').filter((line) => !/Erf|ERF/.test(line)).join('\n');
      };
      expect(staleFiles(edited).map((f) => f.path), path).toContain(path);
    }
  });
});
