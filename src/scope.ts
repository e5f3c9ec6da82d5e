// eng.step(fn) / eng.scope(fn): run fn, keep what it returns, reset, also
// when fn throws. What "keep" means for each kind of result is here; the
// engine supplies keep() and reset().

import { describe } from './check.js';
import { WasmgradScopeError } from './tape.js';
import { Tensor } from './tensor/tensor.js';
import { TensorParam } from './tensor/param.js';
import { Value } from './value.js';
import { WasmgradArgumentError } from './errors.js';

/** What a scope needs of its engine. */
export interface ScopeHost {
  /** Whether compile() is tracing (a reset would free the trace). */
  tracing(): boolean;
  /** A copy of `t` that survives reset() (eng.keep). */
  keep(t: Tensor): TensorParam;
  reset(): void;
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === 'object' || typeof x === 'function') && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** One per engine: runs step/scope functions, one at a time. */
export class Scopes {
  /** While a step()/scope() runs its fn: which of the two, for messages. */
  private running: string | null = null;

  constructor(private readonly host: ScopeHost) {}

  /** Runs `fn` as `eng.step` or `eng.scope` (`name`) documents; returns what it returned, kept. */
  run(name: string, fn: () => unknown): unknown {
    if (typeof fn !== 'function') throw new WasmgradArgumentError(`${name}: expected a function, got ${describe(fn)}`);
    if (this.host.tracing()) {
      throw new WasmgradScopeError(`${name}: cannot run inside compile()'s fn: its reset() would free the trace; call it outside compile()`);
    }
    if (this.running !== null) {
      throw new WasmgradScopeError(
        `${name}: cannot run inside eng.${this.running}(): its reset() would free the outer function's tensors and values; ` +
          `call the inner function directly, or run the two one after the other`,
      );
    }
    this.running = name;
    const kept: TensorParam[] = [];
    try {
      const result = fn();
      if (isPromiseLike(result)) {
        // Its rejection, if any, comes from handles this reset frees; the TypeError below says why.
        Promise.resolve(result).catch(() => {});
        throw new WasmgradArgumentError(
          `${name}: fn returned a Promise; ${name}() resets when fn returns, which would free the tensors and values ` +
            'the async function still uses. Make fn synchronous, or await your work and call eng.reset() yourself',
        );
      }
      return this.keepResult(result, kept, new Map());
    } catch (err) {
      for (const p of kept) p.free();
      throw err;
    } finally {
      this.running = null;
      this.host.reset();
    }
  }

  /** `x` converted as Kept<T> (src/engine.ts) says; every slot it made goes into `kept`, to be freed if fn fails. */
  private keepResult(x: unknown, kept: TensorParam[], seen: Map<object, unknown>): unknown {
    if (typeof x !== 'object' || x === null) return x;
    if (x instanceof TensorParam) return x;
    if (x instanceof Tensor) {
      const p = this.host.keep(x);
      kept.push(p);
      return p;
    }
    if (x instanceof Value) return x.data;
    const done = seen.get(x);
    if (done !== undefined) return done;
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      seen.set(x, out);
      for (const item of x) out.push(this.keepResult(item, kept, seen));
      return out;
    }
    if (!isPlainObject(x)) return x;
    const out: Record<string, unknown> = {};
    seen.set(x, out);
    for (const key of Object.keys(x)) out[key] = this.keepResult((x as Record<string, unknown>)[key], kept, seen);
    return out;
  }
}
