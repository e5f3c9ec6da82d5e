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
