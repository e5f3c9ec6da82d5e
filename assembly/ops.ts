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

// ── Log1p ──  d ln(1 + x) = dx/(1 + x)
@inline function log1pForward(x: f64): f64 { return Math.log1p(x); }
@inline function log1pBackward(x: f64, g: f64): void { gradX = g / (1 + x); }

// ── Expm1 ──  d(e^x - 1) = e^x·dx = (out + 1)·dx
@inline function expm1Forward(x: f64): f64 { return Math.expm1(x); }
@inline function expm1Backward(out: f64, g: f64): void { gradX = g * (out + 1); }

// ── Erf ──  d erf x = (2/√π)·e^(-x²)·dx
// fdlibm's s_erf.c (Copyright (C) 1993 by Sun Microsystems, Inc. All rights
// reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission
// to use, copy, modify, and distribute this software is freely granted,
// provided that this notice is preserved): a rational approximation of
// (erf x - x)/x below 0.84375, of erf x - erx around 1, and of
// ln(x·erfc x) + x² beyond, each under 1 ulp. src/js/ops.ts evaluates the same
// polynomials in the same order, so the backends differ only where exp does.
const ERX: f64 = 8.45062911510467529297e-01;   // erf(1) rounded to 24 bits
const EFX: f64 = 1.28379167095512586316e-01;   // 2/√π - 1
const PP0: f64 = 1.28379167095512558561e-01, PP1: f64 = -3.25042107247001499370e-01, PP2: f64 = -2.84817495755985104766e-02;
const PP3: f64 = -5.77027029648944159157e-03, PP4: f64 = -2.37630166566501626084e-05;
const QQ1: f64 = 3.97917223959155352819e-01, QQ2: f64 = 6.50222499887672944485e-02, QQ3: f64 = 5.08130628187576562776e-03;
const QQ4: f64 = 1.32494738004321644526e-04, QQ5: f64 = -3.96022827877536812320e-06;
const PA0: f64 = -2.36211856075265944077e-03, PA1: f64 = 4.14856118683748331666e-01, PA2: f64 = -3.72207876035701323847e-01;
const PA3: f64 = 3.18346619901161753674e-01, PA4: f64 = -1.10894694282396677476e-01, PA5: f64 = 3.54783043256182359371e-02;
const PA6: f64 = -2.16637559486879084300e-03;
const QA1: f64 = 1.06420880400844228286e-01, QA2: f64 = 5.40397917702171048937e-01, QA3: f64 = 7.18286544141962662868e-02;
const QA4: f64 = 1.26171219808761642112e-01, QA5: f64 = 1.36370839120290507362e-02, QA6: f64 = 1.19844998467991074170e-02;
const RA0: f64 = -9.86494403484714822705e-03, RA1: f64 = -6.93858572707181764372e-01, RA2: f64 = -1.05586262253232909814e+01;
const RA3: f64 = -6.23753324503260060396e+01, RA4: f64 = -1.62396669462573470355e+02, RA5: f64 = -1.84605092906711035994e+02;
const RA6: f64 = -8.12874355063065934246e+01, RA7: f64 = -9.81432934416914548592e+00;
const SA1: f64 = 1.96512716674392571292e+01, SA2: f64 = 1.37657754143519042600e+02, SA3: f64 = 4.34565877475229228821e+02;
const SA4: f64 = 6.45387271733267880336e+02, SA5: f64 = 4.29008140027567833386e+02, SA6: f64 = 1.08635005541779435134e+02;
const SA7: f64 = 6.57024977031928170135e+00, SA8: f64 = -6.04244152148580987438e-02;
const RB0: f64 = -9.86494292470009928597e-03, RB1: f64 = -7.99283237680523006574e-01, RB2: f64 = -1.77579549177547519889e+01;
const RB3: f64 = -1.60636384855821916062e+02, RB4: f64 = -6.37566443368389627722e+02, RB5: f64 = -1.02509513161107724954e+03;
const RB6: f64 = -4.83519191608651397019e+02;
const SB1: f64 = 3.03380607434824582924e+01, SB2: f64 = 3.25792512996573918826e+02, SB3: f64 = 1.53672958608443695994e+03;
const SB4: f64 = 3.19985821950859553908e+03, SB5: f64 = 2.55305040643316442583e+03, SB6: f64 = 4.74528541206955367215e+02;
const SB7: f64 = -2.24409524465858183362e+01;
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
function erf(x: f64): f64 {
  let a = Math.abs(x);
  if (!(a < 0.84375)) {
    if (a != a) return x;
    if (a < 1.25) {
      let s = a - 1;
      let p = PA0 + s * (PA1 + s * (PA2 + s * (PA3 + s * (PA4 + s * (PA5 + s * PA6)))));
      let q = 1 + s * (QA1 + s * (QA2 + s * (QA3 + s * (QA4 + s * (QA5 + s * QA6)))));
      return x < 0 ? -ERX - p / q : ERX + p / q;
    }
    if (a >= 6) return x < 0 ? -1 : 1;
    let s = 1 / (a * a), r: f64, q: f64;
    if (a < 2.857142857142857) { // 1/0.35
      r = RA0 + s * (RA1 + s * (RA2 + s * (RA3 + s * (RA4 + s * (RA5 + s * (RA6 + s * RA7))))));
      q = 1 + s * (SA1 + s * (SA2 + s * (SA3 + s * (SA4 + s * (SA5 + s * (SA6 + s * (SA7 + s * SA8)))))));
    } else {
      r = RB0 + s * (RB1 + s * (RB2 + s * (RB3 + s * (RB4 + s * (RB5 + s * RB6)))));
      q = 1 + s * (SB1 + s * (SB2 + s * (SB3 + s * (SB4 + s * (SB5 + s * (SB6 + s * SB7))))));
    }
    // e^(-a²) as e^(-z²)·e^((z-a)(z+a)) with z = a cut to 32 bits, so that z² is exact.
    let z = reinterpret<f64>(reinterpret<u64>(a) & 0xFFFFFFFF00000000);
    let e = Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + r / q);
    return x < 0 ? e / a - 1 : 1 - e / a;
  }
  if (a < 3.725290298461914e-9) return x + EFX * x; // 2^-28: the series' next term is below an ulp
  let z = x * x;
  let r = PP0 + z * (PP1 + z * (PP2 + z * (PP3 + z * PP4)));
  let s = 1 + z * (QQ1 + z * (QQ2 + z * (QQ3 + z * (QQ4 + z * QQ5))));
  return x + x * (r / s);
}
@inline function erfForward(x: f64): f64 { return erf(x); }
@inline function erfBackward(x: f64, g: f64): void { gradX = g * TWO_OVER_SQRT_PI * Math.exp(-x * x); }

// ── Atan2 ──  d atan2(x, y) = (y·dx - x·dy)/(x² + y²)
@inline function atan2Forward(x: f64, y: f64): f64 { return Math.atan2(x, y); }
@inline function atan2Backward(x: f64, y: f64, g: f64): void {
  let r = g / (x * x + y * y);
  gradX = y * r;
  gradY = -x * r;
}

// ── Gt, Ge, Eq, Sign ──  masks, piecewise constant: no gradient
// What the differentiable rules of the non-smooth ops record (src/transforms/graph.ts),
// so that a compiled gradient takes its branch anew on every run.
@inline function gtForward(x: f64, y: f64): f64 { return x > y ? 1 : 0; }
@inline function geForward(x: f64, y: f64): f64 { return x >= y ? 1 : 0; }
@inline function eqForward(x: f64, y: f64): f64 { return x == y ? 1 : 0; }
@inline function signForward(x: f64): f64 { return x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : NaN; }
@inline function noGradient(): void { gradX = 0; gradY = 0; }

// ── Select ──  d(x ≠ 0 ? y : 0) = [x ≠ 0]·dy; the mask x gets none
@inline function selectForward(x: f64, y: f64): f64 { return x != 0 ? y : 0; }
@inline function selectBackward(x: f64, g: f64): void { gradX = 0; gradY = x != 0 ? g : 0; }

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
    case Op.Log1p: return log1pForward(x);
    case Op.Expm1: return expm1Forward(x);
    case Op.Erf: return erfForward(x);
    case Op.Atan2: return atan2Forward(x, y);
    case Op.Gt: return gtForward(x, y);
    case Op.Ge: return geForward(x, y);
    case Op.Eq: return eqForward(x, y);
    case Op.Sign: return signForward(x);
    case Op.Select: return selectForward(x, y);
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
    case Op.Log1p: log1pBackward(x, g); break;
    case Op.Expm1: expm1Backward(out, g); break;
    case Op.Erf: erfBackward(x, g); break;
    case Op.Atan2: atan2Backward(x, y, g); break;
    case Op.Gt: case Op.Ge: case Op.Eq: case Op.Sign: noGradient(); break;
    case Op.Select: selectBackward(x, g); break;
  }
}
