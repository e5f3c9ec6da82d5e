// gradcheck and gradgradcheck, with PyTorch's semantics
// (torch.autograd.gradcheck): the analytic Jacobian of f, from the engine's
// reverse mode, against central differences in f64, element by element,
// passing where |analytic − numeric| ≤ atol + rtol·|numeric|. A failure
// names the worst element with both values.

import { checkFlag, checkNumber, checkOptions, describe } from '../check.js';
import type { EngineType } from '../context.js';
import { Random } from '../random.js';
import { Value, type Scalar } from '../value.js';
import { WasmgradGradcheckError, type GradcheckMismatch } from './errors.js';
import { jacobian, vjp, type VectorFunction } from './functions.js';
import { Tensor } from '../tensor/tensor.js';
import { tensorSweep } from './tensor-functions.js';
import { WasmgradArgumentError } from '../errors.js';

export interface GradcheckOptions {
  /** The central differences' step (PyTorch's default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, of the numeric derivative (default 1e-3). */
  rtol?: number;
  /** Throw a WasmgradGradcheckError on a mismatch (default true); false returns false instead. */
  raiseException?: boolean;
  /** The engine to run f on when every input is a number (otherwise the inputs' engine). */
  engine?: unknown;
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /** The cotangents of f's outputs whose vector-Jacobian product is checked (default: seeded normal draws, as PyTorch's randn). */
  gradOutputs?: Scalar | readonly Scalar[];
}

/** A tensor function gradcheck takes: float Tensors in (read in f64), one Tensor or a list out. */
export type TensorCheckFunction = (...args: Tensor[]) => Tensor | readonly Tensor[];

const KEYS = ['eps', 'atol', 'rtol', 'raiseException', 'engine'];

function engineOf(inputs: readonly unknown[], given: unknown, what: string): EngineType {
  if (given !== undefined) return given as EngineType;
  const t = inputs.find((x) => x instanceof Tensor) as Tensor | undefined;
  if (t !== undefined) return t.engine;
  const v = inputs.find((x) => x instanceof Value) as Value | undefined;
  if (v === undefined) throw new WasmgradArgumentError(`${what}: every input is a number; pass the engine to run f on as { engine: eng }`);
  return v.engine;
}

function outputList(out: unknown): Value[] {
  return (Array.isArray(out) ? out : [out]) as Value[];
}

function run(f: VectorFunction, inputs: readonly Scalar[], options: GradcheckOptions | undefined, what: string, keys: string[]): boolean {
  if (typeof f !== 'function') throw new WasmgradArgumentError(`${what}: expected a function, got ${describe(f)}`);
  if (!Array.isArray(inputs)) throw new WasmgradArgumentError(`${what}: inputs must be an array of numbers or Values, got ${describe(inputs)}`);
  const o = checkOptions(options, what, keys);
  const eps = o.eps ?? 1e-6, atol = o.atol ?? 1e-5, rtol = o.rtol ?? 1e-3;
  for (const [key, x] of [['eps', eps], ['atol', atol], ['rtol', rtol]] as const) checkNumber(x, `${what}: ${key}`);
  const raise = checkFlag(o.raiseException, what, 'raiseException') ?? true;
  const eng = engineOf(inputs, o.engine, what);
  const point = inputs.map((x, k) => {
    if (typeof x === 'number') return x;
    if (x instanceof Value) return x.data;
    if (x instanceof Tensor) return 0; // tensors: tensorJacobian perturbs their elements
    throw new WasmgradArgumentError(`${what}: input ${k} must be a number or a Value, got ${describe(x)}`);
  });

  const { analytic, at, values } = inputs.some((x) => x instanceof Tensor)
    ? tensorJacobian(eng, f, inputs as unknown as Tensor[], what)
    : {
      analytic: jacobian(eng, f)(...point).map((row) => row.map((v) => v.data)),
      at: (k: number, t: number): number[] =>
        outputList(f(...point.map((v, i) => eng.value(i === k ? t : v)))).map((v) => (typeof v === 'number' ? v : v.data)),
      values: point,
    };
  let worst: GradcheckMismatch | null = null;
  let worstExcess = 0;
  for (let k = 0; k < values.length; k++) {
    const plus = at(k, values[k] + eps), minus = at(k, values[k] - eps);
    for (let i = 0; i < analytic.length; i++) {
      const numeric = (plus[i] - minus[i]) / (2 * eps);
      const a = analytic[i][k];
      const excess = Math.abs(a - numeric) - (atol + rtol * Math.abs(numeric));
      // NaN on either side is a mismatch, unless both are NaN
      const bad = Number.isNaN(a) !== Number.isNaN(numeric) || excess > 0;
      if (bad && (worst === null || !(excess <= worstExcess))) {
        worst = { output: i, input: k, analytic: a, numeric };
        worstExcess = Number.isNaN(excess) ? Infinity : excess;
      }
    }
  }
  if (worst === null) return true;
  if (!raise) return false;
  throw new WasmgradGradcheckError(
    `${what}: the Jacobian disagrees with central differences (eps ${eps}); worst at output ${worst.output}, input ${worst.input}: ` +
      `analytic ${worst.analytic}, numeric ${worst.numeric} (|diff| ${Math.abs(worst.analytic - worst.numeric).toExponential(3)} > ` +
      `atol ${atol} + rtol ${rtol}·|numeric|)`,
    worst,
  );
}

/**
 * The Jacobian of a tensor function with one column per element of every
 * input (flattened in order) and one row per element of every output, from
 * one recorded sweep per output element; `at(k, t)` evaluates f with column
 * k's element set to t, every output flattened. The inputs are read in f64.
 */
function tensorJacobian(eng: EngineType, f: VectorFunction, inputs: readonly Tensor[], what: string): { analytic: number[][]; at: (k: number, t: number) => number[]; values: number[] } {
  const datas = inputs.map((x, k) => {
    if (!(x instanceof Tensor)) throw new WasmgradArgumentError(`${what}: input ${k} must be a Tensor like the others, got ${describe(x)}`);
    return Float64Array.from(x.data());
  });
  const make = (k = -1, j = -1, t = 0): Tensor[] => inputs.map((x, i) => {
    const d = datas[i].slice();
    if (i === k) d[j] = t;
    return eng.tensor(d, x.shape, { dtype: 'float64' });
  });
  const call = (xs: Tensor[]): Tensor[] => outputList((f as unknown as (...a: Tensor[]) => unknown)(...xs)) as unknown as Tensor[];
  const cols: [number, number][] = [];
  datas.forEach((d, i) => { for (let j = 0; j < d.length; j++) cols.push([i, j]); });
  const xs = make();
  const outs = call(xs);
  const analytic: number[][] = [];
  for (const o of outs) {
    for (let e = 0; e < o.size; e++) {
      const hot = new Float64Array(o.size);
      hot[e] = 1;
      const grads = tensorSweep(eng, [o], [eng.tensor(hot, o.shape, { dtype: 'float64' })], xs, what).map((g) => g.data());
      analytic.push(cols.map(([i, j]) => grads[i][j]));
    }
  }
  const at = (k: number, t: number): number[] => {
    const [i, j] = cols[k];
    return call(make(i, j, t)).flatMap((o) => Array.from(o.data()));
  };
  return { analytic, at, values: cols.map(([i, j]) => datas[i][j]) };
}

/**
 * torch.autograd.gradcheck: true when every derivative of f (Values in, a
 * Value or a list of Values out) at `inputs` matches central differences in
 * f64; otherwise throws a WasmgradGradcheckError naming the worst element
 * (or returns false with raiseException: false).
 */
export function gradcheck(f: VectorFunction | TensorCheckFunction, inputs: readonly (Scalar | Tensor)[], options?: GradcheckOptions): boolean {
  return run(f as VectorFunction, inputs as Scalar[], options, 'gradcheck', KEYS);
}

/**
 * torch.autograd.gradgradcheck: gradcheck of the function that maps the
 * inputs to f's vector-Jacobian product with gradOutputs, so second
 * derivatives are checked against central differences of first ones.
 */
export function gradgradcheck(f: VectorFunction | TensorCheckFunction, inputs: readonly (Scalar | Tensor)[], options?: GradgradcheckOptions): boolean {
  const what = 'gradgradcheck';
  const o = checkOptions(options, what, [...KEYS, 'gradOutputs']);
  const { gradOutputs, ...rest } = o;
  if (typeof f !== 'function') throw new WasmgradArgumentError(`${what}: expected a function, got ${describe(f)}`);
  const eng = engineOf(Array.isArray(inputs) ? inputs as unknown[] : [], o.engine, what);
  let cotangents = gradOutputs;
  const pullback = (...xs: Value[]): Value[] => {
    const [out, back] = vjp(eng, f as VectorFunction, ...xs);
    if (cotangents === undefined) {
      const rng = new Random(0);
      const draw = (o: unknown): Scalar => (o instanceof Tensor
        ? eng.tensor(Float64Array.from({ length: o.size }, () => rng.normal()), o.shape, { dtype: o.dtype }) as unknown as Scalar
        : rng.normal());
      cotangents = Array.isArray(out) ? out.map(draw) : draw(out);
    }
    return back(cotangents);
  };
  return run(pullback, inputs as Scalar[], { ...rest, engine: eng }, what, KEYS);
}
