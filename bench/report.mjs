// Writes the figures of a full comparison run (bench/results.json) into the docs, so that no number in them
// is typed by hand: README.md's "Performance" section (between the bench:compare markers) gets the chart, one
// table of every engine × workload and the list of where wasmgrad trails a peer; bench/README.md (between its
// markers) gets the run's full report; docs/bench.svg is redrawn from it.
//
//   node bench/report.mjs [--from bench/results.json]

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt } from './lib.mjs';
import { compareChart } from './peers/svg.mjs';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const args = process.argv.slice(2);
const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : here('./results.json');
const run = JSON.parse(fs.readFileSync(from, 'utf8'));
if (run.meta.quick) {
  console.error('report.mjs: this is a --quick run; the docs show full runs only');
  process.exit(2);
}
const { meta, cases, results } = run;

const ENGINE_ORDER = [...new Set(results.map((r) => r.engine))];
const label = (k) => results.find((r) => r.engine === k).label;
const isWasmgrad = (k) => /^(wasm|js)(Compiled|Tensor|TensorRelaxed)?$/.test(k);
const short = (c) => (c.workload === 'W3' ? `W3 n=${c.size}` : c.key);
const unitShort = { 'ms per step': 'ms/step', 'ns per op node': 'ns/op', 'GFLOP/s': 'GFLOP/s', 'µs per call': 'µs/call' };

// ── one table: engines × cases ──
const T = [];
T.push(`| engine | ${cases.map((c) => `${short(c)} (${unitShort[c.unit]})`).join(' | ')} |`);
T.push(`|---|${cases.map(() => '--:').join('|')}|`);
for (const k of ENGINE_ORDER) {
  const cells = cases.map((c) => {
    const r = results.find((x) => x.case === c.key && x.engine === k);
    if (!r) return '';
    if (r.status === 'ok') {
      const v = fmt(r.value.median);
      return r.vsFastest < 1.005 ? `**${v}**` : `${v} (${fmt(r.vsFastest)}×)`;
    }
    return { 'n/a': '·', skipped: 'not run', unavailable: 'not yet', failed: 'failed', disagrees: 'disagrees' }[r.status] ?? r.status;
  });
  T.push(`| ${isWasmgrad(k) ? `**${label(k)}**` : label(k)} | ${cells.join(' | ')} |`);
}

// ── where wasmgrad trails ──
const behind = [];
const missing = {};
for (const c of cases) {
  const rows = results.filter((r) => r.case === c.key);
  const ok = rows.filter((r) => r.status === 'ok');
  const ours = ok.filter((r) => isWasmgrad(r.engine));
  const peers = ok.filter((r) => !isWasmgrad(r.engine));
  const unavailable = rows.filter((r) => isWasmgrad(r.engine) && r.status === 'unavailable');
  for (const r of unavailable) (missing[r.label] ??= { cases: [], why: r.note.replace(/^not available yet: /, '') }).cases.push(short(c));
  if (!peers.length) continue;
  const bestPeer = peers.reduce((a, b) => (a.ms.median <= b.ms.median ? a : b));
  if (!ours.length) { behind.push(`**${short(c)}**: no wasmgrad row ran; the fastest peer is ${bestPeer.label} (${fmt(bestPeer.value.median)} ${c.unit}).`); continue; }
  const bestOurs = ours.reduce((a, b) => (a.ms.median <= b.ms.median ? a : b));
  const slower = ours.filter((r) => r.ms.median > bestPeer.ms.median);
  if (bestOurs.ms.median > bestPeer.ms.median) {
    behind.push(`**${short(c)}**: every wasmgrad row trails ${bestPeer.label} (${fmt(bestPeer.value.median)} ${c.unit}); the best, ${bestOurs.label}, takes ${fmt(bestOurs.ms.median / bestPeer.ms.median)}× its time (${fmt(bestOurs.value.median)} ${c.unit}).`);
  } else if (slower.length) {
    behind.push(`**${short(c)}**: ${bestOurs.label} leads (${fmt(bestOurs.value.median)} ${c.unit}; the fastest peer, ${bestPeer.label}, takes ${fmt(bestPeer.ms.median / bestOurs.ms.median)}× its time), ` +
      `but that peer is ahead of ${slower.map((r) => `${r.label} (which takes ${fmt(r.ms.median / bestPeer.ms.median)}× the peer's time)`).join(', ')}.`);
  }
}
const leads = cases.filter((c) => {
  const ok = results.filter((r) => r.case === c.key && r.status === 'ok');
  const best = ok.length ? ok.reduce((a, b) => (a.ms.median <= b.ms.median ? a : b)) : null;
  return best && isWasmgrad(best.engine);
}).map(short);

const date = meta.date.slice(0, 10);
const versions = Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', ');
const section = [
  `<!-- bench:compare:start: written by node bench/report.mjs from bench/results.json; do not edit by hand -->`,
  `![wasmgrad against TensorFlow.js, js-pytorch, jax-js and a micrograd-style object graph on five workloads, medians, log scale](docs/bench.svg)`,
  '',
  `One full run of the comparison (\`npm run bench\`, or \`npm run bench:peers\` for the comparison alone) on ${date}: Node ${meta.node}, ${meta.cpu} × ${meta.cpus} (shared; load average ${meta.loadAvg1m}), wasmgrad ${meta.commit}, ${versions}. ` +
    `Everything single-threaded. Medians over ${meta.timing.rounds} interleaved rounds; in brackets the time relative to the fastest row of the column; **bold** = fastest. ` +
    `W3 is in GFLOP/s (higher is faster); every other column is time (lower is faster). · = the engine has no form of that workload. ` +
    `Spreads, ratios to wasmgrad Wasm, checks and first-call costs: [bench/README.md](bench/README.md#results-of-a-full-run).`,
  '',
  ...T,
  '',
  `The fastest row of the column is a wasmgrad row in: ${leads.length ? leads.join(', ') : 'none'}.`,
  '',
  `Where wasmgrad trails a peer in this run:`,
  '',
  ...(behind.length ? behind.map((b) => `- ${b}`) : ['- nowhere among the rows that ran.']),
  ...(Object.keys(missing).length ? ['', 'Not measured yet:', '', ...Object.entries(missing).map(([l, m]) => `- ${l}: ${m.cases.join(', ')}; ${m.why}.`)] : []),
  `<!-- bench:compare:end -->`,
].join('\n');

function splice(file, start, end, text) {
  const src = fs.readFileSync(file, 'utf8');
  const i = src.indexOf(start), j = src.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${file}: markers ${start} … ${end} not found`);
  const lineStart = src.lastIndexOf('\n', i) + 1;
  fs.writeFileSync(file, src.slice(0, lineStart) + text + src.slice(j + end.length));
}
splice(here('../README.md'), '<!-- bench:compare:start', '<!-- bench:compare:end -->', section);
splice(here('./README.md'), '<!-- bench:report:start', '<!-- bench:report:end -->',
  `<!-- bench:report:start: written by node bench/report.mjs from bench/results.json; do not edit by hand -->\n${run.report.replace(/^### .*\n/, '')}\n<!-- bench:report:end -->`);
fs.writeFileSync(here('../docs/bench.svg'), compareChart(run));
console.error('README.md, bench/README.md and docs/bench.svg updated from ' + from);
