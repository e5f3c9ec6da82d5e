// Optimizer steps over parameter slots, with their update loops. Staged: the
// slot lists, one after another. Each update is computed in f64 and stored in
// the slot's dtype.

import { ErrorCode, fail } from "../../errors";
import { DType, slotLive, slotData, slotGrad, slotSize, slotDtype } from "../tape";
import { STAGE_INTS, staged } from "./shape";

function sameSlots(p: i32, q: i32): bool {
  return slotLive(p) && slotLive(q) && slotSize(p) == slotSize(q) && slotDtype(p) == slotDtype(q);
}

/** Validates `lists` slot lists of `count` slots each (staged one after another); the first must have gradients. */
function validSlotLists(count: i32, lists: i32): bool {
  if (count < 0 || count > STAGE_INTS / lists) return false;
  for (let k = 0; k < count; k++) {
    let p = staged(k);
    if (!slotLive(p) || slotGrad(p) == 0 || slotDtype(p) == DType.I32) return false;
    for (let l = 1; l < lists; l++) if (!sameSlots(p, staged(l * count + k))) return false;
  }
  return true;
}

export function sgdStep(count: i32, lr: f64, momentum: f64, weightDecay: f64, firstStep: bool): i32 {
  if (!validSlotLists(count, momentum != 0 ? 2 : 1)) return fail(ErrorCode.BadSlot);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let v: usize = momentum != 0 ? slotData(staged(count + k)) : 0;
    sgdLoopRun(slotDtype(s), slotData(s), slotGrad(s), v, slotSize(s), lr, momentum, weightDecay, firstStep);
  }
  return 0;
}

// f32 → two f64x2 halves and back: the SIMD rows compute in f64 and round
// once, exactly as the scalar loop does, four elements at a time.
@inline function lowF64(x: v128): v128 { return f64x2.promote_low_f32x4(x); }
@inline function highF64(x: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 0)); }
@inline function packF32(lo: v128, hi: v128): v128 { return v128.shuffle<i64>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2); }

function sgdLoop<T>(p: usize, g: usize, v: usize, n: i32, lr: f64, momentum: f64, weightDecay: f64, firstStep: bool): void {
  let sh = alignof<T>();
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (sizeof<T>() == 4) { // the scalar loop below, four elements at a time
      let vlr = f64x2.splat(lr), vwd = f64x2.splat(weightDecay), vmom = f64x2.splat(momentum);
      for (; i + 4 <= n; i += 4) {
        let o = <usize>i << 2;
        let P = v128.load(p + o), G = v128.load(g + o);
        let p0 = lowF64(P), p1 = highF64(P);
        let g0 = f64x2.add(lowF64(G), f64x2.mul(vwd, p0));
        let g1 = f64x2.add(highF64(G), f64x2.mul(vwd, p1));
        if (v) {
          if (!firstStep) {
            let V = v128.load(v + o);
            g0 = f64x2.add(f64x2.mul(vmom, lowF64(V)), g0);
            g1 = f64x2.add(f64x2.mul(vmom, highF64(V)), g1);
          }
          let vs = packF32(g0, g1);
          v128.store(v + o, vs);
          g0 = lowF64(vs);
          g1 = highF64(vs);
        }
        v128.store(p + o, packF32(f64x2.sub(p0, f64x2.mul(vlr, g0)), f64x2.sub(p1, f64x2.mul(vlr, g1))));
      }
    }
  }
  for (; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o) + weightDecay * pi;
    if (v) {
      let vi = <T>(firstStep ? gi : momentum * <f64>load<T>(v + o) + gi);
      store<T>(v + o, vi);
      gi = <f64>vi; // the step uses the velocity as stored, as PyTorch's does
    }
    store<T>(p + o, <T>(pi - lr * gi));
  }
}

/** sgdLoop in dtype's element type (f32 or f64). */
function sgdLoopRun(dtype: i32, p: usize, g: usize, v: usize, n: i32, lr: f64, momentum: f64, weightDecay: f64, firstStep: bool): void {
  if (dtype == DType.F32) sgdLoop<f32>(p, g, v, n, lr, momentum, weightDecay, firstStep);
  else sgdLoop<f64>(p, g, v, n, lr, momentum, weightDecay, firstStep);
}

export function adamStep(count: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, decoupled: bool, step: i32): i32 {
  if (step < 1) return fail(ErrorCode.BadArgument);
  if (!validSlotLists(count, 3)) return fail(ErrorCode.BadSlot);
  let c1 = 1 - Math.pow(beta1, <f64>step);
  let c2 = 1 - Math.pow(beta2, <f64>step);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let m = slotData(staged(count + k)), v = slotData(staged(2 * count + k));
    adamLoopRun(slotDtype(s), slotData(s), slotGrad(s), m, v, slotSize(s), lr, beta1, beta2, eps, weightDecay, decoupled, c1, c2);
  }
  return 0;
}

function adamLoop<T>(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                     weightDecay: f64, decoupled: bool, c1: f64, c2: f64): void {
  let sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o);
    if (decoupled) pi -= lr * weightDecay * pi;
    else gi += weightDecay * pi;
    let mi = beta1 * <f64>load<T>(m + o) + (1 - beta1) * gi;
    let vi = beta2 * <f64>load<T>(v + o) + (1 - beta2) * gi * gi;
    store<T>(m + o, <T>mi);
    store<T>(v + o, <T>vi);
    store<T>(p + o, <T>(pi - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps)));
  }
}

/** adamLoop in dtype's element type (f32 or f64). */
function adamLoopRun(dtype: i32, p: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64,
                     weightDecay: f64, decoupled: bool, c1: f64, c2: f64): void {
  if (dtype == DType.F32) adamLoop<f32>(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, c1, c2);
  else adamLoop<f64>(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, c1, c2);
}

// SGD with dampening or Nesterov momentum, RMSprop and Adagrad. Each state
// buffer is stored in the slot's dtype and read back as stored before it is
// used, as PyTorch's updates (in the parameter's dtype) use them.

export function sgdMomentumStep(count: i32, lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: bool, firstStep: bool): i32 {
  if (!(momentum > 0) || (nesterov && dampening != 0)) return fail(ErrorCode.BadArgument);
  if (!validSlotLists(count, 2)) return fail(ErrorCode.BadSlot);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let v = slotData(staged(count + k));
    if (slotDtype(s) == DType.F32) sgdMomentumLoop<f32>(slotData(s), slotGrad(s), v, slotSize(s), lr, momentum, dampening, weightDecay, nesterov, firstStep);
    else sgdMomentumLoop<f64>(slotData(s), slotGrad(s), v, slotSize(s), lr, momentum, dampening, weightDecay, nesterov, firstStep);
  }
  return 0;
}

function sgdMomentumLoop<T>(p: usize, g: usize, v: usize, n: i32, lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: bool, firstStep: bool): void {
  let sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o) + weightDecay * pi;
    store<T>(v + o, <T>(firstStep ? gi : momentum * <f64>load<T>(v + o) + (1 - dampening) * gi));
    let vi = <f64>load<T>(v + o);
    store<T>(p + o, <T>(pi - lr * (nesterov ? gi + momentum * vi : vi)));
  }
}

/** Staged: parameters, square averages, then (momentum > 0) momentum buffers, then (centered) gradient averages. */
export function rmspropStep(count: i32, lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64, centered: bool): i32 {
  let lists = 2 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0);
  if (!validSlotLists(count, lists)) return fail(ErrorCode.BadSlot);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let next = 2;
    let v = slotData(staged(count + k));
    let buf: usize = momentum > 0 ? slotData(staged(next++ * count + k)) : 0;
    let avg: usize = centered ? slotData(staged(next * count + k)) : 0;
    if (slotDtype(s) == DType.F32) rmspropLoop<f32>(slotData(s), slotGrad(s), v, buf, avg, slotSize(s), lr, alpha, eps, weightDecay, momentum);
    else rmspropLoop<f64>(slotData(s), slotGrad(s), v, buf, avg, slotSize(s), lr, alpha, eps, weightDecay, momentum);
  }
  return 0;
}

function rmspropLoop<T>(p: usize, g: usize, v: usize, buf: usize, avg: usize, n: i32, lr: f64, alpha: f64, eps: f64, weightDecay: f64, momentum: f64): void {
  let sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o) + weightDecay * pi;
    store<T>(v + o, <T>(alpha * <f64>load<T>(v + o) + (1 - alpha) * gi * gi));
    let vhat = <f64>load<T>(v + o);
    if (avg) {
      store<T>(avg + o, <T>(alpha * <f64>load<T>(avg + o) + (1 - alpha) * gi));
      let a = <f64>load<T>(avg + o);
      vhat -= a * a;
    }
    let d = Math.sqrt(vhat) + eps;
    if (buf) {
      store<T>(buf + o, <T>(momentum * <f64>load<T>(buf + o) + gi / d));
      store<T>(p + o, <T>(pi - lr * <f64>load<T>(buf + o)));
    } else {
      store<T>(p + o, <T>(pi - (lr * gi) / d));
    }
  }
}

/** Staged: parameters, then their sums of squared gradients. `lr` is this step's, decay already applied. */
export function adagradStep(count: i32, lr: f64, weightDecay: f64, eps: f64): i32 {
  if (!validSlotLists(count, 2)) return fail(ErrorCode.BadSlot);
  for (let k = 0; k < count; k++) {
    let s = staged(k);
    let sum = slotData(staged(count + k));
    if (slotDtype(s) == DType.F32) adagradLoop<f32>(slotData(s), slotGrad(s), sum, slotSize(s), lr, weightDecay, eps);
    else adagradLoop<f64>(slotData(s), slotGrad(s), sum, slotSize(s), lr, weightDecay, eps);
  }
  return 0;
}

function adagradLoop<T>(p: usize, g: usize, sum: usize, n: i32, lr: f64, weightDecay: f64, eps: f64): void {
  let sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    let o = <usize>i << sh;
    let pi = <f64>load<T>(p + o);
    let gi = <f64>load<T>(g + o) + weightDecay * pi;
    store<T>(sum + o, <T>(<f64>load<T>(sum + o) + gi * gi));
    store<T>(p + o, <T>(pi - (lr * gi) / (Math.sqrt(<f64>load<T>(sum + o)) + eps)));
  }
}
