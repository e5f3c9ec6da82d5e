// Neural-network building blocks over scalar Values, in micrograd's spirit:
// a Neuron is a weighted sum plus bias (then ReLU), a Layer is a list of
// Neurons, an MLP a list of Layers. Weights are parameters, so they survive
// eng.reset() and a training loop can rebuild the graph every step.

import { checkFlag, checkOptions, checkRng } from './check.js';
import type { Engine } from './engine.js';
import { Random } from './random.js';
import { Param, type Scalar, type Value } from './value.js';
import { WasmgradArgumentError, WasmgradValueError } from './errors.js';

// The tensor modules live beside the scalar ones under one `nn`; nn.Module is theirs.
export {
  Module, TensorModule, Linear, Conv1d, Conv2d, Embedding, Sequential, Flatten, Dropout, ReLU, Tanh, Sigmoid, GELU, LeakyReLU, Softmax, MaxPool2d, AvgPool2d,
  LayerNorm, BatchNorm1d, BatchNorm2d, MultiheadAttention,
  type StateValue, type LoadStateDictOptions, type LoadStateDictResult,
  type InitOptions, type Conv1dInitOptions, type Conv2dInitOptions, type EmbeddingOptions, type DropoutOptions, type Layer as SequentialLayer,
  type LayerNormOptions, type BatchNormOptions, type MultiheadAttentionForwardOptions,
} from './tensor/nn.js';
export * as init from './tensor/init.js';

/** The base of the scalar modules (Neuron, Layer, MLP), whose parameters are scalar Params. */
export abstract class ScalarModule {
  abstract parameters(): Param[];

  /** Sets the gradient of this module's parameters to 0 (other parameters of the engine are untouched). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = 0;
  }

  /**
   * Every parameter with a name from the attributes that hold it, as the
   * tensor modules name theirs: `layers.0.neurons.1.w.0`, `layers.0.neurons.1.b`.
   */
  namedParameters(): [string, Param][] {
    const out: [string, Param][] = [];
    const visit = (v: unknown, name: string) => {
      if (v instanceof Param) out.push([name, v]);
      else if (v instanceof ScalarModule) for (const [n, p] of v.namedParameters()) out.push([`${name}.${n}`, p]);
      else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${name}.${i}`));
    };
    for (const key of Object.keys(this)) visit((this as Record<string, unknown>)[key], key);
    return out;
  }

  /** The parameters' values by name (numbers: JSON holds them exactly). */
  stateDict(): Record<string, number> {
    return Object.fromEntries(this.namedParameters().map(([n, p]) => [n, p.data]));
  }

  /** Sets each parameter from `record`; every key must match, as the tensor modules' strict load. */
  loadStateDict(record: Readonly<Record<string, number>>): void {
    if (typeof record !== 'object' || record === null) throw new WasmgradArgumentError('loadStateDict: expected a record of numbers by name');
    const own = this.namedParameters();
    const names = new Set(own.map(([n]) => n));
    const missing = own.filter(([n]) => typeof record[n] !== 'number').map(([n]) => `'${n}'`);
    const unexpected = Object.keys(record).filter((k) => !names.has(k)).map((k) => `'${k}'`);
    if (missing.length > 0 || unexpected.length > 0) {
      throw new WasmgradValueError(`loadStateDict: ${[missing.length > 0 ? `missing keys ${missing.join(', ')}` : '', unexpected.length > 0 ? `unexpected keys ${unexpected.join(', ')}` : ''].filter(Boolean).join('; ')}`);
    }
    for (const [n, p] of own) p.data = record[n];
  }
}

export interface NeuronOptions {
  /** Apply ReLU to the output (default true). */
  nonlin?: boolean;
  /** Source of the initial weights, uniform in [-1, 1). Default: the engine's generator (`eng.rng`). */
  rng?: Random;
}

export class Neuron extends ScalarModule {
  readonly w: Param[];
  readonly b: Param;
  readonly nonlin: boolean;

  constructor(readonly engine: Engine, nin: number, options?: NeuronOptions) {
    super();
    const o = checkOptions(options, 'Neuron', ['nonlin', 'rng']);
    if (!Number.isInteger(nin) || nin < 1) throw new WasmgradValueError(`Neuron: nin must be a positive integer, got ${nin}`);
    const rng = o.rng !== undefined ? checkRng(o.rng, 'Neuron') : engine.rng;
    this.nonlin = checkFlag(o.nonlin, 'Neuron', 'nonlin') ?? true;
    this.w = Array.from({ length: nin }, () => engine.param(rng.uniform(-1, 1)));
    this.b = engine.param(0);
  }

  forward(x: readonly Scalar[]): Value {
    if (x.length !== this.w.length) throw new WasmgradValueError(`Neuron: expected ${this.w.length} inputs, got ${x.length}`);
    let act: Value = this.b;
    for (let i = 0; i < x.length; i++) act = act.add(this.w[i].mul(x[i]));
    return this.nonlin ? act.relu() : act;
  }

  override parameters(): Param[] {
    return [...this.w, this.b];
  }

  override toString(): string {
    return `${this.nonlin ? 'ReLU' : 'Linear'}Neuron(${this.w.length})`;
  }
}

export class Layer extends ScalarModule {
  readonly neurons: Neuron[];

  constructor(readonly engine: Engine, nin: number, nout: number, options?: NeuronOptions) {
    super();
    const o = checkOptions(options, 'Layer', ['nonlin', 'rng']);
    if (!Number.isInteger(nout) || nout < 1) throw new WasmgradValueError(`Layer: nout must be a positive integer, got ${nout}`);
    const rng = o.rng !== undefined ? checkRng(o.rng, 'Layer') : engine.rng;
    this.neurons = Array.from({ length: nout }, () => new Neuron(engine, nin, { ...o, rng }));
  }

  forward(x: readonly Scalar[]): Value[] {
    return this.neurons.map((n) => n.forward(x));
  }

  override parameters(): Param[] {
    return this.neurons.flatMap((n) => n.parameters());
  }

  override toString(): string {
    return `Layer of [${this.neurons.join(', ')}]`;
  }
}

export interface MLPOptions {
  /**
   * Seed of a generator of its own for the weights; the same seed gives the
   * same model on every backend. Default: draw from the engine's generator
   * (`createEngine({ seed })`), so two MLPs of one engine differ.
   */
  seed?: number;
}

/** A multi-layer perceptron: ReLU on every layer but the last, which is linear. */
export class MLP extends ScalarModule {
  readonly layers: Layer[];

  constructor(readonly engine: Engine, nin: number, nouts: readonly number[], options?: MLPOptions) {
    super();
    const o = checkOptions(options, 'MLP', ['seed']);
    if (!Array.isArray(nouts) || nouts.length === 0) throw new WasmgradValueError('MLP: nouts must be a non-empty array of layer sizes');
    if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new WasmgradArgumentError(`MLP: seed must be an integer, got ${String(o.seed)}`);
    const rng = o.seed !== undefined ? new Random(o.seed) : engine.rng;
    const sizes = [nin, ...nouts];
    this.layers = nouts.map(
      (nout, i) => new Layer(engine, sizes[i], nout, { nonlin: i !== nouts.length - 1, rng }),
    );
  }

  forward(x: readonly Scalar[]): Value[] {
    let out: readonly Scalar[] = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out as Value[];
  }

  override parameters(): Param[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  override toString(): string {
    return `MLP of [${this.layers.join(', ')}]`;
  }
}
