// Saved programs, edited at random and given a valid checksum again, so that
// every edit reaches the loaders' field checks. Each buffer must be refused
// with a named error by both backends alike (and with code 5 by the core's own
// `programLoad`), or load and run to the same numbers on both. After every
// case the engines still compute a kept program and an eager graph correctly.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Program } from '../../src/index.js';
import { decodeProgram } from '../../src/program.js';
import { instantiateCore } from '../../src/wasm/load.js';
import type { CoreExports } from '../../src/wasm/tape.js';
import { check, timeout } from './config.js';
import { firstMismatch, sameBits, show, unnamed } from './generators.js';
import { EXACT_OPS, applyEdit, edit, fixChecksum, opsOf, programSpec, specFunction } from './programs.js';

interface Kept { eng: Engine; program: Program }

/** A program every engine keeps for the whole run: at x = 3, w = 0.5, (x·w + 1)² is 6.25 and its d/dx 2(x·w + 1)·w is 2.5. */
function keepProgram(eng: Engine): Kept {
  const w = eng.param(0.5);
  return { eng, program: eng.compile((x) => x.mul(w).add(1).pow(2), [3]) };
}

function stillWorks({ eng, program }: Kept): void {
  const r = program.run([3]);
  expect(r.outputs[0], `${eng.backend}: the kept program's value`).toBe(6.25);
  expect(r.grads[0], `${eng.backend}: the kept program's gradient`).toBe(2.5);
  expect(program.params[0].data, `${eng.backend}: the kept program's parameter`).toBe(0.5);
  const x = eng.value(-4);
  const y = x.mul(x).add(x.mul(3));
  y.backward();
  expect([y.data, x.grad], `${eng.backend}: an eager graph after the case`).toEqual([4, -5]);
  eng.reset();
}

type Outcome = { ok: true; program: Program } | { ok: false; message: string };

function load(eng: Engine, bytes: Uint8Array): Outcome {
  try {
    return { ok: true, program: eng.load(bytes) };
  } catch (err) {
    const why = unnamed(err);
    if (why !== null) expect.fail(`${eng.backend} load: ${why}`);
    return { ok: false, message: (err as Error).message };
  }
}

/** The core's own loader, as a C host calls it: −1 and code 5, or a program id. Never a trap. */
function coreLoad(core: CoreExports, bytes: Uint8Array): number {
  const ptr = core.alloc(Math.max(1, bytes.length));
  new Uint8Array(core.memory.buffer, ptr >>> 0, bytes.length).set(bytes);
  try {
    return core.programLoad(ptr, bytes.length);
  } finally {
    core.free(ptr);
  }
}

describe('fuzz: saved programs with valid checksums', () => {
  let wasm: Kept, js: Kept, maker: Engine, core: CoreExports;

  beforeAll(async () => {
    wasm = keepProgram(await createEngine());
    js = keepProgram(await createEngine({ backend: 'js' }));
    maker = await createEngine({ backend: 'js' });
    core = (await instantiateCore(undefined, 'baseline')).exports as unknown as CoreExports;
  });

  it('refuses each edited buffer by name on both backends, or runs it to the same numbers', () => {
    check(
      'saved programs', 4000, 0x5a7ed,
      [programSpec(), fc.array(edit(), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 8, maxLength: 8 })],
      (spec, edits, keepCrcValid, inputPool) => {
        const params = spec.params.map((p) => maker.param(p));
        const made = maker.compile(specFunction(maker, spec, params), spec.inputs);
        let bytes = made.save();
        made.dispose();
        for (const e of edits) bytes = applyEdit(bytes, e);
        // One case in ten keeps its stale checksum, so the checksum check itself is fuzzed too.
        if (keepCrcValid || edits.length > 1) bytes = fixChecksum(bytes);

        const a = load(wasm.eng, bytes);
        const b = load(js.eng, bytes);
        const id = coreLoad(core, bytes);
        const coreError = core.lastError();
        try {
          expect(a.ok, `wasm ${a.ok ? 'loaded' : `refused: ${(a as { message: string }).message}`}, js ${b.ok ? 'loaded' : `refused: ${(b as { message: string }).message}`}`).toBe(b.ok);
          if (!a.ok || !b.ok) {
            expect((a as { message: string }).message).toBe((b as { message: string }).message);
            expect(id, `the core's programLoad accepted bytes the JS loader refuses (${(a as { message: string }).message})`).toBe(-1);
            expect(coreError, 'programLoad error code').toBe(5);
            return;
          }
          expect(id, `the core's programLoad refused (code ${coreError}) bytes the JS loader accepts`).toBeGreaterThanOrEqual(0);

          const inputs = Array.from({ length: a.program.inputCount }, (_, k) => inputPool[k % inputPool.length]);
          const ra = a.program.run(inputs);
          const rb = b.program.run(inputs);
          for (let k = 0; k < inputs.length; k++) core.programSetInput(id, k, inputs[k]);
          expect(core.programRun(id)).toBe(0);
          const root = core.programRoot(id);
          // Same module, same kernels: the raw load and the engine's load give the same bits.
          expect(sameBits([core.programValue(id, root)], [ra.outputs[0]]), 'raw programLoad and eng.load: first output').toBe(true);
          expect(sameBits(Array.from(inputs, (_, k) => core.programGrad(id, k)), ra.grads), 'raw programLoad and eng.load: gradients').toBe(true);

          const exact = opsOf(bytes).every((op) => EXACT_OPS.has(op));
          if (exact) {
            expect(sameBits(ra.outputs, rb.outputs), `outputs, wasm ${ra.outputs} js ${rb.outputs}`).toBe(true);
            expect(sameBits(ra.grads, rb.grads), `gradients, wasm ${ra.grads} js ${rb.grads}`).toBe(true);
          } else {
            // exp, log, tanh… are the core's and V8's own: equal up to rounding.
            expect(firstMismatch(ra.outputs, rb.outputs, 1e-9), `outputs, wasm ${ra.outputs} js ${rb.outputs}`).toBe(-1);
            expect(firstMismatch(ra.grads, rb.grads, 1e-9), `gradients, wasm ${ra.grads} js ${rb.grads}`).toBe(-1);
          }
          expect(a.program.params.map((p) => p.data)).toEqual(b.program.params.map((p) => p.data));
        } finally {
          if (a.ok) a.program.dispose();
          if (b.ok) b.program.dispose();
          if (id >= 0) core.programFree(id);
          stillWorks(wasm);
          stillWorks(js);
          expect(core.selfTest(), "the core's self-test after the case").toBe(0);
        }
      },
    );
  }, timeout(60_000));

  it('reaches every check of the loader (the generators are not all refused at the first field)', () => {
    // A fixed sample of cases, sorted by the loader's message: most checks must be hit, and some buffers must load.
    const seen = new Set<string>();
    let loaded = 0;
    fc.assert(
      fc.property(programSpec(), fc.array(edit(), { minLength: 1, maxLength: 3 }), (spec, edits) => {
        const params = spec.params.map((p) => maker.param(p));
        const made = maker.compile(specFunction(maker, spec, params), spec.inputs);
        let bytes = made.save();
        made.dispose();
        for (const e of edits) bytes = applyEdit(bytes, e);
        try {
          decodeProgram(fixChecksum(bytes));
          loaded++;
        } catch (err) {
          seen.add(show(err).replace(/\d+/g, 'N').replace(/\(\w+\)/g, '(Op)').replace(/an? \w+ node/g, 'a Op node').slice(0, 60));
        }
      }),
      { seed: 7, numRuns: 400 },
    );
    expect(loaded).toBeGreaterThan(20);
    expect(seen.size, [...seen].join('\n')).toBeGreaterThanOrEqual(12);
  });
});
