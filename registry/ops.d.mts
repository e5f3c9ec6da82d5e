// The shape of registry/ops.mjs, for the TypeScript that reads it (test/registry.test.ts).

export type AttrType = 'i32' | 'f64' | 'bool' | 'dtype' | 'slot' | 'op' | 'compare' | 'reduce' | 'i32[]' | 'f64[]';

export interface Attr {
  readonly name: string;
  readonly type: AttrType;
}

export interface Gradient {
  /** Per input: whether it receives a gradient. */
  readonly inputs: readonly boolean[];
  /** What the backward rule reads. */
  readonly reads: readonly ('x' | 'y' | 'out' | 'g')[];
  /** g·∂out/∂input per input, as docs/abi.md prints it. */
  readonly rule: string;
  /**
   * Per input, its vector-Jacobian product in the rule language (registry/ops.mjs),
   * written with differentiable ops (gradients of gradients); null for an input
   * that gets no gradient; the field is null for leaves.
   */
  readonly differentiable: readonly (string | null)[] | null;
  /** The forward-mode rule: the output's tangent from dx, dy; null for leaves. */
  readonly jvp: string | null;
}

export interface Op {
  readonly id: number;
  readonly name: string;
  /** 'scalar': the scalar tape's ops (tensors take those with a method); 'tensor': elementwise ops only tensors have. */
  readonly kind: 'scalar' | 'tensor';
  readonly arity: 0 | 1 | 2;
  readonly symbol: string;
  readonly method: string | null;
  readonly dtypes: 'float' | 'any' | null;
  readonly summary: string;
  readonly forward: string;
  readonly attrs: readonly Attr[];
  readonly gradient: Gradient;
  /** A binary method's second argument (default 'other'). */
  readonly param?: string;
  /** The method's doc comment (default: forward and gradient rule). */
  readonly doc?: string;
  /** The default of the second argument, which makes it optional. */
  readonly paramDefault?: number;
  /** For ops that share a method: the option value that picks this one. */
  readonly variant?: { readonly option: string; readonly value: string; readonly default?: boolean };
  /** ∂out/∂input per input, as a formula (wasmgrad/viz). */
  readonly local: readonly string[];
  /** What the op-table test asserts; null for leaves and PowConst. */
  readonly check: Check | null;
}

export interface Check {
  /** Range of the first input where gradients are checked against central differences. */
  readonly x: readonly [number, number];
  /** Range of the second input (binary ops). */
  readonly y?: readonly [number, number];
  /** Exact results: [x, out] or [x, y, out]. */
  readonly points: readonly (readonly number[])[];
}

export interface NodeKind {
  readonly id: number;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly grads: readonly boolean[];
  readonly attrs: readonly Attr[];
  readonly summary: string;
}

export interface CompareKind { readonly id: number; readonly name: string; readonly symbol: string; readonly method: string }
export interface ReduceKind { readonly id: number; readonly name: string; readonly method: string; readonly summary: string }
export interface DType { readonly id: number; readonly name: string; readonly ts: string; readonly bytes: number; readonly float: boolean }
export interface ErrorCode { readonly id: number; readonly name: string; readonly c: string; readonly message: string; readonly summary: string }

export const OPS: readonly Op[];
export const NODE_KINDS: readonly NodeKind[];
export const COMPARE_KINDS: readonly CompareKind[];
export const REDUCE_KINDS: readonly ReduceKind[];
export const DTYPES: readonly DType[];
export const ERRORS: readonly ErrorCode[];
