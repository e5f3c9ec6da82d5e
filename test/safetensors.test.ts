// The .safetensors reader and writer (src/safetensors.ts): files written the
// way the reference implementation writes them read back exactly, every
// malformed file is a SafetensorsError that names its problem, and what
// wasmgrad writes reads back bit for bit.
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../src/safetensors.js';

/** A file assembled by hand from a header object and raw little-endian bytes, as the format describes it. */
function file(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('decodeSafetensors', () => {
  it('reads F32, F64 and I32 tensors, scalars and empty ones, with the metadata', () => {
    const w = new Float32Array([1, -2.5, 3, 0.125, 5, 6]);
    const b = new Float64Array([0.1, -0.2]);
    const n = new Int32Array([7]);
    const data = new Uint8Array([...bytesOf(w), ...bytesOf(b), ...bytesOf(n)]);
    const f = decodeSafetensors(file({
      __metadata__: { format: 'pt' },
      'fc.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      'fc.bias': { dtype: 'F64', shape: [2], data_offsets: [24, 40] },
      steps: { dtype: 'I32', shape: [], data_offsets: [40, 44] },
      empty: { dtype: 'F32', shape: [0, 3], data_offsets: [44, 44] },
    }, data));
    expect(f.metadata).toEqual({ format: 'pt' });
    expect([...f.tensors.keys()]).toEqual(['fc.weight', 'fc.bias', 'steps', 'empty']);
    expect(f.tensors.get('fc.weight')).toMatchObject({ dtype: 'float32', shape: [2, 3], fileDtype: 'F32' });
    expect(Array.from(f.tensors.get('fc.weight')!.data)).toEqual(Array.from(w));
    expect(f.tensors.get('fc.bias')!.data).toEqual(b);
    expect(f.tensors.get('steps')).toMatchObject({ dtype: 'int32', shape: [], data: new Int32Array([7]) });
    expect(f.tensors.get('empty')!.data).toHaveLength(0);
  });

  it('widens F16 and BF16 to float32 and narrows I64, I16, U8 and BOOL to int32', () => {
    const half = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7c00, 0x0001]); // 1, -2, 0.333…, +Inf, the smallest subnormal
    const bf = new Uint16Array([0x3f80, 0xc0a0]); // 1, -5
    const i64 = new BigInt64Array([3n, -2147483648n]);
    const i16 = new Int16Array([-300, 300]);
    const u8 = new Uint8Array([255, 0]);
    const bool = new Uint8Array([0, 2]);
    const parts = [half, bf, i64, i16, u8, bool].map(bytesOf);
    let at = 0;
    const span = (len: number) => [at, (at += len)];
    const header = {
      h: { dtype: 'F16', shape: [5], data_offsets: span(10) },
      bf: { dtype: 'BF16', shape: [2], data_offsets: span(4) },
      l: { dtype: 'I64', shape: [2], data_offsets: span(16) },
      s: { dtype: 'I16', shape: [2], data_offsets: span(4) },
      u: { dtype: 'U8', shape: [2], data_offsets: span(2) },
      b: { dtype: 'BOOL', shape: [2], data_offsets: span(2) },
    };
    const f = decodeSafetensors(file(header, new Uint8Array(parts.flatMap((p) => [...p]))));
    expect(Array.from(f.tensors.get('h')!.data)).toEqual([1, -2, Math.fround(0.333251953125), Infinity, 2 ** -24].map(Math.fround));
    expect(Array.from(f.tensors.get('bf')!.data)).toEqual([1, -5]);
    expect(f.tensors.get('l')).toMatchObject({ dtype: 'int32', fileDtype: 'I64', data: new Int32Array([3, -2147483648]) });
    expect(Array.from(f.tensors.get('s')!.data)).toEqual([-300, 300]);
    expect(Array.from(f.tensors.get('u')!.data)).toEqual([255, 0]);
    expect(Array.from(f.tensors.get('b')!.data)).toEqual([0, 1]);
  });

  it('reads a header without padding, and tensors listed in any order', () => {
    const a = new Float32Array([1, 2]);
    const b = new Float32Array([3]);
    const f = decodeSafetensors(file({ b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array([...bytesOf(a), ...bytesOf(b)]), false));
    expect([...f.tensors.keys()]).toEqual(['a', 'b']);
    expect(Array.from(f.tensors.get('b')!.data)).toEqual([3]);
  });

  const data4 = new Uint8Array(bytesOf(new Float32Array([1])));
  const bad: [string, Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', new Uint8Array(5), /too short for the 8-byte header length/],
    ['a header longer than the file', (() => { const f = file({}, new Uint8Array()); new DataView(f.buffer).setBigUint64(0, 1000n, true); return f; })(), /says it is 1000 bytes, but only \d+ follow/],
    ['a header past 100 MB', (() => { const f = new Uint8Array(16); new DataView(f.buffer).setBigUint64(0, 2n ** 40n, true); return f; })(), /past the 100 MB limit/],
    ['a header that is not JSON', (() => { const f = file({}, new Uint8Array()); f[8] = 0x7b; f[9] = 0x3a; return f; })(), /not UTF-8 JSON/],
    ['a header that is a list', file([1, 2], new Uint8Array()), /must be a JSON object/],
    ['an unknown dtype', file({ t: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, data4), /tensor 't': dtype "F8_E4M3" is not one this reader knows/],
    ['a negative dim', file({ t: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, data4), /shape \[-1\] must be a list of whole numbers/],
    ['a fractional dim', file({ t: { dtype: 'F32', shape: [0.5], data_offsets: [0, 4] } }, data4), /shape \[0.5\]/],
    ['offsets that are not a pair', file({ t: { dtype: 'F32', shape: [1], data_offsets: [0] } }, data4), /data_offsets \[0\] must be \[start, end\]/],
    ['offsets past the data', file({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 8] } }, data4), /do not fit the 4 bytes of data/],
    ['a size that is not the shape\'s', file({ t: { dtype: 'F64', shape: [1], data_offsets: [0, 4] } }, data4), /needs 8 bytes, data_offsets give 4/],
    ['a gap in the data', file({ t: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /leaving bytes 0…4 of the data unused/],
    ['overlapping tensors', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data4), /overlaps the tensor before it/],
    ['bytes after the last tensor', file({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(12)), /cover 4 bytes of data, but 12 follow/],
    ['metadata that is not strings', file({ __metadata__: { epoch: 3 } }, new Uint8Array()), /__metadata__.epoch must be a string/],
    ['an I64 past int32', file({ t: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, bytesOf(new BigInt64Array([2n ** 40n]))), /element 0 \(1099511627776\) of I64 does not fit an int32 tensor/],
  ];
  it.each(bad)('refuses %s with a SafetensorsError', (_, bytes, message) => {
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes)).toThrow(message);
  });

  it('refuses what is not bytes with a TypeError', () => {
    expect(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array)).toThrow(/expected a Uint8Array/);
  });
});

describe('encodeSafetensors', () => {
  it('writes what decodeSafetensors reads back bit for bit, with the header padded to 8 bytes', () => {
    const tensors = {
      'layer.weight': { shape: [2, 2], data: new Float32Array([1.5, -0, NaN, 3e-45]) },
      'layer.bias': { shape: [2], data: new Float64Array([Math.PI, -Infinity]) },
      'bn.num_batches_tracked': { shape: [], data: new Int32Array([12]) },
      counts: { shape: [3], data: new Int32Array([-1, 0, 2147483647]) },
    };
    const bytes = encodeSafetensors(tensors, { metadata: { format: 'pt' }, int64: ['bn.num_batches_tracked'] });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header['bn.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data_offsets: [32, 40] });
    const f = decodeSafetensors(bytes);
    expect(f.metadata).toEqual({ format: 'pt' });
    for (const [name, t] of Object.entries(tensors)) {
      const back = f.tensors.get(name)!;
      expect(back.shape, name).toEqual(t.shape);
      expect(bytesOf(back.data), name).toEqual(bytesOf(t.data));
    }
    expect(f.tensors.get('bn.num_batches_tracked')!.fileDtype).toBe('I64');
  });

  it('refuses a shape that is not the data\'s, a name for the metadata, and other arrays', () => {
    expect(() => encodeSafetensors({ t: { shape: [3], data: new Float32Array(2) } })).toThrow(/'t' has shape \[3\] but 2 elements/);
    expect(() => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/header's metadata/);
    expect(() => encodeSafetensors({ t: { shape: [1], data: new Uint8Array(1) as unknown as Float32Array } })).toThrow(/Float32Array, Float64Array or Int32Array/);
    expect(() => encodeSafetensors({ t: { shape: [1], data: new Float32Array(1) } }, { int64: ['u'] })).toThrow(/int64 names 'u'/);
  });
});

describe('loadSafetensors / saveSafetensors', () => {
  it.each(['wasm', 'js'] as const)('turn tensors of every dtype into a file and back on the %s backend', async (backend) => {
    const { createEngine, loadSafetensors, saveSafetensors } = await import('../src/index.js');
    const eng = await createEngine({ backend });
    const w = eng.tensor([[1, 2, 3], [4, 5, 6]], undefined, { dtype: 'float32' });
    const b = eng.tensor([0.1, 0.2], undefined, { dtype: 'float64' });
    const n = eng.tensor([3], [], { dtype: 'int32' });
    const bytes = saveSafetensors({ 'fc.weight': w, 'fc.bias': b, steps: n }, { metadata: { format: 'pt' }, int64: ['steps'] });
    const back = loadSafetensors(eng, bytes);
    expect(Object.keys(back)).toEqual(['fc.weight', 'fc.bias', 'steps']);
    expect(back['fc.weight'].shape).toEqual([2, 3]);
    expect(back['fc.weight'].dtype).toBe('float32');
    expect(back['fc.weight'].toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(back['fc.bias'].data())).toEqual([0.1, 0.2]);
    expect(back.steps.dtype).toBe('int32');
    expect(back.steps.item()).toBe(3);
    expect(() => saveSafetensors({ x: 3 as unknown as typeof w })).toThrow(/'x' is not a Tensor/);
    const proto = loadSafetensors(eng, encodeSafetensors({ ['__proto__']: { shape: [1], data: new Float32Array([9]) } }));
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });
});

describe.each(['wasm', 'js'] as const)('eng.loadSafetensors (%s)', (backend) => {
  it('is loadSafetensors(eng, bytes) as an engine method: the same record, loadable by name into a model', async () => {
    const { createEngine, loadSafetensors, saveSafetensors, nn } = await import('../src/index.js');
    const eng = await createEngine({ backend });
    const model = new nn.Linear(eng, 3, 2);
    const bytes = saveSafetensors(model.stateDict() as Record<string, import('../src/index.js').Tensor>);
    const viaMethod = eng.loadSafetensors(bytes);
    const viaFunction = loadSafetensors(eng, bytes);
    expect(Object.keys(viaMethod).sort()).toEqual(['bias', 'weight']);
    for (const k of Object.keys(viaFunction)) expect(Array.from(viaMethod[k].data())).toEqual(Array.from(viaFunction[k].data()));
    const again = new nn.Linear(eng, 3, 2);
    again.loadStateDict(viaMethod);
    expect(Array.from(again.weight.data())).toEqual(Array.from(model.weight.data()));
    expect(() => eng.loadSafetensors(new Uint8Array([1, 2, 3]))).toThrow(SafetensorsError);
  });
});
