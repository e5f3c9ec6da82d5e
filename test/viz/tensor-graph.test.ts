// Pictures of tensor graphs: toDot, toMermaid and toSvg on a Tensor read the
// tensor tape back (kind, inputs, attributes) and draw one box per tensor
// with its name, shape and dtype, and the gradient after backward().
import { describe, expect, it } from 'vitest';
import { F, nn, type Engine, type Tensor } from '../../src/index.js';
import { toDot, toMermaid, toSvg, walkTensorGraph } from '../../src/viz/index.js';
import { TENSOR_BACKENDS, tensorEngine } from '../tensor-helpers.js';
import { parseDot, parseMermaid, recordFields } from './structure.js';

const f64 = { dtype: 'float64' } as const;

function l2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

const fmt4 = (x: number) => String(Number(x.toPrecision(4)));

describe.each(TENSOR_BACKENDS)('tensor graph pictures (%s)', (backend) => {
  async function mlp(eng: Engine) {
    const model = new nn.Sequential(new nn.Linear(eng, 3, 4), new nn.Tanh(), new nn.Linear(eng, 4, 1));
    const x = eng.tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]]);
    const loss = model.forward(x).pow(2).mean();
    return { model, x, loss };
  }

  function boxes(dot: string) {
    const g = parseDot(dot);
    const records = [...g.nodes.entries()].filter(([, a]) => a.shape === 'record').map(([id, a]) => ({ id, fields: recordFields(a.label), cls: a.class }));
    const ops = [...g.nodes.entries()].filter(([, a]) => a.class === 'wg-op').map(([id, a]) => ({ id, label: a.label }));
    return { g, records, ops };
  }

  it('draws an MLP loss: parameters by their PyTorch names and shapes, one op node per tensor op, edges between declared nodes', async () => {
    const eng = await tensorEngine(backend);
    const { model, loss } = await mlp(eng);
    const { g, records, ops } = boxes(toDot(loss, { params: model }));
    const named = new Map(records.map((r) => [r.fields[0], r]));
    expect(named.get('0.weight')!.fields.slice(1)).toEqual(['[4, 3] f32']);
    expect(named.get('0.bias')!.fields.slice(1)).toEqual(['[4] f32']);
    expect(named.get('2.weight')!.fields.slice(1)).toEqual(['[1, 4] f32']);
    for (const p of ['0.weight', '0.bias', '2.weight', '2.bias']) expect(named.get(p)!.cls).toBe('wg-param');
    const data = records.find((r) => r.fields[1] === '[2, 3] f32')!; // the input, which needs no gradient
    expect(data.fields[0]).toBe('const');
    expect(data.cls).toBe('wg-const');
    const labels = ops.map((o) => o.label);
    expect(labels).toContain('tanh');
    expect(labels).toContain('^');
    expect(labels.filter((l) => l.includes('@'))).toHaveLength(2);
    // the output: one element, its value shown; no gradient before backward
    const out = records.find((r) => r.cls === 'wg-output')!;
    expect(out.fields).toEqual(['[] f32', `data ${fmt4(loss.item())}`]);
    // every edge joins declared nodes, and every op node has exactly one edge out
    for (const e of g.edges) {
      expect(g.nodes.has(e.from), e.from).toBe(true);
      expect(g.nodes.has(e.to), e.to).toBe(true);
    }
    for (const o of ops) expect(g.edges.filter((e) => e.from === o.id)).toHaveLength(1);
  });

  it('shows each gradient after backward(): the value for one element, the L2 norm for larger tensors', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.tensor([[1, -2], [0.5, 3]], undefined, { requiresGrad: true, ...f64 });
    const w = eng.parameter([[0.25, -1], [2, 0.5]], undefined, f64);
    const y = x.matmul(w).tanh().sum();
    expect(toDot(y)).not.toMatch(/\bgrad \S|‖grad‖/);
    y.backward();
    const { records } = boxes(toDot(y, { params: [['w', w]] }));
    const byName = new Map(records.map((r) => [r.fields[0], r.fields]));
    expect(byName.get('leaf')).toEqual(['leaf', '[2, 2] f64', `‖grad‖ ${fmt4(l2(x.grad!))}`]);
    expect(byName.get('w')).toEqual(['w', '[2, 2] f64', `‖grad‖ ${fmt4(l2(w.grad))}`]);
    const out = records.find((r) => r.cls === 'wg-output')!;
    expect(out.fields).toEqual(['[] f64', `data ${fmt4(y.item())}`, 'grad 1']);
    expect(toDot(y, { grad: false })).not.toMatch(/\bgrad \S|‖grad‖/);
  });

  it('labels ops as PyTorch names them, with their attributes, and the arguments whose order matters', async () => {
    const eng = await tensorEngine(backend);
    const x = eng.randn([1, 2, 8, 8], { requiresGrad: true });
    const w = eng.parameter(eng.randn([3, 2, 3, 3]));
    const h = F.maxPool2d(F.conv2d(x, w, null, { stride: 2, padding: 1 }), 2);
    const y = h.sum([1], { keepdims: true }).div(h.max()).reshape([2, 2]).permute([1, 0]).sum();
    const { g, ops } = boxes(toDot(y));
    const labels = ops.map((o) => o.label);
    expect(labels).toEqual(expect.arrayContaining(['conv2d(stride=2, padding=1)', 'max_pool2d(k=2)', 'sum(dim=[1], keepdim)', '/', 'reshape [2, 2]', 'permute [1, 0]']));
    const conv = ops.find((o) => o.label.startsWith('conv2d'))!;
    expect(g.edges.filter((e) => e.to === conv.id).map((e) => e.attrs.label)).toEqual(['x', 'w']);
    const div = ops.find((o) => o.label === '/')!;
    expect(g.edges.filter((e) => e.to === div.id).map((e) => e.attrs.label)).toEqual(['num', 'den']);
  });

  it('writes the same graph as Mermaid, and opNodes: false puts the op in the result\'s box', async () => {
    const eng = await tensorEngine(backend);
    const { model, loss } = await mlp(eng);
    const m = parseMermaid(toMermaid(loss, { params: model, title: 'MLP loss' }));
    const dot = parseDot(toDot(loss, { params: model }));
    expect(m.title).toBe('MLP loss');
    expect(m.nodes.size).toBe(dot.nodes.size);
    expect(m.edges.length).toBe(dot.edges.length);
    const flat = boxes(toDot(loss, { opNodes: false }));
    expect(flat.ops).toHaveLength(0);
    expect(flat.records.some((r) => r.fields[0] === 'tanh')).toBe(true);
  });

  it('reads without recording: the tape keeps its node count, and a parameter not yet used is a graph of one node', async () => {
    const eng = await tensorEngine(backend);
    const { loss } = await mlp(eng);
    const before = eng.stats().tensorNodes;
    walkTensorGraph(loss);
    toDot(loss);
    expect(eng.stats().tensorNodes).toBe(before);
    const p = eng.parameter([1, 2, 3]);
    const graph = walkTensorGraph(p, { params: [['p', p]] });
    expect(graph.nodes).toHaveLength(1);
    expect(graph.root.name).toBe('p');
    expect(eng.stats().tensorNodes).toBe(before);
  });

  it('cuts a large graph near the output with a caption saying how large it is', async () => {
    const eng = await tensorEngine(backend);
    let t: Tensor = eng.tensor([1, 2], undefined, { requiresGrad: true });
    for (let i = 0; i < 60; i++) t = t.mul(1.01).add(0.5);
    const graph = walkTensorGraph(t, { maxNodes: 10 });
    expect(graph.nodes).toHaveLength(10);
    expect(graph.truncated).toBe(true);
    expect(graph.root.key).toBe(String(graph.nodes[graph.nodes.length - 1].id));
    const dot = toDot(t, { maxNodes: 10 });
    expect(parseDot(dot).graphAttrs.label).toMatch(/graph truncated: showing the 10 nodes nearest the output of \d+/);
    expect(dot).toContain('not shown');
  });

  it('renders to SVG through Graphviz', async () => {
    const eng = await tensorEngine(backend);
    const { model, loss } = await mlp(eng);
    const svg = await toSvg(loss, { params: model });
    expect(svg).toMatch(/^<\?xml|^<svg/);
    expect(svg).toContain('0.weight');
    expect(svg).toContain('[4, 3] f32');
  });

  it('names bad input: a stale tensor, scalar-only options, params that are not parameters', async () => {
    const eng = await tensorEngine(backend);
    const { loss } = await mlp(eng);
    expect(() => toDot(loss, { autoNames: true } as never)).toThrow(/autoNames names the nodes of scalar graphs only/);
    expect(() => toDot(loss, { params: [['x', eng.tensor([1])]] } as never)).toThrow(/params must hold \[name, parameter\] pairs/);
    expect(() => toDot(loss, { maxNodes: 0 })).toThrow(/maxNodes must be a positive integer/);
    // an unknown option is named, with no hint of a spelling toDot does not take
    expect(() => toDot(loss, { keepdim: true } as never)).toThrow(/^toDot: unknown option 'keepdim'; the options are maxNodes, params,/);
    expect(() => toMermaid(loss, { colour: 'red' } as never)).toThrow(/toMermaid: unknown option 'colour'/);
    eng.reset();
    expect(() => toDot(loss)).toThrow(/toDot: this Tensor was made before eng\.reset\(\)/);
    // the engine keeps working
    const fresh = eng.tensor([1, 2], undefined, { requiresGrad: true }).sum();
    expect(parseDot(toDot(fresh)).nodes.size).toBeGreaterThan(1);
  });
});
