// The engines and cases of bench/transforms.mjs (the function transforms: hvp, jvp, hessian), in the form
// bench/peers/worker.mjs drives (`node worker.mjs ENGINE transforms`): an engine is an object with a label,
// a dtype and one method per case, named as the case's key in lower case, that builds the case and returns
// call() → the numbers it checks. A case an engine cannot run is in `na` with the reason.
//
// Cases (T4: the W4 MLP loss of compare.mjs, without the SGD update; T5: W5's f(p) = Σ tanh(p_i·x_i + 0.1)):
//   T4forward   the loss                                         → [loss]
//   T4grad      eng.grad / jax.grad of the loss, all parameters  → the W4_PROBES entries of the gradient
//   T4backward  loss.backward() on parameters (wasmgrad only)    → the same entries
//   T4hvp       the Hessian-vector product along V               → the W4_PROBES entries of H·V
//   T4jvp       the forward-mode derivative along V              → [loss, dloss·V]
//   T5forward   f(p)                                             → [f]
//   T5jvp       f and its derivative along v                     → [f, df·v]
//   T5hessian   the full 10×10 Hessian                           → its 100 entries, row by row
// Each returns its numbers to JS, so lazy engines compute what is timed. The f64 references are below.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { W4, W5, f32Data, w4Setup, w4ReadProbes, W4_PROBES, w5Data } from './workloads.mjs';

const DIST = process.env.WASMGRAD_DIST ? pathToFileURL(path.join(process.env.WASMGRAD_DIST, 'index.js')).href : '../../dist/index.js';

export const T4_CASES = ['T4forward', 'T4grad', 'T4backward', 'T4hvp', 'T4jvp'];
export const T5_CASES = ['T5forward', 'T5jvp', 'T5hessian'];

/** The tangent V of T4: one f32 tensor per parameter, in the parameter's init range. */
export function t4Tangents() {
  const [nin, nh, nout] = W4.sizes;
  const b1b = 1 / Math.sqrt(nin), b2b = 1 / Math.sqrt(nh);
  return { W1: f32Data(nin * nh, W4.seed + 20, -b1b, b1b), b1: f32Data(nh, W4.seed + 21, -b1b, b1b), W2: f32Data(nh * nout, W4.seed + 22, -b2b, b2b), b2: f32Data(nout, W4.seed + 23, -b2b, b2b) };
}

/** The tangent v of T5. */
export const t5Tangent = () => Array.from({ length: W5.n }, (_, i) => Math.fround(Math.cos(i)));

// ── f64 references, plain JS ──

/** W4's loss and full gradient in f64 at parameters { W1, b1, W2, b2 } (flat, [in, out] layout). */
function w4LossGrad({ W1, b1, W2, b2 }) {
  const { X, y } = w4Setup();
  const [nin, nh, nout] = W4.sizes, B = W4.batch;
  const h = new Float64Array(B * nh), lg = new Float64Array(B * nout);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < nh; j++) {
      let a = b1[j];
      for (let k = 0; k < nin; k++) a += X[i * nin + k] * W1[k * nh + j];
      h[i * nh + j] = a > 0 ? a : 0;
    }
    for (let j = 0; j < nout; j++) {
      let a = b2[j];
      for (let k = 0; k < nh; k++) a += h[i * nh + k] * W2[k * nout + j];
      lg[i * nout + j] = a;
    }
  }
  let loss = 0;
  const dlg = new Float64Array(B * nout);
  for (let i = 0; i < B; i++) {
    let m = -Infinity;
    for (let j = 0; j < nout; j++) m = Math.max(m, lg[i * nout + j]);
    let se = 0;
    for (let j = 0; j < nout; j++) se += Math.exp(lg[i * nout + j] - m);
    const lse = m + Math.log(se);
    loss += lse - lg[i * nout + y[i]];
    for (let j = 0; j < nout; j++) dlg[i * nout + j] = (Math.exp(lg[i * nout + j] - lse) - (j === y[i] ? 1 : 0)) / B;
  }
  const g = { W1: new Float64Array(nin * nh), b1: new Float64Array(nh), W2: new Float64Array(nh * nout), b2: new Float64Array(nout) };
  const dh = new Float64Array(B * nh);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < nout; j++) {
      const d = dlg[i * nout + j];
      g.b2[j] += d;
      for (let k = 0; k < nh; k++) {
        g.W2[k * nout + j] += h[i * nh + k] * d;
        dh[i * nh + k] += d * W2[k * nout + j];
      }
    }
  for (let i = 0; i < B; i++)
    for (let k = 0; k < nh; k++) {
      const d = h[i * nh + k] > 0 ? dh[i * nh + k] : 0;
      if (d === 0) continue;
      g.b1[k] += d;
      for (let q = 0; q < nin; q++) g.W1[q * nh + k] += X[i * nin + q] * d;
    }
  return { loss: loss / B, g };
}

const NAMES = ['W1', 'b1', 'W2', 'b2'];
const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const probeNames = (what) => W4_PROBES.map(([p, r, c]) => `${what} ${p}[${r}]${c === undefined ? '' : `[${c}]`}`);

/**
 * { values, scales, names } per case, in f64. H·V is the central difference of the f64 gradient along V
 * with a step of 1e-6 (the loss is smooth in the logits and ReLU is piecewise linear, so the error is the
 * step's rounding, ~1e-10 relative, unless a step crosses a ReLU kink: ~0.01 expected crossings of 8192).
 */
export function transformReferences() {
  const d = w4Setup();
  const P = Object.fromEntries(NAMES.map((k) => [k, Float64Array.from(d[k])]));
  const V = t4Tangents();
  const { loss, g } = w4LossGrad(P);
  const eps = 1e-6;
  const shifted = (s) => w4LossGrad(Object.fromEntries(NAMES.map((k) => [k, P[k].map((p, i) => p + s * eps * V[k][i])]))).g;
  const gp = shifted(1), gm = shifted(-1);
  const hv = Object.fromEntries(NAMES.map((k) => [k, gp[k].map((v, i) => (v - gm[k][i]) / (2 * eps))]));
  let dir = 0, dirScale = 0;
  for (const k of NAMES) for (let i = 0; i < g[k].length; i++) { dir += g[k][i] * V[k][i]; dirScale += Math.abs(g[k][i] * V[k][i]); }
  const gradRef = { values: w4ReadProbes(g), scales: W4_PROBES.map(([p]) => maxAbs(g[p])), names: probeNames('dloss/d') };

  const { x, p } = w5Data();
  const v = t5Tangent();
  let f = 0, df = 0, dfScale = 0, fScale = 0;
  const H = new Array(W5.n * W5.n).fill(0);
  for (let i = 0; i < W5.n; i++) {
    const t = Math.tanh(p[i] * x[i] + W5.c);
    f += t;
    fScale += Math.abs(t);
    df += (1 - t * t) * x[i] * v[i];
    dfScale += Math.abs((1 - t * t) * x[i] * v[i]);
    H[i * W5.n + i] = -2 * t * (1 - t * t) * x[i] * x[i];
  }
  const hScale = maxAbs(H);
  return {
    T4forward: { values: [loss], scales: [Math.abs(loss)], names: ['loss'] },
    T4grad: gradRef,
    T4backward: gradRef,
    T4hvp: { values: w4ReadProbes(hv), scales: W4_PROBES.map(([q]) => maxAbs(hv[q])), names: probeNames('(H·V)') },
    T4jvp: { values: [loss, dir], scales: [Math.abs(loss), dirScale], names: ['loss', 'dloss·V'] },
    T5forward: { values: [f], scales: [fScale], names: ['f'] },
    T5jvp: { values: [f, df], scales: [fScale, dfScale], names: ['f', 'df·v'] },
    T5hessian: { values: H, scales: H.map(() => hScale), names: H.map((_, k) => `H[${Math.floor(k / W5.n)}][${k % W5.n}]`) },
  };
}

// ── wasmgrad: tensors for T4 (eager: tensors have no compile yet), Values for T5 (eager or compiled) ──

async function wasmgrad(backend, compiled) {
  const mod = await import(DIST);
  const { F } = mod;
  const eng = await mod.createEngine(backend === 'js' ? { backend: 'js' } : { relaxedSimd: false });
  const na = {};
  const { x, p } = w5Data();
  const v = t5Tangent();
  const f5 = (...ps) => eng.sum(ps.map((pi, i) => pi.mul(x[i]).add(W5.c).tanh()));
  const label = `wasmgrad ${backend === 'js' ? 'JS twin' : 'Wasm'}, ${compiled ? 'compiled (T5: eng.compile once, program.forward per call)' : 'eager'}`;
  if (compiled) for (const c of T4_CASES) na[c] = 'n/a: tensors have no compile yet (see the eager row)';

  const f32 = { dtype: 'float32' };
  const [nin, nh, nout] = W4.sizes;
  const shapes = { W1: [nin, nh], b1: [nh], W2: [nh, nout], b2: [nout] };
  const d = w4Setup();
  const V = t4Tangents();
  const X = eng.keep(eng.tensor(d.X, [W4.batch, nin], f32));
  const P = NAMES.map((k) => eng.keep(eng.tensor(d[k], shapes[k], f32)));
  const Vt = NAMES.map((k) => eng.keep(eng.tensor(V[k], shapes[k], f32)));
  const loss = (W1, b1, W2, b2) => F.crossEntropy(X.matmul(W1).add(b1).relu().matmul(W2).add(b2), d.y);
  const probes = (ts) => w4ReadProbes(Object.fromEntries(NAMES.map((k, i) => [k, ts[i]])));
  // Tensor jvp may not exist yet: the row then says why.
  if (!compiled) {
    try {
      eng.jvp((t) => t.mul(t).sum(), [P[1]], [Vt[1]]);
    } catch (err) {
      na.T4jvp = `n/a: ${String(err?.message ?? err).split('\n')[0].slice(0, 160)}`;
    }
    eng.reset();
  }

  return {
    label,
    dtype: 'f32 (T4), f64 (T5)',
    na,
    t4forward: () => () => {
      const r = [loss(...P).item()];
      eng.reset();
      return r;
    },
    t4grad: () => () => {
      const g = eng.grad(loss, { argnums: [0, 1, 2, 3] })(...P);
      const r = probes(g.map((t) => t.data()));
      eng.reset();
      return r;
    },
    t4backward: () => {
      const params = NAMES.map((k) => eng.parameter(d[k], shapes[k], f32));
      return () => {
        for (const q of params) q.zeroGrad();
        loss(...params).backward();
        const r = probes(params.map((q) => q.grad));
        eng.reset();
        return r;
      };
    },
    t4hvp: () => () => {
      const hv = eng.hvp(loss, P, Vt);
      const r = probes(hv.map((t) => t.data()));
      eng.reset();
      return r;
    },
    t4jvp: () => () => {
      const [out, tangent] = eng.jvp(loss, P, Vt);
      const r = [out.item(), tangent.item()];
      eng.reset();
      return r;
    },
    t5forward() {
      if (compiled) {
        const program = eng.compile(f5, p);
        return () => program.forward(p);
      }
      return () => {
        const r = [f5(...p.map((q) => eng.value(q))).data];
        eng.reset();
        return r;
      };
    },
    t5jvp() {
      if (compiled) {
        const program = eng.compile((...pv) => eng.jvp(f5, pv.slice(0, W5.n), pv.slice(W5.n)), [...p, ...v]);
        const input = [...p, ...v];
        return () => program.forward(input);
      }
      return () => {
        const [out, tangent] = eng.jvp(f5, p, v);
        const r = [out.data, tangent.data];
        eng.reset();
        return r;
      };
    },
    t5hessian() {
      if (compiled) {
        const program = eng.compile((...ps) => eng.hessian(f5)(...ps).flat(), p);
        return () => program.forward(p);
      }
      return () => {
        const r = eng.hessian(f5)(...p).flat().map((h) => h.data);
        eng.reset();
        return r;
      };
    },
  };
}

// ── jax-js (wasm device), eager or jit ──

async function jaxjs(useJit) {
  const jax = await import('@jax-js/jax');
  const { numpy: np, grad, jvp, hessian, jit, init } = jax;
  const devices = await init('wasm'); // plain init() touches navigator in Node
  if (!devices.includes('wasm')) throw new Error(`init('wasm') gave devices ${JSON.stringify(devices)}`);
  const J = (f) => (useJit ? jit(f) : f);
  const read = (a) => a.dataSync(); // reading an array consumes this reference to it

  const { x, p } = w5Data();
  const v = t5Tangent();
  const xA = np.array(x);
  const f5 = (pA) => np.tanh(pA.mul(xA.ref).add(W5.c)).sum();

  const d = w4Setup();
  const V = t4Tangents();
  const [nin, nh, nout] = W4.sizes;
  const shapes = { W1: [nin, nh], b1: [nh], W2: [nh, nout], b2: [nout] };
  const Xa = np.array(d.X).reshape([W4.batch, nin]);
  const onehot = jax.nn.oneHot(np.array(d.y, { dtype: np.int32 }), nout);
  const params = NAMES.map((k) => np.array(d[k]).reshape(shapes[k]));
  const tangents = NAMES.map((k) => np.array(V[k]).reshape(shapes[k]));
  const loss = ([W1a, b1a, W2a, b2a]) => {
    const h = jax.nn.relu(np.matmul(Xa.ref, W1a).add(b1a));
    const logp = jax.nn.logSoftmax(np.matmul(h, W2a).add(b2a), -1);
    return np.sum(logp.mul(onehot.ref)).mul(-1 / W4.batch);
  };
  const refs = (list) => list.map((q) => q.ref);
  const probes = (ts) => w4ReadProbes(Object.fromEntries(NAMES.map((k, i) => [k, read(ts[i])])));

  return {
    label: `jax-js 0.1.25, wasm device, ${useJit ? 'jit(transform(f))' : 'eager transform(f)'}`,
    dtype: 'f32',
    na: {
      T4backward: 'n/a: jax has no backward(); its gradient is the T4grad row',
    },
    t4forward() {
      const fn = J(loss);
      return () => [read(fn(refs(params)))[0]];
    },
    t4grad() {
      const fn = J(grad(loss));
      return () => probes(fn(refs(params)));
    },
    t4hvp() {
      // forward over reverse, as jax's docs write hvp
      const fn = J((ps, ts) => jvp(grad(loss), [ps], [ts]));
      return () => {
        const [g, hv] = fn(refs(params), refs(tangents));
        for (const t of g) t.dispose(); // the gradient comes with it; unread arrays are not freed
        return probes(hv);
      };
    },
    t4jvp() {
      const fn = J((ps, ts) => jvp(loss, [ps], [ts]));
      return () => fn(refs(params), refs(tangents)).map((t) => read(t)[0]);
    },
    t5forward() {
      const fn = J(f5);
      return () => [read(fn(np.array(p)))[0]];
    },
    t5jvp() {
      const fn = J((pA, vA) => jvp(f5, [pA], [vA]));
      return () => fn(np.array(p), np.array(v)).map((t) => read(t)[0]);
    },
    t5hessian() {
      const fn = J(hessian(f5));
      return () => Array.from(read(fn(np.array(p))));
    },
  };
}

export const TRANSFORM_ENGINES = {
  wasm: { kind: 'wasmgrad', make: () => wasmgrad('wasm', false) },
  wasmCompiled: { kind: 'wasmgrad', make: () => wasmgrad('wasm', true) },
  js: { kind: 'wasmgrad', make: () => wasmgrad('js', false) },
  jsCompiled: { kind: 'wasmgrad', make: () => wasmgrad('js', true) },
  jax: { kind: 'peer', make: () => jaxjs(false) },
  jaxJit: { kind: 'peer', make: () => jaxjs(true) },
};
