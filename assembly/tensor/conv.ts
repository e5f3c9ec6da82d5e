// The loops of conv2d and pooling on one image (one [C, H, W] plane stack).
// conv2d itself is im2col + gemm (graph/conv.ts): each output position's
// receptive field becomes a column, so the convolution, its input gradient
// and its filter gradient are all matrix products with the tuned kernel.
// Each loop is generic over its element type; the entry point beside it,
// named with `Run` appended, takes the dtype (f32 or f64) and picks the
// instance, as in kernels.ts.

import { DType } from "./tape";

/** The first output column ox whose input column ox·sw + j − pw is ≥ 0. */
@inline function columnsFrom(j: i32, sw: i32, pw: i32): i32 {
  let d = pw - j;
  return d > 0 ? (d + sw - 1) / sw : 0;
}

/** One past the last output column (at most WO) whose input column ox·sw + j − pw is < W. */
@inline function columnsTo(j: i32, sw: i32, pw: i32, W: i32, WO: i32): i32 {
  let last = W - 1 - j + pw;
  return last < 0 ? 0 : min(WO, last / sw + 1);
}

/** cols[(c·KH + i)·KW + j][oy·WO + ox] = x[c][oy·sh + i - ph][ox·sw + j - pw], 0 outside the image. */
export function im2col<T>(x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                          HO: i32, WO: i32, cols: usize): void {
  let sz = alignof<T>();
  let row: usize = cols;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        let lo = columnsFrom(j, sw, pw), hi = columnsTo(j, sw, pw, W, WO);
        for (let oy = 0; oy < HO; oy++) {
          let y = oy * sh + i - ph;
          let dst = row + (<usize>(oy * WO) << sz);
          if (y < 0 || y >= H || lo >= hi) {
            memory.fill(dst, 0, <usize>WO << sz);
            continue;
          }
          let src = x + (<usize>((c * H + y) * W) << sz);
          // columns left of the input and right of it read padding; the ones between read a run of the row
          if (lo > 0) memory.fill(dst, 0, <usize>lo << sz);
          if (sw == 1) {
            memory.copy(dst + (<usize>lo << sz), src + (<usize>(lo + j - pw) << sz), <usize>(hi - lo) << sz);
          } else {
            for (let ox = lo; ox < hi; ox++) store<T>(dst + (<usize>ox << sz), load<T>(src + (<usize>(ox * sw + j - pw) << sz)));
          }
          if (hi < WO) memory.fill(dst + (<usize>hi << sz), 0, <usize>(WO - hi) << sz);
        }
        row += <usize>(HO * WO) << sz;
      }
    }
  }
}

export function im2colRun(dtype: i32, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                          HO: i32, WO: i32, cols: usize): void {
  if (dtype == DType.F32) im2col<f32>(x, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, cols);
  else im2col<f64>(x, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, cols);
}

/** The transpose of im2col: dx[c][y][x] += every column entry that read it. */
export function col2im<T>(cols: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                          HO: i32, WO: i32, dx: usize): void {
  let sz = alignof<T>();
  let row: usize = cols;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < KH; i++) {
      for (let j = 0; j < KW; j++) {
        let lo = columnsFrom(j, sw, pw), hi = columnsTo(j, sw, pw, W, WO);
        for (let oy = 0; oy < HO; oy++) {
          let y = oy * sh + i - ph;
          if (y < 0 || y >= H) continue;
          let src = row + (<usize>(oy * WO) << sz);
          let dst = dx + (<usize>((c * H + y) * W) << sz);
          for (let ox = lo; ox < hi; ox++) {
            let p = dst + (<usize>(ox * sw + j - pw) << sz);
            store<T>(p, load<T>(p) + load<T>(src + (<usize>ox << sz)));
          }
        }
        row += <usize>(HO * WO) << sz;
      }
    }
  }
}

export function col2imRun(dtype: i32, cols: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, sh: i32, sw: i32, ph: i32, pw: i32,
                          HO: i32, WO: i32, dx: usize): void {
  if (dtype == DType.F32) col2im<f32>(cols, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, dx);
  else col2im<f64>(cols, C, H, W, KH, KW, sh, sw, ph, pw, HO, WO, dx);
}

/**
 * Max or average pooling of `planes` planes of H×W into HO×WO. Max: padding
 * never wins; the gradient goes to the first maximum of each window (backward
 * recomputes it). Average: the divisor is KH·KW, padding counting as zeros.
 */
export function poolForward<T>(isMax: bool, x: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32,
                               sh: i32, sw: i32, ph: i32, pw: i32, HO: i32, WO: i32, out: usize): void {
  let sz = alignof<T>();
  let inv = 1.0 / <f64>(KH * KW);
  for (let p = 0; p < planes; p++) {
    let xp = x + (<usize>(p * H * W) << sz);
    let op = out + (<usize>(p * HO * WO) << sz);
    for (let oy = 0; oy < HO; oy++) {
      for (let ox = 0; ox < WO; ox++) {
        let best: f64 = isMax ? -Infinity : 0;
        for (let i = 0; i < KH; i++) {
          let y = oy * sh + i - ph;
          if (y < 0 || y >= H) continue;
          for (let j = 0; j < KW; j++) {
            let xx = ox * sw + j - pw;
            if (xx < 0 || xx >= W) continue;
            let v = <f64>load<T>(xp + (<usize>(y * W + xx) << sz));
            if (isMax) { if (v > best || v != v) best = v; }
            else best += v;
          }
        }
        store<T>(op + (<usize>(oy * WO + ox) << sz), <T>(isMax ? best : best * inv));
      }
    }
  }
}

export function poolForwardRun(dtype: i32, isMax: bool, x: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32,
                               sh: i32, sw: i32, ph: i32, pw: i32, HO: i32, WO: i32, out: usize): void {
  if (dtype == DType.F32) poolForward<f32>(isMax, x, planes, H, W, KH, KW, sh, sw, ph, pw, HO, WO, out);
  else poolForward<f64>(isMax, x, planes, H, W, KH, KW, sh, sw, ph, pw, HO, WO, out);
}

export function poolBackward<T>(isMax: bool, x: usize, out: usize, g: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32,
                                sh: i32, sw: i32, ph: i32, pw: i32, HO: i32, WO: i32, dx: usize): void {
  let sz = alignof<T>();
  let inv = 1.0 / <f64>(KH * KW);
  for (let p = 0; p < planes; p++) {
    let xp = x + (<usize>(p * H * W) << sz);
    let dp = dx + (<usize>(p * H * W) << sz);
    let base = <usize>(p * HO * WO);
    for (let oy = 0; oy < HO; oy++) {
      for (let ox = 0; ox < WO; ox++) {
        let o = (base + <usize>(oy * WO + ox)) << sz;
        let gv = <f64>load<T>(g + o);
        let target = <f64>load<T>(out + o);
        let done = false;
        for (let i = 0; i < KH && !done; i++) {
          let y = oy * sh + i - ph;
          if (y < 0 || y >= H) continue;
          for (let j = 0; j < KW; j++) {
            let xx = ox * sw + j - pw;
            if (xx < 0 || xx >= W) continue;
            let q = <usize>(y * W + xx) << sz;
            if (isMax) {
              let v = <f64>load<T>(xp + q);
              if (v == target || (v != v && target != target)) {
                store<T>(dp + q, <T>(<f64>load<T>(dp + q) + gv));
                done = true;
                break;
              }
            } else {
              store<T>(dp + q, <T>(<f64>load<T>(dp + q) + gv * inv));
            }
          }
        }
      }
    }
  }
}

export function poolBackwardRun(dtype: i32, isMax: bool, x: usize, out: usize, g: usize, planes: i32, H: i32, W: i32, KH: i32, KW: i32,
                                sh: i32, sw: i32, ph: i32, pw: i32, HO: i32, WO: i32, dx: usize): void {
  if (dtype == DType.F32) poolBackward<f32>(isMax, x, out, g, planes, H, W, KH, KW, sh, sw, ph, pw, HO, WO, dx);
  else poolBackward<f64>(isMax, x, out, g, planes, H, W, KH, KW, sh, sw, ph, pw, HO, WO, dx);
}
