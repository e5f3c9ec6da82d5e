// The two model workloads of bench/models.mjs, their seeded data and initial weights (the same numbers in
// every engine, in PyTorch's layouts), and an f64 reference of the loss at those weights computed in plain
// JS without any autograd engine: the first step's loss of every engine is checked against it.
//
//   W6  one training step of a pre-LayerNorm transformer block:
//         h = x + MHA(LN1(x)) (causal), y = h + fc2(GELU(fc1(LN2(h)))), loss = mean(y²), AdamW
//   W7  one training step of LeNet-5 on 28×28 digits:
//         conv(1→6, 5×5, pad 2) → ReLU → maxpool 2 → conv(6→16, 5×5) → ReLU → maxpool 2 → flatten
//         → 400→120 → ReLU → 120→84 → ReLU → 84→10, softmax cross-entropy, SGD with momentum

/** Sizes and hyperparameters. `quick`/`tiny` variants only shrink W6 (W7's 28×28 shapes fix its layers). */
export const W6 = { batch: 8, seq: 64, width: 128, heads: 4, mlp: 4, eps: 1e-5, lr: 1e-3, betas: [0.9, 0.999], adamEps: 1e-8, weightDecay: 0.01, seed: 6 };
export const W7 = { batch: 64, classes: 10, lr: 0.01, momentum: 0.9, seed: 7 };
/** The first steps every engine runs from the shared weights before it is timed; their losses are compared. */
export const CHECKED_STEPS = 3;

/** mulberry32: a small seeded PRNG, so the data are the same in every process. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uniform = (n, lo, hi, r) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
/** Box–Muller, f32. */
function normal(n, r) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r(), v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/**
 * W6's input x [B, T, E] ~ N(0, 1) and its 12 parameters in torch.nn's layouts and default inits:
 * LayerNorm weight 1, bias 0; MultiheadAttention in_proj_weight [3E, E] xavier_uniform, in_proj_bias 0,
 * out_proj.weight [E, E] U(±1/√E), out_proj.bias 0; Linear weight [out, in] U(±1/√in), bias U(±1/√in).
 */
export function w6Setup(cfg = W6) {
  const { batch: B, seq: T, width: E, mlp } = cfg;
  const M = mlp * E;
  const r = mulberry32(cfg.seed);
  const lin = (out, inn) => {
    const b = 1 / Math.sqrt(inn);
    return { weight: uniform(out * inn, -b, b, r), bias: uniform(out, -b, b, r) };
  };
  const xb = Math.sqrt(6 / (E + 3 * E));
  const inProjWeight = uniform(3 * E * E, -xb, xb, r);
  const outB = 1 / Math.sqrt(E);
  const outProjWeight = uniform(E * E, -outB, outB, r);
  const fc1 = lin(M, E), fc2 = lin(E, M);
  const x = normal(B * T * E, r);
  const ones = new Float32Array(E).fill(1), zeros = new Float32Array(E);
  return {
    x,
    params: {
      'ln1.weight': ones, 'ln1.bias': zeros,
      'attn.in_proj_weight': inProjWeight, 'attn.in_proj_bias': new Float32Array(3 * E),
      'attn.out_proj.weight': outProjWeight, 'attn.out_proj.bias': new Float32Array(E),
      'ln2.weight': ones.slice(), 'ln2.bias': zeros.slice(),
      'fc1.weight': fc1.weight, 'fc1.bias': fc1.bias, 'fc2.weight': fc2.weight, 'fc2.bias': fc2.bias,
    },
  };
}

/** W7's batch: pixels U[0, 1) [B, 1, 28, 28] (NCHW), labels uniform over 10 classes, and LeNet's weights. */
export function w7Setup(cfg = W7) {
  const r = mulberry32(cfg.seed);
  const B = cfg.batch;
  const x = uniform(B * 28 * 28, 0, 1, r);
  const y = Int32Array.from({ length: B }, () => Math.floor(r() * cfg.classes));
  const layer = (shape) => {
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const b = 1 / Math.sqrt(fanIn);
    return { weight: uniform(shape.reduce((a, b2) => a * b2, 1), -b, b, r), bias: uniform(shape[0], -b, b, r) };
  };
  const c1 = layer([6, 1, 5, 5]), c2 = layer([16, 6, 5, 5]), f1 = layer([120, 400]), f2 = layer([84, 120]), f3 = layer([10, 84]);
  return {
    x, y,
    params: {
      'conv1.weight': c1.weight, 'conv1.bias': c1.bias, 'conv2.weight': c2.weight, 'conv2.bias': c2.bias,
      'fc1.weight': f1.weight, 'fc1.bias': f1.bias, 'fc2.weight': f2.weight, 'fc2.bias': f2.bias, 'fc3.weight': f3.weight, 'fc3.bias': f3.bias,
    },
  };
}
export const W6_PARAM_NAMES = ['ln1.weight', 'ln1.bias', 'attn.in_proj_weight', 'attn.in_proj_bias', 'attn.out_proj.weight', 'attn.out_proj.bias', 'ln2.weight', 'ln2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
export const W7_PARAM_NAMES = ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias'];

/** [rows, cols] → [cols, rows]: torch's Linear [out, in] to the [in, out] kernels TensorFlow.js and jax users write. */
export function transpose(a, rows, cols) {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/** [O, I, KH, KW] (torch) → [KH, KW, I, O] (TensorFlow.js's conv2d filter). */
export function oihwToHwio(a, O, I, KH, KW) {
  const t = new Float32Array(a.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let h = 0; h < KH; h++) for (let w = 0; w < KW; w++) t[((h * KW + w) * I + i) * O + o] = a[((o * I + i) * KH + h) * KW + w];
  return t;
}

/** NCHW → NHWC. */
export function nchwToNhwc(a, N, C, H, W) {
  const t = new Float32Array(a.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) t[((n * H + h) * W + w) * C + c] = a[((n * C + c) * H + h) * W + w];
  return t;
}

/**
 * LeNet's fc1 weight [120, 400] (torch: inputs flattened as c·25 + h·5 + w from NCHW) as the [400, 120]
 * kernel of an NHWC model, whose flatten orders them (h·5 + w)·16 + c: the same function of the same
 * activations, so the engines share the loss without an extra transpose in the timed step.
 */
export function fc1ForNhwc(w) {
  const t = new Float32Array(w.length);
  for (let o = 0; o < 120; o++) for (let c = 0; c < 16; c++) for (let p = 0; p < 25; p++) t[(p * 16 + c) * 120 + o] = w[o * 400 + c * 25 + p];
  return t;
}

// ── the f64 reference: forward only, plain loops ──

/** erf to ~1e-15: its Maclaurin series below 2.5, erfc's continued fraction above. */
export function erf(x) {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let t = ax;
  for (let n = 80; n >= 1; n--) t = ax + n / 2 / t;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t;
  return Math.sign(x) * (1 - erfc);
}

/** y[r, :] = x[r, :]·Wᵀ + b for x [R, I], W [O, I]. */
function linear64(x, R, I, W, b, O) {
  const y = new Float64Array(R * O);
  for (let r = 0; r < R; r++) for (let o = 0; o < O; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < I; i++) s += x[r * I + i] * W[o * I + i];
    y[r * O + o] = s;
  }
  return y;
}

function layerNorm64(x, R, E, g, b, eps) {
  const y = new Float64Array(R * E);
  for (let r = 0; r < R; r++) {
    let m = 0;
    for (let i = 0; i < E; i++) m += x[r * E + i];
    m /= E;
    let v = 0;
    for (let i = 0; i < E; i++) v += (x[r * E + i] - m) ** 2;
    v /= E;
    const s = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < E; i++) y[r * E + i] = (x[r * E + i] - m) * s * g[i] + b[i];
  }
  return y;
}

/** The loss mean(y²) of W6's block at the shared weights, in f64. */
export function w6ReferenceLoss(cfg = W6) {
  const { batch: B, seq: T, width: E, heads: H } = cfg;
  const M = cfg.mlp * E, D = E / H, R = B * T;
  const { x, params: p } = w6Setup(cfg);
  const a = layerNorm64(x, R, E, p['ln1.weight'], p['ln1.bias'], cfg.eps);
  const qkv = linear64(a, R, E, p['attn.in_proj_weight'], p['attn.in_proj_bias'], 3 * E);
  const o = new Float64Array(R * E);
  const scale = 1 / Math.sqrt(D);
  const s = new Float64Array(T);
  for (let bb = 0; bb < B; bb++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
    const qi = (bb * T + i) * 3 * E + h * D;
    let mx = -Infinity;
    for (let j = 0; j <= i; j++) { // causal: query i sees keys 0..i
      const kj = (bb * T + j) * 3 * E + E + h * D;
      let d = 0;
      for (let k = 0; k < D; k++) d += qkv[qi + k] * qkv[kj + k];
      s[j] = d * scale;
      mx = Math.max(mx, s[j]);
    }
    let z = 0;
    for (let j = 0; j <= i; j++) { s[j] = Math.exp(s[j] - mx); z += s[j]; }
    for (let k = 0; k < D; k++) {
      let acc = 0;
      for (let j = 0; j <= i; j++) acc += s[j] * qkv[(bb * T + j) * 3 * E + 2 * E + h * D + k];
      o[(bb * T + i) * E + h * D + k] = acc / z;
    }
  }
  const attn = linear64(o, R, E, p['attn.out_proj.weight'], p['attn.out_proj.bias'], E);
  const hh = new Float64Array(R * E);
  for (let i = 0; i < R * E; i++) hh[i] = x[i] + attn[i];
  const u = linear64(layerNorm64(hh, R, E, p['ln2.weight'], p['ln2.bias'], cfg.eps), R, E, p['fc1.weight'], p['fc1.bias'], M);
  for (let i = 0; i < u.length; i++) u[i] = 0.5 * u[i] * (1 + erf(u[i] / Math.SQRT2));
  const m = linear64(u, R, M, p['fc2.weight'], p['fc2.bias'], E);
  let loss = 0;
  for (let i = 0; i < R * E; i++) loss += (hh[i] + m[i]) ** 2;
  return loss / (R * E);
}

function conv64(x, N, C, H, W, w, b, O, K, pad) {
  const HO = H + 2 * pad - K + 1, WO = W + 2 * pad - K + 1;
  const y = new Float64Array(N * O * HO * WO);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let s = b[o];
    for (let c = 0; c < C; c++) for (let ki = 0; ki < K; ki++) {
      const hi = i + ki - pad;
      if (hi < 0 || hi >= H) continue;
      for (let kj = 0; kj < K; kj++) {
        const wj = j + kj - pad;
        if (wj < 0 || wj >= W) continue;
        s += x[((n * C + c) * H + hi) * W + wj] * w[((o * C + c) * K + ki) * K + kj];
      }
    }
    y[((n * O + o) * HO + i) * WO + j] = s;
  }
  return { y, HO, WO };
}

/** ReLU then 2×2 max pooling, stride 2, NCHW. */
function reluPool64(x, N, C, H, W) {
  const HO = H / 2, WO = W / 2;
  const y = new Float64Array(N * C * HO * WO);
  for (let nc = 0; nc < N * C; nc++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let m = 0;
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) m = Math.max(m, x[(nc * H + 2 * i + a) * W + 2 * j + b]);
    y[(nc * HO + i) * WO + j] = m;
  }
  return y;
}

/** The mean softmax cross-entropy of LeNet at the shared weights, in f64. */
export function w7ReferenceLoss(cfg = W7) {
  const { x, y, params: p } = w7Setup(cfg);
  const N = cfg.batch;
  const c1 = conv64(x, N, 1, 28, 28, p['conv1.weight'], p['conv1.bias'], 6, 5, 2);
  const p1 = reluPool64(c1.y, N, 6, 28, 28);
  const c2 = conv64(p1, N, 6, 14, 14, p['conv2.weight'], p['conv2.bias'], 16, 5, 0);
  const p2 = reluPool64(c2.y, N, 16, 10, 10);
  const relu = (a) => a.map((v) => Math.max(v, 0));
  const h1 = relu(linear64(p2, N, 400, p['fc1.weight'], p['fc1.bias'], 120));
  const h2 = relu(linear64(h1, N, 120, p['fc2.weight'], p['fc2.bias'], 84));
  const logits = linear64(h2, N, 84, p['fc3.weight'], p['fc3.bias'], 10);
  let loss = 0;
  for (let n = 0; n < N; n++) {
    const row = logits.subarray(n * 10, n * 10 + 10);
    const mx = Math.max(...row);
    let z = 0;
    for (const v of row) z += Math.exp(v - mx);
    loss += Math.log(z) + mx - row[y[n]];
  }
  return loss / N;
}
