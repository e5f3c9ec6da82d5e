// What the DOT and Mermaid renderers share: options, labels, colours.

import { argLabel, formatNumber, hasGradients, nodeNames, opSymbol, truncationMessage, type Graph, type GraphNode, type NodeKind, type WalkOptions } from './graph.js';
export { argLabel } from './graph.js';
import { shapeText, type TensorGraph, type TensorGraphNode, type TensorWalkOptions } from './tensor-graph.js';
import { WasmgradArgumentError, WasmgradValueError } from '../errors.js';

/** What a picture of a graph shows, whatever its nodes hold. */
export interface DrawOptions {
  /** Significant digits of values and gradients (default 4). */
  digits?: number;
  /** Show gradients: true, false, or 'auto' (default): when some node has a nonzero gradient, i.e. after backward(). */
  grad?: boolean | 'auto';
  /**
   * Draw each op as its own small node between its inputs and its result, as in
   * micrograd's and the seed's figures (default true). With false, a result's
   * box carries the op and edges go straight from input to result.
   */
  opNodes?: boolean;
  /** Name unnamed nodes a, b, c, ... as `explain()` does (default false: unnamed nodes show no name). */
  autoNames?: boolean;
  /** Left to right (default) or bottom to top. */
  direction?: 'LR' | 'BT' | 'TB' | 'RL';
  /** A caption above the graph. */
  title?: string;
}

/** Options of toDot, toMermaid and toSvg for the graph behind a Value. */
export interface GraphOptions extends WalkOptions, DrawOptions {}

/**
 * Options of toDot, toMermaid and toSvg for the graph behind a Tensor: boxes
 * show each tensor's name (parameters named by `params`), shape and dtype,
 * the value of one-element tensors and, after backward(), the gradient (its
 * L2 norm, ‖grad‖, for larger tensors). `autoNames` does not apply.
 */
export interface TensorGraphOptions extends TensorWalkOptions, Omit<DrawOptions, 'autoNames'> {}

/** A box of a picture and the op that made it, as both renderers draw them. */
export interface DrawNode {
  readonly key: string;
  readonly kind: NodeKind;
  /** The lines of the value's box. */
  readonly box: readonly string[];
  /** The op node's text; undefined for nodes without inputs. */
  readonly symbol: string | undefined;
  readonly inputs: readonly string[];
  readonly inputLabels: readonly (string | undefined)[];
}

/** A graph ready to draw: nodes in tape order, and the caption (title, truncation note). */
export interface Drawing {
  readonly nodes: readonly DrawNode[];
  readonly keys: ReadonlySet<string>;
  /** Title and truncation note, in that order (each renderer joins them its own way). */
  readonly captions: readonly string[];
  readonly direction: 'LR' | 'BT' | 'TB' | 'RL';
  readonly opNodes: boolean;
}

export const KIND_STYLE: { readonly [K in NodeKind]: { fill: string; stroke: string } } = {
  output: { fill: '#fde68a', stroke: '#b45309' },
  leaf: { fill: '#dbeafe', stroke: '#1d4ed8' },
  const: { fill: '#f3f4f6', stroke: '#9ca3af' },
  param: { fill: '#dcfce7', stroke: '#15803d' },
  op: { fill: '#ffffff', stroke: '#374151' },
};

/** The class of a value box: the kind, with intermediate results as 'value'. */
export function kindClass(kind: NodeKind): string {
  return kind === 'op' ? 'value' : kind;
}

export const OP_NODE_STYLE = { fill: '#ede9fe', stroke: '#6d28d9' };

export interface ResolvedOptions {
  digits: number;
  showGrad: boolean;
  opNodes: boolean;
  direction: 'LR' | 'BT' | 'TB' | 'RL';
  title: string | undefined;
  names: Map<string, string> | undefined;
}

/** The options every picture shares, checked. */
function resolveDraw(options: DrawOptions, caller: string): { digits: number; grad: boolean | 'auto'; direction: ResolvedOptions['direction'] } {
  if (typeof options !== 'object' || options === null) throw new WasmgradArgumentError(`${caller}: options must be an object, got ${String(options)}`);
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) throw new WasmgradValueError(`${caller}: digits must be an integer from 1 to 17, got ${String(digits)}`);
  const grad = options.grad ?? 'auto';
  if (grad !== true && grad !== false && grad !== 'auto') throw new WasmgradArgumentError(`${caller}: grad must be true, false or 'auto', got ${String(grad)}`);
  const direction = options.direction ?? 'LR';
  if (!['LR', 'BT', 'TB', 'RL'].includes(direction)) throw new WasmgradArgumentError(`${caller}: direction must be 'LR', 'BT', 'TB' or 'RL', got ${String(direction)}`);
  return { digits, grad, direction };
}

export function resolveOptions(graph: Graph, options: GraphOptions, caller: string): ResolvedOptions {
  const { digits, grad, direction } = resolveDraw(options, caller);
  return {
    digits,
    showGrad: grad === 'auto' ? hasGradients(graph) : grad,
    opNodes: options.opNodes ?? true,
    direction,
    title: options.title,
    names: options.autoNames ? nodeNames(graph, digits) : undefined,
  };
}

/** The lines of a value's box: name (or op), data, grad. */
export function boxLines(node: GraphNode, o: ResolvedOptions): string[] {
  const lines: string[] = [];
  if (node.op === 'Const') {
    lines.push(node.name ?? 'const', `data ${formatNumber(node.data, o.digits)}`);
    return lines;
  }
  const name = o.names?.get(node.key) ?? node.name;
  const symbol = !o.opNodes && node.inputs.length > 0 ? opSymbol(node.op) : undefined;
  if (name !== undefined) lines.push(symbol === undefined ? name : `${name} (${symbol})`);
  else if (symbol !== undefined) lines.push(symbol);
  else if (node.op === 'Param') lines.push('param');
  else if (node.op === 'Leaf') lines.push('leaf');
  lines.push(`data ${formatNumber(node.data, o.digits)}`);
  if (o.showGrad) lines.push(`grad ${formatNumber(node.grad, o.digits)}`);
  return lines;
}

function captions(title: string | undefined, graph: { readonly nodes: readonly unknown[] } & Pick<Graph, 'total' | 'totalIsExact' | 'maxNodes' | 'truncated'>): string[] {
  return [title, graph.truncated ? truncationMessage(graph) : undefined].filter((c): c is string => c !== undefined && c !== '');
}

/** A scalar graph as boxes: name, data, grad, with the op in its own node. */
export function scalarDrawing(graph: Graph, options: GraphOptions, caller: string): Drawing {
  const o = resolveOptions(graph, options, caller);
  const nodes = graph.nodes.map((node): DrawNode => ({
    key: node.key,
    kind: node.kind,
    box: boxLines(node, o),
    symbol: node.inputs.length > 0 ? opSymbol(node.op) : undefined,
    inputs: node.inputs,
    inputLabels: node.inputs.map((_, k) => argLabel(node.op, k)),
  }));
  return { nodes, keys: new Set(graph.byKey.keys()), captions: captions(o.title, graph), direction: o.direction, opNodes: o.opNodes };
}

/** The lines of a tensor's box: name (or what it is), shape and dtype, value, gradient. */
function tensorBoxLines(node: TensorGraphNode, digits: number, showGrad: boolean, opNodes: boolean): string[] {
  const lines: string[] = [];
  const what = node.op === 'Param' ? 'param' : node.op === 'Leaf' ? (node.requiresGrad ? 'leaf' : 'input') : node.op === 'Const' ? 'const' : undefined;
  const symbol = !opNodes && node.inputs.length > 0 ? node.label : undefined;
  const title = node.name ?? what;
  if (title !== undefined) lines.push(symbol === undefined ? title : `${title} (${symbol})`);
  else if (symbol !== undefined) lines.push(symbol);
  lines.push(shapeText(node));
  if (node.value !== undefined) lines.push(`data ${formatNumber(node.value, digits)}`);
  if (showGrad && node.grad !== undefined) lines.push(`${node.shape.every((d) => d === 1) ? 'grad' : '‖grad‖'} ${formatNumber(node.grad, digits)}`);
  return lines;
}

/** A tensor graph as boxes: name, shape and dtype, value and gradient where they are one number. */
export function tensorDrawing(graph: TensorGraph, options: TensorGraphOptions, caller: string): Drawing {
  const { digits, grad, direction } = resolveDraw(options, caller);
  if ('autoNames' in options && (options as DrawOptions).autoNames !== undefined) {
    throw new WasmgradArgumentError(`${caller}: autoNames names the nodes of scalar graphs only; a tensor graph's boxes show shapes (name parameters with { params: model })`);
  }
  // as for scalars: 'auto' shows gradients once one is nonzero (a parameter's reads as zeros before any backward)
  const showGrad = grad === 'auto' ? graph.nodes.some((n) => n.grad !== undefined && n.grad !== 0) : grad;
  const opNodes = options.opNodes ?? true;
  const nodes = graph.nodes.map((node): DrawNode => ({
    key: node.key,
    kind: node.kind,
    box: tensorBoxLines(node, digits, showGrad, opNodes),
    symbol: node.inputs.length > 0 ? node.label : undefined,
    inputs: node.inputs,
    inputLabels: node.inputLabels,
  }));
  return { nodes, keys: new Set(graph.byKey.keys()), captions: captions(options.title, graph), direction, opNodes };
}
