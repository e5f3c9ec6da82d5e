// wasmgrad against the JS autograd engines people use (issue #5): five workloads, every engine, one table.
//
//   node bench/compare.mjs [--quick] [--only ENGINES] [--cases W1,W2,W2s,W3,W4,W5] [--harness mitata|hand]
//                          [--harness-check] [--rounds R] [--out FILE] [--no-chart] [--baseline DIR]
//
// --baseline DIR: DIR is another checkout of wasmgrad, built (e.g. `git worktree add DIR COMMIT`, then
// `npm run build` there). Every wasmgrad row selected gets a twin row, ENGINE@base, that runs DIR's dist/ in a
// process of its own, interleaved in the same rounds, and the report ends with each row's time ÷ its
// baseline's: before and after a change, measured side by side.
//
// Installs the peers on demand (`npm ci --ignore-scripts` in bench/peers, never part of the library's
// install or CI), starts one long-lived process per engine (bench/peers/worker.mjs), and for every case
// (a workload at one size) makes each engine build it and check its numbers against an f64 reference
// computed in plain JS, then runs R rounds: in round r every engine takes one timing sample, in an order
// rotated by r, so drift of the machine hits all engines alike. Writes bench/results.json and
// docs/bench.svg (--quick: bench/results/compare.quick.json, no chart) and prints Markdown on stdout.
// A peer that fails is reported with its error; an engine that disagrees with the reference gets no time.
// Method: bench/README.md.

import fs from 'node:fs';
import path from 'node:path';
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { summary, fmt, machine, loud } from './lib.mjs';
import { W1, W2, W2_SHORT_STEPS, W3, W4, w1Reference, w2Reference, w3Reference, w4Reference, w5Reference, CHECK_NAMES } from './peers/workloads.mjs';
import { compareChart } from './peers/svg.mjs';
import { hasRelaxedSimd } from '../dist/wasm/load.js';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const ROOT = here('../');
const PEERS_DIR = here('./peers/');

const ENGINE_KEYS = ['wasm', 'wasmCompiled', 'wasmTensor', 'wasmTensorRelaxed', 'js', 'jsCompiled', 'jsTensor', 'graph', 'tfjsCpu', 'tfjsWasm', 'jsPytorch', 'jax', 'jaxJit'];
const PEER_KEYS = ['tfjsCpu', 'tfjsWasm', 'jsPytorch', 'jax', 'jaxJit'];
const LABELS = {
  wasm: 'wasmgrad Wasm, scalar, eager', wasmCompiled: 'wasmgrad Wasm, scalar, compiled', wasmTensor: 'wasmgrad Wasm, tensor', wasmTensorRelaxed: 'wasmgrad Wasm, tensor, relaxed SIMD',
  js: 'wasmgrad JS twin, scalar, eager', jsCompiled: 'wasmgrad JS twin, scalar, compiled', jsTensor: 'wasmgrad JS twin, tensor',
  graph: 'object graph (micrograd-style JS)', tfjsCpu: 'TensorFlow.js, cpu', tfjsWasm: 'TensorFlow.js, wasm',
  jsPytorch: 'js-pytorch', jax: 'jax-js, wasm, eager', jaxJit: 'jax-js, wasm, jit',
};
const WASM_KEYS = ['wasm', 'wasmCompiled', 'wasmTensor', 'wasmTensorRelaxed'];
// Node 20 validates relaxed-SIMD modules only behind this flag (Node 22, Chrome, Deno and Bun without it; later V8s
// reject it). Where this process lacks relaxed SIMD, every engine's process gets it, so that each runs as on those hosts: jax-js then fuses its f32 multiply-adds, and
// wasmgrad's relaxed row loads its relaxed-SIMD build (wasmTensor opts out with relaxedSimd: false).
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

const USAGE = `usage: node bench/compare.mjs [--quick] [--only ENGINES] [--cases W1,W2,W2s,W3,W4,W5] [--harness mitata|hand] [--harness-check] [--rounds R] [--out FILE] [--no-chart] [--baseline DIR]
  engines: ${ENGINE_KEYS.join(',')}`;
const args = process.argv.slice(2);
const opts = { quick: false, only: null, cases: null, harness: 'mitata', harnessCheck: false, rounds: null, out: null, chart: true, baseline: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--quick') opts.quick = true;
  else if (a === '--only') opts.only = args[++i].split(',');
  else if (a === '--cases') opts.cases = args[++i].split(',');
  else if (a === '--harness') opts.harness = args[++i];
  else if (a === '--harness-check') opts.harnessCheck = true;
  else if (a === '--rounds') opts.rounds = Number(args[++i]);
  else if (a === '--out') opts.out = args[++i];
  else if (a === '--no-chart') opts.chart = false;
  else if (a === '--baseline') opts.baseline = path.resolve(args[++i]);
  else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
  else { console.error(`compare.mjs: unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
const OUT = opts.out ?? (opts.quick ? here('./results/compare.quick.json') : here('./results.json'));
const SVG = path.join(ROOT, 'docs/bench.svg');
const BASE = '@base';
const baseOf = (key) => (key.endsWith(BASE) ? key.slice(0, -BASE.length) : key);
const engineKeys = ENGINE_KEYS.filter((k) => !opts.only || opts.only.includes(k));
if (opts.baseline) {
  if (!fs.existsSync(path.join(opts.baseline, 'dist/index.js'))) {
    console.error(`compare.mjs: --baseline ${opts.baseline} has no dist/index.js: run npm run build there first`);
    process.exit(2);
  }
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: opts.baseline, encoding: 'utf8' }).stdout?.trim() || path.basename(opts.baseline);
  for (const k of [...engineKeys]) {
    if (PEER_KEYS.includes(k) || k === 'graph') continue;
    engineKeys.splice(engineKeys.indexOf(k) + 1, 0, k + BASE);
    LABELS[k + BASE] = `${LABELS[k]} (baseline ${commit})`;
  }
}

// Timing: R rounds of one sample per engine; a sample is ~budgetMs of calls (at least one call). Before its
// first sample an engine runs warmupMs of untimed calls on the case (after the checked calls).
const TIMING = opts.quick
  ? { rounds: 3, budgetMs: 90, warmupMs: 150 }
  : { rounds: 7, budgetMs: 300, warmupMs: 1000 };
if (opts.rounds) TIMING.rounds = opts.rounds;
const MAX_CALL_MS = opts.quick ? 2000 : 12000;
const SLOW_CALL_MS = 2000;
const SLOW_SAMPLES = 3;

// ── the cases ──

const W2S_STEPS = opts.quick ? 50 : W2_SHORT_STEPS;
const CASES = [
  { key: 'W1', workload: 'W1', title: 'W1: two-moons SGD step, MLP 2-16-16-1, 100 points, SVM loss + L2 (scalar engines: the scalar graph; tensor engines: matmuls)', unit: 'ms per step' },
  { key: 'W2', workload: 'W2', size: W2.steps, title: `W2: scalar chain x = tanh(x·w + b), ${(3 * W2.steps).toLocaleString('en-US')} op nodes, forward + backward`, unit: 'ns per op node', opNodes: 3 * W2.steps },
  { key: 'W2s', workload: 'W2', size: W2S_STEPS, title: `W2s: the same chain at ${3 * W2S_STEPS} op nodes (every engine)`, unit: 'ns per op node', opNodes: 3 * W2S_STEPS },
  ...(opts.quick ? W3.quickSizes : W3.sizes).map((n) => ({ key: `W3-${n}`, workload: 'W3', size: n, title: `W3: f32 sum(A@B), n = ${n}, forward + backward (6n³ = ${(6 * n ** 3 / 1e6).toFixed(1)} MFLOP per call)`, unit: 'GFLOP/s', flop: 6 * n ** 3 })),
  { key: 'W4', workload: 'W4', title: `W4: MLP 784-128-10, batch 64, ReLU, softmax cross-entropy, SGD step (lr ${W4.lr})`, unit: 'ms per step' },
  { key: 'W5', workload: 'W5', title: 'W5: value and gradient of f(p) = Σ_{i<10} tanh(p_i·x_i + 0.1), per call', unit: 'µs per call' },
].filter((c) => !opts.cases || opts.cases.includes(c.key) || opts.cases.includes(c.workload));

// Not attempted, and why (printed in the row).
function skipReason(engine, c) {
  if (c.key === 'W2' && (engine === 'jax' || engine === 'jaxJit'))
    return engine === 'jax'
      ? 'not run: in a trial here eager jax-js ran out of a 4 GB heap after ~2 min on the 10^5-op chain (W2s has it)'
      : 'not run: jit traces and compiles the whole chain; 900 ops already take ~3 s to compile (W2s has it)';
  if (c.key === 'W2' && engine === 'jsPytorch') return 'not run: its backward recurses once per op and overflows the stack on the 10^5-op chain (RangeError: Maximum call stack size exceeded; W2s has it)';
  if (opts.quick && c.key === 'W2' && PEER_KEYS.includes(engine)) return 'not run in --quick: one call takes seconds (the full run has it)';
  // W3 grows 8× per doubling of n: an engine whose previous size took over MAX_CALL_MS / 8 per call is
  // not run at the next (it would take minutes per sample round).
  if (c.workload === 'W3') {
    const prev = results.find((r) => r.engine === engine && r.case === `W3-${c.size / 2}`);
    if (prev?.ms && prev.ms.median * 8 > MAX_CALL_MS) return `not run: at n = ${c.size / 2} one call took ${(prev.ms.median / 1000).toFixed(1)} s, so ~${((prev.ms.median * 8) / 1000).toFixed(0)} s here`;
    if (prev?.status === 'skipped') return prev.note;
    if (prev?.status === 'failed') return `not run: failed at n = ${c.size / 2}`;
  }
  return null;
}

// Tolerances against the f64 reference (relative, or relative to the scale of the summed magnitudes where
// the reference gives one: W3, W4). f32 on W2's 10^5 roundings: n·u = 10^5 · 2^-24 ≈ 6e-3.
const TOL = { f64: 1e-9, f32: { W1: 1e-4, W2: 1e-2, W2s: 1e-4, W3: 1e-4, W4: 1e-4, W5: 1e-4 } };

function referenceFor(c) {
  if (c.workload === 'W1') return { values: REF.W1, names: REF.W1.map((_, i) => `loss at step ${i + 1}`) };
  if (c.workload === 'W2') return { values: w2Reference(c.size), names: CHECK_NAMES.W2 };
  if (c.workload === 'W3') return w3Reference(c.size);
  if (c.workload === 'W4') return REF.W4;
  const v = w5Reference();
  const scale = Math.max(...v.map(Math.abs)); // gradients near 0 are measured against the vector's scale
  return { values: v, scales: v.map(() => scale), names: CHECK_NAMES.W5 };
}

function check(c, dtype, got, ref) {
  const tol = dtype === 'f64' ? TOL.f64 : TOL.f32[c.key] ?? TOL.f32[c.workload];
  let worst = 0;
  const bad = [];
  if (got.length !== ref.values.length) return { tol, worst: NaN, agree: false, mismatches: [`${got.length} numbers, expected ${ref.values.length}`] };
  got.forEach((g, i) => {
    const r = ref.values[i];
    const scale = Math.max(Math.abs(r), ref.scales?.[i] ?? 0, Number.MIN_VALUE);
    const d = Math.abs(g - r) / scale;
    worst = Number.isNaN(d) || Number.isNaN(worst) ? NaN : Math.max(worst, d);
    if (!(d <= tol)) bad.push(`${ref.names[i]} = ${g}, reference ${r} (diff ${Number.isNaN(d) ? 'NaN' : d.toExponential(1)} > ${tol})`);
  });
  return { tol, worst, agree: bad.length === 0, mismatches: bad };
}

// ── install the peers on demand ──

function peersInstalled() {
  const pkg = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'package.json'), 'utf8'));
  return Object.entries(pkg.dependencies).every(([name, v]) => {
    try { return JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version === v; } catch { return false; }
  });
}
let installError = null;
if (engineKeys.some((k) => PEER_KEYS.includes(k)) || opts.harness === 'mitata') {
  if (!peersInstalled()) {
    console.error('== installing the peer engines and mitata: npm ci --ignore-scripts in bench/peers');
    const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: ['ignore', 2, 2] });
    if (r.status !== 0) installError = `npm ci --ignore-scripts in bench/peers failed (exit ${r.status ?? r.signal})`;
  }
}
if (!fs.existsSync(path.join(ROOT, 'dist/index.js'))) {
  console.error('compare.mjs: dist/ is missing: run `npm run build` first (npm run bench does)');
  process.exit(2);
}
function versions() {
  const v = {};
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'js-pytorch', '@jax-js/jax', 'mitata']) {
    try { v[name] = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { v[name] = null; }
  }
  return v;
}

// ── the engine processes ──

class Worker {
  constructor(key) {
    this.key = key;
    this.next = 1;
    this.pending = new Map();
    this.dead = null;
    this.stderr = '';
    const env = key.endsWith(BASE) ? { ...process.env, WASMGRAD_DIST: path.join(opts.baseline, 'dist') } : process.env;
    this.proc = fork(here('./peers/worker.mjs'), [baseOf(key)], { cwd: PEERS_DIR, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=4096', ...(hasRelaxedSimd() ? [] : [RELAXED_SIMD_FLAG])] });
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.ready = new Promise((resolve) => {
      this.proc.on('message', (m) => {
        if (m.ready) { this.mitata = m.mitata; resolve(true); return; }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.(m);
      });
      this.proc.on('exit', (code, signal) => {
        const tail = this.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^=+$|TensorFlow\.js in Node|^Hi,|speed things up/.test(l));
        const fatal = tail.find((l) => /FATAL|Error|out of memory/i.test(l));
        this.dead = `the process ended (${signal ?? `exit ${code}`})${fatal ? `: ${fatal}` : tail.length ? `: ${tail[tail.length - 1]}` : ''}`;
        for (const p of this.pending.values()) p({ ok: false, error: this.dead });
        this.pending.clear();
        resolve(false);
      });
    });
  }
  request(msg, timeoutMs) {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead });
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.proc.kill('SIGKILL'); // a stuck engine cannot take part in later rounds
        resolve({ ok: false, error: `timed out after ${(timeoutMs / 1000).toFixed(0)} s` });
      }, timeoutMs);
      this.pending.set(id, (m) => { clearTimeout(timer); resolve(m); });
      this.proc.send({ ...msg, id });
    });
  }
  exit() { if (!this.dead) this.proc.send({ op: 'exit' }); }
}

// ── run ──

const t0 = Date.now();
const meta = { ...machine(), commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null, quick: opts.quick, timing: TIMING, harness: opts.harness, versions: versions() };
console.error(`== computing the f64 references`);
const REF = { W1: await w1Reference(), W4: CASES.some((c) => c.workload === 'W4') ? w4Reference() : null };

const workers = {};
for (const k of engineKeys) if (!(PEER_KEYS.includes(k) && installError)) workers[k] = new Worker(k);
await Promise.all(Object.values(workers).map((w) => w.ready));
meta.mitataLoaded = Object.values(workers).some((w) => w.mitata);

const PREPARE_TIMEOUT = opts.quick ? 60_000 : 400_000;
const results = []; // one per (case, engine)
for (const c of CASES) {
  const ref = referenceFor(c);
  console.error(`== ${c.key}`);
  const rows = [];
  for (const engine of engineKeys) {
    const row = { case: c.key, engine, label: LABELS[engine] };
    rows.push(row);
    const skip = skipReason(baseOf(engine), c);
    if (skip) { row.status = 'skipped'; row.note = skip; continue; }
    if (!workers[engine]) { row.status = 'failed'; row.note = installError; continue; }
    const r = await workers[engine].request({ op: 'prepare', caseKey: c.key, workload: c.workload, size: c.size }, PREPARE_TIMEOUT);
    if (r.label) row.engineLabel = r.label;
    if (!r.ok) {
      row.status = r.na ? 'n/a' : r.unavailable ? 'unavailable' : 'failed';
      row.note = r.na ?? r.unavailable ?? r.error;
      console.error(`   ${engine}: ${row.status === "n/a" ? "" : row.status + ": "}${row.note.split('\n')[0]}`);
      continue;
    }
    row.dtype = r.dtype;
    row.firstCallMs = r.firstCallMs;
    row.check = check(c, r.dtype, r.check, ref);
    row.samples = [];
    row.status = row.check.agree ? 'ok' : 'disagrees';
    console.error(`   ${engine}: prepared in ${r.firstCallMs.toFixed(0)} ms, check ${row.check.agree ? 'ok' : 'FAILED'} (worst diff ${row.check.worst.toExponential(1)})`);
  }
  // Rounds: each engine that prepared takes one sample per round, in an order rotated by the round.
  const live = rows.filter((r) => r.status === 'ok' || r.status === 'disagrees');
  const harnesses = opts.harnessCheck ? ['hand', 'mitata'] : [opts.harness];
  for (let round = 0; round < TIMING.rounds; round++) {
    for (let i = 0; i < live.length; i++) {
      const row = live[(i + round) % live.length];
      if (row.status === 'failed') continue;
      // an engine that takes seconds per call gives SLOW_SAMPLES samples, not one per round
      if (round >= SLOW_SAMPLES && row.samples.length >= SLOW_SAMPLES && row.ms0 > SLOW_CALL_MS) continue;
      for (const h of round % 2 ? [...harnesses].reverse() : harnesses) {
        const budget = Math.max(TIMING.budgetMs, 0);
        const r = await workers[row.engine].request({ op: 'sample', caseKey: c.key, budgetMs: budget, warmupMs: TIMING.warmupMs, harness: h }, PREPARE_TIMEOUT);
        if (!r.ok) { row.status = 'failed'; row.note = `while timing: ${r.error}`; break; }
        if (opts.harnessCheck) (row.byHarness ??= { hand: [], mitata: [] })[h].push(...r.samples);
        if (h === opts.harness) row.samples.push(...r.samples);
        row.ms0 = Math.min(row.ms0 ?? Infinity, ...r.samples);
      }
    }
  }
  for (const row of live) {
    if (row.status === 'failed') continue;
    const r = await workers[row.engine].request({ op: 'finish', caseKey: c.key }, PREPARE_TIMEOUT);
    // Training workloads move on from the checked steps: their last call must only be finite.
    if (r.ok && c.workload !== 'W1' && c.workload !== 'W4') {
      row.lastCheck = check(c, row.dtype, r.last, ref);
      if (!row.lastCheck.agree) row.status = 'disagrees';
    } else if (r.ok && !r.last.every(Number.isFinite)) { row.status = 'disagrees'; row.lastCheck = { agree: false, mismatches: [`a training step returned ${r.last}`] }; }
    row.ms = summary(row.samples);
    if (row.byHarness) row.harnessMedians = { hand: summary(row.byHarness.hand).median, mitata: summary(row.byHarness.mitata).median };
    console.error(`   ${row.engine}: median ${fmt(row.ms.median)} ms per call over ${row.samples.length} samples${row.status === 'disagrees' ? ' (DISAGREES)' : ''}`);
  }
  results.push(...rows);
}
for (const w of Object.values(workers)) w.exit();
meta.wallSeconds = Math.round((Date.now() - t0) / 1000);

// ── units, ratios, report ──

function toUnit(c, ms) {
  if (c.unit === 'ns per op node') return (ms * 1e6) / c.opNodes;
  if (c.unit === 'GFLOP/s') return c.flop / (ms * 1e6);
  if (c.unit === 'µs per call') return ms * 1e3;
  return ms;
}
for (const c of CASES) {
  const rows = results.filter((r) => r.case === c.key);
  const ok = rows.filter((r) => r.status === 'ok');
  const fastest = Math.min(...ok.map((r) => r.ms.median));
  const wasmRows = ok.filter((r) => WASM_KEYS.includes(r.engine));
  const bestWasm = wasmRows.length ? wasmRows.reduce((a, b) => (a.ms.median <= b.ms.median ? a : b)) : null;
  for (const r of rows) {
    if (!r.ms) continue;
    const [lo, hi] = c.unit === 'GFLOP/s' ? [r.ms.q3, r.ms.q1] : [r.ms.q1, r.ms.q3];
    r.value = { median: toUnit(c, r.ms.median), q1: toUnit(c, lo), q3: toUnit(c, hi), unit: c.unit };
    if (r.status === 'ok') {
      r.vsFastest = r.ms.median / fastest;
      if (bestWasm) { r.vsWasm = r.ms.median / bestWasm.ms.median; r.wasmRef = bestWasm.engine; }
    }
  }
}

const L = [];
L.push(`### wasmgrad vs JS autograd engines`);
L.push('');
L.push(`Node ${meta.node} (V8 ${meta.v8}), ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvg1m}, ${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}${opts.quick ? ', **--quick**' : ''}; ` +
  `${Object.entries(meta.versions).map(([k, v]) => `${k} ${v ?? '(missing)'}`).join(', ')}. ` +
  `Medians over ${TIMING.rounds} interleaved rounds (${opts.harness === 'mitata' && meta.mitataLoaded ? 'mitata samples' : 'hand-timed samples'}); IQR in brackets; ` +
  `ratios are of medians (time): ÷ fastest row, and ÷ the fastest wasmgrad Wasm row of the workload. Every time is of an engine whose numbers agreed with an f64 reference.`);
let anyDisagree = false;
for (const c of CASES) {
  const rows = results.filter((r) => r.case === c.key);
  L.push('', `#### ${c.title}`, '');
  L.push(`| engine | dtype | ${c.unit} | IQR | ms per call | ÷ fastest | ÷ wasmgrad Wasm | first call ms | check |`);
  L.push('|---|---|--:|--:|--:|--:|--:|--:|---|');
  for (const r of rows) {
    const esc = (s) => String(s).split('\n')[0].replace(/\|/g, '\\|');
    if (!r.value) {
      const what = { skipped: '', 'n/a': '', unavailable: '*not available yet*', failed: '**FAILED**' }[r.status] ?? r.status;
      L.push(`| ${r.label} | | ${what} | | | | | | ${esc(r.note)} |`);
      continue;
    }
    if (r.status !== 'ok') anyDisagree = anyDisagree || r.status === 'disagrees';
    const v = r.value;
    const checkText = r.status === 'disagrees'
      ? `**DISAGREES**: ${esc([...(r.check.mismatches ?? []), ...(r.lastCheck?.mismatches ?? [])][0] ?? '')}`
      : r.status === 'failed' ? `**FAILED** ${esc(r.note)}` : `agrees (worst ${r.check.worst.toExponential(1)}, tol ${r.check.tol})`;
    const med = r.status === 'ok' ? `**${fmt(v.median)}**` : `~~${fmt(v.median)}~~`;
    L.push(`| ${r.label} | ${r.dtype} | ${med} | ${fmt(v.q1)}–${fmt(v.q3)} | ${fmt(r.ms.median)} | ${r.vsFastest ? `${fmt(r.vsFastest)}×` : '—'} | ${r.vsWasm ? `${fmt(r.vsWasm)}×` : '—'} | ${fmt(r.firstCallMs)} | ${checkText} |`);
  }
}
if (opts.harnessCheck) {
  L.push('', '#### Harness check: the same engine and case timed by the hand loop and by mitata, alternating within each round', '');
  L.push('| case | engine | hand loop median (ms per call) | mitata median | mitata ÷ hand |');
  L.push('|---|---|--:|--:|--:|');
  for (const r of results.filter((x) => x.harnessMedians)) L.push(`| ${r.case} | ${r.label} | ${fmt(r.harnessMedians.hand)} | ${fmt(r.harnessMedians.mitata)} | ${(r.harnessMedians.mitata / r.harnessMedians.hand).toFixed(3)} |`);
}
if (opts.baseline) {
  L.push('', '#### Against the baseline: the same rows, this checkout ÷ the baseline (time; below 1 is faster), in the same rounds', '');
  L.push('| case | engine | median now (ms per call) | median baseline | now ÷ baseline |');
  L.push('|---|---|--:|--:|--:|');
  for (const r of results.filter((x) => x.engine.endsWith(BASE) && x.ms)) {
    const now = results.find((x) => x.case === r.case && x.engine === baseOf(r.engine));
    if (!now?.ms) continue;
    now.vsBaseline = now.ms.median / r.ms.median;
    L.push(`| ${r.case} | ${LABELS[now.engine]} | ${fmt(now.ms.median)} | ${fmt(r.ms.median)} | ${now.vsBaseline.toFixed(3)} |`);
  }
}
L.push('');
L.push(`Wall time ${meta.wallSeconds} s. First call = building the case (tracing and compiling for jit) plus its checked calls (three steps for W1 and W4), not in the medians. Method and caveats: bench/README.md.`);
const report = L.join('\n');
console.log(report);

fs.mkdirSync(path.dirname(OUT), { recursive: true });
const slim = results.map(({ byHarness, ms0, ...r }) => r);
// samples to 4 significant digits, each list of numbers on one line: the file stays small enough to commit
const json = JSON.stringify({ meta, cases: CASES, tolerances: TOL, results: slim, agree: !anyDisagree, report }, (k, v) => (k === 'samples' ? v.map((x) => +x.toPrecision(4)) : v), 1);
fs.writeFileSync(OUT, json.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, xs) => `[${xs.replace(/\s+/g, '')}]`) + '\n');
console.error(`wrote ${path.relative(process.cwd(), OUT)} (${meta.wallSeconds} s)`);

if (!opts.quick && opts.chart && !opts.baseline) {
  fs.writeFileSync(SVG, compareChart({ meta, cases: CASES, results }));
  console.error(`wrote ${path.relative(process.cwd(), SVG)}`);
}

const failed = results.filter((r) => r.status === 'failed');
if (failed.length > 0) loud([`${failed.length} (engine, case) runs FAILED; they are in the table with their errors:`, ...failed.map((r) => `${r.case} ${r.engine}: ${String(r.note).split('\n')[0]}`)]);
if (anyDisagree) {
  loud(['SOME ENGINES DISAGREE WITH THE REFERENCE: their times are struck out.', ...results.filter((r) => r.status === 'disagrees').map((r) => `${r.case} ${r.engine}: ${[...(r.check?.mismatches ?? []), ...(r.lastCheck?.mismatches ?? [])][0]}`)]);
  process.exitCode = 1;
}
if (failed.some((r) => !PEER_KEYS.includes(r.engine))) process.exitCode = 1;
process.exit(process.exitCode ?? 0);
