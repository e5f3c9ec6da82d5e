// The errors of eng.noGrad(), gradient hooks and custom ops (./extension.ts),
// each with a stable `code`. No imports: the handles (Value, Tensor) throw
// them too, and sit below the transforms in the import graph.

/** backward from a result made inside eng.noGrad(), which recorded no graph to differentiate. */
export class WasmgradNoGradError extends Error {
  readonly code = 'WASMGRAD_NO_GRAD' as const;

  constructor(message: string) {
    super(message);
    this.name = 'WasmgradNoGradError';
  }
}

/** A gradient hook returned something other than undefined or a gradient of its node's shape and dtype. */
export class WasmgradHookError extends TypeError {
  readonly code = 'WASMGRAD_HOOK' as const;

  constructor(message: string) {
    super(message);
    this.name = 'WasmgradHookError';
  }
}

/** A custom op's forward or backward broke its contract (the op's name is in the message). */
export class WasmgradCustomOpError extends TypeError {
  readonly code = 'WASMGRAD_CUSTOM_OP' as const;

  constructor(readonly op: string, message: string) {
    super(`customOp '${op}': ${message}`);
    this.name = 'WasmgradCustomOpError';
  }
}

