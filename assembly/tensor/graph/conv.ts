// Convolution and pooling over NCHW images: conv2d as im2col + gemm, max and
// average pooling. The per-image loops are ../conv.ts's, the products ../gemm.ts's.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import {
  F, elementShift, geti, seti, iattr, setIattr, dimOf, rankOf, dtypeOf, dataOf, gradPtrOf,
  requiresGrad, pushNode, gradBuffer, arenaAlloc, mark, rollback,
  MAX_ELEMENTS,
} from "../tape";
import { gemmRun, gemmReady } from "../gemm";
import { im2colRun, col2imRun, poolForwardRun, poolBackwardRun } from "../conv";
import { sget, outShape, sset, isTensor, isFloat, validShape, gradFlag } from "./shape";

// ── Conv2d ──  per image: out = W @ im2col(x); dW += G @ colsᵀ; dx += col2im(Wᵀ @ G)

/** `attrs`: strideH, strideW, padH, padW, one i32 each. */
export function conv2d(x: i32, w: i32, attrs: usize): i32 {
  if (!isTensor(x) || !isTensor(w)) return fail(ErrorCode.BadTensor);
  if (!isFloat(x) || dtypeOf(x) != dtypeOf(w)) return fail(ErrorCode.BadDType);
  if (rankOf(x) != 4 || rankOf(w) != 4 || dimOf(x, 1) != dimOf(w, 1)) return fail(ErrorCode.BadShape);
  let sh = sget(attrs, 0), sw = sget(attrs, 1), ph = sget(attrs, 2), pw = sget(attrs, 3);
  if (sh < 1 || sw < 1 || ph < 0 || pw < 0) return fail(ErrorCode.BadArgument);
  // i64 throughout: paddings near 2^31 must not wrap into a plausible size
  let spanH = <i64>dimOf(x, 2) + 2 * <i64>ph - dimOf(w, 2), spanW = <i64>dimOf(x, 3) + 2 * <i64>pw - dimOf(w, 3);
  if (spanH < 0 || spanW < 0) return fail(ErrorCode.BadShape);
  let HO = spanH / sh + 1, WO = spanW / sw + 1;
  let cols = <i64>dimOf(x, 1) * dimOf(w, 2) * dimOf(w, 3) * HO * WO; // im2col's buffer
  if (HO > MAX_ELEMENTS || WO > MAX_ELEMENTS || cols > MAX_ELEMENTS) return fail(ErrorCode.BadShape);
  sset(outShape, 0, dimOf(x, 0));
  sset(outShape, 1, dimOf(w, 0));
  sset(outShape, 2, <i32>HO);
  sset(outShape, 3, <i32>WO);
  if (!validShape(4, outShape)) return fail(ErrorCode.BadShape);
  if (!gemmReady()) return fail(ErrorCode.OutOfMemory);
  mark();
  let id = pushNode(NodeKind.Conv2d, dtypeOf(x), 4, outShape, x, w, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, sh); setIattr(id, 1, sw); setIattr(id, 2, ph); setIattr(id, 3, pw);
  seti(id, F.Flags, gradFlag(x, w, -1));
  if (!convRun(id, false)) { rollback(); return fail(ErrorCode.OutOfMemory); }
  return id;
}

/** Bytes of one im2col buffer of conv node id (a column per output pixel, C·KH·KW rows). */
function convColsBytes(id: i32): usize {
  let x = geti(id, F.A), w = geti(id, F.B);
  let rows = <usize>dimOf(x, 1) * dimOf(w, 2) * dimOf(w, 3);
  return (((rows * dimOf(id, 2) * dimOf(id, 3)) << elementShift(dtypeOf(x))) + 15) & ~15;
}

/** Arena bytes the backward of conv node id allocates for itself: the columns and their gradient. */
export function convScratch(id: i32): usize { return convColsBytes(id) << 1; }

/** Forward (back = false) or backward of conv node id; false, with nothing written, if its scratch cannot be had (forward only: backward() reserves it). */
export function convRun(id: i32, back: bool): bool {
  let x = geti(id, F.A), w = geti(id, F.B);
  let N = dimOf(x, 0), C = dimOf(x, 1), H = dimOf(x, 2), W = dimOf(x, 3);
  let O = dimOf(w, 0), KH = dimOf(w, 2), KW = dimOf(w, 3);
  let sh = iattr(id, 0), sw = iattr(id, 1), ph = iattr(id, 2), pw = iattr(id, 3);
  let HO = dimOf(id, 2), WO = dimOf(id, 3);
  let CKK = C * KH * KW, P = HO * WO;
  let dtype = dtypeOf(x);
  let es = elementShift(dtype);
  let cols = arenaAlloc(<usize>(CKK * P) << es);
  if (cols == 0) return false;
  let dcols: usize = back && requiresGrad(x) ? arenaAlloc(<usize>(CKK * P) << es) : 0;
  let gw: usize = back && requiresGrad(w) ? gradBuffer(w) : 0;
  let gx: usize = dcols ? gradBuffer(x) : 0;
  for (let n = 0; n < N; n++) {
    let xn = dataOf(x) + (<usize>(n * C * H * W) << es);
    let on = (<usize>(n * O * P)) << es;
    if (!back || gw) im2colRun(dtype, xn, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, cols);
    if (!back) {
      gemmRun(dtype, false, false, O, P, CKK, dataOf(w), CKK, cols, P, dataOf(id) + on, P, false);
      continue;
    }
    let g = gradPtrOf(id) + on;
    if (gw) gemmRun(dtype, false, true, O, CKK, P, g, P, cols, P, gw, CKK, true);
    if (dcols) {
      let gxn = gx + (<usize>(n * C * H * W) << es);
      gemmRun(dtype, true, false, CKK, P, O, dataOf(w), CKK, g, P, dcols, P, false);
      col2imRun(dtype, dcols, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, gxn);
    }
  }
  return true;
}

// ── MaxPool2d / AvgPool2d ──

/** `attrs`: kernelH, kernelW, strideH, strideW, padH, padW, one i32 each. */
export function pool2d(isMax: bool, x: i32, attrs: usize): i32 {
  if (!isTensor(x)) return fail(ErrorCode.BadTensor);
  if (!isFloat(x)) return fail(ErrorCode.BadDType);
  if (rankOf(x) != 4) return fail(ErrorCode.BadShape);
  let kh = sget(attrs, 0), kw = sget(attrs, 1), sh = sget(attrs, 2), sw = sget(attrs, 3), ph = sget(attrs, 4), pw = sget(attrs, 5);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || 2 * <i64>ph > kh || 2 * <i64>pw > kw) return fail(ErrorCode.BadArgument);
  let H = dimOf(x, 2), W = dimOf(x, 3);
  if (<i64>H + 2 * ph < kh || <i64>W + 2 * pw < kw) return fail(ErrorCode.BadShape); // ph ≤ kh/2: no overflow
  sset(outShape, 0, dimOf(x, 0));
  sset(outShape, 1, dimOf(x, 1));
  sset(outShape, 2, (H + 2 * ph - kh) / sh + 1);
  sset(outShape, 3, (W + 2 * pw - kw) / sw + 1);
  let id = pushNode(isMax ? NodeKind.MaxPool2d : NodeKind.AvgPool2d, dtypeOf(x), 4, outShape, x, -1, -1, 0);
  if (id < 0) return id;
  for (let k = 0; k < 6; k++) setIattr(id, k, sget(attrs, k));
  seti(id, F.Flags, gradFlag(x, -1, -1));
  let planes = dimOf(x, 0) * dimOf(x, 1);
  poolForwardRun(dtypeOf(x), isMax, dataOf(x), planes, H, W, kh, kw, sh, sw, ph, pw, dimOf(id, 2), dimOf(id, 3), dataOf(id));
  return id;
}

export function poolBack(id: i32): void {
  let x = geti(id, F.A);
  let isMax = geti(id, F.Op) == NodeKind.MaxPool2d;
  let planes = dimOf(x, 0) * dimOf(x, 1);
  let H = dimOf(x, 2), W = dimOf(x, 3);
  let gx = gradBuffer(x);
  poolBackwardRun(dtypeOf(x), isMax, dataOf(x), dataOf(id), gradPtrOf(id), planes, H, W,
    iattr(id, 0), iattr(id, 1), iattr(id, 2), iattr(id, 3), iattr(id, 4), iattr(id, 5), dimOf(id, 2), dimOf(id, 3), gx);
}
