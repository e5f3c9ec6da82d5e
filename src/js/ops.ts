// The JS twin's op table: the same forward kernels and backward rules as
// assembly/ops.ts, in the same order, on JS numbers (f64). Keep the two in step.

import { Op } from '../ops.js';

// Outputs of backward(), as in assembly/ops.ts.
export let gradX = 0;
export let gradY = 0;

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

export function backward(op: number, x: number, y: number, out: number, g: number): void {
  switch (op) {
    case Op.Add: gradX = g; gradY = g; break;
    case Op.Sub: gradX = g; gradY = -g; break;
    case Op.Mul: gradX = g * y; gradY = g * x; break;
    case Op.Div: { const gy = g / y; gradX = gy; gradY = -gy * out; break; }
    case Op.Pow:
      gradX = y === 0 ? 0 : g * y * Math.pow(x, y - 1);
      gradY = x === 0 && y >= 0 ? 0 : g * out * Math.log(x);
      break;
    case Op.PowConst: gradX = y === 0 ? 0 : g * y * Math.pow(x, y - 1); gradY = 0; break;
    case Op.Neg: gradX = -g; break;
    case Op.Exp: gradX = g * out; break;
    case Op.Log: gradX = g / x; break;
    case Op.Sqrt: gradX = g / (2 * out); break;
    case Op.Tanh: gradX = g * (1 - out * out); break;
    case Op.Sigmoid: gradX = g * out * (1 - out); break;
    case Op.Relu: gradX = x > 0 ? g : 0; break;
    case Op.Sin: gradX = g * Math.cos(x); break;
    case Op.Cos: gradX = -g * Math.sin(x); break;
    case Op.Abs: gradX = x > 0 ? g : x < 0 ? -g : x === 0 ? 0 : NaN; break;
  }
}
