// Tensors as text, the way PyTorch prints them: one format for every element
// (integers right-aligned; floats with 4 decimals, or `1.` when all are whole,
// or scientific when their magnitudes span more than 10^3 or pass 10^8 or fall
// below 10^-4), nested brackets aligned under each other, and tensors past
// 1,000 elements summarised to their first and last 3 entries per dim.

import type { DType, TypedData } from './backend.js';
import * as S from './shape.js';

/** What describeTensor reads of a tensor handle. */
export interface Printable {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  data(): TypedData;
}

export interface FormatOptions {
  /** Decimals of a float (default 4). */
  precision?: number;
  /** Past this many elements a tensor is summarised (default 1000). */
  threshold?: number;
  /** Entries kept at each end of a summarised dim (default 3). */
  edgeItems?: number;
}

/** How one element is written, chosen once for the whole tensor. */
function elementFormat(values: ArrayLike<number>, dtype: DType, precision: number): (x: number) => string {
  if (dtype === 'int32') return (x) => String(x);
  let finite = 0;
  let whole = true;
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!Number.isFinite(x)) continue;
    finite++;
    if (x !== Math.trunc(x)) whole = false;
    const a = Math.abs(x);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const special = (x: number) => (Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');
  if (finite === 0) return (x) => special(x);
  const ratio = minAbs === Infinity ? 1 : maxAbs / minAbs;
  const scientific = maxAbs > 1e8 || ratio > 1e3 || (!whole && minAbs < 1e-4);
  if (!scientific && whole) return (x) => (Number.isFinite(x) ? `${x.toFixed(0)}.` : special(x));
  if (scientific) {
    return (x) => {
      if (!Number.isFinite(x)) return special(x);
      const [m, e] = x.toExponential(precision).split('e');
      const exp = Number(e);
      return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    };
  }
  return (x) => (Number.isFinite(x) ? x.toFixed(precision) : special(x));
}

/** The elements as shown: all of them, or the edges of each dim when summarised (null marks an elision). */
function shown(shape: readonly number[], summarise: boolean, edge: number): (readonly (number | null)[])[] {
  return shape.map((n) => {
    if (!summarise || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
    return [...Array.from({ length: edge }, (_, i) => i), null, ...Array.from({ length: edge }, (_, i) => n - edge + i)];
  });
}

/**
 * The body of a tensor's text, `[[1., 2.],\n [3., 4.]]`, with continuation
 * lines indented by `indent` columns (the width of what precedes the body).
 */
export function formatData(data: TypedData, shape: readonly number[], dtype: DType, indent: number, options: FormatOptions = {}): string {
  const precision = options.precision ?? 4;
  const threshold = options.threshold ?? 1000;
  const edge = options.edgeItems ?? 3;
  const size = data.length;
  const summarise = size > threshold;
  const index = shown(shape, summarise, edge);
  // The format is chosen from the elements shown, as PyTorch does.
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const visible: number[] = [];
  const collect = (d: number, offset: number): void => {
    if (d === shape.length) { visible.push(data[offset]); return; }
    for (const i of index[d]) if (i !== null) collect(d + 1, offset + i * strides[d]);
  };
  collect(0, 0);
  const fmt = elementFormat(visible, dtype, precision);
  const width = visible.reduce((w, x) => Math.max(w, fmt(x).length), 0);
  const cell = (x: number) => fmt(x).padStart(width);
  if (shape.length === 0) return fmt(data[0]);
  const build = (d: number, offset: number, column: number): string => {
    const parts: string[] = [];
    for (const i of index[d]) {
      if (i === null) parts.push('...');
      else if (d === shape.length - 1) parts.push(cell(data[offset + i * strides[d]]));
      else parts.push(build(d + 1, offset + i * strides[d], column + 1));
    }
    if (d === shape.length - 1) return `[${parts.join(', ')}]`;
    const gap = ',' + '\n'.repeat(shape.length - 1 - d) + ' '.repeat(column + 1);
    return `[${parts.join(gap)}]`;
  };
  return build(0, 0, indent);
}

/** `prefix` + the values + dtype and requiresGrad; a handle freed by reset() says so instead of throwing. */
export function describeTensor(prefix: string, t: Printable): string {
  let data: TypedData;
  let requiresGrad: boolean;
  try {
    data = t.data();
    requiresGrad = t.requiresGrad;
  } catch (err) {
    const why = /reset/.test((err as Error).message) ? 'freed by eng.reset()' : (err as Error).message.replace(/^\w+: /, '');
    return `${prefix}<${why}>, shape=${S.fmt(t.shape)}, dtype=${t.dtype})`;
  }
  const extras = `${t.dtype === 'float32' ? '' : `, dtype=${t.dtype}`}${requiresGrad ? ', requiresGrad=true' : ''}`;
  const column = prefix.length - prefix.lastIndexOf('\n') - 1;
  return `${prefix}${formatData(data, t.shape, t.dtype, column)}${extras})`;
}
