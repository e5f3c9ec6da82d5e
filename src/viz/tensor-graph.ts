// The graph behind a Tensor, read back from the tensor tape node by node
// (kind, inputs, attributes: the backend's nodeInfo) into boxes the DOT and
// Mermaid renderers draw as they draw scalar graphs. A box shows what a
// tensor is rather than its numbers: its name, shape and dtype, the value of
// a one-element tensor, and the size of its gradient after backward().

import { describe } from '../check.js';
import { CompareKind, ELEMENTWISE, NODE_KIND_INFO, OP_COUNT, OP_NAMES, ReduceKind, type NodeKindName, type OpAttrs } from '../generated/ops.js';
import type { DType, NodeInfo, TensorBackend, TypedData } from '../tensor/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorParam } from '../tensor/param.js';
import { argLabel, DEFAULT_MAX_NODES, formatNumber, opSymbol, type NodeKind } from './graph.js';
import { WasmgradArgumentError, WasmgradValueError } from '../errors.js';

/** How far the walk counts nodes past the cap to say how big a truncated graph is. */
const COUNT_LIMIT = 1_000_000;

export interface TensorGraphNode {
  /** The tape id as a string (a parameter not on the current tape: `p<slot>`). */
  readonly key: string;
  /** Tape id; -1 for a parameter not on the current tape. */
  readonly id: number;
  /** The node kind: Leaf, Const, Param, or an op kind (Unary, Matmul, Conv2d…). */
  readonly op: NodeKindName;
  readonly kind: NodeKind;
  /** What the op node shows: `tanh`, `+`, `@`, `sum(dim=[1])`, `conv2d(stride=2)`… (empty for leaves). */
  readonly label: string;
  /** A parameter's name (from `params`). */
  readonly name: string | undefined;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  /** The value of a one-element floating tensor, else undefined. */
  readonly value: number | undefined;
  /** After backward(): the gradient's value (one element) or its L2 norm; undefined when backward has not reached the node. */
  readonly grad: number | undefined;
  /** Keys of the inputs, in argument order. */
  readonly inputs: readonly string[];
  /** Labels of the edges from the inputs, where the argument order matters (`num`, `den`, `x`, `weight`…). */
  readonly inputLabels: readonly (string | undefined)[];
}

export interface TensorGraph {
  /** Nodes in tape order (inputs before their uses); the root is last. */
  readonly nodes: readonly TensorGraphNode[];
  readonly byKey: ReadonlyMap<string, TensorGraphNode>;
  readonly root: TensorGraphNode;
  readonly truncated: boolean;
  readonly total: number;
  readonly totalIsExact: boolean;
  readonly maxNodes: number;
}

/** Parameters to name: a module (anything with namedParameters()), or [name, parameter] pairs, or a record of them. */
export type TensorParamNames =
  | { namedParameters(): Iterable<readonly [string, TensorParam]> }
  | Iterable<readonly [string, TensorParam]>
  | { readonly [name: string]: TensorParam };

export interface TensorWalkOptions {
  /** At most this many nodes are read (default 2,000); a larger graph is truncated near the output. */
  maxNodes?: number;
  /** Names for the parameters the graph reads: `model` (a module) or `model.namedParameters()`. */
  params?: TensorParamNames;
}

const SHORT_DTYPE: { readonly [D in DType]: string } = { float32: 'f32', float64: 'f64', int32: 'i32' };

/** `[2, 3] f32`: what every tensor box says first. */
export function shapeText(node: TensorGraphNode): string {
  return `[${node.shape.join(', ')}] ${SHORT_DTYPE[node.dtype]}`;
}

const COMPARE_SYMBOL: Record<number, string> = {
  [CompareKind.Eq]: '==', [CompareKind.Ne]: '!=', [CompareKind.Lt]: '<', [CompareKind.Le]: '<=', [CompareKind.Gt]: '>', [CompareKind.Ge]: '>=',
};
const REDUCE_NAME: Record<number, string> = { [ReduceKind.Sum]: 'sum', [ReduceKind.Max]: 'amax', [ReduceKind.Min]: 'amin' };

/** An elementwise op's symbol: the scalar op's (`+`, `tanh`) or, for tensor-only ops, its method (`maximum`, `gelu`). */
function elementwiseSymbol(op: number): string {
  if (op < OP_COUNT) return opSymbol(OP_NAMES[op]);
  if (op === 110) return 'gelu(tanh)';
  return ELEMENTWISE[op]?.method ?? `op ${op}`;
}

function dims(list: readonly number[]): string {
  return `[${list.join(', ')}]`;
}

function window(a: OpAttrs['MaxPool2d']): string {
  const pair = (h: number, w: number) => (h === w ? String(h) : `(${h}, ${w})`);
  const parts = [`k=${pair(a.kernelH, a.kernelW)}`];
  if (a.strideH !== a.kernelH || a.strideW !== a.kernelW) parts.push(`stride=${pair(a.strideH, a.strideW)}`);
  if (a.padH !== 0 || a.padW !== 0) parts.push(`pad=${pair(a.padH, a.padW)}`);
  return parts.join(', ');
}

/** The op node's text for a node of `info`, in PyTorch's words where it has them. */
export function kindLabel(info: NodeInfo): string {
  switch (info.kind) {
    case 'Leaf': case 'Const': case 'Param': return '';
    case 'Unary': case 'Binary': return elementwiseSymbol(info.attrs.op);
    case 'Where': return 'where';
    case 'Compare': return COMPARE_SYMBOL[info.attrs.kind] ?? 'compare';
    case 'Reduce': return `${REDUCE_NAME[info.attrs.kind] ?? 'reduce'}(dim=${dims(info.attrs.axes)}${info.attrs.keepdims ? ', keepdim' : ''})`;
    case 'Matmul': return `${info.attrs.transA ? 'aᵀ' : 'a'} @ ${info.attrs.transB ? 'bᵀ' : 'b'}`;
    case 'Reshape': return `reshape ${dims(info.attrs.shape)}`;
    case 'Permute': return `permute ${dims(info.attrs.perm)}`;
    case 'Expand': return `expand ${dims(info.attrs.shape)}`;
    case 'Slice': return `slice ${info.attrs.starts.map((s, i) => `${s}:${info.attrs.ends[i]}`).join(', ')}`;
    case 'Concat': return `cat(dim=${info.attrs.axis})`;
    case 'Pad': return `pad${info.attrs.value === 0 ? '' : `(${formatNumber(info.attrs.value)})`}`;
    case 'IndexSelect': return `index_select(dim=${info.attrs.axis})`;
    case 'Conv2d': {
      const a = info.attrs;
      const parts: string[] = [];
      if (a.strideH !== 1 || a.strideW !== 1) parts.push(`stride=${a.strideH === a.strideW ? a.strideH : `(${a.strideH}, ${a.strideW})`}`);
      if (a.padH !== 0 || a.padW !== 0) parts.push(`padding=${a.padH === a.padW ? a.padH : `(${a.padH}, ${a.padW})`}`);
      return `conv2d${parts.length > 0 ? `(${parts.join(', ')})` : ''}`;
    }
    case 'MaxPool2d': return `max_pool2d(${window(info.attrs)})`;
    case 'AvgPool2d': return `avg_pool2d(${window(info.attrs)})`;
    case 'Detach': return 'detach';
    case 'Cast': return `to(${info.attrs.dtype})`;
    case 'CrossEntropy': return 'cross_entropy';
    case 'Argmax': return `argmax(dim=${info.attrs.axis})`;
    case 'Argmin': return `argmin(dim=${info.attrs.axis})`;
    case 'Argsort': return `argsort(dim=${info.attrs.axis}${info.attrs.descending ? ', descending' : ''})`;
    case 'Gather': return `gather(dim=${info.attrs.axis})`;
    case 'ScatterAdd': return `scatter_add(dim=${info.attrs.axis})`;
    case 'Cumsum': return `cumsum(dim=${info.attrs.axis})`;
    case 'Cumprod': return `cumprod(dim=${info.attrs.axis})`;
    default: return missing(info);
  }
}

function missing(info: never): string {
  return String((info as NodeInfo).kind);
}

/** Edge labels: the argument names where order matters (Sub, Div, Pow, and kinds whose inputs play different parts). */
function inputLabels(info: NodeInfo): (string | undefined)[] {
  const n = info.inputs.length;
  if (info.kind === 'Binary') {
    const op = info.attrs.op;
    return op < OP_COUNT ? [argLabel(OP_NAMES[op], 0), argLabel(OP_NAMES[op], 1)] : op === 102 ? ['x', 'slope'] : [undefined, undefined];
  }
  if (n < 2 || info.kind === 'Concat' || info.kind === 'Leaf' || info.kind === 'Const' || info.kind === 'Param') return new Array(n).fill(undefined);
  const names = NODE_KIND_INFO[info.kind].inputs;
  return info.inputs.map((_, k) => names[k]);
}

function checkMaxNodes(maxNodes: unknown, caller: string): number {
  if (maxNodes === undefined) return DEFAULT_MAX_NODES;
  if (typeof maxNodes !== 'number' || !Number.isInteger(maxNodes) || maxNodes < 1) {
    throw new WasmgradValueError(`${caller}: maxNodes must be a positive integer, got ${describe(maxNodes)}`);
  }
  return maxNodes;
}

/** The [name, parameter] pairs `params` stands for. */
function paramPairs(params: unknown, caller: string): [string, TensorParam][] {
  if (params === undefined) return [];
  let pairs: unknown;
  if (params !== null && typeof params === 'object' && typeof (params as { namedParameters?: unknown }).namedParameters === 'function') {
    pairs = (params as { namedParameters(): unknown }).namedParameters();
  } else if (params !== null && typeof params === 'object' && Symbol.iterator in params) {
    pairs = params;
  } else if (params !== null && typeof params === 'object') {
    pairs = Object.entries(params);
  } else {
    throw new WasmgradArgumentError(`${caller}: params must be a module, [name, parameter] pairs or a record of parameters, got ${describe(params)}`);
  }
  const out: [string, TensorParam][] = [];
  for (const pair of pairs as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !(pair[1] instanceof TensorParam)) {
      throw new WasmgradArgumentError(`${caller}: params must hold [name, parameter] pairs (model.namedParameters()), got ${describe(pair)}`);
    }
    out.push([pair[0], pair[1]]);
  }
  return out;
}

function l2(g: TypedData): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/**
 * Reads the graph that tensor `t` depends on, breadth-first from `t` through
 * its nodes' inputs, deduplicated by tape id, stopping at `maxNodes` so that
 * the part nearest the output is kept. Reading changes nothing on the tape.
 */
export function walkTensorGraph(t: Tensor, options: TensorWalkOptions = {}, caller = 'walkTensorGraph'): TensorGraph {
  if (!(t instanceof Tensor)) throw new WasmgradArgumentError(`${caller}: expected a Tensor, got ${describe(t)}`);
  if (typeof options !== 'object' || options === null) throw new WasmgradArgumentError(`${caller}: options must be an object, got ${describe(options)}`);
  const maxNodes = checkMaxNodes(options.maxNodes, caller);
  const eng = t.engine;
  const be: TensorBackend = eng.tensors;
  const names = new Map<number, string>();
  let rootName: string | undefined;
  for (const [name, p] of paramPairs(options.params, caller)) {
    if (p === t) rootName = name;
    if (p.owner === eng.current) names.set(p.id, name);
  }

  // A parameter not yet read on this tape is a graph of one node; reading its id would push one.
  if (t instanceof TensorParam && t.owner !== eng.current) {
    void t.data(); // a freed parameter's own error
    const node: TensorGraphNode = {
      key: `p${t.slot}`, id: -1, op: 'Param', kind: 'output', label: '', name: rootName, shape: t.shape, dtype: t.dtype,
      requiresGrad: t.requiresGrad, value: t.size === 1 && t.dtype !== 'int32' ? t.item() : undefined, grad: undefined, inputs: [], inputLabels: [],
    };
    return { nodes: [node], byKey: new Map([[node.key, node]]), root: node, truncated: false, total: 1, totalIsExact: true, maxNodes };
  }
  const rootId = eng.tensorIdOf(t, caller); // a tensor from before reset() gets the engine's own error

  const infos = new Map<number, NodeInfo>([[rootId, be.nodeInfo(rootId)]]);
  const queue = [rootId];
  let truncated = false;
  for (let head = 0; head < queue.length; head++) {
    for (const input of infos.get(queue[head])!.inputs) {
      if (infos.has(input)) continue;
      if (infos.size >= maxNodes) {
        truncated = true;
        continue;
      }
      infos.set(input, be.nodeInfo(input));
      queue.push(input);
    }
  }
  let total = infos.size;
  let totalIsExact = true;
  if (truncated) [total, totalIsExact] = countReachable(be, rootId);

  const nodes = [...infos.keys()].sort((a, b) => a - b).map((id): TensorGraphNode => {
    const info = infos.get(id)!;
    const shape = be.shape(id);
    const dtype = be.dtype(id);
    const requiresGrad = be.requiresGrad(id);
    const size = shape.reduce((a, b) => a * b, 1);
    const g = requiresGrad ? be.grad(id) : null;
    const kind: NodeKind = id === rootId ? 'output'
      : info.kind === 'Param' ? 'param'
      : info.kind === 'Leaf' ? (requiresGrad ? 'leaf' : 'const')
      : info.kind === 'Const' ? 'const' : 'op';
    return {
      key: String(id), id, op: info.kind, kind, label: kindLabel(info), name: names.get(id) ?? (id === rootId ? rootName : undefined),
      shape, dtype, requiresGrad,
      value: size === 1 && dtype !== 'int32' ? be.item(id) : undefined,
      grad: g === null ? undefined : size === 1 ? g[0] : l2(g),
      inputs: info.inputs.map(String),
      inputLabels: inputLabels(info),
    };
  });
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  return { nodes, byKey, root: byKey.get(String(rootId))!, truncated, total, totalIsExact, maxNodes };
}

function countReachable(be: TensorBackend, root: number): [number, boolean] {
  const seen = new Set<number>([root]);
  const stack = [root];
  while (stack.length > 0) {
    for (const input of be.nodeInfo(stack.pop()!).inputs) {
      if (seen.has(input)) continue;
      if (seen.size >= COUNT_LIMIT) return [seen.size, false];
      seen.add(input);
      stack.push(input);
    }
  }
  return [seen.size, true];
}
