// Numbers in and out of tensors: nested arrays and typed arrays to a typed
// array of one dtype and a shape, and back. No tensor handle is involved, so
// the factories, parameters and weight files share these without a cycle.

import { describe } from '../check.js';
import type { DType, TypedData } from './backend.js';
import * as S from './shape.js';
import { WasmgradArgumentError, WasmgradDTypeError, WasmgradShapeError } from '../errors.js';

/** Nested arrays of numbers, e.g. [[1, 2], [3, 4]]. */
export type NestedArray = number | readonly NestedArray[];

export function isTyped(x: unknown): x is ArrayLike<number> & ArrayBufferView {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

export function dtypeOfTyped(x: ArrayBufferView): DType | undefined {
  return x instanceof Float64Array ? 'float64' : x instanceof Int32Array ? 'int32' : x instanceof Float32Array ? 'float32' : undefined;
}

/** A zeroed typed array; a JS heap that cannot hold it is a RangeError naming the op and the request. */
export function allocTyped(dtype: DType, n: number, op = 'tensor'): TypedData {
  try {
    return dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  } catch (err) {
    throw S.outOfMemory(err, op, dtype, n);
  }
}

/** Flattens numbers, nested arrays or typed arrays into a typed array of `dtype`, with the shape they describe. */
export function toTyped(values: unknown, dtype: DType, op: string): { data: TypedData; shape: number[] } {
  if (typeof values === 'number') {
    const data = allocTyped(dtype, 1);
    data[0] = values;
    return { data, shape: [] };
  }
  if (isTyped(values)) {
    if (typeof (values as unknown as { [0]: unknown })[0] === 'bigint') throw new WasmgradArgumentError(`${op}: bigint arrays are not supported`);
    S.checkSize(op, [values.length], 'a typed array of shape');
    // Already the right type: every backend copies what it is given, so no copy here.
    if (dtypeOfTyped(values) === dtype) return { data: values as TypedData, shape: [values.length] };
    const data = allocTyped(dtype, values.length, op);
    data.set(values);
    return { data, shape: [values.length] };
  }
  if (!Array.isArray(values)) throw new WasmgradArgumentError(`${op}: expected a number, a nested array of numbers or a typed array, got ${describe(values)}`);
  const shape: number[] = [];
  let level: unknown = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  S.checkShape(shape, op);
  const data = allocTyped(dtype, S.sizeOf(shape), op);
  let k = 0;
  const walk = (x: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number') throw new WasmgradArgumentError(`${op}: element ${path} is ${describe(x)}, not a number`);
      data[k++] = x;
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new WasmgradShapeError(`${op}: the nested array is ragged: ${path || 'the top level'} should have ${shape[depth]} entries`);
    }
    for (let i = 0; i < x.length; i++) walk(x[i], depth + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return { data, shape };
}

export function nest(data: TypedData, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return data[0];
  let k = 0;
  const build = (d: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(d === shape.length - 1 ? data[k++] : build(d + 1));
    return out;
  };
  return build(0);
}

/** A dtype as given in options, or a named TypeError. */
export function checkDtype(dtype: unknown, op: string): DType {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new WasmgradDTypeError(`${op}: dtype must be 'float32', 'float64' or 'int32', got ${describe(dtype)}`);
  }
  return dtype;
}
