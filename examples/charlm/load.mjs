// Loads a model that examples/charlm.mjs saved and scores it on the
// validation names again: the check that a .safetensors file carries
// everything, run in a process of its own so nothing of the training
// process (its engine, memory or generator) can leak into the number.
//
//   node examples/charlm/load.mjs charlm.safetensors   # prints one line of JSON
//
// The file's metadata says which backend and Wasm build trained it; the same
// one is used here, since another build may round the same sums differently
// (the relaxed-SIMD build fuses multiply and add).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine, decodeSafetensors, loadSafetensors } from 'wasmgrad';
import { loadNameData } from './data.mjs';
import { CharTransformer } from './model.mjs';
import { evaluate, sampleNames } from './train.mjs';

/**
 * Rebuilds the model of a saved file on a fresh engine.
 * @param {Uint8Array} bytes
 */
export async function loadCharLM(bytes) {
  const { metadata } = decodeSafetensors(bytes);
  if (metadata.format !== 'wasmgrad-charlm') throw new Error(`not a file of the charlm example (format ${JSON.stringify(metadata.format)})`);
  const backend = metadata.backend;
  const build = metadata.wasmBuild;
  const eng = await createEngine(backend === 'wasm' ? { backend, simd: build !== 'baseline', relaxedSimd: build === 'relaxed-simd' } : { backend });
  if (backend === 'wasm' && eng.wasmBuild !== build) {
    throw new Error(`the model was scored with the ${build} Wasm build, which this host did not load (it loaded ${eng.wasmBuild}): run node with the flags the training process had`);
  }
  const data = loadNameData({ seed: Number(metadata.dataSeed), valFraction: Number(metadata.valFraction) });
  const model = new CharTransformer(eng, JSON.parse(metadata.config));
  model.loadStateDict(loadSafetensors(eng, bytes));
  eng.reset();
  return { eng, model, data, metadata };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node examples/charlm/load.mjs MODEL.safetensors');
    process.exit(2);
  }
  const { model, data, metadata } = await loadCharLM(new Uint8Array(readFileSync(file)));
  const valLoss = evaluate(model, data.val);
  const samples = sampleNames(model, data.itos, { count: 5, seed: 11 });
  console.log(JSON.stringify({ valLoss, saved: Number(metadata.valLoss), backend: metadata.backend, wasmBuild: model.eng.wasmBuild, samples }));
}
