// The op registry: every id that crosses the Wasm boundary, declared once.
//
// `npm run gen` (registry/generate.mjs) turns this file into the AssemblyScript
// enums and arity tables (assembly/generated/ops.ts), the TypeScript ids and
// tables (src/generated/ops.ts), the C header's enums (include/wasmgrad.h) and
// the ABI doc's tables (docs/abi.md); test/registry.test.ts fails when one of
// them is stale or when the compiled module disagrees with this file.
//
// Plain JavaScript so that Node runs it on a fresh clone before anything is
// compiled: the generated TypeScript is an input of the build, not an output.
//
// Rules the generator enforces:
// - ids are part of the ABI: append, never renumber;
// - scalar op ids are dense from 0 (opCount() is their number); tensor-only
//   elementwise ops take ids from 100, clear of the scalar ops, so that one id
//   names one elementwise rule whichever tape runs it;
// - a tensor-only op's arity decides its TypeScript/AssemblyScript group:
//   arity 1 is TensorUnary, arity 2 TensorBinary.
//
// Fields of an op (kinds 'scalar' and 'tensor'):
//   id, name       PascalCase, as the enums spell it (C: UPPER_SNAKE_CASE)
//   arity          inputs: node inputs for scalar ops, element inputs on tensors
//   symbol         how the op reads in an expression (OP_INFO, viz)
//   method         the Tensor method that records it, or null where tensors do not take it
//   dtypes         on tensors (null where method is): 'float' (f32, f64) or 'any' (int32 too, computed in
//                  f64 and stored as JavaScript's ToInt32 would); the core itself
//                  computes every elementwise op on int32, the front end refuses
//                  int32 for 'float' ops
//   summary        one line for the C header
//   forward        the math of the forward kernel (docs/abi.md)
//   attrs          attributes other than inputs, as a tensor program would record them
//   param, doc     the name of a binary method's second argument (default `other`), its
//                  default value if it has one (`paramDefault`), and the method's doc
//                  comment (default: forward and gradient rule). src/generated/methods.ts
//                  gives every op with a method a Value method and an Engine function
//                  (scalar ops) and a Tensor method
//   variant        for ops that share a method: the option that picks this one
//                  ({ option, value, default? }), as gelu's `approximate`
//   local          per input, ∂out/∂input as a formula in x, y (the inputs), c (a
//                  constant exponent), t (Gelu's tanh), Φ/φ: what wasmgrad/viz prints
//   check          what test/op-table.test.ts asserts for every op on both backends:
//                  `x`, `y` the ranges where gradients are checked against central
//                  differences, `points` exact results [x, (y,) out] to within 4 ulp
//   gradient:
//     inputs       per input: whether it receives a gradient
//     reads        what the backward rule reads: x, y (inputs), out (the stored output), g
//                  (rules read `out` where that is cheaper than recomputing it)
//     rule         g·∂out/∂input per input, as docs/abi.md prints it
//     differentiable  per input, its vector-Jacobian product written with differentiable
//                  ops (null for an input that gets no gradient; the field is null for
//                  leaves): what backward({ createGraph: true }) records, so that
//                  gradients of gradients reuse the op table
//     jvp          the forward-mode rule: the output's tangent from the inputs' tangents
//                  dx, dy (null for leaves)
//                  Both are written in a small method-chain language that
//                  registry/generate.mjs checks and turns into src/generated/rules.ts:
//                  the names g (the output's gradient), x, y (the inputs), out (the
//                  output, itself a node: rules that read it stay differentiable),
//                  dx, dy (jvp only), numbers, the Value/Tensor methods of the scalar
//                  ops (`x.mul(y)`, `out.neg().add(1)`; a number is never a receiver),
//                  and detached masks for the non-smooth ops: gt, ge, lt, eq (1 where
//                  the comparison holds, else 0), sign, and where(mask, a, b), which
//                  passes gradient to the branch it takes. Rules mirror the fused
//                  kernels' arithmetic (assembly/ops.ts) operation for operation, so
//                  that first-order results match them bit for bit.
//
// Tensor node kinds ('node') carry their inputs by name, which of them get a
// gradient, and the attributes the node records: what a tensor program needs to
// replay a node by kind and attributes. Attribute types: i32, f64, bool, dtype,
// slot, op (an elementwise op id), compare, reduce, i32[] (one entry per dim),
// f64[] (the elements).

/** @type {import('./ops.d.mts').Op[]} */
export const OPS = [
  // ── scalar ops: the tape's node ops; tensors apply the elementwise ones per element ──
  { id: 0, name: 'Leaf', kind: 'scalar', arity: 0, symbol: 'leaf', method: null, dtypes: null,
    summary: 'input value; its gradient accumulates across backward() calls', forward: 'input value',
    attrs: [{ name: 'value', type: 'f64' }], local: [], check: null,
    gradient: { inputs: [], reads: ['g'], rule: 'accumulates across backward calls', differentiable: null, jvp: null } },
  { id: 1, name: 'Const', kind: 'scalar', arity: 0, symbol: 'const', method: null, dtypes: null,
    summary: 'constant; never trained', forward: 'constant',
    attrs: [{ name: 'value', type: 'f64' }], local: [], check: null,
    gradient: { inputs: [], reads: [], rule: 'none (never trained)', differentiable: null, jvp: null } },
  { id: 2, name: 'Param', kind: 'scalar', arity: 0, symbol: 'param', method: null, dtypes: null,
    summary: 'reads parameter slot inputA; backward adds into the slot', forward: 'value of slot `inputA`',
    attrs: [{ name: 'slot', type: 'slot' }], local: [], check: null,
    gradient: { inputs: [], reads: ['g'], rule: "adds into the slot's gradient", differentiable: null, jvp: null } },
  { id: 3, name: 'Add', kind: 'scalar', arity: 2, symbol: '+', method: 'add', dtypes: 'any',
    summary: 'x + y', forward: 'x + y', attrs: [], local: ['1', '1'],
    check: { x: [-3, 3], y: [-3, 3], points: [[1.5, 2.25, 3.75]] },
    gradient: { inputs: [true, true], reads: ['g'], rule: 'dx = g, dy = g',
      differentiable: ['g', 'g'],
      jvp: 'dx.add(dy)' } },
  { id: 4, name: 'Sub', kind: 'scalar', arity: 2, symbol: '-', method: 'sub', dtypes: 'any',
    summary: 'x - y', forward: 'x − y', attrs: [], local: ['1', '-1'],
    check: { x: [-3, 3], y: [-3, 3], points: [[1.5, 2.25, -0.75]] },
    gradient: { inputs: [true, true], reads: ['g'], rule: 'dx = g, dy = −g',
      differentiable: ['g', 'g.neg()'],
      jvp: 'dx.sub(dy)' } },
  { id: 5, name: 'Mul', kind: 'scalar', arity: 2, symbol: '*', method: 'mul', dtypes: 'any',
    summary: 'x * y', forward: 'x · y', attrs: [], local: ['y', 'x'],
    check: { x: [-3, 3], y: [-3, 3], points: [[1.5, -2, -3]] },
    gradient: { inputs: [true, true], reads: ['x', 'y', 'g'], rule: 'dx = g·y, dy = g·x',
      differentiable: ['g.mul(y)', 'g.mul(x)'],
      jvp: 'dx.mul(y).add(x.mul(dy))' } },
  { id: 6, name: 'Div', kind: 'scalar', arity: 2, symbol: '/', method: 'div', dtypes: 'float',
    summary: 'x / y', forward: 'x / y', attrs: [], local: ['1/y', '-x/y^2'],
    check: { x: [-3, 3], y: [0.5, 3], points: [[1, 4, 0.25], [1, 0, Infinity]] },
    gradient: { inputs: [true, true], reads: ['y', 'out', 'g'], rule: 'dx = g/y, dy = −(g/y)·(x/y)',
      differentiable: ['g.div(y)', 'g.div(y).neg().mul(out)'],
      jvp: 'dx.sub(out.mul(dy)).div(y)' } },
  { id: 7, name: 'Pow', kind: 'scalar', arity: 2, symbol: '**', method: 'pow', dtypes: 'float', param: 'exponent',
    doc: 'x ** exponent; a number exponent gets no gradient, a differentiable one does',
    summary: 'x ** y, both differentiable', forward: 'x ** y', attrs: [], local: ['y*x^(y-1)', 'x^y*log(x)'],
    check: { x: [0.5, 2], y: [-2, 2], points: [[2, 0.5, 1.4142135623730951], [0, 0, 1]] },
    gradient: { inputs: [true, true], reads: ['x', 'y', 'out', 'g'],
      rule: 'dx = g·y·x^(y−1) (0 if y = 0), dy = g·x^y·ln x (0 if x = 0 and y ≥ 0)',
      // The branch a where does not take still gets a zero gradient, and 0·∞ is NaN: its inputs are kept
      // finite there (exponent 1 for y = 0, log 1 for x = 0), jax's "double where".
      differentiable: ['where(eq(y, 0), 0, g.mul(y).mul(x.pow(where(eq(y, 0), 1, y.sub(1)))))',
        'where(eq(x, 0).mul(ge(y, 0)), 0, g.mul(out).mul(where(eq(x, 0).mul(ge(y, 0)), 1, x).log()))'],
      jvp: 'where(eq(y, 0), 0, dx.mul(y).mul(x.pow(where(eq(y, 0), 1, y.sub(1))))).add(where(eq(x, 0).mul(ge(y, 0)), 0, dy.mul(out).mul(where(eq(x, 0).mul(ge(y, 0)), 1, x).log())))' } },
  { id: 8, name: 'PowConst', kind: 'scalar', arity: 2, symbol: '**', method: null, dtypes: null,
    summary: 'x ** c, c a CONST node (no gradient to c)',
    forward: 'x ** c (c must be a Const node: the exports, `programCreate` and the loaders reject anything else)', attrs: [],
    local: ['c*x^(c-1)', '0'], check: null,
    gradient: { inputs: [true, false], reads: ['x', 'y', 'g'], rule: 'dx = g·c·x^(c−1) (0 if c = 0); c gets none',
      differentiable: ['where(eq(y, 0), 0, g.mul(y).mul(x.pow(where(eq(y, 0), 1, y.sub(1)))))', null],
      jvp: 'where(eq(y, 0), 0, dx.mul(y).mul(x.pow(where(eq(y, 0), 1, y.sub(1)))))' } },
  { id: 9, name: 'Neg', kind: 'scalar', arity: 1, symbol: 'neg', method: 'neg', dtypes: 'any',
    summary: '-x', forward: '−x', attrs: [], local: ['-1'],
    check: { x: [-3, 3], points: [[2, -2]] },
    gradient: { inputs: [true], reads: ['g'], rule: 'dx = −g',
      differentiable: ['g.neg()'],
      jvp: 'dx.neg()' } },
  { id: 10, name: 'Exp', kind: 'scalar', arity: 1, symbol: 'exp', method: 'exp', dtypes: 'float',
    summary: 'e^x', forward: 'eˣ', attrs: [], local: ['exp(x)'],
    check: { x: [-3, 3], points: [[1, 2.718281828459045]] },
    gradient: { inputs: [true], reads: ['out', 'g'], rule: 'dx = g·eˣ',
      differentiable: ['g.mul(out)'],
      jvp: 'dx.mul(out)' } },
  { id: 11, name: 'Log', kind: 'scalar', arity: 1, symbol: 'log', method: 'log', dtypes: 'float',
    summary: 'ln x', forward: 'ln x', attrs: [], local: ['1/x'],
    check: { x: [0.1, 3], points: [[2.718281828459045, 1], [0, -Infinity]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g/x',
      differentiable: ['g.div(x)'],
      jvp: 'dx.div(x)' } },
  { id: 12, name: 'Sqrt', kind: 'scalar', arity: 1, symbol: 'sqrt', method: 'sqrt', dtypes: 'float',
    summary: 'sqrt x', forward: '√x', attrs: [], local: ['1/(2*sqrt(x))'],
    check: { x: [0.1, 3], points: [[2, 1.4142135623730951]] },
    gradient: { inputs: [true], reads: ['out', 'g'], rule: 'dx = g/(2√x)',
      differentiable: ['g.div(out.mul(2))'],
      jvp: 'dx.div(out.mul(2))' } },
  { id: 13, name: 'Tanh', kind: 'scalar', arity: 1, symbol: 'tanh', method: 'tanh', dtypes: 'float',
    summary: 'tanh x', forward: 'tanh x', attrs: [], local: ['1-tanh(x)^2'],
    check: { x: [-3, 3], points: [[0.5, 0.46211715726000974], [-0, -0]] },
    gradient: { inputs: [true], reads: ['out', 'g'], rule: 'dx = g·(1 − tanh²x)',
      differentiable: ['g.mul(out.mul(out).neg().add(1))'],
      jvp: 'dx.sub(dx.mul(out).mul(out))' } }, // three nodes where dx·(1 − out²) takes five (one a constant)
  { id: 14, name: 'Sigmoid', kind: 'scalar', arity: 1, symbol: 'sigmoid', method: 'sigmoid', dtypes: 'float',
    summary: '1/(1+e^-x), overflow-free', forward: '1/(1+e^−x), overflow-free', attrs: [],
    local: ['sigmoid(x)*(1-sigmoid(x))'],
    check: { x: [-4, 4], points: [[0, 0.5], [-1000, 0]] },
    gradient: { inputs: [true], reads: ['out', 'g'], rule: 'dx = g·σ·(1 − σ)',
      differentiable: ['g.mul(out).mul(out.neg().add(1))'],
      jvp: 'dx.mul(out).mul(out.neg().add(1))' } },
  { id: 15, name: 'Relu', kind: 'scalar', arity: 1, symbol: 'relu', method: 'relu', dtypes: 'float',
    summary: 'max(x, 0); NaN stays NaN', forward: 'max(x, 0) (NaN stays NaN)', attrs: [], local: ['(x>0 ? 1 : 0)'],
    check: { x: [-3, 3], points: [[-1, 0], [2, 2], [NaN, NaN]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g if x > 0 else 0',
      differentiable: ['where(gt(x, 0), g, 0)'],
      jvp: 'where(gt(x, 0), dx, 0)' } },
  { id: 16, name: 'Sin', kind: 'scalar', arity: 1, symbol: 'sin', method: 'sin', dtypes: 'float',
    summary: 'sin x', forward: 'sin x', attrs: [], local: ['cos(x)'],
    check: { x: [-3, 3], points: [[0.5, 0.479425538604203]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g·cos x',
      differentiable: ['g.mul(x.cos())'],
      jvp: 'dx.mul(x.cos())' } },
  { id: 17, name: 'Cos', kind: 'scalar', arity: 1, symbol: 'cos', method: 'cos', dtypes: 'float',
    summary: 'cos x', forward: 'cos x', attrs: [], local: ['-sin(x)'],
    check: { x: [-3, 3], points: [[0.5, 0.8775825618903728]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = −g·sin x',
      differentiable: ['g.neg().mul(x.sin())'],
      jvp: 'dx.neg().mul(x.sin())' } },
  { id: 18, name: 'Abs', kind: 'scalar', arity: 1, symbol: 'abs', method: 'abs', dtypes: 'any',
    summary: '|x|', forward: '|x|', attrs: [], local: ['sign(x)'],
    check: { x: [-3, 3], points: [[-3, 3]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g·sign x, with sign 0 = 0',
      differentiable: ['g.mul(sign(x))'],
      jvp: 'dx.mul(sign(x))' } },
  { id: 19, name: 'Log1p', kind: 'scalar', arity: 1, symbol: 'log1p', method: 'log1p', dtypes: 'float',
    summary: 'ln(1 + x), exact for small x', forward: 'ln(1 + x), without the rounding of 1 + x', attrs: [], local: ['1/(1+x)'],
    check: { x: [-0.9, 3], points: [[1e-10, 9.999999999500001e-11], [-0.5, -0.6931471805599453], [-1, -Infinity]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g/(1 + x)',
      differentiable: ['g.div(x.add(1))'],
      jvp: 'dx.div(x.add(1))' } },
  { id: 20, name: 'Expm1', kind: 'scalar', arity: 1, symbol: 'expm1', method: 'expm1', dtypes: 'float',
    summary: 'e^x - 1, exact for small x', forward: 'eˣ − 1, without the cancellation', attrs: [], local: ['exp(x)'],
    check: { x: [-3, 3], points: [[1e-5, 1.0000050000166668e-05], [-1, -0.6321205588285577]] },
    gradient: { inputs: [true], reads: ['out', 'g'], rule: 'dx = g·(out + 1)',
      differentiable: ['g.mul(out.add(1))'],
      jvp: 'dx.mul(out.add(1))' } },
  { id: 21, name: 'Erf', kind: 'scalar', arity: 1, symbol: 'erf', method: 'erf', dtypes: 'float',
    summary: 'the error function', forward: 'erf x = (2/√π)∫₀ˣ e^(−t²) dt (fdlibm\'s rational approximations, < 1 ulp)',
    attrs: [], local: ['2/sqrt(pi)*exp(-x^2)'],
    check: { x: [-3, 3], points: [
      [0.5, 0.5204998778130465], [0.9, 0.7969082124228322], [1.5, 0.9661051464753108], [2, 0.9953222650189527],
      [-2.5, -0.999593047982555], [-3.5, -0.9999992569016276], [5, 0.9999999999984626], [1e-300, 1.1283791670955126e-300],
      [Infinity, 1], [-0, -0]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g·(2/√π)·e^(−x²)',
      differentiable: ['g.mul(1.1283791670955126).mul(x.mul(x).neg().exp())'],
      jvp: 'dx.mul(1.1283791670955126).mul(x.mul(x).neg().exp())' } },
  { id: 22, name: 'Atan2', kind: 'scalar', arity: 2, symbol: 'atan2', method: 'atan2', dtypes: 'float',
    doc: 'atan2(this, other): the angle of the point (other, this), in (−π, π] (torch.atan2)',
    summary: 'atan2(x, y), the angle of the point (y, x)', forward: 'atan2(x, y) ∈ (−π, π], the angle of the point (y, x)', attrs: [],
    local: ['y/(x^2+y^2)', '-x/(x^2+y^2)'],
    check: { x: [-2, 2], y: [0.1, 2], points: [[1, -2, 2.677945044588987], [3, 4, 0.6435011087932844], [-0, -1, -3.141592653589793]] },
    gradient: { inputs: [true, true], reads: ['x', 'y', 'g'], rule: 'dx = g·y/(x² + y²), dy = −g·x/(x² + y²) (NaN at the origin, as PyTorch)',
      differentiable: ['y.mul(g.div(x.mul(x).add(y.mul(y))))', 'x.neg().mul(g.div(x.mul(x).add(y.mul(y))))'],
      jvp: 'y.mul(dx).sub(x.mul(dy)).div(x.mul(x).add(y.mul(y)))' } },

  // ── masks: what the non-smooth ops' differentiable rules record ──
  // The rule helpers gt, ge, lt, eq, sign and where (src/transforms/graph.ts) push these
  // nodes, so that a gradient inside a compiled program takes its branch anew on every
  // run instead of the one taken at trace time. Comparisons and sign are piecewise
  // constant: no gradient, and the tangent out·0 (0, as out is finite for inputs that
  // are not NaN). No methods: tensors compare with Compare nodes and select with Where.
  { id: 23, name: 'Gt', kind: 'scalar', arity: 2, symbol: '>', method: null, dtypes: null,
    summary: '1 if x > y else 0; no gradient', forward: 'x > y ? 1 : 0 (NaN compares false)', attrs: [],
    local: ['0', '0'], check: null,
    gradient: { inputs: [false, false], reads: [], rule: 'none (piecewise constant)', differentiable: [null, null], jvp: 'out.mul(0)' } },
  { id: 24, name: 'Ge', kind: 'scalar', arity: 2, symbol: '>=', method: null, dtypes: null,
    summary: '1 if x >= y else 0; no gradient', forward: 'x ≥ y ? 1 : 0 (NaN compares false)', attrs: [],
    local: ['0', '0'], check: null,
    gradient: { inputs: [false, false], reads: [], rule: 'none (piecewise constant)', differentiable: [null, null], jvp: 'out.mul(0)' } },
  { id: 25, name: 'Eq', kind: 'scalar', arity: 2, symbol: '==', method: null, dtypes: null,
    summary: '1 if x == y else 0; no gradient', forward: 'x = y ? 1 : 0 (NaN compares false)', attrs: [],
    local: ['0', '0'], check: null,
    gradient: { inputs: [false, false], reads: [], rule: 'none (piecewise constant)', differentiable: [null, null], jvp: 'out.mul(0)' } },
  { id: 26, name: 'Sign', kind: 'scalar', arity: 1, symbol: 'sign', method: null, dtypes: null,
    summary: '1, -1 or 0 by the sign of x (NaN for NaN); no gradient', forward: '1, −1 or 0 by the sign of x (0 for ±0, NaN for NaN)', attrs: [],
    local: ['0'], check: null,
    gradient: { inputs: [false], reads: [], rule: 'none (piecewise constant)', differentiable: [null], jvp: 'out.mul(0)' } },
  { id: 27, name: 'Select', kind: 'scalar', arity: 2, symbol: 'select', method: null, dtypes: null,
    summary: 'y if mask x != 0 else 0; gradient to y only',
    forward: "x ≠ 0 ? y : 0, x a mask (jax's lax.select(x, y, 0); a NaN mask selects y)", attrs: [],
    local: ['0', '(x!=0 ? 1 : 0)'], check: null,
    gradient: { inputs: [false, true], reads: ['x', 'g'], rule: 'dy = g if x ≠ 0 else 0; the mask gets none',
      differentiable: [null, 'where(x, g, 0)'],
      jvp: 'where(x, dy, 0)' } },

  // ── elementwise ops only tensors have ──
  { id: 100, name: 'Maximum', kind: 'tensor', arity: 2, symbol: 'maximum', method: 'maximum', dtypes: 'any',
    doc: 'elementwise max; on ties each input gets half the gradient',
    summary: 'max(x, y); ties split the gradient',
    forward: 'max(x, y); NaN if either is NaN', attrs: [], local: ['(x>y ? 1 : x==y ? 1/2 : 0)', '(y>x ? 1 : x==y ? 1/2 : 0)'],
    check: { x: [-3, 3], y: [-3, 3], points: [[1, 2, 2], [NaN, 2, NaN]] },
    gradient: { inputs: [true, true], reads: ['x', 'y', 'g'],
      rule: 'dx = g·[x > y], dy = g·[y > x]; ties give each g/2 (torch.maximum)',
      differentiable: ['g.mul(gt(x, y).add(eq(x, y).mul(0.5)))', 'g.mul(gt(y, x).add(eq(x, y).mul(0.5)))'],
      jvp: 'dx.mul(gt(x, y).add(eq(x, y).mul(0.5))).add(dy.mul(gt(y, x).add(eq(x, y).mul(0.5))))' } },
  { id: 101, name: 'Minimum', kind: 'tensor', arity: 2, symbol: 'minimum', method: 'minimum', dtypes: 'any',
    doc: 'elementwise min; on ties each input gets half the gradient',
    summary: 'min(x, y)',
    forward: 'min(x, y); NaN if either is NaN', attrs: [], local: ['(x<y ? 1 : x==y ? 1/2 : 0)', '(y<x ? 1 : x==y ? 1/2 : 0)'],
    check: { x: [-3, 3], y: [-3, 3], points: [[1, 2, 1], [1, NaN, NaN]] },
    gradient: { inputs: [true, true], reads: ['x', 'y', 'g'], rule: 'as Maximum, mirrored', 
      differentiable: ['g.mul(lt(x, y).add(eq(x, y).mul(0.5)))', 'g.mul(lt(y, x).add(eq(x, y).mul(0.5)))'],
      jvp: 'dx.mul(lt(x, y).add(eq(x, y).mul(0.5))).add(dy.mul(lt(y, x).add(eq(x, y).mul(0.5))))' } },
  { id: 102, name: 'LeakyRelu', kind: 'tensor', arity: 2, symbol: 'leakyRelu', method: 'leakyRelu', dtypes: 'float', param: 'slope', paramDefault: 0.01,
    doc: 'x > 0 ? x : slope·x (slope 0.01 by default, as torch.nn.functional.leaky_relu); gradient `slope` at 0; a tensor slope gets a gradient too',
    summary: 'x > 0 ? x : y*x',
    forward: 'x > 0 ? x : y·x (y is the slope, usually a constant)', attrs: [], local: ['(x>0 ? 1 : y)', '(x>0 ? 0 : x)'],
    check: { x: [-3, 3], y: [0.01, 0.5], points: [[-2, 0.1, -0.2], [3, 0.1, 3]] },
    gradient: { inputs: [true, true], reads: ['x', 'y', 'g'], rule: 'dx = g if x > 0 else g·y; dy = g·x if x ≤ 0 else 0', 
      differentiable: ['where(gt(x, 0), g, y.mul(g))', 'where(gt(x, 0), 0, x.mul(g))'],
      jvp: 'where(gt(x, 0), dx, y.mul(dx).add(x.mul(dy)))' } },
  { id: 110, name: 'Gelu', kind: 'tensor', arity: 1, symbol: 'gelu', method: 'gelu', dtypes: 'float',
    variant: { option: 'approximate', value: 'tanh' },
    summary: 'tanh-form GELU',
    forward: "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's approximate='tanh'", attrs: [],
    local: ['(1+t)/2+x*(1-t^2)/2*sqrt(2/pi)*(1+3*0.044715*x^2)'],
    check: { x: [-3, 3], points: [[1, 0.8411919906082768], [-0.5, -0.15428599017485606]] },
    gradient: { inputs: [true], reads: ['x', 'g'],
      rule: 'dx = g·[(1 + t)/2 + x(1 − t²)/2 · √(2/π)(1 + 3·0.044715x²)], t the tanh above', 
      differentiable: ['g.mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().add(1).mul(0.5).add(x.mul(0.5).mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh()).neg().add(1)).mul(0.7978845608028654).mul(x.mul(0.134145).mul(x).add(1))))'],
      jvp: 'dx.mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().add(1).mul(0.5).add(x.mul(0.5).mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh().mul(x.mul(0.044715).mul(x).mul(x).add(x).mul(0.7978845608028654).tanh()).neg().add(1)).mul(0.7978845608028654).mul(x.mul(0.134145).mul(x).add(1))))' } },
  { id: 111, name: 'GeluErf', kind: 'tensor', arity: 1, symbol: 'gelu', method: 'gelu', dtypes: 'float',
    variant: { option: 'approximate', value: 'none', default: true },
    summary: 'exact GELU, x·Φ(x)',
    forward: "x·Φ(x) = 0.5·x·(1 + erf(x/√2)), PyTorch's default approximate='none'", attrs: [],
    local: ['Phi(x)+x*phi(x)'],
    check: { x: [-3, 3], points: [[1, 0.8413447460685429], [-0.5, -0.15426876936299344]] },
    gradient: { inputs: [true], reads: ['x', 'g'], rule: 'dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π)',
      differentiable: ['g.mul(x.mul(0.7071067811865476).erf().add(1).mul(0.5).add(x.mul(0.3989422804014327).mul(x.mul(-0.5).mul(x).exp())))'],
      jvp: 'dx.mul(x.mul(0.7071067811865476).erf().add(1).mul(0.5).add(x.mul(0.3989422804014327).mul(x.mul(-0.5).mul(x).exp())))' } },
];

/**
 * Kinds of tensor node (what tensorOp() returns). tensorRun records every kind with
 * inputs, reading its attributes from the stage in the layout registry/generate.mjs derives
 * from `attrs` (in order: scalars one i32 word, f64 two, i32[] a length and 8 entries).
 * @type {import('./ops.d.mts').NodeKind[]}
 */
export const NODE_KINDS = [
  { id: 0, name: 'Leaf', inputs: [], grads: [], attrs: [{ name: 'data', type: 'f64[]' }],
    summary: 'elements from the host; requiresGrad on request; gradient accumulates' },
  { id: 1, name: 'Const', inputs: [], grads: [], attrs: [{ name: 'data', type: 'f64[]' }],
    summary: 'elements from the host or one fill value; no gradient' },
  { id: 2, name: 'Param', inputs: [], grads: [], attrs: [{ name: 'slot', type: 'slot' }],
    summary: "aliases a slot's data and gradient" },
  { id: 3, name: 'Unary', inputs: ['x'], grads: [true], attrs: [{ name: 'op', type: 'op' }],
    summary: 'an arity-1 elementwise op' },
  { id: 4, name: 'Binary', inputs: ['x', 'y'], grads: [true, true], attrs: [{ name: 'op', type: 'op' }],
    summary: 'an arity-2 elementwise op, broadcast' },
  { id: 5, name: 'Where', inputs: ['mask', 'x', 'y'], grads: [false, true, true], attrs: [],
    summary: 'mask ≠ 0 ? x : y, broadcast' },
  { id: 6, name: 'Compare', inputs: ['x', 'y'], grads: [false, false], attrs: [{ name: 'kind', type: 'compare' }],
    summary: '(x kind y) ? 1 : 0, broadcast' },
  { id: 7, name: 'Reduce', inputs: ['x'], grads: [true], attrs: [{ name: 'kind', type: 'reduce' }, { name: 'axes', type: 'i32[]' }, { name: 'keepdims', type: 'bool' }],
    summary: 'sum, max or min over axes' },
  { id: 8, name: 'Matmul', inputs: ['a', 'b'], grads: [true, true], attrs: [{ name: 'transA', type: 'bool' }, { name: 'transB', type: 'bool' }],
    summary: 'batched matrix product' },
  { id: 9, name: 'Reshape', inputs: ['x'], grads: [true], attrs: [{ name: 'shape', type: 'i32[]' }],
    summary: 'same elements, new shape' },
  { id: 10, name: 'Permute', inputs: ['x'], grads: [true], attrs: [{ name: 'perm', type: 'i32[]' }],
    summary: 'dims reordered' },
  { id: 11, name: 'Expand', inputs: ['x'], grads: [true], attrs: [{ name: 'shape', type: 'i32[]' }],
    summary: 'broadcast to a shape' },
  { id: 12, name: 'Slice', inputs: ['x'], grads: [true], attrs: [{ name: 'starts', type: 'i32[]' }, { name: 'ends', type: 'i32[]' }],
    summary: 'a box of elements' },
  { id: 13, name: 'Concat', inputs: ['a', 'b'], grads: [true, true], attrs: [{ name: 'axis', type: 'i32' }],
    summary: 'a and b joined along an axis' },
  { id: 14, name: 'Pad', inputs: ['x'], grads: [true], attrs: [{ name: 'before', type: 'i32[]' }, { name: 'after', type: 'i32[]' }, { name: 'value', type: 'f64' }],
    summary: 'constant padding' },
  { id: 15, name: 'IndexSelect', inputs: ['x', 'indices'], grads: [true, false], attrs: [{ name: 'axis', type: 'i32' }],
    summary: 'entries of an axis picked by int32 indices' },
  { id: 16, name: 'Conv2d', inputs: ['x', 'w'], grads: [true, true],
    attrs: [{ name: 'strideH', type: 'i32' }, { name: 'strideW', type: 'i32' }, { name: 'padH', type: 'i32' }, { name: 'padW', type: 'i32' }],
    summary: '2-d convolution, no bias' },
  { id: 17, name: 'MaxPool2d', inputs: ['x'], grads: [true], attrs: [
    { name: 'kernelH', type: 'i32' }, { name: 'kernelW', type: 'i32' }, { name: 'strideH', type: 'i32' },
    { name: 'strideW', type: 'i32' }, { name: 'padH', type: 'i32' }, { name: 'padW', type: 'i32' }],
    summary: 'window maximum; the first maximum gets the gradient' },
  { id: 18, name: 'AvgPool2d', inputs: ['x'], grads: [true], attrs: [
    { name: 'kernelH', type: 'i32' }, { name: 'kernelW', type: 'i32' }, { name: 'strideH', type: 'i32' },
    { name: 'strideW', type: 'i32' }, { name: 'padH', type: 'i32' }, { name: 'padW', type: 'i32' }],
    summary: 'window mean; padding counts in the divisor' },
  { id: 19, name: 'Detach', inputs: ['x'], grads: [false], attrs: [], summary: 'same elements, no gradient' },
  { id: 20, name: 'Cast', inputs: ['x'], grads: [true], attrs: [{ name: 'dtype', type: 'dtype' }],
    summary: 'another dtype (no gradient to or from int32)' },
  { id: 21, name: 'CrossEntropy', inputs: ['logits', 'targets'], grads: [true, false], attrs: [],
    summary: 'mean over rows of logsumexp − the target logit' },
  { id: 22, name: 'Argmax', inputs: ['x'], grads: [false], attrs: [{ name: 'axis', type: 'i32' }, { name: 'keepdims', type: 'bool' }],
    summary: 'int32 index of the maximum along an axis: the first on ties, the first NaN if any' },
  { id: 23, name: 'Argmin', inputs: ['x'], grads: [false], attrs: [{ name: 'axis', type: 'i32' }, { name: 'keepdims', type: 'bool' }],
    summary: 'int32 index of the minimum along an axis: the first on ties, the first NaN if any' },
  { id: 24, name: 'Argsort', inputs: ['x'], grads: [false], attrs: [{ name: 'axis', type: 'i32' }, { name: 'descending', type: 'bool' }],
    summary: 'int32 indices that sort each line along an axis; stable, NaN largest' },
  { id: 25, name: 'Gather', inputs: ['x', 'index'], grads: [true, false], attrs: [{ name: 'axis', type: 'i32' }],
    summary: 'x taken along an axis at int32 indices of the shape of the output' },
  { id: 26, name: 'ScatterAdd', inputs: ['x', 'index', 'src'], grads: [true, false, true], attrs: [{ name: 'axis', type: 'i32' }],
    summary: 'x plus src added along an axis at int32 indices' },
  { id: 27, name: 'Cumsum', inputs: ['x'], grads: [true], attrs: [{ name: 'axis', type: 'i32' }],
    summary: 'running sum along an axis' },
  { id: 28, name: 'Cumprod', inputs: ['x'], grads: [true], attrs: [{ name: 'axis', type: 'i32' }],
    summary: 'running product along an axis; the gradient is exact where x has zeros' },
];

/** Kinds of `compare`: out = (x kind y) ? 1 : 0; NaN compares false except Ne. */
export const COMPARE_KINDS = [
  { id: 0, name: 'Eq', symbol: '==', method: 'eq' },
  { id: 1, name: 'Ne', symbol: '!=', method: 'ne' },
  { id: 2, name: 'Lt', symbol: '<', method: 'lt' },
  { id: 3, name: 'Le', symbol: '<=', method: 'le' },
  { id: 4, name: 'Gt', symbol: '>', method: 'gt' },
  { id: 5, name: 'Ge', symbol: '>=', method: 'ge' },
];

/** Kinds of `reduce`. Max and Min split the gradient evenly among tied extremes (as torch.amax). */
export const REDUCE_KINDS = [
  { id: 0, name: 'Sum', method: 'sum', summary: 'sum, accumulated in f64' },
  { id: 1, name: 'Max', method: 'max', summary: 'maximum; ties share the gradient' },
  { id: 2, name: 'Min', method: 'min', summary: 'minimum; ties share the gradient' },
];

/** Tensor dtypes: `name` is the core's and C's, `ts` the TypeScript API's. */
export const DTYPES = [
  { id: 0, name: 'F32', ts: 'float32', bytes: 4, float: true },
  { id: 1, name: 'F64', ts: 'float64', bytes: 8, float: true },
  { id: 2, name: 'I32', ts: 'int32', bytes: 4, float: false },
];

/**
 * lastError() codes. `message` is what the TypeScript wrapper prints, `c` the
 * header's name after WASMGRAD_ (kept as the header first named them).
 */
export const ERRORS = [
  { id: 0, name: 'None', c: 'OK', message: 'none', summary: 'no error' },
  { id: 1, name: 'BadOp', c: 'ERR_OP', message: 'bad op', summary: 'unknown op, or wrong arity for the export' },
  { id: 2, name: 'BadNode', c: 'ERR_NODE', message: 'bad node',
    summary: 'node id not on the current tape (or a range, root or pointer that is not what the export needs)' },
  { id: 3, name: 'BadParam', c: 'ERR_PARAM', message: 'bad parameter', summary: 'parameter slot not created' },
  { id: 4, name: 'BadProgram', c: 'ERR_PROGRAM', message: 'bad program', summary: 'program id never made, or freed' },
  { id: 5, name: 'BadFormat', c: 'ERR_FORMAT', message: 'bad format',
    summary: 'bytes that are not a valid serialized program (docs/program-format.md)' },
  { id: 6, name: 'BadTensor', c: 'ERR_TENSOR', message: 'unknown tensor', summary: 'tensor id not on the tensor tape' },
  { id: 7, name: 'BadShape', c: 'ERR_SHAPE', message: 'bad shape',
    summary: 'shapes that do not fit the op (broadcast, matmul, conv, reshape, rank > 8)' },
  { id: 8, name: 'BadDType', c: 'ERR_DTYPE', message: 'bad dtype', summary: 'a dtype unknown, mixed, or not allowed for the op' },
  { id: 9, name: 'BadSlot', c: 'ERR_SLOT', message: 'bad slot', summary: 'slot never created, freed, or of the wrong size or dtype for the call' },
  { id: 10, name: 'BadArgument', c: 'ERR_ARGUMENT', message: 'bad argument',
    summary: 'an attribute out of range: an axis, an index, a stride, a slice bound' },
  { id: 11, name: 'OutOfMemory', c: 'ERR_MEMORY', message: 'out of memory',
    summary: 'linear memory could not grow to hold the request; nothing was changed' },
];
