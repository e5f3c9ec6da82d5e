// The errors of the function transforms and gradient checks, each with a
// stable `code` so that callers can tell them apart without parsing messages.

/** A transform that needs one scalar output (grad, valueAndGrad, hessian, hvp) got a function returning something else. */
export class WasmgradNonScalarError extends TypeError {
  readonly code = 'WASMGRAD_NON_SCALAR' as const;

  constructor(message: string) {
    super(message);
    this.name = 'WasmgradNonScalarError';
  }
}

/** Tangents (jvp, hvp) or cotangents (a vjp function) that do not match the primals or outputs in number or kind. */
export class WasmgradTangentError extends RangeError {
  readonly code = 'WASMGRAD_TANGENT_SHAPE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'WasmgradTangentError';
  }
}

/**
 * A graph-recording backward (createGraph, the transforms) was asked to run
 * from or to a Value whose tape eng.reset() has freed: its graph is gone, so
 * there is nothing to differentiate.
 */
export class WasmgradStaleGraphError extends Error {
  readonly code = 'WASMGRAD_STALE_GRAPH' as const;

  constructor(message: string) {
    super(message);
    this.name = 'WasmgradStaleGraphError';
  }
}

/** The error for a Value or Tensor of generation `made` used by a graph-recording sweep when the tape is at `now`. */
export function staleGraphError(what: string, handle: 'Value' | 'Tensor', made: number, now: number): WasmgradStaleGraphError {
  return new WasmgradStaleGraphError(
    `${what}: this ${handle} was made before eng.reset(), which freed its graph (made in generation ${made}, ` +
      `the tape is at generation ${now}); there is nothing left to differentiate: build the graph again after the reset`,
  );
}

/** The element of a Jacobian where gradcheck found analytic and numeric derivatives furthest apart. */
export interface GradcheckMismatch {
  /** The output (row) and input (column) of the Jacobian. */
  readonly output: number;
  readonly input: number;
  readonly analytic: number;
  readonly numeric: number;
}

/** gradcheck or gradgradcheck found an analytic derivative that central differences disagree with. */
export class WasmgradGradcheckError extends Error {
  readonly code = 'WASMGRAD_GRADCHECK' as const;

  constructor(message: string, readonly worst: GradcheckMismatch) {
    super(message);
    this.name = 'WasmgradGradcheckError';
  }
}
