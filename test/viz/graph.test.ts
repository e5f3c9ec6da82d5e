// toDot, toMermaid and toSvg on the seed graph and on graphs that stress the walk.
import { describe, expect, it } from 'vitest';
import { buildExpression, toDot, toMermaid, toSvg, walkGraph } from '../../src/viz/index.js';
import { dotToSvg } from '../../src/viz/svg.js';
import { BACKENDS, engine } from '../helpers.js';
import { buildSeed, fmt4, SEED_EXPRESSION, SEED_GRADS, SEED_INPUTS, SEED_VALUES } from '../seed-example.js';
import { parseDot, parseMermaid, recordFields } from './structure.js';

const SEED_NAMES = Object.keys(SEED_VALUES); // 5 leaves and a..h

describe.each(BACKENDS)('graph export (%s)', (backend) => {
  async function seed() {
    const eng = await engine(backend);
    const nodes = buildSeed(eng);
    nodes.h.backward();
    return { eng, nodes };
  }

  describe('toDot', () => {
    it('writes the seed graph as well-formed DOT: 15 value boxes, 8 op nodes, every edge between declared nodes', async () => {
      const { nodes } = await seed();
      const g = parseDot(toDot(nodes.h));
      const boxes = [...g.nodes.entries()].filter(([, a]) => a.shape === 'record');
      const ops = [...g.nodes.entries()].filter(([, a]) => a.class === 'wg-op');
      expect(boxes).toHaveLength(13 + 2); // 13 named nodes and the two constants 1
      expect(ops.map(([, a]) => a.label).sort()).toEqual(['*', '*', '+', '+', '+', '/', 'exp', 'neg']);
      // each op: one edge per input into the op node, one edge to its result
      expect(g.edges).toHaveLength(8 + 2 + 2 + 2 + 2 + 1 + 1 + 2 + 2);
      expect(g.graphAttrs.rankdir).toBe('LR');
    });

    it('carries every value and gradient of the seed, the two corrected ones included', async () => {
      const { nodes } = await seed();
      const g = parseDot(toDot(nodes.h));
      const byName = new Map<string, string[]>();
      for (const attrs of g.nodes.values()) if (attrs.shape === 'record') byName.set(recordFields(attrs.label)[0], recordFields(attrs.label));
      for (const name of SEED_NAMES) {
        expect(byName.get(name), name).toEqual([name, `data ${fmt4(SEED_VALUES[name])}`, `grad ${fmt4(SEED_GRADS[name])}`]);
      }
      expect(byName.get('w1')![2]).toBe('grad -0.3932');
      expect(byName.get('x1')![2]).toBe('grad -0.5898');
      expect(byName.get('const')).toEqual(['const', 'data 1']);
    });

    it('styles leaves, constants and the output apart, and labels the arguments of /', async () => {
      const { nodes } = await seed();
      const g = parseDot(toDot(nodes.h));
      const classOf = (name: string) => [...g.nodes.values()].find((a) => a.shape === 'record' && recordFields(a.label)[0] === name)!.class;
      for (const leaf of Object.keys(SEED_INPUTS)) expect(classOf(leaf)).toBe('wg-leaf');
      expect(classOf('const')).toBe('wg-const');
      expect(classOf('h')).toBe('wg-output');
      expect(classOf('c')).toBe('wg-value');
      const fills = new Set(['wg-leaf', 'wg-const', 'wg-output', 'wg-value'].map((c) => [...g.nodes.values()].find((a) => a.class === c)!.fillcolor));
      expect(fills.size).toBe(4);
      const div = [...g.nodes.entries()].find(([, a]) => a.label === '/')![0];
      expect(g.edges.filter((e) => e.to === div).map((e) => e.attrs.label)).toEqual(['num', 'den']);
    });

    it('shows gradients only after backward() unless asked, and names unnamed nodes like explain() with autoNames', async () => {
      const eng = await engine(backend);
      const h = buildExpression(eng, SEED_EXPRESSION, SEED_INPUTS);
      const labels = (dot: string) => [...parseDot(dot).nodes.values()].filter((a) => a.shape === 'record').map((a) => recordFields(a.label));
      expect(labels(toDot(h)).flat().some((f) => f.startsWith('grad'))).toBe(false);
      expect(labels(toDot(h, { grad: true })).find((l) => l[0] === 'w0')).toEqual(['w0', 'data 2', 'grad 0']);
      h.backward();
      const auto = labels(toDot(h, { autoNames: true }));
      expect(auto.map((l) => l[0])).toEqual(['w0', 'x0', 'a', 'w1', 'x1', 'b', 'c', 'w2', 'd', 'e', 'f', 'const', 'g', 'const', 'h']);
      expect(auto.find((l) => l[0] === 'g')).toEqual(['g', 'data 1.368', 'grad -0.5344']);
      // without names an intermediate box has just its numbers
      expect(labels(toDot(h)).find((l) => l[0] === 'data 1.368')).toEqual(['data 1.368', 'grad -0.5344']);
    });

    it('draws edges straight from inputs to results with opNodes: false', async () => {
      const { nodes } = await seed();
      const g = parseDot(toDot(nodes.h, { opNodes: false, direction: 'BT', title: 'seed' }));
      expect(g.nodes.size).toBe(15);
      expect(g.edges).toHaveLength(14);
      expect(recordFields(g.nodes.get(`n${nodes.h.id}`)!.label)[0]).toBe('h (/)');
      expect(g.graphAttrs).toMatchObject({ rankdir: 'BT', label: 'seed' });
    });

    it('keeps a node used many times once (keyed by tape id, not by Value object)', async () => {
      const eng = await engine(backend);
      const x = eng.value(3, 'x');
      const y = x.mul(x).add(x.sin()).add(x); // x feeds four uses
      const g = parseDot(toDot(y));
      const boxes = [...g.nodes.values()].filter((a) => a.shape === 'record');
      expect(boxes.filter((a) => recordFields(a.label)[0] === 'x')).toHaveLength(1);
      expect(boxes).toHaveLength(5); // x, x*x, sin x, +, +
      const xId = `n${x.id}`;
      expect(g.edges.filter((e) => e.from === xId)).toHaveLength(4);
    });

    it('names and styles parameters, by their own names or through options.params', async () => {
      const eng = await engine(backend);
      const w = eng.param(0.5, 'w');
      const x = eng.value(2, 'x');
      const y = w.mul(x).tanh();
      y.backward();
      const plain = parseDot(toDot(y));
      const param = [...plain.nodes.values()].find((a) => a.class === 'wg-param')!;
      expect(recordFields(param.label)[0]).toBe('w'); // a Param node carries its parameter's name
      const anonymous = parseDot(toDot(eng.param(3).mul(x)));
      expect(recordFields([...anonymous.nodes.values()].find((a) => a.class === 'wg-param')!.label)[0]).toBe('param');
      const named = parseDot(toDot(y, { params: [w] }));
      const p = [...named.nodes.values()].find((a) => a.class === 'wg-param')!;
      expect(recordFields(p.label)).toEqual(['w', 'data 0.5', `grad ${fmt4(2 * (1 - Math.tanh(1) ** 2))}`]);
      // a parameter on its own, before any use on this tape
      const alone = parseDot(toDot(eng.param(7, 'q')));
      expect([...alone.nodes.values()].map((a) => recordFields(a.label))).toEqual([['q', 'data 7']]);
    });

    it('escapes names that are DOT or record syntax', async () => {
      const eng = await engine(backend);
      const odd = 'a "b" {c} | <d> \\e';
      const y = eng.value(1, odd).mul(2).named('y\nz');
      const g = parseDot(toDot(y));
      const labels = [...g.nodes.values()].filter((a) => a.shape === 'record').map((a) => recordFields(a.label)[0]);
      expect(labels).toContain(odd);
      expect(labels).toContain('y z');
      await expect(dotToSvg(toDot(y))).resolves.toContain('&lt;d&gt;');
    });

    it('cuts a large graph near the output, with a caption saying how large it is', async () => {
      const eng = await engine(backend);
      let x = eng.value(0.5, 'x0');
      for (let i = 0; i < 2500; i++) x = x.mul(1.0001).tanh(); // 2 * 2500 ops + 2500 constants + the leaf
      const t = performance.now();
      const g = parseDot(toDot(x));
      expect(performance.now() - t).toBeLessThan(5000);
      const boxes = [...g.nodes.values()].filter((a) => a.shape === 'record');
      expect(boxes).toHaveLength(2000);
      expect(g.graphAttrs.label).toBe(
        'graph truncated: showing the 2,000 nodes nearest the output of 7,501 (maxNodes = 2,000; pass { maxNodes } to show more)',
      );
      expect(boxes.some((a) => a.class === 'wg-output')).toBe(true);
      expect(boxes.some((a) => recordFields(a.label)[0] === 'x0')).toBe(false);
      const more = [...g.nodes.entries()].filter(([, a]) => a.class === 'wg-more');
      expect(more.length).toBeGreaterThan(0);
      for (const [id] of more) expect(g.edges.some((e) => e.from === id)).toBe(true);

      const small = parseDot(toDot(x, { maxNodes: 10 }));
      expect([...small.nodes.values()].filter((a) => a.shape === 'record')).toHaveLength(10);
      expect(walkGraph(x, { maxNodes: 100_000 }).truncated).toBe(false);
      expect(() => toDot(x, { maxNodes: 0 })).toThrow(/maxNodes must be a positive integer/);
    });

    it('rejects what is not a Value, and a Value from before reset()', async () => {
      const eng = await engine(backend);
      const x = eng.value(1, 'x');
      expect(() => toDot(1 as never)).toThrow(/toDot: expected a Value, got number 1/);
      eng.reset();
      expect(() => toDot(x)).toThrow(/made before eng.reset\(\)/);
    });
  });

  describe('toMermaid', () => {
    it('writes the seed graph as a well-formed flowchart with values, gradients and styles', async () => {
      const { nodes } = await seed();
      const m = parseMermaid(toMermaid(nodes.h));
      expect(m.title).toBeUndefined();
      const boxes = [...m.nodes.values()].filter((n) => n.shape === '["');
      expect(boxes).toHaveLength(15);
      expect([...m.nodes.values()].filter((n) => n.shape === '(("')).toHaveLength(8);
      expect(m.edges).toHaveLength(22);
      for (const name of SEED_NAMES) {
        const box = boxes.find((n) => n.label.split('<br/>')[0] === name)!;
        expect(box.label).toBe(`${name}<br/>data ${fmt4(SEED_VALUES[name])}<br/>grad ${fmt4(SEED_GRADS[name])}`);
      }
      expect(boxes.find((n) => n.label.startsWith('h<br/>'))!.className).toBe('wg_output');
      expect(boxes.find((n) => n.label.startsWith('w0<br/>'))!.className).toBe('wg_leaf');
      expect(boxes.find((n) => n.label.startsWith('const<br/>'))!.className).toBe('wg_const');
      expect(m.edges.filter((e) => e.label !== undefined).map((e) => e.label)).toEqual(['num', 'den']);
    });

    it('escapes labels and captions a truncated graph', async () => {
      const eng = await engine(backend);
      let x = eng.value(1, 'say "hi" <b> #1 | x');
      for (let i = 0; i < 30; i++) x = x.add(1);
      const m = parseMermaid(toMermaid(x, { maxNodes: 5, title: 'chain' }));
      expect(m.title).toMatch(/^chain — graph truncated: showing the 5 nodes nearest the output of 61 /);
      expect(m.edges.some((e) => e.dotted)).toBe(true);
      const full = toMermaid(x, { maxNodes: 100 });
      expect(full).toContain('say #quot;hi#quot; #lt;b#gt; #35;1 #124; x');
      parseMermaid(full);
    });
  });

  describe('toSvg', () => {
    it('renders the seed graph to an SVG that shows the node labels', async () => {
      const { nodes } = await seed();
      const svg = await toSvg(nodes.h, { title: `h = ${SEED_EXPRESSION}` });
      expect(svg).toMatch(/<svg[\s>]/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      for (const text of ['w0', 'x1', 'data 0.7311', 'grad &#45;0.5898', 'grad &#45;0.3932', 'exp', 'neg', 'num', 'den']) expect(svg).toContain(`>${text}<`);
      expect(svg).toContain('class="node wg&#45;output"');
      expect(svg).toContain('id="n');
    });
  });
});
