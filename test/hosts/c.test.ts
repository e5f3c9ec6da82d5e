// Non-JS hosts of build/wasmgrad.wasm (Debian's wabt): hosts/c/seed.c,
// hosts/c/program.c (a saved compiled program, trained) and hosts/c/tensor.c
// (tensor ops through tensorRun and the header's attribute words) over the
// wasm2c translation, compiled with gcc, must print the JS engine's numbers
// digit for digit; wabt's interpreter must pass the module's self-test and
// compute the seed example to the same bits; include/wasmgrad.h must agree
// with the module.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F, Op, createEngine, nn, type Engine, type Value } from '../../src/index.js';
import { ROOT, formatG17, requireBuild, requireTool, run } from './support.js';

const WASM = join(ROOT, 'build/wasmgrad.wasm');
const NAMES = ['w0', 'x0', 'w1', 'x1', 'w2', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;

let dir: string;

beforeAll(async () => {
  requireBuild();
  dir = await mkdtemp(join(tmpdir(), 'wasmgrad-c-'));
});

afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

/** The seed example on a JS engine, node by node, in seed.c's order. */
function seed(eng: Engine): Record<(typeof NAMES)[number], Value> {
  const [w0, x0, w1, x1, w2] = [2, -1, -3, -2, -3].map((v) => eng.value(v));
  const a = w0.mul(x0), b = w1.mul(x1), c = a.add(b), d = c.add(w2), e = d.neg(), f = e.exp();
  const g = eng.add(1, f), h = eng.div(1, g);
  h.backward();
  return { w0, x0, w1, x1, w2, a, b, c, d, e, f, g, h };
}

/** What seed.c must print, computed by the JS engine on the given backend. */
async function expectedSeedOutput(backend: 'wasm' | 'js'): Promise<string> {
  const nodes = seed(await createEngine({ backend }));
  const lines = ['abiVersion 1', 'selfTest 0', 'node value grad'];
  for (const name of NAMES) lines.push(`${name} ${formatG17(nodes[name].data)} ${formatG17(nodes[name].grad)}`);
  lines.push('nodes after reset 0');
  return `${lines.join('\n')}\n`;
}

/** What tensor.c must print: the same graph through the API, on the Wasm core's baseline build (which C hosts run). */
async function expectedTensorOutput(): Promise<string> {
  const eng = await createEngine({ backend: 'wasm', simd: false });
  const x = eng.tensor(Float64Array.from([0.5, -1, 2, 0.25, 1.5, -0.75]), [2, 3], { requiresGrad: true });
  const w = eng.parameter(Float64Array.from({ length: 12 }, (_, k) => 0.1 * k - 0.6), [4, 3]);
  const q = F.linear(x, w).tanh().pad([[0, 0], [1, 0]], 0.5);
  const r = q.sum(1, { keepdims: true });
  const loss = r.sum();
  loss.backward();
  const row = (name: string, xs: ArrayLike<number>) => `${name} ${Array.from(xs, formatG17).join(' ')}`;
  return [
    `shapes q ${q.shape.join('x')} r ${r.shape.join('x')} loss rank ${loss.rank}`,
    row('loss', [loss.item()]), row('x.grad', x.grad!), row('w.grad', w.grad!),
  ].join('\n') + '\n';
}

describe('C host: wasm2c + gcc', () => {
  const FLAGS = ['-O2', '-ffp-contract=off', '-fno-optimize-sibling-calls', '-frounding-math', '-fsignaling-nans'];
  let exe: string;
  let programExe: string;
  let tensorExe: string;

  beforeAll(async () => {
    requireTool('wasm2c', 'wabt');
    requireTool('gcc', 'gcc');
    const core = join(dir, 'wasmgrad_core.c');
    await run('wasm2c', [WASM, '-n', 'wasmgrad', '-o', core]);
    const includes = ['-I', join(ROOT, 'include'), '-I', dir, '-I', '/usr/share/wabt/wasm2c'];
    // The generated code is compiled without warnings; ours with -Werror.
    await Promise.all([
      run('gcc', [...FLAGS, ...includes, '-c', core, '-o', join(dir, 'core.o')]),
      run('gcc', [...FLAGS, '-Wall', '-Wextra', '-Werror', ...includes, '-c', join(ROOT, 'hosts/c/seed.c'), '-o', join(dir, 'seed.o')]),
    ]);
    await run('gcc', [...FLAGS, '-Wall', '-Wextra', '-Werror', ...includes, '-c', join(ROOT, 'hosts/c/program.c'), '-o', join(dir, 'program.o')]);
    await run('gcc', [...FLAGS, '-Wall', '-Wextra', '-Werror', ...includes, '-c', join(ROOT, 'hosts/c/tensor.c'), '-o', join(dir, 'tensor.o')]);
    exe = join(dir, 'seed');
    await run('gcc', [join(dir, 'seed.o'), join(dir, 'core.o'), '-lwasm-rt-impl', '-lm', '-o', exe]);
    programExe = join(dir, 'program');
    await run('gcc', [join(dir, 'program.o'), join(dir, 'core.o'), '-lwasm-rt-impl', '-lm', '-o', programExe]);
    tensorExe = join(dir, 'tensor');
    await run('gcc', [join(dir, 'tensor.o'), join(dir, 'core.o'), '-lwasm-rt-impl', '-lm', '-o', tensorExe]);
  }, 120_000);

  it('records tensor ops through tensorRun with the header\'s attribute words, to the JS engine\'s numbers digit for digit', async () => {
    const { stdout } = await run(tensorExe, []);
    expect(stdout).toBe(await expectedTensorOutput());
    expect(stdout).toMatch(/^shapes q 2x5 r 2x1 loss rank 0\n/);
  });

  it('trains a saved compiled program (a small MLP step) to the JS engine\'s numbers, digit for digit', async () => {
    const STEPS = 5;
    const LR = 0.05;
    const eng = await createEngine({ backend: 'js' });
    const model = new nn.MLP(eng, 2, [4, 1], { seed: 7 });
    const X = [[0.5, -1], [1.5, 0.25], [-0.75, 0.5], [0, 1], [2, -0.5], [-1, -1]];
    const y = [1, -1, 1, -1, -1, 1];
    const program = eng.compile(() => {
      const losses = X.map((row, i) => eng.sub(1, model.forward(row)[0].mul(y[i])).relu());
      return eng.mean(losses).add(eng.sum(model.parameters().map((p) => p.mul(p))).mul(1e-3));
    }, []);
    const file = join(dir, 'mlp.wgrd');
    await writeFile(file, program.save());

    const expected = async (backend: 'wasm' | 'js') => {
      const loaded = (await createEngine({ backend })).load(program.save());
      const lines = [`nodes ${loaded.nodeCount} inputs 0 params ${loaded.params.length}`];
      for (let k = 0; k < STEPS; k++) lines.push(`step ${k} loss ${formatG17(loaded.step(LR))}`);
      loaded.params.forEach((p, k) => lines.push(`param ${k} ${formatG17(p.data)}`));
      return `${lines.join('\n')}\n`;
    };
    const { stdout } = await run(programExe, [file, String(STEPS), String(LR)]);
    expect(stdout).toBe(await expected('wasm'));
    expect(stdout).toBe(await expected('js'));
    expect(stdout).toContain('params 17\n');

    const corrupted = (await readFile(file)).subarray(0, 40);
    await writeFile(file, corrupted);
    await expect(run(programExe, [file, '1', '0.1'])).rejects.toThrow(/--- stdout\nload failed: error 5\n/);
  });

  it("prints the seed example's values and gradients with %.17g, equal to the JS engine's digit for digit", async () => {
    const { stdout } = await run(exe, []);
    expect(stdout).toBe(await expectedSeedOutput('wasm'));
    expect(stdout).toBe(await expectedSeedOutput('js'));
    // The corrected figures of the seed, to be sure what is compared is right.
    expect(stdout).toContain('\nw1 -3 -0.39322386648296376\n');
    expect(stdout).toContain('\nx1 -2 -0.58983579972444566\n');
  });

  it('include/wasmgrad.h compiles alone, as strict C99, for hosts that want only the ABI constants', async () => {
    const src = join(dir, 'abi-only.c');
    await writeFile(src, '#define WASMGRAD_ABI_ONLY\n#include "wasmgrad.h"\nint main(void) { return WASMGRAD_ABI_VERSION == 1 && WASMGRAD_OP_ABS == 18 ? 0 : 1; }\n');
    await run('gcc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-I', join(ROOT, 'include'), src, '-o', join(dir, 'abi-only')]);
    await run(join(dir, 'abi-only'), []);
  });
});

describe('include/wasmgrad.h', () => {
  it("declares the module's ABI version and op ids", async () => {
    const header = await readFile(join(ROOT, 'include/wasmgrad.h'), 'utf8');
    const { instance } = await WebAssembly.instantiate(await readFile(WASM), {});
    const core = instance.exports as { abiVersion(): number; opArity(op: number): number; opCount(): number };
    expect(Number(/#define WASMGRAD_ABI_VERSION (\d+)/.exec(header)?.[1])).toBe(core.abiVersion());

    const declared = new Map<string, number>();
    for (const [, name, id] of header.matchAll(/WASMGRAD_OP_([A-Z0-9_]+) = (\d+),/g)) declared.set(name, Number(id));
    // Op names in the header are the enum's in UPPER_SNAKE_CASE.
    const expected = new Map(
      Object.entries(Op)
        .filter(([, v]) => typeof v === 'number')
        .map(([name, id]) => [name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(), id as number]),
    );
    expect(declared).toEqual(expected);
    expect(Number(/WASMGRAD_OP_COUNT = (\d+)/.exec(header)?.[1])).toBe(expected.size);
    expect(Number(/WASMGRAD_OP_COUNT = (\d+)/.exec(header)?.[1])).toBe(core.opCount());
    for (const id of expected.values()) expect(core.opArity(id)).toBeGreaterThanOrEqual(0);
  });

  it("wraps every export of the module and of docs/abi.md, with the export's number of parameters", async () => {
    const header = await readFile(join(ROOT, 'include/wasmgrad.h'), 'utf8');
    const wrappers = new Map<string, number>();
    for (const [, name, params] of header.matchAll(/static inline [\w ]+\bwasmgrad_(\w+)\(wasmgrad_instance\* m((?:, [^)]*)?)\)/g)) {
      wrappers.set(name, params === '' ? 0 : params.split(',').length - 1);
    }
    for (const helper of ['open', 'close', 'memory']) wrappers.delete(helper);

    const { instance } = await WebAssembly.instantiate(await readFile(WASM), {});
    const exported = Object.entries(instance.exports).filter(([, v]) => typeof v === 'function') as [string, (...args: number[]) => unknown][];
    const missing = exported.filter(([name]) => !wrappers.has(name)).map(([name]) => name);
    expect(missing, 'exports of build/wasmgrad.wasm without a wrapper in include/wasmgrad.h').toEqual([]);
    for (const [name, fn] of exported) expect(wrappers.get(name), `parameters of ${name}`).toBe(fn.length);
    expect([...wrappers.keys()].filter((name) => !(name in instance.exports)), 'wrappers of exports that do not exist').toEqual([]);

    const abi = await readFile(join(ROOT, 'docs/abi.md'), 'utf8');
    const table = abi.slice(abi.indexOf('## Exports'), abi.indexOf('## Memory'));
    const documented = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap(([, cell]) => [...cell.matchAll(/`([A-Za-z]\w*)`/g)].map((m) => m[1]));
    expect(documented.length).toBeGreaterThan(20);
    expect(documented.filter((name) => !wrappers.has(name)), 'exports in docs/abi.md without a wrapper').toEqual([]);
  });

  it('declares the error codes of docs/abi.md', async () => {
    const header = await readFile(join(ROOT, 'include/wasmgrad.h'), 'utf8');
    const abi = await readFile(join(ROOT, 'docs/abi.md'), 'utf8');
    const codes = [...abi.slice(abi.indexOf('## Exports'), abi.indexOf('| export |')).matchAll(/`(\d+)` /g)].map((m) => Number(m[1]));
    expect(codes.length).toBeGreaterThanOrEqual(3);
    const declared = [...header.matchAll(/WASMGRAD_ERR_\w+ = (\d+)/g)].map((m) => Number(m[1]));
    expect(declared).toEqual(codes);
  });
});

describe("wabt's interpreter", () => {
  beforeAll(() => {
    requireTool('wasm-interp', 'wabt');
    requireTool('spectest-interp', 'wabt');
  });

  it('wasm-interp --run-all-exports: the zero-argument selfTest export returns 0', async () => {
    const { stdout } = await run('wasm-interp', [WASM, '--run-all-exports']);
    expect(stdout).toMatch(/^abiVersion\(\) => i32:1$/m);
    expect(stdout).toMatch(/^selfTest\(\) => i32:0$/m);
  });

  it('spectest-interp: selfTest, then the seed example through the exports, to the same bits as the JS engine', async () => {
    const eng = await createEngine({ backend: 'js' });
    const nodes = seed(eng);
    const bits = (x: number) => new BigUint64Array(new Float64Array([x]).buffer)[0].toString();
    const f64 = (x: number) => ({ type: 'f64', value: bits(x) });
    const i32 = (x: number) => ({ type: 'i32', value: String(x >>> 0) });
    const commands: unknown[] = [{ type: 'module', filename: 'wasmgrad.wasm' }];
    const expectReturn = (field: string, args: unknown[], expected: unknown[]) =>
      commands.push({ type: 'assert_return', action: { type: 'invoke', field, args }, expected });

    expectReturn('abiVersion', [], [i32(1)]);
    expectReturn('selfTest', [], [i32(0)]);
    expectReturn('nodeCount', [], [i32(0)]);
    // Node ids are push order; pushBinaryConst pushes the constant first, so g is 12 and h is 14.
    const id = { w0: 0, x0: 1, w1: 2, x1: 3, w2: 4, a: 5, b: 6, c: 7, d: 8, e: 9, f: 10, g: 12, h: 14 };
    for (const name of ['w0', 'x0', 'w1', 'x1', 'w2'] as const) expectReturn('pushLeaf', [f64(nodes[name].data)], [i32(id[name])]);
    expectReturn('pushBinary', [i32(Op.Mul), i32(id.w0), i32(id.x0)], [i32(id.a)]);
    expectReturn('pushBinary', [i32(Op.Mul), i32(id.w1), i32(id.x1)], [i32(id.b)]);
    expectReturn('pushBinary', [i32(Op.Add), i32(id.a), i32(id.b)], [i32(id.c)]);
    expectReturn('pushBinary', [i32(Op.Add), i32(id.c), i32(id.w2)], [i32(id.d)]);
    expectReturn('pushUnary', [i32(Op.Neg), i32(id.d)], [i32(id.e)]);
    expectReturn('pushUnary', [i32(Op.Exp), i32(id.e)], [i32(id.f)]);
    expectReturn('pushBinaryConst', [i32(Op.Add), i32(id.f), f64(1), i32(1)], [i32(id.g)]);
    expectReturn('pushBinaryConst', [i32(Op.Div), i32(id.g), f64(1), i32(1)], [i32(id.h)]);
    expectReturn('backward', [i32(id.h)], [i32(0)]);
    for (const name of NAMES) {
      expectReturn('nodeValue', [i32(id[name])], [f64(nodes[name].data)]);
      expectReturn('nodeGrad', [i32(id[name])], [f64(nodes[name].grad)]);
    }
    expectReturn('nodeValue', [i32(99)], [{ type: 'f64', value: 'nan:canonical' }]);
    expectReturn('lastError', [], [i32(2)]);

    // spectest-interp's JSON reader wants each command's keys in order: type, line, then the rest.
    const numbered = commands.map((command, i) => {
      const { type, ...rest } = command as { type: string };
      return { type, line: i + 1, ...rest };
    });
    const script = { source_filename: 'seed.wast', commands: numbered };
    await writeFile(join(dir, 'seed.json'), JSON.stringify(script));
    await writeFile(join(dir, 'wasmgrad.wasm'), await readFile(WASM));
    const { stdout } = await run('spectest-interp', [join(dir, 'seed.json')]);
    expect(stdout.trim().split('\n').at(-1)).toBe(`${commands.length}/${commands.length} tests passed.`); // the module counts as one
  });
});
