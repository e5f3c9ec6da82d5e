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
