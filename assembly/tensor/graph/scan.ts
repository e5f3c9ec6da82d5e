// Running sums and products along an axis (torch.cumsum, torch.cumprod). Each
// line is scanned in f64 and every output rounded once into the dtype, so f32
// lines do not drift; int32 wraps as JavaScript's ToInt32 would.

import { ErrorCode, fail } from "../../errors";
import { NodeKind } from "../ops";
import {
  DType, F, geti, seti, iattr, setIattr, dimOf, rankOf, sizeOf, dtypeOf, dataOf, gradPtrOf, pushNode, gradBuffer,
} from "../tape";
import { loadAsF64, storeFromF64 } from "../kernels";
import { toInt32 } from "../plan";
import { outShape, sset, isTensor, isFloat, gradFlag } from "./shape";

@inline function at(dtype: i32, base: usize, i: i32): f64 {
  if (dtype == DType.F64) return load<f64>(base + (<usize>i << 3));
  if (dtype == DType.F32) return <f64>load<f32>(base + (<usize>i << 2));
  return <f64>load<i32>(base + (<usize>i << 2));
}

@inline function put(dtype: i32, base: usize, i: i32, v: f64): void {
  if (dtype == DType.I32) store<i32>(base + (<usize>i << 2), toInt32(v));
  else storeFromF64(dtype, base + (<usize>i << (dtype == DType.F64 ? 3 : 2)), v);
}

/** Adds v into element i of a float gradient. */
@inline function addAt(dtype: i32, base: usize, i: i32, v: f64): void {
  let q = base + (<usize>i << (dtype == DType.F64 ? 3 : 2));
  storeFromF64(dtype, q, loadAsF64(dtype, q) + v);
}

export function scan(kind: i32, a: i32, axis: i32): i32 {
  if (!isTensor(a)) return fail(ErrorCode.BadTensor);
  let r = rankOf(a);
  if (<u32>axis >= <u32>r) return fail(ErrorCode.BadArgument);
  for (let d = 0; d < r; d++) sset(outShape, d, dimOf(a, d));
  let id = pushNode(kind, dtypeOf(a), r, outShape, a, -1, -1, 0);
  if (id < 0) return id;
  setIattr(id, 0, axis);
  if (isFloat(a)) seti(id, F.Flags, gradFlag(a, -1, -1));
  let n = dimOf(a, axis), inner = 1;
  for (let d = axis + 1; d < r; d++) inner *= dimOf(a, d);
  let lines = n == 0 ? 0 : sizeOf(a) / n;
  let dtype = dtypeOf(a), x = dataOf(a), out = dataOf(id);
  let product = kind == NodeKind.Cumprod;
  for (let l = 0; l < lines; l++) {
    let base = (l / inner) * n * inner + l % inner;
    let acc = product ? 1.0 : 0.0;
    for (let i = 0; i < n; i++) {
      let j = base + i * inner;
      acc = product ? acc * at(dtype, x, j) : acc + at(dtype, x, j);
      put(dtype, out, j, acc);
    }
  }
  return id;
}

/**
 * d cumsum: dxᵢ = Σ_{j ≥ i} gⱼ (a reverse running sum).
 * d cumprod: dxᵢ = Σ_{j ≥ i} gⱼ·Π_{k ≤ j, k ≠ i} xₖ = Pᵢ·Rᵢ, with Pᵢ = Π_{k < i} xₖ and
 * Rᵢ = gᵢ + x_{i+1}·R_{i+1}: no division by xᵢ, so the gradient is exact where x has zeros.
 * `line` holds one line's Rᵢ (n f64s; cumprod only).
 */
export function scanBack(id: i32, line: usize): void {
  let a = geti(id, F.A), axis = iattr(id, 0);
  let n = dimOf(a, axis), inner = 1;
  for (let d = axis + 1; d < rankOf(a); d++) inner *= dimOf(a, d);
  let lines = n == 0 ? 0 : sizeOf(a) / n;
  let dtype = dtypeOf(a), x = dataOf(a), g = gradPtrOf(id), gx = gradBuffer(a);
  let product = geti(id, F.Op) == NodeKind.Cumprod;
  for (let l = 0; l < lines; l++) {
    let base = (l / inner) * n * inner + l % inner;
    if (!product) {
      let acc = 0.0;
      for (let i = n - 1; i >= 0; i--) {
        let j = base + i * inner;
        acc += at(dtype, g, j);
        addAt(dtype, gx, j, acc);
      }
      continue;
    }
    let R = 0.0;
    for (let i = n - 1; i >= 0; i--) {
      let j = base + i * inner;
      R = i == n - 1 ? at(dtype, g, j) : at(dtype, g, j) + at(dtype, x, j + inner) * R;
      store<f64>(line + (<usize>i << 3), R);
    }
    let P = 1.0;
    for (let i = 0; i < n; i++) {
      let j = base + i * inner;
      addAt(dtype, gx, j, P * load<f64>(line + (<usize>i << 3)));
      P *= at(dtype, x, j);
    }
  }
}

/** Arena bytes scanBack needs: cumprod's line of Rᵢ. */
export function scanScratch(id: i32): usize {
  return geti(id, F.Op) == NodeKind.Cumprod ? ((<usize>dimOf(id, iattr(id, 0)) << 3) + 15) & ~15 : 0;
}
