// The sigmoid neuron of docs/seed.md, f(w, x) = 1/(1 + exp(-(w0·x0 + w1·x1 + w2))),
// built from its intermediate functions a..h with the seed's names, as both
// examples/seed.mjs and examples/seed-graph.mjs show it.

export const SEED_INPUTS = { w0: 2.0, x0: -1.0, w1: -3.0, x1: -2.0, w2: -3.0 };

/** Every node of the seed's graph on `eng`, by name; backward is left to the caller. */
export function buildSeed(eng) {
  const { w0, x0, w1, x1, w2 } = Object.fromEntries(Object.entries(SEED_INPUTS).map(([name, x]) => [name, eng.value(x, name)]));
  const a = w0.mul(x0).named('a');
  const b = w1.mul(x1).named('b');
  const c = a.add(b).named('c');
  const d = c.add(w2).named('d');
  const e = d.neg().named('e');
  const f = e.exp().named('f');
  const g = eng.add(1, f).named('g');
  const h = eng.div(1, g).named('h');
  return { w0, x0, w1, x1, w2, a, b, c, d, e, f, g, h };
}
