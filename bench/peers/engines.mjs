// The engines of the comparison, one factory each. An engine is an object with a label, a dtype and one
// method per workload it can run (a missing method is reported as n/a with `na[workload]`):
//   w1()        → step()           one two-moons SGD step from the shared initial weights; returns the loss
//   w2(steps)   → call()           the chain forward + backward; returns [x_last, dx0, dw, db]
//   w3(n)       → call()           sum(A@B) forward + backward; returns [loss, ...the w3Probes entries]
//   w4()        → step(probe)      one MLP SGD step; returns the loss, or with probe [loss, ...W4_PROBES]
//   w5()        → call()           returns [f, df/dp_0 .. df/dp_9]
// Every call hands its numbers back to JS (gradients read out of the engine), so lazy engines compute them.
// The workloads and their data: workloads.mjs; method: bench/README.md.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { W1, W2, W3, W4, W5, w1Setup, w3Data, w3Probes, w4Setup, w4ReadProbes, w5Data } from './workloads.mjs';

const W1_N_A_SCALAR = 'n/a: a tensor workload; this engine has scalars only (see the tensor rows)';

// The wasmgrad under test: this checkout's dist/, or a baseline's (compare.mjs --baseline sets
// WASMGRAD_DIST for the processes of its @base rows).
const DIST = process.env.WASMGRAD_DIST ? pathToFileURL(path.join(process.env.WASMGRAD_DIST, 'index.js')).href : '../../dist/index.js';

// ── wasmgrad, scalar Values (eager and compiled) ──

async function wasmgrad(backend, compiled) {
  const { createEngine, nn } = await import(DIST);
  const eng = await createEngine(backend === 'js' ? { backend: 'js' } : {});
  const { x, p } = w5Data();
  const w5f = (ps) => eng.sum(ps.map((pi, i) => pi.mul(x[i]).add(W5.c).tanh()));
  return {
    label: `wasmgrad ${backend === 'js' ? 'JS twin' : 'Wasm'}, scalar, ${compiled ? 'compiled' : 'eager'}`,
    dtype: 'f64',
    na: { W3: W1_N_A_SCALAR, W4: W1_N_A_SCALAR },
    // bench/moons.mjs's step: micrograd's scalar graph (65,814 nodes), with the data as constants when compiled
    async w1() {
      const { X, y } = await w1Setup();
      const model = new nn.MLP(eng, 2, W1.sizes.slice(1), { seed: W1.seed });
      const params = model.parameters();
      const loss = (inputs) => {
        const losses = inputs.map((xi, i) => model.forward(xi)[0].mul(-y[i]).add(1).relu());
        const dataLoss = eng.sum(losses).mul(1.0 / losses.length);
        return dataLoss.add(eng.sum(params.map((q) => q.mul(q))).mul(W1.alpha));
      };
      if (compiled) {
        const program = eng.compile(() => loss(X.map((row) => [eng.value(row[0]), eng.value(row[1])])), []);
        return () => program.step(W1.lr);
      }
      return () => {
        const l = loss(X.map((row) => [eng.value(row[0]), eng.value(row[1])]));
        model.zeroGrad();
        l.backward();
        const v = l.data;
        for (const q of params) q.data -= W1.lr * q.grad;
        eng.reset();
        return v;
      };
    },
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

// ── wasmgrad, tensors (eager; the tensor API has no compile yet) ──

// backend 'wasm': the SIMD build (relaxedSimd false, the same bits on every host) or the relaxed-SIMD one
// (relaxedSimd true: fused multiply-add in matmul; compare.mjs starts its process with the flag Node 20 needs).
async function wasmgradTensor(backend, relaxedSimd = false) {
  const mod = await import(DIST);
  const eng = await mod.createEngine(backend === 'js' ? { backend: 'js' } : { relaxedSimd });
  const label = `wasmgrad ${backend === 'js' ? 'JS twin' : 'Wasm'}, tensor, eager${relaxedSimd ? ', relaxed SIMD' : ''}`;
  // The tensor front end may not be in this build yet: say why instead of failing later.
  let missing = null;
  if (typeof eng.tensor !== 'function') missing = 'not available yet: this build of wasmgrad has no tensor API (eng.tensor)';
  else if (relaxedSimd && eng.wasmBuild !== 'relaxed-simd') missing = `not available: this host runs the ${eng.wasmBuild} build (no relaxed SIMD; Node 20 needs --experimental-wasm-relaxed-simd)`;
  else {
    try {
      const t = eng.tensor([1, 2], [2], { requiresGrad: true });
      t.mul(t).sum().backward();
      eng.reset();
    } catch (err) {
      missing = `not available yet: ${String(err?.message ?? err).split('\n')[0]}`;
    }
  }
  const na = { W2: 'n/a: a scalar chain (see the scalar rows)', W5: 'n/a: a scalar function (see the scalar rows)' };
  if (missing) return { label, unavailable: missing, na, w1() {}, w3() {}, w4() {} };
  const crossEntropy = mod.F?.crossEntropy ?? mod.crossEntropy;
  const Linear = mod.nn?.Linear;
  const SGD = mod.optim?.SGD;
  const f32 = { dtype: 'float32' };
  const transpose = (a, rows, cols) => { // [rows, cols] → [cols, rows], for nn.Linear's [out, in] weight
    const t = new Float32Array(a.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
    return t;
  };
  const { x, p } = w5Data();
  return {
    label,
    dtype: 'f32',
    na,
    async w1() {
      const { X, y, layers } = await w1Setup();
      const Xt = eng.keep(eng.tensor(Float32Array.from(X.flat()), [X.length, 2], f32));
      const negY = eng.keep(eng.tensor(Float32Array.from(y, (v) => -v), [X.length, 1], f32));
      const params = layers.flatMap(({ W, b }) => [eng.parameter(Float32Array.from(W.flat()), [W.length, W[0].length], f32), eng.parameter(Float32Array.from(b), [b.length], f32)]);
      const opt = new SGD(params, { lr: W1.lr });
      return () => {
        let h = Xt;
        for (let l = 0; l < layers.length; l++) {
          h = h.matmul(params[2 * l]).add(params[2 * l + 1]);
          if (l < layers.length - 1) h = h.relu();
        }
        let reg = params[0].mul(params[0]).sum();
        for (let i = 1; i < params.length; i++) reg = reg.add(params[i].mul(params[i]).sum());
        const loss = h.mul(negY).add(1).relu().mean().add(reg.mul(W1.alpha));
        opt.zeroGrad();
        loss.backward();
        const v = loss.item();
        opt.step();
        eng.reset();
        return v;
      };
    },
    w3(n) {
      const { A, B } = w3Data(n);
      const a = eng.parameter(A, [n, n], f32), b = eng.parameter(B, [n, n], f32);
      const probes = w3Probes(n);
      return () => {
        a.zeroGrad();
        b.zeroGrad();
        const loss = a.matmul(b).sum();
        loss.backward();
        const v = loss.item(), gA = a.grad, gB = b.grad;
        eng.reset();
        return [v, ...probes.map(([nm, r, c]) => (nm === 'dA' ? gA : gB)[r * n + c])];
      };
    },
    w4() {
      const d = w4Setup();
      const [nin, nh, nout] = W4.sizes;
      const Xt = eng.keep(eng.tensor(d.X, [W4.batch, nin], f32));
      const l1 = new Linear(eng, nin, nh), l2 = new Linear(eng, nh, nout);
      l1.weight.assign(transpose(d.W1, nin, nh));
      l1.bias.assign(d.b1);
      l2.weight.assign(transpose(d.W2, nh, nout));
      l2.bias.assign(d.b2);
      const opt = new SGD([...l1.parameters(), ...l2.parameters()], { lr: W4.lr });
      return (probe) => {
        const loss = crossEntropy(l2.forward(l1.forward(Xt).relu()), d.y);
        opt.zeroGrad();
        loss.backward();
        const v = loss.item();
        const g = probe ? { W1: transpose(l1.weight.grad, nh, nin), b1: l1.bias.grad, W2: transpose(l2.weight.grad, nout, nh), b2: l2.bias.grad } : null;
        opt.step();
        eng.reset();
        return probe ? [v, ...w4ReadProbes(g)] : v;
      };
    },
  };
}

// ── the object graph: micrograd's engine.py in JS (bench/objectgraph.mjs) ──

async function objectGraph() {
  const { Value, MLP } = await import('../objectgraph.mjs');
  const { x, p } = w5Data();
  return {
    label: 'object graph (micrograd-style JS)',
    dtype: 'f64',
    na: {
      W3: 'n/a: scalar engine; sum(A@B) at n = 64 alone is 0.5 M Value objects per call',
      W4: 'n/a: scalar engine; one MLP 784-128-10 step on 64 rows is ~13 M Value objects',
    },
    async w1() {
      const { X, y, flat } = await w1Setup();
      const model = new MLP(2, W1.sizes.slice(1));
      const params = model.parameters();
      params.forEach((q, i) => (q.data = flat[i]));
      return () => {
        const scores = X.map((row) => model.forward(row.map((v) => new Value(v))));
        const losses = scores.map((s, i) => s.mul(-y[i]).add(1).relu());
        const dataLoss = losses.reduce((a, b) => a.add(b)).mul(1.0 / losses.length);
        const loss = dataLoss.add(params.map((q) => q.mul(q)).reduce((a, b) => a.add(b)).mul(W1.alpha));
        model.zeroGrad();
        loss.backward();
        for (const q of params) q.data -= W1.lr * q.grad;
        return loss.data;
      };
    },
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

// ── TensorFlow.js ──

async function tfjs(backend) {
  const tf = await import('@tensorflow/tfjs'); // the union bundle: it registers the gradients (tfjs-core alone does not)
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the backend finds its .wasm files only from file paths; it runs single-threaded there.
    const { createRequire } = await import('node:module');
    const dir = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]*$/, '');
    wasm.setWasmPaths(dir);
  } else await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`backend is ${tf.getBackend()}, wanted ${backend}`);
  const simd = backend === 'wasm' ? ((await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? ', SIMD' : ', no SIMD') : '';
  const { x, p } = w5Data();
  const xT = tf.keep(tf.tensor1d(x));
  const cT = tf.keep(tf.scalar(W5.c));
  const vg5 = tf.valueAndGrad((pT) => tf.tanh(pT.mul(xT).add(cT)).sum());
  return {
    label: `TensorFlow.js ${tf.version_core}, ${backend} backend${simd}`,
    dtype: 'f32',
    w2(steps) {
      const vg = tf.valueAndGrads((x0, w, b) => {
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = tf.tanh(xx.mul(w).add(b));
        return xx;
      });
      return () =>
        tf.tidy(() => {
          const { value, grads } = vg([tf.scalar(W2.x0), tf.scalar(W2.w), tf.scalar(W2.b)]);
          return [value.dataSync()[0], ...grads.map((g) => g.dataSync()[0])];
        });
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
    w3(n) {
      const { A, B } = w3Data(n);
      const a = tf.keep(tf.tensor2d(A, [n, n])), b = tf.keep(tf.tensor2d(B, [n, n]));
      const vg = tf.valueAndGrads((u, v) => tf.sum(tf.matMul(u, v)));
      const probes = w3Probes(n);
      return () =>
        tf.tidy(() => {
          const { value, grads } = vg([a, b]);
          const gA = grads[0].dataSync(), gB = grads[1].dataSync();
          return [value.dataSync()[0], ...probes.map(([nm, r, c]) => (nm === 'dA' ? gA : gB)[r * n + c])];
        });
    },
    w4() {
      const d = w4Setup();
      const [nin, nh, nout] = W4.sizes;
      const Xt = tf.keep(tf.tensor2d(d.X, [W4.batch, nin]));
      const onehot = tf.keep(tf.oneHot(tf.tensor1d(d.y, 'int32'), nout));
      // variable names are global in TensorFlow.js: W1's workload already has a 'W1'
      const vars = [tf.variable(tf.tensor2d(d.W1, [nin, nh]), true, 'mlp_W1'), tf.variable(tf.tensor1d(d.b1), true, 'mlp_b1'),
        tf.variable(tf.tensor2d(d.W2, [nh, nout]), true, 'mlp_W2'), tf.variable(tf.tensor1d(d.b2), true, 'mlp_b2')];
      const [W1v, b1v, W2v, b2v] = vars;
      const opt = tf.train.sgd(W4.lr);
      const lossFn = () => tf.losses.softmaxCrossEntropy(onehot, tf.relu(Xt.matMul(W1v).add(b1v)).matMul(W2v).add(b2v));
      return (probe) =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(lossFn, vars);
          const out = probe ? [value.dataSync()[0], ...w4ReadProbes(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k.replace('mlp_', ''), g.dataSync()])))] : value.dataSync()[0];
          opt.applyGradients(grads);
          return out;
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

// ── js-pytorch ──

async function jsPytorch() {
  const { torch } = await import('js-pytorch');
  // js-pytorch 0.7 has no tanh: tanh z = 1 − 2 / (exp(2z) + 1), from its exp, add, div, sub.
  const tanh = (z) => torch.ones(z.shape).sub(torch.div(2, z.mul(2).exp().add(1)));
  // js-pytorch's nn.ReLU is leaky (slope 1e-3): ReLU as z·[z > 0], the mask a constant (so its gradient is ReLU's).
  const mask = (a) => (typeof a[0] === 'number' ? a.map((v) => (v > 0 ? 1 : 0)) : a.map(mask));
  const relu = (z) => z.mul(torch.tensor(mask(z.data)));
  // js-pytorch's sum and mean reduce the last dimension only: flatten first
  const flat = (t) => t.reshape([t.shape.reduce((m, n) => m * n, 1)]);
  const rows = (a, r, c) => Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c)));
  const { x, p } = w5Data();
  const xT = torch.tensor(x);
  return {
    label: 'js-pytorch 0.7.2',
    dtype: 'f64',
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
      // biases as [1, n] rows, broadcast over the batch by ones[100, 1] @ b (its add does not broadcast [100, n] + [n])
      const params = layers.flatMap(({ W, b }) => [torch.tensor(W, true), torch.tensor([b], true)]);
      const ones = torch.ones([X.length, 1]);
      return () => {
        let h = Xt;
        for (let l = 0; l < layers.length; l++) {
          h = h.matmul(params[2 * l]).add(ones.matmul(params[2 * l + 1]));
          if (l < layers.length - 1) h = relu(h);
        }
        const data = flat(relu(h.mul(negY).add(1))).mean();
        let reg = null;
        for (const q of params) {
          const sq = flat(q.mul(q)).sum();
          reg = reg ? reg.add(sq) : sq;
        }
        const loss = data.add(reg.mul(W1.alpha));
        for (const q of params) q.zero_grad();
        loss.backward();
        // it has no SGD: the update as its own Adam writes one
        for (const q of params) q._data = q.add(q._grad.mul(-W1.lr))._data;
        return loss.data[0];
      };
    },
    w3(n) {
      const { A, B } = w3Data(n);
      const a = torch.tensor(rows(A, n, n), true), b = torch.tensor(rows(B, n, n), true);
      const probes = w3Probes(n);
      return () => {
        a.zero_grad();
        b.zero_grad();
        const loss = flat(a.matmul(b)).sum();
        loss.backward();
        return [loss.data[0], ...probes.map(([nm, r, c]) => (nm === 'dA' ? a : b).grad[r][c])];
      };
    },
    w4() {
      const d = w4Setup();
      const [nin, nh, nout] = W4.sizes;
      const Xt = torch.tensor(rows(d.X, W4.batch, nin));
      const yT = torch.tensor(Array.from(d.y));
      const ones = torch.ones([W4.batch, 1]);
      const params = [torch.tensor(rows(d.W1, nin, nh), true), torch.tensor([Array.from(d.b1)], true), torch.tensor(rows(d.W2, nh, nout), true), torch.tensor([Array.from(d.b2)], true)];
      const [W1t, b1t, W2t, b2t] = params;
      const ce = new torch.nn.CrossEntropyLoss();
      return (probe) => {
        const hid = relu(Xt.matmul(W1t).add(ones.matmul(b1t)));
        const loss = ce.forward(hid.matmul(W2t).add(ones.matmul(b2t)), yT);
        for (const q of params) q.zero_grad();
        loss.backward();
        const v = loss.data[0] ?? loss.data;
        const out = probe ? [v, ...w4ReadProbes({ W1: W1t.grad.flat(), b1: b1t.grad[0], W2: W2t.grad.flat(), b2: b2t.grad[0] })] : v;
        for (const q of params) q._data = q.add(q._grad.mul(-W4.lr))._data;
        return out;
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

// ── jax-js (wasm device), eager or jit ──

async function jaxjs(useJit) {
  const jax = await import('@jax-js/jax');
  const { numpy: np, valueAndGrad, jit, init } = jax;
  const devices = await init('wasm'); // plain init() touches navigator in Node
  if (!devices.includes('wasm')) throw new Error(`init('wasm') gave devices ${JSON.stringify(devices)}`);
  const { x, p } = w5Data();
  const xA = np.array(x);
  const f5 = (pA) => np.tanh(pA.mul(xA.ref).add(W5.c)).sum();
  const vg5 = useJit ? jit(valueAndGrad(f5)) : valueAndGrad(f5);
  const read = (a) => a.dataSync(); // reading an array consumes this reference to it
  const wrap = (f) => (useJit ? jit(valueAndGrad(f)) : valueAndGrad(f));
  // A training step, params → [loss, updated params]: under jit the update is compiled with the gradient,
  // as jax users write a train step (jitting only valueAndGrad left 8 eager ops per W4 step: 7.6 vs 4.8 ms).
  const trainStep = (loss, lr) => {
    const step = (ps) => {
      const [v, g] = valueAndGrad(loss)(ps.map((q) => q.ref));
      return [v, ps.map((q, i) => q.sub(g[i].mul(lr)))];
    };
    return useJit ? jit(step) : step;
  };
  return {
    label: `jax-js 0.1.25, wasm device, ${useJit ? 'jit(valueAndGrad(f)); W1, W4: the whole train step jitted' : 'eager valueAndGrad(f)'}`,
    dtype: 'f32',
    w2(steps) {
      const vg = wrap(([x0, w, b]) => {
        let xx = x0;
        for (let i = 0; i < steps; i++) xx = np.tanh(xx.mul(w.ref).add(b.ref));
        w.dispose();
        b.dispose();
        return xx;
      });
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
      const step = trainStep((ps) => {
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
      }, W1.lr);
      return () => {
        const [value, next] = step(params);
        params = next;
        return read(value)[0];
      };
    },
    w3(n) {
      const { A, B } = w3Data(n);
      const a = np.array(A).reshape([n, n]), b = np.array(B).reshape([n, n]);
      const vg = wrap(([u, v]) => np.sum(np.matmul(u, v)));
      const probes = w3Probes(n);
      return () => {
        const [value, [gA, gB]] = vg([a.ref, b.ref]);
        const ga = read(gA), gb = read(gB);
        return [read(value)[0], ...probes.map(([nm, r, c]) => (nm === 'dA' ? ga : gb)[r * n + c])];
      };
    },
    w4() {
      const d = w4Setup();
      const [nin, nh, nout] = W4.sizes;
      const Xa = np.array(d.X).reshape([W4.batch, nin]);
      const onehot = jax.nn.oneHot(np.array(d.y, { dtype: np.int32 }), nout);
      let params = [np.array(d.W1).reshape([nin, nh]), np.array(d.b1), np.array(d.W2).reshape([nh, nout]), np.array(d.b2)];
      const loss = ([W1a, b1a, W2a, b2a]) => {
        const h = jax.nn.relu(np.matmul(Xa.ref, W1a).add(b1a));
        const logp = jax.nn.logSoftmax(np.matmul(h, W2a).add(b2a), -1);
        return np.sum(logp.mul(onehot.ref)).mul(-1 / W4.batch);
      };
      const vg = wrap(loss); // the probed first step, which needs the gradients themselves
      const step = trainStep(loss, W4.lr);
      return (probe) => {
        if (!probe) {
          const [value, next] = step(params);
          params = next;
          return read(value)[0];
        }
        const [value, grads] = vg(params.map((q) => q.ref));
        const g = grads.map((t) => read(t.ref));
        params = params.map((q, i) => q.sub(grads[i].mul(W4.lr)));
        return [read(value)[0], ...w4ReadProbes({ W1: g[0], b1: g[1], W2: g[2], b2: g[3] })];
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

export const ENGINES = {
  wasm: { kind: 'wasmgrad', make: () => wasmgrad('wasm', false) },
  wasmCompiled: { kind: 'wasmgrad', make: () => wasmgrad('wasm', true) },
  wasmTensor: { kind: 'wasmgrad', make: () => wasmgradTensor('wasm') },
  wasmTensorRelaxed: { kind: 'wasmgrad', make: () => wasmgradTensor('wasm', true) },
  js: { kind: 'wasmgrad', make: () => wasmgrad('js', false) },
  jsCompiled: { kind: 'wasmgrad', make: () => wasmgrad('js', true) },
  jsTensor: { kind: 'wasmgrad', make: () => wasmgradTensor('js') },
  graph: { kind: 'bench', make: objectGraph },
  tfjsCpu: { kind: 'peer', make: () => tfjs('cpu') },
  tfjsWasm: { kind: 'peer', make: () => tfjs('wasm') },
  jsPytorch: { kind: 'peer', make: jsPytorch },
  jax: { kind: 'peer', make: () => jaxjs(false) },
  jaxJit: { kind: 'peer', make: () => jaxjs(true) },
};
