// The error classes of bad input, each with a stable `code` so that callers
// can tell failures apart without parsing messages. Each extends the built-in
// class the error would otherwise be (TypeError, RangeError, Error), so that
// `instanceof TypeError` and the like keep working. The errors of memory
// (src/tape.ts), of the transforms (src/transforms/errors.ts) and of weight
// files (src/safetensors.ts) follow the same pattern.

/** The stable codes of wasmgrad's errors: `err.code`. */
export type WasmgradErrorCode =
  | 'WASMGRAD_BAD_ARGUMENT'
  | 'WASMGRAD_BAD_VALUE'
  | 'WASMGRAD_SHAPE'
  | 'WASMGRAD_DTYPE'
  | 'WASMGRAD_STALE_HANDLE'
  | 'WASMGRAD_STALE_GRAPH'
  | 'WASMGRAD_OUT_OF_MEMORY'
  | 'WASMGRAD_TAPE_BUDGET'
  | 'WASMGRAD_SCOPE'
  | 'WASMGRAD_NON_SCALAR'
  | 'WASMGRAD_TANGENT_SHAPE'
  | 'WASMGRAD_GRADCHECK'
  | 'WASMGRAD_SAFETENSORS'
  | 'WASMGRAD_NO_GRAD'
  | 'WASMGRAD_HOOK'
  | 'WASMGRAD_CUSTOM_OP';

/** An argument of the wrong type or kind: not a Tensor, an unknown option, a function expected. */
export class WasmgradArgumentError extends TypeError {
  readonly code = 'WASMGRAD_BAD_ARGUMENT' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmgradArgumentError';
  }
}

/** An argument of the right type with a value out of range: an index past the end, a negative size, a learning rate below 0. */
export class WasmgradValueError extends RangeError {
  readonly code = 'WASMGRAD_BAD_VALUE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmgradValueError';
  }
}

/** Shapes that do not fit: operands that cannot be broadcast, a matmul's inner dims, a reshape to another size, a rank past the limit. */
export class WasmgradShapeError extends RangeError {
  readonly code = 'WASMGRAD_SHAPE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmgradShapeError';
  }
}

/** A dtype an op does not take: an int32 tensor where a float is needed, operands of two dtypes. */
export class WasmgradDTypeError extends TypeError {
  readonly code = 'WASMGRAD_DTYPE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmgradDTypeError';
  }
}

/**
 * A handle whose node is gone: a Value or Tensor made before eng.reset(), a
 * parameter or kept tensor freed with free(), a program freed, a disposed
 * engine's handle.
 */
export class WasmgradStaleHandleError extends Error {
  readonly code = 'WASMGRAD_STALE_HANDLE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmgradStaleHandleError';
  }
}
