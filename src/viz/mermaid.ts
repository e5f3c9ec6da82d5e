// Mermaid flowchart for the graph behind a Value or a Tensor (renders in GitHub markdown).

import type { Value } from '../value.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Graph, NodeKind } from './graph.js';
import { drawing } from './dot.js';
import { kindClass, KIND_STYLE, OP_NODE_STYLE, scalarDrawing, type Drawing, type GraphOptions, type TensorGraphOptions } from './style.js';

/** Text inside a quoted Mermaid label: entity codes for the characters Mermaid would read. */
function text(s: string): string {
  return s
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\|/g, '#124;')
    .replace(/\r?\n/g, ' ');
}

/**
 * The graph that `value` (or a Tensor) depends on as a Mermaid flowchart,
 * with the same boxes, op nodes, colours and cap as `toDot()`.
 */
export function toMermaid(value: Value, options?: GraphOptions): string;
export function toMermaid(tensor: Tensor, options?: TensorGraphOptions): string;
export function toMermaid(root: Value | Tensor, options: GraphOptions | TensorGraphOptions = {}): string {
  return drawingToMermaid(drawing(root, options, 'toMermaid'));
}

/** @internal Mermaid for an already-walked scalar graph. */
export function graphToMermaid(graph: Graph, options: GraphOptions = {}): string {
  return drawingToMermaid(scalarDrawing(graph, options, 'toMermaid'));
}

function drawingToMermaid(d: Drawing): string {
  const out: string[] = [];
  const caption = d.captions.join(' — ');
  if (caption) out.push('---', `title: ${JSON.stringify(caption)}`, '---');
  out.push(`flowchart ${d.direction}`);
  for (const [kind, style] of Object.entries(KIND_STYLE)) {
    const extra = kind === 'output' ? ',stroke-width:3px' : kind === 'const' ? ',stroke-dasharray:4 3' : '';
    out.push(`  classDef wg_${kindClass(kind as NodeKind)} fill:${style.fill},stroke:${style.stroke},color:#111827${extra}`);
  }
  out.push(`  classDef wg_opnode fill:${OP_NODE_STYLE.fill},stroke:${OP_NODE_STYLE.stroke},color:#111827`);
  out.push('  classDef wg_more fill:none,stroke:none,color:#6b7280');

  for (const node of d.nodes) {
    const label = node.box.map(text).join('<br/>');
    out.push(`  n${node.key}["${label}"]:::wg_${kindClass(node.kind)}`);
    if (node.symbol === undefined) continue;
    let target = `n${node.key}`;
    if (d.opNodes) {
      target = `op${node.key}`;
      out.push(`  ${target}(("${text(node.symbol)}")):::wg_opnode`);
      out.push(`  ${target} --> n${node.key}`);
    }
    let missing = 0;
    node.inputs.forEach((key, k) => {
      if (!d.keys.has(key)) {
        missing++;
        return;
      }
      const edge = node.inputLabels[k];
      out.push(`  n${key} -->${edge === undefined ? '' : `|${text(edge)}|`} ${target}`);
    });
    if (missing > 0) {
      out.push(`  more${node.key}["… ${missing} input${missing === 1 ? '' : 's'} not shown"]:::wg_more`);
      out.push(`  more${node.key} -.-> ${target}`);
    }
  }
  return `${out.join('\n')}\n`;
}
