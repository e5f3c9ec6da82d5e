// Optimizer steps (assembly/tensor/graph/optim.ts): in place on slots, after
// backward has filled their gradients. No node is recorded.

import type { TensorTape } from '../tape.js';

export function sgdStep(
  t: TensorTape, params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean,
): void {
  for (let k = 0; k < params.length; k++) {
    const s = t.slots[params[k]]!;
    const p = s.data, gr = s.grad;
    const v = momentum !== 0 ? t.slots[velocity[k]]!.data : null;
    for (let i = 0; i < p.length; i++) {
      let g = gr[i] + weightDecay * p[i];
      if (v) {
        v[i] = firstStep ? g : momentum * v[i] + g;
        g = v[i]; // the velocity as stored (rounded to the slot's dtype), as PyTorch steps with it
      }
      p[i] = p[i] - lr * g;
    }
  }
}

export function adamStep(
  t: TensorTape, params: readonly number[], m: readonly number[], v: readonly number[],
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
): void {
  const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
  for (let k = 0; k < params.length; k++) {
    const s = t.slots[params[k]]!;
    const p = s.data, gr = s.grad;
    const md = t.slots[m[k]]!.data, vd = t.slots[v[k]]!.data;
    for (let i = 0; i < p.length; i++) {
      let pi = p[i];
      let g = gr[i];
      if (decoupled) pi -= lr * weightDecay * pi;
      else g += weightDecay * pi;
      const mi = beta1 * md[i] + (1 - beta1) * g;
      const vi = beta2 * vd[i] + (1 - beta2) * g * g;
      md[i] = mi;
      vd[i] = vi;
      p[i] = pi - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
    }
  }
}
