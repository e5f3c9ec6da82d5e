// `npm run bench`: builds wasmgrad if its sources are newer than the build, then runs, one Node process each:
//   compare.mjs            the five workloads (W1–W5) for every engine: wasmgrad (Wasm and JS twin; scalar eager
//                          and compiled; tensors), the object graph, and the peers installed on demand
//                          (TensorFlow.js cpu and wasm, js-pytorch, jax-js eager and jit)
//                                                          → bench/results.json, docs/bench.svg
//   moons.mjs              the two-moons step's deep dive (phases, diagnostics) → results/moons.json
//   chain.mjs --nodes 1e5  the scalar chain's deep dive at issue #4's size     → results/chain-1e5.json
//   chain.mjs              the same at 10^6 op nodes                           → results/chain.json
//   transforms.mjs         the function transforms: hvp vs grad, jvp vs forward, the Hessian, eager and
//                          compiled, wasmgrad and jax-js                       → results/transforms.json, .svg
//   models.mjs             W6 transformer block and W7 LeNet-5 training steps, wasmgrad vs TensorFlow.js
//                          and jax-js                                          → results/models.json, .svg
// With --quick: compare.mjs --quick, transforms.mjs --quick and models.mjs --quick (fewer rounds and sizes; they write
// results/*.quick.json, git-ignored). --compare-only runs compare.mjs alone. Exits non-zero if any run
// does (engines that disagree, a wasmgrad engine that fails).
//
//   node bench/all.mjs [--quick] [--compare-only] [-- compare.mjs options]

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const compareOnly = args.includes('--compare-only');
const passIndex = args.indexOf('--');
const passThrough = passIndex >= 0 ? args.slice(passIndex + 1) : [];
const unknown = (passIndex >= 0 ? args.slice(0, passIndex) : args).filter((a) => a !== '--quick' && a !== '--compare-only');
if (unknown.length > 0) {
  console.error(`all.mjs: unknown argument ${unknown[0]}\nusage: node bench/all.mjs [--quick] [--compare-only] [-- compare.mjs options]`);
  process.exit(2);
}

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const ROOT = here('../');
const t0 = Date.now();

// The build takes ~40 s on this machine, a third of the --quick budget: skip it when nothing changed.
function newest(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((f) => newest(path.join(p, f))));
}
const inputs = ['src', 'assembly', 'asconfig.json', 'tsconfig.json'].map((f) => newest(path.join(ROOT, f)));
const outputs = ['dist/index.js', 'build/wasmgrad.wasm', 'build/wasmgrad.simd.wasm', 'build/wasmgrad.relaxed.wasm'].map((f) => (fs.existsSync(path.join(ROOT, f)) ? fs.statSync(path.join(ROOT, f)).mtimeMs : 0));
if (Math.min(...outputs) < Math.max(...inputs)) {
  console.error('== npm run build (the sources are newer than the build)');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    console.error('all.mjs: the build failed');
    process.exit(1);
  }
} else console.error('== the build is up to date');

const runs = [['compare.mjs', ...(quick ? ['--quick'] : []), ...passThrough]];
if (!quick && !compareOnly) {
  runs.push(['moons.mjs'], ['chain.mjs', '--nodes', '100000', '--rounds', '45', '--out', here('./results/chain-1e5.json')], ['chain.mjs']);
}
if (!compareOnly) runs.push(['transforms.mjs', ...(quick ? ['--quick'] : [])]);
if (!compareOnly) runs.push(['models.mjs', ...(quick ? ['--quick'] : [])]);

const failed = [];
for (const [script, ...rest] of runs) {
  console.error(`\n== node bench/${[script, ...rest].join(' ')}`);
  const r = spawnSync(process.execPath, [here(`./${script}`), ...rest], { stdio: 'inherit' });
  console.log(''); // a blank line between the reports on stdout
  if (r.status !== 0) failed.push(`${script} ${rest.join(' ')} (exit ${r.status ?? r.signal})`);
}
console.error(`\nall benchmarks: ${runs.length - failed.length}/${runs.length} succeeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
if (failed.length > 0) {
  console.error(`FAILED: ${failed.join('; ')}`);
  process.exit(1);
}
