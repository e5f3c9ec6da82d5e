// explain(): the seed's derivation, corrected, and the chain rule on other graphs.
import { describe, expect, it } from 'vitest';
import { OP_INFO, OP_NAMES, type Value } from '../../src/index.js';
import { buildExpression, explain, explainSteps, LOCAL_DERIVATIVES, walkGraph } from '../../src/viz/index.js';
import { BACKENDS, engine, expectClose } from '../helpers.js';
import { buildSeed, SEED_EXPRESSION, SEED_GRADS, SEED_INPUTS } from '../seed-example.js';

/** The seed's derivation as explain() prints it, with the seed's two errors corrected (steps 12 and 13). */
const SEED_EXPLANATION = `h = 1/(1+exp(-(w0*x0+w1*x1+w2)))

Intermediate functions
  a = w0*x0
  b = w1*x1
  c = a+b
  d = c+w2
  e = -d
  f = exp(e)
  g = 1+f
  h = 1/g

Inputs
  w0 = 2
  x0 = -1
  w1 = -3
  x1 = -2
  w2 = -3

Forward
  a = -2
  b = 6
  c = 4
  d = 1
  e = -1
  f = 0.3679
  g = 1.368
  h = 0.7311

Backward (chain rule, from h back to the inputs)
   1) dh/dh = 1
   2) dh/dg = -1/g^2 = -0.5344
      dg/df = 1
   3) dh/df = dh/dg * dg/df = -0.5344 * 1 = -0.5344
      df/de = exp(e) = 0.3679
   4) dh/de = dh/df * df/de = -0.5344 * 0.3679 = -0.1966
      de/dd = -1
   5) dh/dd = dh/de * de/dd = -0.1966 * -1 = 0.1966
      dd/dc = 1
   6) dh/dc = dh/dd * dd/dc = 0.1966 * 1 = 0.1966
      dd/dw2 = 1
   7) dh/dw2 = dh/dd * dd/dw2 = 0.1966 * 1 = 0.1966
      dc/da = 1
   8) dh/da = dh/dc * dc/da = 0.1966 * 1 = 0.1966
      dc/db = 1
   9) dh/db = dh/dc * dc/db = 0.1966 * 1 = 0.1966
      da/dw0 = x0 = -1
  10) dh/dw0 = dh/da * da/dw0 = 0.1966 * -1 = -0.1966
      da/dx0 = w0 = 2
  11) dh/dx0 = dh/da * da/dx0 = 0.1966 * 2 = 0.3932
      db/dw1 = x1 = -2
  12) dh/dw1 = dh/db * db/dw1 = 0.1966 * -2 = -0.3932
      db/dx1 = w1 = -3
  13) dh/dx1 = dh/db * db/dx1 = 0.1966 * -3 = -0.5898

Gradients
  dh/dw0 = -0.1966
  dh/dx0 = 0.3932
  dh/dw1 = -0.3932
  dh/dx1 = -0.5898
  dh/dw2 = 0.1966
`;

/** explainSteps' gradients against the engine's backward(), node by node. */
function expectStepsMatchEngine(root: Value, what: string): void {
  const steps = explainSteps(root).steps;
  root.engine.zeroGrad();
  root.backward();
  const graph = walkGraph(root);
  expect(steps.length, what).toBe(graph.nodes.filter((n) => n.op !== 'Const').length);
  for (const step of steps) expectClose(step.grad, graph.byKey.get(step.key)!.grad, { rtol: 1e-12, atol: 1e-14 }, `${what}: d/d${step.node}`);
}

describe.each(BACKENDS)('explain (%s)', (backend) => {
  it("prints the seed's derivation with its numbers, the two errors corrected", async () => {
    const eng = await engine(backend);
    const h = buildExpression(eng, SEED_EXPRESSION, SEED_INPUTS);
    expect(explain(h)).toBe(SEED_EXPLANATION);
  });

  it('prints the same for the seed built by hand with the names a..h, before or after backward()', async () => {
    const eng = await engine(backend);
    const nodes = buildSeed(eng);
    expect(explain(nodes.h)).toBe(SEED_EXPLANATION);
    nodes.h.backward();
    expect(explain(nodes.h)).toBe(SEED_EXPLANATION);
  });

  it('works the gradients out itself, without touching the engine, and they equal backward()', async () => {
    const eng = await engine(backend);
    const nodes = buildSeed(eng);
    const e = explainSteps(nodes.h);
    expect(nodes.w1.grad).toBe(0); // explain did not run backward()
    expect(e.steps.map((s) => s.node)).toEqual(['h', 'g', 'f', 'e', 'd', 'c', 'w2', 'a', 'b', 'w0', 'x0', 'w1', 'x1']);
    for (const step of e.steps) expectClose(step.grad, SEED_GRADS[step.node], { rtol: 1e-14, atol: 1e-15 }, step.node);
    expectStepsMatchEngine(nodes.h, 'seed');
  });

  it('follows every op with its local derivative, as the engine does', async () => {
    const eng = await engine(backend);
    const vars = { x: 0.7, y: 1.9, z: -0.4 };
    const expressions = [
      'x+y-z',
      'x*y/z',
      'x^y + y^x',
      'x^2 + x^-1.5 + x^0 + x^1 + 2^x',
      'pow(y, z) + pow(x, 3)',
      '-x + neg(y)',
      'exp(x) + log(y) + sqrt(y)',
      'tanh(z) + sigmoid(z) + relu(z) + relu(x)',
      'sin(x) * cos(y) + abs(z) + abs(x)',
      'x*x + sin(x)*x - x/x', // a node used by several ops, and twice by one op
      '1/(1+exp(-(x*y+z)))',
    ];
    for (const source of expressions) expectStepsMatchEngine(buildExpression(eng, source, vars), source);
  });

  it('shows each local derivative formula', async () => {
    const eng = await engine(backend);
    const text = explain(buildExpression(eng, 'x^3 + tanh(x) + x^y + sqrt(y) + relu(x) + x/y + sigmoid(y) + cos(y)', { x: 2, y: 3 }));
    for (const line of ['da/dx = 3*x^2 = 12', 'db/dx = 1-tanh(x)^2', 'dd/dx = y*x^(y-1) = 12', 'dd/dy = x^y*log(x) = 5.545', 'df/dy = 1/(2*sqrt(y)) = 0.2887']) {
      expect(text).toContain(line);
    }
    expect(text).toContain('= (x>0 ? 1 : 0) = 1');
    expect(text).toContain('= -x/y^2 = -0.2222');
    expect(text).toContain('= sigmoid(y)*(1-sigmoid(y)) = 0.04518');
    expect(text).toContain('= -sin(y) = -0.1411');
  });

  it('sums the terms of a node used more than once', async () => {
    const eng = await engine(backend);
    const text = explain(buildExpression(eng, 'x*x + sin(x)', { x: 2 }));
    expect(text).toContain('da/dx = x = 2   (as argument 1 of a)');
    expect(text).toContain('da/dx = x = 2   (as argument 2 of a)');
    expect(text).toContain('dc/dx = dc/da * da/dx + dc/da * da/dx + dc/db * db/dx = 1 * 2 + 1 * 2 + 1 * -0.4161 = 3.584');
  });

  it('names unnamed leaves, keeps given names, and names parameters after themselves', async () => {
    const eng = await engine(backend);
    const w = eng.param(0.5, 'w');
    const a = eng.value(3, 'a'); // 'a' is taken: generated names skip it
    const y = w.mul(a).add(eng.value(1)).named('y');
    const text = explain(y, { params: [w], digits: 3 });
    expect(text.split('\n')[0]).toBe('y = w*a+c');
    expect(text).toContain('  b = w*a\n  y = b+c');
    expect(text).toContain('dy/dw = dy/db * db/dw = 1 * 3 = 3');
    expect(explain(y, { digits: 3 })).toBe(text); // a Param node carries its parameter's name; options.params adds nothing here
    const anonymous = eng.param(2);
    expect(explain(anonymous.mul(a).named('z')).split('\n')[0]).toBe('z = b*a'); // an unnamed parameter gets a generated name
  });

  it('explains a lone leaf, and summarises a graph past maxNodes', async () => {
    const eng = await engine(backend);
    const x = eng.value(5, 'x');
    expect(explain(x)).toBe('x = x\n\nInputs\n  x = 5\n\nBackward (chain rule, from x back to the inputs)\n  1) dx/dx = 1\n\nGradients\n  dx/dx = 1\n');
    let y: Value = x;
    for (let i = 0; i < 100; i++) y = y.mul(1.5);
    expect(explain(y, { maxNodes: 50 })).toBe(
      'explain: the graph of this value has 201 nodes, more than maxNodes = 50; explain() is for small graphs (pass { maxNodes } to explain it anyway)\n',
    );
    expect(explain(y, { expression: 'x*1.5*...' }).split('\n')[0]).toMatch(/^\w+ = x\*1\.5\*\.\.\.$/);
  });
});

describe('LOCAL_DERIVATIVES', () => {
  it('has one rule per input that can take a gradient, for every op', () => {
    for (const op of OP_NAMES) {
      const expected = op === 'PowConst' ? 1 : OP_INFO[op].arity;
      expect(LOCAL_DERIVATIVES[op], op).toHaveLength(expected);
    }
  });
});
