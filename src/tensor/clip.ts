// Gradient clipping over a list of parameters, as torch.nn.utils does it:
// read every gradient, decide, write them back (TensorParam.grad is writable).

import { describe } from '../check.js';
import type { TypedData } from './backend.js';
import { TensorParam } from './param.js';
import { WasmgradArgumentError, WasmgradValueError } from '../errors.js';

function checkParams(op: string, params: readonly TensorParam[]): TensorParam[] {
  if (!Array.isArray(params)) throw new WasmgradArgumentError(`${op}: expected an array of parameters, got ${describe(params)}`);
  params.forEach((p, i) => {
    if (!(p instanceof TensorParam)) throw new WasmgradArgumentError(`${op}: parameter ${i} is ${describe(p)}, not a TensorParam`);
  });
  return params.filter((p) => p.requiresGrad);
}

/**
 * torch.nn.utils.clip_grad_norm_: the norm of all the gradients together (as
 * if concatenated), computed in f64; if it is above `maxNorm`, every gradient
 * is scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping.
 * `normType` is any p ≥ 1, or Infinity for the largest magnitude.
 */
export function clipGradNorm(params: readonly TensorParam[], maxNorm: number, normType = 2): number {
  const list = checkParams('clipGradNorm', params);
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new WasmgradValueError(`clipGradNorm: maxNorm must be a number ≥ 0, got ${describe(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType >= 1)) throw new WasmgradValueError(`clipGradNorm: normType must be a number ≥ 1 or Infinity, got ${describe(normType)}`);
  const grads: TypedData[] = list.map((p) => p.grad);
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]));
  } else {
    for (const g of grads) for (let i = 0; i < g.length; i++) total += Math.abs(g[i]) ** normType;
    total = total ** (1 / normType);
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    list.forEach((p, k) => {
      const g = grads[k];
      for (let i = 0; i < g.length; i++) g[i] *= coef;
      p.grad = g;
    });
  }
  return total;
}

/** torch.nn.utils.clip_grad_value_: every gradient element clamped to [−clipValue, clipValue]. */
export function clipGradValue(params: readonly TensorParam[], clipValue: number): void {
  const list = checkParams('clipGradValue', params);
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new WasmgradValueError(`clipGradValue: clipValue must be a number ≥ 0, got ${describe(clipValue)}`);
  for (const p of list) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) g[i] = Math.min(Math.max(g[i], -clipValue), clipValue);
    p.grad = g;
  }
}
