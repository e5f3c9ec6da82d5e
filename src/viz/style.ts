// What the DOT and Mermaid renderers share: options, labels, colours.

import type { OpName } from '../ops.js';
import { formatNumber, hasGradients, nodeNames, opSymbol, type Graph, type GraphNode, type NodeKind, type WalkOptions } from './graph.js';

export interface GraphOptions extends WalkOptions {
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

export interface ResolvedOptions {
  digits: number;
  showGrad: boolean;
  opNodes: boolean;
  direction: 'LR' | 'BT' | 'TB' | 'RL';
  title: string | undefined;
  names: Map<string, string> | undefined;
}

export function resolveOptions(graph: Graph, options: GraphOptions, caller: string): ResolvedOptions {
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) throw new RangeError(`${caller}: digits must be an integer from 1 to 17, got ${String(digits)}`);
  const grad = options.grad ?? 'auto';
  if (grad !== true && grad !== false && grad !== 'auto') throw new TypeError(`${caller}: grad must be true, false or 'auto', got ${String(grad)}`);
  const direction = options.direction ?? 'LR';
  if (!['LR', 'BT', 'TB', 'RL'].includes(direction)) throw new TypeError(`${caller}: direction must be 'LR', 'BT', 'TB' or 'RL', got ${String(direction)}`);
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
