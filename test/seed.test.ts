// The worked example of docs/seed.md: f(w, x) = 1/(1 + exp(-(w0·x0 + w1·x1 + w2)))
// built from its intermediate functions a..h, checked against closed forms.
import { describe, expect, it } from 'vitest';
import { BACKENDS, engine, expectClose } from './helpers.js';
import { buildSeed, SEED_GRADS, SEED_VALUES } from './seed-example.js';

describe.each(BACKENDS)('seed example (%s)', (backend) => {
  async function build() {
    const eng = await engine(backend);
    return { eng, nodes: buildSeed(eng) };
  }

  it('computes the forward values a..h', async () => {
    const { nodes } = await build();
    for (const [name, value] of Object.entries(SEED_VALUES)) {
      expectClose(nodes[name].data, value, {}, name);
    }
    // The seed's rounded figures, as printed there.
    expect(nodes.f.data.toFixed(4)).toBe('0.3679');
    expect(nodes.h.data.toFixed(4)).toBe('0.7311');
  });

  it('gives every node its gradient, to 1e-12', async () => {
    const { nodes } = await build();
    nodes.h.backward();
    for (const [name, grad] of Object.entries(SEED_GRADS)) {
      expectClose(nodes[name].grad, grad, {}, `dh/d${name}`);
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
