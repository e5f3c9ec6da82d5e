// The engines of bench/models.mjs, one factory each: { label, w6(cfg) → step, w7(cfg) → step }, or a
// reason per workload in `cannot` (printed in the row, never skipped silently). step() makes one training
// step and returns its loss as a JS number (read back, so lazy engines compute everything timed).
// The peers are the packages of bench/peers (installed there by compare.mjs, or `npm ci --ignore-scripts`
// in bench/peers), loaded from that directory since this one has no node_modules of its own.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { wasmgradW6, wasmgradW7 } from './wasmgrad.mjs';
import { tfjsW6, tfjsW7 } from './tfjs.mjs';
import { jaxW6, jaxW7 } from './jax.mjs';

export const PEERS_DIR = fileURLToPath(new URL('../peers/', import.meta.url));
const DIST = process.env.WASMGRAD_DIST ? pathToFileURL(path.join(process.env.WASMGRAD_DIST, 'index.js')).href : new URL('../../dist/index.js', import.meta.url).href;

/** A bench/peers package as Node would import it from there: its ESM entry where it has one, else its main. */
export async function peerImport(name) {
  const dir = path.join(PEERS_DIR, 'node_modules', name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const entry = pkg.exports?.['.']?.import ?? pkg.exports?.['.']?.default ?? (typeof pkg.exports === 'string' ? pkg.exports : null) ?? pkg.main ?? 'index.js';
  return import(pathToFileURL(path.join(dir, entry)).href);
}

export function peerVersions() {
  const v = {};
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@jax-js/jax', 'mitata']) {
    try { v[name] = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { v[name] = null; }
  }
  return v;
}

async function wasmgrad(backend, relaxedSimd = false) {
  const mod = await import(DIST);
  const eng = await mod.createEngine(backend === 'js' ? { backend: 'js' } : { relaxedSimd });
  if (relaxedSimd && eng.wasmBuild !== 'relaxed-simd') {
    const why = `not available: this host runs the ${eng.wasmBuild} build (no relaxed SIMD; Node 20 needs --experimental-wasm-relaxed-simd)`;
    return { label: 'wasmgrad Wasm, relaxed SIMD', cannot: { W6: why, W7: why } };
  }
  return {
    label: `wasmgrad ${backend === 'js' ? 'JS twin' : `Wasm (${eng.wasmBuild} build)`}, nn modules, eager`,
    w6: (cfg) => wasmgradW6(mod, eng, cfg),
    w7: (cfg) => wasmgradW7(mod, eng, cfg),
  };
}

async function tfjs(backend) {
  // the union bundle: it registers the gradients (tfjs-core alone does not); CommonJS, like the backends,
  // so that all of them share one tfjs-core
  const tf = await peerImport('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await peerImport('@tensorflow/tfjs-backend-wasm');
    // In Node the backend finds its .wasm files only from file paths; it runs single-threaded there.
    const dir = createRequire(path.join(PEERS_DIR, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]*$/, '');
    wasm.setWasmPaths(dir);
  } else await peerImport('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
  await tf.ready();
  const simd = backend === 'wasm' ? ((await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? ', SIMD' : ', no SIMD') : '';
  return {
    label: `TensorFlow.js ${tf.version_core}, ${backend} backend${simd}`,
    w6: (cfg) => tfjsW6(tf, cfg),
    w7: (cfg) => tfjsW7(tf, cfg),
  };
}

async function jaxjs(useJit) {
  const jax = await peerImport('@jax-js/jax');
  const devices = await jax.init('wasm'); // plain init() touches navigator in Node
  if (!devices.includes('wasm')) throw new Error(`init('wasm') gave devices ${JSON.stringify(devices)}`);
  return {
    label: `jax-js ${peerVersions()['@jax-js/jax']}, wasm device, ${useJit ? 'jit(train step)' : 'eager'}`,
    w6: (cfg) => jaxW6(jax, useJit, cfg),
    w7: (cfg) => jaxW7(jax, useJit, cfg),
  };
}

export const ENGINES = {
  wasm: { kind: 'wasmgrad', make: () => wasmgrad('wasm') },
  wasmRelaxed: { kind: 'wasmgrad', make: () => wasmgrad('wasm', true) },
  js: { kind: 'wasmgrad', make: () => wasmgrad('js') },
  tfjsCpu: { kind: 'peer', make: () => tfjs('cpu') },
  tfjsWasm: { kind: 'peer', make: () => tfjs('wasm') },
  jax: { kind: 'peer', make: () => jaxjs(false) },
  jaxJit: { kind: 'peer', make: () => jaxjs(true) },
};
