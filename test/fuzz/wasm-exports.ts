// The exported functions of a Wasm binary with their parameter types, read
// from its type, import, function and export sections, so that the raw-export
// fuzzer calls every export with arguments of the right kinds without a list
// that could fall behind the module.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

export interface ExportedFunction {
  name: string;
  params: ValType[];
  results: ValType[];
}

const VALTYPES: Record<number, ValType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };

export function exportedFunctions(bytes: Uint8Array): ExportedFunction[] {
  let at = 8;
  const u32 = (): number => {
    let result = 0, shift = 0, byte: number;
    do {
      byte = bytes[at++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  const valtype = (): ValType => {
    const t = VALTYPES[bytes[at++]];
    if (t === undefined) throw new Error(`wasm-exports: unknown value type ${bytes[at - 1]}`);
    return t;
  };
  const types: { params: ValType[]; results: ValType[] }[] = [];
  const funcTypes: number[] = [];
  const exports: { name: string; index: number }[] = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = u32();
    const end = at + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        if (bytes[at++] !== 0x60) throw new Error('wasm-exports: expected a function type');
        const params = Array.from({ length: u32() }, valtype);
        const results = Array.from({ length: u32() }, valtype);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        for (let k = 0; k < 2; k++) at += u32(); // module and field names
        const kind = bytes[at++];
        if (kind !== 0) throw new Error('wasm-exports: only function imports are handled');
        funcTypes.push(u32());
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const len = u32();
        const name = new TextDecoder().decode(bytes.subarray(at, at + len));
        at += len;
        const kind = bytes[at++];
        const index = u32();
        if (kind === 0) exports.push({ name, index });
      }
    }
    at = end;
  }
  return exports.map(({ name, index }) => ({ name, ...types[funcTypes[index]] }));
}
