// The function transforms against the passes they are built from (issue #14): the Hessian-vector product
// against the gradient, jvp against the forward pass, and the full Hessian of a small function, eager and
// compiled, for wasmgrad's Wasm core and JS twin and for jax-js (eager and jit) side by side in one run.
//
//   node bench/transforms.mjs [--quick] [--only ENGINES] [--cases T4hvp,T5hessian,…] [--rounds R] [--out FILE] [--no-chart]
//
// The cases are in bench/peers/transforms.mjs: T4 is compare.mjs's W4 loss (MLP 784-128-10, batch 64, ReLU,
// softmax cross-entropy) without the SGD update, T5 its W5 function f(p) = Σ_{i<10} tanh(p_i·x_i + 0.1).
// Every engine runs in a process of its own (bench/peers/worker.mjs) and is checked against an f64
// reference before it is timed; the rounds are interleaved as in compare.mjs (bench/README.md). The ratios
// that the issue sets bars for are of medians measured in the same run, so the machine's load (printed
// with them) moves both sides alike. Writes bench/results/transforms.json and bench/results/transforms.svg
// (--quick: bench/results/transforms.quick.json, git-ignored, no chart) and prints Markdown on stdout.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { summary, fmt, machine, loud } from './lib.mjs';
import { barChart } from './peers/svg.mjs';
import { hasRelaxedSimd } from '../dist/wasm/load.js';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const ROOT = here('../');
const PEERS_DIR = here('./peers/');

const ENGINE_KEYS = ['wasm', 'wasmCompiled', 'js', 'jsCompiled', 'jax', 'jaxJit'];
const PEER_KEYS = ['jax', 'jaxJit'];
const WASMGRAD_KEYS = ['wasm', 'wasmCompiled', 'js', 'jsCompiled'];
const LABELS = {
  wasm: 'wasmgrad Wasm, eager', wasmCompiled: 'wasmgrad Wasm, compiled', js: 'wasmgrad JS twin, eager', jsCompiled: 'wasmgrad JS twin, compiled',
  jax: 'jax-js, wasm, eager', jaxJit: 'jax-js, wasm, jit',
};
const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd'; // as compare.mjs: every process runs as on current hosts

const USAGE = `usage: node bench/transforms.mjs [--quick] [--only ENGINES] [--cases CASES] [--rounds R] [--out FILE] [--no-chart]
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
  else { console.error(`transforms.mjs: unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
const OUT = opts.out ?? here(opts.quick ? './results/transforms.quick.json' : './results/transforms.json');
const SVG = here('./results/transforms.svg');
const engineKeys = ENGINE_KEYS.filter((k) => !opts.only || opts.only.includes(k));

const TIMING = opts.quick ? { rounds: 3, budgetMs: 60, warmupMs: 100 } : { rounds: 7, budgetMs: 300, warmupMs: 500 };
if (opts.rounds) TIMING.rounds = opts.rounds;

const T4 = 'MLP 784-128-10 loss (compare.mjs W4 without the update), batch 64, f32';
const T5 = 'f(p) = Σ_{i<10} tanh(p_i·x_i + 0.1) (compare.mjs W5), 10 parameters';
const CASES = [
  { key: 'T4forward', group: 'T4', name: 'forward', title: `${T4}: the loss`, unit: 'ms per call' },
  { key: 'T4grad', group: 'T4', name: 'grad', title: `${T4}: gradient by eng.grad / jax.grad`, unit: 'ms per call' },
  { key: 'T4backward', group: 'T4', name: 'backward()', title: `${T4}: gradient by loss.backward() on parameters`, unit: 'ms per call' },
  { key: 'T4hvp', group: 'T4', name: 'hvp', title: `${T4}: Hessian-vector product (eng.hvp; jax: jvp of grad)`, unit: 'ms per call' },
  { key: 'T4jvp', group: 'T4', name: 'jvp', title: `${T4}: jvp along a tangent`, unit: 'ms per call' },
  { key: 'T5forward', group: 'T5', name: 'forward', title: `${T5}: f`, unit: 'µs per call' },
  { key: 'T5jvp', group: 'T5', name: 'jvp', title: `${T5}: f and its jvp`, unit: 'µs per call' },
  { key: 'T5hessian', group: 'T5', name: 'Hessian', title: `${T5}: the full 10×10 Hessian`, unit: 'µs per call' },
].filter((c) => !opts.cases || opts.cases.includes(c.key));

// f64 engines to 1e-9; f32 to 1e-3 of the tensor's largest entry on T4 (sums over 784 inputs and 64 rows),
// 1e-4 on T5. Differences are relative to each reference's scale (see transformReferences).
const tolerance = (c, engine) => (c.group === 'T5' && WASMGRAD_KEYS.includes(engine) ? 1e-9 : c.group === 'T4' ? 1e-3 : 1e-4);

function check(c, engine, got, ref) {
  const tol = tolerance(c, engine);
  let worst = 0;
  const bad = [];
  if (got.length !== ref.values.length) return { tol, worst: NaN, agree: false, mismatches: [`${got.length} numbers, expected ${ref.values.length}`] };
  got.forEach((g, i) => {
    const r = ref.values[i];
    const scale = Math.max(Math.abs(r), ref.scales[i], Number.MIN_VALUE);
    const d = Math.abs(g - r) / scale;
    worst = Number.isNaN(d) || Number.isNaN(worst) ? NaN : Math.max(worst, d);
    if (!(d <= tol)) bad.push(`${ref.names[i]} = ${g}, reference ${r} (diff ${Number.isNaN(d) ? 'NaN' : d.toExponential(1)} > ${tol})`);
  });
  return { tol, worst, agree: bad.length === 0, mismatches: bad };
}

// ── peers on demand (as compare.mjs), dist/ ──

function peersInstalled() {
  const pkg = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'package.json'), 'utf8'));
  return Object.entries(pkg.dependencies).every(([name, v]) => {
    try { return JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version === v; } catch { return false; }
  });
}
let installError = null;
if (!peersInstalled()) {
  console.error('== installing the peer engines and mitata: npm ci --ignore-scripts in bench/peers');
  const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) installError = `npm ci --ignore-scripts in bench/peers failed (exit ${r.status ?? r.signal})`;
}
if (!fs.existsSync(path.join(ROOT, 'dist/index.js'))) {
  console.error('transforms.mjs: dist/ is missing: run `npm run build` first (npm run bench does)');
  process.exit(2);
}
const version = (name) => { try { return JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; } };

// ── one process per engine (bench/peers/worker.mjs with the transforms engines) ──

class Worker {
  constructor(key) {
    this.key = key;
    this.next = 1;
    this.pending = new Map();
    this.dead = null;
    this.stderr = '';
    this.proc = fork(here('./peers/worker.mjs'), [key, 'transforms'], { cwd: PEERS_DIR, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=4096', ...(hasRelaxedSimd() ? [] : [RELAXED_SIMD_FLAG])] });
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    this.ready = new Promise((resolve) => {
      this.proc.on('message', (m) => {
        if (m.ready) { this.mitata = m.mitata; resolve(true); return; }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.(m);
      });
      this.proc.on('exit', (code, signal) => {
        const tail = this.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
        this.dead = `the process ended (${signal ?? `exit ${code}`})${tail.length ? `: ${tail.find((l) => /Error|FATAL/.test(l)) ?? tail[tail.length - 1]}` : ''}`;
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
        this.proc.kill('SIGKILL');
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
const meta = {
  ...machine(), loadAvgStart: os.loadavg().map((x) => +x.toFixed(2)),
  commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null,
  quick: opts.quick, timing: TIMING, versions: { '@jax-js/jax': version('@jax-js/jax'), mitata: version('mitata') },
};
console.error('== computing the f64 references');
const { transformReferences } = await import('./peers/transforms.mjs');
const REF = transformReferences();

const workers = {};
for (const k of engineKeys) if (!(PEER_KEYS.includes(k) && installError)) workers[k] = new Worker(k);
await Promise.all(Object.values(workers).map((w) => w.ready));
meta.mitataLoaded = Object.values(workers).some((w) => w.mitata);

const TIMEOUT = opts.quick ? 120_000 : 400_000;
const results = [];
for (const c of CASES) {
  console.error(`== ${c.key}`);
  const rows = [];
  for (const engine of engineKeys) {
    const row = { case: c.key, engine, label: LABELS[engine] };
    rows.push(row);
    if (!workers[engine]) { row.status = 'failed'; row.note = installError; continue; }
    const r = await workers[engine].request({ op: 'prepare', caseKey: c.key, workload: c.key }, TIMEOUT);
    if (r.label) row.engineLabel = r.label;
    if (!r.ok) {
      row.status = r.na ? 'n/a' : r.unavailable ? 'unavailable' : 'failed';
      row.note = r.na ?? r.unavailable ?? r.error;
      console.error(`   ${engine}: ${row.status === 'n/a' ? '' : `${row.status}: `}${String(row.note).split('\n')[0]}`);
      continue;
    }
    row.firstCallMs = r.firstCallMs;
    row.check = check(c, engine, r.check, REF[c.key]);
    row.samples = [];
    row.status = row.check.agree ? 'ok' : 'disagrees';
    console.error(`   ${engine}: prepared in ${r.firstCallMs.toFixed(0)} ms, check ${row.check.agree ? 'ok' : 'FAILED'} (worst diff ${row.check.worst.toExponential(1)})`);
  }
  const live = rows.filter((r) => r.status === 'ok' || r.status === 'disagrees');
  for (let round = 0; round < TIMING.rounds; round++) {
    for (let i = 0; i < live.length; i++) {
      const row = live[(i + round) % live.length];
      if (row.status === 'failed') continue;
      const r = await workers[row.engine].request({ op: 'sample', caseKey: c.key, budgetMs: TIMING.budgetMs, warmupMs: TIMING.warmupMs, harness: 'mitata' }, TIMEOUT);
      if (!r.ok) { row.status = 'failed'; row.note = `while timing: ${r.error}`; continue; }
      row.samples.push(...r.samples);
    }
  }
  for (const row of live) {
    if (row.status === 'failed') continue;
    const r = await workers[row.engine].request({ op: 'finish', caseKey: c.key }, TIMEOUT);
    if (r.ok) {
      row.lastCheck = check(c, row.engine, r.last, REF[c.key]);
      if (!row.lastCheck.agree) row.status = 'disagrees';
    }
    row.ms = summary(row.samples);
    row.value = (c.unit.startsWith('µs') ? 1000 : 1) * row.ms.median;
    console.error(`   ${row.engine}: median ${fmt(row.value)} ${c.unit} over ${row.samples.length} samples${row.status === 'disagrees' ? ' (DISAGREES)' : ''}`);
  }
  results.push(...rows);
}
for (const w of Object.values(workers)) w.exit();
meta.loadAvgEnd = os.loadavg().map((x) => +x.toFixed(2));
meta.wallSeconds = Math.round((Date.now() - t0) / 1000);

// ── ratios of medians in this run, and the issue's bars ──

const median = (engine, key) => {
  const r = results.find((x) => x.engine === engine && x.case === key);
  return r?.status === 'ok' ? r.ms.median : null;
};
const ratio = (engine, a, b) => { const p = median(engine, a), q = median(engine, b); return p !== null && q !== null ? p / q : null; };
const ratios = {};
for (const engine of engineKeys) {
  ratios[engine] = {
    hvpOverGrad: ratio(engine, 'T4hvp', 'T4grad'),
    hvpOverBackward: ratio(engine, 'T4hvp', 'T4backward'),
    t4JvpOverForward: ratio(engine, 'T4jvp', 'T4forward'),
    t5JvpOverForward: ratio(engine, 'T5jvp', 'T5forward'),
    t5HessianOverForward: ratio(engine, 'T5hessian', 'T5forward'),
  };
}
const BARS = { hvp: 4, jvp: 3, hessianUs: 20 };
const hessianWasm = median('wasmCompiled', 'T5hessian');
const bars = [
  ...['wasm', 'js'].filter((e) => engineKeys.includes(e)).flatMap((e) => [
    { bar: `hvp ≤ ${BARS.hvp}× grad (${LABELS[e]}, vs eng.grad)`, value: ratios[e].hvpOverGrad, limit: BARS.hvp },
    { bar: `hvp ≤ ${BARS.hvp}× grad (${LABELS[e]}, vs backward())`, value: ratios[e].hvpOverBackward, limit: BARS.hvp },
    { bar: `jvp ≤ ${BARS.jvp}× forward, T4 (${LABELS[e]})`, value: ratios[e].t4JvpOverForward, limit: BARS.jvp },
  ]),
  ...['wasm', 'wasmCompiled', 'js', 'jsCompiled'].filter((e) => engineKeys.includes(e)).map((e) => ({ bar: `jvp ≤ ${BARS.jvp}× forward, T5 (${LABELS[e]})`, value: ratios[e].t5JvpOverForward, limit: BARS.jvp })),
  ...(engineKeys.includes('wasmCompiled') ? [{ bar: `T5 Hessian < ${BARS.hessianUs} µs per call (${LABELS.wasmCompiled})`, value: hessianWasm === null ? null : hessianWasm * 1000, limit: BARS.hessianUs }] : []),
].map((b) => ({ ...b, met: b.value === null ? null : b.value <= b.limit }));

// ── report ──

const L = [];
const loads = (l) => l.join(' / ');
L.push('### Function transforms: hvp against the gradient, jvp against the forward pass, the Hessian', '');
L.push(`Node ${meta.node} (V8 ${meta.v8}), ${meta.cpu} × ${meta.cpus}, **load average ${loads(meta.loadAvgStart)} (1 / 5 / 15 min) at the start, ${loads(meta.loadAvgEnd)} at the end**, ` +
  `${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}${opts.quick ? ', **--quick**' : ''}; @jax-js/jax ${meta.versions['@jax-js/jax'] ?? '(missing)'}. ` +
  `Medians over ${TIMING.rounds} interleaved rounds (${meta.mitataLoaded ? 'mitata samples' : 'hand-timed samples'}); every time is of an engine whose numbers agreed with an f64 reference. ` +
  'The machine is shared: compare the ratios, which are of medians taken in the same rounds, more than the absolute times.');
const cell = (engine, key) => {
  const r = results.find((x) => x.engine === engine && x.case === key);
  if (!r) return '';
  if (r.status === 'ok') return `**${fmt(r.value)}** (${fmt((c(key).unit.startsWith('µs') ? 1000 : 1) * r.ms.q1)}–${fmt((c(key).unit.startsWith('µs') ? 1000 : 1) * r.ms.q3)})`;
  if (r.status === 'disagrees') return `~~${fmt(r.value)}~~ disagrees`;
  return r.status === 'n/a' ? '·' : `**${r.status}**`;
};
const c = (key) => CASES.find((x) => x.key === key) ?? { unit: '' };
const x = (v) => (v === null ? '—' : `${fmt(v)}×`);
for (const group of ['T4', 'T5']) {
  const cases = CASES.filter((k) => k.group === group);
  if (cases.length === 0) continue;
  L.push('', `#### ${group}: ${group === 'T4' ? T4 : T5}; ${cases[0].unit}, median (IQR)`, '');
  const ratioCols = group === 'T4' ? ['hvp ÷ grad', 'hvp ÷ backward()', 'jvp ÷ forward'] : ['jvp ÷ forward', 'Hessian ÷ forward'];
  L.push(`| engine | ${cases.map((k) => k.name).join(' | ')} | ${ratioCols.join(' | ')} |`);
  L.push(`|---|${cases.map(() => '--:').join('|')}|${ratioCols.map(() => '--:').join('|')}|`);
  for (const engine of engineKeys) {
    const rs = ratios[engine];
    const rcells = group === 'T4' ? [rs.hvpOverGrad, rs.hvpOverBackward, rs.t4JvpOverForward] : [rs.t5JvpOverForward, rs.t5HessianOverForward];
    if (cases.every((k) => results.find((r) => r.engine === engine && r.case === k.key)?.status === 'n/a')) continue;
    L.push(`| ${LABELS[engine]} | ${cases.map((k) => cell(engine, k.key)).join(' | ')} | ${rcells.map(x).join(' | ')} |`);
  }
}
const notes = results.filter((r) => r.status !== 'ok' && r.note && !(r.status === 'n/a' && /compile yet|no backward/.test(r.note)));
if (notes.length > 0) {
  L.push('', 'Not timed:', '');
  for (const r of notes) L.push(`- ${r.case}, ${r.label}: ${String(r.note).split('\n')[0]}`);
}
if (bars.length > 0) {
  L.push('', '#### The bars of issue #14 (ratios of medians in this run)', '');
  L.push('| bar | measured | met |');
  L.push('|---|--:|---|');
  for (const b of bars) L.push(`| ${b.bar} | ${b.value === null ? '—' : b.bar.includes('µs') ? `${fmt(b.value)} µs` : `${fmt(b.value)}×`} | ${b.met === null ? 'not measured' : b.met ? 'yes' : '**no**'} |`);
}
L.push('', `Wall time ${meta.wallSeconds} s. First call (building the case, compiling for jit and compiled rows, plus the checked call) is not in the medians. Method: bench/README.md.`);
const report = L.join('\n');
console.log(report);

const anyDisagree = results.some((r) => r.status === 'disagrees');
fs.mkdirSync(path.dirname(OUT), { recursive: true });
const json = JSON.stringify({ meta, cases: CASES, results, ratios, bars, agree: !anyDisagree, report }, (k, v) => (k === 'samples' ? v.map((s) => +s.toPrecision(4)) : v), 1);
fs.writeFileSync(OUT, json.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, xs) => `[${xs.replace(/\s+/g, '')}]`) + '\n');
console.error(`wrote ${path.relative(process.cwd(), OUT)} (${meta.wallSeconds} s)`);

if (!opts.quick && opts.chart) {
  const panels = CASES.map((k) => ({
    title: k.title,
    unit: k.unit,
    bars: results.filter((r) => r.case === k.key && r.status !== 'n/a').map((r) => ({
      label: r.label, value: r.status === 'ok' ? r.value : null, highlight: WASMGRAD_KEYS.includes(r.engine),
      note: r.status === 'ok' ? null : r.status === 'disagrees' ? 'results disagree' : 'failed (see the table)',
    })),
  }));
  const ratioBars = (pick, label) => engineKeys.filter((e) => ratios[e][pick] !== null).map((e) => ({ label: `${LABELS[e]}: ${label}`, value: ratios[e][pick], highlight: WASMGRAD_KEYS.includes(e) }));
  panels.push({ title: 'Ratios of medians in this run (bars: hvp ≤ 4× grad, jvp ≤ 3× forward)', unit: 'ratio', bars: [
    ...ratioBars('hvpOverGrad', 'T4 hvp ÷ grad'), ...ratioBars('hvpOverBackward', 'T4 hvp ÷ backward()'),
    ...ratioBars('t4JvpOverForward', 'T4 jvp ÷ forward'), ...ratioBars('t5JvpOverForward', 'T5 jvp ÷ forward'),
  ] });
  fs.writeFileSync(SVG, barChart({
    title: 'Function transforms: medians, log scale (orange: wasmgrad)',
    subtitle: [
      `Node ${meta.node}, ${meta.cpu} × ${meta.cpus}, load average ${loads(meta.loadAvgStart)} → ${loads(meta.loadAvgEnd)}, ${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}; medians of ${TIMING.rounds} interleaved rounds`,
      'Every bar is of an engine whose numbers agreed with an f64 reference; all numbers in bench/results/transforms.json',
    ],
    panels: panels.filter((p) => p.bars.length > 0),
  }));
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
