// gradcheck and gradgradcheck (PyTorch's semantics) on both backends: they
// pass on correct derivatives, and a wrong one is a WasmgradGradcheckError
// that names the worst element with its analytic and numeric values.

import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, WasmgradGradcheckError, type Value } from '../src/index.js';
import { BACKENDS, engine } from './helpers.js';

describe.each(BACKENDS)('gradcheck (%s)', (backend) => {
  it('passes every scalar op of the registry and their compositions, first and second order', async () => {
    const eng = await engine(backend);
    const f = (x: Value, y: Value) => [
      x.mul(y).sigmoid().add(x.erf()), x.atan2(y).mul(y.log1p()), x.tanh().pow(y.abs().add(1)), x.expm1().div(y.sqrt()),
      x.sin().mul(y.cos()).sub(x.neg().exp()), x.relu().mul(y), y.log().mul(x.pow(3)),
    ];
    expect(gradcheck(f, [0.4, 1.3], { engine: eng })).toBe(true);
    expect(gradgradcheck(f, [0.4, 1.3], { engine: eng })).toBe(true);
    const x = eng.value(-0.6);
    expect(gradcheck((a: Value) => a.mul(a).exp(), [x])).toBe(true); // the engine is x's
    expect(gradgradcheck((a: Value) => a.mul(a).exp(), [x], { gradOutputs: 2 })).toBe(true);
  });

  it('names the worst element of a wrong derivative', async () => {
    const eng = await engine(backend);
    // output 1 is x² numerically, but its second factor is a constant copy of x, so the tape's derivative is x, not 2x
    const wrong = (x: Value, y: Value) => [x.mul(y), x.mul(eng.constant(x.data)).add(y)];
    let error: unknown;
    try {
      gradcheck(wrong, [1.5, 2], { engine: eng });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WasmgradGradcheckError);
    const err = error as WasmgradGradcheckError;
    expect(err.worst).toEqual({ output: 1, input: 0, analytic: 1.5, numeric: expect.closeTo(3, 6) });
    expect(err.message).toMatch(/worst at output 1, input 0: analytic 1\.5, numeric 2\.99999/);
    expect(gradcheck(wrong, [1.5, 2], { engine: eng, raiseException: false })).toBe(false);
    expect(() => gradgradcheck(wrong, [1.5, 2], { engine: eng })).toThrow(WasmgradGradcheckError);
  });

  it('checks its arguments', async () => {
    const eng = await engine(backend);
    expect(() => gradcheck((x: Value) => x, [1])).toThrow(/pass the engine to run f on as \{ engine: eng \}/);
    expect(() => gradcheck((x: Value) => x, [1], { engine: eng, tol: 1 } as never)).toThrow(/unknown option 'tol'/);
    expect(() => gradcheck((x: Value) => x, ['1'] as never, { engine: eng })).toThrow(/input 0 must be a number or a Value/);
  });
});
