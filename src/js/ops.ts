// The JS twin's op table: the same forward kernels and backward rules as
// assembly/ops.ts, on JS numbers (f64). Keep the two in step.
// Transcendentals are V8's Math functions rather than the core's, so they can
// differ from the Wasm results in the last bits; arithmetic and relu cannot.
//
// One table per arity, each well under V8's inlining limit (460 bytes of
// bytecode): the sweeps and the tensor kernels call them once per node or
// element, and a call that is not inlined boxes its f64 arguments into heap
// numbers, several times the cost of the arithmetic. Splitting by arity keeps
// room for new ops (the sweeps know a node's arity anyway), multi-line rules
// live in small helpers below, and op ids are module constants (one context
// load per case instead of a property load).
//
// Every switch names each op of its arity and ends in `missing(op)`, which
// takes `never`: an op added to the registry without its case here is a
// compile error (test/op-table.test.ts shows it), not NaN values at run time.

import { Op, OP_ARITY, type OpId, type ScalarBinaryOpId, type ScalarUnaryOpId } from '../ops.js';

const ADD = Op.Add, SUB = Op.Sub, MUL = Op.Mul, DIV = Op.Div, POW = Op.Pow, POW_CONST = Op.PowConst, ATAN2 = Op.Atan2;
const NEG = Op.Neg, EXP = Op.Exp, LOG = Op.Log, SQRT = Op.Sqrt, TANH = Op.Tanh, SIGMOID = Op.Sigmoid;
const RELU = Op.Relu, SIN = Op.Sin, COS = Op.Cos, ABS = Op.Abs;
const LOG1P = Op.Log1p, EXPM1 = Op.Expm1, ERF = Op.Erf;
const GT = Op.Gt, GE = Op.Ge, EQ = Op.Eq, SIGN = Op.Sign, SELECT = Op.Select;

/** Unreachable once every op has its case; the parameter type is what makes a missing case a compile error. */
function missing(op: never): never {
  throw new Error(`no rule for op ${String(op)}`);
}

/** out = f(x) for a unary op. */
export function forward1(op: ScalarUnaryOpId, x: number): number {
  switch (op) {
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
    case LOG1P: return Math.log1p(x);         // d ln(1 + x) = dx/(1 + x)
    case EXPM1: return Math.expm1(x);         // d(e^x - 1) = e^x·dx
    case ERF: return erf(x);                  // d erf x = (2/√π)·e^(-x²)·dx
    default: return mask1(op, x);            // the masks, below
  }
}

/** out = f(x, y) for a binary op. */
export function forward2(op: ScalarBinaryOpId, x: number, y: number): number {
  switch (op) {
    case ADD: return x + y;                   // d(x + y) = dx + dy
    case SUB: return x - y;                   // d(x - y) = dx - dy
    case MUL: return x * y;                   // d(x·y) = y·dx + x·dy
    case DIV: return x / y;                   // d(x/y) = dx/y - (x/y)·dy/y
    case POW:                                 // d(x^y) = y·x^(y-1)·dx + x^y·ln(x)·dy
    case POW_CONST: return Math.pow(x, y);    // d(x^c) = c·x^(c-1)·dx
    case ATAN2: return Math.atan2(x, y);      // d atan2(x, y) = (y·dx - x·dy)/(x² + y²)
    default: return mask2(op, x, y);         // the masks, below
  }
}

// The masks the differentiable rules record (src/transforms/graph.ts): Sign
// and the comparisons pass no gradient, Select passes it to y where x ≠ 0.
// They sit in functions of their own, reached from each switch's default
// (where the type has narrowed to them, so an op without a case is still a
// type error): larger switches would cost V8's inlining on the path of every
// eager op.

function mask1(op: typeof SIGN, x: number): number {
  return op === SIGN ? sign(x) : missing(op);
}

function maskBackward1(op: typeof SIGN): number {
  return op === SIGN ? 0 : missing(op);
}

type Mask2 = typeof GT | typeof GE | typeof EQ | typeof SELECT;

function maskBackward2(op: Mask2, x: number, g: number, grads: Float64Array, b: number): void {
  if (op === SELECT && x !== 0) grads[b] += g;
}

function mask2(op: Mask2, x: number, y: number): number {
  switch (op) {
    case GT: return x > y ? 1 : 0;
    case GE: return x >= y ? 1 : 0;
    case EQ: return x === y ? 1 : 0;
    case SELECT: return x !== 0 ? y : 0;      // d(x ≠ 0 ? y : 0) = [x ≠ 0]·dy
  }
  return missing(op);
}

/** out of any non-leaf op, for callers that hold an id of either arity (y is ignored by unary ops). */
export function forward(op: OpId, x: number, y: number): number {
  return OP_ARITY[op] === 2 ? forward2(op as ScalarBinaryOpId, x, y) : forward1(op as ScalarUnaryOpId, x);
}

/** g·∂out/∂x for a unary op, from the input x, the stored output and the output's gradient g. */
export function backward1(op: ScalarUnaryOpId, x: number, out: number, g: number): number {
  switch (op) {
    case NEG: return -g;
    case EXP: return g * out;
    case LOG: return g / x;
    case SQRT: return g / (2 * out);
    case TANH: return g * (1 - out * out);
    case SIGMOID: return g * out * (1 - out);
    case RELU: return x > 0 ? g : 0;
    case SIN: return g * Math.cos(x);
    case COS: return -(g * Math.sin(x));
    case ABS: return absGrad(x, g);
    case LOG1P: return g / (1 + x);
    case EXPM1: return g * (out + 1);
    case ERF: return g * TWO_OVER_SQRT_PI * Math.exp(-x * x);
    default: return maskBackward1(op);
  }
}

/**
 * Adds the gradients that flow from output gradient g into the inputs of a
 * binary op: g·∂out/∂x into grads[a] and g·∂out/∂y into grads[b]. Writing
 * straight into the array keeps the sweep free of module-level state, which
 * V8 reaches through a slower path than a typed-array store. x − y and
 * x + (−y) are the same IEEE operation, so the sums are bit for bit those of
 * subtracting. PowConst's constant gets 0.
 */
export function backward2(op: ScalarBinaryOpId, x: number, y: number, out: number, g: number, grads: Float64Array, a: number, b: number): void {
  let da = 0;
  let db = 0;
  switch (op) {
    case ADD: da = g; db = g; break;
    case SUB: da = g; db = -g; break;
    case MUL: da = g * y; db = g * x; break;
    case DIV: da = g / y; db = -(da * out); break;
    case POW: da = powBase(x, y, g); db = powExponent(x, y, out, g); break;
    case POW_CONST: da = powBase(x, y, g); break;
    case ATAN2: { const r = g / (x * x + y * y); da = y * r; db = -x * r; break; }
    default: return maskBackward2(op, x, g, grads, b);
  }
  grads[a] += da;
  grads[b] += db;
}

/** σ(x) without overflow: e^-x only for x ≥ 0, e^x otherwise. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** g·y·x^(y-1), taken as 0 when y = 0 (the limit, as PyTorch). */
function powBase(x: number, y: number, g: number): number {
  return y === 0 ? 0 : g * y * Math.pow(x, y - 1);
}

/** g·x^y·ln x, taken as 0 when x = 0 and y ≥ 0 (the limit, as PyTorch). */
function powExponent(x: number, y: number, out: number, g: number): number {
  return x === 0 && y >= 0 ? 0 : g * out * Math.log(x);
}

/** 1, −1 or 0 by the sign of x (0 for ±0), NaN for NaN: absGrad's factor. */
function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN;
}

/** g·sign(x), with 0 at 0 and NaN for NaN. */
function absGrad(x: number, g: number): number {
  return x > 0 ? g : x < 0 ? -g : x === 0 ? 0 : NaN;
}

// ── Erf ──
// fdlibm's s_erf.c (Copyright (C) 1993 by Sun Microsystems, Inc. All rights
// reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission
// to use, copy, modify, and distribute this software is freely granted,
// provided that this notice is preserved), as assembly/ops.ts evaluates it:
// the same polynomials in the same order, so the backends differ only where
// V8's exp and musl's do.
const ERX = 8.45062911510467529297e-01;   // erf(1) rounded to 24 bits
const EFX = 1.28379167095512586316e-01;   // 2/√π - 1
const PP0 = 1.28379167095512558561e-01, PP1 = -3.25042107247001499370e-01, PP2 = -2.84817495755985104766e-02;
const PP3 = -5.77027029648944159157e-03, PP4 = -2.37630166566501626084e-05;
const QQ1 = 3.97917223959155352819e-01, QQ2 = 6.50222499887672944485e-02, QQ3 = 5.08130628187576562776e-03;
const QQ4 = 1.32494738004321644526e-04, QQ5 = -3.96022827877536812320e-06;
const PA0 = -2.36211856075265944077e-03, PA1 = 4.14856118683748331666e-01, PA2 = -3.72207876035701323847e-01;
const PA3 = 3.18346619901161753674e-01, PA4 = -1.10894694282396677476e-01, PA5 = 3.54783043256182359371e-02;
const PA6 = -2.16637559486879084300e-03;
const QA1 = 1.06420880400844228286e-01, QA2 = 5.40397917702171048937e-01, QA3 = 7.18286544141962662868e-02;
const QA4 = 1.26171219808761642112e-01, QA5 = 1.36370839120290507362e-02, QA6 = 1.19844998467991074170e-02;
const RA0 = -9.86494403484714822705e-03, RA1 = -6.93858572707181764372e-01, RA2 = -1.05586262253232909814e+01;
const RA3 = -6.23753324503260060396e+01, RA4 = -1.62396669462573470355e+02, RA5 = -1.84605092906711035994e+02;
const RA6 = -8.12874355063065934246e+01, RA7 = -9.81432934416914548592e+00;
const SA1 = 1.96512716674392571292e+01, SA2 = 1.37657754143519042600e+02, SA3 = 4.34565877475229228821e+02;
const SA4 = 6.45387271733267880336e+02, SA5 = 4.29008140027567833386e+02, SA6 = 1.08635005541779435134e+02;
const SA7 = 6.57024977031928170135e+00, SA8 = -6.04244152148580987438e-02;
const RB0 = -9.86494292470009928597e-03, RB1 = -7.99283237680523006574e-01, RB2 = -1.77579549177547519889e+01;
const RB3 = -1.60636384855821916062e+02, RB4 = -6.37566443368389627722e+02, RB5 = -1.02509513161107724954e+03;
const RB6 = -4.83519191608651397019e+02;
const SB1 = 3.03380607434824582924e+01, SB2 = 3.25792512996573918826e+02, SB3 = 1.53672958608443695994e+03;
const SB4 = 3.19985821950859553908e+03, SB5 = 2.55305040643316442583e+03, SB6 = 4.74528541206955367215e+02;
const SB7 = -2.24409524465858183362e+01;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1; // the low word's index

export function erf(x: number): number {
  const a = Math.abs(x);
  if (!(a < 0.84375)) {
    if (a !== a) return x;
    if (a < 1.25) {
      const s = a - 1;
      const p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
      const q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
      return x < 0 ? -ERX - p / q : ERX + p / q;
    }
    if (a >= 6) return x < 0 ? -1 : 1;
    const s = 1 / (a * a);
    let r: number, q: number;
    if (a < 2.857142857142857) { // 1/0.35
      r = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
      q = 1 + s * (SA1 + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
    } else {
      r = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
      q = 1 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
    }
    // e^(-a²) as e^(-z²)·e^((z-a)(z+a)) with z = a cut to 32 bits, so that z² is exact.
    bits[0] = a;
    words[LOW] = 0;
    const z = bits[0];
    const e = Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + r / q);
    return x < 0 ? e / a - 1 : 1 - e / a;
  }
  if (a < 3.725290298461914e-9) return x + EFX * x; // 2^-28: the series' next term is below an ulp
  const z = x * x;
  const r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
  const s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
  return x + x * (r / s);
}
