// What handles (Value, Param, Program, Tensor, TensorParam, the tensor
// factories and optimizers) need from their engine, as an interface that
// engine.ts implements. Handles import this module, never engine.ts, so the
// import graph runs one way: engine.ts → handles → context.ts → backend
// interfaces (test/structure.test.ts checks it). Handles see no backend
// whole: scalar reads and writes go through the methods below, tensor ops
// through `tensorOps` (the backend without its lifecycle and memory
// figures, which are the engine's), programs through `programs`.

import type { OpId } from './ops.js';
import type { Random } from './random.js';
import type { Tape } from './tape.js';
import type { TensorBackend } from './tensor/backend.js';

/**
 * One per engine per tape generation. A handle may be used while
 * its owner is its engine's current generation: one identity comparison
 * checks both that it belongs to this engine and that no reset() has freed it.
 */
export class Generation {
  constructor(
    readonly engine: EngineContext,
    readonly index: number,
    /** Made by compile() for the Values of its trace, which belong to the program afterwards. */
    readonly traced = false,
  ) {}

  /**
   * Gradient hooks and custom ops whose graph lives in this generation
   * (src/transforms/extension.ts), or null while there are none: then
   * backward runs the fused kernels. On the engine's `unbound` generation,
   * the hooks of parameters, which outlive every tape.
   */
  ext: unknown = null;
  /** Node ranges [start, end) of the scalar tape that eng.noGrad() made, as pairs: backward from them is refused. */
  noGradRanges: number[] | null = null;
}

/**
 * The engine's public type as handles' `engine` getters return it. Empty
 * here; engine.ts merges the Engine class into it (`interface EngineType
 * extends Engine {}` in a `declare module './context.js'`), so `v.engine` is
 * the whole Engine for users while this module and every handle stay below
 * engine.ts in the import graph. Handles themselves use only EngineContext.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-empty-object-type
export interface EngineType {}

export interface BackwardOptions {
  /**
   * Also record the backward pass as graph nodes (PyTorch's create_graph), so
   * that the gradients, as Values (`x.gradValue`), can be differentiated again.
   */
  createGraph?: boolean;
}

/** What registerHook returns: PyTorch's RemovableHandle. */
export interface RemovableHandle {
  /** Unregisters the hook (again: no effect). */
  remove(): void;
}

/** What the engine reads of a scalar handle (Value, Param). */
export interface ScalarHandle {
  owner: Generation;
  id: number;
}

/** What the engine reads of a tensor handle (Tensor, TensorParam). */
export interface TensorHandle {
  owner: Generation;
  id: number;
  readonly shape: readonly number[];
}

/** What tensor handles may call on the tensor backend: ops, reads and slots; not reset, zeroGrad or the memory figures. */
export type TensorOps = Omit<
  TensorBackend,
  'backend' | 'reset' | 'zeroGrad' | 'nodeCount' | 'slotCount' | 'tensorBytes' | 'arenaUsed' | 'arenaPeak' | 'heapBytes' | 'shape' | 'dtype'
>;

/** What Program may call on the scalar tape: its compiled-program half, and parameter values for save(). */
export type ProgramOps = Pick<
  Tape,
  | 'freeProgram' | 'programForward' | 'programRun' | 'programStep' | 'programSetInputs'
  | 'programValue' | 'programGrad' | 'programInfo' | 'programNodes' | 'paramValue'
>;

/** The engine as its handles see it (implemented by Engine; not part of the public API). */
export interface EngineContext {
  /** For messages: "wasm engine #3". */
  readonly label: string;
  /** The generation that handles made now belong to; replaced by reset(). */
  readonly current: Generation;
  /** The owner of persistent handles (parameters, kept tensors) whose node is not on the current tape. */
  readonly unbound: Generation;

  // ── scalars ──

  /** Pushes `op` of x (a Value, or a number that becomes a Const) and returns the node id, after checking x may be used. */
  pushUnary(op: OpId, x: ScalarHandle | number, opName: string): number;
  /** Pushes x `op` y; either may be a number. */
  pushBinary(op: OpId, x: ScalarHandle | number, y: ScalarHandle | number, opName: string): number;
  /** The node id of `v` for reading (a Value outside a compile that is tracing may be read, not built on). */
  readId(v: ScalarHandle, opName: string): number;
  /** The forward value, gradient, op and input k of node `id` (from readId). */
  nodeValue(id: number): number;
  nodeGrad(id: number): number;
  nodeOp(id: number): OpId;
  /** Input k of node `id`: a node id, the slot of a Param node, or -1. */
  nodeInput(id: number, k: 0 | 1): number;
  nameOf(v: ScalarHandle): string | undefined;
  setName(v: ScalarHandle, name: string): void;
  backward(root: ScalarHandle, options?: BackwardOptions): void;
  /** A Const node holding x (Value#detach). */
  constant(x: number): ScalarHandle;
  /** False inside eng.noGrad(): ops then record nothing that a gradient could flow through. */
  readonly gradEnabled: boolean;
  /** x.registerHook(fn) for a Value or a Tensor (src/transforms/hooks.ts). */
  registerGradHook(x: ScalarHandle | TensorHandle, hook: (grad: never) => unknown): RemovableHandle;
  /** The differentiable gradient backward({ createGraph: true }) gave a leaf or parameter, or null. */
  gradValueOf(v: ScalarHandle): ScalarHandle | null;

  paramValue(slot: number): number;
  paramGrad(slot: number): number;
  /** Sets a parameter's value; its next use reads it through a new Param node. */
  setParamValue(p: ScalarHandle & { readonly slot: number }, x: number): void;
  setParamGrad(p: ScalarHandle & { readonly slot: number }, x: number): void;
  /** After p's value changed: its next use reads the new value through a new Param node. */
  invalidateParamNode(p: ScalarHandle): void;

  /** Compiled programs on the scalar tape (Engine has checked every argument it passes on). */
  readonly programs: ProgramOps;

  // ── tensors ──

  /**
   * The tensor ops for one op named `opName`, after holding the tape to its
   * budget (and, for 'backward', the forgotten-reset check).
   */
  tensorOps(opName: string): TensorOps;
  /** The node id of `t` on the current tensor tape, after checking it may be used here. */
  tensorIdOf(t: TensorHandle, opName: string): number;
  /**
   * The graph-recording half of t.backward({ createGraph: true }), after the
   * fused sweep; or, while hooks or custom ops are on the graph, the whole
   * backward (recorded only with createGraph).
   */
  recordTensorBackward(t: TensorHandle, createGraph: boolean): void;
  /** The differentiable gradient t.backward({ createGraph: true }) gave a leaf or parameter, or null. */
  gradTensorOf(t: TensorHandle): TensorHandle | null;
  /** A parameter's zeroGrad(): its gradTensor starts again from nothing. */
  forgetGradTensor(t: TensorHandle): void;
  /** The engine's generator (createEngine's `seed`): the default of randn/rand, layer init and dropout. */
  readonly tensorRng: Random;
  /**
   * `err` as users get it: running out of memory becomes a WasmgradMemoryError
   * naming `opName` and the engine's memory; anything else is returned as it is.
   */
  memoryFailure(err: unknown, opName: string): unknown;
}
