// What gradient hooks (./hooks.ts) and custom ops (./custom.ts) leave on a
// tape generation, and how the rule sweeps (./graph.ts reverseSweep,
// ./tensor-graph.ts tensorReverseSweep) read it. The fused backward kernels
// run inside the cores and cannot call JS mid-sweep, so a graph with a hook or
// a custom op on it is differentiated by the rule sweeps instead: each node's
// gradient is then a Value or Tensor in JS when the sweep reaches it, which is
// where a hook sees it and where a custom op's backward runs.
//
// The state hangs off the Generation (Generation.ext): it dies with its tape
// at eng.reset(), and `ext === null` is the one branch the fused path pays.
// Parameters outlive every tape, so their hooks live on the engine's
// `unbound` generation, keyed by slot.

import type { EngineType, Generation } from '../context.js';
import type { Value } from '../value.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TensorParam } from '../tensor/param.js';
import { WasmgradHookError } from './extension-errors.js';
export { WasmgradNoGradError, WasmgradHookError, WasmgradCustomOpError } from './extension-errors.js';

/** A gradient hook: sees the gradient flowing into its node; returns a replacement, or undefined to keep it. */
export type GradHook<G> = (grad: G) => G | number | undefined | void;

/** A custom op's output node: the node ids of its inputs (-1 for a number) and the rule that differentiates it. */
export interface CustomNode<G> {
  readonly name: string;
  readonly inputs: readonly number[];
  /** One gradient per input (null: none), each checked against its input; `g` is the output's gradient. */
  readonly backward: (g: G) => readonly (G | null)[];
}

/** A generation's hooks and custom ops. On `unbound`, the hooks maps are keyed by parameter slot. */
export interface Extensions {
  readonly valueHooks: Map<number, GradHook<Value>[]>;
  readonly tensorHooks: Map<number, GradHook<Tensor>[]>;
  /** On `unbound`: the hooked tensor parameters by slot, to find the node each one reads through on the current tape. */
  readonly tensorParams: Map<number, TensorParam>;
  readonly customValues: Map<number, CustomNode<Value>>;
  readonly customTensors: Map<number, CustomNode<Tensor>>;
}

/** The generation's extensions, made on first use. */
export function extensionsOf(gen: Generation): Extensions {
  let ext = gen.ext as Extensions | null;
  if (ext === null) {
    ext = { valueHooks: new Map(), tensorHooks: new Map(), tensorParams: new Map(), customValues: new Map(), customTensors: new Map() };
    gen.ext = ext;
  }
  return ext;
}

/** Back to null once nothing is left, so that backward takes the fused kernels again. */
export function dropIfEmpty(gen: Generation): void {
  const ext = gen.ext as Extensions | null;
  if (ext !== null && ext.valueHooks.size + ext.tensorHooks.size + ext.customValues.size + ext.customTensors.size === 0) gen.ext = null;
}

/** Whether a backward on the current tape must take the rule sweep: a hook or a custom op may be on its graph. */
export function extended(eng: EngineType): boolean {
  return eng.current.ext !== null || eng.unbound.ext !== null;
}

// ── what a sweep reads ──

/** The hooks and custom nodes of one sweep's tape, looked up by node id. */
export interface SweepExtensions<G> {
  hooks(id: number): readonly GradHook<G>[] | undefined;
  custom(id: number): CustomNode<G> | undefined;
}

/**
 * The scalar sweep's view, or null when no hook or custom op exists (the
 * sweep then runs as before). A Param node's hooks are its parameter's,
 * found by the slot the node reads.
 */
export function valueSweepExtensions(eng: EngineType, isParam: (id: number) => number): SweepExtensions<Value> | null {
  const cur = eng.current.ext as Extensions | null, unbound = eng.unbound.ext as Extensions | null;
  if (cur === null && unbound === null) return null;
  return {
    hooks(id) {
      const own = cur?.valueHooks.get(id);
      if (own !== undefined || unbound === null || unbound.valueHooks.size === 0) return own;
      const slot = isParam(id);
      return slot < 0 ? undefined : unbound.valueHooks.get(slot);
    },
    custom: (id) => cur?.customValues.get(id),
  };
}

/** The tensor sweep's view, or null when no hook or custom op exists. */
export function tensorSweepExtensions(eng: EngineType): SweepExtensions<Tensor> | null {
  const cur = eng.current.ext as Extensions | null, unbound = eng.unbound.ext as Extensions | null;
  if (cur === null && unbound === null) return null;
  // the node each hooked parameter reads through on this tape (none if it was not used since the reset)
  const params = new Map<number, GradHook<Tensor>[]>();
  if (unbound !== null) {
    for (const [slot, p] of unbound.tensorParams) {
      const hooks = unbound.tensorHooks.get(slot);
      if (hooks !== undefined && p.owner === eng.current) params.set(p.id, hooks);
    }
  }
  return {
    hooks: (id) => cur?.tensorHooks.get(id) ?? params.get(id),
    custom: (id) => cur?.customTensors.get(id),
  };
}

/**
 * `g` passed through `hooks` in the order they were registered, each seeing
 * the last one's result; `check` accepts a replacement or says why not.
 */
export function runHooks<G>(hooks: readonly GradHook<G>[], g: G, check: (r: unknown) => G | string): G {
  // a copy: a hook that removes itself (or another) must not skip the next
  for (const hook of hooks.slice()) {
    const r = hook(g);
    if (r === undefined) continue;
    const ok = check(r);
    if (typeof ok === 'string') throw new WasmgradHookError(`registerHook: the hook returned ${ok}; return a gradient of the same shape and dtype, or undefined to keep it`);
    g = ok;
  }
  return g;
}
