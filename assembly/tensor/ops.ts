// Elementwise rules for tensors. Ops the scalar table has (../ops.ts) are
// applied per element with exactly that table's forward kernel and backward
// rule, so each has one definition for scalars and tensors alike. The ops only
// tensors have are defined here, forward and backward side by side, writing the
// same gradX/gradY outputs. Ids, arities and kinds come from registry/ops.mjs
// through ../generated/ops.ts.

import { Op, forward as scalarForward, backward as scalarBackward } from "../ops";
import * as scalar from "../ops";
import { TensorBinary, TensorUnary, CompareKind, elementwiseArity } from "../generated/ops";
export { NodeKind, TensorBinary, TensorUnary, CompareKind, ReduceKind } from "../generated/ops";

/** Whether `op` may be used in a Unary node. */
@inline export function isUnary(op: i32): bool { return elementwiseArity(op) == 1; }
/** Whether `op` may be used in a Binary node. */
@inline export function isBinary(op: i32): bool { return elementwiseArity(op) == 2; }

// ── Maximum ──  d max(x, y) = [x > y]·dx + [y > x]·dy, ties split evenly (torch.maximum)
@inline function maximumForward(x: f64, y: f64): f64 { return x != x || y != y ? NaN : x > y ? x : y; }
@inline function maximumBackward(x: f64, y: f64, g: f64): void {
  if (x > y) { scalar.gradX = g; scalar.gradY = 0; }
  else if (y > x) { scalar.gradX = 0; scalar.gradY = g; }
  else if (x == y) { scalar.gradX = g * 0.5; scalar.gradY = g * 0.5; }
  else { scalar.gradX = NaN; scalar.gradY = NaN; } // a NaN input: no side is the larger
}

// ── Minimum ──  mirror of Maximum
@inline function minimumForward(x: f64, y: f64): f64 { return x != x || y != y ? NaN : x < y ? x : y; }
@inline function minimumBackward(x: f64, y: f64, g: f64): void {
  if (x < y) { scalar.gradX = g; scalar.gradY = 0; }
  else if (y < x) { scalar.gradX = 0; scalar.gradY = g; }
  else if (x == y) { scalar.gradX = g * 0.5; scalar.gradY = g * 0.5; }
  else { scalar.gradX = NaN; scalar.gradY = NaN; }
}

// ── LeakyRelu ──  x > 0 ? x : s·x;  dx = (x > 0 ? 1 : s)·g, ds = (x > 0 ? 0 : x)·g
@inline function leakyReluForward(x: f64, s: f64): f64 { return x > 0 ? x : s * x; }
@inline function leakyReluBackward(x: f64, s: f64, g: f64): void {
  scalar.gradX = x > 0 ? g : s * g;
  scalar.gradY = x > 0 ? 0 : x * g;
}

// ── Gelu (tanh form) ──  u = √(2/π)(x + 0.044715x³), out = x(1 + tanh u)/2
//   d out = [(1 + t)/2 + x(1 - t²)/2 · √(2/π)(1 + 3·0.044715x²)]·dx
const GELU_K: f64 = 0.7978845608028654; // √(2/π)
const GELU_C: f64 = 0.044715;
@inline function geluForward(x: f64): f64 {
  let t = scalarForward(Op.Tanh, GELU_K * (x + GELU_C * x * x * x), 0);
  return 0.5 * x * (1 + t);
}
@inline function geluBackward(x: f64, g: f64): void {
  let t = scalarForward(Op.Tanh, GELU_K * (x + GELU_C * x * x * x), 0);
  scalar.gradX = g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x));
}

// ── GeluErf (exact) ──  out = x·Φ(x), Φ(x) = (1 + erf(x/√2))/2;  d out = (Φ(x) + x·φ(x))·dx, φ(x) = e^(-x²/2)/√(2π)
const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;
@inline function geluErfForward(x: f64): f64 { return 0.5 * x * (1 + scalarForward(Op.Erf, x * SQRT1_2, 0)); }
@inline function geluErfBackward(x: f64, g: f64): void {
  let cdf = 0.5 * (1 + scalarForward(Op.Erf, x * SQRT1_2, 0));
  scalar.gradX = g * (cdf + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
}

/** Output of elementwise op `op` (scalar or tensor-only) at x (and y). */
@inline export function elementForward(op: i32, x: f64, y: f64): f64 {
  switch (op) {
    case TensorBinary.Maximum: return maximumForward(x, y);
    case TensorBinary.Minimum: return minimumForward(x, y);
    case TensorBinary.LeakyRelu: return leakyReluForward(x, y);
    case TensorUnary.Gelu: return geluForward(x);
    case TensorUnary.GeluErf: return geluErfForward(x);
  }
  return scalarForward(op, x, y);
}

/** Sets scalar.gradX (and gradY) for elementwise op `op`. */
@inline export function elementBackward(op: i32, x: f64, y: f64, out: f64, g: f64): void {
  switch (op) {
    case TensorBinary.Maximum: maximumBackward(x, y, g); return;
    case TensorBinary.Minimum: minimumBackward(x, y, g); return;
    case TensorBinary.LeakyRelu: leakyReluBackward(x, y, g); return;
    case TensorUnary.Gelu: geluBackward(x, g); return;
    case TensorUnary.GeluErf: geluErfBackward(x, g); return;
  }
  scalarBackward(op, x, y, out, g);
}

/** 1 if (x kind y) else 0; comparisons with NaN are false except Ne. */
@inline export function compare(kind: i32, x: f64, y: f64): f64 {
  switch (kind) {
    case CompareKind.Eq: return x == y ? 1 : 0;
    case CompareKind.Ne: return x != y ? 1 : 0;
    case CompareKind.Lt: return x < y ? 1 : 0;
    case CompareKind.Le: return x <= y ? 1 : 0;
    case CompareKind.Gt: return x > y ? 1 : 0;
    case CompareKind.Ge: return x >= y ? 1 : 0;
  }
  return NaN;
}
