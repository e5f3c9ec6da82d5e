// The .safetensors format, the way PyTorch and Hugging Face users exchange
// weights: an 8-byte little-endian header length N, N bytes of JSON naming
// each tensor's dtype, shape and byte range, then the raw little-endian bytes
// of every tensor, back to back.
//
//   { "__metadata__": { "format": "pt" },
//     "fc.weight": { "dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48] }, … }
//
// Reading checks the file as the reference implementation does: a header that
// fits the file and is a JSON object, known dtypes, whole non-negative
// dimensions, each tensor's byte range exactly its elements' size, and ranges
// that tile the data with no gap or overlap up to the end of the file.
// Anything else is a SafetensorsError naming the tensor and the problem.
//
// Tensors here have three dtypes. Files may hold more: F16 and BF16 are
// widened to float32, I64, I16, I8, U8, U16, U32 and BOOL become int32
// (refused where a value does not fit), F32, F64 and I32 are read as they are.
// Writing gives F32, F64 and I32, or I64 for the int32 tensors named in
// `int64` (PyTorch keeps BatchNorm's num_batches_tracked as int64).

import type { DType, TypedData } from './tensor/backend.js';
import { WasmgradArgumentError } from './errors.js';

/** A weight file that is not valid safetensors: its header length, JSON, offsets, dtypes or shapes; the message names which. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  readonly code = 'WASMGRAD_SAFETENSORS' as const;
}

/** One tensor of a file, as read. */
export interface SafetensorsEntry {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedData;
  /** The dtype the file stored it in ('F32', 'BF16', 'I64', …). */
  readonly fileDtype: string;
}

export interface SafetensorsFile {
  /** The tensors, in the order of their bytes in the file. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** The header's `__metadata__` (string to string), {} when absent. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** What to write for one tensor. */
export interface SafetensorsInput {
  readonly shape: readonly number[];
  readonly data: TypedData;
}

export interface EncodeOptions {
  /** Strings kept in the header's `__metadata__`. */
  metadata?: Readonly<Record<string, string>>;
  /** Names of int32 tensors to store as I64, as PyTorch keeps counters. */
  int64?: readonly string[];
}

/** Bytes per element of each dtype the format names. */
const FILE_DTYPES: Readonly<Record<string, { bytes: number; as: DType }>> = {
  F64: { bytes: 8, as: 'float64' },
  F32: { bytes: 4, as: 'float32' },
  F16: { bytes: 2, as: 'float32' },
  BF16: { bytes: 2, as: 'float32' },
  I64: { bytes: 8, as: 'int32' },
  I32: { bytes: 4, as: 'int32' },
  U32: { bytes: 4, as: 'int32' },
  I16: { bytes: 2, as: 'int32' },
  U16: { bytes: 2, as: 'int32' },
  I8: { bytes: 1, as: 'int32' },
  U8: { bytes: 1, as: 'int32' },
  BOOL: { bytes: 1, as: 'int32' },
};

/** The reference implementation's limit: a header past 100 MB is refused before it is parsed. */
const MAX_HEADER_BYTES = 100_000_000;

/** Reads a .safetensors file. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new WasmgradArgumentError(`loadSafetensors: expected a Uint8Array of the file's bytes, got ${typeof bytes}`);
  if (bytes.length < 8) throw new SafetensorsError(`safetensors: ${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(`safetensors: a header of ${headerLength} bytes is past the 100 MB limit`);
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(`safetensors: the header says it is ${headerLength} bytes, but only ${bytes.length - 8} follow`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    throw new SafetensorsError(`safetensors: the header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new SafetensorsError('safetensors: the header must be a JSON object of tensors');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const infos: { name: string; fileDtype: string; shape: number[]; start: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = readMetadata(value);
      continue;
    }
    infos.push(readInfo(name, value, dataLength));
  }
  infos.sort((a, b) => a.start - b.start || a.end - b.end);
  let at = 0;
  for (const t of infos) {
    if (t.start !== at) {
      throw new SafetensorsError(
        t.start > at ? `safetensors: '${t.name}' starts at byte ${t.start}, leaving bytes ${at}…${t.start} of the data unused`
          : `safetensors: '${t.name}' (bytes ${t.start}…${t.end}) overlaps the tensor before it`,
      );
    }
    at = t.end;
  }
  if (at !== dataLength) throw new SafetensorsError(`safetensors: the tensors cover ${at} bytes of data, but ${dataLength} follow the header`);

  const tensors = new Map<string, SafetensorsEntry>();
  for (const t of infos) {
    const entry = FILE_DTYPES[t.fileDtype];
    const data = readData(t.name, t.fileDtype, new DataView(bytes.buffer, bytes.byteOffset + dataStart + t.start, t.end - t.start));
    tensors.set(t.name, { dtype: entry.as, shape: t.shape, data, fileDtype: t.fileDtype });
  }
  return { tensors, metadata };
}

function readMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError('safetensors: __metadata__ must be an object of strings');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new SafetensorsError(`safetensors: __metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

function readInfo(name: string, value: unknown, dataLength: number): { name: string; fileDtype: string; shape: number[]; start: number; end: number } {
  const bad = (what: string) => new SafetensorsError(`safetensors: tensor '${name}': ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('expected { dtype, shape, data_offsets }');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(FILE_DTYPES, dtype)) {
    throw bad(`dtype ${JSON.stringify(dtype)} is not one this reader knows (${Object.keys(FILE_DTYPES).join(', ')})`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw bad(`shape ${JSON.stringify(shape)} must be a list of whole numbers ≥ 0`);
  if (shape.length > 8) throw bad(`rank ${shape.length} is past the 8 dims a tensor may have`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} must be [start, end], whole numbers ≥ 0`);
  }
  const [start, end] = offsets as number[];
  if (end < start || end > dataLength) throw bad(`data_offsets [${start}, ${end}] do not fit the ${dataLength} bytes of data`);
  const elements = shape.reduce((n: number, d: number) => n * d, 1);
  if (elements * FILE_DTYPES[dtype].bytes !== end - start) {
    throw bad(`shape [${shape.join(', ')}] of ${dtype} needs ${elements * FILE_DTYPES[dtype].bytes} bytes, data_offsets give ${end - start}`);
  }
  return { name, fileDtype: dtype, shape: shape as number[], start, end };
}

/** float32 from IEEE half precision bits. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function readData(name: string, fileDtype: string, v: DataView): TypedData {
  const n = v.byteLength / FILE_DTYPES[fileDtype].bytes;
  switch (fileDtype) {
    case 'F64': { const out = new Float64Array(n); for (let i = 0; i < n; i++) out[i] = v.getFloat64(i * 8, true); return out; }
    case 'F32': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true); return out; }
    case 'F16': { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(i * 2, true)); return out; }
    case 'BF16': {
      const out = new Float32Array(n);
      const word = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) word[i] = v.getUint16(i * 2, true) << 16; // bfloat16 is the top half of a float32
      return out;
    }
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = fileDtype === 'I64' ? v.getBigInt64(i * 8, true)
      : fileDtype === 'I32' ? v.getInt32(i * 4, true)
      : fileDtype === 'U32' ? v.getUint32(i * 4, true)
      : fileDtype === 'I16' ? v.getInt16(i * 2, true)
      : fileDtype === 'U16' ? v.getUint16(i * 2, true)
      : fileDtype === 'I8' ? v.getInt8(i)
      : fileDtype === 'U8' ? v.getUint8(i)
      : v.getUint8(i) === 0 ? 0 : 1; // BOOL
    if (x < -2147483648 || x > 2147483647) {
      throw new SafetensorsError(`safetensors: tensor '${name}': element ${i} (${x}) of ${fileDtype} does not fit an int32 tensor`);
    }
    out[i] = Number(x);
  }
  return out;
}

/** Writes tensors as a .safetensors file, in the order given. */
export function encodeSafetensors(tensors: Readonly<Record<string, SafetensorsInput>> | ReadonlyMap<string, SafetensorsInput>, options: EncodeOptions = {}): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, SafetensorsInput>);
  const int64 = new Set(options.int64 ?? []);
  for (const name of int64) if (!entries.some(([n]) => n === name)) throw new WasmgradArgumentError(`saveSafetensors: int64 names '${name}', which is not one of the tensors`);
  // No prototype: a tensor may be called __proto__ (JSON.parse makes it an own key when reading).
  const header: Record<string, unknown> = Object.create(null);
  if (options.metadata !== undefined) {
    for (const [k, v] of Object.entries(options.metadata)) if (typeof v !== 'string') throw new WasmgradArgumentError(`saveSafetensors: metadata.${k} must be a string`);
    header.__metadata__ = { ...options.metadata };
  }
  const layout: { data: TypedData; fileDtype: string; start: number }[] = [];
  let at = 0;
  for (const [name, { shape, data }] of entries) {
    if (name === '__metadata__') throw new WasmgradArgumentError("saveSafetensors: '__metadata__' is the header's metadata, not a tensor name");
    const fileDtype = data instanceof Float64Array ? 'F64' : data instanceof Float32Array ? 'F32' : data instanceof Int32Array ? (int64.has(name) ? 'I64' : 'I32') : null;
    if (fileDtype === null) throw new WasmgradArgumentError(`saveSafetensors: '${name}' must hold a Float32Array, Float64Array or Int32Array`);
    const elements = shape.reduce((n: number, d: number) => n * d, 1);
    if (elements !== data.length) throw new WasmgradArgumentError(`saveSafetensors: '${name}' has shape [${shape.join(', ')}] but ${data.length} elements`);
    const size = elements * FILE_DTYPES[fileDtype].bytes;
    header[name] = { dtype: fileDtype, shape: [...shape], data_offsets: [at, at + size] };
    layout.push({ data, fileDtype, start: at });
    at += size;
  }
  // Spaces pad the header to a multiple of 8 bytes, so every tensor's bytes start aligned.
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  json += ' '.repeat((8 - (headerBytes.length % 8)) % 8);
  headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const base = 8 + headerBytes.length;
  for (const { data, fileDtype, start } of layout) {
    const o = base + start;
    for (let i = 0; i < data.length; i++) {
      if (fileDtype === 'F64') view.setFloat64(o + i * 8, data[i], true);
      else if (fileDtype === 'F32') view.setFloat32(o + i * 4, data[i], true);
      else if (fileDtype === 'I64') view.setBigInt64(o + i * 8, BigInt(data[i]), true);
      else view.setInt32(o + i * 4, data[i], true);
    }
  }
  return out;
}
