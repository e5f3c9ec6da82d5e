// The loops of conv2d on one image (assembly/tensor/conv.ts), im2col layout:
// row (c, kh, kw), column (ho, wo). conv2d itself is im2col + gemm
// (graph/conv.ts): each output position's receptive field becomes a column,
// so the convolution, its input gradient and its filter gradient are all
// matrix products.

import type { TypedData } from '../../tensor/backend.js';

export function im2col(
  x: TypedData, xOff: number, C: number, H: number, W: number, KH: number, KW: number,
  sh: number, sw: number, ph: number, pw: number, HO: number, WO: number, col: TypedData,
): void {
  const P = HO * WO;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const xc = xOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, row++) {
        const base = row * P;
        for (let ho = 0; ho < HO; ho++) {
          const h = ho * sh - ph + kh;
          const rowOut = base + ho * WO;
          if (h < 0 || h >= H) {
            col.fill(0, rowOut, rowOut + WO);
            continue;
          }
          const xr = xc + h * W;
          for (let wo = 0; wo < WO; wo++) {
            const w = wo * sw - pw + kw;
            col[rowOut + wo] = w >= 0 && w < W ? x[xr + w] : 0;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back into the input position it was read from. */
export function col2im(
  col: TypedData, C: number, H: number, W: number, KH: number, KW: number,
  sh: number, sw: number, ph: number, pw: number, HO: number, WO: number, gx: Float64Array, gxOff: number,
): void {
  const P = HO * WO;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const xc = gxOff + c * H * W;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, row++) {
        const base = row * P;
        for (let ho = 0; ho < HO; ho++) {
          const h = ho * sh - ph + kh;
          if (h < 0 || h >= H) continue;
          const xr = xc + h * W;
          const rowIn = base + ho * WO;
          for (let wo = 0; wo < WO; wo++) {
            const w = wo * sw - pw + kw;
            if (w >= 0 && w < W) gx[xr + w] += col[rowIn + wo];
          }
        }
      }
    }
  }
}

/**
 * Fills arg, one entry per window of a max pool over x [N, C, H, W] (HO × WO
 * windows per channel), with the flat index in x of its first maximum, or -1 for a window of
 * padding only: strictly greater keeps the first maximum, a NaN takes the
 * window, padding never wins. The twin's forward and the recorded
 * (createGraph) rule both read this, so they pick the same element.
 */
export function firstMaxima(
  arg: Int32Array, xd: ArrayLike<number>, N: number, C: number, H: number, W: number, HO: number, WO: number,
  KH: number, KW: number, sh: number, sw: number, ph: number, pw: number,
): void {
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let ho = 0; ho < HO; ho++) {
      for (let wo = 0; wo < WO; wo++, o++) {
        let best = -Infinity, at = -1;
        for (let kh = 0; kh < KH; kh++) {
          const h = ho * sh - ph + kh;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = wo * sw - pw + kw;
            if (w < 0 || w >= W) continue;
            const v = xd[base + h * W + w];
            if (at < 0 || v > best || (v !== v && best === best)) {
              best = v;
              at = base + h * W + w;
            }
          }
        }
        arg[o] = at;
      }
    }
  }
}
