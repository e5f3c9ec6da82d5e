// Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.
// One method per elementwise op with a method in the registry: Value and Engine
// take the scalar ops, Tensor every elementwise op; ops that share a method are
// picked by an option (gelu's approximate). Each is an interface that the class
// of the same name merges with, and an install function that puts the methods
// on the class's prototype: the classes stay base classes (a derived class pays
// for its super() call on every Value and Tensor made), and each method is one
// call into the class's recorder, which V8 inlines.

import { Op, TensorBinary, TensorUnary, type BinaryOpId, type OpId, type UnaryOpId } from './ops.js';

/** Defines methods as class methods are: writable, configurable, not enumerable. */
function define(proto: object, methods: object): void {
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
}

/** What a Value provides for its op methods: recording an op on itself (and another operand). */
export interface ValueRecorder<V, S> {
  applyUnary(op: OpId, opName: string): V;
  applyBinary(op: OpId, other: S, opName: string): V;
}

/** Methods of a scalar Value: V is the Value type, S what an operand may be (a Value or a number). */
export interface ValueMethods<V, S> {
  /** x + y. Gradient: dx = g, dy = g. */
  add(other: S): V;

  /** x − y. Gradient: dx = g, dy = −g. */
  sub(other: S): V;

  /** x · y. Gradient: dx = g·y, dy = g·x. */
  mul(other: S): V;

  /** x / y. Gradient: dx = g/y, dy = −(g/y)·(x/y). */
  div(other: S): V;

  /** x ** exponent; a number exponent gets no gradient, a differentiable one does. */
  pow(exponent: S): V;

  /** −x. Gradient: dx = −g. */
  neg(): V;

  /** eˣ. Gradient: dx = g·eˣ. */
  exp(): V;

  /** ln x. Gradient: dx = g/x. */
  log(): V;

  /** √x. Gradient: dx = g/(2√x). */
  sqrt(): V;

  /** tanh x. Gradient: dx = g·(1 − tanh²x). */
  tanh(): V;

  /** 1/(1+e^−x), overflow-free. Gradient: dx = g·σ·(1 − σ). */
  sigmoid(): V;

  /** max(x, 0) (NaN stays NaN). Gradient: dx = g if x > 0 else 0. */
  relu(): V;

  /** sin x. Gradient: dx = g·cos x. */
  sin(): V;

  /** cos x. Gradient: dx = −g·sin x. */
  cos(): V;

  /** |x|. Gradient: dx = g·sign x, with sign 0 = 0. */
  abs(): V;

  /** ln(1 + x), without the rounding of 1 + x. Gradient: dx = g/(1 + x). */
  log1p(): V;

  /** eˣ − 1, without the cancellation. Gradient: dx = g·(out + 1). */
  expm1(): V;

  /** erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's rational approximations, < 1 ulp). Gradient: dx = g·(2/√π)·e^(−x²). */
  erf(): V;

  /** atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2). */
  atan2(other: S): V;
}

/** Puts ValueMethods on the prototype of the class that records them. */
export function installValueMethods<V, S>(proto: ValueRecorder<V, S>): void {
  define(proto, {
    add(this: ValueRecorder<V, S>, other: S): V { return this.applyBinary(Op.Add, other, 'add'); },
    sub(this: ValueRecorder<V, S>, other: S): V { return this.applyBinary(Op.Sub, other, 'sub'); },
    mul(this: ValueRecorder<V, S>, other: S): V { return this.applyBinary(Op.Mul, other, 'mul'); },
    div(this: ValueRecorder<V, S>, other: S): V { return this.applyBinary(Op.Div, other, 'div'); },
    pow(this: ValueRecorder<V, S>, exponent: S): V { return this.applyBinary(Op.Pow, exponent, 'pow'); },
    neg(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Neg, 'neg'); },
    exp(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Exp, 'exp'); },
    log(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Log, 'log'); },
    sqrt(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Sqrt, 'sqrt'); },
    tanh(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Tanh, 'tanh'); },
    sigmoid(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Sigmoid, 'sigmoid'); },
    relu(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Relu, 'relu'); },
    sin(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Sin, 'sin'); },
    cos(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Cos, 'cos'); },
    abs(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Abs, 'abs'); },
    log1p(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Log1p, 'log1p'); },
    expm1(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Expm1, 'expm1'); },
    erf(this: ValueRecorder<V, S>): V { return this.applyUnary(Op.Erf, 'erf'); },
    atan2(this: ValueRecorder<V, S>, other: S): V { return this.applyBinary(Op.Atan2, other, 'atan2'); },
  });
}

/** What an engine provides for its op functions. */
export interface EngineRecorder<V, S> {
  unary(op: OpId, x: S, opName: string): V;
  binary(op: OpId, x: S, y: S, opName: string): V;
}

/** The scalar ops as functions of an engine: eng.exp(x), eng.atan2(y, x). */
export interface EngineMethods<V, S> {
  /** x + y. Gradient: dx = g, dy = g. */
  add(x: S, y: S): V;

  /** x − y. Gradient: dx = g, dy = −g. */
  sub(x: S, y: S): V;

  /** x · y. Gradient: dx = g·y, dy = g·x. */
  mul(x: S, y: S): V;

  /** x / y. Gradient: dx = g/y, dy = −(g/y)·(x/y). */
  div(x: S, y: S): V;

  /** x ** exponent; a number exponent gets no gradient, a differentiable one does. */
  pow(x: S, y: S): V;

  /** −x. Gradient: dx = −g. */
  neg(x: S): V;

  /** eˣ. Gradient: dx = g·eˣ. */
  exp(x: S): V;

  /** ln x. Gradient: dx = g/x. */
  log(x: S): V;

  /** √x. Gradient: dx = g/(2√x). */
  sqrt(x: S): V;

  /** tanh x. Gradient: dx = g·(1 − tanh²x). */
  tanh(x: S): V;

  /** 1/(1+e^−x), overflow-free. Gradient: dx = g·σ·(1 − σ). */
  sigmoid(x: S): V;

  /** max(x, 0) (NaN stays NaN). Gradient: dx = g if x > 0 else 0. */
  relu(x: S): V;

  /** sin x. Gradient: dx = g·cos x. */
  sin(x: S): V;

  /** cos x. Gradient: dx = −g·sin x. */
  cos(x: S): V;

  /** |x|. Gradient: dx = g·sign x, with sign 0 = 0. */
  abs(x: S): V;

  /** ln(1 + x), without the rounding of 1 + x. Gradient: dx = g/(1 + x). */
  log1p(x: S): V;

  /** eˣ − 1, without the cancellation. Gradient: dx = g·(out + 1). */
  expm1(x: S): V;

  /** erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's rational approximations, < 1 ulp). Gradient: dx = g·(2/√π)·e^(−x²). */
  erf(x: S): V;

  /** atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2). */
  atan2(x: S, y: S): V;
}

/** Puts EngineMethods on the engine class's prototype. */
export function installEngineMethods<V, S>(proto: EngineRecorder<V, S>): void {
  define(proto, {
    add(this: EngineRecorder<V, S>, x: S, y: S): V { return this.binary(Op.Add, x, y, 'add'); },
    sub(this: EngineRecorder<V, S>, x: S, y: S): V { return this.binary(Op.Sub, x, y, 'sub'); },
    mul(this: EngineRecorder<V, S>, x: S, y: S): V { return this.binary(Op.Mul, x, y, 'mul'); },
    div(this: EngineRecorder<V, S>, x: S, y: S): V { return this.binary(Op.Div, x, y, 'div'); },
    pow(this: EngineRecorder<V, S>, x: S, y: S): V { return this.binary(Op.Pow, x, y, 'pow'); },
    neg(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Neg, x, 'neg'); },
    exp(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Exp, x, 'exp'); },
    log(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Log, x, 'log'); },
    sqrt(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Sqrt, x, 'sqrt'); },
    tanh(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Tanh, x, 'tanh'); },
    sigmoid(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Sigmoid, x, 'sigmoid'); },
    relu(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Relu, x, 'relu'); },
    sin(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Sin, x, 'sin'); },
    cos(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Cos, x, 'cos'); },
    abs(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Abs, x, 'abs'); },
    log1p(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Log1p, x, 'log1p'); },
    expm1(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Expm1, x, 'expm1'); },
    erf(this: EngineRecorder<V, S>, x: S): V { return this.unary(Op.Erf, x, 'erf'); },
    atan2(this: EngineRecorder<V, S>, x: S, y: S): V { return this.binary(Op.Atan2, x, y, 'atan2'); },
  });
}

/** What a Tensor provides for its elementwise methods. */
export interface TensorRecorder<T, L> {
  applyUnary(op: UnaryOpId): T;
  applyBinary(op: BinaryOpId, other: L): T;
  /** The op that `options[option]` names among `ids` (`fallback` when absent); a named error for anything else. */
  pickVariant<Id>(method: string, options: object | undefined, option: string, ids: Readonly<Record<string, Id>>, fallback: string): Id;
}

/** Elementwise methods of a Tensor: T is the Tensor type, L what an operand may be (a tensor or a number, broadcast). */
export interface TensorMethods<T, L> {
  /** x + y. Gradient: dx = g, dy = g. */
  add(other: L): T;

  /** x − y. Gradient: dx = g, dy = −g. */
  sub(other: L): T;

  /** x · y. Gradient: dx = g·y, dy = g·x. */
  mul(other: L): T;

  /** x / y. Gradient: dx = g/y, dy = −(g/y)·(x/y). */
  div(other: L): T;

  /** x ** exponent; a number exponent gets no gradient, a differentiable one does. */
  pow(exponent: L): T;

  /** −x. Gradient: dx = −g. */
  neg(): T;

  /** eˣ. Gradient: dx = g·eˣ. */
  exp(): T;

  /** ln x. Gradient: dx = g/x. */
  log(): T;

  /** √x. Gradient: dx = g/(2√x). */
  sqrt(): T;

  /** tanh x. Gradient: dx = g·(1 − tanh²x). */
  tanh(): T;

  /** 1/(1+e^−x), overflow-free. Gradient: dx = g·σ·(1 − σ). */
  sigmoid(): T;

  /** max(x, 0) (NaN stays NaN). Gradient: dx = g if x > 0 else 0. */
  relu(): T;

  /** sin x. Gradient: dx = g·cos x. */
  sin(): T;

  /** cos x. Gradient: dx = −g·sin x. */
  cos(): T;

  /** |x|. Gradient: dx = g·sign x, with sign 0 = 0. */
  abs(): T;

  /** ln(1 + x), without the rounding of 1 + x. Gradient: dx = g/(1 + x). */
  log1p(): T;

  /** eˣ − 1, without the cancellation. Gradient: dx = g·(out + 1). */
  expm1(): T;

  /** erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm's rational approximations, < 1 ulp). Gradient: dx = g·(2/√π)·e^(−x²). */
  erf(): T;

  /** atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2). */
  atan2(other: L): T;

  /** elementwise max; on ties each input gets half the gradient. */
  maximum(other: L): T;

  /** elementwise min; on ties each input gets half the gradient. */
  minimum(other: L): T;

  /** x > 0 ? x : slope·x (slope 0.01 by default, as torch.nn.functional.leaky_relu); gradient `slope` at 0; a tensor slope gets a gradient too. */
  leakyRelu(slope?: L): T;

  /**
   * gelu, with `approximate` picking the formula:
   * - tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's approximate='tanh'. Gradient: dx = g·[(1 + t)/2 + x(1 − t²)/2 · √(2/π)(1 + 3·0.044715x²)], t the tanh above.
   * - none (default): x·Φ(x) = 0.5·x·(1 + erf(x/√2)), PyTorch's default approximate='none'. Gradient: dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π).
   */
  gelu(options?: { approximate?: 'tanh' | 'none' }): T;
}

/** Puts TensorMethods on the tensor class's prototype. */
export function installTensorMethods<T, L>(proto: TensorRecorder<T, L>): void {
  define(proto, {
    add(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(Op.Add, other); },
    sub(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(Op.Sub, other); },
    mul(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(Op.Mul, other); },
    div(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(Op.Div, other); },
    pow(this: TensorRecorder<T, L>, exponent: L): T { return this.applyBinary(Op.Pow, exponent); },
    neg(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Neg); },
    exp(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Exp); },
    log(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Log); },
    sqrt(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Sqrt); },
    tanh(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Tanh); },
    sigmoid(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Sigmoid); },
    relu(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Relu); },
    sin(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Sin); },
    cos(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Cos); },
    abs(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Abs); },
    log1p(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Log1p); },
    expm1(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Expm1); },
    erf(this: TensorRecorder<T, L>): T { return this.applyUnary(Op.Erf); },
    atan2(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(Op.Atan2, other); },
    maximum(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(TensorBinary.Maximum, other); },
    minimum(this: TensorRecorder<T, L>, other: L): T { return this.applyBinary(TensorBinary.Minimum, other); },
    leakyRelu(this: TensorRecorder<T, L>, slope?: L): T { return this.applyBinary(TensorBinary.LeakyRelu, slope ?? (0.01 as L)); },
    gelu(this: TensorRecorder<T, L>, options?: { approximate?: 'tanh' | 'none' }): T { return this.applyUnary(this.pickVariant('gelu', options, 'approximate', { 'tanh': TensorUnary.Gelu, 'none': TensorUnary.GeluErf }, 'none')); },
  });
}
