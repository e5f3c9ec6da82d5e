// The tensor Module: parameters, buffers and child modules by name, with
// torch.nn.Module's naming (own parameters, then own buffers, then each
// child's under its name, dot-joined) so a state dict's keys are PyTorch's.
//
// Built-in layers register what they own under PyTorch's attribute names
// (registerParameter, registerBuffer, registerModule). A module of your own
// needs no registration: its own properties holding a TensorParam, a Module or
// an array of Modules are found by name, in the order they were assigned, as
// torch finds attributes through __setattr__.

import { checkFlag, checkOptions, describe } from '../../check.js';
import { Tensor } from '../tensor.js';
import { TensorParam } from '../param.js';
import * as S from '../shape.js';
import type { TypedData } from '../backend.js';
import { WasmgradArgumentError, WasmgradValueError } from '../../errors.js';

/** What loadStateDict accepts per key: a tensor (as loadSafetensors gives), or flat data with its shape. */
export type StateValue = Tensor | { readonly shape: readonly number[]; readonly data: TypedData };

export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true, as PyTorch). Shapes must match either way. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** Whether the module is in training mode (dropout on, batch statistics); `train()` / `eval()` set it for the whole tree. */
  training = true;
  private readonly registered = new Map<string, { kind: 'parameter' | 'buffer' | 'module'; value: TensorParam | Module | null }>();
  /** Buffers PyTorch stores as int64 (BatchNorm's num_batches_tracked), held here as int32. */
  private readonly int64Names = new Set<string>();

  abstract forward(...inputs: never[]): Tensor;

  /** @internal Registers a parameter under PyTorch's name (null: an absent optional one, such as a bias turned off). */
  protected registerParameter(name: string, p: TensorParam | null): void {
    this.registered.set(name, { kind: 'parameter', value: p });
  }

  /** Registers a buffer: state saved and loaded with the parameters but not trained (running statistics). */
  protected registerBuffer(name: string, b: TensorParam, options?: { int64?: boolean }): void {
    this.registered.set(name, { kind: 'buffer', value: b });
    if (options?.int64) this.int64Names.add(name);
  }

  protected registerModule(name: string, m: Module): void {
    this.registered.set(name, { kind: 'module', value: m });
  }

  /** Registered entries, then own properties holding parameters or modules that were not registered. */
  private entries(): { name: string; kind: 'parameter' | 'buffer' | 'module'; value: TensorParam | Module }[] {
    const out: { name: string; kind: 'parameter' | 'buffer' | 'module'; value: TensorParam | Module }[] = [];
    const seen = new Set<unknown>();
    for (const [name, e] of this.registered) {
      seen.add(e.value);
      if (e.value !== null) out.push({ name, kind: e.kind, value: e.value });
    }
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (seen.has(v)) continue;
      if (v instanceof TensorParam) {
        // requiresGrad false: a kept tensor, which torch would hold as a buffer
        out.push({ name: key, kind: v.requiresGrad ? 'parameter' : 'buffer', value: v });
      } else if (v instanceof Module) {
        out.push({ name: key, kind: 'module', value: v });
      } else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module || typeof m === 'function')) {
        // an array of layers is a ModuleList: children named key.0, key.1, … (functions count, as in Sequential)
        v.forEach((m, i) => { if (m instanceof Module && !seen.has(m)) out.push({ name: `${key}.${i}`, kind: 'module', value: m }); });
      }
    }
    return out;
  }

  /** The direct children by name. */
  namedChildren(): [string, Module][] {
    return this.entries().filter((e) => e.kind === 'module').map((e) => [e.name, e.value as Module]);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module (named '') and every descendant, depth first, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, c] of m.namedChildren()) walk(c, name === '' ? n : `${name}.${n}`);
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  private namedOf(kind: 'parameter' | 'buffer'): [string, TensorParam][] {
    const out: [string, TensorParam][] = [];
    const seen = new Set<TensorParam>();
    for (const [prefix, m] of this.namedModules()) {
      for (const e of m.entries()) {
        if (e.kind !== kind || seen.has(e.value as TensorParam)) continue;
        seen.add(e.value as TensorParam);
        out.push([prefix === '' ? e.name : `${prefix}.${e.name}`, e.value as TensorParam]);
      }
    }
    return out;
  }

  /** Every trainable parameter with its PyTorch name (`fc1.weight`, `0.bias`); a shared one once, under its first name. */
  namedParameters(): [string, TensorParam][] {
    return this.namedOf('parameter');
  }

  parameters(): TensorParam[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its name (`bn.running_mean`). */
  namedBuffers(): [string, TensorParam][] {
    return this.namedOf('buffer');
  }

  buffers(): TensorParam[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Sets the gradient of this module's parameters to 0. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    checkFlag(mode, 'train', 'mode');
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout is the identity, batch norm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and buffers by PyTorch name, in PyTorch's order (per module:
   * parameters, then buffers, then children). The values are the live
   * TensorParams: `saveSafetensors(model.stateDict(), { int64: model.int64Keys() })`
   * writes a file PyTorch's load_state_dict reads.
   */
  stateDict(): Record<string, TensorParam> {
    const out: Record<string, TensorParam> = Object.create(null);
    const seen = new Set<TensorParam>();
    for (const [prefix, m] of this.namedModules()) {
      for (const e of m.entries()) {
        if (e.kind === 'module' || seen.has(e.value as TensorParam)) continue;
        seen.add(e.value as TensorParam);
        out[prefix === '' ? e.name : `${prefix}.${e.name}`] = e.value as TensorParam;
      }
    }
    return out;
  }

  /** The keys of stateDict() that PyTorch keeps as int64 (pass them to saveSafetensors' `int64`). */
  int64Keys(): string[] {
    const out: string[] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const n of m.int64Names) out.push(prefix === '' ? n : `${prefix}.${n}`);
    }
    return out;
  }

  /**
   * Copies each tensor of `record` into the parameter or buffer of that name
   * (converted to its dtype). Every shape is checked before anything is
   * written, so a refused load changes nothing. With `strict` (default) a key
   * missing from the record or one the model does not have is an error naming
   * them; without, they are returned.
   */
  loadStateDict(record: Readonly<Record<string, StateValue>>, options?: LoadStateDictOptions): LoadStateDictResult {
    const o = checkOptions(options, 'loadStateDict', ['strict']);
    const strict = checkFlag(o.strict, 'loadStateDict', 'strict') ?? true;
    if (typeof record !== 'object' || record === null) throw new WasmgradArgumentError(`loadStateDict: expected a record of tensors by name, got ${describe(record)}`);
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !Object.prototype.hasOwnProperty.call(record, k));
    const unexpectedKeys = Object.keys(record).filter((k) => !(k in own));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts: string[] = [];
      if (missingKeys.length > 0) parts.push(`missing keys ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
      if (unexpectedKeys.length > 0) parts.push(`unexpected keys ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
      throw new WasmgradValueError(`loadStateDict: ${parts.join('; ')} (pass { strict: false } to load the keys that match)`);
    }
    const writes: [TensorParam, StateValue][] = [];
    const mismatched: string[] = [];
    for (const [key, p] of Object.entries(own)) {
      if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
      const v = record[key];
      const shape = v instanceof Tensor ? v.shape : typeof v === 'object' && v !== null && Array.isArray(v.shape) && ArrayBuffer.isView(v.data) ? v.shape : null;
      if (shape === null) throw new WasmgradArgumentError(`loadStateDict: '${key}' is ${describe(v)}, not a Tensor or { shape, data }`);
      if (!S.sameShape(shape, p.shape)) mismatched.push(`'${key}' has shape ${S.fmt(shape)} in the record and ${S.fmt(p.shape)} in the model`);
      writes.push([p, v]);
    }
    if (mismatched.length > 0) throw new WasmgradValueError(`loadStateDict: size mismatch: ${mismatched.join('; ')}`);
    for (const [p, v] of writes) p.assign(v instanceof Tensor ? v : v.data);
    return { missingKeys, unexpectedKeys };
  }

  /** The layer's own settings for toString(), e.g. `in=2, out=3`. */
  protected extraRepr(): string {
    return '';
  }

  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([n, c]) => `  (${n}): ${String(c).split('\n').join('\n  ')}`);
    return `${head}${this.extraRepr() === '' ? '' : ','}\n${lines.join('\n')}\n)`;
  }
}

// Node's console.log and REPL print the module tree, not the engine and registries behind it.
Object.defineProperty(Module.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: Module) { return this.toString(); },
});
