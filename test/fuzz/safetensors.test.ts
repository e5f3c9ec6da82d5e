// .safetensors files, written by encodeSafetensors from random tensors and then
// edited at random (bytes flipped, the header's JSON rewritten, the file cut
// or extended). Every result must either read back as a consistent file, each
// tensor's data exactly its shape's size, or be refused with a SafetensorsError;
// never another exception, never a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/safetensors.js';
import { check, timeout } from './config.js';

const dims = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const tensor = dims.chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.oneof(
    fc.array(fc.float({ noDefaultInfinity: false }), { minLength: n, maxLength: n }).map((xs) => ({ shape, data: new Float32Array(xs) })),
    fc.array(fc.double(), { minLength: n, maxLength: n }).map((xs) => ({ shape, data: new Float64Array(xs) })),
    fc.array(fc.integer(), { minLength: n, maxLength: n }).map((xs) => ({ shape, data: new Int32Array(xs) })),
  );
});
const files = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__metadata__'), tensor, { maxKeys: 4 });

type Edit =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'grow'; extra: number[] }
  | { kind: 'header'; path: string; value: unknown };

const edits = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('grow' as const), extra: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('header' as const),
    path: fc.constantFrom('dtype', 'shape', 'data_offsets', '__metadata__', 'name'),
    value: fc.oneof(fc.constantFrom('F32', 'F64', 'I64', 'BF16', 'F16', 'U8', 'BOOL', 'X', -1, 0, 1e300, null), fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 3 }), fc.jsonValue()),
  }),
), { minLength: 1, maxLength: 3 });

function apply(bytes: Uint8Array, e: Edit): Uint8Array {
  if (e.kind === 'flip') {
    if (bytes.length === 0) return bytes;
    const out = bytes.slice();
    out[e.at % out.length] = e.value;
    return out;
  }
  if (e.kind === 'cut') return bytes.slice(0, e.at % (bytes.length + 1));
  if (e.kind === 'grow') return new Uint8Array([...bytes, ...e.extra]);
  // Rewrite one field of the header's first tensor (or the metadata), keeping the length field right.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) return bytes;
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) return bytes;
  let header: Record<string, Record<string, unknown>>;
  try { header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))); } catch { return bytes; }
  const first = Object.keys(header).find((k) => k !== '__metadata__');
  if (e.path === '__metadata__') header.__metadata__ = e.value as Record<string, unknown>;
  else if (first !== undefined && e.path === 'name') { header[String(e.value)] = header[first]; delete header[first]; }
  else if (first !== undefined) header[first][e.path] = e.value;
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(bytes.subarray(8 + n), 8 + h.length);
  return out;
}

describe('fuzz: .safetensors files', () => {
  it('reads back what it writes, and refuses every edit it cannot read with a SafetensorsError', () => {
    check('safetensors', 400, 0x5afe, [files, edits], (tensors, list) => {
      const bytes = encodeSafetensors(tensors);
      const clean = decodeSafetensors(bytes);
      expect([...clean.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
      const edited = list.reduce(apply, bytes);
      try {
        const f = decodeSafetensors(edited);
        for (const [name, t] of f.tensors) {
          expect(t.data.length, name).toBe(t.shape.reduce((a, b) => a * b, 1));
          expect(['float32', 'float64', 'int32']).toContain(t.dtype);
        }
      } catch (err) {
        if (!(err instanceof SafetensorsError)) throw err;
        expect(err.message).toMatch(/^safetensors: /);
      }
    });
  }, timeout(60_000));
});
