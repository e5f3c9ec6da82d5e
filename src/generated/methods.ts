// Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.
// One method per elementwise op with a method in the registry: Value and Engine
// take the scalar ops, Tensor every elementwise op; ops that share a method are
// picked by an option (gelu's approximate). Each class implements the abstract
// members that record a node.

import { Op, TensorBinary, TensorUnary, type BinaryOpId, type OpId, type UnaryOpId } from './ops.js';

/** Methods of a scalar Value: V is the Value type, S what an operand may be (a Value or a number). */
export abstract class ValueMethods<V, S> {
  /** @internal Records op on this value. */
  protected abstract applyUnary(op: OpId, opName: string): V;
  /** @internal Records op on this value and another operand. */
  protected abstract applyBinary(op: OpId, other: S, opName: string): V;

  /** x + y. Gradient: dx = g, dy = g. */
  add(other: S): V { return this.applyBinary(Op.Add, other, 'add'); }

  /** x − y. Gradient: dx = g, dy = −g. */
  sub(other: S): V { return this.applyBinary(Op.Sub, other, 'sub'); }

  /** x · y. Gradient: dx = g·y, dy = g·x. */
  mul(other: S): V { return this.applyBinary(Op.Mul, other, 'mul'); }

  /** x / y. Gradient: dx = g/y, dy = −(g/y)·(x/y). */
  div(other: S): V { return this.applyBinary(Op.Div, other, 'div'); }

  /** x ** exponent; a number exponent gets no gradient, a differentiable one does. */
  pow(exponent: S): V { return this.applyBinary(Op.Pow, exponent, 'pow'); }

  /** −x. Gradient: dx = −g. */
  neg(): V { return this.applyUnary(Op.Neg, 'neg'); }

  /** eˣ. Gradient: dx = g·eˣ. */
  exp(): V { return this.applyUnary(Op.Exp, 'exp'); }

  /** ln x. Gradient: dx = g/x. */
  log(): V { return this.applyUnary(Op.Log, 'log'); }

  /** √x. Gradient: dx = g/(2√x). */
  sqrt(): V { return this.applyUnary(Op.Sqrt, 'sqrt'); }

  /** tanh x. Gradient: dx = g·(1 − tanh²x). */
  tanh(): V { return this.applyUnary(Op.Tanh, 'tanh'); }

  /** 1/(1+e^−x), overflow-free. Gradient: dx = g·σ·(1 − σ). */
  sigmoid(): V { return this.applyUnary(Op.Sigmoid, 'sigmoid'); }

  /** max(x, 0) (NaN stays NaN). Gradient: dx = g if x > 0 else 0. */
  relu(): V { return this.applyUnary(Op.Relu, 'relu'); }

  /** sin x. Gradient: dx = g·cos x. */
  sin(): V { return this.applyUnary(Op.Sin, 'sin'); }

  /** cos x. Gradient: dx = −g·sin x. */
  cos(): V { return this.applyUnary(Op.Cos, 'cos'); }

  /** |x|. Gradient: dx = g·sign x, with sign 0 = 0. */
  abs(): V { return this.applyUnary(Op.Abs, 'abs'); }

  /** ln(1 + x), without the rounding of 1 + x. Gradient: dx = g/(1 + x). */
  log1p(): V { return this.applyUnary(Op.Log1p, 'log1p'); }

  /** eˣ − 1, without the cancellation. Gradient: dx = g·(out + 1). */
  expm1(): V { return this.applyUnary(Op.Expm1, 'expm1'); }

  /** erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's rational approximations, < 1 ulp). Gradient: dx = g·(2/√π)·e^(−x²). */
  erf(): V { return this.applyUnary(Op.Erf, 'erf'); }

  /** atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2). */
  atan2(other: S): V { return this.applyBinary(Op.Atan2, other, 'atan2'); }
}

/** The scalar ops as functions of an engine: eng.exp(x), eng.atan2(y, x). */
export abstract class EngineMethods<V, S> {
  /** @internal */
  abstract unary(op: OpId, x: S, opName: string): V;
  /** @internal */
  abstract binary(op: OpId, x: S, y: S, opName: string): V;

  /** x + y. Gradient: dx = g, dy = g. */
  add(x: S, y: S): V { return this.binary(Op.Add, x, y, 'add'); }

  /** x − y. Gradient: dx = g, dy = −g. */
  sub(x: S, y: S): V { return this.binary(Op.Sub, x, y, 'sub'); }

  /** x · y. Gradient: dx = g·y, dy = g·x. */
  mul(x: S, y: S): V { return this.binary(Op.Mul, x, y, 'mul'); }

  /** x / y. Gradient: dx = g/y, dy = −(g/y)·(x/y). */
  div(x: S, y: S): V { return this.binary(Op.Div, x, y, 'div'); }

  /** x ** exponent; a number exponent gets no gradient, a differentiable one does. */
  pow(x: S, y: S): V { return this.binary(Op.Pow, x, y, 'pow'); }

  /** −x. Gradient: dx = −g. */
  neg(x: S): V { return this.unary(Op.Neg, x, 'neg'); }

  /** eˣ. Gradient: dx = g·eˣ. */
  exp(x: S): V { return this.unary(Op.Exp, x, 'exp'); }

  /** ln x. Gradient: dx = g/x. */
  log(x: S): V { return this.unary(Op.Log, x, 'log'); }

  /** √x. Gradient: dx = g/(2√x). */
  sqrt(x: S): V { return this.unary(Op.Sqrt, x, 'sqrt'); }

  /** tanh x. Gradient: dx = g·(1 − tanh²x). */
  tanh(x: S): V { return this.unary(Op.Tanh, x, 'tanh'); }

  /** 1/(1+e^−x), overflow-free. Gradient: dx = g·σ·(1 − σ). */
  sigmoid(x: S): V { return this.unary(Op.Sigmoid, x, 'sigmoid'); }

  /** max(x, 0) (NaN stays NaN). Gradient: dx = g if x > 0 else 0. */
  relu(x: S): V { return this.unary(Op.Relu, x, 'relu'); }

  /** sin x. Gradient: dx = g·cos x. */
  sin(x: S): V { return this.unary(Op.Sin, x, 'sin'); }

  /** cos x. Gradient: dx = −g·sin x. */
  cos(x: S): V { return this.unary(Op.Cos, x, 'cos'); }

  /** |x|. Gradient: dx = g·sign x, with sign 0 = 0. */
  abs(x: S): V { return this.unary(Op.Abs, x, 'abs'); }

  /** ln(1 + x), without the rounding of 1 + x. Gradient: dx = g/(1 + x). */
  log1p(x: S): V { return this.unary(Op.Log1p, x, 'log1p'); }

  /** eˣ − 1, without the cancellation. Gradient: dx = g·(out + 1). */
  expm1(x: S): V { return this.unary(Op.Expm1, x, 'expm1'); }

  /** erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's rational approximations, < 1 ulp). Gradient: dx = g·(2/√π)·e^(−x²). */
  erf(x: S): V { return this.unary(Op.Erf, x, 'erf'); }

  /** atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2). */
  atan2(x: S, y: S): V { return this.binary(Op.Atan2, x, y, 'atan2'); }
}

/** Elementwise methods of a Tensor: T is the Tensor type, L what an operand may be (a tensor or a number, broadcast). */
export abstract class TensorMethods<T, L> {
  /** @internal Records elementwise op on this tensor. */
  protected abstract applyUnary(op: UnaryOpId): T;
  /** @internal Records elementwise op on this tensor and another operand, broadcast. */
  protected abstract applyBinary(op: BinaryOpId, other: L): T;
  /** @internal The op that `options[option]` names among `ids` (`fallback` when absent); a named error for anything else. */
  protected abstract pickVariant<Id>(method: string, options: object | undefined, option: string, ids: Readonly<Record<string, Id>>, fallback: string): Id;

  /** x + y. Gradient: dx = g, dy = g. */
  add(other: L): T { return this.applyBinary(Op.Add, other); }

  /** x − y. Gradient: dx = g, dy = −g. */
  sub(other: L): T { return this.applyBinary(Op.Sub, other); }

  /** x · y. Gradient: dx = g·y, dy = g·x. */
  mul(other: L): T { return this.applyBinary(Op.Mul, other); }

  /** x / y. Gradient: dx = g/y, dy = −(g/y)·(x/y). */
  div(other: L): T { return this.applyBinary(Op.Div, other); }

  /** x ** exponent; a number exponent gets no gradient, a differentiable one does. */
  pow(exponent: L): T { return this.applyBinary(Op.Pow, exponent); }

  /** −x. Gradient: dx = −g. */
  neg(): T { return this.applyUnary(Op.Neg); }

  /** eˣ. Gradient: dx = g·eˣ. */
  exp(): T { return this.applyUnary(Op.Exp); }

  /** ln x. Gradient: dx = g/x. */
  log(): T { return this.applyUnary(Op.Log); }

  /** √x. Gradient: dx = g/(2√x). */
  sqrt(): T { return this.applyUnary(Op.Sqrt); }

  /** tanh x. Gradient: dx = g·(1 − tanh²x). */
  tanh(): T { return this.applyUnary(Op.Tanh); }

  /** 1/(1+e^−x), overflow-free. Gradient: dx = g·σ·(1 − σ). */
  sigmoid(): T { return this.applyUnary(Op.Sigmoid); }

  /** max(x, 0) (NaN stays NaN). Gradient: dx = g if x > 0 else 0. */
  relu(): T { return this.applyUnary(Op.Relu); }

  /** sin x. Gradient: dx = g·cos x. */
  sin(): T { return this.applyUnary(Op.Sin); }

  /** cos x. Gradient: dx = −g·sin x. */
  cos(): T { return this.applyUnary(Op.Cos); }

  /** |x|. Gradient: dx = g·sign x, with sign 0 = 0. */
  abs(): T { return this.applyUnary(Op.Abs); }

  /** ln(1 + x), without the rounding of 1 + x. Gradient: dx = g/(1 + x). */
  log1p(): T { return this.applyUnary(Op.Log1p); }

  /** eˣ − 1, without the cancellation. Gradient: dx = g·(out + 1). */
  expm1(): T { return this.applyUnary(Op.Expm1); }

  /** erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's rational approximations, < 1 ulp). Gradient: dx = g·(2/√π)·e^(−x²). */
  erf(): T { return this.applyUnary(Op.Erf); }

  /** atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2). */
  atan2(other: L): T { return this.applyBinary(Op.Atan2, other); }

  /** elementwise max; on ties each input gets half the gradient. */
  maximum(other: L): T { return this.applyBinary(TensorBinary.Maximum, other); }

  /** elementwise min; on ties each input gets half the gradient. */
  minimum(other: L): T { return this.applyBinary(TensorBinary.Minimum, other); }

  /** x > 0 ? x : slope·x (slope 0.01 by default, as torch.nn.functional.leaky_relu); gradient `slope` at 0; a tensor slope gets a gradient too. */
  leakyRelu(slope?: L): T { return this.applyBinary(TensorBinary.LeakyRelu, slope ?? (0.01 as L)); }

  /**
   * gelu, with `approximate` picking the formula:
   * - tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's approximate='tanh'. Gradient: dx = g·[(1 + t)/2 + x(1 − t²)/2 · √(2/π)(1 + 3·0.044715x²)], t the tanh above.
   * - none (default): x·Φ(x) = 0.5·x·(1 + erf(x/√2)), PyTorch's default approximate='none'. Gradient: dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π).
   */
  gelu(options?: { approximate?: 'tanh' | 'none' }): T {
    const id = this.pickVariant('gelu', options, 'approximate', { 'tanh': TensorUnary.Gelu, 'none': TensorUnary.GeluErf }, 'none');
    return this.applyUnary(id);
  }
}
