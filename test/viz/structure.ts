// Structural readers for the DOT and Mermaid the viz module writes: enough
// of each language to check that the text is well-formed and to read back
// nodes, edges and attributes.
import { expect } from 'vitest';

export interface DotGraph {
  nodes: Map<string, Record<string, string>>;
  edges: { from: string; to: string; attrs: Record<string, string> }[];
  graphAttrs: Record<string, string>;
}

/** Splits on `sep` outside double-quoted strings (DOT escapes quotes with a backslash). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') {
      current += c + text[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && c === sep) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  expect(quoted, 'a quoted string is not closed').toBe(false);
  parts.push(current);
  return parts;
}

function parseAttrs(text: string | undefined): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (text === undefined) return attrs;
  for (const part of splitOutsideQuotes(text, ',')) {
    const m = /^\s*([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)\s*$/s.exec(part);
    if (m === null) expect.fail(`not an attribute: ${JSON.stringify(part)}`);
    const raw = m![2];
    // DOT itself unescapes only \" (other backslashes are for the label parser).
    attrs[m![1]] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\"/g, '"') : raw;
  }
  return attrs;
}

/** Checks braces and brackets balance outside strings, then reads every statement. */
export function parseDot(dot: string): DotGraph {
  let depth = 0;
  let brackets = 0;
  let quoted = false;
  for (let i = 0; i < dot.length; i++) {
    const c = dot[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === '[') brackets++;
    else if (c === ']') brackets--;
    if (depth < 0 || brackets < 0) expect.fail(`unbalanced } or ] at ${i}`);
  }
  expect([depth, brackets, quoted]).toEqual([0, 0, false]);

  const m = /^digraph\s+\w+\s*\{([\s\S]*)\}\s*$/.exec(dot);
  expect(m, 'digraph NAME { ... }').not.toBeNull();
  const graph: DotGraph = { nodes: new Map(), edges: [], graphAttrs: {} };
  for (const raw of splitOutsideQuotes(m![1], ';')) {
    const stmt = raw.trim();
    if (stmt === '') continue;
    const edge = /^(\w+)\s*->\s*(\w+)\s*(?:\[([\s\S]*)\])?$/.exec(stmt);
    if (edge) {
      graph.edges.push({ from: edge[1], to: edge[2], attrs: parseAttrs(edge[3]) });
      continue;
    }
    const node = /^(\w+)\s*\[([\s\S]*)\]$/.exec(stmt);
    if (node === null) expect.fail(`not a statement: ${JSON.stringify(stmt)}`);
    const [, id, body] = node!;
    if (id === 'graph') Object.assign(graph.graphAttrs, parseAttrs(body));
    else if (id === 'node' || id === 'edge') parseAttrs(body);
    else {
      if (graph.nodes.has(id)) expect.fail(`node ${id} declared twice`);
      graph.nodes.set(id, parseAttrs(body));
    }
  }
  for (const e of graph.edges) {
    if (!graph.nodes.has(e.from)) expect.fail(`edge from undeclared ${e.from}`);
    if (!graph.nodes.has(e.to)) expect.fail(`edge to undeclared ${e.to}`);
  }
  return graph;
}

/** The fields of a record label `{ a | b | c }`, unescaped. */
export function recordFields(label: string): string[] {
  const m = /^\{ ([\s\S]*) \}$/.exec(label);
  expect(m, `record label ${label}`).not.toBeNull();
  const fields: string[] = [];
  let current = '';
  const body = m![1];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') current += body[++i];
    else if (body[i] === '|') {
      fields.push(current.trim());
      current = '';
    } else current += body[i];
  }
  fields.push(current.trim());
  return fields;
}

export interface MermaidGraph {
  nodes: Map<string, { label: string; className: string | undefined; shape: string }>;
  edges: { from: string; to: string; label: string | undefined; dotted: boolean }[];
  classes: Set<string>;
  title: string | undefined;
}

/** Reads the flowchart subset the viz module writes, checking every line. */
export function parseMermaid(text: string): MermaidGraph {
  const lines = text.trimEnd().split('\n');
  const graph: MermaidGraph = { nodes: new Map(), edges: [], classes: new Set(), title: undefined };
  let i = 0;
  if (lines[0] === '---') {
    const title = /^title: (".*")$/.exec(lines[1]);
    expect(title, 'front matter title').not.toBeNull();
    graph.title = JSON.parse(title![1]);
    expect(lines[2]).toBe('---');
    i = 3;
  }
  expect(lines[i]).toMatch(/^flowchart (LR|RL|TB|BT)$/);
  for (const line of lines.slice(i + 1)) {
    let m: RegExpExecArray | null;
    if ((m = /^ {2}classDef (\w+) ([\w#:,\-. ]+)$/.exec(line))) {
      graph.classes.add(m[1]);
    } else if ((m = /^ {2}(\w+)(\["|\(\(")([^"]*)("\]|"\)\))(?::::(\w+))?$/.exec(line))) {
      if (graph.nodes.has(m[1])) expect.fail(`node ${m[1]} declared twice`);
      if ((m[2] === '["' ? '"]' : '"))') !== m[4]) expect.fail(`mismatched brackets: ${line}`);
      graph.nodes.set(m[1], { label: m[3], className: m[5], shape: m[2] });
    } else if ((m = /^ {2}(\w+) (-->|-\.->)(?:\|([^|"]*)\|)? (\w+)$/.exec(line))) {
      graph.edges.push({ from: m[1], to: m[4], label: m[3], dotted: m[2] === '-.->' });
    } else {
      expect.fail(`not a line of the flowchart: ${JSON.stringify(line)}`);
    }
  }
  for (const e of graph.edges) {
    if (!graph.nodes.has(e.from)) expect.fail(`edge from undeclared ${e.from}`);
    if (!graph.nodes.has(e.to)) expect.fail(`edge to undeclared ${e.to}`);
  }
  for (const n of graph.nodes.values()) if (n.className !== undefined) expect(graph.classes.has(n.className), `classDef ${n.className}`).toBe(true);
  return graph;
}
