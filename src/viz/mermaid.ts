// Mermaid flowchart for the graph behind a Value (renders in GitHub markdown).

import type { Value } from '../value.js';
import { opSymbol, truncationMessage, walkGraph, type Graph, type NodeKind } from './graph.js';
import { argLabel, boxLines, kindClass, KIND_STYLE, OP_NODE_STYLE, resolveOptions, type GraphOptions } from './style.js';

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
 * The graph that `value` depends on as a Mermaid flowchart, with the same
 * boxes, op nodes, colours and cap as `toDot()`.
 */
export function toMermaid(value: Value, options: GraphOptions = {}): string {
  return graphToMermaid(walkGraph(value, options, 'toMermaid'), options);
}

/** @internal Mermaid for an already-walked graph. */
export function graphToMermaid(graph: Graph, options: GraphOptions = {}): string {
  const o = resolveOptions(graph, options, 'toMermaid');
  const out: string[] = [];
  const caption = [o.title, graph.truncated ? truncationMessage(graph) : undefined].filter((s) => s !== undefined).join(' — ');
  if (caption) out.push('---', `title: ${JSON.stringify(caption)}`, '---');
  out.push(`flowchart ${o.direction}`);
  for (const [kind, style] of Object.entries(KIND_STYLE)) {
    const extra = kind === 'output' ? ',stroke-width:3px' : kind === 'const' ? ',stroke-dasharray:4 3' : '';
    out.push(`  classDef wg_${kindClass(kind as NodeKind)} fill:${style.fill},stroke:${style.stroke},color:#111827${extra}`);
  }
  out.push(`  classDef wg_opnode fill:${OP_NODE_STYLE.fill},stroke:${OP_NODE_STYLE.stroke},color:#111827`);
  out.push('  classDef wg_more fill:none,stroke:none,color:#6b7280');

  for (const node of graph.nodes) {
    const label = boxLines(node, o).map(text).join('<br/>');
    out.push(`  n${node.key}["${label}"]:::wg_${kindClass(node.kind)}`);
    if (node.inputs.length === 0) continue;
    let target = `n${node.key}`;
    if (o.opNodes) {
      target = `op${node.key}`;
      out.push(`  ${target}(("${text(opSymbol(node.op))}")):::wg_opnode`);
      out.push(`  ${target} --> n${node.key}`);
    }
    let missing = 0;
    node.inputs.forEach((key, k) => {
      if (!graph.byKey.has(key)) {
        missing++;
        return;
      }
      const edge = argLabel(node.op, k);
      out.push(`  n${key} -->${edge === undefined ? '' : `|${text(edge)}|`} ${target}`);
    });
    if (missing > 0) {
      out.push(`  more${node.key}["… ${missing} input${missing === 1 ? '' : 's'} not shown"]:::wg_more`);
      out.push(`  more${node.key} -.-> ${target}`);
    }
  }
  return `${out.join('\n')}\n`;
}
