// The registry's rules (src/generated/rules.ts) evaluated on tensors, for
// every elementwise op, tensor-only ones included, on both backends:
// - each vjp rule gives what the fused tensor backward gives, to 1 ulp per element;
// - each jvp rule is the vjp rules' transpose: jvp(dx, dy) = dx·vjp_x(1) + dy·vjp_y(1);
// - the rules, being differentiable, give second derivatives through the
//   ordinary tensor backward that match central differences of the fused
//   first derivative.

import { beforeAll, describe, expect, it } from 'vitest';
import { OPS } from '../registry/ops.mjs';
import type { Op as RegistryOp } from '../registry/ops.d.mts';
import { RULES, type RuleOpName } from '../src/generated/rules.js';
import { Random } from '../src/random.js';
import { TENSOR_HELPERS } from '../src/transforms/tensor.js';
import type { BackendName, Engine, Tensor } from '../src/index.js';
import { BACKENDS, engine, expectClose } from './helpers.js';

const ELEMENTWISE = OPS.filter((op) => op.method !== null && op.check !== null);
const N = 6;

/** Records the op through the path its methods take (Tensor#applyUnary, #applyBinary), Gelu's hand-written method too. */
function apply(op: RegistryOp, x: Tensor, y?: Tensor): Tensor {
  const r = x as unknown as { applyUnary(op: number): Tensor; applyBinary(op: number, other: Tensor): Tensor };
  return op.arity === 1 ? r.applyUnary(op.id) : r.applyBinary(op.id, y!);
}

/** Seeded points in the op's check ranges, off kinks and ties. */
function columns(op: RegistryOp, seed: number): number[][] {
  const rng = new Random(seed);
  const cols: number[][] = Array.from({ length: op.arity }, () => []);
  while (cols[0].length < N) {
    const x = rng.uniform(...op.check!.x);
    const y = op.check!.y ? rng.uniform(...op.check!.y) : 0;
    if (Math.abs(x) < 1e-2 || (op.arity === 2 && Math.abs(x - y) < 1e-2)) continue;
    cols[0].push(x);
    if (op.arity === 2) cols[1].push(y);
  }
  return cols;
}

function ulps(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return Math.abs(a - b) / 2 ** (Math.floor(Math.log2(Math.abs(b || Number.MIN_VALUE))) - 52);
}

const engines = new Map<BackendName, Engine>();
beforeAll(async () => {
  for (const backend of BACKENDS) engines.set(backend, await engine(backend));
});

describe.each(BACKENDS)('the rules on tensors (%s)', (backend) => {
  const f64 = (eng: Engine, c: readonly number[], requiresGrad = false) => eng.tensor(c, [c.length], { dtype: 'float64', requiresGrad });

  for (const op of ELEMENTWISE) {
    const rule = RULES[op.name as RuleOpName];
    describe(op.name, () => {
      it('vjp: the fused backward\'s gradient, to 1 ulp per element', () => {
        const eng = engines.get(backend)!;
        const cols = columns(op, op.id + 7);
        const xs = cols.map((c) => f64(eng, c, true));
        const out = apply(op, xs[0], xs[1]);
        out.sum().backward();
        const parts = rule.vjp(eng.ones([N], { dtype: 'float64' }), xs[0], xs[1], out, TENSOR_HELPERS);
        for (let k = 0; k < op.arity; k++) {
          const fused = xs[k].grad!, recorded = parts[k]!.data();
          for (let i = 0; i < N; i++) {
            expect(ulps(recorded[i], fused[i]), `${op.name} at (${cols.map((c) => c[i]).join(', ')}) d/dinput ${k}: ${recorded[i]} vs ${fused[i]}`).toBeLessThanOrEqual(1);
          }
        }
        eng.reset();
      });

      it('jvp: dx·vjp_x(1) + dy·vjp_y(1)', () => {
        const eng = engines.get(backend)!;
        const cols = columns(op, op.id + 8);
        const xs = cols.map((c) => f64(eng, c));
        const out = apply(op, xs[0], xs[1]);
        const rng = new Random(op.id);
        const tangents = cols.map(() => Array.from({ length: N }, () => rng.uniform(-2, 2)));
        const ts = tangents.map((t) => f64(eng, t));
        const jvp = rule.jvp(ts[0], ts[1], xs[0], xs[1], out, TENSOR_HELPERS).data();
        const parts = rule.vjp(eng.ones([N], { dtype: 'float64' }), xs[0], xs[1], out, TENSOR_HELPERS).map((p) => p!.data());
        for (let i = 0; i < N; i++) {
          const expected = parts.reduce((s, p, k) => s + tangents[k][i] * p[i], 0);
          expectClose(jvp[i], expected, { rtol: 1e-14, atol: 1e-15 }, `${op.name} jvp at element ${i}`);
        }
        eng.reset();
      });

      it('second derivatives through the ordinary backward match central differences of the fused gradient', () => {
        const eng = engines.get(backend)!;
        const cols = columns(op, op.id + 9);
        const fusedGrad = (pt: number[][], k: number): Float64Array => {
          const xs = pt.map((c) => f64(eng, c, true));
          apply(op, xs[0], xs[1]).sum().backward();
          return xs[k].grad as Float64Array;
        };
        for (let k = 0; k < op.arity; k++) {
          for (let j = 0; j < op.arity; j++) {
            const xs = cols.map((c) => f64(eng, c, true));
            const part = rule.vjp(eng.ones([N], { dtype: 'float64' }), xs[0], xs[1], apply(op, xs[0], xs[1]), TENSOR_HELPERS)[k]!;
            // a part that depends on no input (Add's g) or not on input j has second derivative 0 there
            if (part.requiresGrad) part.sum().backward();
            const second = xs[j].grad ?? new Float64Array(N);
            const h = cols[j].map((v) => 1e-5 * Math.max(Math.abs(v), 0.1));
            const plus = fusedGrad(cols.map((c, i) => (i === j ? c.map((v, e) => v + h[e]) : c)), k);
            const minus = fusedGrad(cols.map((c, i) => (i === j ? c.map((v, e) => v - h[e]) : c)), k);
            for (let e = 0; e < N; e++) {
              expectClose(second[e], (plus[e] - minus[e]) / (2 * h[e]), { rtol: 1e-6, atol: 1e-6 }, `${op.name} ∂²/∂${j}∂${k} at element ${e}`);
            }
            eng.reset();
          }
        }
      });
    });
  }
});
