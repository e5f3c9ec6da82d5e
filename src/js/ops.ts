// The JS twin's op table: the same forward kernels and backward rules as
// assembly/ops.ts, in the same order, on JS numbers (f64). Keep the two in step.
// Transcendentals are V8's Math functions rather than the core's, so they can
// differ from the Wasm results in the last bits; arithmetic and relu cannot.
//
// Both functions are kept under V8's inlining limit (460 bytes of bytecode):
// tensor kernels call them once per element, and a call that is not inlined
// boxes its f64 arguments into heap numbers, several times the cost of the
// arithmetic. So multi-line rules live in small helpers below, and op ids are
// module constants (one context load per case instead of a property load).

import { Op } from '../ops.js';

const ADD = Op.Add, SUB = Op.Sub, MUL = Op.Mul, DIV = Op.Div, POW = Op.Pow, POW_CONST = Op.PowConst;
const NEG = Op.Neg, EXP = Op.Exp, LOG = Op.Log, SQRT = Op.Sqrt, TANH = Op.Tanh, SIGMOID = Op.Sigmoid;
const RELU = Op.Relu, SIN = Op.Sin, COS = Op.Cos, ABS = Op.Abs;

export function forward(op: number, x: number, y: number): number {
  switch (op) {
    case ADD: return x + y;                   // d(x + y) = dx + dy
    case SUB: return x - y;                   // d(x - y) = dx - dy
    case MUL: return x * y;                   // d(x·y) = y·dx + x·dy
    case DIV: return x / y;                   // d(x/y) = dx/y - (x/y)·dy/y
    case POW:                                 // d(x^y) = y·x^(y-1)·dx + x^y·ln(x)·dy
    case POW_CONST: return Math.pow(x, y);    // d(x^c) = c·x^(c-1)·dx
    case NEG: return -x;                      // d(-x) = -dx
    case EXP: return Math.exp(x);             // d(e^x) = e^x·dx
    case LOG: return Math.log(x);             // d(ln x) = dx/x
    case SQRT: return Math.sqrt(x);           // d(√x) = dx/(2√x)
    case TANH: return Math.tanh(x);           // d(tanh x) = (1 - tanh²x)·dx
    case SIGMOID: return sigmoid(x);          // d(σ(x)) = σ(x)·(1 - σ(x))·dx
    case RELU: return x > 0 ? x : x === x ? 0 : x; // NaN stays NaN, like f64.max
    case SIN: return Math.sin(x);             // d(sin x) = cos x·dx
    case COS: return Math.cos(x);             // d(cos x) = -sin x·dx
    case ABS: return Math.abs(x);             // d|x| = sign(x)·dx
  }
  return NaN;
}

/** σ(x) without overflow: e^-x only for x ≥ 0, e^x otherwise. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Adds the gradients that flow from output gradient g into the inputs:
 * g·∂out/∂x into grads[a] and, for binary ops, g·∂out/∂y into grads[b].
 * Writing straight into the array keeps the sweep free of module-level
 * state, which V8 reaches through a slower path than a typed-array store.
 * Each case only computes the two partials, so that the function stays small
 * enough to inline; x − y and x + (−y) are the same IEEE operation, so the
 * sums are bit for bit those of subtracting.
 */
export function backward(op: number, x: number, y: number, out: number, g: number, grads: Float64Array, a: number, b: number): void {
  let da = 0;
  let db = 0;
  switch (op) {
    case ADD: da = g; db = g; break;
    case SUB: da = g; db = -g; break;
    case MUL: da = g * y; db = g * x; break;
    case DIV: da = g / y; db = -(da * out); break;
    case POW: da = powBase(x, y, g); db = powExponent(x, y, out, g); break;
    case POW_CONST: da = powBase(x, y, g); break;
    case NEG: da = -g; break;
    case EXP: da = g * out; break;
    case LOG: da = g / x; break;
    case SQRT: da = g / (2 * out); break;
    case TANH: da = g * (1 - out * out); break;
    case SIGMOID: da = g * out * (1 - out); break;
    case RELU: da = x > 0 ? g : 0; break;
    case SIN: da = g * Math.cos(x); break;
    case COS: da = -(g * Math.sin(x)); break;
    case ABS: da = absGrad(x, g); break;
    default: return;
  }
  grads[a] += da;
  if (op <= POW) grads[b] += db; // the ops whose second input has a gradient (Add..Pow)
}

/** g·y·x^(y-1), taken as 0 when y = 0 (the limit, as PyTorch). */
function powBase(x: number, y: number, g: number): number {
  return y === 0 ? 0 : g * y * Math.pow(x, y - 1);
}

/** g·x^y·ln x, taken as 0 when x = 0 and y ≥ 0 (the limit, as PyTorch). */
function powExponent(x: number, y: number, out: number, g: number): number {
  return x === 0 && y >= 0 ? 0 : g * out * Math.log(x);
}

/** g·sign(x), with 0 at 0 and NaN for NaN. */
function absGrad(x: number, g: number): number {
  return x > 0 ? g : x < 0 ? -g : x === 0 ? 0 : NaN;
}
