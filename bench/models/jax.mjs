// W6 and W7 in jax-js, written as jax users write a train step: a pure loss of a list of parameter
// arrays, valueAndGrad, and the optimizer's update as array math returning the new parameters and state
// (jax-js has no optax). With `useJit` the whole step, gradient and update, is one jit-compiled function,
// as in bench/peers/engines.mjs. jax-js frees an array when its last reference is used: every array read
// more than once is passed as `.ref`. Weights are the shared ones: dense kernels as [in, out] (x @ W),
// convolutions in lax.conv's NCHW/OIHW, which are PyTorch's layouts.

import { W6, W7, w6Setup, w7Setup, W6_PARAM_NAMES, W7_PARAM_NAMES, transpose } from './data.mjs';

/** jit when asked; otherwise the function itself (eager). */
const maybeJit = (jax, useJit, f) => (useJit ? jax.jit(f) : f);

export function jaxW6(jax, useJit, cfg = W6) {
  const { numpy: np, nn, valueAndGrad } = jax;
  const { batch: B, seq: T, width: E, heads: H, mlp } = cfg;
  const D = E / H, M = mlp * E;
  const { x, params: p } = w6Setup(cfg);
  const X = np.array(x).reshape([B, T, E]);
  // nn.dotProductAttention(q, k, v, { isCausal: true }) is the call jax users make, but on Node 20 it throws
  // (its einsum parser calls Iterator.prototype.map, which V8 ships from Node 22): attention by hand instead
  const causal = np.tril(np.ones([T, T], { dtype: np.bool }));
  const kernels = { 'attn.in_proj_weight': [3 * E, E], 'attn.out_proj.weight': [E, E], 'fc1.weight': [M, E], 'fc2.weight': [E, M] };
  let params = W6_PARAM_NAMES.map((n) => (kernels[n] ? np.array(transpose(p[n], ...kernels[n])).reshape([kernels[n][1], kernels[n][0]]) : np.array(p[n])));
  let ms = params.map((q) => np.zeros(q.shape));
  let vs = params.map((q) => np.zeros(q.shape));
  const ln = (t, g, b) => nn.standardize(t, -1, { epsilon: cfg.eps }).mul(g).add(b);
  const loss = ([ln1w, ln1b, wqkv, bqkv, wo, bo, ln2w, ln2b, w1, b1, w2, b2]) => {
    const x0 = X.ref;
    const qkv = np.matmul(ln(x0.ref, ln1w, ln1b), wqkv).add(bqkv);
    const [q, k, v] = np.split(qkv, 3, -1).map((t) => np.transpose(t.reshape([B, T, H, D]), [0, 2, 1, 3]));
    const scores = np.where(causal.ref, np.matmul(q, np.swapaxes(k, -1, -2)).mul(1 / Math.sqrt(D)), -Infinity);
    const o = np.transpose(np.matmul(nn.softmax(scores, -1), v), [0, 2, 1, 3]).reshape([B, T, E]);
    const h = x0.add(np.matmul(o, wo).add(bo));
    const y = h.ref.add(np.matmul(nn.gelu(np.matmul(ln(h, ln2w, ln2b), w1).add(b1), { approximate: false }), w2).add(b2));
    return np.mean(y.ref.mul(y));
  };
  const [b1, b2] = cfg.betas, { lr, adamEps: eps, weightDecay: wd } = cfg;
  // AdamW as torch.optim.AdamW: p ← p·(1 − lr·wd) − lr·m̂/(√v̂ + eps); c1, c2 = 1/(1 − β^t), passed as arrays so
  // that jit compiles the step once rather than once per t
  const step = maybeJit(jax, useJit, ([ps, m0, v0, c1, c2]) => {
    const [value, g] = valueAndGrad(loss)(ps.map((q) => q.ref));
    const out = ps.map((q, i) => {
      const m = m0[i].mul(b1).add(g[i].ref.mul(1 - b1));
      const v = v0[i].mul(b2).add(g[i].ref.mul(g[i]).mul(1 - b2));
      const upd = m.ref.mul(c1.ref).div(np.sqrt(v.ref.mul(c2.ref)).add(eps));
      return [q.mul(1 - lr * wd).sub(upd.mul(lr)), m, v];
    });
    c1.dispose();
    c2.dispose();
    return [value, out.map((o) => o[0]), out.map((o) => o[1]), out.map((o) => o[2])];
  });
  let t = 0;
  return () => {
    t++;
    const [value, nps, nms, nvs] = step([params, ms, vs, np.array(1 / (1 - b1 ** t)), np.array(1 / (1 - b2 ** t))]);
    params = nps;
    ms = nms;
    vs = nvs;
    return value.dataSync()[0];
  };
}

export function jaxW7(jax, useJit, cfg = W7) {
  const { numpy: np, nn, lax, valueAndGrad } = jax;
  const B = cfg.batch;
  const { x, y, params: p } = w7Setup(cfg);
  const X = np.array(x).reshape([B, 1, 28, 28]);
  const onehot = nn.oneHot(np.array(Array.from(y), { dtype: np.int32 }), cfg.classes);
  const shapes = { 'conv1.weight': [6, 1, 5, 5], 'conv2.weight': [16, 6, 5, 5] };
  const dense = { 'fc1.weight': [120, 400], 'fc2.weight': [84, 120], 'fc3.weight': [10, 84] };
  let params = W7_PARAM_NAMES.map((n) => (shapes[n] ? np.array(p[n]).reshape(shapes[n]) : dense[n] ? np.array(transpose(p[n], ...dense[n])).reshape([dense[n][1], dense[n][0]]) : np.array(p[n])));
  let vel = params.map((q) => np.zeros(q.shape));
  // jax has no max_pool outside flax: reduce_window with max over 2×2 windows, stride 2
  const pool = (t) => lax.reduceWindow(t, (w) => np.max(w), [2, 2], [2, 2]);
  const loss = ([c1, c1b, c2, c2b, f1, f1b, f2, f2b, f3, f3b]) => {
    let h = pool(nn.relu(lax.conv(X.ref, c1, [1, 1], [[2, 2], [2, 2]]).add(c1b.reshape([1, 6, 1, 1]))));
    h = pool(nn.relu(lax.conv(h, c2, [1, 1], 'VALID').add(c2b.reshape([1, 16, 1, 1])))).reshape([B, 400]);
    h = nn.relu(np.matmul(h, f1).add(f1b));
    h = nn.relu(np.matmul(h, f2).add(f2b));
    const logp = nn.logSoftmax(np.matmul(h, f3).add(f3b), -1);
    return np.sum(logp.mul(onehot.ref)).mul(-1 / B);
  };
  // SGD with momentum as torch.optim.SGD: v ← μ·v + g, p ← p − lr·v (v starts at 0, so the first v is g)
  const step = maybeJit(jax, useJit, ([ps, v0]) => {
    const [value, g] = valueAndGrad(loss)(ps.map((q) => q.ref));
    const v = v0.map((vi, i) => vi.mul(cfg.momentum).add(g[i]));
    return [value, ps.map((q, i) => q.sub(v[i].ref.mul(cfg.lr))), v];
  });
  return () => {
    const [value, nps, nv] = step([params, vel]);
    params = nps;
    vel = nv;
    return value.dataSync()[0];
  };
}
