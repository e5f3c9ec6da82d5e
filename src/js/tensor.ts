// The JS twin of the tensor tape (assembly/tensor/): nodes in a JS array,
// each owning typed arrays for its data and gradient. The contract, including
// which gradients accumulate and which nodes backward visits, is
// src/tensor/backend.ts. Loops live in ./tensor-kernels.ts, matmul in
// ./matmul.ts, the elementwise rules in ./tensor-ops.ts and ./ops.ts.

import {
  DTYPE_CODE, type BinaryOpId, type CompareKindId, Conv2dArgs, DType, Pool2dArgs, ReduceKindId, TensorBackend, TypedData, UnaryOpId,
} from '../tensor/backend.js';
import { MAX_SIZE, outOfMemory } from '../tensor/shape.js';
import { ELEMENTWISE, NodeKind, ReduceKind } from '../generated/ops.js';
import { gemm } from './gemm.js';

type GemmArray = Float32Array | Float64Array;
import { compareForward, whereForward } from './tensor-ops.js';
import {
  binaryBackward, binaryForward, broadcastStrides, col2im, contiguousStrides, im2col, offsets, reduceForward,
  reduceIndex, reduceSumBackward, sizeOf, unaryBackward, unaryForward,
} from './tensor-kernels.js';

// Node kinds as module constants, so the sweep's dispatch is a small-integer switch.
const {
  Leaf: LEAF, Const: CONST, Param: PARAM, Unary: UNARY, Binary: BINARY, Where: WHERE, Compare: COMPARE, Reduce: REDUCE,
  Matmul: MATMUL, Reshape: RESHAPE, Permute: PERMUTE, Expand: EXPAND, Slice: SLICE, Concat: CONCAT, Pad: PAD,
  IndexSelect: INDEX_SELECT, Conv2d: CONV2D, MaxPool2d: MAX_POOL, AvgPool2d: AVG_POOL, Detach: DETACH, Cast: CAST,
  CrossEntropy: CROSS_ENTROPY,
} = NodeKind;
const SUM = ReduceKind.Sum, MAX = ReduceKind.Max;

/**
 * Σᵢ (logsumexp(row i) − row i[tᵢ]) over the rows of x [t.length, C], each in
 * f64 with its max subtracted; with gx, also gx[i,j] += scale·(softmaxⱼ − [j = tᵢ]).
 */
function crossEntropyRows(x: TypedData, t: Int32Array, C: number, gx: TypedData | null, scale: number): number {
  let total = 0;
  for (let i = 0, row = 0; i < t.length; i++, row += C) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) { const v = x[row + j]; m = v > m || v !== v ? v : m; } // NaN wins, and stays
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(x[row + j] - m);
    const lse = m + Math.log(s);
    total += lse - x[row + t[i]];
    if (gx === null) continue;
    for (let j = 0; j < C; j++) gx[row + j] += scale * (Math.exp(x[row + j] - lse) - (j === t[i] ? 1 : 0));
  }
  return total;
}

/**
 * Every array the twin holds goes through here: past the front end's size
 * check nothing may be built, and a heap that cannot hold the array is a
 * RangeError naming the op, never V8's bare "Array buffer allocation failed".
 */
function alloc(dtype: DType, n: number, op: string): TypedData {
  if (n > MAX_SIZE) throw new RangeError(`${op}: ${n} elements are more than the ${MAX_SIZE} (2^28) a tensor can hold`);
  try {
    return dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  } catch (err) {
    throw outOfMemory(err, op, dtype, n);
  }
}

function copyOf(arr: TypedData, op: string): TypedData {
  const out = alloc(arr instanceof Float32Array ? 'float32' : arr instanceof Float64Array ? 'float64' : 'int32', arr.length, op);
  out.set(arr);
  return out;
}

/** f64 accumulators (sums rounded once into a tensor's dtype). */
function scratchF64(n: number, op: string): Float64Array {
  return alloc('float64', n, op) as Float64Array;
}

/**
 * Node arrays, recycled at reset(): a training loop builds the same shapes
 * every step, so after the first step every op finds an array of its size
 * waiting, and neither the allocator (first-touch page faults on fresh
 * memory) nor the GC sees the per-step tensors. It plays the part of the
 * Wasm core's arena. Arrays a generation did not use are dropped at the
 * next reset, so the pool never outgrows one step's worth of tensors.
 */
class Arena {
  private free: Map<number, TypedData[]>[] = [new Map(), new Map(), new Map()];
  private used: TypedData[] = [];
  /** Bytes of every array held: in use and waiting. */
  bytes = 0;
  /** Bytes of the arrays handed out since the last recycle (the Wasm core's tensorArenaUsed). */
  usedBytes = 0;
  /** The largest usedBytes any generation reached. */
  peakBytes = 0;

  /** An array of n elements with arbitrary contents (the caller overwrites all of it). */
  take(dtype: DType, n: number, op: string): TypedData {
    const list = this.free[DTYPE_CODE[dtype]].get(n);
    let arr = list !== undefined ? list.pop() : undefined;
    if (arr === undefined) {
      arr = alloc(dtype, n, op);
      this.bytes += arr.byteLength;
    }
    this.used.push(arr);
    this.usedBytes += arr.byteLength;
    return arr;
  }

  takeZeroed(dtype: DType, n: number, op: string): TypedData {
    const arr = this.take(dtype, n, op);
    arr.fill(0);
    return arr;
  }

  recycle(): void {
    if (this.usedBytes > this.peakBytes) this.peakBytes = this.usedBytes;
    this.usedBytes = 0;
    const free: Map<number, TypedData[]>[] = [new Map(), new Map(), new Map()];
    let bytes = 0;
    for (const arr of this.used) {
      const code = arr instanceof Float32Array ? 0 : arr instanceof Float64Array ? 1 : 2;
      const list = free[code].get(arr.length);
      if (list) list.push(arr);
      else free[code].set(arr.length, [arr]);
      bytes += arr.byteLength;
    }
    this.free = free;
    this.used = [];
    this.bytes = bytes;
  }
}

class TNode {
  grad: TypedData | null = null;
  /** Per-kind extra state for backward (axes, perm, window args, argmax indices…). */
  info: any = null;
  constructor(
    readonly kind: number,
    readonly op: number,
    readonly a: number,
    readonly b: number,
    readonly c: number,
    readonly dtype: DType,
    readonly shape: number[],
    /** May be another node's array (reshape, detach) or a slot's (Param). */
    readonly data: TypedData,
    readonly requiresGrad: boolean,
  ) {}
}

interface Slot {
  data: TypedData;
  grad: TypedData;
  shape: number[];
  dtype: DType;
  requiresGrad: boolean;
}

export class JsTensorBackend implements TensorBackend {
  readonly backend = 'js' as const;
  private nodes: TNode[] = [];
  private readonly arena = new Arena();
  private slots: (Slot | null)[] = [];

  get nodeCount(): number { return this.nodes.length; }
  get slotCount(): number {
    let n = 0;
    for (const s of this.slots) if (s) n++;
    return n;
  }
  get arenaUsed(): number { return this.arena.usedBytes; }
  get arenaPeak(): number { return Math.max(this.arena.peakBytes, this.arena.usedBytes); }
  /** Slots' data and gradients: what the Wasm core counts in its heapBytes() besides its tables. */
  get heapBytes(): number {
    let bytes = 0;
    for (const s of this.slots) if (s) bytes += s.data.byteLength + s.grad.byteLength;
    return bytes;
  }
  get tensorBytes(): number {
    let bytes = this.arena.bytes;
    for (const s of this.slots) if (s) bytes += s.data.byteLength + s.grad.byteLength;
    return bytes;
  }

  private push(kind: number, op: number, a: number, b: number, c: number, dtype: DType, shape: readonly number[],
    data: TypedData, requiresGrad: boolean): number {
    this.nodes.push(new TNode(kind, op, a, b, c, dtype, shape.slice(), data, requiresGrad && dtype !== 'int32'));
    return this.nodes.length - 1;
  }

  private node(id: number): TNode { return this.nodes[id]; }
  private rg(id: number): boolean { return this.nodes[id].requiresGrad; }

  // ── leaves ──

  fromData(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    const copy = this.arena.take(dtype, data.length, 'fromData');
    copy.set(data);
    return this.push(requiresGrad ? LEAF : CONST, 0, -1, -1, -1, dtype, shape, copy, requiresGrad);
  }

  full(shape: readonly number[], dtype: DType, value: number): number {
    const data = this.arena.take(dtype, sizeOf(shape), 'full');
    data.fill(value);
    return this.push(CONST, 0, -1, -1, -1, dtype, shape, data, false);
  }

  // ── ops ──

  unary(op: UnaryOpId, a: number): number {
    const x = this.node(a);
    const out = this.arena.take(x.dtype, x.data.length, ELEMENTWISE[op]?.method ?? 'unary');
    unaryForward(op, x.data, out);
    return this.push(UNARY, op, a, -1, -1, x.dtype, x.shape, out, x.requiresGrad);
  }

  binary(op: BinaryOpId, a: number, b: number, outShape: readonly number[]): number {
    const x = this.node(a), y = this.node(b);
    const out = this.arena.take(x.dtype, sizeOf(outShape), ELEMENTWISE[op]?.method ?? 'binary');
    binaryForward(op, x.data, broadcastStrides(x.shape, outShape), y.data, broadcastStrides(y.shape, outShape), out, outShape);
    return this.push(BINARY, op, a, b, -1, x.dtype, outShape, out, x.requiresGrad || y.requiresGrad);
  }

  where(mask: number, a: number, b: number, outShape: readonly number[]): number {
    const m = this.node(mask), x = this.node(a), y = this.node(b);
    const out = this.arena.take(x.dtype, sizeOf(outShape), 'where');
    const om = offsets(outShape, broadcastStrides(m.shape, outShape));
    const ox = offsets(outShape, broadcastStrides(x.shape, outShape));
    const oy = offsets(outShape, broadcastStrides(y.shape, outShape));
    const md = m.data, xd = x.data, yd = y.data;
    for (let i = 0; i < out.length; i++) out[i] = whereForward(md[om[i]], xd[ox[i]], yd[oy[i]]);
    return this.push(WHERE, 0, mask, a, b, x.dtype, outShape, out, x.requiresGrad || y.requiresGrad);
  }

  compare(kind: CompareKindId, a: number, b: number, outShape: readonly number[]): number {
    const x = this.node(a), y = this.node(b);
    const out = this.arena.take(x.dtype, sizeOf(outShape), 'compare');
    const ox = offsets(outShape, broadcastStrides(x.shape, outShape));
    const oy = offsets(outShape, broadcastStrides(y.shape, outShape));
    const xd = x.data, yd = y.data;
    for (let i = 0; i < out.length; i++) out[i] = compareForward(kind, xd[ox[i]], yd[oy[i]]);
    return this.push(COMPARE, kind, a, b, -1, x.dtype, outShape, out, false);
  }

  reduce(kind: ReduceKindId, a: number, axes: readonly number[], outShape: readonly number[]): number {
    const x = this.node(a);
    const so = this.reduceStrides(x.shape, axes);
    const n = sizeOf(outShape);
    const acc = scratchF64(n, 'reduce');
    if (kind !== SUM) acc.fill(kind === MAX ? -Infinity : Infinity);
    reduceForward(kind, x.data, x.shape, so, acc);
    const out = this.arena.take(x.dtype, n, 'reduce');
    out.set(acc);
    const id = this.push(REDUCE, kind, a, -1, -1, x.dtype, outShape, out, x.requiresGrad);
    this.nodes[id].info = so;
    return id;
  }

  /** Strides of the output over the input's dims: contiguous over the kept dims, 0 on reduced ones. */
  private reduceStrides(shape: readonly number[], axes: readonly number[]): Int32Array {
    const so = new Int32Array(shape.length);
    let acc = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (axes.includes(d)) continue;
      so[d] = acc;
      acc *= shape[d];
    }
    return so;
  }

  matmul(a: number, b: number, outShape: readonly number[], transA = false, transB = false): number {
    const x = this.node(a), y = this.node(b);
    const r = outShape.length;
    const M = outShape[r - 2], N = outShape[r - 1], K = x.shape[x.shape.length - (transA ? 2 : 1)];
    const { ia, ib } = this.batchIndex(x.shape, y.shape, outShape);
    const out = this.arena.take(x.dtype, sizeOf(outShape), 'matmul') as GemmArray;
    const xd = x.data as GemmArray, yd = y.data as GemmArray;
    const lda = transA ? M : K, ldb = transB ? K : N;
    for (let q = 0; q < ia.length; q++) {
      gemm(transA, transB, M, N, K, xd, ia[q] * M * K, lda, yd, ib[q] * K * N, ldb, out, q * M * N, N, false);
    }
    const id = this.push(MATMUL, 0, a, b, -1, x.dtype, outShape, out, x.requiresGrad || y.requiresGrad);
    this.nodes[id].info = { ia, ib, M, N, K, transA, transB };
    return id;
  }

  /** For each output matrix, the index of the matrix of a and of b it reads (broadcast batch dims). */
  private batchIndex(sa: readonly number[], sb: readonly number[], so: readonly number[]): { ia: Int32Array; ib: Int32Array } {
    const batch = so.slice(0, -2);
    return {
      ia: offsets(batch, broadcastStrides(sa.slice(0, -2), batch)),
      ib: offsets(batch, broadcastStrides(sb.slice(0, -2), batch)),
    };
  }

  reshape(a: number, shape: readonly number[]): number {
    const x = this.node(a);
    return this.push(RESHAPE, 0, a, -1, -1, x.dtype, shape, x.data, x.requiresGrad);
  }

  permute(a: number, perm: readonly number[]): number {
    const x = this.node(a);
    const own = contiguousStrides(x.shape);
    const shape = perm.map((p) => x.shape[p]);
    const strides = Int32Array.from(perm, (p) => own[p]);
    const src = offsets(shape, strides);
    const out = this.arena.take(x.dtype, src.length, 'permute');
    const xd = x.data;
    for (let i = 0; i < src.length; i++) out[i] = xd[src[i]];
    const id = this.push(PERMUTE, 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad);
    this.nodes[id].info = src;
    return id;
  }

  expand(a: number, shape: readonly number[]): number {
    const x = this.node(a);
    const src = offsets(shape, broadcastStrides(x.shape, shape));
    const out = this.arena.take(x.dtype, src.length, 'expand');
    const xd = x.data;
    for (let i = 0; i < src.length; i++) out[i] = xd[src[i]];
    const id = this.push(EXPAND, 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad);
    this.nodes[id].info = src;
    return id;
  }

  slice(a: number, starts: readonly number[], ends: readonly number[]): number {
    const x = this.node(a);
    const own = contiguousStrides(x.shape);
    const shape = starts.map((s, d) => ends[d] - s);
    let base = 0;
    for (let d = 0; d < starts.length; d++) base += starts[d] * own[d];
    const src = offsets(shape, own, base);
    const out = this.arena.take(x.dtype, src.length, 'slice');
    const xd = x.data;
    for (let i = 0; i < src.length; i++) out[i] = xd[src[i]];
    const id = this.push(SLICE, 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad);
    this.nodes[id].info = src;
    return id;
  }

  concat(a: number, b: number, axis: number): number {
    const x = this.node(a), y = this.node(b);
    const shape = x.shape.slice();
    shape[axis] += y.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const ca = x.data.length / Math.max(outer, 1), cb = y.data.length / Math.max(outer, 1);
    const out = this.arena.take(x.dtype, sizeOf(shape), 'concat');
    if (outer > 0) {
      for (let o = 0; o < outer; o++) {
        out.set(x.data.subarray(o * ca, (o + 1) * ca), o * (ca + cb));
        out.set(y.data.subarray(o * cb, (o + 1) * cb), o * (ca + cb) + ca);
      }
    }
    const id = this.push(CONCAT, 0, a, b, -1, x.dtype, shape, out, x.requiresGrad || y.requiresGrad);
    this.nodes[id].info = { outer, ca, cb };
    return id;
  }

  pad(a: number, before: readonly number[], after: readonly number[], value: number): number {
    const x = this.node(a);
    const shape = x.shape.map((n, d) => before[d] + n + after[d]);
    const own = contiguousStrides(shape);
    let base = 0;
    for (let d = 0; d < shape.length; d++) base += before[d] * own[d];
    const dst = offsets(x.shape, own, base);
    const out = this.arena.take(x.dtype, sizeOf(shape), 'pad');
    out.fill(value);
    const xd = x.data;
    for (let i = 0; i < dst.length; i++) out[dst[i]] = xd[i];
    const id = this.push(PAD, 0, a, -1, -1, x.dtype, shape, out, x.requiresGrad);
    this.nodes[id].info = dst;
    return id;
  }

  indexSelect(a: number, axis: number, indices: number): number {
    const x = this.node(a);
    const idx = this.node(indices).data as Int32Array;
    const shape = x.shape.slice();
    shape[axis] = idx.length;
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const dim = x.shape[axis];
    const out = this.arena.take(x.dtype, sizeOf(shape), 'indexSelect');
    const xd = x.data;
    let o = 0;
    for (let p = 0; p < outer; p++) {
      for (let j = 0; j < idx.length; j++) {
        const src = (p * dim + idx[j]) * inner;
        for (let k = 0; k < inner; k++) out[o++] = xd[src + k];
      }
    }
    const id = this.push(INDEX_SELECT, axis, a, indices, -1, x.dtype, shape, out, x.requiresGrad);
    this.nodes[id].info = { outer, inner, dim };
    return id;
  }

  crossEntropy(logits: number, targets: number): number {
    const x = this.node(logits);
    const t = this.node(targets).data as Int32Array;
    const out = this.arena.take(x.dtype, 1, 'crossEntropy');
    out[0] = crossEntropyRows(x.data, t, x.shape[1], null, 0) / t.length;
    return this.push(CROSS_ENTROPY, 0, logits, targets, -1, x.dtype, [], out, x.requiresGrad);
  }

  conv2d(x: number, w: number, args: Conv2dArgs, outShape: readonly number[]): number {
    const X = this.node(x), Wt = this.node(w);
    const [N, C, H, W] = X.shape;
    const [O, , KH, KW] = Wt.shape;
    const HO = outShape[2], WO = outShape[3];
    const P = HO * WO, CKK = C * KH * KW;
    const out = this.arena.take(X.dtype, sizeOf(outShape), 'conv2d') as GemmArray;
    const col = this.arena.take(X.dtype, CKK * P, 'conv2d') as GemmArray;
    for (let n = 0; n < N; n++) {
      im2col(X.data, n * C * H * W, C, H, W, KH, KW, args.strideH, args.strideW, args.padH, args.padW, HO, WO, col);
      gemm(false, false, O, P, CKK, Wt.data as GemmArray, 0, CKK, col, 0, P, out, n * O * P, P, false);
    }
    const id = this.push(CONV2D, 0, x, w, -1, X.dtype, outShape, out, X.requiresGrad || Wt.requiresGrad);
    this.nodes[id].info = { ...args };
    return id;
  }

  maxPool2d(x: number, args: Pool2dArgs, outShape: readonly number[]): number {
    const X = this.node(x);
    const [N, C, H, W] = X.shape;
    const HO = outShape[2], WO = outShape[3];
    const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = args;
    const out = this.arena.take(X.dtype, sizeOf(outShape), 'maxPool2d');
    const arg = alloc('int32', out.length, 'maxPool2d') as Int32Array;
    const xd = X.data;
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
              // strictly greater keeps the first maximum; NaN takes the window
              if (at < 0 || v > best || (v !== v && best === best)) {
                best = v;
                at = base + h * W + w;
              }
            }
          }
          out[o] = best;
          arg[o] = at;
        }
      }
    }
    const id = this.push(MAX_POOL, 0, x, -1, -1, X.dtype, outShape, out, X.requiresGrad);
    this.nodes[id].info = arg;
    return id;
  }

  avgPool2d(x: number, args: Pool2dArgs, outShape: readonly number[]): number {
    const X = this.node(x);
    const [N, C, H, W] = X.shape;
    const HO = outShape[2], WO = outShape[3];
    const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = args;
    const out = this.arena.take(X.dtype, sizeOf(outShape), 'avgPool2d');
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
    const id = this.push(AVG_POOL, 0, x, -1, -1, X.dtype, outShape, out, X.requiresGrad);
    this.nodes[id].info = { ...args };
    return id;
  }

  detach(a: number): number {
    const x = this.node(a);
    return this.push(DETACH, 0, a, -1, -1, x.dtype, x.shape, x.data, false);
  }

  cast(a: number, dtype: DType): number {
    const x = this.node(a);
    const out = this.arena.take(dtype, x.data.length, 'cast');
    if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x.data[i]);
    else out.set(x.data);
    return this.push(CAST, 0, a, -1, -1, dtype, x.shape, out, x.requiresGrad && x.dtype !== 'int32');
  }

  // ── reading ──

  shape(id: number): number[] { return this.node(id).shape.slice(); }
  dtype(id: number): DType { return this.node(id).dtype; }
  requiresGrad(id: number): boolean { return this.node(id).requiresGrad; }
  data(id: number): TypedData { return copyOf(this.node(id).data, 'data'); }
  item(id: number): number { return this.node(id).data[0]; }
  grad(id: number): TypedData | null {
    const g = this.node(id).grad;
    return g === null ? null : copyOf(g, 'grad');
  }

  // ── gradients ──

  backward(root: number): void {
    const nodes = this.nodes;
    // d(root)/d(node) of this sweep only: zero what an earlier sweep left
    for (let i = 0; i <= root; i++) {
      const n = nodes[i];
      if (n.kind !== LEAF && n.kind !== PARAM && n.grad !== null) n.grad.fill(0);
    }
    const r = nodes[root];
    if (!r.requiresGrad) return;
    const reached = new Uint8Array(root + 1);
    reached[root] = 1;
    this.addGrad(root)[0] += 1;
    for (let id = root; id >= 0; id--) {
      if (reached[id] === 0) continue;
      const n = nodes[id];
      if (n.kind <= PARAM) continue;
      this.backwardNode(n, reached);
    }
  }

  /** The node's gradient array, allocated (zeros) on first use in this sweep. */
  private addGrad(id: number): TypedData {
    const n = this.nodes[id];
    if (n.grad === null) n.grad = this.arena.takeZeroed(n.dtype, n.data.length, 'backward');
    return n.grad;
  }

  /** Adds acc (f64 sums) into input `id`'s gradient, rounding once. */
  private addInto(id: number, acc: Float64Array, from = 0): void {
    const g = this.addGrad(id);
    for (let i = 0; i < g.length; i++) g[i] += acc[from + i];
  }

  private backwardNode(n: TNode, reached: Uint8Array): void {
    const g = n.grad!;
    const a = n.a, b = n.b;
    // where's first input is its mask, which gets no gradient
    const needA = a >= 0 && n.kind !== WHERE && this.rg(a), needB = b >= 0 && this.rg(b);
    if (needA) reached[a] = 1;
    if (needB && n.kind !== INDEX_SELECT && n.kind !== CROSS_ENTROPY) reached[b] = 1;
    switch (n.kind) {
      case UNARY: {
        const x = this.node(a);
        unaryBackward(n.op, x.data, n.data, g, this.addGrad(a));
        break;
      }
      case BINARY: {
        const x = this.node(a), y = this.node(b);
        const acc = scratchF64(x.data.length + y.data.length, 'backward');
        binaryBackward(n.op, x.data, broadcastStrides(x.shape, n.shape), y.data, broadcastStrides(y.shape, n.shape), n.data, g, acc, n.shape);
        if (needA) this.addInto(a, acc, 0);
        if (needB) this.addInto(b, acc, x.data.length);
        break;
      }
      case WHERE: {
        // d where(m, x, y) = [m≠0]·dx + [m=0]·dy
        const m = this.node(a), x = this.node(b), y = this.node(n.c);
        const om = offsets(n.shape, broadcastStrides(m.shape, n.shape));
        const md = m.data;
        if (this.rg(b)) {
          reached[b] = 1;
          const ox = offsets(n.shape, broadcastStrides(x.shape, n.shape));
          const acc = scratchF64(x.data.length, 'backward');
          for (let i = 0; i < g.length; i++) if (md[om[i]] !== 0) acc[ox[i]] += g[i];
          this.addInto(b, acc);
        }
        if (this.rg(n.c)) {
          reached[n.c] = 1;
          const oy = offsets(n.shape, broadcastStrides(y.shape, n.shape));
          const acc = scratchF64(y.data.length, 'backward');
          for (let i = 0; i < g.length; i++) if (md[om[i]] === 0) acc[oy[i]] += g[i];
          this.addInto(n.c, acc);
        }
        break;
      }
      case REDUCE: {
        const x = this.node(a);
        const gx = this.addGrad(a);
        const xd = x.data;
        if (n.op === SUM) {
          // d Σx = dx for every summed element
          reduceSumBackward(g, x.shape, n.info as Int32Array, gx);
        } else {
          const dst = reduceIndex(x.shape, n.info as Int32Array);
          // d max = dx at the maxima, split evenly among ties
          const out = n.data;
          const count = scratchF64(out.length, 'backward');
          for (let i = 0; i < xd.length; i++) if (xd[i] === out[dst[i]]) count[dst[i]]++;
          for (let i = 0; i < xd.length; i++) if (xd[i] === out[dst[i]]) gx[i] += g[dst[i]] / count[dst[i]];
        }
        break;
      }
      case MATMUL: {
        // d(A@B) = dA@B + A@dB: gA = G@Bᵀ, gB = Aᵀ@G, summed over broadcast batches
        // with transposed operands each gradient is written in its operand's stored layout
        const { ia, ib, M, N, K, transA, transB } = n.info as { ia: Int32Array; ib: Int32Array; M: number; N: number; K: number; transA: boolean; transB: boolean };
        const x = this.node(a), y = this.node(b);
        const gd = g as GemmArray, xd = x.data as GemmArray, yd = y.data as GemmArray;
        const ga = needA ? (this.addGrad(a) as GemmArray) : null;
        const gb = needB ? (this.addGrad(b) as GemmArray) : null;
        const lda = transA ? M : K, ldb = transB ? K : N;
        for (let q = 0; q < ia.length; q++) {
          const go = q * M * N, ao = ia[q] * M * K, bo = ib[q] * K * N;
          if (ga && !transA) gemm(false, !transB, M, K, N, gd, go, N, yd, bo, ldb, ga, ao, K, true);
          if (ga && transA) gemm(transB, true, K, M, N, yd, bo, ldb, gd, go, N, ga, ao, M, true);
          if (gb && !transB) gemm(!transA, false, K, N, M, xd, ao, lda, gd, go, N, gb, bo, N, true);
          if (gb && transB) gemm(true, transA, N, K, M, gd, go, N, xd, ao, lda, gb, bo, K, true);
        }
        break;
      }
      case RESHAPE:
      case CAST: {
        const gx = this.addGrad(a);
        for (let i = 0; i < gx.length; i++) gx[i] += g[i];
        break;
      }
      case PERMUTE:
      case SLICE: {
        // each output element reads one input element: send its gradient back there
        const src = n.info as Int32Array;
        const gx = this.addGrad(a);
        for (let i = 0; i < src.length; i++) gx[src[i]] += g[i];
        break;
      }
      case EXPAND: {
        const src = n.info as Int32Array;
        const acc = scratchF64(this.node(a).data.length, 'backward');
        for (let i = 0; i < src.length; i++) acc[src[i]] += g[i];
        this.addInto(a, acc);
        break;
      }
      case PAD: {
        const dst = n.info as Int32Array;
        const gx = this.addGrad(a);
        for (let i = 0; i < dst.length; i++) gx[i] += g[dst[i]];
        break;
      }
      case CONCAT: {
        const { outer, ca, cb } = n.info as { outer: number; ca: number; cb: number };
        const ga = needA ? this.addGrad(a) : null;
        const gb = needB ? this.addGrad(b) : null;
        for (let o = 0; o < outer; o++) {
          const base = o * (ca + cb);
          if (ga) for (let k = 0; k < ca; k++) ga[o * ca + k] += g[base + k];
          if (gb) for (let k = 0; k < cb; k++) gb[o * cb + k] += g[base + ca + k];
        }
        break;
      }
      case INDEX_SELECT: {
        const { outer, inner, dim } = n.info as { outer: number; inner: number; dim: number };
        const idx = this.node(b).data as Int32Array;
        const acc = scratchF64(this.node(a).data.length, 'backward');
        let o = 0;
        for (let p = 0; p < outer; p++) {
          for (let j = 0; j < idx.length; j++) {
            const dst = (p * dim + idx[j]) * inner;
            for (let k = 0; k < inner; k++) acc[dst + k] += g[o++];
          }
        }
        this.addInto(a, acc);
        break;
      }
      case CROSS_ENTROPY: {
        const t = this.node(b).data as Int32Array;
        crossEntropyRows(this.node(a).data, t, this.node(a).shape[1], this.addGrad(a), g[0] / t.length);
        break;
      }
      case CONV2D: this.conv2dBackward(n, needA, needB); break;
      case MAX_POOL: {
        // d max over a window = dx at the first maximum
        const arg = n.info as Int32Array;
        const gx = this.addGrad(a);
        for (let o = 0; o < arg.length; o++) if (arg[o] >= 0) gx[arg[o]] += g[o];
        break;
      }
      case AVG_POOL: this.avgPoolBackward(n); break;
    }
  }

  private conv2dBackward(n: TNode, needX: boolean, needW: boolean): void {
    // out[n] = W·col(x[n]): dW = Σ_n G[n]·col(x[n])ᵀ, dcol = Wᵀ·G[n], dx[n] = col2im(dcol)
    const X = this.node(n.a), Wt = this.node(n.b);
    const args = n.info as Conv2dArgs;
    const [N, C, H, W] = X.shape;
    const [O, , KH, KW] = Wt.shape;
    const HO = n.shape[2], WO = n.shape[3];
    const P = HO * WO, CKK = C * KH * KW;
    const g = n.grad as GemmArray;
    const col = this.arena.take(X.dtype, CKK * P, 'backward') as GemmArray;
    const dcol = needX ? scratchF64(CKK * P, 'backward') : null;
    const accX = needX ? scratchF64(X.data.length, 'backward') : null;
    const gw = needW ? (this.addGrad(n.b) as GemmArray) : null;
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
    if (accX) this.addInto(n.a, accX);
  }

  private avgPoolBackward(n: TNode): void {
    // d mean over a window = dx/(KH·KW) at each in-bounds element
    const X = this.node(n.a);
    const [N, C, H, W] = X.shape;
    const HO = n.shape[2], WO = n.shape[3];
    const { kernelH: KH, kernelW: KW, strideH: sh, strideW: sw, padH: ph, padW: pw } = n.info as Pool2dArgs;
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
    this.addInto(n.a, acc);
  }

  zeroGrad(): void {
    for (const n of this.nodes) if (n.grad) n.grad.fill(0);
    for (const s of this.slots) if (s) s.grad.fill(0);
  }

  reset(): void {
    this.nodes = [];
    this.arena.recycle();
  }

  // ── slots ──

  createSlot(data: TypedData, shape: readonly number[], dtype: DType, requiresGrad: boolean): number {
    const copy = alloc(dtype, data.length, 'parameter');
    copy.set(data);
    this.slots.push({ data: copy, grad: alloc(dtype, data.length, 'parameter'), shape: shape.slice(), dtype, requiresGrad: requiresGrad && dtype !== 'int32' });
    return this.slots.length - 1;
  }

  keep(id: number, requiresGrad: boolean): number {
    const n = this.node(id);
    return this.createSlot(n.data, n.shape, n.dtype, requiresGrad);
  }

  slotNode(slot: number): number {
    const s = this.slots[slot]!;
    const id = this.push(PARAM, 0, slot, -1, -1, s.dtype, s.shape, s.data, s.requiresGrad);
    this.nodes[id].grad = s.grad;
    return id;
  }

  slotData(slot: number): TypedData { return copyOf(this.slots[slot]!.data, 'data'); }
  setSlotData(slot: number, data: TypedData): void { this.slots[slot]!.data.set(data); }
  slotGrad(slot: number): TypedData { return copyOf(this.slots[slot]!.grad, 'grad'); }
  zeroSlotGrad(slot: number): void { this.slots[slot]!.grad.fill(0); }
  freeSlot(slot: number): void { this.slots[slot] = null; }

  // ── optimizers ──

  sgdStep(params: readonly number[], velocity: readonly number[], lr: number, momentum: number, weightDecay: number, firstStep: boolean): void {
    for (let k = 0; k < params.length; k++) {
      const s = this.slots[params[k]]!;
      const p = s.data, gr = s.grad;
      const v = momentum !== 0 ? this.slots[velocity[k]]!.data : null;
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

  adamStep(
    params: readonly number[], m: readonly number[], v: readonly number[],
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void {
    const bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
    for (let k = 0; k < params.length; k++) {
      const s = this.slots[params[k]]!;
      const p = s.data, gr = s.grad;
      const md = this.slots[m[k]]!.data, vd = this.slots[v[k]]!.data;
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
}
