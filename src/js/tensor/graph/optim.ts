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

// SGD with dampening or Nesterov momentum, RMSprop and Adagrad: each state
// element is stored (rounded to the slot's dtype) and then read back, as the
// core's loops do.

export function sgdMomentumStep(
  t: TensorTape, params: readonly number[], velocity: readonly number[],
  lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
): void {
  for (let k = 0; k < params.length; k++) {
    const s = t.slots[params[k]]!;
    const p = s.data, gr = s.grad;
    const v = t.slots[velocity[k]]!.data;
    for (let i = 0; i < p.length; i++) {
      const g = gr[i] + weightDecay * p[i];
      v[i] = firstStep ? g : momentum * v[i] + (1 - dampening) * g;
      p[i] = p[i] - lr * (nesterov ? g + momentum * v[i] : v[i]);
    }
  }
}

export function rmspropStep(
  t: TensorTape, params: readonly number[], squareAverages: readonly number[], momentumBuffers: readonly number[], gradAverages: readonly number[],
  lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean,
): void {
  for (let k = 0; k < params.length; k++) {
    const s = t.slots[params[k]]!;
    const p = s.data, gr = s.grad;
    const v = t.slots[squareAverages[k]]!.data;
    const buf = momentum > 0 ? t.slots[momentumBuffers[k]]!.data : null;
    const avg = centered ? t.slots[gradAverages[k]]!.data : null;
    for (let i = 0; i < p.length; i++) {
      const pi = p[i];
      const g = gr[i] + weightDecay * pi;
      v[i] = alpha * v[i] + (1 - alpha) * g * g;
      let vhat = v[i];
      if (avg !== null) {
        avg[i] = alpha * avg[i] + (1 - alpha) * g;
        vhat -= avg[i] * avg[i];
      }
      const d = Math.sqrt(vhat) + eps;
      if (buf !== null) {
        buf[i] = momentum * buf[i] + g / d;
        p[i] = pi - lr * buf[i];
      } else {
        p[i] = pi - (lr * g) / d;
      }
    }
  }
}

export function adagradStep(t: TensorTape, params: readonly number[], sums: readonly number[], lr: number, weightDecay: number, eps: number): void {
  for (let k = 0; k < params.length; k++) {
    const s = t.slots[params[k]]!;
    const p = s.data, gr = s.grad;
    const sum = t.slots[sums[k]]!.data;
    for (let i = 0; i < p.length; i++) {
      const pi = p[i];
      const g = gr[i] + weightDecay * pi;
      sum[i] = sum[i] + g * g;
      p[i] = pi - (lr * g) / (Math.sqrt(sum[i]) + eps);
    }
  }
}
