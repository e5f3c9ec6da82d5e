// A tensor graph as a picture: the loss of a small MLP (Linear, Tanh,
// Linear, mean squared error) on a batch of 8, swept backward and drawn by
// toSvg with each parameter under its PyTorch name, its shape and the norm of
// its gradient; written to docs/tensor-graph.svg.
//
//   npm run build && node examples/tensor-graph.mjs [out.svg]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEngine, F, nn } from 'wasmgrad';
import { toDot, toSvg } from 'wasmgrad/viz';

const out = process.argv[2] ?? fileURLToPath(new URL('../docs/tensor-graph.svg', import.meta.url));

const eng = await createEngine({ seed: 1 });
const model = new nn.Sequential(new nn.Linear(eng, 2, 16), new nn.Tanh(), new nn.Linear(eng, 16, 1));
const x = eng.randn([8, 2]);
const y = x.sum([1], { keepdims: true }).tanh();
const loss = F.mse(model.forward(x), y);
loss.backward();

const options = { params: model, title: 'MSE loss of a 2-16-1 tanh MLP on a batch of 8, after loss.backward()' };
writeFileSync(out, await toSvg(loss, options));
console.log(`loss ${loss.item().toFixed(4)}; wrote ${out} (${toDot(loss, options).split('\n').length} lines of DOT)`);
