// micrograd's two-moons demo (examples/moons) as a test: a real training run
// on each backend, which must fit the training set, keep its memory flat, and
// give the same numbers on both backends.

import { describe, expect, it } from 'vitest';
import { makeMoons } from '../examples/moons/data.mjs';
import { trainMoons, type MoonsResult } from '../examples/moons/train.mjs';

const STEPS = 100;
const SEED = 1337;

// One training run per backend, shared by the tests below.
const runs = new Map<'wasm' | 'js', Promise<MoonsResult>>();
function run(backend: 'wasm' | 'js'): Promise<MoonsResult> {
  let r = runs.get(backend);
  if (!r) runs.set(backend, (r = trainMoons({ backend, steps: STEPS, seed: SEED })));
  return r;
}

describe('makeMoons', () => {
  it('is deterministic, balanced and labelled -1/+1', () => {
    const a = makeMoons(100, { seed: SEED });
    const b = makeMoons(100, { seed: SEED });
    expect(a).toEqual(b);
    expect(a.X).toHaveLength(100);
    expect(a.y.filter((v) => v === 1)).toHaveLength(50);
    expect(a.y.filter((v) => v === -1)).toHaveLength(50);
    expect(makeMoons(100, { seed: SEED + 1 }).X).not.toEqual(a.X);
  });

  it('puts the points on the two half circles when noise is 0', () => {
    const { X, y } = makeMoons(100, { noise: 0, seed: SEED });
    for (let i = 0; i < X.length; i++) {
      const [cx, cy] = y[i] < 0 ? [0, 0] : [1, 0.5];
      expect(Math.hypot(X[i][0] - cx, X[i][1] - cy)).toBeCloseTo(1, 12);
      if (y[i] < 0) expect(X[i][1]).toBeGreaterThanOrEqual(-1e-12);
      else expect(X[i][1]).toBeLessThanOrEqual(0.5 + 1e-12);
    }
  });
});

describe.each(['wasm', 'js'] as const)('moons training on %s', (backend) => {
  it('reaches 100% training accuracy', async () => {
    const r = await run(backend);
    expect(r.steps).toBe(STEPS);
    expect(r.history).toHaveLength(STEPS);
    expect(r.accuracy).toBe(1);
    // and stays there once reached, rather than touching it on the last step
    const first = r.history.findIndex((h) => h.accuracy === 1);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(r.history.slice(-10).every((h) => h.accuracy === 1)).toBe(true);
  });

  it('decreases the loss', async () => {
    const { history, loss } = await run(backend);
    expect(loss).toBe(history[STEPS - 1].loss);
    expect(history[0].loss).toBeGreaterThan(0.5);
    expect(loss).toBeLessThan(0.05);
    expect(loss).toBeLessThan(history[0].loss / 10);
    // SGD is not monotone step to step; check the trend every 10 steps
    for (let k = 10; k < STEPS; k += 10) expect(history[k].loss).toBeLessThan(history[0].loss);
  });

  it('keeps memory flat: the tape is reset every step', async () => {
    const { history, stats } = await run(backend);
    expect(stats.first.step).toBe(0);
    expect(stats.last.step).toBe(STEPS - 1);
    expect(stats.last.memoryBytes).toBe(stats.first.memoryBytes);
    expect(stats.last.capacity).toBe(stats.first.capacity);
    // the same graph every step, and nothing left on the tape after the last reset
    for (const h of history) {
      expect(h.nodes).toBe(history[0].nodes);
      expect(h.capacity).toBe(stats.first.capacity);
      expect(h.memoryBytes).toBe(stats.first.memoryBytes);
    }
    expect(stats.final.nodes).toBe(0);
    expect(stats.final.generation).toBe(STEPS);
    expect(stats.final.params).toBe(2 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
  });
});

describe('moons training across backends', () => {
  it('gives the same loss and accuracy history on wasm and js', async () => {
    const [w, j] = await Promise.all([run('wasm'), run('js')]);
    for (let k = 0; k < STEPS; k++) {
      const rel = Math.abs(w.history[k].loss - j.history[k].loss) / Math.abs(j.history[k].loss);
      expect(rel, `step ${k}`).toBeLessThanOrEqual(1e-9);
      expect(w.history[k].accuracy, `step ${k}`).toBe(j.history[k].accuracy);
    }
    const wp = w.model.parameters().map((p) => p.data);
    const jp = j.model.parameters().map((p) => p.data);
    for (let i = 0; i < wp.length; i++) expect(wp[i]).toBeCloseTo(jp[i], 9);
  });
});

describe.each(['wasm', 'js'] as const)('compiled moons training on %s', (backend) => {
  it('gives exactly the eager loss, accuracy and weights at every step', async () => {
    const eager = await run(backend);
    const compiled = await trainMoons({ backend, steps: STEPS, seed: SEED, compiled: true });
    expect(compiled.history.map((h) => h.loss)).toEqual(eager.history.map((h) => h.loss));
    expect(compiled.history.map((h) => h.accuracy)).toEqual(eager.history.map((h) => h.accuracy));
    expect(compiled.model.parameters().map((p) => p.data)).toEqual(eager.model.parameters().map((p) => p.data));
    expect(compiled.accuracy).toBe(1);
    expect(compiled.history.every((h) => h.memoryBytes === compiled.history[0].memoryBytes)).toBe(true);
  });
});
