// Two model training steps in wasmgrad, TensorFlow.js and jax-js (issue #15): W6 a pre-LayerNorm
// transformer block with AdamW, W7 LeNet-5 with SGD and momentum. What they are, what each engine runs
// and the results: bench/models.md.
//
//   node bench/models.mjs [--quick] [--only ENGINES] [--cases W6,W7] [--rounds R] [--out FILE] [--no-chart]
//
// As compare.mjs: one long-lived process per engine (bench/models/worker.mjs), all from the same initial
// weights; each engine builds the case and runs three checked steps, whose first loss must match an f64
// reference computed here in plain JS (bench/models/data.mjs) and whose next two must agree across
// engines; then R rounds, in each of which every engine takes one timing sample, in an order rotated by
// the round. Medians, ratios to wasmgrad's Wasm row, the load average at every round. Writes
// bench/results/models.json and bench/results/models.svg (--quick: smaller models, a few seconds,
// bench/results/models.quick.json, no chart) and prints Markdown on stdout. Exits 1 when a wasmgrad
// engine fails or any engine disagrees; a peer that cannot run a model is a row saying why.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { summary, fmt, machine, loud } from './lib.mjs';
import { barChart } from './peers/svg.mjs';
import { W6, W7, CHECKED_STEPS, w6ReferenceLoss, w7ReferenceLoss } from './models/data.mjs';
import { PEERS_DIR, peerVersions } from './models/engines.mjs';
import { hasRelaxedSimd } from '../dist/wasm/load.js';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const ROOT = here('../');

const ENGINE_KEYS = ['wasm', 'wasmRelaxed', 'js', 'tfjsCpu', 'tfjsWasm', 'jax', 'jaxJit'];
const PEER_KEYS = ['tfjsCpu', 'tfjsWasm', 'jax', 'jaxJit'];
const WASMGRAD_KEYS = ['wasm', 'wasmRelaxed', 'js'];
const LABELS = {
  wasm: 'wasmgrad Wasm (SIMD)', wasmRelaxed: 'wasmgrad Wasm, relaxed SIMD', js: 'wasmgrad JS twin',
  tfjsCpu: 'TensorFlow.js, cpu', tfjsWasm: 'TensorFlow.js, wasm', jax: 'jax-js, wasm, eager', jaxJit: 'jax-js, wasm, jit',
};
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

const USAGE = `usage: node bench/models.mjs [--quick] [--only ENGINES] [--cases W6,W7] [--rounds R] [--out FILE] [--no-chart]
  engines: ${ENGINE_KEYS.join(',')}`;
const args = process.argv.slice(2);
const opts = { quick: false, only: null, cases: null, rounds: null, out: null, chart: true };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--quick') opts.quick = true;
  else if (a === '--only') opts.only = args[++i].split(',');
  else if (a === '--cases') opts.cases = args[++i].split(',');
  else if (a === '--rounds') opts.rounds = Number(args[++i]);
  else if (a === '--out') opts.out = args[++i];
  else if (a === '--no-chart') opts.chart = false;
  else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
  else { console.error(`models.mjs: unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
for (const k of opts.only ?? []) if (!ENGINE_KEYS.includes(k)) { console.error(`models.mjs: unknown engine ${k}\n${USAGE}`); process.exit(2); }
for (const k of opts.cases ?? []) if (k !== 'W6' && k !== 'W7') { console.error(`models.mjs: unknown case ${k}\n${USAGE}`); process.exit(2); }
const OUT = opts.out ?? here(opts.quick ? './results/models.quick.json' : './results/models.json');
const SVG = here('./results/models.svg');
const engineKeys = ENGINE_KEYS.filter((k) => !opts.only || opts.only.includes(k));

// --quick shrinks the models so that every engine, TensorFlow.js's cpu backend included, takes a few
// seconds in all: a smoke run of the whole pipeline (checks included), not a measurement of W6 and W7.
const SIZES = opts.quick
  ? { W6: { ...W6, batch: 2, seq: 16, width: 32, heads: 4 }, W7: { ...W7, batch: 2 } }
  : { W6, W7 };
const TIMING = opts.quick ? { rounds: 2, budgetMs: 60, warmupMs: 100 } : { rounds: 7, budgetMs: 300, warmupMs: 1000 };
if (opts.rounds) TIMING.rounds = opts.rounds;
const SLOW_CALL_MS = 2000; // an engine slower than this per step gives SLOW_SAMPLES samples, not one per round
const SLOW_SAMPLES = 3;
const TIMEOUT_MS = opts.quick ? 60_000 : 600_000;
// f32 engines against the f64 loss; later steps against the engines' median (Adam and momentum carry a
// first-step difference forward, so the same tolerance holds)
const TOL = 1e-4;

const w6 = SIZES.W6, w7 = SIZES.W7;
const CASES = [
  { key: 'W6', cfg: w6, title: `W6: transformer block training step (batch ${w6.batch}, sequence ${w6.seq}, width ${w6.width}, ${w6.heads} heads, pre-LayerNorm, causal self-attention, GELU MLP ${w6.mlp}×, residuals, loss mean(y²), AdamW lr ${w6.lr})` },
  { key: 'W7', cfg: w7, title: `W7: LeNet-5 training step on 28×28 digits (batch ${w7.batch}, conv 5×5 ×2, max pool, 400-120-84-10, cross-entropy, SGD lr ${w7.lr} momentum ${w7.momentum})` },
].filter((c) => !opts.cases || opts.cases.includes(c.key));

if (!fs.existsSync(path.join(ROOT, 'dist/index.js'))) {
  console.error('models.mjs: dist/ is missing: run `npm run build` first');
  process.exit(2);
}
let installError = null;
const versions = peerVersions();
if (engineKeys.some((k) => PEER_KEYS.includes(k)) && Object.entries(versions).some(([, v]) => v === null)) {
  console.error('== installing the peer engines and mitata: npm ci --ignore-scripts in bench/peers');
  const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) installError = `npm ci --ignore-scripts in bench/peers failed (exit ${r.status ?? r.signal})`;
}

class Worker {
  constructor(key) {
    this.key = key;
    this.next = 1;
    this.pending = new Map();
    this.dead = null;
    this.stderr = '';
    this.proc = fork(here('./models/worker.mjs'), [key], { cwd: PEERS_DIR, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=4096', ...(hasRelaxedSimd() ? [] : [RELAXED_SIMD_FLAG])] });
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
  request(msg) {
    if (this.dead) return Promise.resolve({ ok: false, error: this.dead });
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.proc.kill('SIGKILL'); // a stuck engine cannot take part in later rounds
        resolve({ ok: false, error: `timed out after ${(TIMEOUT_MS / 1000).toFixed(0)} s` });
      }, TIMEOUT_MS);
      this.pending.set(id, (m) => { clearTimeout(timer); resolve(m); });
      this.proc.send({ ...msg, id });
    });
  }
  exit() { if (!this.dead) this.proc.send({ op: 'exit' }); }
}

// ── run ──

const t0 = Date.now();
const meta = { ...machine(), commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null, quick: opts.quick, timing: TIMING, versions, loadAvgRounds: [] };
console.error('== computing the f64 reference losses');
const REF = { W6: CASES.some((c) => c.key === 'W6') ? w6ReferenceLoss(w6) : null, W7: CASES.some((c) => c.key === 'W7') ? w7ReferenceLoss(w7) : null };

const workers = {};
for (const k of engineKeys) if (!(PEER_KEYS.includes(k) && installError)) workers[k] = new Worker(k);
await Promise.all(Object.values(workers).map((w) => w.ready));
meta.mitataLoaded = Object.values(workers).some((w) => w.mitata);

const results = [];
for (const c of CASES) {
  console.error(`== ${c.key}`);
  const rows = [];
  for (const engine of engineKeys) {
    const row = { case: c.key, engine, label: LABELS[engine] };
    rows.push(row);
    if (!workers[engine]) { row.status = 'failed'; row.note = installError; continue; }
    const r = await workers[engine].request({ op: 'prepare', caseKey: c.key, cfg: c.cfg });
    if (r.label) row.engineLabel = r.label;
    if (!r.ok) {
      row.status = r.cannot ? 'cannot' : 'failed';
      row.note = r.cannot ?? r.error;
      if (r.detail) row.detail = r.detail;
      console.error(`   ${engine}: ${row.status}: ${row.note.split('\n')[0]}`);
      continue;
    }
    row.firstCallMs = r.firstCallMs;
    row.losses = r.losses;
    row.samples = [];
    row.status = 'ok';
    console.error(`   ${engine}: ${CHECKED_STEPS} checked steps in ${r.firstCallMs.toFixed(0)} ms, losses ${r.losses.map((v) => v.toFixed(7)).join(', ')}`);
  }
  // Checks: step 1 against the f64 reference; steps 2.. against the median of the engines that ran.
  const live = rows.filter((r) => r.status === 'ok');
  for (const row of live) {
    const mismatches = [];
    let worst = 0;
    row.losses.forEach((v, i) => {
      const others = live.map((r) => r.losses[i]).sort((a, b) => a - b);
      const ref = i === 0 ? REF[c.key] : others[Math.floor((others.length - 1) / 2)];
      const d = Math.abs(v - ref) / Math.abs(ref);
      worst = Number.isNaN(d) ? NaN : Math.max(worst, d);
      if (!(d <= TOL)) mismatches.push(`loss at step ${i + 1} = ${v}, ${i === 0 ? 'f64 reference' : "the engines' median"} ${ref} (diff ${Number.isNaN(d) ? 'NaN' : d.toExponential(1)} > ${TOL})`);
    });
    row.check = { tol: TOL, worst, agree: mismatches.length === 0, mismatches };
    if (!row.check.agree) row.status = 'disagrees';
  }
  const timed = rows.filter((r) => r.status === 'ok' || r.status === 'disagrees');
  for (let round = 0; round < TIMING.rounds; round++) {
    meta.loadAvgRounds.push(+os.loadavg()[0].toFixed(2));
    for (let i = 0; i < timed.length; i++) {
      const row = timed[(i + round) % timed.length];
      if (row.status === 'failed') continue;
      if (row.samples.length >= SLOW_SAMPLES && row.ms0 > SLOW_CALL_MS) continue;
      const r = await workers[row.engine].request({ op: 'sample', caseKey: c.key, budgetMs: TIMING.budgetMs, warmupMs: TIMING.warmupMs });
      if (!r.ok) { row.status = 'failed'; row.note = `while timing: ${r.error}`; continue; }
      row.samples.push(...r.samples);
      row.rounds = (row.rounds ?? 0) + 1;
      row.ms0 = Math.min(row.ms0 ?? Infinity, ...r.samples);
    }
  }
  for (const row of timed) {
    if (row.status === 'failed') continue;
    const r = await workers[row.engine].request({ op: 'finish', caseKey: c.key });
    if (r.ok && !Number.isFinite(r.last)) { row.status = 'disagrees'; row.check.mismatches.push(`a later step returned the loss ${r.last}`); }
    row.ms = summary(row.samples);
    console.error(`   ${row.engine}: median ${fmt(row.ms.median)} ms per step over ${row.samples.length} samples${row.status === 'disagrees' ? ' (DISAGREES)' : ''}`);
  }
  const ref = rows.find((r) => r.engine === 'wasm' && r.status === 'ok');
  for (const r of rows) if (r.ms && ref) r.vsWasm = r.ms.median / ref.ms.median;
  results.push(...rows);
}
for (const w of Object.values(workers)) w.exit();
meta.wallSeconds = Math.round((Date.now() - t0) / 1000);
meta.loadAvgEnd = +os.loadavg()[0].toFixed(2);
const loads = [meta.loadAvg1m, ...meta.loadAvgRounds, meta.loadAvgEnd];
meta.loadAvgRange = [Math.min(...loads), Math.max(...loads)];

// ── report ──

const esc = (s) => String(s).split('\n')[0].replace(/\|/g, '\\|');
const L = [];
L.push('### Model training steps: wasmgrad, TensorFlow.js and jax-js');
L.push('');
L.push(`Node ${meta.node} (V8 ${meta.v8}), ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvgRange[0]}–${meta.loadAvgRange[1]} (1-minute, sampled at the start of every round), ${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}${opts.quick ? ', **--quick (smaller models: a smoke run, not a measurement)**' : ''}; ` +
  `${Object.entries(versions).map(([k, v]) => `${k} ${v ?? '(missing)'}`).join(', ')}. f32 everywhere. ` +
  `Medians of ${meta.mitataLoaded ? 'mitata' : 'hand-timed'} samples over up to ${TIMING.rounds} interleaved rounds (engines over ${SLOW_CALL_MS / 1000} s per step: ${SLOW_SAMPLES} samples); IQR in brackets; ÷ wasmgrad Wasm is a ratio of medians of the same run.`);
let anyDisagree = false;
for (const c of CASES) {
  L.push('', `#### ${c.title}`, '');
  L.push('| engine | ms per step | IQR | ÷ wasmgrad Wasm | samples (rounds) | 3 checked steps, ms | check |');
  L.push('|---|--:|--:|--:|--:|--:|---|');
  for (const r of results.filter((x) => x.case === c.key)) {
    const name = `${r.label}${r.engineLabel ? ` <sub>${esc(r.engineLabel)}</sub>` : ''}`;
    if (!r.ms) {
      L.push(`| ${name} | ${r.status === 'cannot' ? '*cannot run*' : '**FAILED**'} | | | | | ${esc(r.note)} |`);
      continue;
    }
    if (r.status === 'disagrees') anyDisagree = true;
    const med = r.status === 'ok' ? `**${fmt(r.ms.median)}**` : `~~${fmt(r.ms.median)}~~`;
    const chk = r.status === 'disagrees' ? `**DISAGREES**: ${esc(r.check.mismatches[0])}` : r.status === 'failed' ? `**FAILED** ${esc(r.note)}` : `agrees (worst ${r.check.worst.toExponential(1)})`;
    L.push(`| ${name} | ${med} | ${fmt(r.ms.q1)}–${fmt(r.ms.q3)} | ${r.vsWasm ? `${fmt(r.vsWasm)}×` : '—'} | ${r.samples.length} (${r.rounds ?? 0}) | ${fmt(r.firstCallMs)} | ${chk} |`);
  }
  L.push('', `f64 reference loss at the shared initial weights: ${REF[c.key]}.`);
}
L.push('', `Wall time ${meta.wallSeconds} s. Method and what each engine runs: bench/models.md.`);
const report = L.join('\n');
console.log(report);

fs.mkdirSync(path.dirname(OUT), { recursive: true });
const json = JSON.stringify({ meta, cases: CASES, reference: REF, tolerance: TOL, results, agree: !anyDisagree, report }, (k, v) => (k === 'samples' ? v.map((x) => +x.toPrecision(4)) : v), 1);
fs.writeFileSync(OUT, json.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, xs) => `[${xs.replace(/\s+/g, '')}]`) + '\n');
console.error(`wrote ${path.relative(process.cwd(), OUT)} (${meta.wallSeconds} s)`);

if (!opts.quick && opts.chart) {
  const short = (t) => (t.length > 56 ? `${t.slice(0, 55)}…` : t);
  const panels = CASES.map((c) => ({
    title: c.title.replace(/ \(.*\)$/, ''),
    unit: 'ms per step',
    bars: results.filter((r) => r.case === c.key).map((r) => ({
      label: r.label,
      value: r.status === 'ok' ? r.ms.median : null,
      highlight: WASMGRAD_KEYS.includes(r.engine),
      note: r.status === 'ok' ? (r.vsWasm ? `(${fmt(r.vsWasm)}× Wasm)` : null) : r.status === 'cannot' ? short(String(r.note).split('\n')[0]) : r.status === 'disagrees' ? 'results disagree' : 'failed (see the table)',
    })),
  }));
  fs.writeFileSync(SVG, barChart({
    title: 'Model training steps: wasmgrad vs TensorFlow.js and jax-js, medians (orange: wasmgrad)',
    subtitle: [
      `Node ${meta.node}, ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvgRange[0]}–${meta.loadAvgRange[1]}, ${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}; single-threaded, f32; up to ${TIMING.rounds} interleaved rounds`,
      Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', '),
      'Every bar is of an engine whose losses agreed with an f64 reference (step 1) and with the other engines (steps 2–3); bench/results/models.json',
    ],
    panels,
  }));
  console.error(`wrote ${path.relative(process.cwd(), SVG)}`);
}

const failed = results.filter((r) => r.status === 'failed');
if (failed.length > 0) loud([`${failed.length} (engine, case) runs FAILED; they are in the table with their errors:`, ...failed.map((r) => `${r.case} ${r.engine}: ${String(r.note).split('\n')[0]}`)]);
if (anyDisagree) {
  loud(['SOME ENGINES DISAGREE: their times are struck out.', ...results.filter((r) => r.status === 'disagrees').map((r) => `${r.case} ${r.engine}: ${r.check.mismatches[0]}`)]);
  process.exitCode = 1;
}
if (results.some((r) => WASMGRAD_KEYS.includes(r.engine) && r.engine !== 'wasmRelaxed' && (r.status === 'failed' || r.status === 'cannot'))) process.exitCode = 1;
process.exit(process.exitCode ?? 0);
