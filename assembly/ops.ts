// The op table: every scalar op's forward kernel and backward rule, side by side.
//
// A forward kernel maps input values (x, y) to the output value. A backward
// rule receives the input values, the output value and the output's gradient g,
// and writes g·∂out/∂x to `gradX` (and g·∂out/∂y to `gradY` for binary ops).
// Rules read the stored output where it is cheaper than recomputing it
// (exp, sqrt, tanh, sigmoid). Everything here is pure arithmetic on f64: the
// tape (tape.ts) decides where values come from and where gradients go.
//
// Op ids, arities and kinds are declared in registry/ops.mjs, from which
// ./generated/ops.ts (and src/generated/ops.ts, the C header, the ABI doc) are
// generated; a new op is declared there first, then given its rules here.

import { Op } from "./generated/ops";
export { Op, OP_COUNT, arity } from "./generated/ops";

// Outputs of the backward rules; globals rather than a returned pair because
// AssemblyScript has no multi-value returns, and the rules are inlined anyway.
export let gradX: f64 = 0;
export let gradY: f64 = 0;

// ── Add ──  d(x + y) = dx + dy
@inline function addForward(x: f64, y: f64): f64 { return x + y; }
@inline function addBackward(g: f64): void { gradX = g; gradY = g; }

// ── Sub ──  d(x - y) = dx - dy
@inline function subForward(x: f64, y: f64): f64 { return x - y; }
@inline function subBackward(g: f64): void { gradX = g; gradY = -g; }

// ── Mul ──  d(x·y) = y·dx + x·dy
@inline function mulForward(x: f64, y: f64): f64 { return x * y; }
@inline function mulBackward(x: f64, y: f64, g: f64): void { gradX = g * y; gradY = g * x; }

// ── Div ──  d(x/y) = dx/y - (x/y)·dy/y
@inline function divForward(x: f64, y: f64): f64 { return x / y; }
@inline function divBackward(y: f64, out: f64, g: f64): void { let gy = g / y; gradX = gy; gradY = -gy * out; }

// ── Pow ──  d(x^y) = y·x^(y-1)·dx + x^y·ln(x)·dy
// Where the textbook formula gives 0·∞ the limit is taken instead, as PyTorch
// does: ∂/∂x is 0 when y = 0, and ∂/∂y is 0 when x = 0 and y ≥ 0.
@inline function powForward(x: f64, y: f64): f64 { return Math.pow(x, y); }
@inline function powBackward(x: f64, y: f64, out: f64, g: f64): void {
  gradX = y == 0 ? 0 : g * y * Math.pow(x, y - 1);
  gradY = x == 0 && y >= 0 ? 0 : g * out * Math.log(x);
}

// ── PowConst ──  d(x^c) = c·x^(c-1)·dx
@inline function powConstBackward(x: f64, c: f64, g: f64): void {
  gradX = c == 0 ? 0 : g * c * Math.pow(x, c - 1);
  gradY = 0;
}

// ── Neg ──  d(-x) = -dx
@inline function negForward(x: f64): f64 { return -x; }
@inline function negBackward(g: f64): void { gradX = -g; }

// ── Exp ──  d(e^x) = e^x·dx
@inline function expForward(x: f64): f64 { return Math.exp(x); }
@inline function expBackward(out: f64, g: f64): void { gradX = g * out; }

// ── Log ──  d(ln x) = dx/x
@inline function logForward(x: f64): f64 { return Math.log(x); }
@inline function logBackward(x: f64, g: f64): void { gradX = g / x; }

// ── Sqrt ──  d(√x) = dx/(2√x)
@inline function sqrtForward(x: f64): f64 { return Math.sqrt(x); }
@inline function sqrtBackward(out: f64, g: f64): void { gradX = g / (2 * out); }

// ── Tanh ──  d(tanh x) = (1 - tanh²x)·dx
// musl's tanh (Math.tanh), except for |x| < 1/4, where musl's expm1 and
// division make one long chain of dependent operations, which is what a
// recurrent chain of tanh nodes waits on. There the odd Taylor series through
// x^23 (the rest is below 1e-19 of the result) is evaluated by Estrin's scheme:
// a few levels of independent multiply-adds. The polynomial only corrects x by
// at most 2.2%, so its rounding barely shows: against a 60-digit reference on
// 22,000 points it is within 1 ulp everywhere and correctly rounded on 99.4%
// (musl: within 2 ulp, 64%; V8: within 2 ulp). test/ops.test.ts checks a table.
const T3: f64 = -0.3333333333333333;     // c_k = 2^2k (2^2k - 1) B_2k / (2k)!, as doubles
const T5: f64 = 0.13333333333333333;
const T7: f64 = -0.05396825396825397;
const T9: f64 = 0.021869488536155203;
const T11: f64 = -0.008863235529902197;
const T13: f64 = 0.003592128036572481;
const T15: f64 = -0.0014558343870513183;
const T17: f64 = 0.000590027440945586;
const T19: f64 = -0.00023912911424355248;
const T21: f64 = 9.691537956929451e-05;
const T23: f64 = -3.927832388331683e-05;
@inline function tanhForward(x: f64): f64 {
  // NaN goes to musl too, and so do ±0: x + x·z·p would make -0 into +0.
  if (!(Math.abs(x) < 0.25) || x == 0) return Math.tanh(x);
  let z = x * x;
  let z2 = z * z;
  let z4 = z2 * z2;
  let z8 = z4 * z4;
  let p = ((T3 + T5 * z) + (T7 + T9 * z) * z2) + ((T11 + T13 * z) + (T15 + T17 * z) * z2) * z4 +
    ((T19 + T21 * z) + T23 * z2) * z8;
  return x + x * z * p;
}
@inline function tanhBackward(out: f64, g: f64): void { gradX = g * (1 - out * out); }

// ── Sigmoid ──  d(σ(x)) = σ(x)·(1 - σ(x))·dx
// Two branches so that exp never overflows: e^-x for x ≥ 0, e^x otherwise.
@inline function sigmoidForward(x: f64): f64 {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  let e = Math.exp(x);
  return e / (1 + e);
}
@inline function sigmoidBackward(out: f64, g: f64): void { gradX = g * out * (1 - out); }

// ── Relu ──  d(max(x, 0)) = [x > 0]·dx
// f64.max propagates NaN, so relu(NaN) is NaN rather than 0.
@inline function reluForward(x: f64): f64 { return max(x, 0.0); }
@inline function reluBackward(x: f64, g: f64): void { gradX = x > 0 ? g : 0; }

// ── Sin ──  d(sin x) = cos x·dx
@inline function sinForward(x: f64): f64 { return Math.sin(x); }
@inline function sinBackward(x: f64, g: f64): void { gradX = g * Math.cos(x); }

// ── Cos ──  d(cos x) = -sin x·dx
@inline function cosForward(x: f64): f64 { return Math.cos(x); }
@inline function cosBackward(x: f64, g: f64): void { gradX = -g * Math.sin(x); }

// ── Abs ──  d|x| = sign(x)·dx, with sign(0) = 0 (the subgradient PyTorch picks)
@inline function absForward(x: f64): f64 { return Math.abs(x); }
@inline function absBackward(x: f64, g: f64): void { gradX = x > 0 ? g : x < 0 ? -g : x == 0 ? 0 : NaN; }

/** Output value of a non-leaf op on input values x (and y for binary ops; ignored otherwise). */
@inline export function forward(op: i32, x: f64, y: f64): f64 {
  switch (op) {
    case Op.Add: return addForward(x, y);
    case Op.Sub: return subForward(x, y);
    case Op.Mul: return mulForward(x, y);
    case Op.Div: return divForward(x, y);
    case Op.Pow: return powForward(x, y);
    case Op.PowConst: return powForward(x, y);
    case Op.Neg: return negForward(x);
    case Op.Exp: return expForward(x);
    case Op.Log: return logForward(x);
    case Op.Sqrt: return sqrtForward(x);
    case Op.Tanh: return tanhForward(x);
    case Op.Sigmoid: return sigmoidForward(x);
    case Op.Relu: return reluForward(x);
    case Op.Sin: return sinForward(x);
    case Op.Cos: return cosForward(x);
    case Op.Abs: return absForward(x);
  }
  return NaN; // leaves have no forward kernel; callers never ask
}

/** Sets gradX (and gradY) to the gradients that flow from output gradient g into the inputs. */
@inline export function backward(op: i32, x: f64, y: f64, out: f64, g: f64): void {
  switch (op) {
    case Op.Add: addBackward(g); break;
    case Op.Sub: subBackward(g); break;
    case Op.Mul: mulBackward(x, y, g); break;
    case Op.Div: divBackward(y, out, g); break;
    case Op.Pow: powBackward(x, y, out, g); break;
    case Op.PowConst: powConstBackward(x, y, g); break;
    case Op.Neg: negBackward(g); break;
    case Op.Exp: expBackward(out, g); break;
    case Op.Log: logBackward(x, g); break;
    case Op.Sqrt: sqrtBackward(out, g); break;
    case Op.Tanh: tanhBackward(out, g); break;
    case Op.Sigmoid: sigmoidBackward(out, g); break;
    case Op.Relu: reluBackward(x, g); break;
    case Op.Sin: sinBackward(x, g); break;
    case Op.Cos: cosBackward(x, g); break;
    case Op.Abs: absBackward(x, g); break;
  }
}
