// One engine in a long-lived process, driven over IPC by bench/compare.mjs (child_process.fork):
//   node bench/peers/worker.mjs ENGINE [transforms]
// (with `transforms`: an engine of bench/transforms.mjs, from ./transforms.mjs, instead of compare.mjs's)
// Messages in, one reply each ({ id, ... } echoes the request's id):
//   { op: 'prepare', id, caseKey, workload, size }  build the case's function and make its checked calls:
//        → { ok, label, dtype, firstCallMs, check } | { ok: false, na | unavailable | error }
//   { op: 'sample', id, caseKey, budgetMs, warmupMs, harness }  ~budgetMs of timed calls of the case; the
//        first sample of a case is preceded by warmupMs of untimed calls
//        → { ok, samples: [ms per call, ...], calls }
//   { op: 'finish', id, caseKey }  one more checked call (its numbers must still be right), then drop the case
//   { op: 'exit' }
// Keeping the process alive across rounds lets the driver interleave engines without paying their start-up
// (imports, jit compiles) again in every round. Method: bench/README.md.

import { ENGINES } from './engines.mjs';
import { now } from '../lib.mjs';
import { W4 } from './workloads.mjs';

const engineKey = process.argv[2];
const ENGINE_SET = process.argv[3] === 'transforms' ? (await import('./transforms.mjs')).TRANSFORM_ENGINES : ENGINES;
let engine = null;
let engineError = null;
const cases = new Map(); // caseKey → { call, warmed, perCallMs }

let mitata = null;
try { mitata = await import('mitata'); } catch { mitata = null; }

async function getEngine() {
  if (engine || engineError) return engine;
  try {
    if (!ENGINE_SET[engineKey]) throw new Error(`unknown engine ${engineKey}`);
    engine = await ENGINE_SET[engineKey].make();
  } catch (err) {
    engineError = String(err?.stack ?? err).split('\n').slice(0, 4).join('\n');
  }
  return engine;
}

const errText = (err) => String(err?.stack ?? err).split('\n').slice(0, 4).join('\n');

async function prepare({ caseKey, workload, size }) {
  const e = await getEngine();
  if (!e) return { ok: false, error: engineError };
  const method = e[workload.toLowerCase()];
  if (!method || e.na?.[workload]) return { ok: false, na: e.na?.[workload] ?? `n/a: ${e.label} has no form of ${workload}`, label: e.label };
  if (e.unavailable) return { ok: false, unavailable: e.unavailable, label: e.label };
  const t0 = now();
  let call, check;
  if (workload === 'W1') {
    const step = await method.call(e);
    check = [step(), step(), step()]; // the first three steps from the shared initial weights
    call = step;
  } else if (workload === 'W4') {
    const step = await method.call(e);
    const first = step(true);
    check = [first[0], step(false), step(false), ...first.slice(1)];
    for (let i = 3; i < W4.checkedSteps; i++) step(false);
    call = () => step(false);
  } else {
    call = await method.call(e, size);
    check = Array.from(call());
  }
  const firstCallMs = now() - t0;
  cases.set(caseKey, { call, warmed: false, perCallMs: firstCallMs / (workload === 'W1' || workload === 'W4' ? 3 : 1) });
  return { ok: true, label: e.label, dtype: e.dtype, firstCallMs, check: check.map(Number) };
}

// Calls longer than this are timed one by one with performance.now(): what mitata does for them too,
// without the untimed call it starts every measurement with (which would double the cost of a 1 s call).
const SINGLE_CALL_MS = 20;

function sample({ caseKey, budgetMs, warmupMs, harness }) {
  const c = cases.get(caseKey);
  if (!c) throw new Error(`sample before prepare: ${caseKey}`);
  // A checked call longer than the warm-up has warmed the engine itself (for W1 and W4 perCallMs is a third
  // of three checked steps).
  if (!c.warmed && c.perCallMs >= warmupMs) c.warmed = true;
  if (!c.warmed) {
    const w0 = now();
    let k = 0;
    do { c.call(); k++; } while (now() - w0 < warmupMs);
    c.perCallMs = (now() - w0) / k;
    c.warmed = true;
  }
  // No forced GC before a sample: each engine has a process of its own, so it only ever pays for its own
  // garbage, as in a training loop; a gc() right before a sample made the next ~100 ms of a garbage-heavy
  // engine up to 5× slower here (sweeping after the full GC), which is not its steady state.
  if (harness === 'mitata' && mitata && c.perCallMs < SINGLE_CALL_MS) return sampleMitata(c, budgetMs);
  return sampleHand(c, budgetMs);
}

/** The hand loop: K calls timed as a whole, K chosen so that a sample lasts ~budgetMs / 6 (at least 1 call). */
function sampleHand(c, budgetMs) {
  const K = Math.max(1, Math.round(budgetMs / 6 / c.perCallMs));
  const out = [];
  const start = now();
  do {
    const t0 = now();
    for (let i = 0; i < K; i++) c.call();
    out.push((now() - t0) / K);
  } while (now() - start < budgetMs);
  return { samples: out, calls: out.length * K };
}

/**
 * mitata's measure() over ~budgetMs, every sample a batch of calls (its mean), ~budgetMs/6 long. mitata
 * batches only calls under 65 µs by default and times slower ones one by one; the median of single calls
 * leaves out the GC pauses and deferred work an engine causes (TensorFlow.js wasm, W5: median 0.33 ms,
 * mean 1.9 ms per call here), so it would flatter the engines that make the most garbage.
 */
async function sampleMitata(c, budgetMs) {
  const batch = Math.max(4, 4 * Math.round(budgetMs / 6 / c.perCallMs / 4));
  // warmup_threshold: Infinity, or mitata decides on batching only when its first call is under 0.5 ms
  const r = await mitata.measure(c.call, { gc: false, min_cpu_time: budgetMs * 1e6, min_samples: 2, warmup_threshold: Infinity, warmup_samples: 1, batch_threshold: Infinity, batch_samples: batch, batch_unroll: 4 });
  return { samples: r.samples.map((ns) => ns / 1e6), calls: r.ticks };
}

function finish({ caseKey }) {
  const c = cases.get(caseKey);
  cases.delete(caseKey);
  if (!c) return { ok: false };
  const last = c.call();
  return { ok: true, last: Array.isArray(last) || ArrayBuffer.isView(last) ? Array.from(last).map(Number) : [Number(last)] };
}

process.on('message', async (msg) => {
  if (msg.op === 'exit') process.exit(0); // some peers keep handles (worker pools) open
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
