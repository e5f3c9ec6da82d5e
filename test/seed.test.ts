// The worked example of ../shared/seed/seed.md: f(w, x) = 1/(1 + exp(-(w0·x0 + w1·x1 + w2)))
// built from its intermediate functions a..h, checked against closed forms.
import { describe, expect, it } from 'vitest';
import { BACKENDS, engine, expectClose } from './helpers.js';

const w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3;

// Closed forms: with d = w0·x0 + w1·x1 + w2 and h = σ(d), dh/dd = h(1 - h).
const d = w0 * x0 + w1 * x1 + w2;
const h = 1 / (1 + Math.exp(-d));
const dhdd = h * (1 - h);
const g = 1 + Math.exp(-d);
const expected = {
  values: { a: w0 * x0, b: w1 * x1, c: w0 * x0 + w1 * x1, d, e: -d, f: Math.exp(-d), g, h },
  grads: {
    h: 1,
    g: -1 / (g * g),
    f: -1 / (g * g),
    e: (-1 / (g * g)) * Math.exp(-d),
    d: dhdd,
    c: dhdd,
    a: dhdd,
    b: dhdd,
    w0: dhdd * x0,
    x0: dhdd * w0,
    w1: dhdd * x1,
    x1: dhdd * w1,
    w2: dhdd,
  },
};

describe.each(BACKENDS)('seed example (%s)', (backend) => {
  async function build() {
    const eng = await engine(backend);
    const leaves = {
      w0: eng.value(w0, 'w0'),
      x0: eng.value(x0, 'x0'),
      w1: eng.value(w1, 'w1'),
      x1: eng.value(x1, 'x1'),
      w2: eng.value(w2, 'w2'),
    };
    const a = leaves.w0.mul(leaves.x0).named('a');
    const b = leaves.w1.mul(leaves.x1).named('b');
    const c = a.add(b).named('c');
    const dd = c.add(leaves.w2).named('d');
    const e = dd.neg().named('e');
    const f = e.exp().named('f');
    const gg = eng.add(1, f).named('g');
    const hh = eng.div(1, gg).named('h');
    return { eng, nodes: { ...leaves, a, b, c, d: dd, e, f, g: gg, h: hh } };
  }

  it('computes the forward values a..h', async () => {
    const { nodes } = await build();
    for (const [name, value] of Object.entries(expected.values)) {
      expectClose(nodes[name as keyof typeof nodes].data, value, {}, name);
    }
    // The seed's rounded figures, as printed there.
    expect(nodes.f.data.toFixed(4)).toBe('0.3679');
    expect(nodes.h.data.toFixed(4)).toBe('0.7311');
  });

  it('gives every node its gradient, to 1e-12', async () => {
    const { nodes } = await build();
    nodes.h.backward();
    for (const [name, grad] of Object.entries(expected.grads)) {
      expectClose(nodes[name as keyof typeof nodes].grad, grad, {}, `dh/d${name}`);
    }
  });

  it('corrects the two wrong numbers of the hand derivation', async () => {
    const { nodes } = await build();
    nodes.h.backward();
    // Step 12 multiplies by x0; the true dh/dw1 is dh/db·x1.
    expect(nodes.w1.grad.toFixed(4)).toBe('-0.3932');
    // The seed's PyTorch snippet prints w1.grad as dh/dx1; the true dh/dx1 is dh/db·w1.
    expect(nodes.x1.grad.toFixed(4)).toBe('-0.5898');
    expect(nodes.w0.grad.toFixed(4)).toBe('-0.1966');
    expect(nodes.x0.grad.toFixed(4)).toBe('0.3932');
    expect(nodes.w2.grad.toFixed(4)).toBe('0.1966');
  });

  it('names the nodes', async () => {
    const { nodes } = await build();
    expect(nodes.h.name).toBe('h');
    expect(nodes.w0.name).toBe('w0');
    expect(nodes.h.op).toBe('Div');
    expect(nodes.h.inputs.map((v) => v.op)).toEqual(['Const', 'Add']);
  });
});
