// The losses of torch.nn.functional beyond crossEntropy's fused kernel,
// composed from primitives (so their gradients, and later their second
// derivatives, come from the primitives' rules), each with PyTorch's
// `reduction`: 'mean' (default), 'sum' or 'none' (one loss per element, or
// per row for the class losses).

import { checkIndices, checkOptions, describe } from '../check.js';
import * as S from './shape.js';
import { Tensor, indexList, where } from './tensor.js';
import { WasmgradArgumentError, WasmgradShapeError, WasmgradValueError } from '../errors.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /** 'mean' (default), 'sum' or 'none', as PyTorch. */
  reduction?: Reduction;
}

function reductionOf(op: string, options: ReductionOptions | undefined, extra: readonly string[] = []): Reduction {
  const o = checkOptions(options, op, ['reduction', ...extra]);
  const r = o.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new WasmgradArgumentError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${describe(r)}`);
  return r;
}

function reduce(t: Tensor, r: Reduction): Tensor {
  return r === 'none' ? t : r === 'sum' ? t.sum() : t.mean();
}

/** A loss's two operands: float tensors of one shape (a loss compares elements one to one; it does not broadcast). */
export function lossOperands(op: string, a: unknown, b: unknown, names: [string, string]): void {
  if (!(a instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected ${names[0]} as a Tensor, got ${describe(a)}`);
  if (!(b instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected ${names[1]} as a Tensor, got ${describe(b)}`);
  if (!S.sameShape(a.shape, b.shape)) {
    throw new WasmgradShapeError(`${op}: ${names[0]} has shape ${S.fmt(a.shape)} and ${names[1]} ${S.fmt(b.shape)}; a loss compares elements one to one (reshape one of them)`);
  }
  S.checkFloat(op, a.dtype);
  S.checkSameDtype(op, a.dtype, b.dtype);
}

/** |pred − target| (torch.nn.functional.l1_loss); gradient sign(pred − target), 0 where they are equal. */
export function l1(pred: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const r = reductionOf('l1', options);
  lossOperands('l1', pred, target, ['pred', 'target']);
  return reduce(pred.sub(target).abs(), r);
}

export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1, as PyTorch; 0 gives l1). */
  beta?: number;
}

/** torch.nn.functional.smooth_l1_loss: 0.5·d²/beta where |d| < beta, |d| − 0.5·beta elsewhere (d = pred − target). */
export function smoothL1(pred: Tensor, target: Tensor, options?: SmoothL1Options): Tensor {
  const r = reductionOf('smoothL1', options, ['beta']);
  const beta = options?.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw new WasmgradValueError(`smoothL1: beta must be a number ≥ 0, got ${describe(beta)}`);
  lossOperands('smoothL1', pred, target, ['pred', 'target']);
  const a = pred.sub(target).abs();
  if (beta === 0) return reduce(a, r);
  return reduce(where(a.lt(beta), a.mul(a).mul(0.5 / beta), a.sub(0.5 * beta), 'smoothL1'), r);
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1, as PyTorch). */
  delta?: number;
}

/** torch.nn.functional.huber_loss: 0.5·d² where |d| ≤ delta, delta·(|d| − 0.5·delta) elsewhere; smoothL1 times delta when beta = delta. */
export function huber(pred: Tensor, target: Tensor, options?: HuberOptions): Tensor {
  const r = reductionOf('huber', options, ['delta']);
  const delta = options?.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0)) throw new WasmgradValueError(`huber: delta must be a number > 0, got ${describe(delta)}`);
  lossOperands('huber', pred, target, ['pred', 'target']);
  const a = pred.sub(target).abs();
  return reduce(where(a.le(delta), a.mul(a).mul(0.5), a.sub(0.5 * delta).mul(delta), 'huber'), r);
}

/** (pred − target)² (torch.nn.functional.mse_loss). */
export function mseLoss(pred: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const r = reductionOf('mse', options);
  lossOperands('mse', pred, target, ['pred', 'target']);
  const d = pred.sub(target);
  return reduce(d.mul(d), r);
}

/**
 * Binary cross-entropy on probabilities (torch.nn.functional.binary_cross_entropy):
 * −[y·log p + (1 − y)·log(1 − p)], each log clamped at −100 as PyTorch does so
 * that p = 0 or 1 gives a finite loss. Prefer binaryCrossEntropyWithLogits on
 * logits: it is exact where σ saturates.
 */
export function bce(probs: Tensor, targets: Tensor, options?: ReductionOptions): Tensor {
  const r = reductionOf('bce', options);
  lossOperands('bce', probs, targets, ['probs', 'targets']);
  const logP = probs.log().clamp(-100);
  const log1mP = probs.neg().log1p().clamp(-100);
  return reduce(targets.mul(logP).add(targets.neg().add(1).mul(log1mP)).neg(), r);
}

/** −[y·log σ(x) + (1−y)·log(1−σ(x))] in the overflow-free form max(x, 0) − x·y + log(1 + e^(−|x|)). */
export function bceWithLogits(logits: Tensor, targets: Tensor, options?: ReductionOptions): Tensor {
  const r = reductionOf('binaryCrossEntropyWithLogits', options);
  lossOperands('binaryCrossEntropyWithLogits', logits, targets, ['logits', 'targets']);
  return reduce(logits.relu().sub(logits.mul(targets)).add(logits.abs().neg().exp().log1p()), r);
}

export interface KlDivOptions {
  /** 'mean' (default: over every element, as PyTorch), 'batchmean' (the sum ÷ the batch, the true KL per sample), 'sum' or 'none'. */
  reduction?: Reduction | 'batchmean';
  /** The target is log-probabilities too (default false). */
  logTarget?: boolean;
}

/**
 * torch.nn.functional.kl_div(input, target): input holds log-probabilities,
 * target probabilities (or log-probabilities with logTarget); pointwise
 * target·(log target − input), 0 where target is 0.
 */
export function klDiv(input: Tensor, target: Tensor, options?: KlDivOptions): Tensor {
  const o = checkOptions(options, 'klDiv', ['reduction', 'logTarget']);
  const r = o.reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none' && r !== 'batchmean') {
    throw new WasmgradArgumentError(`klDiv: reduction must be 'mean', 'batchmean', 'sum' or 'none', got ${describe(r)}`);
  }
  lossOperands('klDiv', input, target, ['input', 'target']);
  let pointwise: Tensor;
  if (o.logTarget) pointwise = target.exp().mul(target.sub(input));
  else {
    // xlogy: 0·log 0 = 0, so a zero target contributes nothing (and no NaN gradient).
    const positive = target.gt(0);
    const safe = where(positive, target, 1, 'klDiv');
    pointwise = where(positive, target.mul(safe.log().sub(input)), 0, 'klDiv');
  }
  if (r === 'batchmean') return pointwise.sum().div(input.rank === 0 ? 1 : input.shape[0]);
  return reduce(pointwise, r);
}

export interface ClassLossOptions extends ReductionOptions {
  /** A weight per class ([C] numbers or a tensor): each row's loss is scaled by its target's weight, and 'mean' divides by the sum of those weights, as PyTorch. */
  weight?: Tensor | readonly number[];
  /** crossEntropy only: mixes the one-hot target with the uniform distribution, (1 − ε)·onehot + ε/C (PyTorch's label_smoothing). */
  labelSmoothing?: number;
}

/** The class indices and one-hot mask of a class loss's targets, checked against [B, C] scores. */
function classTargets(op: string, scores: Tensor, targets: Tensor | readonly number[] | ArrayLike<number>): { onehot: Tensor } {
  if (!(scores instanceof Tensor)) throw new WasmgradArgumentError(`${op}: expected the scores as a Tensor, got ${describe(scores)}`);
  if (scores.rank !== 2) throw new WasmgradShapeError(`${op}: expected [batch, classes], got ${S.fmt(scores.shape)}`);
  S.checkFloat(op, scores.dtype);
  const [B, C] = scores.shape;
  if (B === 0 || C === 0) throw new WasmgradShapeError(`${op}: ${S.fmt(scores.shape)} has no ${B === 0 ? 'rows' : 'classes'}`);
  const list = indexList(op, 'targets', targets);
  const t = list instanceof Tensor ? list.data() : list;
  if (t.length !== B) throw new WasmgradValueError(`${op}: ${B} rows but ${t.length} targets`);
  checkIndices(op, t, C, (i, c) => `target ${i} is ${c}, not a class in 0..${C - 1}`);
  const classes = t as ArrayLike<number>;
  const mask = new Float64Array(B * C);
  for (let i = 0; i < B; i++) mask[i * C + classes[i]] = 1;
  return { onehot: scores.engine.tensor(mask, [B, C], { dtype: scores.dtype }) };
}

function classWeights(op: string, scores: Tensor, weight: ClassLossOptions['weight']): Tensor | null {
  if (weight === undefined) return null;
  const C = scores.shape[1];
  const w = weight instanceof Tensor ? weight : Array.isArray(weight) ? scores.engine.tensor(weight, [weight.length], { dtype: scores.dtype }) : null;
  if (w === null) throw new WasmgradArgumentError(`${op}: weight must be a tensor or an array of numbers, got ${describe(weight)}`);
  if (w.rank !== 1 || w.shape[0] !== C) throw new WasmgradShapeError(`${op}: weight must have one entry per class ([${C}]), got ${S.fmt(w.shape)}`);
  return w.detach();
}

/**
 * torch.nn.functional.nll_loss: logProbs [B, C] (from logSoftmax), targets B
 * class indices; loss_i = −w[t_i]·logProbs[i, t_i]; 'mean' divides by Σ w[t_i].
 */
export function nll(logProbs: Tensor, targets: Tensor | readonly number[] | ArrayLike<number>, options?: ClassLossOptions): Tensor {
  const r = reductionOf('nll', options, ['weight']);
  const { onehot } = classTargets('nll', logProbs, targets);
  const w = classWeights('nll', logProbs, options?.weight);
  const picked = w === null ? onehot : onehot.mul(w); // each row holds w[t_i] at its target
  const perRow = logProbs.mul(picked).sum(1).neg();
  if (r === 'none') return perRow;
  if (r === 'sum' || w === null) return reduce(perRow, r);
  return perRow.sum().div(picked.sum());
}

/**
 * crossEntropy with PyTorch's options, composed from logSoftmax: class
 * weights, label smoothing and the reduction. (Without options, F.crossEntropy
 * is one fused op.) With smoothing ε over C classes, loss_i = (1 − ε)·nll_i +
 * ε·Σ_c w_c·(−logp_ic)/C; 'mean' divides both parts by Σ w[t_i], as PyTorch.
 */
export function crossEntropyWith(logits: Tensor, targets: Tensor | readonly number[] | ArrayLike<number>, options: ClassLossOptions): Tensor {
  const r = reductionOf('crossEntropy', options, ['weight', 'labelSmoothing']);
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw new WasmgradValueError(`crossEntropy: labelSmoothing must be a number in [0, 1], got ${describe(eps)}`);
  const { onehot } = classTargets('crossEntropy', logits, targets);
  const w = classWeights('crossEntropy', logits, options.weight);
  const logp = logits.logSoftmax(1);
  const C = logits.shape[1];
  const picked = w === null ? onehot : onehot.mul(w);
  let perRow = logp.mul(picked).sum(1).neg();
  if (eps > 0) {
    const smooth = (w === null ? logp : logp.mul(w)).sum(1).neg().div(C);
    perRow = perRow.mul(1 - eps).add(smooth.mul(eps));
  }
  if (r === 'none') return perRow;
  if (r === 'sum' || w === null) return reduce(perRow, r);
  return perRow.sum().div(picked.sum());
}
