// The graph behind a Value, read once into plain records that the renderers
// (DOT, Mermaid, explain) share: nodes keyed by tape id, in tape order (which
// is a topological order: inputs are pushed before the nodes that use them).

import { describe } from '../check.js';
import { OP_INFO, type OpName } from '../ops.js';
import { Param, Value } from '../value.js';
import { WasmgradArgumentError, WasmgradValueError } from '../errors.js';

/** Default cap on the nodes a picture or an explanation shows. */
export const DEFAULT_MAX_NODES = 2000;

/** How far the walk counts nodes past the cap to say how big a truncated graph is. */
const COUNT_LIMIT = 1_000_000;

export type NodeKind = 'output' | 'leaf' | 'const' | 'param' | 'op';

export interface GraphNode {
  /** Stable key: the tape id, or `p<slot>` for a parameter that is not on the tape. */
  readonly key: string;
  /** Tape id (order key); -1 for a parameter that is not on the tape. */
  readonly id: number;
  readonly op: OpName;
  readonly kind: NodeKind;
  /** The name given with `eng.value(x, name)`, `named()` or (for parameters) the `params` option. */
  readonly name: string | undefined;
  readonly data: number;
  readonly grad: number;
  /** Keys of the inputs, in argument order (a node used twice appears twice). */
  readonly inputs: readonly string[];
}

export interface Graph {
  /** Nodes in tape order (inputs before their uses); the root is last. */
  readonly nodes: readonly GraphNode[];
  readonly byKey: ReadonlyMap<string, GraphNode>;
  readonly root: GraphNode;
  /** True when the cap stopped the walk: some inputs are not in `nodes`. */
  readonly truncated: boolean;
  /** Nodes reachable from the root: exact up to 1,000,000, else a lower bound (see `totalIsExact`). */
  readonly total: number;
  readonly totalIsExact: boolean;
  readonly maxNodes: number;
}

export interface WalkOptions {
  /** At most this many nodes are read (default 2,000); a larger graph is truncated near the output. */
  maxNodes?: number;
  /**
   * Parameters to name. A Param node already carries its parameter's name;
   * this supplies names where that is missing, e.g. `model.parameters()`.
   */
  params?: Iterable<Param>;
}

interface Pending {
  value: Value;
  key: string;
  id: number;
}

function checkRoot(value: unknown, caller: string): asserts value is Value {
  if (!(value instanceof Value)) {
    const tensor = value !== null && typeof value === 'object' && 'shape' in value;
    throw new WasmgradArgumentError(`${caller}: expected a Value, got ${describe(value)}${tensor ? '; explain() derives scalar graphs only (toDot, toMermaid and toSvg draw tensor graphs)' : ''}`);
  }
}

function checkMaxNodes(maxNodes: unknown, caller: string): number {
  if (maxNodes === undefined) return DEFAULT_MAX_NODES;
  if (typeof maxNodes !== 'number' || !Number.isInteger(maxNodes) || maxNodes < 1) {
    throw new WasmgradValueError(`${caller}: maxNodes must be a positive integer, got ${describe(maxNodes)}`);
  }
  return maxNodes;
}

/**
 * Reads the graph that `value` depends on, breadth-first from `value` through
 * `.inputs` (no recursion), deduplicated by tape id. Stops adding nodes at
 * `maxNodes`, so the part nearest the output is kept.
 */
export function walkGraph(value: Value, options: WalkOptions = {}, caller = 'walkGraph'): Graph {
  checkRoot(value, caller);
  if (typeof options !== 'object' || options === null) throw new WasmgradArgumentError(`${caller}: options must be an object, got ${describe(options)}`);
  const maxNodes = checkMaxNodes(options.maxNodes, caller);
  const paramNames = new Map<number, string>();
  for (const p of options.params ?? []) {
    if (!(p instanceof Param)) throw new WasmgradArgumentError(`${caller}: params must hold Params (eng.param()), got ${describe(p)}`);
    if (p.name !== undefined) paramNames.set(p.slot, p.name);
  }

  void value.data; // throws the engine's own error for a Value made before reset()
  // A Param object whose node is not on the current tape is a graph of one node.
  const detached = value instanceof Param && value.owner !== value.owner.engine.current;
  const rootKey = detached ? `p${(value as Param).slot}` : String(value.id);

  const seen = new Map<string, Pending>();
  const queue: Pending[] = [{ value, key: rootKey, id: detached ? -1 : value.id }];
  seen.set(rootKey, queue[0]);
  const inputKeys = new Map<string, string[]>();
  let truncated = false;
  for (let head = 0; head < queue.length; head++) {
    const item = queue[head];
    const keys: string[] = [];
    for (const input of item.value.inputs) {
      const key = String(input.id);
      keys.push(key);
      if (seen.has(key)) continue;
      if (seen.size >= maxNodes) {
        truncated = true;
        continue;
      }
      const pending = { value: input, key, id: input.id };
      seen.set(key, pending);
      queue.push(pending);
    }
    inputKeys.set(item.key, keys);
  }

  let total = seen.size;
  let totalIsExact = true;
  if (truncated) [total, totalIsExact] = countReachable(value);

  const ordered = [...seen.values()].sort((p, q) => p.id - q.id);
  const nodes: GraphNode[] = ordered.map(({ value: v, key, id }) => {
    const op = v.op;
    const isRoot = key === rootKey;
    const kind: NodeKind = isRoot ? 'output' : op === 'Leaf' ? 'leaf' : op === 'Const' ? 'const' : op === 'Param' ? 'param' : 'op';
    const name = op === 'Param' ? (v.name ?? paramNames.get(v.paramSlot)) : v.name;
    return { key, id, op, kind, name, data: v.data, grad: v.grad, inputs: inputKeys.get(key) ?? [] };
  });
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  return { nodes, byKey, root: byKey.get(rootKey)!, truncated, total, totalIsExact, maxNodes };
}

/** Counts the nodes reachable from `value` by tape id, up to COUNT_LIMIT. */
function countReachable(value: Value): [number, boolean] {
  const seen = new Set<number>([value.id]);
  const stack: Value[] = [value];
  while (stack.length > 0) {
    for (const input of stack.pop()!.inputs) {
      if (seen.has(input.id)) continue;
      if (seen.size >= COUNT_LIMIT) return [seen.size, false];
      seen.add(input.id);
      stack.push(input);
    }
  }
  return [seen.size, true];
}

/** The caption of a truncated graph. */
export function truncationMessage(graph: { readonly nodes: readonly unknown[] } & Pick<Graph, 'total' | 'totalIsExact' | 'maxNodes'>): string {
  const total = `${graph.totalIsExact ? '' : 'more than '}${graph.total.toLocaleString('en-US')}`;
  return (
    `graph truncated: showing the ${graph.nodes.length.toLocaleString('en-US')} nodes nearest the output ` +
    `of ${total} (maxNodes = ${graph.maxNodes.toLocaleString('en-US')}; pass { maxNodes } to show more)`
  );
}

/** 4 significant digits by default, without trailing zeros: -0.5344, 2, 1.368, 1e-7. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return String(Number(x.toPrecision(digits)));
}

/** A constant as written in an expression: exact when short, else rounded. */
export function formatConstant(x: number, digits = 4): string {
  const exact = String(x);
  return exact.length <= 8 ? exact : formatNumber(x, Math.max(digits, 6));
}

/** The op as written in an expression: `^` for both pows, otherwise OP_INFO's symbol. */
export function opSymbol(op: OpName): string {
  return op === 'Pow' || op === 'PowConst' ? '^' : OP_INFO[op].symbol;
}

/**
 * Names for every node: the given name where there is one, else a generated
 * one (a, b, c, ..., z, a1, b1, ...) in tape order, skipping names already in
 * use. Constants are named by their value.
 */
export function nodeNames(graph: Graph, digits = 4): Map<string, string> {
  const used = new Set<string>();
  for (const n of graph.nodes) if (n.name !== undefined) used.add(n.name);
  const names = new Map<string, string>();
  let counter = 0;
  const next = (): string => {
    for (;;) {
      const letter = String.fromCharCode(97 + (counter % 26));
      const round = Math.floor(counter / 26);
      counter++;
      const candidate = round === 0 ? letter : `${letter}${round}`;
      if (!used.has(candidate)) {
        used.add(candidate);
        return candidate;
      }
    }
  };
  for (const n of graph.nodes) {
    if (n.name !== undefined) names.set(n.key, n.name);
    else if (n.op === 'Const') names.set(n.key, formatConstant(n.data, digits));
    else names.set(n.key, next());
  }
  return names;
}

/** Whether any node holds a gradient, i.e. whether a backward() has reached this graph. */
export function hasGradients(graph: Graph): boolean {
  return graph.nodes.some((n) => n.grad !== 0);
}

/** Labels of the two arguments of ops whose argument order matters. */
const ARG_LABELS: { readonly [K in OpName]?: readonly [string, string] } = {
  Sub: ['left', 'right'],
  Div: ['num', 'den'],
  Pow: ['base', 'exp'],
  PowConst: ['base', 'exp'],
};

export function argLabel(op: OpName, k: number): string | undefined {
  return ARG_LABELS[op]?.[k];
}
