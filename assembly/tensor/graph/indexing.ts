// Indexing along an axis: argmax and argmin, argsort, gather and scatterAdd.
// A tensor is seen as lines along `axis`: element (o, i, k) of a tensor
// [outer, n, inner] sits at (o·n + i)·inner + k. Arg ops and argsort give
// int32 indices and no gradient; sort and topk are argsort, a slice and a
// gather in the front end, so their gradient is gather's.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import {
  DType, F, geti, seti, iattr, setIattr, dimOf, rankOf, sizeOf, dtypeOf, dataOf, gradPtrOf, pushNode, gradBuffer,
  requiresGrad, arenaAlloc, arenaZeroed, mark, rollback,
} from "../tape";
import { loadAsF64, storeFromF64, storeFromF64s } from "../kernels";
import { outShape, sset, isTensor, isFloat, gradFlag } from "./shape";

/** Element i of a node's data as f64, whatever its dtype. */
@inline function at(dtype: i32, base: usize, i: i32): f64 {
  if (dtype == DType.F64) return load<f64>(base + (<usize>i << 3));
  if (dtype == DType.F32) return <f64>load<f32>(base + (<usize>i << 2));
  return <f64>load<i32>(base + (<usize>i << 2));
}

@inline function outerOf(id: i32, axis: i32): i32 {
  let n = 1;
  for (let d = 0; d < axis; d++) n *= dimOf(id, d);
  return n;
}

@inline function innerOf(id: i32, axis: i32): i32 {
  let n = 1;
  for (let d = axis + 1; d < rankOf(id); d++) n *= dimOf(id, d);
  return n;
}

// ── Argmax, Argmin ──  the first extreme of each line; a NaN beats every number (torch.argmax)

export function argExtreme(kind: i32, a: i32, axis: i32, keepdims: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (<u32>axis >= <u32>r || <u32>keepdims > 1) return fail(ErrorCode.BadArgument);
  let n = dimOf(a, axis);
  if (n == 0) return fail(ErrorCode.BadShape);
  let outRank = 0;
  for (let d = 0; d < r; d++) {
    if (d != axis) sset(outShape, outRank++, dimOf(a, d));
    else if (keepdims) sset(outShape, outRank++, 1);
  }
  let id = pushNode(kind, DType.I32, outRank, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  let outer = outerOf(a, axis), inner = innerOf(a, axis);
  let dtype = dtypeOf(a), x = dataOf(a), out = dataOf(id);
  let max = kind == NodeKind.Argmax;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let base = o * n * inner + k;
      let best = at(dtype, x, base), bi = 0;
      for (let i = 1; i < n && best == best; i++) {
        let v = at(dtype, x, base + i * inner);
        if (v != v || (max ? v > best : v < best)) { best = v; bi = i; }
      }
      store<i32>(out + (<usize>(o * inner + k) << 2), bi);
    }
  }
  return id;
}

// ── Argsort ──  a stable merge sort of each line's indices; NaN sorts as the largest value

/** Whether key p goes strictly before key q. */
@inline function before(p: f64, q: f64, descending: bool): bool {
  if (descending) return p > q || (p != p && q == q);
  return p < q || (q != q && p == p);
}

export function argsort(a: i32, axis: i32, descending: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (<u32>axis >= <u32>r || <u32>descending > 1) return fail(ErrorCode.BadArgument);
  for (let d = 0; d < r; d++) sset(outShape, d, dimOf(a, d));
  mark();
  let id = pushNode(NodeKind.Argsort, DType.I32, r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  let n = dimOf(a, axis);
  // the line's keys, then two index buffers the merge passes alternate between
  let m = <usize>max(n, 1);
  let keys = arenaAlloc(m << 3), idx = arenaAlloc(m << 2), tmp = arenaAlloc(m << 2);
  if (keys == 0 || idx == 0 || tmp == 0) { rollback(); return fail(ErrorCode.OutOfMemory); }
  setIattr(id, 0, axis);
  setIattr(id, 1, descending);
  let desc = descending != 0;
  let outer = outerOf(a, axis), inner = innerOf(a, axis);
  let dtype = dtypeOf(a), x = dataOf(a), out = dataOf(id);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let base = o * n * inner + k;
      for (let i = 0; i < n; i++) {
        store<f64>(keys + (<usize>i << 3), at(dtype, x, base + i * inner));
        store<i32>(idx + (<usize>i << 2), i);
      }
      let src = idx, dst = tmp;
      for (let width = 1; width < n; width <<= 1) {
        for (let lo = 0; lo < n; lo += width << 1) {
          let mid = min(lo + width, n), hi = min(lo + (width << 1), n);
          let p = lo, q = mid;
          for (let w = lo; w < hi; w++) {
            let ip = p < mid ? load<i32>(src + (<usize>p << 2)) : -1;
            let iq = q < hi ? load<i32>(src + (<usize>q << 2)) : -1;
            // the right run goes first only when strictly before: equal keys keep their order
            let right = ip < 0 || (iq >= 0 && before(load<f64>(keys + (<usize>iq << 3)), load<f64>(keys + (<usize>ip << 3)), desc));
            if (right) { store<i32>(dst + (<usize>w << 2), iq); q++; }
            else { store<i32>(dst + (<usize>w << 2), ip); p++; }
          }
        }
        let s = src; src = dst; dst = s;
      }
      for (let i = 0; i < n; i++) store<i32>(out + (<usize>(base + i * inner) << 2), load<i32>(src + (<usize>i << 2)));
    }
  }
  return id;
}

// ── Gather, ScatterAdd ──  torch.gather and torch.scatter_add: `index` has x's rank; element m of
//    index addresses x at m with dim `axis` replaced by index[m]

/**
 * The offset in node `into` (strides of its shape) of element j of node
 * `index`'s shape, with dim `axis` replaced by `i` (or kept when i < 0).
 */
function offsetAt(index: i32, into: i32, axis: i32, j: i32, i: i32): i32 {
  let off = 0, stride = 1, rem = j;
  for (let d = rankOf(index) - 1; d >= 0; d--) {
    let n = dimOf(index, d);
    let c = rem % n;
    rem /= n;
    off += (d == axis && i >= 0 ? i : c) * stride;
    stride *= dimOf(into, d);
  }
  return off;
}

/** Checks index against x (and src): int32, x's rank, fits x off the axis (and src everywhere), entries in 0..dim−1. */
function checkIndex(x: i32, index: i32, src: i32, axis: i32): i32 {
  if (dtypeOf(index) != DType.I32) return ErrorCode.BadDType;
  let r = rankOf(x);
  if (<u32>axis >= <u32>r) return ErrorCode.BadArgument;
  if (rankOf(index) != r || (src >= 0 && rankOf(src) != r)) return ErrorCode.BadShape;
  for (let d = 0; d < r; d++) {
    let m = dimOf(index, d);
    if ((d != axis && m > dimOf(x, d)) || (src >= 0 && m > dimOf(src, d))) return ErrorCode.BadShape;
  }
  let n = dimOf(x, axis), p = dataOf(index);
  for (let j = 0; j < sizeOf(index); j++) if (<u32>load<i32>(p + (<usize>j << 2)) >= <u32>n) return ErrorCode.BadArgument;
  return ErrorCode.None;
}

export function gather(x: i32, axis: i32, index: i32): i32 {
  if (!isTensor(x) || !isTensor(index)) return fail(ErrorCode.BadTensor);
  let e = checkIndex(x, index, -1, axis);
  if (e != ErrorCode.None) return fail(e);
  let r = rankOf(index);
  for (let d = 0; d < r; d++) sset(outShape, d, dimOf(index, d));
  let id = pushNode(NodeKind.Gather, dtypeOf(x), r, outShape, x, index, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  if (isFloat(x)) seti(id, F.Flags, gradFlag(x, -1, -1));
  let sh: usize = dtypeOf(x) == DType.F64 ? 3 : 2;
  let ip = dataOf(index), xd = dataOf(x), od = dataOf(id);
  for (let j = 0; j < sizeOf(id); j++) {
    let off = offsetAt(index, x, axis, j, load<i32>(ip + (<usize>j << 2)));
    if (sh == 3) store<f64>(od + (<usize>j << 3), load<f64>(xd + (<usize>off << 3)));
    else store<i32>(od + (<usize>j << 2), load<i32>(xd + (<usize>off << 2)));
  }
  return id;
}

/** Arena bytes gatherBack allocates: f64 sums over x, as repeated indices add up. */
export function gatherScratch(id: i32): usize { return ((<usize>sizeOf(geti(id, F.A)) << 3) + 15) & ~15; }

/** d gather(x)[m] = dx at the picked element, summed in f64 over repeats (scatterAdd of g into zeros) */
export function gatherBack(id: i32): void {
  let x = geti(id, F.A), index = geti(id, F.B), axis = iattr(id, 0);
  let n = sizeOf(x), dtype = dtypeOf(x);
  let acc = arenaZeroed(<usize>n << 3);
  let ip = dataOf(index), g = gradPtrOf(id);
  for (let j = 0; j < sizeOf(id); j++) {
    let p = acc + (<usize>offsetAt(index, x, axis, j, load<i32>(ip + (<usize>j << 2))) << 3);
    store<f64>(p, load<f64>(p) + at(dtype, g, j));
  }
  let gx = gradBuffer(x);
  for (let i = 0; i < n; i++) {
    let q = gx + (<usize>i << (dtype == DType.F64 ? 3 : 2));
    storeFromF64(dtype, q, loadAsF64(dtype, q) + load<f64>(acc + (<usize>i << 3)));
  }
}

export function scatterAdd(x: i32, axis: i32, index: i32, src: i32): i32 {
  if (!isTensor(x) || !isTensor(index) || !isTensor(src)) return fail(ErrorCode.BadTensor);
  if (dtypeOf(x) != dtypeOf(src)) return fail(ErrorCode.BadDType);
  let e = checkIndex(x, index, src, axis);
  if (e != ErrorCode.None) return fail(e);
  let r = rankOf(x);
  for (let d = 0; d < r; d++) sset(outShape, d, dimOf(x, d));
  mark();
  let id = pushNode(NodeKind.ScatterAdd, dtypeOf(x), r, outShape, x, index, src, 0);
  if (id < 0) return id;
  let n = sizeOf(x), dtype = dtypeOf(x);
  let acc = arenaAlloc(<usize>max(n, 1) << 3);
  if (acc == 0) { rollback(); return fail(ErrorCode.OutOfMemory); }
  setIattr(id, 0, axis);
  if (isFloat(x)) seti(id, F.Flags, gradFlag(x, -1, src));
  let xd = dataOf(x), sd = dataOf(src), ip = dataOf(index);
  for (let i = 0; i < n; i++) store<f64>(acc + (<usize>i << 3), at(dtype, xd, i));
  for (let j = 0; j < sizeOf(index); j++) {
    let p = acc + (<usize>offsetAt(index, x, axis, j, load<i32>(ip + (<usize>j << 2))) << 3);
    store<f64>(p, load<f64>(p) + at(dtype, sd, offsetAt(index, src, axis, j, -1)));
  }
  storeFromF64s(dtype, dataOf(id), acc, n); // sums in f64, rounded once; int32 wraps as the twin's
  return id;
}

/** dx = g; dsrc[m] = g at the element m was added into, for m in index's box (each read once) */
export function scatterAddBack(id: i32): void {
  let x = geti(id, F.A), index = geti(id, F.B), src = geti(id, F.C), axis = iattr(id, 0);
  let dtype = dtypeOf(id), g = gradPtrOf(id);
  if (requiresGrad(x)) {
    let gx = gradBuffer(x);
    for (let i = 0; i < sizeOf(x); i++) {
      let q = gx + (<usize>i << (dtype == DType.F64 ? 3 : 2));
      storeFromF64(dtype, q, loadAsF64(dtype, q) + at(dtype, g, i));
    }
  }
  if (requiresGrad(src)) {
    let gs = gradBuffer(src), ip = dataOf(index);
    for (let j = 0; j < sizeOf(index); j++) {
      let q = gs + (<usize>offsetAt(index, src, axis, j, -1) << (dtype == DType.F64 ? 3 : 2));
      let v = at(dtype, g, offsetAt(index, x, axis, j, load<i32>(ip + (<usize>j << 2))));
      storeFromF64(dtype, q, loadAsF64(dtype, q) + v);
    }
  }
}

