// Weight initialisation with torch.nn.init's conventions: fans from the
// shape (fan_in = shape[1]·receptive field, fan_out = shape[0]·receptive
// field, receptive field = the product of shape[2:]) and calculate_gain's
// gains. Values are drawn in JS from a Random (the engine's unless given), so
// a seed gives the same weights on both backends. The helpers write into a
// TensorParam; the layers use the fill functions on their data before the
// parameter is made, so a layer is allocated once.

import { checkOptions, checkRng, describe } from '../check.js';
import type { Random } from '../random.js';
import type { TypedData } from './backend.js';
import { allocTyped } from './data.js';
import { TensorParam } from './param.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError } from '../errors.js';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

/** torch.nn.init.calculate_gain: the std a nonlinearity needs its input scaled by. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new WasmgradArgumentError(`calculateGain: unknown nonlinearity ${describe(nonlinearity)}; the known ones are linear, conv1d, conv2d, sigmoid, tanh, relu, leakyRelu, selu`);
  }
}

/** [fan_in, fan_out] of a weight of this shape, as torch.nn.init computes them. */
export function fans(shape: readonly number[], op = 'init'): [number, number] {
  if (shape.length < 2) throw new WasmgradShapeError(`${op}: fan in and fan out need a tensor of at least 2 dims, got shape [${shape.join(',')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

/** Fills `data` with U(lo, hi) draws. */
export function fillUniform(data: TypedData, lo: number, hi: number, rng: Random): void {
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(lo, hi);
}

/** Fills `data` with N(mean, std²) draws. */
export function fillNormal(data: TypedData, mean: number, std: number, rng: Random): void {
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
}

interface RngOption {
  /** Default: the engine's generator (`eng.rng`). */
  rng?: Random;
}

export interface KaimingOptions extends RngOption {
  /** The negative slope of leakyRelu (default 0; PyTorch's layers use √5). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

export interface XavierOptions extends RngOption {
  gain?: number;
}

/** Writes values drawn by `fill` into p (as one assign, so graphs built later read them). */
function write(op: string, p: TensorParam, fill: (data: TypedData, rng: Random) => void, rng: Random | undefined): TensorParam {
  if (!(p instanceof TensorParam)) throw new WasmgradArgumentError(`${op}: expected a TensorParam (eng.parameter or a layer's weight), got ${describe(p)}`);
  if (p.dtype === 'int32') throw new WasmgradDTypeError(`${op}: needs a float parameter, got int32`);
  const eng = p.owner.engine;
  const r = rng !== undefined ? checkRng(rng, op) : eng.tensorRng;
  let data: TypedData;
  try {
    data = allocTyped(p.dtype, p.size, op);
  } catch (err) {
    throw eng.memoryFailure(err, op);
  }
  fill(data, r);
  p.assign(data);
  return p;
}

function num(op: string, key: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new WasmgradArgumentError(`${op}: ${key} must be a finite number, got ${describe(x)}`);
  return x;
}

/** The std of kaiming_normal (the bound of kaiming_uniform is √3 times it). */
export function kaimingStd(shape: readonly number[], a: number, mode: FanMode, nonlinearity: Nonlinearity, op: string): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new WasmgradArgumentError(`${op}: mode must be 'fanIn' or 'fanOut', got ${describe(mode)}`);
  const [fanIn, fanOut] = fans(shape, op);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
}

/** torch.nn.init.kaiming_uniform_: U(±gain·√(3/fan)), gain for leakyRelu with slope a (default a = 0: √2). */
export function kaimingUniform(p: TensorParam, options?: KaimingOptions): TensorParam {
  const o = checkOptions(options, 'kaimingUniform', ['a', 'mode', 'nonlinearity', 'rng']);
  const bound = Math.sqrt(3) * kaimingStd(p.shape, num('kaimingUniform', 'a', o.a ?? 0), o.mode ?? 'fanIn', o.nonlinearity ?? 'leakyRelu', 'kaimingUniform');
  return write('kaimingUniform', p, (d, r) => fillUniform(d, -bound, bound, r), o.rng);
}

/** torch.nn.init.kaiming_normal_: N(0, (gain/√fan)²). */
export function kaimingNormal(p: TensorParam, options?: KaimingOptions): TensorParam {
  const o = checkOptions(options, 'kaimingNormal', ['a', 'mode', 'nonlinearity', 'rng']);
  const std = kaimingStd(p.shape, num('kaimingNormal', 'a', o.a ?? 0), o.mode ?? 'fanIn', o.nonlinearity ?? 'leakyRelu', 'kaimingNormal');
  return write('kaimingNormal', p, (d, r) => fillNormal(d, 0, std, r), o.rng);
}

/** The bound of xavier_uniform: gain·√(6/(fan_in + fan_out)). */
export function xavierBound(shape: readonly number[], gain: number, op: string): number {
  const [fanIn, fanOut] = fans(shape, op);
  return gain * Math.sqrt(6 / (fanIn + fanOut));
}

/** torch.nn.init.xavier_uniform_: U(±gain·√(6/(fan_in + fan_out))). */
export function xavierUniform(p: TensorParam, options?: XavierOptions): TensorParam {
  const o = checkOptions(options, 'xavierUniform', ['gain', 'rng']);
  const bound = xavierBound(p.shape, num('xavierUniform', 'gain', o.gain ?? 1), 'xavierUniform');
  return write('xavierUniform', p, (d, r) => fillUniform(d, -bound, bound, r), o.rng);
}

/** torch.nn.init.xavier_normal_: N(0, gain²·2/(fan_in + fan_out)). */
export function xavierNormal(p: TensorParam, options?: XavierOptions): TensorParam {
  const o = checkOptions(options, 'xavierNormal', ['gain', 'rng']);
  const [fanIn, fanOut] = fans(p.shape, 'xavierNormal');
  const std = num('xavierNormal', 'gain', o.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return write('xavierNormal', p, (d, r) => fillNormal(d, 0, std, r), o.rng);
}

/** torch.nn.init.normal_: N(mean, std²), default N(0, 1). */
export function normal(p: TensorParam, options?: RngOption & { mean?: number; std?: number }): TensorParam {
  const o = checkOptions(options, 'normal', ['mean', 'std', 'rng']);
  const mean = num('normal', 'mean', o.mean ?? 0), std = num('normal', 'std', o.std ?? 1);
  return write('normal', p, (d, r) => fillNormal(d, mean, std, r), o.rng);
}

/** torch.nn.init.uniform_: U(a, b), default U(0, 1). */
export function uniform(p: TensorParam, options?: RngOption & { a?: number; b?: number }): TensorParam {
  const o = checkOptions(options, 'uniform', ['a', 'b', 'rng']);
  const a = num('uniform', 'a', o.a ?? 0), b = num('uniform', 'b', o.b ?? 1);
  return write('uniform', p, (d, r) => fillUniform(d, a, b, r), o.rng);
}

/** Every element `value` (draws nothing). */
export function constant(p: TensorParam, value: number): TensorParam {
  const v = num('constant', 'value', value);
  return write('constant', p, (d) => d.fill(v), undefined);
}

export function zeros(p: TensorParam): TensorParam { return constant(p, 0); }
export function ones(p: TensorParam): TensorParam { return constant(p, 1); }
