// Trains the character-level transformer of model.mjs on English first names
// (data.mjs): AdamW, a linear warm-up then cosine decay of the learning rate
// (optim.CosineAnnealingLR), minibatches of whole names drawn by a seeded
// generator. The engine's own generator (createEngine({ seed })) draws the
// initial weights, so a seed gives the same run on both backends up to f32
// rounding.
//
// Each step builds its graph, runs backward, updates the parameters inside
// the engine and resets the tape; parameters and AdamW's moments live in
// slots, everything else dies at reset().

import { createEngine, optim, saveSafetensors } from 'wasmgrad';
import { decode, loadNameData, mulberry32 } from './data.mjs';
import { CharTransformer, MODEL, batchLoss } from './model.mjs';

export const RECIPE = Object.freeze({
  steps: 2000,
  batch: 32,
  lr: 3e-3,
  warmup: 100,
  minLr: 3e-4,
  weightDecay: 0.01,
  evalEvery: 200,
  seed: 1,
  dataSeed: 1,
  valFraction: 0.1,
});

/**
 * Mean cross-entropy per character (end tokens included) over every name of
 * a split, in evaluation mode, computed in fixed chunks so it is the same
 * sum in the same order wherever it runs: a saved model loaded elsewhere
 * gives this number bit for bit.
 * @param {CharTransformer} model
 * @param {{ X: Int32Array, Y: Int32Array, count: number }} split
 * @param {number} [chunk] names per forward pass
 */
export function evaluate(model, split, chunk = 256) {
  const { eng } = model;
  const T = model.config.blockSize;
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  let tokens = 0;
  for (let s = 0; s < split.count; s += chunk) {
    const n = Math.min(chunk, split.count - s);
    const { loss, count } = batchLoss(model, split.X.subarray(s * T), split.Y.subarray(s * T), n);
    total += loss.item() * count;
    tokens += count;
    eng.reset();
  }
  model.train(wasTraining);
  return total / tokens;
}

/**
 * Draws `count` names, one character at a time from the softmax of the last
 * position's logits (scaled by 1/temperature), until each has produced its
 * end token or filled the block.
 * @param {CharTransformer} model
 * @param {string[]} itos
 * @param {{ count?: number, seed?: number, temperature?: number }} [options]
 * @returns {string[]}
 */
export function sampleNames(model, itos, { count = 10, seed = 7, temperature = 1 } = {}) {
  const { eng } = model;
  const { blockSize, vocabSize: V } = model.config;
  const rng = mulberry32(seed);
  const seqs = Array.from({ length: count }, () => [0]);
  const done = new Array(count).fill(false);
  const wasTraining = model.training;
  model.eval();
  for (let t = 1; t < blockSize && done.includes(false); t++) {
    const idx = eng.tensor(Int32Array.from(seqs.flat()), [count, t], { dtype: 'int32' });
    const logits = model.forward(idx).slice([0, t - 1, 0], [count, t, V]).reshape([count, V]);
    const probs = logits.div(temperature).softmax(-1).data();
    eng.reset();
    for (let r = 0; r < count; r++) {
      let next = 0;
      if (!done[r]) {
        let u = rng();
        next = V - 1;
        for (let k = 0; k < V; k++) {
          u -= probs[r * V + k];
          if (u < 0) { next = k; break; }
        }
        if (next === 0) done[r] = true;
      }
      seqs[r].push(next);
    }
  }
  model.train(wasTraining);
  return seqs.map((s) => decode(itos, s.slice(1)));
}

/** The model as .safetensors bytes, with what a loader needs to rebuild it and its data in the metadata. */
export function saveModel(model, { dataSeed, valFraction, backend, wasmBuild, valLoss }) {
  return saveSafetensors(model.stateDict(), {
    metadata: {
      format: 'wasmgrad-charlm',
      config: JSON.stringify(model.config),
      dataSeed: String(dataSeed),
      valFraction: String(valFraction),
      backend,
      wasmBuild: wasmBuild ?? '',
      // The exact f64 bits, as a loader's check compares them.
      valLoss: String(valLoss),
    },
  });
}

/**
 * Trains and returns the model, its engine, the loss history and the
 * validation loss (and the one of the untrained model, initialValLoss). `onStep({ step, steps, loss, lr })` after every step;
 * `onEval({ step, trainLoss, valLoss })` every evalEvery steps and at the end.
 * @param {Partial<typeof RECIPE> & { backend?: 'wasm' | 'js', model?: Partial<typeof MODEL>, onStep?: Function, onEval?: Function }} [options]
 */
export async function trainCharLM(options = {}) {
  const o = { ...RECIPE, backend: 'wasm', onStep: () => {}, onEval: () => {}, ...options };
  const data = loadNameData({ seed: o.dataSeed, valFraction: o.valFraction });
  const eng = await createEngine({ backend: o.backend, seed: o.seed });
  const model = new CharTransformer(eng, { ...MODEL, ...o.model, vocabSize: data.vocabSize, blockSize: data.blockSize });
  const opt = new optim.AdamW(model.parameters(), { lr: o.lr, weightDecay: o.weightDecay, betas: [0.9, 0.99] });
  const warmup = Math.min(o.warmup, o.steps - 1);
  const schedule = new optim.CosineAnnealingLR(opt, { tMax: o.steps - warmup, warmupSteps: warmup, etaMin: o.minLr });

  const T = data.blockSize;
  const xb = new Int32Array(o.batch * T);
  const yb = new Int32Array(o.batch * T);
  const rng = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
  const history = [];
  let windowSum = 0;
  let windowSteps = 0;
  const t0 = performance.now();
  let evalMs = 0;
  const initialValLoss = evaluate(model, data.val);

  const record = (step) => {
    const e0 = performance.now();
    const entry = { step, trainLoss: windowSum / windowSteps, valLoss: evaluate(model, data.val) };
    evalMs += performance.now() - e0;
    history.push(entry);
    windowSum = 0;
    windowSteps = 0;
    o.onEval(entry);
  };

  for (let step = 1; step <= o.steps; step++) {
    for (let r = 0; r < o.batch; r++) {
      const i = Math.floor(rng() * data.train.count);
      xb.set(data.train.X.subarray(i * T, (i + 1) * T), r * T);
      yb.set(data.train.Y.subarray(i * T, (i + 1) * T), r * T);
    }
    const { loss } = batchLoss(model, xb, yb, o.batch);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    const value = loss.item();
    eng.reset();
    const lr = opt.lr;
    schedule.step();
    windowSum += value;
    windowSteps++;
    o.onStep({ step, steps: o.steps, loss: value, lr });
    if (step % o.evalEvery === 0 || step === o.steps) record(step);
  }
  const seconds = (performance.now() - t0 - evalMs) / 1000;
  const valLoss = history[history.length - 1].valLoss;
  return {
    eng, model, data, history, valLoss, initialValLoss, warmup,
    trainSeconds: seconds, stepsPerSecond: o.steps / seconds,
    backend: o.backend, wasmBuild: eng.wasmBuild, dataSeed: o.dataSeed, valFraction: o.valFraction,
  };
}
