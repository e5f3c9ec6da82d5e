// The character-level LM example (examples/charlm) at reduced size: a
// one-block transformer of width 32 trained for 150 steps on the names. It
// must learn (the validation loss falls by a stated margin), the two backends
// must train the same model, and a saved model scored in a fresh Node process
// must give the training process's validation loss bit for bit.
//
// The fresh process imports 'wasmgrad' as a user would, i.e. the built dist/
// (`npm run build` first, as `npm test` does); this process runs the sources.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../src/index.js';
import { loadNameData } from '../examples/charlm/data.mjs';
import { sampleNames, saveModel, trainCharLM, type CharLMResult } from '../examples/charlm/train.mjs';
import { BACKENDS } from './helpers.js';

const STEPS = 150;
const SMALL = { nEmbd: 32, nHead: 4, nLayer: 1 };
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-charlm-'));
const loader = fileURLToPath(new URL('../examples/charlm/load.mjs', import.meta.url));

const runs = new Map<string, Promise<CharLMResult>>();
function run(backend: 'wasm' | 'js'): Promise<CharLMResult> {
  let r = runs.get(backend);
  if (!r) runs.set(backend, (r = trainCharLM({ backend, steps: STEPS, evalEvery: 50, model: SMALL })));
  return r;
}

/** Runs the loader on a file in a new Node process; its last line of output is JSON. */
function loadInFreshProcess(file: string): { valLoss: number; saved: number; backend: string; wasmBuild: string | null; samples: string[] } {
  const flags = process.execArgv.filter((f) => f === '--experimental-wasm-relaxed-simd');
  const child = spawnSync(process.execPath, [...flags, loader, file], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

describe('examples/charlm data', () => {
  it('reads both name lists into a fixed split with a character vocabulary and an end token', () => {
    const d = loadNameData({ seed: 1 });
    expect(d.trainNames.length + d.valNames.length).toBeGreaterThan(8000);
    expect(new Set([...d.trainNames, ...d.valNames]).size, 'no name in both splits').toBe(d.trainNames.length + d.valNames.length);
    expect(d.itos[0]).toBe('.');
    expect(d.itos.slice(1).join('')).toMatch(/^-?abcdefghijklmnopqrstuvwxyz$/);
    // '.emma' → 'emma.', padding has no target
    const i = d.trainNames.indexOf(d.trainNames[0]);
    const name = d.trainNames[i];
    const T = d.blockSize;
    const x = Array.from(d.train.X.subarray(i * T, (i + 1) * T));
    const y = Array.from(d.train.Y.subarray(i * T, (i + 1) * T));
    expect(x.slice(0, name.length + 1).map((k) => d.itos[k]).join('')).toBe(`.${name}`);
    expect(y.slice(0, name.length + 1).map((k) => d.itos[k]).join('')).toBe(`${name}.`);
    expect(y.slice(name.length + 1).every((k) => k === -1)).toBe(true);
    expect(loadNameData({ seed: 1 }).valNames).toEqual(d.valNames);
    expect(loadNameData({ seed: 2 }).valNames).not.toEqual(d.valNames);
  });
});

describe.each(BACKENDS)('examples/charlm on %s', (backend) => {
  it(`the validation loss falls by at least 1.0 nat per character in ${STEPS} steps`, async () => {
    const r = await run(backend);
    expect(r.initialValLoss).toBeGreaterThan(3.2); // about ln 28 or worse before training
    expect(r.valLoss).toBeLessThan(r.initialValLoss - 1.0);
    expect(r.valLoss).toBeLessThan(2.5);
    const vals = r.history.map((h) => h.valLoss);
    expect(vals).toHaveLength(3);
    expect(vals[2]).toBeLessThan(vals[0]);
  }, 120_000);

  it('keeps PyTorch names in its state dict', async () => {
    const { model } = await run(backend);
    const sd = model.stateDict();
    expect(sd['h.0.attn.in_proj_weight'].shape).toEqual([96, 32]);
    expect(sd['h.0.mlp.2.weight'].shape).toEqual([32, 128]);
    expect(Object.keys(sd)).toContain('lm_head.bias');
  });

  it('saves to .safetensors and a fresh process reproduces the validation loss bit for bit', async () => {
    const r = await run(backend);
    const bytes = saveModel(r.model, { dataSeed: r.dataSeed, valFraction: r.valFraction, backend: r.backend, wasmBuild: r.wasmBuild, valLoss: r.valLoss });
    expect(decodeSafetensors(bytes).tensors.size).toBe(Object.keys(r.model.stateDict()).length);
    const file = join(dir, `${backend}.safetensors`);
    writeFileSync(file, bytes);
    const loaded = loadInFreshProcess(file);
    expect(loaded.backend).toBe(backend);
    expect(loaded.wasmBuild).toBe(r.wasmBuild);
    expect(Object.is(loaded.valLoss, r.valLoss), `fresh ${loaded.valLoss} vs trained ${r.valLoss}`).toBe(true);
    // The loader draws 5 names with seed 11: the same model draws the same names.
    expect(loaded.samples).toEqual(sampleNames(r.model, r.data.itos, { count: 5, seed: 11 }));
  }, 120_000);

  it('samples names made of the vocabulary, shorter than the block', async () => {
    const { model, data } = await run(backend);
    const names = sampleNames(model, data.itos, { count: 10, seed: 3 });
    expect(names).toHaveLength(10);
    for (const n of names) {
      expect(n.length).toBeLessThan(data.blockSize);
      for (const c of n) expect(data.stoi.has(c) && c !== '.').toBe(true);
    }
    expect(new Set(names).size).toBeGreaterThan(5);
  });
});

describe('examples/charlm across backends', () => {
  it('the JS twin trains the same model as Wasm (validation losses within 1e-4)', async () => {
    const [w, j] = await Promise.all([run('wasm'), run('js')]);
    for (let i = 0; i < w.history.length; i++) expect(Math.abs(w.history[i].valLoss - j.history[i].valLoss)).toBeLessThan(1e-4);
    expect(Math.abs(w.initialValLoss - j.initialValLoss)).toBeLessThan(1e-6);
  });

  it('the CLI trains, prints the curve and samples, and its loader agrees bit for bit', () => {
    const cli = fileURLToPath(new URL('../examples/charlm.mjs', import.meta.url));
    const flags = process.execArgv.filter((f) => f === '--experimental-wasm-relaxed-simd');
    const out = spawnSync(process.execPath, [...flags, cli, '--steps', '20', '--no-progress', '--out', join(dir, 'cli.safetensors')], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/loss curve/);
    expect(out.stdout).toMatch(/validation loss \d\.\d{4}/);
    expect(out.stdout).toMatch(/sampled names/);
    expect(out.stdout).toMatch(/the same bit for bit/);
  }, 120_000);
});
