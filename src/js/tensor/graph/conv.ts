// Convolution and pooling (assembly/tensor/graph/conv.ts), NCHW. conv2d is
// im2col then gemm per sample; the pools walk their windows directly.

import type { Conv2dArgs, Pool2dArgs } from '../../../tensor/backend.js';
import { gemm } from '../../gemm.js';
import { col2im, firstMaxima, im2col } from '../conv.js';
import { sizeOf } from '../kernels.js';
import { type BackwardRule, type GemmArray, type TensorTape, alloc, scratchF64 } from '../tape.js';

/** Output rows (or columns) of a window sliding over `size` padded by `pad` on each side. */
const windows = (size: number, kernel: number, stride: number, pad: number): number => Math.floor((size + 2 * pad - kernel) / stride) + 1;

export function conv2d(t: TensorTape, x: number, w: number, args: Conv2dArgs): number {
  const X = t.node(x), Wt = t.node(w);
  const [N, C, H, W] = X.shape;
  const [O, , KH, KW] = Wt.shape;
  const HO = windows(H, KH, args.strideH, args.padH), WO = windows(W, KW, args.strideW, args.padW);
  const outShape = [N, O, HO, WO];
  const P = HO * WO, CKK = C * KH * KW;
  const out = t.arena.take(X.dtype, sizeOf(outShape), 'conv2d') as GemmArray;
  const col = t.arena.take(X.dtype, CKK * P, 'conv2d') as GemmArray;
  for (let n = 0; n < N; n++) {
    im2col(X.data, n * C * H * W, C, H, W, KH, KW, args.strideH, args.strideW, args.padH, args.padW, HO, WO, col);
    gemm(false, false, O, P, CKK, Wt.data as GemmArray, 0, CKK, col, 0, P, out, n * O * P, P, false);
  }
  return t.push('Conv2d', 0, x, w, -1, X.dtype, outShape, out, X.requiresGrad || Wt.requiresGrad, { ...args });
}

/** out[n] = W·col(x[n]): dW = Σ_n G[n]·col(x[n])ᵀ, dcol = Wᵀ·G[n], dx[n] = col2im(dcol) */
export const conv2dBack: BackwardRule<'Conv2d'> = (t, n, needX, needW) => {
  const X = t.node(n.a), Wt = t.node(n.b);
  const args = n.attrs;
  const [N, C, H, W] = X.shape;
  const [O, , KH, KW] = Wt.shape;
  const HO = n.shape[2], WO = n.shape[3];
  const P = HO * WO, CKK = C * KH * KW;
  const g = n.grad as GemmArray;
  const col = t.arena.take(X.dtype, CKK * P, 'backward') as GemmArray;
  const dcol = needX ? scratchF64(CKK * P, 'backward') : null;
  const accX = needX ? scratchF64(X.data.length, 'backward') : null;
  const gw = needW ? (t.addGrad(n.b) as GemmArray) : null;
  for (let s = 0; s < N; s++) {
    if (gw) {
      im2col(X.data, s * C * H * W, C, H, W, KH, KW, args.strideH, args.strideW, args.padH, args.padW, HO, WO, col);
      gemm(false, true, O, CKK, P, g, s * O * P, P, col, 0, P, gw, 0, CKK, true);
    }
    if (dcol && accX) {
      gemm(true, false, CKK, P, O, Wt.data as GemmArray, 0, CKK, g, s * O * P, P, dcol, 0, P, false);
      col2im(dcol, C, H, W, KH, KW, args.strideH, args.strideW, args.padH, args.padW, HO, WO, accX, s * C * H * W);
    }
  }
  if (accX) t.addInto(n.a, accX);
};

export function maxPool2d(t: TensorTape, x: number, args: Pool2dArgs): number {
  const X = t.node(x);
  const [N, C, H, W] = X.shape;
  const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = args;
  const HO = windows(H, KH, sh, ph), WO = windows(W, KW, sw, pw);
  const outShape = [N, C, HO, WO];
  const out = t.arena.take(X.dtype, sizeOf(outShape), 'maxPool2d');
  const arg = alloc('int32', out.length, 'maxPool2d') as Int32Array;
  const xd = X.data;
  firstMaxima(arg, xd, N, C, H, W, HO, WO, KH, KW, sh, sw, ph, pw);
  for (let o = 0; o < out.length; o++) out[o] = arg[o] < 0 ? -Infinity : xd[arg[o]];
  return t.push('MaxPool2d', 0, x, -1, -1, X.dtype, outShape, out, X.requiresGrad, arg);
}

/** d max over a window = dx at the first maximum */
export const maxPool2dBack: BackwardRule<'MaxPool2d'> = (t, n) => {
  const g = n.grad!;
  const arg = n.attrs;
  const gx = t.addGrad(n.a);
  for (let o = 0; o < arg.length; o++) if (arg[o] >= 0) gx[arg[o]] += g[o];
};

export function avgPool2d(t: TensorTape, x: number, args: Pool2dArgs): number {
  const X = t.node(x);
  const [N, C, H, W] = X.shape;
  const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = args;
  const HO = windows(H, KH, sh, ph), WO = windows(W, KW, sw, pw);
  const outShape = [N, C, HO, WO];
  const out = t.arena.take(X.dtype, sizeOf(outShape), 'avgPool2d');
  const xd = X.data;
  const inv = 1 / (KH * KW);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let ho = 0; ho < HO; ho++) {
      for (let wo = 0; wo < WO; wo++, o++) {
        let s = 0;
        for (let kh = 0; kh < KH; kh++) {
          const h = ho * sh - ph + kh;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = wo * sw - pw + kw;
            if (w >= 0 && w < W) s += xd[base + h * W + w];
          }
        }
        out[o] = s * inv;
      }
    }
  }
  return t.push('AvgPool2d', 0, x, -1, -1, X.dtype, outShape, out, X.requiresGrad, { ...args });
}

/** d mean over a window = dx/(KH·KW) at each in-bounds element */
export const avgPool2dBack: BackwardRule<'AvgPool2d'> = (t, n) => {
  const X = t.node(n.a);
  const [N, C, H, W] = X.shape;
  const HO = n.shape[2], WO = n.shape[3];
  const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = n.attrs;
  const g = n.grad!;
  const acc = scratchF64(X.data.length, 'backward');
  const inv = 1 / (KH * KW);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * H * W;
    for (let ho = 0; ho < HO; ho++) {
      for (let wo = 0; wo < WO; wo++, o++) {
        const share = g[o] * inv;
        for (let kh = 0; kh < KH; kh++) {
          const h = ho * sh - ph + kh;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = wo * sw - pw + kw;
            if (w >= 0 && w < W) acc[base + h * W + w] += share;
          }
        }
      }
    }
  }
  t.addInto(n.a, acc);
};
