// Random valid tensor programs. A recipe (plain numbers, which fast-check
// generates and shrinks) becomes a plan: a list of steps whose shapes were
// checked against the documented rules while planning, so every step is
// valid, and which runs unchanged on any engine.
import fc from 'fast-check';
import { F, Random, type Engine, type Tensor } from '../../src/index.js';

export interface Recipe {
  seed: number;
  base: number[];
  leaves: number[];
  steps: [number, number, number, number, number][];
  outputs: number;
}

export const recipe = (): fc.Arbitrary<Recipe> =>
  fc.record({
    seed: fc.nat(1_000_000),
    base: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
    leaves: fc.array(fc.nat(255), { minLength: 1, maxLength: 3 }),
    steps: fc.array(fc.tuple(fc.nat(25), fc.nat(), fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 14 }),
    outputs: fc.integer({ min: 1, max: 3 }),
  });

type Shape = readonly number[];

export interface Step {
  what: string;
  /** Whether the step multiplies matrices (matmul, linear, conv): the relaxed-SIMD build may fuse those. */
  fused: boolean;
  run(eng: Engine, nodes: Tensor[], leaf: (shape: Shape, k: number) => Tensor): Tensor;
}

export interface Plan {
  steps: Step[];
  shapes: Shape[];
  /** The nodes summed (with fixed weights) into the loss. */
  outputs: number[];
  seed: number;
}

const fmt = (s: Shape) => `[${s.join(',')}]`;

function broadcast(a: Shape, b: Shape): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

function matmulShape(a: Shape, b: Shape): number[] | null {
  if (a.length === 0 || b.length === 0) return null;
  const a2 = a.length === 1 ? [1, a[0]] : a, b2 = b.length === 1 ? [b[0], 1] : b;
  if (a2[a2.length - 1] !== b2[b2.length - 2]) return null;
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  if (batch === null) return null;
  const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (b.length === 1) out.pop();
  if (a.length === 1) out.splice(out.length - (b.length === 1 ? 1 : 2), 1);
  return out;
}

function permutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  const r = new Random(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function axesOf(rank: number, bits: number): number[] {
  return Array.from({ length: rank }, (_, d) => d).filter((d) => (bits >> d) & 1);
}

const UNARY = ['neg', 'exp', 'tanh', 'sigmoid', 'relu', 'abs', 'sin', 'cos', 'gelu'] as const;
const BINARY = ['add', 'sub', 'mul', 'maximum', 'minimum'] as const;
const REDUCE = ['sum', 'mean', 'max', 'min', 'var', 'logsumexp'] as const;

export function plan(r: Recipe): Plan {
  const steps: Step[] = [];
  const shapes: Shape[] = [];
  let leaves = 0;
  const push = (shape: Shape, what: string, run: Step['run'], fused = false) => {
    shapes.push(shape);
    steps.push({ what: `${shapes.length - 1}: ${what} → ${fmt(shape)}`, fused, run });
  };
  const newLeaf = (shape: Shape) => leaves++ + 1000 * shapes.length;

  for (const mask of r.leaves) {
    // Each leaf is the base shape with some dims set to 1 and some leading dims dropped: they all broadcast together.
    const drop = mask % (r.base.length + 1);
    const shape = r.base.slice(drop).map((d, i) => ((mask >> (i + 2)) & 1 ? 1 : d));
    const k = newLeaf(shape);
    push(shape, `leaf ${fmt(shape)}`, (_, __, leaf) => leaf(shape, k));
  }

  for (const [op, i, j, x, y] of r.steps) {
    const ia = i % shapes.length, ib = j % shapes.length;
    const a = shapes[ia], b = shapes[ib], rank = a.length;
    const unary = () => {
      const name = UNARY[x % UNARY.length];
      push(a, `${name}(#${ia})`, (_, n) => n[ia][name]());
    };
    const before = shapes.length;
    switch (op) {
      case 0: unary(); break;
      case 1: {
        const out = broadcast(a, b);
        const name = BINARY[x % BINARY.length];
        if (out === null) push(a, `${name}(#${ia}, #${ia})`, (_, n) => n[ia][name](n[ia]));
        else push(out, `${name}(#${ia}, #${ib})`, (_, n) => n[ia][name](n[ib]));
        break;
      }
      case 2: {
        const c = [-1.5, -1, -0.5, 0.5, 1, 2, 3][y % 7];
        const name = (['add', 'sub', 'mul', 'div'] as const)[x % 4];
        push(a, `${name}(#${ia}, ${c})`, (_, n) => n[ia][name](c));
        break;
      }
      case 3: {
        const out = broadcast(a, b);
        if (out === null) { unary(); break; }
        if (x % 2) push(out, `div(#${ia}, abs(#${ib}) + 0.5)`, (_, n) => n[ia].div(n[ib].abs().add(0.5)));
        else push(out, `pow(abs(#${ia}) + 0.5, tanh(#${ib}))`, (_, n) => n[ia].abs().add(0.5).pow(n[ib].tanh()));
        break;
      }
      case 4: {
        const name = REDUCE[x % REDUCE.length];
        const axes = axesOf(rank, y);
        const keepdims = ((y >> 8) & 1) === 1;
        if (name === 'var' && axes.reduce((p, d) => p * a[d], 1) < 2) { unary(); break; }
        const shape = keepdims ? a.map((d, k) => (axes.includes(k) ? 1 : d)) : a.filter((_, k) => !axes.includes(k));
        push(shape, `${name}(#${ia}, [${axes}], keepdims ${keepdims})`, (_, n) => n[ia][name](axes, { keepdims }));
        break;
      }
      case 5: {
        if (rank === 0) { unary(); break; }
        const K = a[rank - 1], cols = 1 + (x % 3);
        const bShape = y % 3 === 0 ? [K] : y % 3 === 1 || rank < 2 ? [K, cols] : [2, ...a.slice(-2, -1).map(() => K), cols].slice(-3);
        const out = matmulShape(a, bShape);
        if (out === null) { unary(); break; }
        const k = newLeaf(bShape);
        push(out, `matmul(#${ia}, leaf ${fmt(bShape)})`, (_, n, leaf) => n[ia].matmul(leaf(bShape, k)), true);
        break;
      }
      case 6: {
        const out = matmulShape(a, b);
        if (out !== null) { push(out, `matmul(#${ia}, #${ib})`, (_, n) => n[ia].matmul(n[ib]), true); break; }
        if (rank < 2) { unary(); break; }
        const gram = [...a.slice(0, -2), a[rank - 2], a[rank - 2]];
        push(gram, `matmul(#${ia}, #${ia}ᵀ)`, (_, n) => n[ia].matmul(n[ia].transpose()), true);
        break;
      }
      case 7: {
        if (rank < 2) { unary(); break; }
        const p = permutation(rank, y);
        push(p.map((d) => a[d]), `permute(#${ia}, [${p}])`, (_, n) => n[ia].permute(p));
        break;
      }
      case 8: {
        const kind = x % 4;
        if (kind === 0) push([a.reduce((p, q) => p * q, 1)], `flatten(#${ia})`, (_, n) => n[ia].flatten());
        else if (kind === 1 && rank < 4) { const ax = y % (rank + 1); const s = a.slice(); s.splice(ax, 0, 1); push(s, `unsqueeze(#${ia}, ${ax})`, (_, n) => n[ia].unsqueeze(ax)); }
        else if (kind === 2) push(a.filter((d) => d !== 1), `squeeze(#${ia})`, (_, n) => n[ia].squeeze());
        else if (rank >= 2) { const s = [-1, a[rank - 1]]; push([a.reduce((p, q) => p * q, 1) / a[rank - 1], a[rank - 1]], `reshape(#${ia}, [-1,${a[rank - 1]}])`, (_, n) => n[ia].reshape(s)); }
        else unary();
        break;
      }
      case 9: {
        if (rank >= 4) { unary(); break; }
        const to = [1 + (x % 3), ...a.map((d, k) => (d === 1 && (y >> k) & 1 ? 3 : d))];
        push(to, `expand(#${ia}, ${fmt(to)})`, (_, n) => n[ia].expand(to));
        break;
      }
      case 10: {
        if (rank === 0) { unary(); break; }
        const starts = a.map((d, k) => (y >> (2 * k)) % d);
        const ends = a.map((d, k) => starts[k] + 1 + ((x >> (2 * k)) % (d - starts[k])));
        // negative bounds count from the end, as Python's
        const s2 = starts.map((s, k) => ((x >> k) & 1 ? s - a[k] : s));
        push(starts.map((s, k) => ends[k] - s), `slice(#${ia}, [${s2}], [${ends}])`, (_, n) => n[ia].slice(s2, ends));
        break;
      }
      case 11: {
        const w = a.map((_, k) => [(x >> k) & 1, (y >> k) & 1] as [number, number]);
        const c = [0, -1, 0.5][y % 3];
        push(a.map((d, k) => d + w[k][0] + w[k][1]), `pad(#${ia}, ${JSON.stringify(w)}, ${c})`, (_, n) => n[ia].pad(w, c));
        break;
      }
      case 12: {
        if (rank === 0) { unary(); break; }
        const ax = x % rank;
        const fits = b.length === rank && b.every((d, k) => k === ax || d === a[k]);
        const other = fits ? ib : ia;
        const s = a.slice();
        s[ax] += shapes[other][ax];
        push(s, `concat([#${ia}, #${other}], ${ax})`, (eng, n) => eng.concat([n[ia], n[other]], ax));
        break;
      }
      case 13: {
        const ax = x % (rank + 1);
        const same = b.length === rank && b.every((d, k) => d === a[k]);
        const s = a.slice();
        s.splice(ax, 0, 2);
        if (same) push(s, `stack([#${ia}, #${ib}], ${ax})`, (eng, n) => eng.stack([n[ia], n[ib]], ax));
        else push(s, `stack([#${ia}, neg #${ia}], ${ax})`, (eng, n) => eng.stack([n[ia], n[ia].neg()], ax));
        break;
      }
      case 14: {
        if (rank === 0) { unary(); break; }
        const ax = x % rank;
        const idx = Array.from({ length: 1 + (y % 4) }, (_, k) => (y >> (2 + 2 * k)) % a[ax]);
        const s = a.slice();
        s[ax] = idx.length;
        push(s, `indexSelect(#${ia}, ${ax}, [${idx}])`, (_, n) => n[ia].indexSelect(ax, idx));
        break;
      }
      case 15: {
        const out = broadcast(a, b);
        if (out === null) { push(a, `where(#${ia} > 0, #${ia}, -1)`, (eng, n) => eng.where(n[ia].gt(0), n[ia], -1)); break; }
        push(out, `where(#${ia} > #${ib}, #${ia}, #${ib})`, (eng, n) => eng.where(n[ia].gt(n[ib]), n[ia], n[ib]));
        break;
      }
      case 16: {
        if (rank === 0) { unary(); break; }
        const ax = x % rank;
        const name = (['softmax', 'logSoftmax'] as const)[y % 2];
        push(a, `${name}(#${ia}, ${ax})`, (_, n) => n[ia][name](ax));
        break;
      }
      case 17: {
        if (rank !== 2) { unary(); break; }
        const targets = Array.from({ length: a[0] }, (_, k) => (y >> k) % a[1]);
        push([], `crossEntropy(#${ia}, [${targets}])`, (_, n) => F.crossEntropy(n[ia], targets));
        break;
      }
      case 18: {
        if (x % 2) push(a, `#${ia}.to(float32).to(float64)`, (_, n) => n[ia].to('float32').to('float64'));
        else push(a, `detach(#${ia}) · #${ia}`, (_, n) => n[ia].detach().mul(n[ia]));
        break;
      }
      case 19: {
        const lo = [-1, -0.5, 0][x % 3], hi = [0.25, 1, 2][y % 3];
        push(a, `clamp(#${ia}, ${lo}, ${hi})`, (_, n) => n[ia].clamp(lo, hi));
        break;
      }
      case 20: {
        const c = [2, 0.5, -1, 3, 1.5][y % 5];
        const name = (['sqrt', 'log'] as const)[x % 2];
        if ((x >> 1) % 2) push(a, `pow(abs(#${ia}) + 0.5, ${c})`, (_, n) => n[ia].abs().add(0.5).pow(c));
        else push(a, `${name}(abs(#${ia}) + 0.1)`, (_, n) => n[ia].abs().add(0.1)[name]());
        break;
      }
      case 21: {
        if (rank === 0) { push(a, `leakyRelu(#${ia}, 0.1)`, (_, n) => n[ia].leakyRelu(0.1)); break; }
        const K = a[rank - 1], out = 1 + (y % 3);
        const kw = newLeaf([out, K]), kb = newLeaf([out]);
        push([...a.slice(0, -1), out], `linear(#${ia}, leaf [${out},${K}], leaf [${out}])`, (_, n, leaf) => F.linear(n[ia], leaf([out, K], kw), leaf([out], kb)), true);
        break;
      }
      case 22: {
        // a convolution of new leaves: N, C, H, W and O, C, KH, KW from the step's numbers
        const N = 1 + (x % 2), C = 1 + ((x >> 1) % 2), H = 3 + ((x >> 2) % 3), W = 3 + ((x >> 4) % 3);
        const O = 1 + (y % 2), KH = 1 + ((y >> 1) % 3), KW = 1 + ((y >> 3) % 3);
        const stride = 1 + ((y >> 5) % 2), padding = (y >> 6) % 2;
        const HO = Math.floor((H + 2 * padding - KH) / stride) + 1, WO = Math.floor((W + 2 * padding - KW) / stride) + 1;
        const kx = newLeaf([N, C, H, W]), kk = newLeaf([O, C, KH, KW]);
        push([N, O, HO, WO], `conv2d(leaf [${N},${C},${H},${W}], leaf [${O},${C},${KH},${KW}], stride ${stride}, padding ${padding})`,
          (_, __, leaf) => F.conv2d(leaf([N, C, H, W], kx), leaf([O, C, KH, KW], kk), null, { stride, padding }), true);
        break;
      }
      case 24: {
        if (rank === 0 || a[x % rank] === 0) { unary(); break; }
        const ax = x % rank, kind = y % 4, descending = ((y >> 2) & 1) === 1;
        if (kind === 0) push(a, `sort(#${ia}, ${ax}, descending ${descending}).values`, (_, n) => n[ia].sort(ax, { descending }).values);
        else if (kind === 1) {
          const k = 1 + ((y >> 3) % a[ax]);
          push(a.map((d, j) => (j === ax ? k : d)), `topk(#${ia}, ${k}, ${ax}, largest ${!descending}).values`, (_, n) => n[ia].topk(k, ax, { largest: !descending }).values);
        } else if (kind === 2) push(a, `cumsum(#${ia}, ${ax})`, (_, n) => n[ia].cumsum(ax));
        else push(a, `cumprod(#${ia}, ${ax})`, (_, n) => n[ia].cumprod(ax));
        break;
      }
      case 25: {
        if (rank === 0 || a[x % rank] === 0) { unary(); break; }
        // an index box no larger than the input in any dim, entries from the step's numbers (repeats included)
        const ax = x % rank;
        const iShape = a.map((d, j) => (j === ax ? 1 + (y % d) : d));
        const count = iShape.reduce((p, q) => p * q, 1);
        const entries = Array.from({ length: count }, (_, k) => ((y >> (k % 16)) + k) % a[ax]);
        const index = (eng: Engine) => eng.tensor(Int32Array.from(entries), iShape);
        if ((y >> 4) & 1) push(iShape, `gather(#${ia}, ${ax}, [${entries}])`, (eng, n) => n[ia].gather(ax, index(eng)));
        else push(a, `scatterAdd(#${ia}, ${ax}, [${entries}], #${ia})`, (eng, n) => n[ia].scatterAdd(ax, index(eng), n[ia]));
        break;
      }
      default: {
        if (rank !== 4 || a[2] < 2 || a[3] < 2) { unary(); break; }
        const name = (['maxPool2d', 'avgPool2d'] as const)[x % 2];
        const k = 2, stride = 1 + (y % 2), padding = (y >> 1) % 2;
        const out = [a[0], a[1], Math.floor((a[2] + 2 * padding - k) / stride) + 1, Math.floor((a[3] + 2 * padding - k) / stride) + 1];
        push(out, `${name}(#${ia}, 2, stride ${stride}, padding ${padding})`, (_, n) => F[name](n[ia], k, { stride, padding }));
      }
    }
    // Keep programs small (a few thousand elements, rank at most 6): the point is many shapes, not big ones.
    const made = shapes[shapes.length - 1];
    if (shapes.length > before && (made.length > 6 || made.reduce((p, q) => p * q, 1) > 4096)) {
      shapes.pop();
      steps.pop();
      unary();
    }
  }
  const outputs = Array.from({ length: Math.min(r.outputs, shapes.length) }, (_, k) => shapes.length - 1 - k);
  return { steps, shapes, outputs, seed: r.seed };
}

export interface Result {
  values: number[][];
  grads: number[][];
  loss: number;
}

/** Runs the plan on `eng` in float64: every node's values, the loss Σ w·output, and every leaf's gradient. */
export function execute(eng: Engine, p: Plan): Result {
  const leaves: Tensor[] = [];
  const leaf = (shape: Shape, k: number) => {
    const r = new Random(p.seed * 7919 + k);
    const size = shape.reduce((a, b) => a * b, 1);
    const t = eng.tensor(Float64Array.from({ length: size }, () => r.uniform(-2, 2)), shape.slice(), { dtype: 'float64', requiresGrad: true });
    leaves.push(t);
    return t;
  };
  const nodes: Tensor[] = [];
  for (const step of p.steps) {
    const t = step.run(eng, nodes, leaf);
    nodes.push(t);
  }
  let loss: Tensor | null = null;
  for (const k of p.outputs) {
    const r = new Random(p.seed + 31 * k);
    const w = eng.tensor(Float64Array.from({ length: nodes[k].size }, () => r.uniform(0.5, 1.5)), nodes[k].shape.slice(), { dtype: 'float64' });
    const term = nodes[k].mul(w).sum();
    loss = loss === null ? term : loss.add(term);
  }
  const result: Result = { values: nodes.map((t) => Array.from(t.data())), grads: [], loss: loss!.item() };
  if (loss!.requiresGrad) loss!.backward();
  result.grads = leaves.map((t) => Array.from(t.grad ?? []));
  eng.reset();
  return result;
}
