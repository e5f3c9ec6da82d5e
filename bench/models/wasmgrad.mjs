// W6 and W7 in wasmgrad, written with its nn modules as a user would. `mod` is the library's module
// (dist/index.js under the benchmark, src/index.ts under the test), `eng` an engine made from it.
// Each builder returns step(): one training step (forward, loss, backward, optimizer step, eng.reset()),
// returning the loss as a JS number.

import { W6, W7, w6Setup, w7Setup } from './data.mjs';

// cfg.dtype 'float64' builds the same model in f64 (the test compares its loss with the f64 reference to
// ~1e-12); the benchmark runs f32, as every peer does.
const dtypeOf = (cfg) => cfg.dtype ?? 'float32';

/** Sets each named parameter to the shared initial values (PyTorch layouts, so no reshuffling). */
function assignAll(named, values) {
  for (const [name, p] of Object.entries(named)) {
    if (!values[name]) throw new Error(`no initial values for ${name}`);
    p.assign(p.dtype === 'float64' ? Float64Array.from(values[name]) : values[name]);
  }
}

/** The pre-LayerNorm transformer block, AdamW. */
export function wasmgradW6(mod, eng, cfg = W6) {
  const { nn, optim } = mod;
  const { batch: B, seq: T, width: E, heads: H, mlp } = cfg;
  const { x, params } = w6Setup(cfg);
  const dtype = dtypeOf(cfg);
  const ln1 = new nn.LayerNorm(eng, E, { eps: cfg.eps, dtype });
  const attn = new nn.MultiheadAttention(eng, E, H, { dtype });
  const ln2 = new nn.LayerNorm(eng, E, { eps: cfg.eps, dtype });
  const fc1 = new nn.Linear(eng, E, mlp * E, { dtype });
  const gelu = new nn.GELU();
  const fc2 = new nn.Linear(eng, mlp * E, E, { dtype });
  const named = {
    'ln1.weight': ln1.weight, 'ln1.bias': ln1.bias,
    'attn.in_proj_weight': attn.inProjWeight, 'attn.in_proj_bias': attn.inProjBias,
    'attn.out_proj.weight': attn.outProj.weight, 'attn.out_proj.bias': attn.outProj.bias,
    'ln2.weight': ln2.weight, 'ln2.bias': ln2.bias,
    'fc1.weight': fc1.weight, 'fc1.bias': fc1.bias, 'fc2.weight': fc2.weight, 'fc2.bias': fc2.bias,
  };
  assignAll(named, params);
  const xt = eng.keep(eng.tensor(dtype === 'float64' ? Float64Array.from(x) : x, [B, T, E], { dtype }));
  const opt = new optim.AdamW(Object.values(named), { lr: cfg.lr, betas: cfg.betas, eps: cfg.adamEps, weightDecay: cfg.weightDecay });
  return () => {
    const h = xt.add(attn.forward(ln1.forward(xt), undefined, undefined, { isCausal: true }));
    const y = h.add(fc2.forward(gelu.forward(fc1.forward(ln2.forward(h)))));
    const loss = y.mul(y).mean();
    opt.zeroGrad();
    loss.backward();
    const v = loss.item();
    opt.step();
    eng.reset();
    return v;
  };
}

/** LeNet-5, SGD with momentum. */
export function wasmgradW7(mod, eng, cfg = W7) {
  const { nn, optim, F } = mod;
  const B = cfg.batch;
  const { x, y, params } = w7Setup(cfg);
  const dtype = dtypeOf(cfg);
  const conv1 = new nn.Conv2d(eng, 1, 6, 5, { padding: 2, dtype });
  const conv2 = new nn.Conv2d(eng, 6, 16, 5, { dtype });
  const fc1 = new nn.Linear(eng, 400, 120, { dtype }), fc2 = new nn.Linear(eng, 120, 84, { dtype }), fc3 = new nn.Linear(eng, 84, 10, { dtype });
  const named = {
    'conv1.weight': conv1.weight, 'conv1.bias': conv1.bias, 'conv2.weight': conv2.weight, 'conv2.bias': conv2.bias,
    'fc1.weight': fc1.weight, 'fc1.bias': fc1.bias, 'fc2.weight': fc2.weight, 'fc2.bias': fc2.bias, 'fc3.weight': fc3.weight, 'fc3.bias': fc3.bias,
  };
  assignAll(named, params);
  const xt = eng.keep(eng.tensor(dtype === 'float64' ? Float64Array.from(x) : x, [B, 1, 28, 28], { dtype }));
  const labels = Array.from(y);
  const opt = new optim.SGD(Object.values(named), { lr: cfg.lr, momentum: cfg.momentum });
  return () => {
    let h = F.maxPool2d(conv1.forward(xt).relu(), 2);
    h = F.maxPool2d(conv2.forward(h).relu(), 2).reshape([B, 400]);
    const logits = fc3.forward(fc2.forward(fc1.forward(h).relu()).relu());
    const loss = F.crossEntropy(logits, labels);
    opt.zeroGrad();
    loss.backward();
    const v = loss.item();
    opt.step();
    eng.reset();
    return v;
  };
}
