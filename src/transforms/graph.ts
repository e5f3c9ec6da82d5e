// Differentiating the scalar tape with the registry's rules (src/generated/rules.ts)
// instead of the fused kernels: every gradient and tangent is itself a Value,
// pushed onto the same tape, so it can be differentiated again.
//
// - reverseSweep: the backward pass as graph nodes (PyTorch's create_graph).
//   It walks the tape in reverse from the roots as the fused sweep does and adds
//   each input's share in the same order, so that first-order results are the
//   fused kernels' bit for bit (test/create-graph.test.ts).
// - forwardSweep: forward mode. One pass, in push order, over the nodes a
//   function recorded, giving each the tangent its op's jvp rule makes of its
//   inputs' tangents; no reverse pass, no transposition.

import { describe } from '../check.js';
import type { EngineType, Generation } from '../context.js';
import { OP_ARITY, Op } from '../ops.js';
import { RULE_BY_ID, type RuleHelpers } from '../generated/rules.js';
import { Param, Value } from '../value.js';
import { staleGraphError } from './errors.js';
import { extended, runHooks, valueSweepExtensions } from './extension.js';
import { WasmgradCustomOpError } from './extension-errors.js';

const helpersByEngine = new WeakMap<EngineType, RuleHelpers<Value>>();

/**
 * The rules' masks on the scalar tape: nodes of the mask ops (Gt, Ge, Eq,
 * Sign, Select), which have no gradient, rather than constants read from the
 * operands' values, so that a compiled program holding a gradient takes each
 * branch anew on every run instead of the one taken when it was traced.
 */
export function valueHelpers(eng: EngineType): RuleHelpers<Value> {
  let h = helpersByEngine.get(eng);
  if (h !== undefined) return h;
  type OpId = Parameters<EngineType['pushBinary']>[0];
  const binary = (op: OpId, a: Value | number, b: Value | number, name: string): Value => new Value(eng.current, eng.pushBinary(op, a, b, name));
  const select = (m: Value, a: Value | number): Value => binary(Op.Select, m, a, 'where');
  h = {
    gt: (a, b) => binary(Op.Gt, a, b, 'gt'),
    ge: (a, b) => binary(Op.Ge, a, b, 'ge'),
    lt: (a, b) => binary(Op.Gt, b, a, 'lt'), // a < b is b > a, NaN included
    eq: (a, b) => binary(Op.Eq, a, b, 'eq'),
    sign: (a) => new Value(eng.current, eng.pushUnary(Op.Sign, a, 'sign')),
    where: (m, a, b) => {
      if (Object.is(b, 0)) return select(m, a);
      if (typeof a === 'number' && typeof b === 'number' && Object.is(a, b)) return eng.constant(a);
      const not = binary(Op.Eq, m, 0, 'where');
      if (Object.is(a, 0)) return select(not, b);
      // One of the two is 0 wherever the other is taken, so the sum is the branch taken (a −0 comes back +0).
      return select(m, a).add(select(not, b));
    },
  };
  helpersByEngine.set(eng, h);
  return h;
}

/**
 * The node id of `v` for a graph-recording sweep, after checking that its
 * graph still exists: a Value from before eng.reset() is a
 * WasmgradStaleGraphError; other misuse gets the engine's own message.
 */
export function graphId(eng: EngineType, v: unknown, what: string): number {
  if (v instanceof Value && !(v instanceof Param) && v.owner.engine === eng && v.owner !== eng.current && v.owner !== eng.traceOuter && !v.owner.traced && v.owner.index >= 0) {
    throw staleGraphError(what, 'Value', v.owner.index, eng.current.index);
  }
  return eng.idOf(v as Value, what);
}

/**
 * The node ids a reverse sweep from `roots` to `targets` walks: from the
 * lowest target to the highest root, or null when every root precedes every
 * target (nothing depends on them). Loops, not Math.max(...list): a spread
 * of every leaf of a large graph would overflow the stack.
 */
export function sweepRange(roots: readonly number[], targets: readonly number[]): [number, number] | null {
  let top = -1, low = Infinity;
  for (const r of roots) top = Math.max(top, r);
  for (const t of targets) low = Math.min(low, t);
  return top < low ? null : [low, top];
}

/**
 * Reverse sweep from `roots`, each seeded with its gradient, recording every
 * op's vjp rule as new nodes. Only nodes that depend on one of `targets`
 * (node ids) get a gradient. Returns each target's gradient, or null where
 * the roots do not depend on it.
 */
export function reverseSweep(eng: EngineType, roots: readonly number[], seeds: readonly Value[], targets: readonly number[]): (Value | null)[] {
  if (targets.length === 0) return [];
  const gen = eng.current;
  const range = sweepRange(roots, targets);
  if (range === null) return targets.map(() => null);
  const [low, top] = range;
  const span = top - low + 1;

  // needs[i]: node low + i depends on a target (or is one), so gradient flows to it.
  const needs = new Uint8Array(span);
  for (const t of targets) if (t <= top) needs[t - low] = 1;
  const ext = valueSweepExtensions(eng, (id) => (eng.nodeOp(id) === Op.Param ? eng.nodeInput(id, 0) : -1));
  for (let id = low; id <= top; id++) {
    if (needs[id - low]) continue;
    const custom = ext?.custom(id);
    if (custom !== undefined) {
      if (custom.inputs.some((input) => input >= low && needs[input - low])) needs[id - low] = 1;
      continue;
    }
    const arity = OP_ARITY[eng.nodeOp(id)];
    for (let k = 0; k < arity; k++) {
      const input = eng.nodeInput(id, k as 0 | 1);
      if (input >= low && needs[input - low]) { needs[id - low] = 1; break; }
    }
  }

  const grads: (Value | undefined)[] = new Array(span);
  const add = (id: number, g: Value): void => {
    const i = id - low;
    const prev = grads[i];
    grads[i] = prev === undefined ? g : prev.add(g);
  };
  roots.forEach((r, k) => { if (r >= low && needs[r - low]) add(r, seeds[k]); });

  const helpers = valueHelpers(eng);
  for (let id = top; id >= low; id--) {
    let g = grads[id - low];
    if (g === undefined) continue;
    if (ext !== null) {
      // every use of node id has a larger id, so g is its whole gradient now: what its hooks see
      const hooks = ext.hooks(id);
      if (hooks !== undefined) grads[id - low] = g = runHooks(hooks, g, (r) => checkValueGrad(eng, r));
      const custom = ext.custom(id);
      if (custom !== undefined) {
        const parts = custom.backward(g);
        custom.inputs.forEach((input, k) => {
          const part = parts[k];
          if (part !== null && input >= low && needs[input - low]) add(input, part);
        });
        continue;
      }
    }
    const op = eng.nodeOp(id);
    const arity = OP_ARITY[op];
    if (arity === 0) continue;
    const a = eng.nodeInput(id, 0);
    const b = arity === 2 ? eng.nodeInput(id, 1) : -1;
    const need = (a >= low && needs[a - low] ? 1 : 0) | (b >= low && needs[b - low] ? 2 : 0);
    const parts = RULE_BY_ID.get(op)!.vjp(g, new Value(gen, a), b < 0 ? undefined : new Value(gen, b), new Value(gen, id), helpers, need);
    for (let k = 0; k < arity; k++) {
      const input = k === 0 ? a : b;
      const part = parts[k];
      if (part !== null && input >= low && needs[input - low]) add(input, part);
    }
  }
  return targets.map((t) => (t <= top ? grads[t - low] ?? null : null));
}

/**
 * Forward mode over nodes [start, end): each node seeded in `seeds` takes that
 * tangent, every other node the one its op's jvp rule makes of its inputs'
 * (none where no input has one: the node does not depend on a seed). Returns
 * the tangent of node id, or null.
 */
export function forwardSweep(eng: EngineType, start: number, end: number, seeds: ReadonlyMap<number, Value>): (id: number) => Value | null {
  const gen = eng.current;
  const tangents: (Value | null)[] = new Array(Math.max(0, end - start)).fill(null);
  const helpers = valueHelpers(eng);
  const ext = valueSweepExtensions(eng, () => -1);
  for (let id = start; id < end; id++) {
    const seed = seeds.get(id);
    if (seed !== undefined) { tangents[id - start] = seed; continue; }
    const custom = ext?.custom(id);
    if (custom !== undefined && custom.inputs.some((input) => input >= start && tangents[input - start] !== null)) {
      // a custom op gives a backward rule only; forward mode would have to treat it as a constant, silently wrong
      throw new WasmgradCustomOpError(custom.name, 'forward mode (jvp, and hvp on scalars) cannot pass through a custom op, which has a backward rule only; use reverse mode (grad, vjp, jacobian, hessian)');
    }
    const op = eng.nodeOp(id);
    const arity = OP_ARITY[op];
    if (arity === 0) continue;
    const a = eng.nodeInput(id, 0);
    const b = arity === 2 ? eng.nodeInput(id, 1) : -1;
    const ta = a >= start ? tangents[a - start] : null;
    const tb = b >= start ? tangents[b - start] : null;
    if (ta === null && tb === null) continue;
    const rule = RULE_BY_ID.get(op)!;
    const x = new Value(gen, a), y = b < 0 ? undefined : new Value(gen, b), out = new Value(gen, id);
    if (arity === 2 && (ta === null || tb === null)) {
      // One input carries a tangent: the op's derivative by that input times it, which the vjp rule's
      // part for that input is (a scalar op's Jacobian is 1×2), built alone; the other input's zero
      // tangent is never a node.
      tangents[id - start] = rule.vjp(ta ?? tb!, x, y, out, helpers, ta !== null ? 1 : 2)[ta !== null ? 0 : 1];
      continue;
    }
    tangents[id - start] = rule.jvp(ta!, arity === 2 ? tb! : undefined, x, y, out, helpers);
  }
  return (id) => (id >= start && id < end ? tangents[id - start] : null);
}

// ── backward({ createGraph: true }) and Value#gradValue ──

/** Per generation, the differentiable gradients backward({ createGraph: true }) left, by node id. */
const gradValues = new WeakMap<Generation, Map<number, Value>>();

/**
 * The graph-recording half of backward({ createGraph: true }) (the fused
 * sweep has already set every `.grad` number): records the backward pass
 * from root and keeps each leaf's and parameter's gradient as a Value. Like
 * `.grad`, those accumulate across calls until zeroGrad() (PyTorch's rule).
 *
 * While hooks or custom ops exist (./extension.ts) it is the whole backward,
 * createGraph or not: the fused kernels did not run, and the leaves' and
 * parameters' gradients the sweep found are added to their `.grad` here.
 */
export function recordBackward(eng: EngineType, root: Value, createGraph = true): void {
  const r = graphId(eng, root, 'backward');
  const targets: number[] = [];
  for (let id = 0; id <= r; id++) {
    const op = eng.nodeOp(id);
    if (op === Op.Leaf || op === Op.Param) targets.push(id);
  }
  const grads = reverseSweep(eng, [r], [eng.constant(1)], targets);
  if (extended(eng)) accumulate(eng, targets, grads);
  if (createGraph) keepGradients(gradValues, eng.current, targets, grads);
}

/**
 * Adds each target's recorded gradient to what this generation keeps for it
 * (x.gradValue, t.gradTensor): like `.grad`, they accumulate until zeroGrad().
 */
export function keepGradients<T extends { add(other: T): T }>(
  store: WeakMap<Generation, Map<number, T>>, gen: Generation, targets: readonly number[], grads: readonly (T | null)[],
): void {
  let kept = store.get(gen);
  if (kept === undefined) store.set(gen, (kept = new Map()));
  targets.forEach((id, k) => {
    const g = grads[k];
    if (g === null) return;
    const prev = kept.get(id);
    kept.set(id, prev === undefined ? g : prev.add(g));
  });
}

/**
 * Adds each target's gradient to its `.grad` as the fused backward would:
 * the fused backward of Σ target·gradient (the gradients as constants), whose
 * every term passes its gradient exactly (1·g) to its leaf or parameter slot.
 */
function accumulate(eng: EngineType, targets: readonly number[], grads: readonly (Value | null)[]): void {
  const gen = eng.current;
  const was = eng.setGradEnabled(true);
  try {
    let total: Value | null = null;
    targets.forEach((id, k) => {
      const g = grads[k];
      if (g === null) return;
      const term = new Value(gen, id).mul(g.data);
      total = total === null ? term : total.add(term);
    });
    if (total !== null) eng.tape.backward((total as Value).id);
  } finally {
    eng.setGradEnabled(was);
  }
}

/** A hook's replacement for a Value's gradient: a Value of this engine, or a number (made a constant). */
function checkValueGrad(eng: EngineType, r: unknown): Value | string {
  if (typeof r === 'number') return eng.constant(r);
  if (r instanceof Value && r.engine === eng) return r;
  return r instanceof Value ? 'a Value of another engine' : `${describe(r)}, not a Value or a number`;
}

/** The differentiable gradient of a leaf or parameter from backward({ createGraph: true }) calls, or null. */
export function gradValueOf(eng: EngineType, v: Value): Value | null {
  if (v instanceof Param && v.owner !== eng.current) return null; // not read on this tape: nothing reached it
  const id = eng.readId(v, 'gradValue');
  return gradValues.get(eng.current)?.get(id) ?? null;
}

/** zeroGrad(): the kept gradient Values start again from nothing. */
export function clearGradValues(eng: EngineType): void {
  gradValues.delete(eng.current);
}
