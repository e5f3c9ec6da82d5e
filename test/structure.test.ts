// The shape of src/: which file may import which. Read from the sources with
// a plain regular expression over import and export-from statements (type-only
// ones included: a type cycle is still a knot a reader has to untie), so the
// test needs nothing but node:fs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

// `import … from './x.js'`, `import type …`, `export … from`, `import './x.js'` and
// `import('./x.js')`, over several lines; only relative specifiers (packages are not src/).
const IMPORT = /^\s*(?:import|export)\b[^;'"]*?(?:\bfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

/** src/-relative path → the src/-relative paths it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      deps.add(relative(SRC, normalize(join(dirname(file), spec.replace(/\.js$/, '.ts')))).split('\\').join('/'));
    }
    graph.set(relative(SRC, file).split('\\').join('/'), [...deps].sort());
  }
  return graph;
}

/**
 * The files caught in cycles, one entry per strongly connected component of
 * more than one file (or a file importing itself): its files, and one loop
 * through them as an example.
 */
function cycles(graph: Map<string, string[]>): { files: string[]; loop: string[] }[] {
  // Tarjan's algorithm, then one concrete loop through each component for the message.
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => {
    const inside = new Set(component);
    const start = component.sort()[0];
    // breadth-first from start back to start, within the component: the shortest loop through it
    const from = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v)!) {
        if (!inside.has(w) || from.has(w)) continue;
        from.set(w, v);
        if (w === start) queue.length = 0;
        else queue.push(w);
      }
    }
    return { files: component, loop: loopFrom(start, from) };
  });
}

/** The loop start → … → start that the breadth-first search's back links describe. */
function loopFrom(start: string, from: Map<string, string>): string[] {
  const back = [start];
  for (let v = from.get(start)!; v !== start; v = from.get(v)!) back.push(v);
  back.push(start);
  return back.reverse();
}

describe('the structure of src/', () => {
  const graph = importGraph();

  it('reads the imports of every file (the regular expression sees multi-line and type-only imports)', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.get('index.ts')).toContain('engine.ts');
    expect(graph.get('wasm/tensor.ts')).toContain('tensor/backend.ts'); // a multi-line `import { … } from`
    expect(graph.get('viz/dot.ts')).toContain('value.ts'); // `import type`
  });

  it('has no import cycles, type-only imports included', () => {
    const found = cycles(graph);
    const message = found.map((c) => `  ${c.files.join(', ')} (e.g. ${c.loop.join(' → ')})`).join('\n');
    expect(found, `import cycles in src/:\n${message}`).toEqual([]);
  });

  it('keeps the engine on top: no file that engine.ts imports, directly or not, imports engine.ts', () => {
    const below = new Set<string>();
    const walk = (v: string): void => {
      for (const w of graph.get(v) ?? []) if (!below.has(w)) (below.add(w), walk(w));
    };
    walk('engine.ts');
    expect([...below].filter((f) => graph.get(f)?.includes('engine.ts'))).toEqual([]);
  });
});
