// W6 and W7 in TensorFlow.js, written as its users write a custom training step: tf.variable weights in
// its layouts ([in, out] dense kernels, NHWC images, [kh, kw, in, out] filters), tf.variableGrads and an
// optimizer's applyGradients inside tf.tidy. `tf` is the loaded @tensorflow/tfjs with its backend set.
// TensorFlow.js has no LayerNorm, GELU, attention or AdamW op: each is written from its ops below
// (tf.moments, tf.erf, batched tf.matMul with a causal bias, tf.train.adam after the decoupled decay).

import { W6, W7, w6Setup, w7Setup, transpose, oihwToHwio, nchwToNhwc, fc1ForNhwc } from './data.mjs';

let models = 0; // variable names are global in TensorFlow.js

export function tfjsW6(tf, cfg = W6) {
  const { batch: B, seq: T, width: E, heads: H, mlp } = cfg;
  const D = E / H, M = mlp * E, tag = `w6_${models++}_`;
  const { x, params: p } = w6Setup(cfg);
  const v = (name, values, shape) => tf.variable(tf.tensor(values, shape), true, tag + name);
  const vars = {
    ln1g: v('ln1g', p['ln1.weight'], [E]), ln1b: v('ln1b', p['ln1.bias'], [E]),
    wqkv: v('wqkv', transpose(p['attn.in_proj_weight'], 3 * E, E), [E, 3 * E]), bqkv: v('bqkv', p['attn.in_proj_bias'], [3 * E]),
    wo: v('wo', transpose(p['attn.out_proj.weight'], E, E), [E, E]), bo: v('bo', p['attn.out_proj.bias'], [E]),
    ln2g: v('ln2g', p['ln2.weight'], [E]), ln2b: v('ln2b', p['ln2.bias'], [E]),
    w1: v('w1', transpose(p['fc1.weight'], M, E), [E, M]), b1: v('b1', p['fc1.bias'], [M]),
    w2: v('w2', transpose(p['fc2.weight'], E, M), [M, E]), b2: v('b2', p['fc2.bias'], [E]),
  };
  const list = Object.values(vars);
  const xt = tf.keep(tf.tensor(x, [B * T, E]));
  // 0 on and below the diagonal, −1e9 above: exp underflows to exactly 0 there, as with −∞
  const causal = tf.keep(tf.tensor(Float32Array.from({ length: T * T }, (_, k) => (k % T > Math.floor(k / T) ? -1e9 : 0)), [T, T]));
  const layerNorm = (t, g, b) => {
    const { mean, variance } = tf.moments(t, -1, true);
    return t.sub(mean).div(variance.add(cfg.eps).sqrt()).mul(g).add(b);
  };
  const gelu = (t) => t.mul(0.5).mul(tf.erf(t.mul(Math.SQRT1_2)).add(1));
  const heads = (t) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]);
  const lossFn = () => {
    const qkv = tf.matMul(layerNorm(xt, vars.ln1g, vars.ln1b), vars.wqkv).add(vars.bqkv);
    const [q, k, vv] = tf.split(qkv, 3, -1).map(heads);
    const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(D)).add(causal));
    const o = tf.matMul(att, vv).transpose([0, 2, 1, 3]).reshape([B * T, E]);
    const h = xt.add(tf.matMul(o, vars.wo).add(vars.bo));
    const y = h.add(tf.matMul(gelu(tf.matMul(layerNorm(h, vars.ln2g, vars.ln2b), vars.w1).add(vars.b1)), vars.w2).add(vars.b2));
    return tf.mean(tf.square(y));
  };
  const opt = tf.train.adam(cfg.lr, cfg.betas[0], cfg.betas[1], cfg.adamEps);
  const decay = 1 - cfg.lr * cfg.weightDecay;
  return () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, list);
      for (const w of list) w.assign(w.mul(decay)); // AdamW: the decoupled decay, then Adam's update
      opt.applyGradients(grads);
      return value.dataSync()[0];
    });
}

export function tfjsW7(tf, cfg = W7) {
  const B = cfg.batch, tag = `w7_${models++}_`;
  const { x, y, params: p } = w7Setup(cfg);
  const v = (name, values, shape) => tf.variable(tf.tensor(values, shape), true, tag + name);
  const vars = {
    c1: v('c1', oihwToHwio(p['conv1.weight'], 6, 1, 5, 5), [5, 5, 1, 6]), c1b: v('c1b', p['conv1.bias'], [6]),
    c2: v('c2', oihwToHwio(p['conv2.weight'], 16, 6, 5, 5), [5, 5, 6, 16]), c2b: v('c2b', p['conv2.bias'], [16]),
    f1: v('f1', fc1ForNhwc(p['fc1.weight']), [400, 120]), f1b: v('f1b', p['fc1.bias'], [120]),
    f2: v('f2', transpose(p['fc2.weight'], 84, 120), [120, 84]), f2b: v('f2b', p['fc2.bias'], [84]),
    f3: v('f3', transpose(p['fc3.weight'], 10, 84), [84, 10]), f3b: v('f3b', p['fc3.bias'], [10]),
  };
  const list = Object.values(vars);
  const xt = tf.keep(tf.tensor(nchwToNhwc(x, B, 1, 28, 28), [B, 28, 28, 1]));
  const onehot = tf.keep(tf.oneHot(tf.tensor1d(y, 'int32'), cfg.classes));
  const lossFn = () => {
    let h = tf.maxPool(tf.relu(tf.conv2d(xt, vars.c1, 1, 'same').add(vars.c1b)), 2, 2, 'valid');
    h = tf.maxPool(tf.relu(tf.conv2d(h, vars.c2, 1, 'valid').add(vars.c2b)), 2, 2, 'valid').reshape([B, 400]);
    h = tf.relu(tf.matMul(h, vars.f1).add(vars.f1b));
    h = tf.relu(tf.matMul(h, vars.f2).add(vars.f2b));
    return tf.losses.softmaxCrossEntropy(onehot, tf.matMul(h, vars.f3).add(vars.f3b));
  };
  const opt = tf.train.momentum(cfg.lr, cfg.momentum); // v = μ·v + g, p −= lr·v: torch.optim.SGD's momentum
  return () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, list);
      opt.applyGradients(grads);
      return value.dataSync()[0];
    });
}
