// One engine of bench/models.mjs in a long-lived process of its own, driven over IPC (child_process.fork),
// as bench/peers/worker.mjs does for compare.mjs:
//   node bench/models/worker.mjs ENGINE
//   { op: 'prepare', id, caseKey, cfg }  build the model from the shared weights and run its CHECKED_STEPS
//        checked steps → { ok, label, firstCallMs, losses } | { ok: false, cannot | error }
//   { op: 'sample', id, caseKey, budgetMs, warmupMs }  ~budgetMs of timed steps (the first sample of a case is
//        preceded by warmupMs of untimed ones) → { ok, samples: [ms per step, ...], calls }
//   { op: 'finish', id, caseKey }  one more step (its loss must be finite), then drop the case
//   { op: 'exit' }
// The timing loop is compare.mjs's: mitata's measure() with batches of steps ~1/6 of the sample, and steps
// over 20 ms timed one by one with performance.now(). Method: bench/models.md and bench/README.md.

import { performance } from 'node:perf_hooks';
import { ENGINES, peerImport } from './engines.mjs';
import { CHECKED_STEPS } from './data.mjs';

const now = () => performance.now();
const engineKey = process.argv[2];
let engine = null;
let engineError = null;
const cases = new Map(); // caseKey → { call, warmed, perCallMs }

let mitata = null;
try { mitata = await peerImport('mitata'); } catch { mitata = null; }

const errText = (err) => String(err?.stack ?? err).split('\n').slice(0, 4).join('\n');

async function getEngine() {
  if (engine || engineError) return engine;
  try {
    if (!ENGINES[engineKey]) throw new Error(`unknown engine ${engineKey}`);
    engine = await ENGINES[engineKey].make();
  } catch (err) {
    engineError = errText(err);
  }
  return engine;
}

async function prepare({ caseKey, cfg }) {
  const e = await getEngine();
  if (!e) return { ok: false, error: engineError };
  const workload = caseKey.slice(0, 2);
  if (e.cannot?.[workload]) return { ok: false, cannot: e.cannot[workload], label: e.label };
  const t0 = now();
  let step;
  const losses = [];
  try {
    step = e[workload.toLowerCase()](cfg);
    for (let i = 0; i < CHECKED_STEPS; i++) losses.push(step());
  } catch (err) {
    // A peer that lacks a kernel or an op the model needs says so here: the row prints the reason.
    return { ok: false, cannot: `cannot run: ${String(err?.message ?? err).split('\n')[0]}`, detail: errText(err), label: e.label };
  }
  const firstCallMs = now() - t0;
  cases.set(caseKey, { call: step, warmed: false, perCallMs: firstCallMs / CHECKED_STEPS });
  return { ok: true, label: e.label, firstCallMs, losses };
}

const SINGLE_CALL_MS = 20;

async function sample({ caseKey, budgetMs, warmupMs }) {
  const c = cases.get(caseKey);
  if (!c) throw new Error(`sample before prepare: ${caseKey}`);
  if (!c.warmed && c.perCallMs >= warmupMs) c.warmed = true; // a checked step that long warmed the engine
  if (!c.warmed) {
    const w0 = now();
    let k = 0;
    do { c.call(); k++; } while (now() - w0 < warmupMs);
    c.perCallMs = (now() - w0) / k;
    c.warmed = true;
  }
  if (mitata && c.perCallMs < SINGLE_CALL_MS) {
    const batch = Math.max(4, 4 * Math.round(budgetMs / 6 / c.perCallMs / 4));
    const r = await mitata.measure(c.call, { gc: false, min_cpu_time: budgetMs * 1e6, min_samples: 2, warmup_threshold: Infinity, warmup_samples: 1, batch_threshold: Infinity, batch_samples: batch, batch_unroll: 4 });
    return { samples: r.samples.map((ns) => ns / 1e6), calls: r.ticks };
  }
  const out = [];
  const start = now();
  do {
    const t0 = now();
    c.call();
    out.push(now() - t0);
  } while (now() - start < budgetMs);
  return { samples: out, calls: out.length };
}

function finish({ caseKey }) {
  const c = cases.get(caseKey);
  cases.delete(caseKey);
  if (!c) return { ok: false };
  return { ok: true, last: c.call() };
}

process.on('message', async (msg) => {
  if (msg.op === 'exit') process.exit(0); // some peers keep handles open
  let reply;
  try {
    if (msg.op === 'prepare') reply = await prepare(msg);
    else if (msg.op === 'sample') reply = { ok: true, ...(await sample(msg)) };
    else if (msg.op === 'finish') reply = finish(msg);
    else throw new Error(`unknown op ${msg.op}`);
  } catch (err) {
    cases.delete(msg.caseKey);
    reply = { ok: false, error: errText(err) };
  }
  process.send({ id: msg.id, ...reply });
});
process.send({ ready: true, mitata: !!mitata });
