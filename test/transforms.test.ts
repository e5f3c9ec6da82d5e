// The function transforms on scalar functions (src/transforms/functions.ts),
// on both backends: each against closed forms, against each other (forward
// against reverse mode, Hessian against Hessian-vector products), composed
// to higher orders, and with the named errors for misuse.

import { beforeAll, describe, expect, it } from 'vitest';
import {
  WasmgradNonScalarError, WasmgradTangentError, type BackendName, type Engine, type Value,
} from '../src/index.js';
import { BACKENDS, engine, expectClose } from './helpers.js';

const engines = new Map<BackendName, Engine>();
beforeAll(async () => {
  for (const backend of BACKENDS) engines.set(backend, await engine(backend));
});

const data = (vs: readonly Value[]) => vs.map((v) => v.data);

describe.each(BACKENDS)('function transforms (%s)', (backend) => {
  const eng = () => {
    const e = engines.get(backend)!;
    e.reset();
    return e;
  };

  it('grad differentiates with respect to argnums: one index gives a Value, a list gives a list', () => {
    const e = eng();
    const f = (x: Value, y: Value) => x.mul(y.mul(y)).sin(); // sin(x y²)
    const [x0, y0] = [0.4, 1.3];
    const c = Math.cos(x0 * y0 * y0);
    expect(e.grad(f)(x0, y0).data).toBeCloseTo(y0 * y0 * c, 15);
    expect(e.grad(f, { argnums: 1 })(x0, y0).data).toBeCloseTo(2 * x0 * y0 * c, 15);
    expect(data(e.grad(f, { argnums: [0, 1] })(x0, y0))).toEqual([e.grad(f)(x0, y0).data, e.grad(f, { argnums: 1 })(x0, y0).data]);
    const [value, g] = e.valueAndGrad(f)(x0, y0);
    expectClose(value.data, Math.sin(x0 * (y0 * y0)), { rtol: 1e-15, atol: 0 }, 'value');
    expect(g.data).toBe(e.grad(f)(x0, y0).data);
  });

  it('grad composes to any order: the derivatives of sin cycle, of exp(x²) follow their closed forms', () => {
    const e = eng();
    const sin = (x: Value) => x.sin();
    let d = e.grad(sin);
    const expected = [Math.cos, (t: number) => -Math.sin(t), (t: number) => -Math.cos(t), Math.sin, Math.cos];
    for (let order = 1; order <= 5; order++) {
      for (const t of [-1.1, 0.2, 2.5]) expectClose(d(t).data, expected[order - 1](t), { rtol: 1e-14, atol: 1e-15 }, `sin^(${order}) at ${t}`);
      d = e.grad(d);
    }
    // d³/dx³ exp(x²) = (8x³ + 12x) exp(x²)
    const g3 = e.grad(e.grad(e.grad((x: Value) => x.mul(x).exp())));
    for (const t of [-0.8, 0.5, 1.2]) expectClose(g3(t).data, (8 * t ** 3 + 12 * t) * Math.exp(t * t), { rtol: 1e-13, atol: 0 }, `at ${t}`);
  });

  it('jvp runs forward mode: it agrees with reverse mode, along any direction, for several outputs', () => {
    const e = eng();
    const f = (x: Value, y: Value) => x.atan2(y).mul(x.exp()).add(y.log1p());
    const [x0, y0] = [0.7, 1.9];
    const [gx, gy] = data(e.grad(f, { argnums: [0, 1] })(x0, y0));
    const [out, tangent] = e.jvp(f, [x0, y0], [0.3, -2]) as [Value, Value];
    expect(out.data).toBe(f(e.value(x0), e.value(y0)).data);
    expectClose(tangent.data, 0.3 * gx - 2 * gy, { rtol: 1e-14, atol: 1e-15 }, 'jvp vs grad');
    const [outs, tangents] = e.jvp((x: Value) => [x.mul(x), x.sin(), x.mul(2)], [0.5], [1]) as [Value[], Value[]];
    expect(data(outs)).toEqual([0.25, Math.sin(0.5), 1]);
    expect(data(tangents)).toEqual([1, Math.cos(0.5), 2]);
    // an output that does not depend on the primals has tangent 0
    expect((e.jvp(() => e.constant(3), [1], [1])[1] as Value).data).toBe(0);
  });

  it('jvp and grad nest either way: the second derivative along a direction', () => {
    const e = eng();
    const f = (x: Value) => x.tanh().mul(x);
    const f2 = e.grad(e.grad(f));
    const forwardOverReverse = (t: number) => (e.jvp((x: Value) => e.grad(f)(x), [t], [1])[1] as Value).data;
    const reverseOverForward = (t: number) => e.grad((x: Value) => e.jvp(f, [x], [1])[1] as Value)(t).data;
    const forwardOverForward = (t: number) => (e.jvp((x: Value) => e.jvp(f, [x], [1])[1] as Value, [t], [1])[1] as Value).data;
    for (const t of [-1.3, 0.4, 2]) {
      const exact = f2(t).data;
      expectClose(forwardOverReverse(t), exact, { rtol: 1e-14, atol: 1e-15 }, 'jvp(grad)');
      expectClose(reverseOverForward(t), exact, { rtol: 1e-14, atol: 1e-15 }, 'grad(jvp)');
      expectClose(forwardOverForward(t), exact, { rtol: 1e-14, atol: 1e-15 }, 'jvp(jvp)');
    }
  });

  it('vjp pulls cotangents back through several outputs, as often as asked', () => {
    const e = eng();
    const [outs, pullback] = e.vjp((x: Value, y: Value) => [x.mul(y), x.div(y)], 3, 2);
    expect(data(outs as Value[])).toEqual([6, 1.5]);
    expect(data(pullback([1, 0]))).toEqual([2, 3]);
    expect(data(pullback([0, 1]))).toEqual([0.5, -0.75]);
    expect(data(pullback([2, 4]))).toEqual([2 * 2 + 4 * 0.5, 2 * 3 + 4 * -0.75]);
    const [one, pb] = e.vjp((x: Value) => x.exp(), 1);
    expect((one as Value).data).toBe(Math.E);
    expect(data(pb(2))).toEqual([2 * Math.E]);
  });

  it('jacobian, hessian and hvp agree with each other and with closed forms', () => {
    const e = eng();
    const J = e.jacobian((x: Value, y: Value) => [x.mul(y), x.sin().add(y)])(0.5, 2);
    expect(J.map(data)).toEqual([[2, 0.5], [Math.cos(0.5), 1]]);
    // f = x² y + sin(x y): H = [[2y − y² s, 2x + c − x y s], [·, −x² s]], s = sin(xy), c = cos(xy)
    const f = (x: Value, y: Value) => x.mul(x).mul(y).add(x.mul(y).sin());
    const [x0, y0] = [0.6, -1.4];
    const s = Math.sin(x0 * y0), c = Math.cos(x0 * y0);
    const exact = [[2 * y0 - y0 * y0 * s, 2 * x0 + c - x0 * y0 * s], [2 * x0 + c - x0 * y0 * s, -x0 * x0 * s]];
    const H = e.hessian(f)(x0, y0).map(data);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expectClose(H[i][j], exact[i][j], { rtol: 1e-14, atol: 1e-15 }, `H[${i}][${j}]`);
    const v = [0.25, -3];
    const hv = data(e.hvp(f, [x0, y0], v));
    for (let i = 0; i < 2; i++) expectClose(hv[i], H[i][0] * v[0] + H[i][1] * v[1], { rtol: 1e-14, atol: 1e-15 }, `(Hv)[${i}]`);
    expect(e.hessian(f, { argnums: [1] })(x0, y0).map(data)).toEqual([[H[1][1]]]);
  });

  it('differentiates through non-smooth ops by their masks: relu and abs have second derivative 0 off the kink', () => {
    const e = eng();
    expect(e.grad((x: Value) => x.relu().mul(x))(1.5).data).toBe(3);
    expect(e.grad(e.grad((x: Value) => x.relu().mul(x)))(1.5).data).toBe(2);
    expect(e.grad(e.grad((x: Value) => x.relu().mul(x)))(-1.5).data).toBe(0);
    expect(e.grad(e.grad((x: Value) => x.abs()))(-2).data).toBe(0);
    expect((e.jvp((x: Value) => x.abs(), [-2], [1])[1] as Value).data).toBe(-1);
  });

  it('reads parameters and outer Values in f as constants of the transform', () => {
    const e = eng();
    const p = e.param(3);
    const outer = e.value(2);
    expect(e.grad((x: Value) => x.mul(p).mul(outer))(5).data).toBe(6);
    // and the result still depends on the outer Value: d/douter of (d/dx x·outer) = 1
    const inner = e.grad((x: Value) => x.mul(outer))(5);
    expect(e.gradients(inner, [outer])[0].data).toBe(1);
  });

  it('names what is wrong: a non-scalar output, tangents that do not match', () => {
    const e = eng();
    expect(() => e.grad((x: Value) => [x, x] as unknown as Value)(1)).toThrow(WasmgradNonScalarError);
    expect(() => e.grad((x: Value) => [x, x] as unknown as Value)(1)).toThrow(/f must return one scalar Value, got an array of 2/);
    expect(() => e.hessian(() => e.tensor([1, 2]) as unknown as Value)(1)).toThrow(/got a Tensor/);
    expect(() => e.jvp((x: Value) => x, [1, 2], [1])).toThrow(WasmgradTangentError);
    expect(() => e.jvp((x: Value) => x, [1, 2], [1])).toThrow(/1 tangents for 2 primals/);
    expect(() => e.hvp((x: Value) => x, [1], [])).toThrow(WasmgradTangentError);
    const [, pullback] = e.vjp((x: Value) => [x, x.exp()], 1);
    expect(() => pullback([1])).toThrow(WasmgradTangentError);
    expect(() => pullback(1)).toThrow(/the cotangents must be an array of 2/);
    expect(() => e.grad((x: Value) => x, { argnums: 2 })(1)).toThrow(/argnums number 2 is not the index of an argument/);
    expect(() => e.grad('f' as never)).toThrow(/expected a function/);
    expect(() => e.grad((x: Value) => x)('1' as never)).toThrow(/argument 0 must be a number or a Value/);
  });
});

describe('function transforms on both backends', () => {
  it('agree between Wasm and the JS twin (whose tanh and pow may differ in the last bits)', () => {
    const run = (e: Engine) => {
      e.reset();
      const f = (a: Value, b: Value) => a.mul(b).sigmoid().add(a.erf().mul(b.tanh())).pow(b.abs().add(1));
      return [...e.hessian(f)(0.3, -0.8).flat(), ...e.hvp(f, [0.3, -0.8], [1, 2]), e.grad(e.grad(e.grad(f)))(0.3, -0.8)].map((v) => v.data);
    };
    const [w, j] = [run(engines.get('wasm')!), run(engines.get('js')!)];
    w.forEach((v, i) => expectClose(v, j[i], { rtol: 1e-12, atol: 1e-14 }, `result ${i}`));
  });
});
