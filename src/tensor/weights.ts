// Weights in and out as .safetensors files (../safetensors.ts has the format):
// a record of tensors by name, as PyTorch's state dicts and Hugging Face's
// files hold them.

import type { EngineType } from '../context.js';
import { decodeSafetensors, encodeSafetensors, type EncodeOptions } from '../safetensors.js';
import { Tensor } from './tensor.js';
import { WasmgradArgumentError } from '../errors.js';

/**
 * The tensors of a .safetensors file, by name, as constants on `eng`'s tape
 * (they die at reset() like any tensor: keep them with `eng.keep`, or load
 * them into a model's parameters). F16 and BF16 become float32, integer
 * dtypes int32.
 */
export function loadSafetensors(eng: EngineType, bytes: Uint8Array): Record<string, Tensor> {
  const file = decodeSafetensors(bytes);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of file.tensors) {
    Object.defineProperty(out, name, { value: eng.tensor(t.data, t.shape, { dtype: t.dtype }), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The bytes of a .safetensors file holding each tensor of `tensors` under its name. */
export function saveSafetensors(tensors: Readonly<Record<string, Tensor>>, options?: EncodeOptions): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null) throw new WasmgradArgumentError('saveSafetensors: expected a record of tensors by name');
  const inputs = new Map<string, { shape: readonly number[]; data: ReturnType<Tensor['data']> }>();
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new WasmgradArgumentError(`saveSafetensors: '${name}' is not a Tensor`);
    inputs.set(name, { shape: t.shape, data: t.data() });
  }
  return encodeSafetensors(inputs, options);
}
