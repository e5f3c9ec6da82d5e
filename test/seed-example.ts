// The sigmoid neuron of docs/seed.md for the tests: built by hand with
// the seed's names a..h, and the closed forms of its values and gradients.
import type { Engine, Value } from '../src/index.js';

export const SEED_EXPRESSION = '1/(1+exp(-(w0*x0+w1*x1+w2)))';
export const SEED_INPUTS = { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 } as const;

const { w0, x0, w1, x1, w2 } = SEED_INPUTS;
const d = w0 * x0 + w1 * x1 + w2;
const h = 1 / (1 + Math.exp(-d));
const g = 1 + Math.exp(-d);
const dhdd = h * (1 - h);

export const SEED_VALUES: Record<string, number> = { w0, x0, w1, x1, w2, a: w0 * x0, b: w1 * x1, c: w0 * x0 + w1 * x1, d, e: -d, f: Math.exp(-d), g, h };
export const SEED_GRADS: Record<string, number> = {
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
  w1: dhdd * x1, // -0.3932: the seed's step 12 has -0.19 (x0 for x1)
  x1: dhdd * w1, // -0.5898: the seed's PyTorch snippet prints w1.grad here
  w2: dhdd,
};

/** The seed's graph as examples/seed.mjs builds it: every node named. */
export function buildSeed(eng: Engine): Record<string, Value> {
  const nodes: Record<string, Value> = {};
  for (const [name, x] of Object.entries(SEED_INPUTS)) nodes[name] = eng.value(x, name);
  nodes.a = nodes.w0.mul(nodes.x0).named('a');
  nodes.b = nodes.w1.mul(nodes.x1).named('b');
  nodes.c = nodes.a.add(nodes.b).named('c');
  nodes.d = nodes.c.add(nodes.w2).named('d');
  nodes.e = nodes.d.neg().named('e');
  nodes.f = nodes.e.exp().named('f');
  nodes.g = eng.add(1, nodes.f).named('g');
  nodes.h = eng.div(1, nodes.g).named('h');
  return nodes;
}

/** 4 significant digits without trailing zeros, as the viz module prints numbers. */
export const fmt4 = (x: number): string => String(Number(x.toPrecision(4)));
