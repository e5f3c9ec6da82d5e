// The JS twin's elementwise rules for the ops only tensors have, forward and
// backward side by side (assembly/tensor/ops.ts). Scalar op ids (src/ops.ts)
// use the scalar table in ../ops.ts, so each of those ops has its rule in one place for Values and
// tensors alike. Every rule works on one element in
// f64; the kernels round once when they store into an f32 tensor.

//
// As in ../ops.ts, both switches name every tensor-only op and end in
// `missing(op)`, whose `never` parameter makes a forgotten rule a compile error.

import { TensorBinary, TensorUnary, CompareKind, type TensorOnlyOpId } from '../../generated/ops.js';
import { erf } from '../ops.js';

const MAXIMUM = TensorBinary.Maximum;
const MINIMUM = TensorBinary.Minimum;
const LEAKY_RELU = TensorBinary.LeakyRelu;
const GELU = TensorUnary.Gelu;
const GELU_ERF = TensorUnary.GeluErf;

/** Unreachable once every tensor-only op has its case. */
function missing(op: never): never {
  throw new Error(`no rule for tensor op ${String(op)}`);
}

/** Φ(x) = (1 + erf(x/√2))/2 and φ(x) = e^(-x²/2)/√(2π), for the exact GELU. */
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** √(2/π), the constant of GELU's tanh approximation. */
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_K = 0.044715;

/**
 * out = f(x, y) for the tensor-only ops (y is ignored by unary ones). Kernels
 * call the scalar table's `forward` directly for scalar ids, in a loop of its
 * own, so that each loop inlines one small function.
 */
export function tensorForward(op: TensorOnlyOpId, x: number, y: number): number {
  switch (op) {
    case MAXIMUM: return x > y ? x : x < y ? y : x === y ? x : NaN;  // ties: half each; NaN propagates
    case MINIMUM: return x < y ? x : x > y ? y : x === y ? x : NaN;
    case LEAKY_RELU: return x > 0 ? x : y * x;                      // d = [x>0]·dx + [x≤0]·(y·dx + x·dy)
    case GELU: {                                                    // see tensorBackward for the derivative
      const t = Math.tanh(GELU_C * (x + GELU_K * x * x * x));
      return 0.5 * x * (1 + t);
    }
    case GELU_ERF: return 0.5 * x * (1 + erf(x * SQRT1_2));        // d = Φ(x) + x·φ(x)
  }
  return missing(op);
}

/**
 * Adds g·∂out/∂x into grads[a] and g·∂out/∂y into grads[b] (b = -1 for unary
 * ops) for the tensor-only ops: the scalar table's `backward` contract.
 */
export function tensorBackward(op: TensorOnlyOpId, x: number, y: number, out: number, g: number, grads: Float64Array, a: number, b: number): void {
  switch (op) {
    case MAXIMUM:                                 // d max(x, y) = [x>y]·dx + [y>x]·dy, ½ each on ties
    case MINIMUM: {                               // d min(x, y) = [x<y]·dx + [y<x]·dy, ½ each on ties
      const xWins = op === MAXIMUM ? x > y : x < y;
      const yWins = op === MAXIMUM ? y > x : y < x;
      if (xWins) grads[a] += g;
      else if (yWins) grads[b] += g;
      else if (x === y) { grads[a] += 0.5 * g; grads[b] += 0.5 * g; }
      else { grads[a] += NaN; grads[b] += NaN; }
      break;
    }
    case LEAKY_RELU:                              // d = [x>0]·dx + [x≤0]·(y·dx + x·dy)
      if (x > 0) grads[a] += g;
      else { grads[a] += g * y; grads[b] += g * x; }
      break;
    case GELU: {                                  // d gelu = ½(1+t) + ½x(1-t²)·c(1 + 3k·x²), t = tanh(c(x + k·x³))
      const t = Math.tanh(GELU_C * (x + GELU_K * x * x * x));
      grads[a] += g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_K * x * x));
      break;
    }
    case GELU_ERF:                                // d gelu = Φ(x) + x·φ(x)
      grads[a] += g * (0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x));
      break;
    default: missing(op);
  }
}

/** out = mask ≠ 0 ? x : y; d = [mask≠0]·dx + [mask=0]·dy, the mask gets none. */
export function whereForward(mask: number, x: number, y: number): number {
  return mask !== 0 ? x : y;
}

/** (x kind y) ? 1 : 0, no gradient (a step function's derivative is 0 where it exists). */
export function compareForward(kind: number, x: number, y: number): number {
  switch (kind) {
    case CompareKind.Eq: return x === y ? 1 : 0;
    case CompareKind.Ne: return x !== y ? 1 : 0;
    case CompareKind.Lt: return x < y ? 1 : 0;
    case CompareKind.Le: return x <= y ? 1 : 0;
    case CompareKind.Gt: return x > y ? 1 : 0;
    case CompareKind.Ge: return x >= y ? 1 : 0;
  }
  return 0;
}
