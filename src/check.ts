import { WasmgradArgumentError, WasmgradValueError } from './errors.js';
// Argument checks shared by the API, with messages that name the op and what it got.

/** A short description of a bad argument for an error message: its type and, for primitives, its value. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'Object'})`;
  return typeof x === 'string' ? `the string ${JSON.stringify(x)}` : `${typeof x} ${String(x)}`;
}

export function checkNumber(x: unknown, opName: string): asserts x is number {
  if (typeof x !== 'number') throw new WasmgradArgumentError(`${opName}: expected a number, got ${describe(x)}`);
}

export function checkName(name: unknown, opName: string): asserts name is string {
  if (typeof name !== 'string') throw new WasmgradArgumentError(`${opName}: the name must be a string, got ${describe(name)}`);
}

/**
 * What to tell someone who wrote an option the way PyTorch (or a habit) spells
 * it: the wasmgrad spelling, or why there is none. Looked up only for keys the
 * op does not know, so a key that is valid somewhere stays valid there.
 */
const OPTION_HINTS: Record<string, string> = {
  weight_decay: 'wasmgrad spells it weightDecay',
  requires_grad: 'wasmgrad spells it requiresGrad',
  keepdim: 'wasmgrad spells it keepdims',
  unbiased: 'use correction: 1 (unbiased, the default) or correction: 0',
  dim: 'pass the axes as the first argument',
  axis: 'pass the axes as the first argument',
  generator: 'wasmgrad spells it rng (a Random)',
  amsgrad: 'AMSGrad is not supported',
  maximize: 'maximize is not supported; negate the loss',
  foreach: 'not supported (every step is one backend call already)',
  fused: 'not supported (every step is one backend call already)',
  capturable: 'not supported',
  differentiable: 'not supported',
  create_graph: 'wasmgrad spells it createGraph',
  retain_graph: 'not needed: the tape keeps every graph until eng.reset()',
  grad_outputs: 'wasmgrad spells it gradOutputs',
  device: 'not supported: tensors live in the engine that made them',
  dilation: 'dilation is not supported',
  groups: 'grouped convolution is not supported',
  padding_mode: 'only zero padding is supported',
  ceil_mode: 'ceil_mode is not supported (output sizes round down)',
  count_include_pad: 'avgPool2d always counts padding in the divisor (count_include_pad=True)',
  return_indices: 'not supported',
  learningRate: 'wasmgrad spells it lr',
  learning_rate: 'wasmgrad spells it lr',
  epsilon: 'wasmgrad spells it eps',
  beta1: 'pass betas: [beta1, beta2]',
  beta2: 'pass betas: [beta1, beta2]',
};

/** Hints that depend on the op: options that belong to a neighbouring one. */
const OP_OPTION_HINTS: Record<string, Record<string, string>> = {
  SGD: { betas: 'betas is an Adam option; SGD takes momentum', eps: 'eps is an Adam option' },
  Adam: { momentum: "Adam has no momentum option; its first moment's decay is betas[0]" },
  AdamW: { momentum: "AdamW has no momentum option; its first moment's decay is betas[0]" },
};

/** A general hint, but not one naming a spelling this op does not take (`keepdim` → keepdims is no help to toDot). */
function respelling(hint: string | undefined, known: readonly string[]): string | undefined {
  const spelled = hint === undefined ? null : /^wasmgrad spells it (\w+)$/.exec(hint);
  return spelled !== null && !known.includes(spelled[1]) ? undefined : hint;
}

/** For a PyTorch snake_case key (label_smoothing) whose camelCase spelling is a known option: say so. */
function camelHint(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel !== key && known.includes(camel) ? `wasmgrad spells it ${camel}` : undefined;
}

/**
 * `options` as an object with only `known` keys ({} when undefined). Anything
 * else is a named TypeError: a silently ignored option (a PyTorch spelling,
 * an option of another optimizer) would make a run differ with no error.
 */
export function checkOptions<T extends object>(options: T | undefined, op: string, known: readonly string[]): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WasmgradArgumentError(`${op}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = OP_OPTION_HINTS[op]?.[key] ?? respelling(OPTION_HINTS[key], known) ?? camelHint(key, known);
    const knownList = known.length > 0 ? known.join(', ') : 'none';
    throw new WasmgradArgumentError(`${op}: unknown option '${key}'${hint ? ` (${hint})` : ''}; the options are ${knownList}`);
  }
  return options;
}

/** An optional boolean option. */
export function checkFlag(x: unknown, op: string, key: string): boolean | undefined {
  if (x !== undefined && typeof x !== 'boolean') throw new WasmgradArgumentError(`${op}: ${key} must be true or false, got ${describe(x)}`);
  return x as boolean | undefined;
}

/** A source of random numbers as src/random.ts's Random: anything with next() and normal(). */
export function checkRng<T>(x: T, op: string): T {
  const r = x as { next?: unknown; normal?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.next !== 'function' || typeof r.normal !== 'function') {
    throw new WasmgradArgumentError(`${op}: rng must be a Random (new Random(seed)), got ${describe(x)}`);
  }
  return x;
}

/**
 * Integer indices in [0, bound), one by one (indexSelect's indices,
 * crossEntropy's targets). A non-number is a TypeError, any other bad entry a
 * RangeError; `bad(i, x)` words the message for entry i.
 */
export function checkIndices(op: string, list: ArrayLike<unknown>, bound: number, bad: (i: number, x: string) => string): void {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number') throw new WasmgradArgumentError(`${op}: ${bad(i, describe(x))}`);
    if (!Number.isInteger(x) || x < 0 || x >= bound) throw new WasmgradValueError(`${op}: ${bad(i, String(x))}`);
  }
}

/**
 * The entry of `ids` that `options[option]` names (`fallback` when absent),
 * for ops whose variants share a method (gelu's approximate), or a named
 * TypeError listing the values there are.
 */
export function checkVariant<Id>(method: string, options: object | undefined, option: string, ids: Readonly<Record<string, Id>>, fallback: string): Id {
  const value = (checkOptions(options, method, [option]) as Record<string, unknown>)[option] ?? fallback;
  if (typeof value !== 'string' || !Object.hasOwn(ids, value)) {
    throw new WasmgradArgumentError(`${method}: ${option} must be ${Object.keys(ids).map((v) => `'${v}'`).join(' or ')}, got ${describe(value)}`);
  }
  return ids[value];
}
