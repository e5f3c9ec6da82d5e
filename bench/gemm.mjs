// Matrix-multiply benchmark: assembly/tensor/gemm.ts built with relaxed SIMD
// (fused multiply-add), with SIMD and without, and the JS twin
// (src/js/gemm.ts), on square n×n products:
//
//   NN       C  = A @ B
//   NT       dA = G @ B^T          (the backward product for A)
//   TN       dB = A^T @ G          (the backward product for B)
//   fwd+bwd  all three: forward and backward of sum(A @ B), 6n³ flops
//
// GFLOP/s counts 2n³ per product. Each table cell is the median over rounds
// (and the interquartile range); each round runs every engine once per case,
// in a rotating order, so that drift in machine load hits all engines alike.
// Time is the process's CPU time (user + system), not wall-clock time: on a
// shared machine the wall clock also counts the time the OS gave to other
// processes, which says nothing about the kernel (on an idle machine the two
// agree; the report gives the ratio). The process is single-threaded once
// V8 has compiled the code, which the warm-up ensures.
// Both Wasm variants are compiled from the current source, in memory, with
// the options the core uses; the JS twin is transpiled from the current
// source too, so nothing here depends on a stale build.
//
//   node bench/gemm.mjs [--quick]      (--quick: n = 64, 256 and fewer rounds)

import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { fmt, loud, machine, now, summary } from './lib.mjs';
import { compileGemmEntry } from './gemm-entry.mjs';

/** Milliseconds of CPU time used by this process so far. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const USAGE = 'usage: node bench/gemm.mjs [--quick]';
const args = process.argv.slice(2);
for (const a of args) {
  if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
  if (a !== '--quick') { console.error(`gemm.mjs: unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
const QUICK = args.includes('--quick');
const SIZES = QUICK ? [64, 256] : [64, 256, 512, 1024];
const ROUNDS = (n) => (QUICK ? 5 : n >= 1024 ? 5 : 9);
const SAMPLE_MS = QUICK ? 30 : 60; // each sample repeats the call until at least this long
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ── engines ──

// Node 20 validates relaxed-SIMD modules only behind this flag (Node 22,
// Chrome, Deno and Bun without it): without it the script runs itself again
// with it.
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

async function buildWasm(simd) {
  const binary = await compileGemmEntry(simd);
  let module;
  try {
    module = new WebAssembly.Module(binary);
  } catch (err) {
    if (simd !== 'relaxed' || process.execArgv.includes(RELAXED_SIMD_FLAG)) throw err;
    const r = spawnSync(process.execPath, [...process.execArgv, RELAXED_SIMD_FLAG, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  return (await WebAssembly.instantiate(module, {})).exports;
}

async function loadJsTwin() {
  const source = fs.readFileSync(path.join(ROOT, 'src/js/gemm.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
  });
  return import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
}

/** Fills n values in [-1, 1) from a fixed xorshift32 stream. */
function fillRandom(arr, seed) {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < arr.length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    arr[i] = s / 2 ** 31 - 1;
  }
}

/**
 * One engine's operands for one size and dtype: A, B, G (inputs) and C, dA,
 * dB (outputs), all n×n, plus the four runnable cases.
 */
function wasmSetup(ex, dtype, n) {
  const Arr = dtype === 'f32' ? Float32Array : Float64Array;
  const bytes = n * n * Arr.BYTES_PER_ELEMENT;
  const ptrs = {};
  for (const name of ['A', 'B', 'G', 'C', 'dA', 'dB']) ptrs[name] = ex.alloc(bytes);
  for (const [name, seed] of [['A', 1], ['B', 2], ['G', 3]]) {
    const tmp = new Arr(n * n);
    fillRandom(tmp, seed);
    new Arr(ex.memory.buffer, ptrs[name], n * n).set(tmp);
  }
  const g = dtype === 'f32' ? ex.gemmF32 : ex.gemmF64;
  const { A, B, G, C, dA, dB } = ptrs;
  const NN = () => g(0, 0, n, n, n, A, n, B, n, C, n, 0);
  const NT = () => g(0, 1, n, n, n, G, n, B, n, dA, n, 0);
  const TN = () => g(1, 0, n, n, n, A, n, G, n, dB, n, 0);
  return {
    cases: { NN, NT, TN, 'fwd+bwd': () => { NN(); NT(); TN(); } },
    // memory may have grown since the pointers were taken: view it afresh
    result: (name) => new Arr(ex.memory.buffer, ptrs[name], n * n).slice(),
    free: () => { for (const p of Object.values(ptrs)) ex.free(p); },
  };
}

function jsSetup(twin, dtype, n) {
  const Arr = dtype === 'f32' ? Float32Array : Float64Array;
  const m = {};
  for (const name of ['A', 'B', 'G', 'C', 'dA', 'dB']) m[name] = new Arr(n * n);
  fillRandom(m.A, 1);
  fillRandom(m.B, 2);
  fillRandom(m.G, 3);
  const g = twin.gemm;
  const NN = () => g(false, false, n, n, n, m.A, 0, n, m.B, 0, n, m.C, 0, n, false);
  const NT = () => g(false, true, n, n, n, m.G, 0, n, m.B, 0, n, m.dA, 0, n, false);
  const TN = () => g(true, false, n, n, n, m.A, 0, n, m.G, 0, n, m.dB, 0, n, false);
  return {
    cases: { NN, NT, TN, 'fwd+bwd': () => { NN(); NT(); TN(); } },
    result: (name) => m[name].slice(),
    free: () => {},
  };
}

// ── measurement ──

const CASES = ['NN', 'NT', 'TN', 'fwd+bwd'];
const FLOPS = (c, n) => (c === 'fwd+bwd' ? 3 : 1) * 2 * n ** 3;

/** Repetitions that make one sample last about SAMPLE_MS (at least 1). */
function calibrate(fn) {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = cpuNow();
    for (let r = 0; r < reps; r++) fn();
    const ms = cpuNow() - t0;
    if (ms >= SAMPLE_MS / 4 || reps >= 1 << 16) return Math.max(1, Math.ceil((reps * SAMPLE_MS) / Math.max(ms, 1e-3)));
    reps *= 4;
  }
}

/** Largest |x - ref| over the largest |ref|: the engines must agree before they are timed. */
function relErr(x, ref) {
  let err = 0;
  let mag = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(x[i] - ref[i]));
    mag = Math.max(mag, Math.abs(ref[i]));
  }
  return err / mag;
}

async function main() {
  const meta = machine();
  console.error(`building: relaxed-SIMD, SIMD and scalar Wasm from assembly/tensor/gemm.entry.ts, JS twin from src/js/gemm.ts`);
  const [relaxed, simd, scalar, twin] = await Promise.all([buildWasm('relaxed'), buildWasm(true), buildWasm(false), loadJsTwin()]);
  const engines = [
    { key: 'relaxed', label: 'Wasm relaxed SIMD', setup: (d, n) => wasmSetup(relaxed, d, n) },
    { key: 'simd', label: 'Wasm SIMD', setup: (d, n) => wasmSetup(simd, d, n) },
    { key: 'scalar', label: 'Wasm scalar', setup: (d, n) => wasmSetup(scalar, d, n) },
    { key: 'js', label: 'JS twin', setup: (d, n) => jsSetup(twin, d, n) },
  ];

  const rows = [];
  const mismatches = [];
  let wallMs = 0;
  let cpuMs = 0;
  for (const dtype of ['f32', 'f64']) {
    for (const n of SIZES) {
      const setups = engines.map((e) => ({ ...e, ...e.setup(dtype, n) }));
      // every engine computes all three products once, and they must agree
      for (const s of setups) s.cases['fwd+bwd']();
      const tol = dtype === 'f32' ? 1e-4 : 1e-12;
      for (const out of ['C', 'dA', 'dB']) {
        const ref = setups[0].result(out);
        for (const s of setups.slice(1)) {
          const e = relErr(s.result(out), ref);
          if (!(e <= tol)) mismatches.push(`${dtype} n=${n} ${out}: ${s.label} differs from ${setups[0].label} by ${e.toExponential(2)} (relative to max |${out}|)`);
        }
      }
      // warm-up (tier-up to optimized code) doubles as calibration
      const reps = setups.map((s) => Object.fromEntries(CASES.map((c) => [c, calibrate(s.cases[c])])));
      const samples = setups.map(() => Object.fromEntries(CASES.map((c) => [c, []])));
      const rounds = ROUNDS(n);
      for (let round = 0; round < rounds; round++) {
        process.stderr.write(`\r${dtype} n=${n} round ${round + 1}/${rounds}   `);
        for (const c of CASES) {
          for (let k = 0; k < setups.length; k++) {
            const i = (k + round) % setups.length;
            const fn = setups[i].cases[c];
            const r = reps[i][c];
            const w0 = now();
            const t0 = cpuNow();
            for (let j = 0; j < r; j++) fn();
            const ms = cpuNow() - t0;
            wallMs += now() - w0;
            cpuMs += ms;
            samples[i][c].push((FLOPS(c, n) * r) / ms / 1e6);
          }
        }
      }
      for (const c of CASES) {
        rows.push({ dtype, n, case: c, ...Object.fromEntries(setups.map((s, i) => [s.key, summary(samples[i][c])])) });
      }
      for (const s of setups) s.free();
    }
  }
  process.stderr.write('\n');

  const cell = (s) => `${fmt(s.median)} (${fmt(s.q1)}–${fmt(s.q3)})`;
  const lines = [
    `# gemm: GFLOP/s, median (interquartile range)`,
    '',
    `${meta.cpu}, ${meta.cpus} CPUs, Node ${meta.node} (V8 ${meta.v8}), load average ${meta.loadAvg1m} at start, ${fmt(machine().loadAvg1m)} at end${QUICK ? ', --quick' : ''}.`,
    `Timed by CPU time; the timed runs took ${fmt(wallMs / cpuMs)}× as long in wall-clock time (1.0 on an idle machine).`,
    '',
    '| dtype | n | case | Wasm relaxed SIMD | Wasm SIMD | Wasm scalar | JS twin | relaxed / SIMD | SIMD / JS |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.dtype} | ${r.n} | ${r.case} | ${cell(r.relaxed)} | ${cell(r.simd)} | ${cell(r.scalar)} | ${cell(r.js)} | ${fmt(r.relaxed.median / r.simd.median)}× | ${fmt(r.simd.median / r.js.median)}× |`),
  ];
  if (mismatches.length) lines.push('', '**The engines disagree; the figures above time wrong answers:**', ...mismatches.map((m) => `- ${m}`));
  console.log(lines.join('\n'));
  if (mismatches.length) {
    loud(['gemm engines disagree:', ...mismatches]);
    process.exitCode = 1;
  }
}

await main();
