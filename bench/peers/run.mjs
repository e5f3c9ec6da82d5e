// wasmgrad against the JS autograd engines people use (issue #5, first slice): W2 (scalar chain),
// W2s (the same chain, short enough for every engine) and W5 (gradient of a 10-parameter function).
//
//   node bench/peers/run.mjs [--quick] [--only ENGINES] [--workloads W1,W2,W2s,W5] [--all-full] [--out FILE]
//
// Installs the peers on demand (`npm ci --ignore-scripts` in bench/peers when node_modules is missing;
// never part of the library's install or CI), then runs every (engine, workload) in a process of its own,
// one after another, checks every result against an f64 reference computed in plain JS, and prints a
// Markdown report; writes bench/results/peers.json (peers.quick.json with --quick) and docs/bench-peers.svg
// (full runs only). A peer that fails is reported with its error. Method: bench/README.md.

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { summary, relDiff, fmt, machine, loud } from '../lib.mjs';
import { W1, W2, W2_SHORT_STEPS, w1Reference, w2Reference, w5Reference, CHECK_NAMES } from './workloads.mjs';
import { barChart } from './svg.mjs';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const PEERS_DIR = here('./');
const ROOT = here('../../');

const USAGE = `usage: node bench/peers/run.mjs [--quick] [--only ENGINES] [--workloads W2,W2s,W5] [--all-full] [--out FILE]
  --quick        fewer samples (writes results/peers.quick.json; no chart)
  --only KEYS    engines (comma-separated): ${'wasm,js,wasmCompiled,jsCompiled,graph,tfjsCpu,tfjsWasm,jsPytorch,jax,jaxJit'}
  --workloads    W1 (two-moons step, tensor form: peers only), W2 (10^5-op chain), W2s (900-op chain), W5 (10-parameter gradient); default all
  --from FILE    no runs: re-check and re-report the raw results of an earlier run's JSON (rewrites it and the chart)
  --all-full     also attempt W2 at full length for jax-js (eager: ran out of a 4 GB heap after ~2 min here; jit)`;

const args = process.argv.slice(2);
const opts = { quick: false, only: null, workloads: ['W1', 'W2', 'W2s', 'W5'], allFull: false, out: null, from: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--quick') opts.quick = true;
  else if (a === '--only') opts.only = args[++i].split(',');
  else if (a === '--workloads') opts.workloads = args[++i].split(',');
  else if (a === '--all-full') opts.allFull = true;
  else if (a === '--out') opts.out = args[++i];
  else if (a === '--from') opts.from = args[++i];
  else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
  else { console.error(`run.mjs: unknown argument ${a}\n${USAGE}`); process.exit(2); }
}
const OUT = opts.out ?? opts.from ?? here(opts.quick ? '../results/peers.quick.json' : '../results/peers.json');
const SVG = path.join(ROOT, 'docs/bench-peers.svg');
const TIMEOUT_S = opts.quick ? 150 : 400;

const ENGINES = [
  ['wasm', 'wasmgrad'], ['wasmCompiled', 'wasmgrad'], ['js', 'wasmgrad'], ['jsCompiled', 'wasmgrad'], ['graph', 'bench'],
  ['tfjsCpu', 'peer'], ['tfjsWasm', 'peer'], ['jsPytorch', 'peer'], ['jax', 'peer'], ['jaxJit', 'peer'],
].filter(([k]) => !opts.only || opts.only.includes(k));

// Tolerances against the f64 reference: f64 engines to 1e-9; f32 engines to 1e-4 on W5 and the short
// chain, 1e-2 on the 10^5-op chain: its gradients are sums and products of ~10^5 rounded f32 numbers,
// whose error bound n·u = 10^5 · 2^-24 ≈ 6e-3 (TensorFlow.js measured 1.9e-3 here; the report shows
// every row's worst relative difference, so a looser tolerance hides nothing).
const TOL = { f64: { W1: 1e-9, W2: 1e-9, W2s: 1e-9, W5: 1e-9 }, f32: { W1: 1e-4, W2: 1e-2, W2s: 1e-4, W5: 1e-4 } };

// W2 at full length is not attempted for these by default (the reason is printed in their row).
const NOT_FULL = {
  jax: 'not run: in a trial on this machine, eager jax-js ran out of a 4 GB heap after ~2 min on the 10^5-op chain (--all-full to attempt)',
  jaxJit: 'not run: jit traces and compiles the whole chain; 300 steps (W2s) already take ~2 s to compile (--all-full to attempt)',
};

// ── install the peers on demand ──

let installError = null;
if (!opts.from && ENGINES.some(([, kind]) => kind === 'peer') && !fs.existsSync(path.join(PEERS_DIR, 'node_modules'))) {
  console.error('== installing the peer engines: npm ci --ignore-scripts in bench/peers (once)');
  const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: 'inherit' });
  if (r.status !== 0) installError = `npm ci --ignore-scripts in bench/peers failed (exit ${r.status ?? r.signal})`;
}
if (!fs.existsSync(path.join(ROOT, 'dist/index.js'))) {
  console.error('run.mjs: dist/ is missing: run `npm run build` first (npm run bench:peers does)');
  process.exit(2);
}

function peerVersions() {
  const v = {};
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'js-pytorch', '@jax-js/jax']) {
    try { v[name] = JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { v[name] = null; }
  }
  return v;
}

// ── run every (engine, workload) in its own process ──

function runOne(engine, workload) {
  const steps = workload === 'W2s' ? W2_SHORT_STEPS : W2.steps;
  const argv = [here('./worker.mjs'), engine, workload === 'W2s' ? 'W2' : workload, '--steps', String(steps)];
  if (opts.quick) argv.push('--quick');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, argv, { cwd: PEERS_DIR, encoding: 'utf8', timeout: TIMEOUT_S * 1000, maxBuffer: 64 << 20 });
  const wallS = (Date.now() - t0) / 1000;
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line) {
    const res = JSON.parse(line);
    return { ...res, workload, wallS };
  }
  const tail = (r.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !/^=+$|TensorFlow\.js in Node|^Hi,/.test(l));
  const why = r.error?.code === 'ETIMEDOUT' ? `timed out after ${TIMEOUT_S} s` : `exit ${r.status ?? r.signal}`;
  const fatal = tail.find((l) => /FATAL|Error|out of memory/i.test(l));
  return { ok: false, engine, workload, wallS, error: `${why}${fatal ? `: ${fatal}` : tail.length ? `: ${tail[tail.length - 1]}` : ''}` };
}

const reference = { W1: await w1Reference(), W2: w2Reference(W2.steps), W2s: w2Reference(W2_SHORT_STEPS), W5: w5Reference() };

function check(res) {
  const ref = reference[res.workload];
  const tol = TOL[res.dtype][res.workload];
  const scale = Math.max(...ref.map(Math.abs));
  let worst = 0;
  const bad = [];
  for (const [when, got] of Object.entries(res.check)) {
    got.forEach((g, i) => {
      // relative error, with an absolute floor at the vector's scale for entries near 0 (W5's gradients)
      const rd = Math.abs(g - ref[i]) / Math.max(Math.abs(ref[i]), res.workload === 'W5' ? scale : 0, Number.MIN_VALUE);
      if (!(rd <= worst)) worst = Number.isNaN(rd) ? NaN : Math.max(worst, rd);
      if (!(rd <= tol)) bad.push(`${when} call: ${(res.workload === 'W1' ? `loss at step ${i + 1}` : CHECK_NAMES[res.workload === 'W2s' ? 'W2' : res.workload][i])} = ${g}, reference ${ref[i]} (rel diff ${rd.toExponential(1)} > ${tol})`);
    });
  }
  return { tol, worstRelDiff: worst, agree: bad.length === 0, mismatches: bad };
}

let results = [];
const t0 = Date.now();
let previousMeta = null;
if (opts.from) {
  const prev = JSON.parse(fs.readFileSync(opts.from, 'utf8'));
  previousMeta = prev.meta;
  opts.quick = prev.meta.quick;
  opts.workloads = [...new Set(prev.results.map((r) => r.workload))];
  results = prev.results.map((r) => (r.ok ? { ...r, checked: check(r) } : r.skipped && r.workload === 'W2' && NOT_FULL[r.engine] ? { ...r, error: NOT_FULL[r.engine] } : r));
}
for (const workload of opts.from ? [] : opts.workloads) {
  for (const [engine, kind] of ENGINES) {
    if (kind === 'peer' && installError) { results.push({ ok: false, engine, workload, error: installError }); continue; }
    if (workload === 'W1' && kind !== 'peer') {
      results.push({ ok: false, skipped: true, engine, workload, error: kind === 'wasmgrad' ? 'n/a: no tensors yet (its scalar-graph step is in the rows below, from bench/moons.mjs)' : 'n/a: scalar engine (its scalar-graph step is in the rows below, from bench/moons.mjs)' });
      continue;
    }
    if (workload === 'W2' && NOT_FULL[engine] && !opts.allFull) { results.push({ ok: false, skipped: true, engine, workload, error: NOT_FULL[engine] }); continue; }
    console.error(`== ${workload} ${engine}`);
    const res = runOne(engine, workload);
    if (res.ok) {
      res.checked = check(res);
      if (workload === 'W1') {
        res.unit = 'ms per step';
        res.summary = summary(res.samples);
        res.msPerCall = res.summary;
      } else {
      const unit = workload === 'W5' ? 1e3 : 1e6 / res.size.opNodes; // ms → µs per call, or ns per op node
      res.unit = workload === 'W5' ? 'µs per call' : 'ns per op node';
      res.summary = summary(res.samples.map((ms) => ms * unit));
      res.msPerCall = summary(res.samples);
      }
      console.error(`   ${fmt(res.summary.median)} ${res.unit}, check ${res.checked.agree ? 'ok' : 'FAILED'} (worst rel diff ${res.checked.worstRelDiff.toExponential(1)}), ${res.wallS.toFixed(1)} s`);
    } else console.error(`   ${res.skipped ? 'skipped' : 'FAILED'}: ${res.error.split('\n')[0]}`);
    results.push(res);
  }
}

// ── report ──

const LABELS = {
  wasm: 'wasmgrad Wasm, eager', wasmCompiled: 'wasmgrad Wasm, compiled', js: 'wasmgrad JS twin, eager', jsCompiled: 'wasmgrad JS twin, compiled',
  graph: 'object graph (micrograd-style JS)', tfjsCpu: 'TensorFlow.js, cpu backend', tfjsWasm: 'TensorFlow.js, wasm backend',
  jsPytorch: 'js-pytorch', jax: 'jax-js, wasm, eager', jaxJit: 'jax-js, wasm, jit',
};
const TITLES = {
  W2: `W2: scalar chain x = tanh(x·w + b), ${W2.steps.toLocaleString('en-US')} steps = ${(3 * W2.steps).toLocaleString('en-US')} op nodes, forward + backward (d x_last / d x0, w, b)`,
  W2s: `W2s: the same chain at ${W2_SHORT_STEPS} steps = ${3 * W2_SHORT_STEPS} op nodes (every engine)`,
  W1: `W1: two-moons training step, tensor form: 100×2 batch through MLP 2-16-16-1 (matmuls), SVM loss + L2, SGD lr ${W1.lr}; losses of the first ${W1.checkedSteps} steps checked`,
  W5: 'W5: value and gradient of f(p) = Σ_{i<10} tanh(p_i·x_i + 0.1), 10 numbers in, 11 out, per call',
};

const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null;
const SHORT_TITLES = {
  W1: 'W1: two-moons SGD step, MLP 2-16-16-1, 100 points (peers: tensor form; wasmgrad: scalar graph, from moons.mjs)',
  W2: `W2: scalar chain tanh(x·w + b), ${(3 * W2.steps).toLocaleString('en-US')} op nodes, forward + backward`,
  W2s: `W2s: the same chain, ${3 * W2_SHORT_STEPS} op nodes`,
  W5: 'W5: value and gradient of a 10-parameter function, per call',
};

const meta = previousMeta ? { ...previousMeta, recheckedAt: new Date().toISOString() } : { ...machine(), commit, quick: opts.quick, peers: peerVersions(), wallSeconds: Math.round((Date.now() - t0) / 1000) };
const L = [];
L.push(`### wasmgrad vs JS autograd engines (issue #5: W1, W2, W5)`);
L.push('');
L.push(`${meta.node} (V8 ${meta.v8}), ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvg1m} at the end, ${meta.date.slice(0, 10)}, wasmgrad at ${meta.commit}${opts.quick ? ', **--quick**' : ''}. ` +
  `Peers: ${Object.entries(meta.peers).map(([k, v]) => `${k} ${v ?? '(missing)'}`).join(', ')}. ` +
  `Each engine and workload in its own process, one after another (not interleaved); medians over samples, a forced GC before each sample. ` +
  `Every result is checked against an f64 reference computed in plain JS (f64 engines to rtol 1e-9, f32 engines to 1e-4, and 1e-2 on W2's 10^5 roundings) before its time is reported.`);
let anyDisagree = false;
// W1: wasmgrad has no tensors; its scalar-graph step (and the object graph's) comes from bench/moons.mjs's
// last full run, results/moons.json (another process and run: the same step, data and initial weights, f64).
const MOONS = here('../results/moons.json');
function moonsRows() {
  try {
    const j = JSON.parse(fs.readFileSync(MOONS, 'utf8'));
    return j.results.filter((r) => !r.diagnostic).map((r) => ({
      ok: true, fromMoons: true, engine: r.key, workload: 'W1', label: r.label, dtype: 'f64', unit: 'ms per step',
      summary: r.msPerStep, msPerCall: r.msPerStep, firstCallMs: null, date: j.meta.date,
      checked: { agree: j.checks?.agree ?? true, worstRelDiff: 0, tol: 1e-9, mismatches: [] },
    }));
  } catch (err) {
    return [{ ok: false, engine: 'moons', workload: 'W1', error: `could not read results/moons.json: ${err.message}` }];
  }
}
for (const workload of opts.workloads) {
  const rows = results.filter((r) => r.workload === workload && !r.fromMoons);
  if (workload === 'W1') rows.push(...moonsRows());
  const okRows = rows.filter((r) => r.ok && r.checked.agree);
  const fastest = Math.min(...okRows.map((r) => r.summary.median));
  const byKey = Object.fromEntries(okRows.map((r) => [r.engine, r.summary.median]));
  L.push('', `#### ${TITLES[workload]}`, '');
  L.push(`| engine | dtype | ${rows.find((r) => r.ok)?.unit ?? 'time'} | IQR | min–max | ms per call | ÷ fastest | ÷ wasmgrad Wasm eager | ÷ wasmgrad Wasm compiled | first call (ms) | check vs f64 reference |`);
  L.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|');
  for (const r of rows) {
    const label = r.fromMoons ? `${LABELS[r.engine]}, scalar graph (bench/moons.mjs, ${r.date.slice(0, 10)})` : LABELS[r.engine] ?? r.engine;
    if (!r.ok) {
      L.push(`| ${label} | | ${r.skipped ? '' : '**FAILED**'} | | | | | | | | ${r.error.split('\n')[0].replace(/\|/g, '\\|')} |`);
      continue;
    }
    const s = r.summary;
    const agree = r.checked.agree;
    if (!agree) anyDisagree = true;
    const ratio = (k) => (byKey[k] ? `${fmt(s.median / byKey[k])}×` : '—');
    L.push(`| ${label} | ${r.dtype} | ${agree ? `**${fmt(s.median)}**` : `~~${fmt(s.median)}~~ (disagrees)`} | ${fmt(s.q1)}–${fmt(s.q3)} | ${fmt(s.min)}–${fmt(s.max)} | ${fmt(r.msPerCall.median)} | ` +
      `${agree ? `${fmt(s.median / fastest)}×` : '—'} | ${ratio('wasm')} | ${ratio('wasmCompiled')} | ${fmt(r.firstCallMs)} | ` +
      (r.fromMoons ? 'checked by moons.mjs (rtol 1e-9 against the object graph, every step)' : '') +
      (r.fromMoons ? '' : `${agree ? 'agrees' : '**DISAGREES**'}, worst rel diff ${r.checked.worstRelDiff.toExponential(1)} (tol ${r.checked.tol})`) + ' |');
  }
}
L.push('');
L.push('Notes: ' + [
  'first call = building the function (for jit: tracing + compiling) plus its first, checked call; not in the medians.',
  'TensorFlow.js uses tf.scalar for W2 and a [10] tensor for W5, with tf.valueAndGrads / tf.valueAndGrad inside tf.tidy; the @tensorflow/tfjs bundle is imported because tfjs-core alone registers no gradients.',
  'js-pytorch has no tanh: it is composed from its exp, add, div and sub (6 tensor ops per tanh), shapes [1] and [10]; its backward recurses once per op, so the 10^5-op chain overflows the stack.',
  'jax-js uses float32 arrays (its default), shape [] for W2 and [10] for W5, on the wasm device (init("wasm")).',
  'W3 (matmul), W4 (MLP 784-128-10) and the tensor form of W1 are not measurable for wasmgrad yet: it has no tensors.',
].join(' '));
const report = L.join('\n');
console.log(report);

const failed = results.filter((r) => !r.ok && !r.skipped);
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify({ meta, reference, tolerances: TOL, results, agree: !anyDisagree }, null, 2) + '\n');
console.error(`wrote ${OUT} (${meta.wallSeconds} s)`);

if (!opts.quick) {
  const panels = opts.workloads.map((w) => {
    const rows = results.filter((r) => r.workload === w && !(w === 'W1' && r.skipped));
    if (w === 'W1') rows.push(...moonsRows());
    return {
      title: SHORT_TITLES[w],
      unit: w === 'W5' ? 'µs per call' : w === 'W1' ? 'ms per step' : 'ns per op node',
      bars: rows.map((r) => ({
        label: r.fromMoons ? `${LABELS[r.engine]} (scalar graph)` : LABELS[r.engine],
        value: r.ok && r.checked.agree ? r.summary.median : null,
        highlight: r.engine.startsWith('wasm') || r.engine.startsWith('js') && r.engine !== 'jsPytorch',
        note: !r.ok ? (r.skipped ? 'not run (see the table)' : 'failed (see the table)') : r.checked.agree ? null : 'results disagree',
      })),
    };
  });
  fs.writeFileSync(SVG, barChart({
    title: 'wasmgrad vs JS autograd engines: medians, log scale (orange: wasmgrad)',
    subtitle: [
      `Node ${meta.node}, ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvg1m}, ${meta.date.slice(0, 10)}, wasmgrad ${meta.commit}; every bar checked against an f64 reference; bench/results/peers.json`,
      Object.entries(meta.peers).filter(([k]) => k !== '@tensorflow/tfjs-core').map(([k, v]) => `${k} ${v}`).join(', '),
    ],
    panels,
  }));
  console.error(`wrote ${SVG}`);
}

if (failed.length > 0) loud([`${failed.length} (engine, workload) runs FAILED; they are in the table with their errors:`, ...failed.map((r) => `${r.workload} ${r.engine}: ${r.error.split('\n')[0]}`)]);
if (anyDisagree) {
  loud(['SOME ENGINES DISAGREE WITH THE REFERENCE: their times are struck out.', ...results.filter((r) => r.ok && !r.checked.agree).flatMap((r) => r.checked.mismatches.slice(0, 3).map((m) => `${r.workload} ${r.engine}: ${m}`))]);
  process.exitCode = 1;
}
if (failed.some((r) => !['tfjsCpu', 'tfjsWasm', 'jsPytorch', 'jax', 'jaxJit'].includes(r.engine))) process.exitCode = 1;
