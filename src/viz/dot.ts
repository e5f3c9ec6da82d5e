// Graphviz DOT for the graph behind a Value or a Tensor.

import type { Value } from '../value.js';
import { checkOptions } from '../check.js';
import { Tensor } from '../tensor/tensor.js';
import { walkGraph, type Graph } from './graph.js';
import { walkTensorGraph } from './tensor-graph.js';
import { kindClass, KIND_STYLE, OP_NODE_STYLE, scalarDrawing, tensorDrawing, type Drawing, type GraphOptions, type TensorGraphOptions } from './style.js';

/**
 * A DOT double-quoted string of text already escaped for Graphviz's label
 * syntax (escText or recordField): only the quotes need escaping here, since
 * DOT keeps every other backslash for the label parser.
 */
function quote(s: string): string {
  // A backslash just before the closing quote would escape it.
  return `"${s.replace(/"/g, '\\"')}${s.endsWith('\\') ? ' ' : ''}"`;
}

/** Plain label text: backslashes doubled (Graphviz reads \N, \G, \l ... in labels), newlines as \n. */
function escText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
}

/** A field of a record label: backslashes and the record's metacharacters escaped, newlines as spaces. */
function recordField(s: string): string {
  return s.replace(/[\\{}|<>]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function attrs(list: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(list)) if (v !== undefined) parts.push(`${k}=${typeof v === 'number' ? v : quote(k === 'label' ? v : escText(v))}`);
  return `[${parts.join(', ')}]`;
}

/**
 * The graph that `value` depends on as Graphviz DOT. Each value is a record
 * box `{ name | data | grad }` (grad after backward()); each op is a small
 * node between its inputs and its result. Leaves, constants, parameters and
 * the output are filled in their own colours and carry a `class`
 * (wg-leaf, wg-const, wg-param, wg-output, wg-value, wg-op) for styling the
 * SVG. Graphs past `maxNodes` (default 2,000) are cut near the output, with
 * a caption saying so. On a Tensor, each box is a tensor:
 * `{ name | [shape] dtype | ‖grad‖ }` (see TensorGraphOptions).
 */
export function toDot(value: Value, options?: GraphOptions): string;
export function toDot(tensor: Tensor, options?: TensorGraphOptions): string;
export function toDot(root: Value | Tensor, options: GraphOptions | TensorGraphOptions = {}): string {
  return drawingToDot(drawing(root, options, 'toDot'));
}

const DRAW_OPTIONS = ['maxNodes', 'params', 'digits', 'grad', 'opNodes', 'autoNames', 'direction', 'title'];

/** @internal The boxes of the graph behind a Value or a Tensor. */
export function drawing(root: Value | Tensor, options: GraphOptions | TensorGraphOptions, caller: string): Drawing {
  // autoNames is listed for tensors too, so that tensorDrawing can say why it does not apply
  checkOptions(options, caller, DRAW_OPTIONS);
  if (root instanceof Tensor) return tensorDrawing(walkTensorGraph(root, options as TensorGraphOptions, caller), options as TensorGraphOptions, caller);
  return scalarDrawing(walkGraph(root, options as GraphOptions, caller), options as GraphOptions, caller);
}

/** @internal DOT for an already-walked scalar graph. */
export function graphToDot(graph: Graph, options: GraphOptions = {}): string {
  return drawingToDot(scalarDrawing(graph, options, 'toDot'));
}

/** @internal DOT for boxes already drawn. */
export function drawingToDot(d: Drawing): string {
  const out: string[] = [];
  const caption = d.captions.join('\n');
  out.push('digraph wasmgrad {');
  out.push(`  graph ${attrs({ rankdir: d.direction, ranksep: 0.3, nodesep: 0.2, fontname: 'Helvetica', fontsize: 12, label: caption ? escText(caption) : undefined, labelloc: caption ? 't' : undefined })};`);
  out.push(`  node ${attrs({ fontname: 'Helvetica', fontsize: 11 })};`);
  out.push(`  edge ${attrs({ fontname: 'Helvetica', fontsize: 9, color: '#4b5563', arrowsize: 0.7 })};`);

  for (const node of d.nodes) {
    const style = KIND_STYLE[node.kind];
    const fields = node.box.map(recordField);
    out.push(
      `  n${node.key} ${attrs({
        shape: 'record',
        label: `{ ${fields.join(' | ')} }`,
        style: node.kind === 'const' ? 'filled,dashed' : node.kind === 'output' ? 'filled,bold' : 'filled',
        fillcolor: style.fill,
        color: style.stroke,
        class: `wg-${kindClass(node.kind)}`,
        id: `n${node.key}`,
      })};`,
    );
    if (node.symbol === undefined) continue;

    let target = `n${node.key}`;
    if (d.opNodes) {
      target = `op${node.key}`;
      out.push(
        `  ${target} ${attrs({
          shape: 'ellipse',
          label: escText(node.symbol),
          style: 'filled',
          fillcolor: OP_NODE_STYLE.fill,
          color: OP_NODE_STYLE.stroke,
          height: 0.3,
          margin: '0.04,0.02',
          class: 'wg-op',
          id: target,
        })};`,
      );
      out.push(`  ${target} -> n${node.key};`);
    }
    let missing = 0;
    node.inputs.forEach((key, k) => {
      if (!d.keys.has(key)) {
        missing++;
        return;
      }
      const label = node.inputLabels[k];
      out.push(`  n${key} -> ${target}${label === undefined ? '' : ` ${attrs({ label: escText(label) })}`};`);
    });
    if (missing > 0) {
      out.push(`  more${node.key} ${attrs({ shape: 'plaintext', label: escText(`… ${missing} input${missing === 1 ? '' : 's'} not shown`), fontcolor: '#6b7280', class: 'wg-more' })};`);
      out.push(`  more${node.key} -> ${target} ${attrs({ style: 'dashed' })};`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
