// micrograd's two-moons training step, timed per step in five engines,
// interleaved round by round in one process:
//
//   graph         micrograd-style object graph (bench/objectgraph.mjs: engine.py + nn.py in JS)
//   js, wasm      wasmgrad eager (JS twin, Wasm): build the graph, backward, update, reset
//   jsCompiled,   wasmgrad compiled: eng.compile(() => loss, []) once, with the data as
//   wasmCompiled  constants, then program.step(lr) per step (forward + backward + SGD in one call)
//
// The step: MLP 2-16-16-1 (ReLU, linear output), 100 points of makeMoons(100, {seed: 1337}),
// loss = mean(relu(1 − y_i·score_i)) + 1e-4·Σ p², full batch, p −= lr·grad with a fixed lr.
// All engines start from the same weights and must compute the same losses, gradients and
// weights (rtol 1e-9) before any time is reported. Methodology: bench/README.md.
//
//   node bench/moons.mjs [--quick] [--rounds R] [--steps K] [--warmup W] [--lr LR] [--only KEYS] [--no-diag] [--out FILE]

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine, nn } from '../dist/index.js';
import { makeMoons } from '../examples/moons/data.mjs';
import { MLP as GraphMLP, Value as GraphValue } from './objectgraph.mjs';
import { now, gc, gcRecorder, tick, summary, relDiff, round3, fmt, machine, loud } from './lib.mjs';

// ── options ──

const USAGE = `usage: node bench/moons.mjs [options]
  --quick        smoke run: 5 steps per sample, 9 rounds, 1 warm-up sample (~15 s; writes moons.quick.json)
  --rounds R     timed rounds (default 18, 9 with --quick), rounded up to whole rotations of the entries
  --steps K      training steps per timed sample, the same for every engine (default 20, 5 with --quick)
  --warmup W     untimed samples of K steps per engine before timing (default 3, 1 with --quick)
  --lr LR        the fixed learning rate (default 0.05)
  --only KEYS    run only these entries (comma-separated: ${'graph,js,wasm,jsCompiled,wasmCompiled,wasmInputs,jsInputs,wasmForward,jsForward'})
  --no-diag      only the five engines: no diagnostic rows
  --out FILE     where to write the JSON (default bench/results/moons.json, moons.quick.json with --quick)`;

function parseArgs(argv) {
  const opts = { quick: false, rounds: undefined, steps: undefined, warmup: undefined, lr: 0.05, diag: true, only: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const intArg = (min) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min) fail(`${a} needs an integer >= ${min}, got ${argv[i]}`);
      return v;
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--rounds') opts.rounds = intArg(1);
    else if (a === '--steps') opts.steps = intArg(1);
    else if (a === '--warmup') opts.warmup = intArg(0);
    else if (a === '--lr') {
      opts.lr = Number(argv[++i]);
      if (!(opts.lr > 0)) fail(`--lr needs a positive number, got ${argv[i]}`);
    } else if (a === '--no-diag') opts.diag = false;
    else if (a === '--only') opts.only = String(argv[++i]).split(',');
    else if (a === '--out') opts.out = argv[++i];
    else if (a === '--help' || a === '-h') { console.log(USAGE); process.exit(0); }
    else fail(`unknown argument ${a}`);
  }
  return opts;
}

function fail(msg) {
  console.error(`moons.mjs: ${msg}\n${USAGE}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const K = opts.steps ?? (opts.quick ? 5 : 20);
const WARMUP = opts.warmup ?? (opts.quick ? 1 : 3);
const LR = opts.lr;
const OUT = opts.out ?? fileURLToPath(new URL(opts.quick ? './results/moons.quick.json' : './results/moons.json', import.meta.url));

// The workload: micrograd's demo.ipynb.
const N_POINTS = 100;
const DATA_SEED = 1337;
const INIT_SEED = 1337; // nn.MLP's seeded Random; the object graph gets the same numbers
const SIZES = [16, 16, 1];
const ALPHA = 1e-4;
const RTOL = 1e-9;

// Issue #4's targets for this step.
const TARGET_COMPILED_SPEEDUP = 90;
const TARGET_COMPILED_MS = 0.5;
const TARGET_EAGER_SPEEDUP = 5;

const { X, y } = makeMoons(N_POINTS, { seed: DATA_SEED });
const XFLAT = Float64Array.from(X.flat());

// ── the step, in each engine ──
//
// Both loss functions build the same ops in the same order (micrograd's):
//   score_i = MLP(x_i);  l_i = relu(score_i·(−y_i) + 1)
//   loss    = (l_0 + l_1 + ... + l_99)·(1/100) + (p_0·p_0 + p_1·p_1 + ...)·1e-4
// Only mul, add and relu, which are exact in IEEE 754, so all five engines
// should agree to the last bit, not just within the tolerance.

/** wasmgrad: the loss on the current tape. inputs: [[Value, Value], ...]. */
function wasmgradLoss(eng, model, params, inputs) {
  const scores = inputs.map((x) => model.forward(x)[0]);
  const losses = scores.map((s, i) => s.mul(-y[i]).add(1).relu());
  const dataLoss = eng.sum(losses).mul(1.0 / losses.length);
  const regLoss = eng.sum(params.map((p) => p.mul(p))).mul(ALPHA);
  return dataLoss.add(regLoss);
}

/** The object graph: the same, in micrograd's idiom. */
function graphLoss(model, params, inputs) {
  const scores = inputs.map((x) => model.forward(x));
  const losses = scores.map((s, i) => s.mul(-y[i]).add(1).relu());
  const dataLoss = losses.reduce((a, b) => a.add(b)).mul(1.0 / losses.length);
  const regLoss = params.map((p) => p.mul(p)).reduce((a, b) => a.add(b)).mul(ALPHA);
  return dataLoss.add(regLoss);
}

// Each runner does `k` training steps and writes each step's loss (before the
// update) to losses[at + s]. It returns the sample's start and end times and,
// for the eager engines, the time in each phase, summed over the k steps.

function graphRunner(model) {
  const params = model.parameters();
  return function runGraph(k, losses, at) {
    let build = 0, back = 0, update = 0;
    const t0 = now();
    for (let s = 0; s < k; s++) {
      const a = now();
      const inputs = X.map((row) => row.map((v) => new GraphValue(v)));
      const loss = graphLoss(model, params, inputs);
      const b = now();
      model.zeroGrad();
      loss.backward();
      const c = now();
      losses[at + s] = loss.data;
      for (const p of params) p.data -= LR * p.grad;
      const d = now();
      build += b - a; back += c - b; update += d - c;
    }
    return { t0, t1: now(), phases: { build, back, update } };
  };
}

function eagerRunner(eng, model) {
  const params = model.parameters();
  return function runEager(k, losses, at) {
    let build = 0, back = 0, update = 0;
    const t0 = now();
    for (let s = 0; s < k; s++) {
      const a = now();
      const inputs = X.map((row) => [eng.value(row[0]), eng.value(row[1])]);
      const loss = wasmgradLoss(eng, model, params, inputs);
      const b = now();
      model.zeroGrad();
      loss.backward();
      const c = now();
      losses[at + s] = loss.data;
      for (const p of params) p.data -= LR * p.grad;
      eng.reset(); // frees the tape in O(1); the parameters keep their values
      const d = now();
      build += b - a; back += c - b; update += d - c;
    }
    return { t0, t1: now(), phases: { build, back, update } };
  };
}

/** Data as constants: the program has no inputs; each step is program.step(LR). */
function compileConst(eng, model) {
  const params = model.parameters();
  const t0 = now();
  const program = eng.compile(() => wasmgradLoss(eng, model, params, X.map((row) => [eng.value(row[0]), eng.value(row[1])])), []);
  return { program, compileMs: now() - t0 };
}

/** Data as the program's 200 inputs (x_0,0, x_0,1, x_1,0, ...); each step is program.step(LR, XFLAT). */
function compileInputs(eng, model) {
  const params = model.parameters();
  const t0 = now();
  const program = eng.compile((...xs) => {
    const inputs = [];
    for (let i = 0; i < xs.length; i += 2) inputs.push([xs[i], xs[i + 1]]);
    return wasmgradLoss(eng, model, params, inputs);
  }, Array.from(XFLAT));
  return { program, compileMs: now() - t0 };
}

function compiledRunner(program, withInputs) {
  return function runCompiled(k, losses, at) {
    const t0 = now();
    if (withInputs) for (let s = 0; s < k; s++) losses[at + s] = program.step(LR, XFLAT);
    else for (let s = 0; s < k; s++) losses[at + s] = program.step(LR);
    return { t0, t1: now(), phases: null };
  };
}

function forwardRunner(program) {
  return function runForward(k, losses, at) {
    const t0 = now();
    for (let s = 0; s < k; s++) losses[at + s] = program.forward()[0];
    return { t0, t1: now(), phases: null };
  };
}

// ── structure of the graph (for ns per node and the report) ──

/** Nodes of one step's graph in the object graph: every Value reachable from the loss. */
function countGraphNodes(loss) {
  const seen = new Set([loss]);
  const stack = [loss];
  while (stack.length > 0) for (const p of stack.pop()._prev) if (!seen.has(p)) (seen.add(p), stack.push(p));
  return seen.size;
}

/** Op histogram of a compiled program, read from its saved bytes (the format of src/program.ts). */
function opHistogram(program, OP_NAMES) {
  const bytes = program.save();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8, true);
  let at = 24 + 4 * view.getUint32(16, true) + 8 * view.getUint32(20, true);
  const counts = {};
  for (let i = 0; i < n; i++, at += 17) {
    const name = OP_NAMES[view.getUint8(at)];
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort((p, q) => q[1] - p[1]));
}

// ── main ──

async function main() {
  const wallStart = Date.now();
  const { OP_NAMES } = await import('../dist/index.js');

  // One wasmgrad model per entry, each on its own engine, all from the same seed;
  // the object graph gets the numbers of the first.
  const makeModel = async (backend) => {
    const eng = await createEngine({ backend });
    const model = new nn.MLP(eng, 2, SIZES, { seed: INIT_SEED });
    return { eng, model };
  };
  const reference = await makeModel('wasm');
  const init = reference.model.parameters().map((p) => p.data);

  const all = [
    { key: 'graph', label: 'object graph (micrograd-style JS)', kind: 'train', diagnostic: false },
    { key: 'js', label: 'wasmgrad JS twin, eager', kind: 'train', diagnostic: false, backend: 'js' },
    { key: 'wasm', label: 'wasmgrad Wasm, eager', kind: 'train', diagnostic: false, backend: 'wasm' },
    { key: 'jsCompiled', label: 'wasmgrad JS twin, compiled: program.step(lr)', kind: 'train', diagnostic: false, backend: 'js', compile: 'const' },
    { key: 'wasmCompiled', label: 'wasmgrad Wasm, compiled: program.step(lr)', kind: 'train', diagnostic: false, backend: 'wasm', compile: 'const' },
    { key: 'wasmInputs', label: 'Wasm compiled, data as 200 inputs: program.step(lr, X)', kind: 'train', diagnostic: true, backend: 'wasm', compile: 'inputs' },
    { key: 'jsInputs', label: 'JS twin compiled, data as 200 inputs: program.step(lr, X)', kind: 'train', diagnostic: true, backend: 'js', compile: 'inputs' },
    { key: 'wasmForward', label: 'Wasm compiled, forward only: program.forward()', kind: 'forward', diagnostic: true, backend: 'wasm', compile: 'const' },
    { key: 'jsForward', label: 'JS twin compiled, forward only: program.forward()', kind: 'forward', diagnostic: true, backend: 'js', compile: 'const' },
  ];
  if (opts.only) {
    const unknown = opts.only.filter((k) => !all.some((e) => e.key === k));
    if (unknown.length > 0) fail(`--only: unknown entries ${unknown.join(', ')}`);
  }
  const entries = all.filter((e) => (opts.only ? opts.only.includes(e.key) : opts.diag || !e.diagnostic));
  const rotation = entries.length;
  const rounds = Math.ceil((opts.rounds ?? (opts.quick ? 9 : 18)) / rotation) * rotation;
  const totalSteps = 1 + (WARMUP + rounds) * K; // the checked first step, warm-up, timed

  const problems = [];
  let nodesPerStep = null;
  let graphNodesPerStep = null;
  let histogram = null;
  for (const e of entries) {
    e.losses = new Float64Array(totalSteps).fill(NaN);
    e.steps = 0;
    if (e.key === 'graph') {
      e.model = new GraphMLP(2, SIZES);
      const ps = e.model.parameters();
      if (ps.length !== init.length) throw new Error(`object graph MLP has ${ps.length} parameters, wasmgrad's ${init.length}`);
      ps.forEach((p, i) => (p.data = init[i]));
      e.params = ps;
      graphNodesPerStep = countGraphNodes(graphLoss(e.model, ps, X.map((row) => row.map((v) => new GraphValue(v)))));
      e.run = graphRunner(e.model);
      continue;
    }
    const { eng, model } = await makeModel(e.backend);
    e.eng = eng;
    e.model = model;
    e.params = model.parameters();
    e.params.forEach((p, i) => {
      if (p.data !== init[i]) problems.push(`${e.key}: initial weight ${i} is ${p.data}, the reference model has ${init[i]}`);
    });
    if (!e.compile) {
      // One untimed build to count the tape's nodes; no backward, no update.
      wasmgradLoss(eng, model, e.params, X.map((row) => [eng.value(row[0]), eng.value(row[1])]));
      e.tapeNodes = eng.stats().nodes;
      eng.reset();
      e.run = eagerRunner(eng, model);
      continue;
    }
    const { program, compileMs } = e.compile === 'inputs' ? compileInputs(eng, model) : compileConst(eng, model);
    e.program = program;
    e.compileMs = compileMs;
    e.tapeNodes = program.nodeCount;
    if (program.params.length !== init.length) problems.push(`${e.key}: the program reads ${program.params.length} parameters, the model has ${init.length}`);
    if (e.key === 'wasmCompiled') histogram = opHistogram(program, OP_NAMES);
    e.run = e.kind === 'forward' ? forwardRunner(program) : compiledRunner(program, e.compile === 'inputs');
  }
  nodesPerStep = entries.find((e) => e.tapeNodes)?.tapeNodes ?? null;
  for (const e of entries) {
    if (e.tapeNodes !== undefined && e.tapeNodes !== nodesPerStep) problems.push(`${e.key}: ${e.tapeNodes} nodes per step, ${nodesPerStep} elsewhere`);
  }

  // ── check 1: the first step, in full ──
  // Loss, every parameter's gradient and every updated weight, all engines.
  const trainers = entries.filter((e) => e.kind === 'train');
  for (const e of entries) {
    e.run(1, e.losses, 0);
    e.steps = 1;
  }
  const ref = trainers[0];
  const firstStep = { loss: {}, worstRelDiff: 0 };
  const cmp = (what, p, q) => {
    const d = relDiff(p, q);
    if (!(d <= RTOL)) problems.push(`${what}: ${p} vs ${q} (rel diff ${d.toExponential(2)})`);
    firstStep.worstRelDiff = Math.max(firstStep.worstRelDiff, d);
  };
  for (const e of entries) firstStep.loss[e.key] = e.losses[0];
  if (ref) {
    for (const e of trainers) {
      if (e === ref) continue;
      cmp(`first step: loss (${e.key} vs ${ref.key})`, e.losses[0], ref.losses[0]);
      for (let i = 0; i < init.length; i++) {
        cmp(`first step: grad of parameter ${i} (${e.key} vs ${ref.key})`, e.params[i].grad, ref.params[i].grad);
        cmp(`first step: updated parameter ${i} (${e.key} vs ${ref.key})`, e.params[i].data, ref.params[i].data);
      }
    }
    for (const e of entries) if (e.kind === 'forward') cmp(`first step: forward-only loss (${e.key} vs ${ref.key})`, e.losses[0], ref.losses[0]);
    // The update really happened, with the gradient it reports: p1 = p0 − lr·g.
    for (let i = 0; i < init.length; i++) cmp(`first step: ${ref.key} parameter ${i} = p0 − lr·grad`, ref.params[i].data, init[i] - LR * ref.params[i].grad);
  }
  if (problems.length > 0) {
    loud([`THE ENGINES DISAGREE on the first step (${problems.length} problems, rtol ${RTOL}):`, ...problems.slice(0, 12)]);
    process.exitCode = 1;
  }

  console.error(`moons benchmark: ${nodesPerStep} nodes per step, ${rounds} rounds x ${rotation} entries x ${K} steps, ${WARMUP} warm-up samples each, lr ${LR}`);

  // ── warm-up (untimed), then timed rounds in rotating order ──
  const gcs = gcRecorder();
  const runSample = (e) => {
    gc();
    const r = e.run(K, e.losses, e.steps);
    e.steps += K;
    return r;
  };
  for (let w = 0; w < WARMUP; w++) for (const e of entries) runSample(e);
  const samples = new Map(entries.map((e) => [e.key, { perStep: [], build: [], back: [], update: [], windows: [] }]));
  for (let r = 0; r < rounds; r++) {
    const roundStart = now();
    for (let k = 0; k < rotation; k++) {
      const e = entries[(r + k) % rotation];
      const s = samples.get(e.key);
      const res = runSample(e);
      s.perStep.push((res.t1 - res.t0) / K);
      if (res.phases) {
        s.build.push(res.phases.build / K);
        s.back.push(res.phases.back / K);
        s.update.push(res.phases.update / K);
      }
      s.windows.push([res.t0, res.t1]);
    }
    await tick();
    console.error(`  round ${r + 1}/${rounds} done (${((now() - roundStart) / 1000).toFixed(1)} s)`);
  }
  await gcs.finish();

  // ── check 2: every step of the run ──
  // Training engines ran the same number of steps in lock-step: their loss
  // curves must agree at every step, and their final weights too. Forward-only
  // rows never update, so every loss they report is the first step's.
  const trajectory = { steps: totalSteps, worstRelDiff: 0, mismatches: 0 };
  const runProblems = [];
  const note = (what, p, q) => {
    const d = relDiff(p, q);
    trajectory.worstRelDiff = Math.max(trajectory.worstRelDiff, d);
    if (!(d <= RTOL)) {
      trajectory.mismatches++;
      if (runProblems.length < 50) runProblems.push(`${what}: ${p} vs ${q} (rel diff ${d.toExponential(2)})`);
    }
  };
  for (const e of entries) if (e.steps !== totalSteps) runProblems.push(`${e.key} ran ${e.steps} steps, expected ${totalSteps}`);
  if (ref) {
    for (const e of entries) {
      if (e === ref) continue;
      for (let s = 0; s < totalSteps; s++) {
        note(`step ${s}: loss (${e.key} vs ${ref.key})`, e.losses[s], e.kind === 'forward' ? ref.losses[0] : ref.losses[s]);
      }
      if (e.kind === 'train') {
        for (let i = 0; i < init.length; i++) note(`final parameter ${i} (${e.key} vs ${ref.key})`, e.params[i].data, ref.params[i].data);
      }
    }
    for (let s = 0; s < totalSteps; s++) if (!Number.isFinite(ref.losses[s])) runProblems.push(`step ${s}: ${ref.key}'s loss is ${ref.losses[s]}`);
  }
  const agree = problems.length === 0 && runProblems.length === 0;

  // ── report ──
  const results = [];
  for (const e of entries) {
    const s = samples.get(e.key);
    const gcPerStep = s.windows.map(([a, b]) => gcs.msIn(a, b) / K);
    results.push({
      key: e.key,
      label: e.label,
      diagnostic: e.diagnostic,
      nodesPerStep: e.key === 'graph' ? graphNodesPerStep : e.tapeNodes,
      compileMs: e.compileMs ?? null,
      msPerStep: summary(s.perStep),
      phasesMsPerStep: s.build.length > 0 ? { build: summary(s.build), backward: summary(s.back), updateAndReset: summary(s.update) } : null,
      gcMsPerStep: summary(gcPerStep),
      samplesMsPerStep: s.perStep.map((x) => round3(x * 1000) / 1000),
    });
  }
  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  const med = (k) => byKey[k]?.msPerStep.median;
  const ratios = {};
  for (const r of results) {
    ratios[r.key] = {
      vsWasmCompiled: med('wasmCompiled') ? r.msPerStep.median / med('wasmCompiled') : null,
      speedupVsGraph: med('graph') ? med('graph') / r.msPerStep.median : null,
    };
  }
  const targets = [];
  if (med('graph') && med('wasmCompiled')) {
    const x = med('graph') / med('wasmCompiled');
    targets.push({ target: `Wasm compiled ≥ ${TARGET_COMPILED_SPEEDUP}× faster than the object graph`, measured: `${fmt(x)}×`, met: x >= TARGET_COMPILED_SPEEDUP });
  }
  if (med('wasmCompiled')) {
    targets.push({ target: `Wasm compiled under ${TARGET_COMPILED_MS} ms per step`, measured: `${fmt(med('wasmCompiled'))} ms`, met: med('wasmCompiled') < TARGET_COMPILED_MS });
  }
  if (med('graph') && med('wasm')) {
    const x = med('graph') / med('wasm');
    targets.push({ target: `Wasm eager ≥ ${TARGET_EAGER_SPEEDUP}× faster than the object graph`, measured: `${fmt(x)}×`, met: x >= TARGET_EAGER_SPEEDUP });
  }

  const meta = {
    benchmark: 'moons: micrograd two-moons training step',
    ...machine(),
    workload: {
      model: `MLP 2-${SIZES.join('-')}, ReLU hidden layers, linear output`,
      parameters: init.length,
      points: N_POINTS,
      dataSeed: DATA_SEED,
      initSeed: INIT_SEED,
      loss: 'sum(relu(score_i*(-y_i) + 1)) * (1/100) + sum(p*p) * 1e-4 (micrograd demo.ipynb)',
      update: `p -= ${LR} * grad (fixed lr), after zero_grad and backward`,
      compiledData: 'main rows: the 200 coordinates are Leaf nodes made inside fn (constants of the program; compile(fn, [])); diagnostic rows wasmInputs/jsInputs: the 200 coordinates are the program inputs, passed to every step',
      nodesPerStep,
      graphNodesPerStep,
      opHistogram: histogram,
    },
    stepsPerSample: K,
    rounds,
    warmupSamples: WARMUP,
    totalStepsPerEngine: totalSteps,
    timer: 'performance.now() around each sample of K steps; ms per step = sample time / K',
    timed: 'eager: build inputs and graph, zero_grad, backward, read loss, update every parameter, reset (wasmgrad). compiled: program.step(lr) (returns the loss). The forced GC before each sample is not timed.',
    tolerance: RTOL,
  };
  const md = markdown({ meta, results, byKey, ratios, targets, agree, firstStep, trajectory, problems: [...problems, ...runProblems] });
  console.log(md);

  const json = {
    meta: { ...meta, wallSeconds: +((Date.now() - wallStart) / 1000).toFixed(1) },
    checks: {
      agree,
      tolerance: RTOL,
      reference: ref?.key ?? null,
      firstStep,
      trajectory,
      problems: [...problems, ...runProblems].slice(0, 60),
      lossCurve: ref ? { first: ref.losses[0], afterWarmup: ref.losses[1 + WARMUP * K], last: ref.losses[totalSteps - 1] } : null,
    },
    targets,
    results,
    ratios,
  };
  fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2) + '\n');
  console.error(`wrote ${OUT} (${json.meta.wallSeconds} s)`);

  if (!agree) {
    loud(['THE ENGINES DO NOT AGREE: the times above compare different computations.', ...[...problems, ...runProblems].slice(0, 12)]);
    process.exitCode = 1;
  }
}

function markdown({ meta, results, byKey, ratios, targets, agree, firstStep, trajectory, problems }) {
  const L = [];
  const x = (r) => (r === null ? '—' : `${fmt(r)}×`);
  const w = meta.workload;
  L.push(`### Two-moons training step (micrograd): MLP 2-${SIZES.join('-')}, ${w.points} points, full batch, SVM loss + L2, SGD lr ${LR}`);
  L.push('');
  L.push(`${meta.node} (V8 ${meta.v8}), ${meta.cpu} × ${meta.cpus}, load average ${meta.loadAvg1m} at the end, ${meta.date.slice(0, 10)}. ` +
    `${meta.rounds} interleaved rounds (rotating order) of ${meta.stepsPerSample} steps per engine, ${meta.warmupSamples} warm-up sample${meta.warmupSamples === 1 ? '' : 's'}; ` +
    `medians over samples of ms per step. ${fmt(w.nodesPerStep, 0)} wasmgrad nodes per step (${fmt(w.graphNodesPerStep, 0)} Values in the object graph). ` +
    'Compiled rows: the data are constants of the program (`compile(() => loss, [])`), one `program.step(lr)` per step.');
  L.push('');
  if (agree) {
    L.push(`Check: all engines agree within rtol ${RTOL} on the first step's loss, ${w.parameters} gradients and ${w.parameters} updated weights ` +
      `(worst rel diff ${firstStep.worstRelDiff.toExponential(1)}), and on the loss at every one of the ${trajectory.steps} steps each engine ran and the final weights ` +
      `(worst rel diff ${trajectory.worstRelDiff.toExponential(1)}).`);
  } else {
    L.push(`**WARNING: THE ENGINES DISAGREE (rtol ${RTOL}); these timings compare different computations.** ${problems.length} problems, e.g. ${problems[0]}`);
  }
  L.push('');
  L.push('| engine | ms per step | IQR | min–max | build | backward | update + reset | GC in timed window (ms/step) | ns per node | ÷ Wasm compiled | speed-up vs object graph |');
  L.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    const m = r.msPerStep;
    const p = r.phasesMsPerStep;
    const label = r.diagnostic ? `*${r.label}*` : r.label;
    const nsNode = r.nodesPerStep ? (m.median * 1e6) / r.nodesPerStep : null;
    L.push(`| ${label} | **${fmt(m.median)}** | ${fmt(m.q1)}–${fmt(m.q3)} | ${fmt(m.min)}–${fmt(m.max)} | ` +
      `${p ? fmt(p.build.median) : '—'} | ${p ? fmt(p.backward.median) : '—'} | ${p ? fmt(p.updateAndReset.median) : '—'} | ` +
      `${fmt(r.gcMsPerStep.median)} | ${fmt(nsNode, 1)} | ${x(ratios[r.key].vsWasmCompiled)} | ${x(ratios[r.key].speedupVsGraph)} |`);
  }
  L.push('');
  L.push('Phases are medians of their own (eager rows only; they need not add up to the total median). ns per node = ms per step ÷ nodes per step ' +
    '(the object graph row divides by its own Value count). Rows in italics are diagnostics, not engines.');
  if (byKey.wasmCompiled && byKey.wasmForward) {
    const f = byKey.wasmForward.msPerStep.median;
    const t = byKey.wasmCompiled.msPerStep.median;
    L.push('');
    L.push(`Wasm compiled step split (medians of separate rows): forward replay ${fmt(f)} ms (${fmt((f * 1e6) / w.nodesPerStep, 1)} ns/node), ` +
      (t > f ? `backward + update ≈ ${fmt(t - f)} ms (${fmt(((t - f) * 1e6) / w.nodesPerStep, 1)} ns/node).` : 'backward + update not resolved (noise).'));
  }
  if (w.opHistogram) {
    L.push('');
    L.push(`Nodes per step by op: ${Object.entries(w.opHistogram).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  }
  const compiled = results.filter((r) => r.compileMs !== null && r.key.endsWith('Compiled'));
  if (compiled.length > 0) L.push(`One-off compile (trace + copy): ${compiled.map((r) => `${r.key} ${fmt(r.compileMs)} ms`).join(', ')}.`);
  if (targets.length > 0) {
    L.push('');
    L.push('| target (issue #4) | measured | |');
    L.push('|---|--:|---|');
    for (const t of targets) L.push(`| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**NOT MET**'} |`);
  }
  return L.join('\n');
}

await main();
