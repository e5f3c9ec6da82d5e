// micrograd's two-moons demo (demo.ipynb) on wasmgrad: the same model, loss,
// optimiser and loop, on either backend.
//
//   model = MLP(2, [16, 16, 1])
//   loss  = mean(relu(1 - y_i * score_i)) + 1e-4 * sum(p * p)   (SVM max-margin + L2)
//   lr    = 1.0 - 0.9 * k / steps                                (micrograd: steps = 100)
//   step  : forward, zero_grad, backward, p.data -= lr * p.grad
//
// After each step eng.reset() frees the tape (the parameters survive), so the
// tape's capacity and memory stay what the first step needed.

import { createEngine, nn } from 'wasmgrad';
import { makeMoons } from './data.mjs';

export const ALPHA = 1e-4;

/** micrograd's schedule, stretched over `steps` so the rate stays positive (>= 0.1) for any step count. */
export function learningRate(k, steps) {
  return 1.0 - (0.9 * k) / steps;
}

/**
 * Builds the loss of the whole batch on the current tape.
 * @returns {{ total: import('wasmgrad').Value, accuracy: number, scores: number[] }}
 */
export function moonsLoss(eng, model, X, y) {
  const inputs = X.map((row) => row.map((x) => eng.value(x)));
  const scores = inputs.map((x) => model.forward(x)[0]);
  const losses = scores.map((s, i) => eng.add(1, s.mul(-y[i])).relu());
  const dataLoss = eng.sum(losses).mul(1.0 / losses.length);
  const regLoss = eng.sum(model.parameters().map((p) => p.mul(p))).mul(ALPHA);
  const total = dataLoss.add(regLoss);
  const scoreData = scores.map((s) => s.data);
  return { total, accuracy: accuracyOf(scoreData, y), scores: scoreData, scoreValues: scores };
}

/** micrograd's accuracy: the share of points whose score has the label's sign. */
export function accuracyOf(scores, y) {
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (y[i] > 0 === scores[i] > 0) correct++;
  return correct / y.length;
}

/** The model's score at one point, on a tape that is reset afterwards (for plots). */
export function predict(eng, model, x0, x1) {
  const s = model.forward([x0, x1])[0].data;
  eng.reset();
  return s;
}

/**
 * Trains micrograd's moons classifier.
 * @param {{
 *   backend?: 'wasm' | 'js', steps?: number, seed?: number, dataSeed?: number, n?: number, noise?: number,
 *   onStep?: (info: { step: number, steps: number, loss: number, accuracy: number, lr: number, elapsedMs: number }) => void,
 * }} [options]
 *   seed seeds the weight initialisation and, unless dataSeed is given, the data.
 */
export async function trainMoons({ backend = 'wasm', steps = 100, seed = 1337, dataSeed = seed, n = 100, noise = 0.1, compiled = false, onStep } = {}) {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`trainMoons: steps must be a positive integer, got ${steps}`);
  const eng = await createEngine({ backend });
  const { X, y } = makeMoons(n, { noise, seed: dataSeed });
  const model = new nn.MLP(eng, 2, [16, 16, 1], { seed });
  const params = model.parameters();

  const history = [];
  let loss = NaN;
  let accuracy = 0;
  const t0 = performance.now();
  if (compiled) {
    // The same graph, recorded once (outputs: the loss, then every score) and
    // replayed: each step is one call that runs forward, backward and the update.
    const program = eng.compile(() => {
      const out = moonsLoss(eng, model, X, y);
      return [out.total, ...out.scoreValues];
    }, []);
    for (let k = 0; k < steps; k++) {
      const lr = learningRate(k, steps);
      loss = program.step(lr);
      accuracy = accuracyOf(program.outputValues().subarray(1), y);
      const s = eng.stats();
      history.push({ step: k, loss, accuracy, lr, nodes: program.nodeCount, capacity: s.capacity, memoryBytes: s.memoryBytes });
      onStep?.({ step: k, steps, loss, accuracy, lr, elapsedMs: performance.now() - t0 });
    }
  } else {
    for (let k = 0; k < steps; k++) {
      // forward
      const out = moonsLoss(eng, model, X, y);
      loss = out.total.data;
      accuracy = out.accuracy;
      // backward
      model.zeroGrad();
      out.total.backward();
      // update (SGD)
      const lr = learningRate(k, steps);
      for (const p of params) p.data -= lr * p.grad;
      // the tape is at its largest here: sample it, then free it
      const s = eng.stats();
      history.push({ step: k, loss, accuracy, lr, nodes: s.nodes, capacity: s.capacity, memoryBytes: s.memoryBytes });
      eng.reset();
      onStep?.({ step: k, steps, loss, accuracy, lr, elapsedMs: performance.now() - t0 });
    }
  }
  const elapsedMs = performance.now() - t0;

  const pick = (h) => ({ step: h.step, nodes: h.nodes, capacity: h.capacity, memoryBytes: h.memoryBytes });
  return {
    backend,
    compiled,
    accuracy,
    loss,
    steps,
    history,
    stats: { first: pick(history[0]), last: pick(history[history.length - 1]), final: eng.stats() },
    elapsedMs,
    msPerStep: elapsedMs / steps,
    // for plotting and inspection
    eng,
    model,
    data: { X, y },
  };
}
