// Gradient hooks (PyTorch's Tensor.register_hook), eng.noGrad()
// (torch.no_grad) and the engine methods of docs/extending.md. The sweeps
// call the hooks (./extension.ts); this file registers and removes them.

import { describe } from '../check.js';
import type { EngineType, RemovableHandle } from '../context.js';
import { Op } from '../ops.js';
import { Param, Value } from '../value.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorParam } from '../tensor/param.js';
import { graphId } from './graph.js';
import { tensorGraphId } from './tensor-graph.js';
import { dropIfEmpty, extensionsOf, type GradHook } from './extension.js';
import { WasmgradHookError, WasmgradNoGradError } from './extension-errors.js';
import { customOp, type CustomInput, type CustomOpSpec, type CustomOutput, type ScalarOpSpec, type TensorOpSpec } from './custom.js';
import { WasmgradArgumentError } from '../errors.js';

/**
 * x.registerHook(hook): a Value's or Tensor's hooks live with its tape
 * generation, keyed by node id; a parameter's (Param, TensorParam) on the
 * engine's `unbound` generation, keyed by slot, so that they survive reset().
 */
export function registerGradHook(eng: EngineType, x: unknown, hook: unknown): RemovableHandle {
  if (typeof hook !== 'function') throw new WasmgradArgumentError(`registerHook: expected a function (grad => new grad or undefined), got ${describe(hook)}`);
  let list: unknown[];
  let drop: () => void;
  if (x instanceof Tensor) {
    if (x instanceof TensorParam) x.checkLive('registerHook');
    else tensorGraphId(eng, x, 'registerHook');
    if (!x.requiresGrad) {
      throw new WasmgradHookError("registerHook: this tensor does not require grad, so no gradient will ever reach a hook on it (PyTorch refuses the same: make it with { requiresGrad: true }, or hook a tensor computed from one)");
    }
    const param = x instanceof TensorParam;
    const gen = param ? eng.unbound : eng.current;
    const ext = extensionsOf(gen);
    const key = param ? (x as TensorParam).slot : x.id;
    if (param) ext.tensorParams.set(key, x as TensorParam);
    list = listOf(ext.tensorHooks, key);
    drop = () => {
      if (ext.tensorHooks.get(key)?.length === 0) { ext.tensorHooks.delete(key); ext.tensorParams.delete(key); }
      dropIfEmpty(gen);
    };
  } else if (x instanceof Value) {
    const param = x instanceof Param;
    if (!param) graphId(eng, x, 'registerHook');
    else if (x.engine !== eng) eng.idOf(x, 'registerHook'); // the engine's own message for a Param of another engine
    const gen = param ? eng.unbound : eng.current;
    const ext = extensionsOf(gen);
    const key = param ? (x as Param).slot : x.id;
    list = listOf(ext.valueHooks, key);
    drop = () => {
      if (ext.valueHooks.get(key)?.length === 0) ext.valueHooks.delete(key);
      dropIfEmpty(gen);
    };
  } else {
    throw new WasmgradArgumentError(`registerHook: expected a Value or a Tensor, got ${describe(x)}`);
  }
  list.push(hook);
  let removed = false;
  return {
    remove(): void {
      if (removed) return;
      removed = true;
      const at = list.indexOf(hook);
      if (at >= 0) list.splice(at, 1);
      drop();
    },
  };
}

function listOf<G>(map: Map<number, GradHook<G>[]>, key: number): GradHook<G>[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

/**
 * torch.no_grad: runs fn with gradient recording off and returns what it
 * returns; restores the previous state when fn returns or throws, so calls
 * nest. Scalar ops then push constants (their numbers, cut from the graph);
 * tensor ops give detached results (requiresGrad false).
 */
export function noGrad<T>(eng: EngineType, fn: () => T): T {
  if (typeof fn !== 'function') throw new WasmgradArgumentError(`noGrad: expected a function, got ${describe(fn)}`);
  const gen = eng.current;
  const start = eng.tape.nodeCount;
  const was = eng.setGradEnabled(false);
  let result: T;
  try {
    result = fn();
  } finally {
    eng.setGradEnabled(was);
    // the outermost call remembers which scalar nodes it made, for backward's error
    const end = eng.tape.nodeCount;
    if (was && eng.current === gen && end > start) (gen.noGradRanges ??= []).push(start, end);
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new WasmgradArgumentError('noGrad: fn returned a Promise; noGrad covers synchronous work only (gradient recording was back on before the awaited part ran)');
  }
  return result;
}

/** backward from a scalar node that noGrad made: a named error instead of a backward that finds nothing. */
export function checkNoGradRoot(eng: EngineType, id: number): void {
  const ranges = eng.current.noGradRanges;
  if (ranges === null || eng.nodeOp(id) !== Op.Const) return;
  for (let k = 0; k < ranges.length; k += 2) {
    if (id >= ranges[k] && id < ranges[k + 1]) {
      throw new WasmgradNoGradError('backward: this Value was made inside eng.noGrad(), which records no graph: it is a constant, and nothing flows back from it');
    }
  }
}

// ── the engine's methods ──

/** What eng.noGrad, eng.isGradEnabled and eng.customOp add to the engine (docs/extending.md). */
export interface EngineExtensions {
  /**
   * torch.no_grad: runs `fn` with gradient recording off and returns its
   * result. Inside, tensor ops give results with requiresGrad false and
   * scalar ops give constants; backward from them is a WasmgradNoGradError.
   * Nests, and restores the previous state when `fn` throws.
   */
  noGrad<T>(fn: () => T): T;
  /** torch.is_grad_enabled: false inside noGrad. */
  isGradEnabled(): boolean;
  /**
   * torch.autograd.Function: an op with a forward and a backward of your own.
   * See CustomOpSpec and docs/extending.md.
   */
  customOp<O extends number | Tensor>(spec: CustomOpSpec<O>): (...inputs: CustomInput<O>[]) => CustomOutput<O>;
  /** @internal x.registerHook(hook) for a Value or a Tensor. */
  registerGradHook(x: unknown, hook: (grad: never) => unknown): RemovableHandle;
}

/** Puts EngineExtensions (and the registerGradHook handles call) on the engine's prototype. */
export function installExtensions(proto: object): void {
  const methods = {
    noGrad<T>(this: EngineType, fn: () => T): T { return noGrad(this, fn); },
    isGradEnabled(this: EngineType): boolean { return this.gradEnabled; },
    customOp(this: EngineType, spec: ScalarOpSpec | TensorOpSpec): unknown { return customOp(this, spec); },
    registerGradHook(this: EngineType, x: unknown, hook: unknown): RemovableHandle { return registerGradHook(this, x, hook); },
  };
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
}
