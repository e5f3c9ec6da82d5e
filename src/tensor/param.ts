// Parameters and kept tensors: tensors backed by a slot, which survive
// eng.reset(). Each tape generation reads one through a Param node, pushed on
// first use, that shares the slot's data and gradient.

import type { EngineContext, TensorOps } from '../context.js';
import type { DType, TypedData } from './backend.js';
import { isTyped, toTyped, type NestedArray } from './data.js';
import * as S from './shape.js';
import { Tensor, type DataOf } from './tensor.js';
import { describeTensor } from './format.js';
import { WasmgradArgumentError, WasmgradShapeError, WasmgradStaleHandleError } from '../errors.js';

/**
 * A persistent tensor backed by a slot: it survives `eng.reset()`. Made by
 * `eng.parameter()` (trainable: requiresGrad) or `eng.keep()` (a kept value).
 * Each tape generation reads it through one node, pushed on first use, which
 * shares the slot's data and gradient.
 */
export class TensorParam<D extends DType = DType> extends Tensor<D> {
  /** @internal */ readonly slot: number;
  private readonly trainable: boolean;
  private freed = false;

  /** @internal */
  constructor(engine: EngineContext, slot: number, shape: readonly number[], dtype: D, requiresGrad: boolean) {
    super(engine.unbound, -1, shape, dtype);
    this.slot = slot;
    this.trainable = requiresGrad && dtype !== 'int32';
  }

  /** @internal */
  checkLive(op: string): TensorOps {
    if (this.freed) throw new WasmgradStaleHandleError(`${op}: this parameter was freed with free()`);
    return this.owner.engine.tensorOps(op);
  }

  override get requiresGrad(): boolean { return this.trainable; }
  override data(): DataOf<D> { return this.checkLive('data').slotData(this.slot) as DataOf<D>; }
  override item(): number {
    if (this.size !== 1) throw new WasmgradShapeError(`item: only a tensor of one element has an item; this one has shape ${S.fmt(this.shape)}`);
    return this.data()[0];
  }

  /**
   * The gradient accumulated since the last zeroGrad() (zeros before any
   * backward reached it), as a copy. Assigning writes it: numbers in the
   * parameter's shape (nested, flat typed, or a tensor), or null for zeros,
   * as PyTorch's `p.grad = …` does, for clipping or scaling by hand.
   */
  override get grad(): DataOf<D> {
    return this.checkLive('grad').slotGrad(this.slot) as DataOf<D>;
  }

  override set grad(values: NestedArray | TypedData | Tensor | null) {
    const be = this.checkLive('grad');
    if (!this.trainable) throw new WasmgradArgumentError('grad: this tensor does not require grad, so it keeps no gradient to set');
    if (values === null) {
      be.zeroSlotGrad(this.slot);
      return;
    }
    be.setSlotGrad(this.slot, this.valuesOf(values, 'grad'));
  }

  /** Overwrites the values (same size); graphs built afterwards read the new ones. */
  assign(values: NestedArray | TypedData | Tensor): this {
    const be = this.checkLive('assign');
    be.setSlotData(this.slot, this.valuesOf(values, 'assign'));
    this.owner = this.owner.engine.unbound;
    return this;
  }

  /** Values for this parameter's data or gradient: its shape and dtype, from a tensor, flat typed data or nested arrays. */
  private valuesOf(values: NestedArray | TypedData | Tensor, op: string): TypedData {
    if (values instanceof Tensor) {
      if (!S.sameShape(values.shape, this.shape)) throw new WasmgradShapeError(`${op}: a tensor of shape ${S.fmt(values.shape)} cannot be assigned to one of shape ${S.fmt(this.shape)}`);
      return values.to(this.dtype).data();
    }
    if (isTyped(values)) {
      // flat row-major data, as data() returns it
      const data = toTyped(values, this.dtype, op).data;
      if (data.length !== this.size) throw new WasmgradShapeError(`${op}: expected ${this.size} values for shape ${S.fmt(this.shape)}, got a typed array of ${data.length}`);
      return data;
    }
    const t = toTyped(values, this.dtype, op);
    if (!S.sameShape(t.shape, this.shape)) throw new WasmgradShapeError(`${op}: values of shape ${S.fmt(t.shape)} cannot be assigned to a tensor of shape ${S.fmt(this.shape)}`);
    return t.data;
  }

  /** Sets this parameter's gradient to 0 (and forgets its gradTensor). */
  zeroGrad(): void {
    this.checkLive('zeroGrad').zeroSlotGrad(this.slot);
    this.owner.engine.forgetGradTensor(this);
  }

  /** Releases the slot's memory; the parameter cannot be used afterwards. */
  free(): void {
    this.checkLive('free').freeSlot(this.slot);
    this.freed = true;
    // Its node on the current tape must not serve later ops either: make every use go through checkLive.
    this.owner = this.owner.engine.unbound;
  }

  /** As PyTorch prints a parameter: `Parameter containing:` and its values. */
  override toString(): string {
    if (this.freed) return `Parameter(<freed>, shape=${S.fmt(this.shape)}, dtype=${this.dtype})`;
    return describeTensor(this.trainable ? 'Parameter containing:\ntensor(' : 'tensor(', this);
  }
}

