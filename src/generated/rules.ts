// Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.
// Each op's vector-Jacobian product and forward-mode rule, written with
// differentiable ops (registry/ops.mjs, gradient.differentiable and
// gradient.jvp), once for Value and Tensor alike: what backward({ createGraph })
// records and what forward mode (eng.jvp) evaluates. The fused kernels of
// assembly/ops.ts stay the first-order path; test/create-graph.test.ts checks
// them against these rules op by op.

/** What a rule computes with: the scalar ops' methods, which Value and Tensor both have. */
export interface Differentiable<D> {
  add(other: D | number): D;
  sub(other: D | number): D;
  mul(other: D | number): D;
  div(other: D | number): D;
  pow(other: D | number): D;
  neg(): D;
  exp(): D;
  log(): D;
  sqrt(): D;
  tanh(): D;
  sigmoid(): D;
  relu(): D;
  sin(): D;
  cos(): D;
  abs(): D;
  log1p(): D;
  expm1(): D;
  erf(): D;
  atan2(other: D | number): D;
}

/** The detached masks of the non-smooth ops' rules, supplied for each kind of D. */
export interface RuleHelpers<D> {
  /** 1 where a > b, else 0 (NaN compares false); no gradient. */
  gt(a: D, b: D | number): D;
  /** 1 where a ≥ b, else 0. */
  ge(a: D, b: D | number): D;
  /** 1 where a < b, else 0. */
  lt(a: D, b: D | number): D;
  /** 1 where a = b, else 0. */
  eq(a: D, b: D | number): D;
  /** 1, −1 or 0 by the sign of a (NaN for NaN); no gradient. */
  sign(a: D): D;
  /** mask ≠ 0 ? a : b; the gradient goes to the branch taken, none to the mask. */
  where(mask: D, a: D | number, b: D | number): D;
}

export interface Rule {
  /**
   * Per input, g·∂out/∂input (null where the input gets no gradient). y is undefined for ops of one input.
   * `need` (binary ops; default both): bit k asks for input k's part, and a part not asked for is null, not built.
   */
  vjp<D extends Differentiable<D>>(g: D, x: D, y: D | undefined, out: D, k: RuleHelpers<D>, need?: number): readonly (D | null)[];
  /** The output's tangent from the inputs' tangents dx, dy (dy and y undefined for ops of one input). */
  jvp<D extends Differentiable<D>>(dx: D, dy: D | undefined, x: D, y: D | undefined, out: D, k: RuleHelpers<D>): D;
}

/** The ops with inputs: each has a rule. */
export type RuleOpName = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'PowConst' | 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Tanh' | 'Sigmoid' | 'Relu' | 'Sin' | 'Cos' | 'Abs' | 'Log1p' | 'Expm1' | 'Erf' | 'Atan2' | 'Gt' | 'Ge' | 'Eq' | 'Sign' | 'Select' | 'Maximum' | 'Minimum' | 'LeakyRelu' | 'Gelu' | 'GeluErf';

export const RULES: { readonly [K in RuleOpName]: Rule } = {
  // dx = g, dy = g
  Add: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? g : null, need & 2 ? g : null],
    jvp: (dx, dy, x, y, out, k) => dx.add(dy!),
  },
  // dx = g, dy = −g
  Sub: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? g : null, need & 2 ? g.neg() : null],
    jvp: (dx, dy, x, y, out, k) => dx.sub(dy!),
  },
  // dx = g·y, dy = g·x
  Mul: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? g.mul(y!) : null, need & 2 ? g.mul(x) : null],
    jvp: (dx, dy, x, y, out, k) => dx.mul(y!).add(x.mul(dy!)),
  },
  // dx = g/y, dy = −(g/y)·(x/y)
  Div: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? g.div(y!) : null, need & 2 ? g.div(y!).neg().mul(out) : null],
    jvp: (dx, dy, x, y, out, k) => dx.sub(out.mul(dy!)).div(y!),
  },
  // dx = g·y·x^(y−1) (0 if y = 0), dy = g·x^y·ln x (0 if x = 0 and y ≥ 0)
  Pow: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? k.where(k.eq(y!, 0), 0, g.mul(y!).mul(x.pow(k.where(k.eq(y!, 0), 1, y!.sub(1))))) : null, need & 2 ? k.where(k.eq(x, 0).mul(k.ge(y!, 0)), 0, g.mul(out).mul(k.where(k.eq(x, 0).mul(k.ge(y!, 0)), 1, x).log())) : null],
    jvp: (dx, dy, x, y, out, k) => k.where(k.eq(y!, 0), 0, dx.mul(y!).mul(x.pow(k.where(k.eq(y!, 0), 1, y!.sub(1))))).add(k.where(k.eq(x, 0).mul(k.ge(y!, 0)), 0, dy!.mul(out).mul(k.where(k.eq(x, 0).mul(k.ge(y!, 0)), 1, x).log()))),
  },
  // dx = g·c·x^(c−1) (0 if c = 0); c gets none
  PowConst: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? k.where(k.eq(y!, 0), 0, g.mul(y!).mul(x.pow(k.where(k.eq(y!, 0), 1, y!.sub(1))))) : null, null],
    jvp: (dx, dy, x, y, out, k) => k.where(k.eq(y!, 0), 0, dx.mul(y!).mul(x.pow(k.where(k.eq(y!, 0), 1, y!.sub(1))))),
  },
  // dx = −g
  Neg: {
    vjp: (g, x, y, out, k) => [g.neg()],
    jvp: (dx, dy, x, y, out, k) => dx.neg(),
  },
  // dx = g·eˣ
  Exp: {
    vjp: (g, x, y, out, k) => [g.mul(out)],
    jvp: (dx, dy, x, y, out, k) => dx.mul(out),
  },
  // dx = g/x
  Log: {
    vjp: (g, x, y, out, k) => [g.div(x)],
    jvp: (dx, dy, x, y, out, k) => dx.div(x),
  },
  // dx = g/(2√x)
  Sqrt: {
    vjp: (g, x, y, out, k) => [g.div(out.mul(2))],
    jvp: (dx, dy, x, y, out, k) => dx.div(out.mul(2)),
  },
  // dx = g·(1 − tanh²x)
  Tanh: {
    vjp: (g, x, y, out, k) => [g.mul(out.mul(out).neg().add(1))],
    jvp: (dx, dy, x, y, out, k) => dx.sub(dx.mul(out).mul(out)),
  },
  // dx = g·σ·(1 − σ)
  Sigmoid: {
    vjp: (g, x, y, out, k) => [g.mul(out).mul(out.neg().add(1))],
    jvp: (dx, dy, x, y, out, k) => dx.mul(out).mul(out.neg().add(1)),
  },
  // dx = g if x > 0 else 0
  Relu: {
    vjp: (g, x, y, out, k) => [k.where(k.gt(x, 0), g, 0)],
    jvp: (dx, dy, x, y, out, k) => k.where(k.gt(x, 0), dx, 0),
  },
  // dx = g·cos x
  Sin: {
    vjp: (g, x, y, out, k) => [g.mul(x.cos())],
    jvp: (dx, dy, x, y, out, k) => dx.mul(x.cos()),
  },
  // dx = −g·sin x
  Cos: {
    vjp: (g, x, y, out, k) => [g.neg().mul(x.sin())],
    jvp: (dx, dy, x, y, out, k) => dx.neg().mul(x.sin()),
  },
  // dx = g·sign x, with sign 0 = 0
  Abs: {
    vjp: (g, x, y, out, k) => [g.mul(k.sign(x))],
    jvp: (dx, dy, x, y, out, k) => dx.mul(k.sign(x)),
  },
  // dx = g/(1 + x)
  Log1p: {
    vjp: (g, x, y, out, k) => [g.div(x.add(1))],
    jvp: (dx, dy, x, y, out, k) => dx.div(x.add(1)),
  },
  // dx = g·(out + 1)
  Expm1: {
    vjp: (g, x, y, out, k) => [g.mul(out.add(1))],
    jvp: (dx, dy, x, y, out, k) => dx.mul(out.add(1)),
  },
  // dx = g·(2/√π)·e^(−x²)
  Erf: {
    vjp: (g, x, y, out, k) => [g.mul(1.1283791670955126).mul(x.mul(x).neg().exp())],
    jvp: (dx, dy, x, y, out, k) => dx.mul(1.1283791670955126).mul(x.mul(x).neg().exp()),
  },
  // dx = g·y/(x² + y²), dy = −g·x/(x² + y²) (NaN at the origin, as PyTorch)
  Atan2: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? y!.mul(g.div(x.mul(x).add(y!.mul(y!)))) : null, need & 2 ? x.neg().mul(g.div(x.mul(x).add(y!.mul(y!)))) : null],
    jvp: (dx, dy, x, y, out, k) => y!.mul(dx).sub(x.mul(dy!)).div(x.mul(x).add(y!.mul(y!))),
  },
  // none (piecewise constant)
  Gt: {
    vjp: (g, x, y, out, k, need = 3) => [null, null],
    jvp: (dx, dy, x, y, out, k) => out.mul(0),
  },
  // none (piecewise constant)
  Ge: {
    vjp: (g, x, y, out, k, need = 3) => [null, null],
    jvp: (dx, dy, x, y, out, k) => out.mul(0),
  },
  // none (piecewise constant)
  Eq: {
    vjp: (g, x, y, out, k, need = 3) => [null, null],
    jvp: (dx, dy, x, y, out, k) => out.mul(0),
  },
  // none (piecewise constant)
  Sign: {
    vjp: (g, x, y, out, k) => [null],
    jvp: (dx, dy, x, y, out, k) => out.mul(0),
  },
  // dy = g if x ≠ 0 else 0; the mask gets none
  Select: {
    vjp: (g, x, y, out, k, need = 3) => [null, need & 2 ? k.where(x, g, 0) : null],
    jvp: (dx, dy, x, y, out, k) => k.where(x, dy!, 0),
  },
  // dx = g·[x > y], dy = g·[y > x]; ties give each g/2 (torch.maximum)
  Maximum: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? g.mul(k.gt(x, y!).add(k.eq(x, y!).mul(0.5))) : null, need & 2 ? g.mul(k.gt(y!, x).add(k.eq(x, y!).mul(0.5))) : null],
    jvp: (dx, dy, x, y, out, k) => dx.mul(k.gt(x, y!).add(k.eq(x, y!).mul(0.5))).add(dy!.mul(k.gt(y!, x).add(k.eq(x, y!).mul(0.5)))),
  },
  // as Maximum, mirrored
  Minimum: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? g.mul(k.lt(x, y!).add(k.eq(x, y!).mul(0.5))) : null, need & 2 ? g.mul(k.lt(y!, x).add(k.eq(x, y!).mul(0.5))) : null],
    jvp: (dx, dy, x, y, out, k) => dx.mul(k.lt(x, y!).add(k.eq(x, y!).mul(0.5))).add(dy!.mul(k.lt(y!, x).add(k.eq(x, y!).mul(0.5)))),
  },
  // dx = g if x > 0 else g·y; dy = g·x if x ≤ 0 else 0
  LeakyRelu: {
    vjp: (g, x, y, out, k, need = 3) => [need & 1 ? k.where(k.gt(x, 0), g, y!.mul(g)) : null, need & 2 ? k.where(k.gt(x, 0), 0, x.mul(g)) : null],
    jvp: (dx, dy, x, y, out, k) => k.where(k.gt(x, 0), dx, y!.mul(dx).add(x.mul(dy!))),
  },
  // dx = g·[(1 + t)/2 + x(1 − t²)/2 · √(2/π)(1 + 3·0.044715x²)], t the tanh above
  Gelu: {
    vjp: (g, x, y, out, k) => [g.mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().add(1).mul(0.5).add(x.mul(0.5).mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh()).neg().add(1)).mul(0.7978845608028654).mul(x.mul(0.134145).mul(x).add(1))))],
    jvp: (dx, dy, x, y, out, k) => dx.mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().add(1).mul(0.5).add(x.mul(0.5).mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh()).neg().add(1)).mul(0.7978845608028654).mul(x.mul(0.134145).mul(x).add(1)))),
  },
  // dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π)
  GeluErf: {
    vjp: (g, x, y, out, k) => [g.mul(x.mul(0.7071067811865476).erf().add(1).mul(0.5).add(x.mul(0.3989422804014327).mul(x.mul(-0.5).mul(x).exp())))],
    jvp: (dx, dy, x, y, out, k) => dx.mul(x.mul(0.7071067811865476).erf().add(1).mul(0.5).add(x.mul(0.3989422804014327).mul(x.mul(-0.5).mul(x).exp()))),
  },
};

/** Op ids (scalar and tensor-only) to rules. */
export const RULE_BY_ID: ReadonlyMap<number, Rule> = new Map([
  [3, RULES.Add],
  [4, RULES.Sub],
  [5, RULES.Mul],
  [6, RULES.Div],
  [7, RULES.Pow],
  [8, RULES.PowConst],
  [9, RULES.Neg],
  [10, RULES.Exp],
  [11, RULES.Log],
  [12, RULES.Sqrt],
  [13, RULES.Tanh],
  [14, RULES.Sigmoid],
  [15, RULES.Relu],
  [16, RULES.Sin],
  [17, RULES.Cos],
  [18, RULES.Abs],
  [19, RULES.Log1p],
  [20, RULES.Expm1],
  [21, RULES.Erf],
  [22, RULES.Atan2],
  [23, RULES.Gt],
  [24, RULES.Ge],
  [25, RULES.Eq],
  [26, RULES.Sign],
  [27, RULES.Select],
  [100, RULES.Maximum],
  [101, RULES.Minimum],
  [102, RULES.LeakyRelu],
  [110, RULES.Gelu],
  [111, RULES.GeluErf],
]);
