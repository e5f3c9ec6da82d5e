// The JS twin's op table: the same forward kernels and backward rules as
// assembly/ops.ts, in the same order, on JS numbers (f64). Keep the two in step.
// Transcendentals are V8's Math functions rather than the core's, so they can
// differ from the Wasm results in the last bits; arithmetic and relu cannot.

import { Op } from '../ops.js';

export function forward(op: number, x: number, y: number): number {
  switch (op) {
    case Op.Add: return x + y;                // d(x + y) = dx + dy
    case Op.Sub: return x - y;                // d(x - y) = dx - dy
    case Op.Mul: return x * y;                // d(x·y) = y·dx + x·dy
    case Op.Div: return x / y;                // d(x/y) = dx/y - (x/y)·dy/y
    case Op.Pow:                              // d(x^y) = y·x^(y-1)·dx + x^y·ln(x)·dy
    case Op.PowConst: return Math.pow(x, y);  // d(x^c) = c·x^(c-1)·dx
    case Op.Neg: return -x;                   // d(-x) = -dx
    case Op.Exp: return Math.exp(x);          // d(e^x) = e^x·dx
    case Op.Log: return Math.log(x);          // d(ln x) = dx/x
    case Op.Sqrt: return Math.sqrt(x);        // d(√x) = dx/(2√x)
    case Op.Tanh: return Math.tanh(x);        // d(tanh x) = (1 - tanh²x)·dx
    case Op.Sigmoid: {                        // d(σ(x)) = σ(x)·(1 - σ(x))·dx
      if (x >= 0) return 1 / (1 + Math.exp(-x));
      const e = Math.exp(x);
      return e / (1 + e);
    }
    case Op.Relu: return x > 0 ? x : x === x ? 0 : x; // NaN stays NaN, like f64.max
    case Op.Sin: return Math.sin(x);          // d(sin x) = cos x·dx
    case Op.Cos: return Math.cos(x);          // d(cos x) = -sin x·dx
    case Op.Abs: return Math.abs(x);          // d|x| = sign(x)·dx
  }
  return NaN;
}

/**
 * Adds the gradients that flow from output gradient g into the inputs:
 * g·∂out/∂x into grads[a] and, for binary ops, g·∂out/∂y into grads[b].
 * Writing straight into the array keeps the sweep free of module-level
 * state, which V8 reaches through a slower path than a typed-array store.
 */
export function backward(op: number, x: number, y: number, out: number, g: number, grads: Float64Array, a: number, b: number): void {
  switch (op) {
    case Op.Add: grads[a] += g; grads[b] += g; break;
    case Op.Sub: grads[a] += g; grads[b] -= g; break;
    case Op.Mul: grads[a] += g * y; grads[b] += g * x; break;
    case Op.Div: { const gy = g / y; grads[a] += gy; grads[b] -= gy * out; break; }
    case Op.Pow:
      grads[a] += y === 0 ? 0 : g * y * Math.pow(x, y - 1);
      grads[b] += x === 0 && y >= 0 ? 0 : g * out * Math.log(x);
      break;
    case Op.PowConst: grads[a] += y === 0 ? 0 : g * y * Math.pow(x, y - 1); break;
    case Op.Neg: grads[a] -= g; break;
    case Op.Exp: grads[a] += g * out; break;
    case Op.Log: grads[a] += g / x; break;
    case Op.Sqrt: grads[a] += g / (2 * out); break;
    case Op.Tanh: grads[a] += g * (1 - out * out); break;
    case Op.Sigmoid: grads[a] += g * out * (1 - out); break;
    case Op.Relu: grads[a] += x > 0 ? g : 0; break;
    case Op.Sin: grads[a] += g * Math.cos(x); break;
    case Op.Cos: grads[a] -= g * Math.sin(x); break;
    case Op.Abs: grads[a] += x > 0 ? g : x < 0 ? -g : x === 0 ? 0 : NaN; break;
  }
}
