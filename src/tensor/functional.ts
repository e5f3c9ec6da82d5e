// Losses and layers as functions of tensors (exported as `F`). crossEntropy,
// conv2d and the pools are one backend op each (plus a broadcast add for
// conv2d's bias); the other losses are compositions of primitives in
// numerically stable forms.

import { checkIndices, checkOptions, describe } from '../check.js';
import type { Conv2dArgs, Pool2dArgs } from './backend.js';
import * as S from './shape.js';
import { Tensor, indexList, indexTensor, make, where } from './tensor.js';
import { bceWithLogits, crossEntropyWith, mseLoss, type ClassLossOptions, type ReductionOptions } from './losses.js';
import { WasmgradArgumentError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

/**
 * Mean over the batch of −log softmax(logits)[target]: logits [B, C],
 * targets B class indices (numbers, a typed array or an int32 tensor). One
 * backend op (each row in f64, max subtracted before exp); its gradient to
 * the logits is (softmax − onehot)/B. With options (`weight` per class,
 * `labelSmoothing`, `reduction`) it is composed from logSoftmax, as
 * torch.nn.functional.cross_entropy defines them.
 */
export function crossEntropy(logits: Tensor, targets: Tensor | readonly number[] | ArrayLike<number>, options?: ClassLossOptions): Tensor {
  if (options !== undefined) {
    const o = checkOptions(options, 'crossEntropy', ['weight', 'labelSmoothing', 'reduction']);
    if (o.weight !== undefined || (o.labelSmoothing ?? 0) !== 0 || (o.reduction ?? 'mean') !== 'mean') return crossEntropyWith(logits, targets, o);
  }
  if (!(logits instanceof Tensor)) throw new WasmgradArgumentError(`crossEntropy: expected logits as a Tensor, got ${describe(logits)}`);
  if (logits.rank !== 2) throw new WasmgradShapeError(`crossEntropy: logits must be [batch, classes], got ${S.fmt(logits.shape)}`);
  S.checkFloat('crossEntropy', logits.dtype);
  const [B, C] = logits.shape;
  if (B === 0 || C === 0) throw new WasmgradShapeError(`crossEntropy: logits ${S.fmt(logits.shape)} have no ${B === 0 ? 'rows' : 'classes'}`);
  const eng = logits.owner.engine;
  const be = eng.tensorOps('crossEntropy');
  const list = indexList('crossEntropy', 'targets', targets);
  const t = list instanceof Tensor ? list.data() : list;
  if (t.length !== B) throw new WasmgradValueError(`crossEntropy: ${B} rows of logits but ${t.length} targets`);
  checkIndices('crossEntropy', t, C, (i, c) => `target ${i} is ${c}, not a class in 0..${C - 1}`);
  const classes = list instanceof Tensor ? list : indexTensor(eng, t as ArrayLike<number>);
  const id = be.run('CrossEntropy', [eng.tensorIdOf(logits, 'crossEntropy'), eng.tensorIdOf(classes, 'crossEntropy')], {});
  return make(eng, id, [], logits.dtype);
}

/** (pred − target)² over every element, averaged (or summed, or kept: `reduction`). */
export function mse(pred: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  return mseLoss(pred, target, options);
}

/**
 * −[y·log σ(x) + (1−y)·log(1−σ(x))] averaged (or `reduction`), in the
 * overflow-free form max(x, 0) − x·y + log(1 + e^(−|x|)).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options?: ReductionOptions): Tensor {
  return bceWithLogits(logits, targets, options);
}

export { l1, smoothL1, huber, bce, nll, klDiv, type Reduction, type ReductionOptions, type SmoothL1Options, type HuberOptions, type KlDivOptions, type ClassLossOptions } from './losses.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
}

/** x [N, C, H, W] ⋆ w [O, C, KH, KW] (+ bias [O]) → [N, O, HO, WO] (cross-correlation, as PyTorch). */
/**
 * x·Wᵀ + b (torch.nn.functional.linear): x [..., in], weight [out, in], bias
 * [out] → [..., out]. The core reads Wᵀ in place (a matmul with its second
 * operand transposed), so no transposed copy is made forward or backward.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new WasmgradArgumentError('linear: expected tensors for the input and the weight');
  const eng = x.owner.engine;
  const be = eng.tensorOps('linear');
  S.checkSameDtype('linear', x.dtype, weight.dtype);
  S.checkFloat('linear', x.dtype);
  if (weight.rank !== 2) throw new WasmgradShapeError(`linear: weight must be [out, in], got ${S.fmt(weight.shape)}`);
  if (x.rank === 0) throw new WasmgradValueError('linear: the input needs at least one dim');
  const [outFeatures, inFeatures] = weight.shape;
  if (x.shape[x.rank - 1] !== inFeatures) {
    throw new WasmgradShapeError(`linear: input ${S.fmt(x.shape)} and weight ${S.fmt(weight.shape)} are not aligned (the input's last dim must be ${inFeatures})`);
  }
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) throw new WasmgradArgumentError(`linear: bias must be a Tensor or null, got ${describe(bias)}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outFeatures)) throw new WasmgradShapeError(`linear: bias must be [${outFeatures}], got ${S.fmt(bias.shape)}`);
  const x2 = x.rank === 1 ? x.reshape([1, inFeatures]) : x;
  const outShape = S.checkSize('linear', [...x2.shape.slice(0, -1), outFeatures], 'the output, of shape');
  const id = be.run('Matmul', [eng.tensorIdOf(x2, 'linear'), eng.tensorIdOf(weight, 'linear')], { transA: false, transB: true });
  let out = make(eng, id, outShape, x.dtype);
  if (bias) out = out.add(bias);
  return x.rank === 1 ? out.reshape([outFeatures]) : out;
}

export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor {
  if (!(x instanceof Tensor) || !(w instanceof Tensor)) throw new WasmgradArgumentError('conv2d: expected tensors for the input and the weight');
  options = checkOptions(options, 'conv2d', ['stride', 'padding']);
  const eng = x.owner.engine;
  const be = eng.tensorOps('conv2d');
  S.checkSameDtype('conv2d', x.dtype, w.dtype);
  S.checkFloat('conv2d', x.dtype);
  const stride = S.pair('conv2d', 'stride', options.stride ?? 1);
  const padding = S.pair('conv2d', 'padding', options.padding ?? 0);
  const outShape = S.conv2dShape(x.shape, w.shape, stride, padding);
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) throw new WasmgradArgumentError(`conv2d: bias must be a Tensor or null, got ${describe(bias)}`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== w.shape[0])) {
    throw new WasmgradShapeError(`conv2d: bias must be [${w.shape[0]}], got ${S.fmt(bias.shape)}`);
  }
  const args: Conv2dArgs = { strideH: stride[0], strideW: stride[1], padH: padding[0], padW: padding[1] };
  const out = make(eng, be.run('Conv2d', [eng.tensorIdOf(x, 'conv2d'), eng.tensorIdOf(w, 'conv2d')], args), outShape, x.dtype);
  return bias ? out.add(bias.reshape([1, -1, 1, 1])) : out;
}

export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: number | [number, number];
  /** At most half the kernel. */
  padding?: number | [number, number];
}

function pool(op: 'maxPool2d' | 'avgPool2d', x: Tensor, kernel: number | [number, number], options: Pool2dOptions | undefined): Tensor {
  if (!(x instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected a Tensor, got ${describe(x)}`);
  options = checkOptions(options, op, ['stride', 'padding']);
  const eng = x.owner.engine;
  const be = eng.tensorOps(op);
  S.checkFloat(op, x.dtype);
  const k = S.pair(op, 'kernel size', kernel);
  const stride = S.pair(op, 'stride', options.stride ?? k);
  const padding = S.pair(op, 'padding', options.padding ?? 0);
  const outShape = S.pool2dShape(op, x.shape, k, stride, padding);
  const args: Pool2dArgs = { kernelH: k[0], kernelW: k[1], strideH: stride[0], strideW: stride[1], padH: padding[0], padW: padding[1] };
  const id = eng.tensorIdOf(x, op);
  return make(eng, be.run(op === 'maxPool2d' ? 'MaxPool2d' : 'AvgPool2d', [id], args), outShape, x.dtype);
}

/** Max over each window; the gradient goes to the first maximum of the window; padding never wins. */
export function maxPool2d(x: Tensor, kernel: number | [number, number], options?: Pool2dOptions): Tensor {
  return pool('maxPool2d', x, kernel, options);
}

/** Mean over each window; padding counts as zeros in the divisor (count_include_pad=True). */
export function avgPool2d(x: Tensor, kernel: number | [number, number], options?: Pool2dOptions): Tensor {
  return pool('avgPool2d', x, kernel, options);
}

export interface AttentionOptions {
  /** Mask out keys after each query (query i sees keys 0..i, the top-left aligned lower triangle, as PyTorch's is_causal). */
  isCausal?: boolean;
  /**
   * [L, S] or broadcastable to the scores [..., L, S]: an int32 mask (nonzero:
   * attend, as PyTorch's boolean mask where True takes part) or a float mask
   * added to the scores (−Infinity masks out).
   */
  attnMask?: Tensor;
  /** Default 1/√(the last dim of q). */
  scale?: number;
}

/**
 * softmax(q·kᵀ·scale + mask)·v (torch.nn.functional.scaled_dot_product_attention,
 * without dropout): q [..., L, E], k [..., S, E], v [..., S, Ev] → [..., L, Ev].
 * Composed from matmul, softmax and where, so it has every gradient they
 * have. A query row that every key is masked from gives NaN, as in PyTorch.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options?: AttentionOptions): Tensor {
  const op = 'scaledDotProductAttention';
  if (!(q instanceof Tensor) || !(k instanceof Tensor) || !(v instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected tensors for q, k and v`);
  const o = checkOptions(options, op, ['isCausal', 'attnMask', 'scale']);
  if (q.rank < 2 || k.rank < 2 || v.rank < 2) throw new WasmgradShapeError(`${op}: q, k and v need at least 2 dims ([..., seq, dim]), got ${S.fmt(q.shape)}, ${S.fmt(k.shape)}, ${S.fmt(v.shape)}`);
  const e = q.shape[q.rank - 1];
  if (k.shape[k.rank - 1] !== e) throw new WasmgradShapeError(`${op}: q ${S.fmt(q.shape)} and k ${S.fmt(k.shape)} differ in their last dim`);
  if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) throw new WasmgradShapeError(`${op}: k ${S.fmt(k.shape)} and v ${S.fmt(v.shape)} differ in their sequence length`);
  if (o.isCausal && o.attnMask !== undefined) throw new WasmgradArgumentError(`${op}: pass isCausal or attnMask, not both (as PyTorch)`);
  const scale = o.scale ?? 1 / Math.sqrt(e);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new WasmgradArgumentError(`${op}: scale must be a finite number, got ${describe(scale)}`);
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  const L = q.shape[q.rank - 2], Sk = k.shape[k.rank - 2];
  if (o.isCausal) {
    const eng = q.owner.engine;
    const mask = new Int32Array(L * Sk);
    for (let i = 0; i < L; i++) for (let j = 0; j <= Math.min(i, Sk - 1); j++) mask[i * Sk + j] = 1;
    const m = make(eng, eng.tensorOps(op).fromData(mask, [L, Sk], 'int32', false), [L, Sk], 'int32');
    scores = where(m, scores, -Infinity);
  } else if (o.attnMask !== undefined) {
    if (!(o.attnMask instanceof Tensor)) throw new WasmgradArgumentError(`${op}: attnMask must be a Tensor, got ${describe(o.attnMask)}`);
    scores = o.attnMask.dtype === 'int32' ? where(o.attnMask, scores, -Infinity) : scores.add(o.attnMask);
  }
  return scores.softmax(-1).matmul(v);
}
