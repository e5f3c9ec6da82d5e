// One engine, one workload, one process: `node bench/peers/worker.mjs ENGINE WORKLOAD [--quick]`.
// Started by bench/peers/run.mjs. Prints exactly one JSON line on stdout:
//   { ok: true, engine, workload, label, dtype, size, samples: [ms per call...], check: {...}, notes }
// or { ok: false, engine, workload, error }. Progress goes to stderr.
// The workloads and the checked numbers: bench/peers/workloads.mjs; method: bench/README.md.

import { W1, W2, W5, w5Data, w1Setup } from './workloads.mjs';
import { now, gc } from '../lib.mjs';

const [engineKey, workload, ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');
const stepsArg = rest.indexOf('--steps');
const STEPS = stepsArg >= 0 ? Number(rest[stepsArg + 1]) : W2.steps;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// ── timing: warm-up, then samples of K calls each, a forced GC (untimed) before every sample ──

function timeIt(call, { warmup, warmupMs = 0, minSampleMs, samples, budgetMs }) {
  // Warm-up: at least `warmup` calls and at least warmupMs of calls (lets the JIT tiers settle).
  const w0 = now();
  for (let i = 0; i < warmup || now() - w0 < warmupMs; i++) call();
  // K calls per sample so that a sample lasts at least minSampleMs: count the calls that fit in it.
  let K = 0;
  const c0 = now();
  do {
    call();
    K++;
  } while (now() - c0 < minSampleMs && K < 1 << 20);
  const out = [];
  const start = now();
  while (out.length < samples && (out.length < 3 || now() - start < budgetMs)) {
    gc();
    const t0 = now();
    for (let i = 0; i < K; i++) call();
    out.push((now() - t0) / K);
  }
  return { samples: out, callsPerSample: K };
}

const W2_TIMING = quick ? { warmup: 1, warmupMs: 200, minSampleMs: 10, samples: 7, budgetMs: 8000 } : { warmup: 2, warmupMs: 500, minSampleMs: 20, samples: 15, budgetMs: 30000 };
const W5_TIMING = quick ? { warmup: 200, warmupMs: 300, minSampleMs: 20, samples: 15, budgetMs: 3000 } : { warmup: 2000, warmupMs: 1000, minSampleMs: 20, samples: 40, budgetMs: 10000 };

// ── engines: each returns { label, dtype, w2(steps) → fn, w5() → fn, w2Steps?, notes? } ──
// A W2 fn takes no argument and returns [x_last, dx0, dw, db]; a W5 fn returns [f, df/dp_0 .. df/dp_9].

async function wasmgrad(backend, compiled) {
  const { createEngine } = await import('../../dist/index.js');
  const eng = await createEngine(backend === 'js' ? { backend: 'js' } : {});
  const { x, p } = w5Data();
  const w5f = (ps) => eng.sum(ps.map((pi, i) => pi.mul(x[i]).add(W5.c).tanh()));
  return {
    label: `wasmgrad ${backend === 'js' ? 'JS twin' : 'Wasm'}, ${compiled ? 'compiled (program.run)' : 'eager'}`,
    dtype: 'f64',
    w2(steps) {
      if (compiled) {
        const program = eng.compile((x0, w, b) => {
          let xx = x0;
          for (let i = 0; i < steps; i++) xx = xx.mul(w).add(b).tanh();
          return xx;
        }, [W2.x0, W2.w, W2.b]);
        const input = [W2.x0, W2.w, W2.b];
        return () => {
          const { outputs, grads } = program.run(input);
          return [outputs[0], grads[0], grads[1], grads[2]];
        };
      }
      return () => {
        const x0 = eng.value(W2.x0), w = eng.value(W2.w), b = eng.value(W2.b);
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = xx.mul(w).add(b).tanh();
        xx.backward();
        const r = [xx.data, x0.grad, w.grad, b.grad];
        eng.reset();
        return r;
      };
    },
    w5() {
      if (compiled) {
        const program = eng.compile((...ps) => w5f(ps), p);
        return () => {
          const { outputs, grads } = program.run(p);
          return [outputs[0], ...grads];
        };
      }
      return () => {
        const ps = p.map((v) => eng.value(v));
        const f = w5f(ps);
        f.backward();
        const r = [f.data, ...ps.map((q) => q.grad)];
        eng.reset();
        return r;
      };
    },
  };
}

async function objectGraph() {
  const { Value } = await import('../objectgraph.mjs');
  const { x, p } = w5Data();
  return {
    label: 'object graph (micrograd-style JS)',
    dtype: 'f64',
    w2(steps) {
      return () => {
        const x0 = new Value(W2.x0), w = new Value(W2.w), b = new Value(W2.b);
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = xx.mul(w).add(b).tanh();
        xx.backward();
        return [xx.data, x0.grad, w.grad, b.grad];
      };
    },
    w5() {
      return () => {
        const ps = p.map((v) => new Value(v));
        let f = ps[0].mul(x[0]).add(W5.c).tanh();
        for (let i = 1; i < ps.length; i++) f = f.add(ps[i].mul(x[i]).add(W5.c).tanh());
        f.backward();
        return [f.data, ...ps.map((q) => q.grad)];
      };
    },
  };
}

async function tfjs(backend) {
  const tf = await import('@tensorflow/tfjs'); // the union bundle: it registers the gradients (tfjs-core alone does not)
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`backend is ${tf.getBackend()}, wanted ${backend}`);
  const { x, p } = w5Data();
  const xT = tf.keep(tf.tensor1d(x));
  const cT = tf.keep(tf.scalar(W5.c));
  const vg5 = tf.valueAndGrad((pT) => tf.tanh(pT.mul(xT).add(cT)).sum());
  return {
    label: `TensorFlow.js ${tf.version_core}, ${backend} backend`,
    dtype: 'f32',
    notes: 'scalars (tf.scalar) for W2; a [10] tensor for W5',
    w2(steps) {
      const vg = tf.valueAndGrads((x0, w, b) => {
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = tf.tanh(xx.mul(w).add(b));
        return xx;
      });
      return () => {
        const r = tf.tidy(() => {
          const { value, grads } = vg([tf.scalar(W2.x0), tf.scalar(W2.w), tf.scalar(W2.b)]);
          return [value.dataSync()[0], ...grads.map((g) => g.dataSync()[0])];
        });
        return r;
      };
    },
    async w1() {
      const { X, y, layers } = await w1Setup();
      const Xt = tf.keep(tf.tensor2d(X));
      const Yt = tf.keep(tf.tensor2d(y.map((v) => [v])));
      const vars = layers.flatMap(({ W, b }, l) => [tf.variable(tf.tensor2d(W), true, `W${l}`), tf.variable(tf.tensor1d(b), true, `b${l}`)]);
      const lossFn = () => {
        let h = Xt;
        for (let l = 0; l < layers.length; l++) {
          h = h.matMul(vars[2 * l]).add(vars[2 * l + 1]);
          if (l < layers.length - 1) h = tf.relu(h);
        }
        const data = tf.relu(tf.scalar(1).sub(Yt.mul(h))).mean();
        const reg = tf.addN(vars.map((v) => tf.sum(tf.square(v))));
        return data.add(reg.mul(W1.alpha));
      };
      return () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(lossFn, vars);
          for (const v of vars) v.assign(v.sub(grads[v.name].mul(W1.lr)));
          return value.dataSync()[0];
        });
    },
    w5() {
      return () =>
        tf.tidy(() => {
          const { value, grad } = vg5(tf.tensor1d(p));
          return [value.dataSync()[0], ...grad.dataSync()];
        });
    },
  };
}

async function jsPytorch() {
  const { torch } = await import('js-pytorch');
  // js-pytorch 0.7 has no tanh: tanh z = 1 − 2 / (exp(2z) + 1), from its exp, add, div, sub.
  const tanh = (z) => torch.ones(z.shape).sub(torch.div(2, z.mul(2).exp().add(1)));
  const { x, p } = w5Data();
  const xT = torch.tensor(x);
  return {
    label: 'js-pytorch 0.7.2',
    dtype: 'f64',
    notes: 'tensors of shape [1] for W2, [10] for W5, matrices for W1 (ReLU as z·[z > 0], as js-pytorch nn.ReLU is leaky); tanh composed from exp, add, div and sub (js-pytorch has no tanh): 6 tensor ops per tanh',
    w2(steps) {
      return () => {
        const x0 = torch.tensor([W2.x0], true), w = torch.tensor([W2.w], true), b = torch.tensor([W2.b], true);
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = tanh(xx.mul(w).add(b));
        xx.backward();
        return [xx.data[0], x0.grad[0], w.grad[0], b.grad[0]];
      };
    },
    async w1() {
      const { X, y, layers } = await w1Setup();
      const Xt = torch.tensor(X);
      const negY = torch.tensor(y.map((v) => [-v]));
      // biases as [1, n] rows, broadcast over the batch by ones[100, 1] @ b (js-pytorch's add does not broadcast [100, n] + [n])
      const params = layers.flatMap(({ W, b }) => [torch.tensor(W, true), torch.tensor([b], true)]);
      const ones = torch.ones([X.length, 1]);
      // js-pytorch's nn.ReLU is leaky (slope 1e-3) and it has no SGD: ReLU as z·[z > 0] with the mask a
      // constant tensor (so the gradient is the mask, as ReLU's), and the update as its Adam writes one.
      const mask = (a) => (typeof a[0] === 'number' ? a.map((v) => (v > 0 ? 1 : 0)) : a.map(mask));
      const relu = { forward: (z) => z.mul(torch.tensor(mask(z.data))) };
      return () => {
        let h = Xt;
        for (let l = 0; l < layers.length; l++) {
          h = h.matmul(params[2 * l]).add(ones.matmul(params[2 * l + 1]));
          if (l < layers.length - 1) h = relu.forward(h);
        }
        // js-pytorch's sum and mean reduce the last dimension only: flatten first
        const flat = (t) => t.reshape([t.shape.reduce((m, n) => m * n, 1)]);
        const data = flat(relu.forward(h.mul(negY).add(1))).mean();
        let reg = null;
        for (const q of params) {
          const sq = flat(q.mul(q)).sum();
          reg = reg ? reg.add(sq) : sq;
        }
        const loss = data.add(reg.mul(W1.alpha));
        for (const q of params) q.zero_grad();
        loss.backward();
        for (const q of params) q._data = q.add(q._grad.mul(-W1.lr))._data;
        return loss.data[0];
      };
    },
    w5() {
      return () => {
        const pT = torch.tensor(p, true);
        const f = tanh(pT.mul(xT).add(W5.c)).sum();
        f.backward();
        return [f.data[0], ...pT.grad];
      };
    },
  };
}

async function jaxjs(useJit) {
  const jax = await import('@jax-js/jax');
  const { numpy: np, valueAndGrad, jit, init } = jax;
  const devices = await init('wasm'); // plain init() touches navigator in Node
  if (!devices.includes('wasm')) throw new Error(`init('wasm') gave devices ${JSON.stringify(devices)}`);
  const { x, p } = w5Data();
  const xA = np.array(x);
  const f5 = (pA) => np.tanh(pA.mul(xA.ref).add(W5.c)).sum();
  const vg5 = useJit ? jit(valueAndGrad(f5)) : valueAndGrad(f5);
  const read = (a) => a.dataSync();
  return {
    label: `jax-js 0.1.25, wasm device, ${useJit ? 'jit(valueAndGrad(f))' : 'eager valueAndGrad(f)'}`,
    dtype: 'f32',
    notes: 'float32 arrays of shape [] for W2, [10] for W5',
    w2(steps) {
      const chain = ([x0, w, b]) => {
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = np.tanh(xx.mul(w.ref).add(b.ref));
        w.dispose();
        b.dispose();
        return xx;
      };
      const vg = useJit ? jit(valueAndGrad(chain)) : valueAndGrad(chain);
      return () => {
        const [value, grads] = vg([np.array(W2.x0), np.array(W2.w), np.array(W2.b)]);
        return [read(value)[0], ...grads.map((g) => read(g)[0])];
      };
    },
    async w1() {
      const { X, y, layers } = await w1Setup();
      const Xa = np.array(X);
      const Ya = np.array(y.map((v) => [v]));
      let params = layers.flatMap(({ W, b }) => [np.array(W), np.array(b)]);
      const nl = layers.length;
      const lossFn = (ps) => {
        let h = Xa.ref;
        for (let l = 0; l < nl; l++) {
          h = np.matmul(h, ps[2 * l].ref).add(ps[2 * l + 1].ref);
          if (l < nl - 1) h = jax.nn.relu(h);
        }
        const data = jax.nn.relu(Ya.ref.mul(h).mul(-1).add(1)).mean();
        let reg = null;
        for (const q of ps) {
          const sq = np.sum(q.ref.mul(q));
          reg = reg ? reg.add(sq) : sq;
        }
        return data.add(reg.mul(W1.alpha));
      };
      const vg = useJit ? jit(valueAndGrad(lossFn)) : valueAndGrad(lossFn);
      return () => {
        const [value, grads] = vg(params.map((q) => q.ref));
        params = params.map((q, i) => q.sub(grads[i].mul(W1.lr)));
        return read(value)[0];
      };
    },
    w5() {
      return () => {
        const [value, grad] = vg5(np.array(p));
        return [read(value)[0], ...read(grad)];
      };
    },
  };
}

const ENGINES = {
  wasm: () => wasmgrad('wasm', false),
  js: () => wasmgrad('js', false),
  wasmCompiled: () => wasmgrad('wasm', true),
  jsCompiled: () => wasmgrad('js', true),
  graph: objectGraph,
  tfjsCpu: () => tfjs('cpu'),
  tfjsWasm: () => tfjs('wasm'),
  jsPytorch,
  jax: () => jaxjs(false),
  jaxJit: () => jaxjs(true),
};

async function main() {
  if (!ENGINES[engineKey]) throw new Error(`unknown engine ${engineKey}; one of ${Object.keys(ENGINES).join(', ')}`);
  const t0 = now();
  const e = await ENGINES[engineKey]();
  const setupMs = now() - t0;
  let call, size, firstCallMs;
  if (workload === 'W2') {
    const steps = STEPS;
    const c0 = now();
    call = e.w2(steps);
    const first = call(); // the checked call (for jit engines it includes tracing and compiling)
    firstCallMs = now() - c0;
    size = { steps, opNodes: 3 * steps };
    console.error(`${engineKey} W2: ${steps} steps, first call ${firstCallMs.toFixed(0)} ms`);
    // A call of over a second has warmed itself up: no further warm-up calls.
    const { samples, callsPerSample } = timeIt(call, firstCallMs > 1000 ? { ...W2_TIMING, warmup: 0, warmupMs: 0 } : W2_TIMING);
    const last = call();
    emit({ ok: true, engine: engineKey, workload, label: e.label, dtype: e.dtype, notes: e.notes, size, setupMs, firstCallMs, samples, callsPerSample, check: { first, last } });
  } else if (workload === 'W1') {
    if (!e.w1) throw new Error(`${e.label}: no tensor form of W1 (n/a)`);
    const c0 = now();
    call = await e.w1();
    const losses = [];
    for (let i = 0; i < W1.checkedSteps; i++) losses.push(call()); // the checked steps, from the initial weights
    firstCallMs = now() - c0;
    const { samples, callsPerSample } = timeIt(call, W2_TIMING);
    emit({ ok: true, engine: engineKey, workload, label: e.label, dtype: e.dtype, notes: e.notes, size: { steps: 1 }, setupMs, firstCallMs, samples, callsPerSample, check: { losses } });
  } else if (workload === 'W5') {
    const c0 = now();
    call = e.w5();
    const first = call();
    firstCallMs = now() - c0;
    const { samples, callsPerSample } = timeIt(call, W5_TIMING);
    const last = call();
    emit({ ok: true, engine: engineKey, workload, label: e.label, dtype: e.dtype, notes: e.notes, size: { params: 10 }, setupMs, firstCallMs, samples, callsPerSample, check: { first, last } });
  } else throw new Error(`unknown workload ${workload}`);
}

try {
  await main();
  process.exit(0); // some peers keep handles (worker pools) open
} catch (err) {
  emit({ ok: false, engine: engineKey, workload, error: String(err?.stack ?? err).split('\n').slice(0, 6).join('\n') });
  process.exit(1);
}
