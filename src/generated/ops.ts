// Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.
// The ids are the ABI (docs/abi.md); assembly/generated/ops.ts has the same
// names for the same ids. src/ops.ts, src/tensor/backend.ts and the twin import
// them from here.

/** Scalar op ids: the nodes of the scalar tape. Tensors apply the elementwise ones per element. */
export const Op = {
  /** input value; its gradient accumulates across backward() calls */
  Leaf: 0,
  /** constant; never trained */
  Const: 1,
  /** reads parameter slot inputA; backward adds into the slot */
  Param: 2,
  /** x + y */
  Add: 3,
  /** x - y */
  Sub: 4,
  /** x * y */
  Mul: 5,
  /** x / y */
  Div: 6,
  /** x ** y, both differentiable */
  Pow: 7,
  /** x ** c, c a CONST node (no gradient to c) */
  PowConst: 8,
  /** -x */
  Neg: 9,
  /** e^x */
  Exp: 10,
  /** ln x */
  Log: 11,
  /** sqrt x */
  Sqrt: 12,
  /** tanh x */
  Tanh: 13,
  /** 1/(1+e^-x), overflow-free */
  Sigmoid: 14,
  /** max(x, 0); NaN stays NaN */
  Relu: 15,
  /** sin x */
  Sin: 16,
  /** cos x */
  Cos: 17,
  /** |x| */
  Abs: 18,
  /** ln(1 + x), exact for small x */
  Log1p: 19,
  /** e^x - 1, exact for small x */
  Expm1: 20,
  /** the error function */
  Erf: 21,
  /** atan2(x, y), the angle of the point (y, x) */
  Atan2: 22,
  /** 1 if x > y else 0; no gradient */
  Gt: 23,
  /** 1 if x >= y else 0; no gradient */
  Ge: 24,
  /** 1 if x == y else 0; no gradient */
  Eq: 25,
  /** 1, -1 or 0 by the sign of x (NaN for NaN); no gradient */
  Sign: 26,
  /** y if mask x != 0 else 0; gradient to y only */
  Select: 27,
} as const;

export type OpName = keyof typeof Op;
export type OpId = (typeof Op)[OpName];

export interface OpInfo {
  /** Node inputs: 0 for leaves, 1 for unary ops, 2 for binary ops. */
  readonly arity: 0 | 1 | 2;
  /** The op as it reads in an expression: an infix symbol for binary ops, a function name otherwise. */
  readonly symbol: string;
  /** ∂out/∂input per input, as a formula in x, y (the inputs) and c (a constant exponent). */
  readonly local: readonly string[];
  /** The Value method (and engine function) that records the op, or null for leaves and PowConst. */
  readonly method: ScalarMethodName | null;
}

/** The Value methods that record scalar ops. */
export type ScalarMethodName = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid' | 'relu' | 'sin' | 'cos' | 'abs' | 'log1p' | 'expm1' | 'erf' | 'atan2';

export const OP_INFO: { readonly [K in OpName]: OpInfo } = {
  Leaf: { arity: 0, symbol: 'leaf', local: [], method: null },
  Const: { arity: 0, symbol: 'const', local: [], method: null },
  Param: { arity: 0, symbol: 'param', local: [], method: null },
  Add: { arity: 2, symbol: '+', local: ['1', '1'], method: 'add' },
  Sub: { arity: 2, symbol: '-', local: ['1', '-1'], method: 'sub' },
  Mul: { arity: 2, symbol: '*', local: ['y', 'x'], method: 'mul' },
  Div: { arity: 2, symbol: '/', local: ['1/y', '-x/y^2'], method: 'div' },
  Pow: { arity: 2, symbol: '**', local: ['y*x^(y-1)', 'x^y*log(x)'], method: 'pow' },
  PowConst: { arity: 2, symbol: '**', local: ['c*x^(c-1)', '0'], method: null },
  Neg: { arity: 1, symbol: 'neg', local: ['-1'], method: 'neg' },
  Exp: { arity: 1, symbol: 'exp', local: ['exp(x)'], method: 'exp' },
  Log: { arity: 1, symbol: 'log', local: ['1/x'], method: 'log' },
  Sqrt: { arity: 1, symbol: 'sqrt', local: ['1/(2*sqrt(x))'], method: 'sqrt' },
  Tanh: { arity: 1, symbol: 'tanh', local: ['1-tanh(x)^2'], method: 'tanh' },
  Sigmoid: { arity: 1, symbol: 'sigmoid', local: ['sigmoid(x)*(1-sigmoid(x))'], method: 'sigmoid' },
  Relu: { arity: 1, symbol: 'relu', local: ['(x>0 ? 1 : 0)'], method: 'relu' },
  Sin: { arity: 1, symbol: 'sin', local: ['cos(x)'], method: 'sin' },
  Cos: { arity: 1, symbol: 'cos', local: ['-sin(x)'], method: 'cos' },
  Abs: { arity: 1, symbol: 'abs', local: ['sign(x)'], method: 'abs' },
  Log1p: { arity: 1, symbol: 'log1p', local: ['1/(1+x)'], method: 'log1p' },
  Expm1: { arity: 1, symbol: 'expm1', local: ['exp(x)'], method: 'expm1' },
  Erf: { arity: 1, symbol: 'erf', local: ['2/sqrt(pi)*exp(-x^2)'], method: 'erf' },
  Atan2: { arity: 2, symbol: 'atan2', local: ['y/(x^2+y^2)', '-x/(x^2+y^2)'], method: 'atan2' },
  Gt: { arity: 2, symbol: '>', local: ['0', '0'], method: null },
  Ge: { arity: 2, symbol: '>=', local: ['0', '0'], method: null },
  Eq: { arity: 2, symbol: '==', local: ['0', '0'], method: null },
  Sign: { arity: 1, symbol: 'sign', local: ['0'], method: null },
  Select: { arity: 2, symbol: 'select', local: ['0', '(x!=0 ? 1 : 0)'], method: null },
};

/** Arity by scalar op id, for loops that would otherwise look the name up. */
export const OP_ARITY: Uint8Array = Uint8Array.of(0, 0, 0, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, 2);

/** Op names indexed by id. */
export const OP_NAMES: readonly OpName[] = ['Leaf', 'Const', 'Param', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'PowConst', 'Neg', 'Exp', 'Log', 'Sqrt', 'Tanh', 'Sigmoid', 'Relu', 'Sin', 'Cos', 'Abs', 'Log1p', 'Expm1', 'Erf', 'Atan2', 'Gt', 'Ge', 'Eq', 'Sign', 'Select'];

/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT = 28;

/** Elementwise binary ops that only tensors have (scalar ops use Op ids). */
export const TensorBinary = {
  /** max(x, y); NaN if either is NaN. Gradient: dx = g·[x > y], dy = g·[y > x]; ties give each g/2 (torch.maximum). */
  Maximum: 100,
  /** min(x, y); NaN if either is NaN. Gradient: as Maximum, mirrored. */
  Minimum: 101,
  /** x > 0 ? x : y·x (y is the slope, usually a constant). Gradient: dx = g if x > 0 else g·y; dy = g·x if x ≤ 0 else 0. */
  LeakyRelu: 102,
} as const;

/** Elementwise unary ops that only tensors have. */
export const TensorUnary = {
  /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's approximate='tanh'. Gradient: dx = g·[(1 + t)/2 + x(1 − t²)/2 · √(2/π)(1 + 3·0.044715x²)], t the tanh above. */
  Gelu: 110,
  /** x·Φ(x) = 0.5·x·(1 + erf(x/√2)), PyTorch's default approximate='none'. Gradient: dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π). */
  GeluErf: 111,
} as const;

/** The ops `unary` takes: scalar ops of arity 1 that tensors take elementwise, and TensorUnary. */
/** Scalar ops by arity: the twin's two rule tables are keyed by these. */
export type ScalarUnaryOpId = 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21 | 26;
export type ScalarBinaryOpId = 3 | 4 | 5 | 6 | 7 | 8 | 22 | 23 | 24 | 25 | 27;
export type UnaryOpId = 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21 | 110 | 111;
/** The ops `binary` takes: scalar ops of arity 2 that tensors take elementwise, and TensorBinary. */
export type BinaryOpId = 3 | 4 | 5 | 6 | 7 | 22 | 100 | 101 | 102;

/** The elementwise ops only tensors have: the twin's tensor rule table is keyed by these. */
export type TensorOnlyOpId = 100 | 101 | 102 | 110 | 111;

export interface ElementwiseInfo {
  /** Element inputs: 1 for `unary`, 2 for `binary`. */
  readonly arity: 1 | 2;
  /** The Tensor method that records the op. */
  readonly method: string;
  /** 'float': f32 and f64 only; 'any': int32 too. */
  readonly dtypes: 'float' | 'any';
}

/** The ops tensors take elementwise, by id. */
export const ELEMENTWISE: Readonly<Record<number, ElementwiseInfo>> = {
  3: { arity: 2, method: 'add', dtypes: 'any' }, // Add
  4: { arity: 2, method: 'sub', dtypes: 'any' }, // Sub
  5: { arity: 2, method: 'mul', dtypes: 'any' }, // Mul
  6: { arity: 2, method: 'div', dtypes: 'float' }, // Div
  7: { arity: 2, method: 'pow', dtypes: 'float' }, // Pow
  9: { arity: 1, method: 'neg', dtypes: 'any' }, // Neg
  10: { arity: 1, method: 'exp', dtypes: 'float' }, // Exp
  11: { arity: 1, method: 'log', dtypes: 'float' }, // Log
  12: { arity: 1, method: 'sqrt', dtypes: 'float' }, // Sqrt
  13: { arity: 1, method: 'tanh', dtypes: 'float' }, // Tanh
  14: { arity: 1, method: 'sigmoid', dtypes: 'float' }, // Sigmoid
  15: { arity: 1, method: 'relu', dtypes: 'float' }, // Relu
  16: { arity: 1, method: 'sin', dtypes: 'float' }, // Sin
  17: { arity: 1, method: 'cos', dtypes: 'float' }, // Cos
  18: { arity: 1, method: 'abs', dtypes: 'any' }, // Abs
  19: { arity: 1, method: 'log1p', dtypes: 'float' }, // Log1p
  20: { arity: 1, method: 'expm1', dtypes: 'float' }, // Expm1
  21: { arity: 1, method: 'erf', dtypes: 'float' }, // Erf
  22: { arity: 2, method: 'atan2', dtypes: 'float' }, // Atan2
  100: { arity: 2, method: 'maximum', dtypes: 'any' }, // Maximum
  101: { arity: 2, method: 'minimum', dtypes: 'any' }, // Minimum
  102: { arity: 2, method: 'leakyRelu', dtypes: 'float' }, // LeakyRelu
  110: { arity: 1, method: 'gelu', dtypes: 'float' }, // Gelu
  111: { arity: 1, method: 'gelu', dtypes: 'float' }, // GeluErf
};

/** Kinds of tensor node (what the core's tensorOp() returns). */
export const NodeKind = {
  /** elements from the host; requiresGrad on request; gradient accumulates */
  Leaf: 0,
  /** elements from the host or one fill value; no gradient */
  Const: 1,
  /** aliases a slot's data and gradient */
  Param: 2,
  /** an arity-1 elementwise op */
  Unary: 3,
  /** an arity-2 elementwise op, broadcast */
  Binary: 4,
  /** mask ≠ 0 ? x : y, broadcast */
  Where: 5,
  /** (x kind y) ? 1 : 0, broadcast */
  Compare: 6,
  /** sum, max or min over axes */
  Reduce: 7,
  /** batched matrix product */
  Matmul: 8,
  /** same elements, new shape */
  Reshape: 9,
  /** dims reordered */
  Permute: 10,
  /** broadcast to a shape */
  Expand: 11,
  /** a box of elements */
  Slice: 12,
  /** a and b joined along an axis */
  Concat: 13,
  /** constant padding */
  Pad: 14,
  /** entries of an axis picked by int32 indices */
  IndexSelect: 15,
  /** 2-d convolution, no bias */
  Conv2d: 16,
  /** window maximum; the first maximum gets the gradient */
  MaxPool2d: 17,
  /** window mean; padding counts in the divisor */
  AvgPool2d: 18,
  /** same elements, no gradient */
  Detach: 19,
  /** another dtype (no gradient to or from int32) */
  Cast: 20,
  /** mean over rows of logsumexp − the target logit */
  CrossEntropy: 21,
  /** int32 index of the maximum along an axis: the first on ties, the first NaN if any */
  Argmax: 22,
  /** int32 index of the minimum along an axis: the first on ties, the first NaN if any */
  Argmin: 23,
  /** int32 indices that sort each line along an axis; stable, NaN largest */
  Argsort: 24,
  /** x taken along an axis at int32 indices of the shape of the output */
  Gather: 25,
  /** x plus src added along an axis at int32 indices */
  ScatterAdd: 26,
  /** running sum along an axis */
  Cumsum: 27,
  /** running product along an axis; the gradient is exact where x has zeros */
  Cumprod: 28,
} as const;

export type NodeKindName = keyof typeof NodeKind;
export type NodeKindId = (typeof NodeKind)[NodeKindName];
export const NODE_KIND_COUNT = 29;

export type AttrType = 'i32' | 'f64' | 'bool' | 'dtype' | 'slot' | 'op' | 'compare' | 'reduce' | 'i32[]' | 'f64[]';

export interface NodeKindInfo {
  /** Input tensors, by name. */
  readonly inputs: readonly string[];
  /** Per input: whether it receives a gradient. */
  readonly grads: readonly boolean[];
  /** What a node of the kind records besides its inputs: what a tensor program replays it from. */
  readonly attrs: readonly { readonly name: string; readonly type: AttrType }[];
}

export const NODE_KIND_INFO: { readonly [K in NodeKindName]: NodeKindInfo } = {
  Leaf: { inputs: [], grads: [], attrs: [{ name: 'data', type: 'f64[]' }] },
  Const: { inputs: [], grads: [], attrs: [{ name: 'data', type: 'f64[]' }] },
  Param: { inputs: [], grads: [], attrs: [{ name: 'slot', type: 'slot' }] },
  Unary: { inputs: ['x'], grads: [true], attrs: [{ name: 'op', type: 'op' }] },
  Binary: { inputs: ['x', 'y'], grads: [true, true], attrs: [{ name: 'op', type: 'op' }] },
  Where: { inputs: ['mask', 'x', 'y'], grads: [false, true, true], attrs: [] },
  Compare: { inputs: ['x', 'y'], grads: [false, false], attrs: [{ name: 'kind', type: 'compare' }] },
  Reduce: { inputs: ['x'], grads: [true], attrs: [{ name: 'kind', type: 'reduce' }, { name: 'axes', type: 'i32[]' }, { name: 'keepdims', type: 'bool' }] },
  Matmul: { inputs: ['a', 'b'], grads: [true, true], attrs: [{ name: 'transA', type: 'bool' }, { name: 'transB', type: 'bool' }] },
  Reshape: { inputs: ['x'], grads: [true], attrs: [{ name: 'shape', type: 'i32[]' }] },
  Permute: { inputs: ['x'], grads: [true], attrs: [{ name: 'perm', type: 'i32[]' }] },
  Expand: { inputs: ['x'], grads: [true], attrs: [{ name: 'shape', type: 'i32[]' }] },
  Slice: { inputs: ['x'], grads: [true], attrs: [{ name: 'starts', type: 'i32[]' }, { name: 'ends', type: 'i32[]' }] },
  Concat: { inputs: ['a', 'b'], grads: [true, true], attrs: [{ name: 'axis', type: 'i32' }] },
  Pad: { inputs: ['x'], grads: [true], attrs: [{ name: 'before', type: 'i32[]' }, { name: 'after', type: 'i32[]' }, { name: 'value', type: 'f64' }] },
  IndexSelect: { inputs: ['x', 'indices'], grads: [true, false], attrs: [{ name: 'axis', type: 'i32' }] },
  Conv2d: { inputs: ['x', 'w'], grads: [true, true], attrs: [{ name: 'strideH', type: 'i32' }, { name: 'strideW', type: 'i32' }, { name: 'padH', type: 'i32' }, { name: 'padW', type: 'i32' }] },
  MaxPool2d: { inputs: ['x'], grads: [true], attrs: [{ name: 'kernelH', type: 'i32' }, { name: 'kernelW', type: 'i32' }, { name: 'strideH', type: 'i32' }, { name: 'strideW', type: 'i32' }, { name: 'padH', type: 'i32' }, { name: 'padW', type: 'i32' }] },
  AvgPool2d: { inputs: ['x'], grads: [true], attrs: [{ name: 'kernelH', type: 'i32' }, { name: 'kernelW', type: 'i32' }, { name: 'strideH', type: 'i32' }, { name: 'strideW', type: 'i32' }, { name: 'padH', type: 'i32' }, { name: 'padW', type: 'i32' }] },
  Detach: { inputs: ['x'], grads: [false], attrs: [] },
  Cast: { inputs: ['x'], grads: [true], attrs: [{ name: 'dtype', type: 'dtype' }] },
  CrossEntropy: { inputs: ['logits', 'targets'], grads: [true, false], attrs: [] },
  Argmax: { inputs: ['x'], grads: [false], attrs: [{ name: 'axis', type: 'i32' }, { name: 'keepdims', type: 'bool' }] },
  Argmin: { inputs: ['x'], grads: [false], attrs: [{ name: 'axis', type: 'i32' }, { name: 'keepdims', type: 'bool' }] },
  Argsort: { inputs: ['x'], grads: [false], attrs: [{ name: 'axis', type: 'i32' }, { name: 'descending', type: 'bool' }] },
  Gather: { inputs: ['x', 'index'], grads: [true, false], attrs: [{ name: 'axis', type: 'i32' }] },
  ScatterAdd: { inputs: ['x', 'index', 'src'], grads: [true, false, true], attrs: [{ name: 'axis', type: 'i32' }] },
  Cumsum: { inputs: ['x'], grads: [true], attrs: [{ name: 'axis', type: 'i32' }] },
  Cumprod: { inputs: ['x'], grads: [true], attrs: [{ name: 'axis', type: 'i32' }] },
};

/** Comparison kinds of `compare`: out = (x op y) ? 1 : 0, no gradient. */
export const CompareKind = {
  /** x == y */
  Eq: 0,
  /** x != y */
  Ne: 1,
  /** x < y */
  Lt: 2,
  /** x <= y */
  Le: 3,
  /** x > y */
  Gt: 4,
  /** x >= y */
  Ge: 5,
} as const;

export type CompareKindId = (typeof CompareKind)[keyof typeof CompareKind];
export const COMPARE_KIND_COUNT = 6;

/** Reduction kinds of `reduce`. Max/Min split the gradient evenly among tied maxima (as torch.amax). */
export const ReduceKind = {
  /** sum, accumulated in f64 */
  Sum: 0,
  /** maximum; ties share the gradient */
  Max: 1,
  /** minimum; ties share the gradient */
  Min: 2,
} as const;

export type ReduceKindId = (typeof ReduceKind)[keyof typeof ReduceKind];
export const REDUCE_KIND_COUNT = 3;

export type DType = 'float32' | 'float64' | 'int32';
/** The core's code of each dtype. */
export const DTYPE_CODE = { float32: 0, float64: 1, int32: 2 } as const;
/** Dtypes indexed by code. */
export const DTYPE_NAMES: readonly DType[] = ['float32', 'float64', 'int32'];

/** lastError() codes of the core's checked exports. */
export const ErrorCode = {
  /** no error */
  None: 0,
  /** unknown op, or wrong arity for the export */
  BadOp: 1,
  /** node id not on the current tape (or a range, root or pointer that is not what the export needs) */
  BadNode: 2,
  /** parameter slot not created */
  BadParam: 3,
  /** program id never made, or freed */
  BadProgram: 4,
  /** bytes that are not a valid serialized program (docs/program-format.md) */
  BadFormat: 5,
  /** tensor id not on the tensor tape */
  BadTensor: 6,
  /** shapes that do not fit the op (broadcast, matmul, conv, reshape, rank > 8) */
  BadShape: 7,
  /** a dtype unknown, mixed, or not allowed for the op */
  BadDType: 8,
  /** slot never created, freed, or of the wrong size or dtype for the call */
  BadSlot: 9,
  /** an attribute out of range: an axis, an index, a stride, a slice bound */
  BadArgument: 10,
  /** linear memory could not grow to hold the request; nothing was changed */
  OutOfMemory: 11,
} as const;

export const ERROR_CODE_COUNT = 12;

/** What each lastError() code says in an error message. */
export const ERROR_NAMES: Readonly<Record<number, string>> = {
  1: 'bad op',
  2: 'bad node',
  3: 'bad parameter',
  4: 'bad program',
  5: 'bad format',
  6: 'unknown tensor',
  7: 'bad shape',
  8: 'bad dtype',
  9: 'bad slot',
  10: 'bad argument',
  11: 'out of memory',
};

// ── tensorRun: one entry for every node kind with inputs ──

/** The node kinds tensorRun records (leaves come from fromData, full and slotNode). */
export type OpKindName = 'Unary' | 'Binary' | 'Where' | 'Compare' | 'Reduce' | 'Matmul' | 'Reshape' | 'Permute' | 'Expand' | 'Slice' | 'Concat' | 'Pad' | 'IndexSelect' | 'Conv2d' | 'MaxPool2d' | 'AvgPool2d' | 'Detach' | 'Cast' | 'CrossEntropy' | 'Argmax' | 'Argmin' | 'Argsort' | 'Gather' | 'ScatterAdd' | 'Cumsum' | 'Cumprod';

/** The input node ids of each kind, in the registry's order. */
export interface OpInputs {
  Unary: readonly [x: number];
  Binary: readonly [x: number, y: number];
  Where: readonly [mask: number, x: number, y: number];
  Compare: readonly [x: number, y: number];
  Reduce: readonly [x: number];
  Matmul: readonly [a: number, b: number];
  Reshape: readonly [x: number];
  Permute: readonly [x: number];
  Expand: readonly [x: number];
  Slice: readonly [x: number];
  Concat: readonly [a: number, b: number];
  Pad: readonly [x: number];
  IndexSelect: readonly [x: number, indices: number];
  Conv2d: readonly [x: number, w: number];
  MaxPool2d: readonly [x: number];
  AvgPool2d: readonly [x: number];
  Detach: readonly [x: number];
  Cast: readonly [x: number];
  CrossEntropy: readonly [logits: number, targets: number];
  Argmax: readonly [x: number];
  Argmin: readonly [x: number];
  Argsort: readonly [x: number];
  Gather: readonly [x: number, index: number];
  ScatterAdd: readonly [x: number, index: number, src: number];
  Cumsum: readonly [x: number];
  Cumprod: readonly [x: number];
}

/** The attributes of each kind, as a tensor program records them. */
export interface OpAttrs {
  Unary: { readonly op: UnaryOpId };
  Binary: { readonly op: BinaryOpId };
  Where: Record<string, never>;
  Compare: { readonly kind: CompareKindId };
  Reduce: { readonly kind: ReduceKindId; readonly axes: readonly number[]; readonly keepdims: boolean };
  Matmul: { readonly transA: boolean; readonly transB: boolean };
  Reshape: { readonly shape: readonly number[] };
  Permute: { readonly perm: readonly number[] };
  Expand: { readonly shape: readonly number[] };
  Slice: { readonly starts: readonly number[]; readonly ends: readonly number[] };
  Concat: { readonly axis: number };
  Pad: { readonly before: readonly number[]; readonly after: readonly number[]; readonly value: number };
  IndexSelect: { readonly axis: number };
  Conv2d: { readonly strideH: number; readonly strideW: number; readonly padH: number; readonly padW: number };
  MaxPool2d: { readonly kernelH: number; readonly kernelW: number; readonly strideH: number; readonly strideW: number; readonly padH: number; readonly padW: number };
  AvgPool2d: { readonly kernelH: number; readonly kernelW: number; readonly strideH: number; readonly strideW: number; readonly padH: number; readonly padW: number };
  Detach: Record<string, never>;
  Cast: { readonly dtype: DType };
  CrossEntropy: Record<string, never>;
  Argmax: { readonly axis: number; readonly keepdims: boolean };
  Argmin: { readonly axis: number; readonly keepdims: boolean };
  Argsort: { readonly axis: number; readonly descending: boolean };
  Gather: { readonly axis: number };
  ScatterAdd: { readonly axis: number };
  Cumsum: { readonly axis: number };
  Cumprod: { readonly axis: number };
}

/** Entries an i32[] attribute has room for in the stage. */
export const ATTR_ARRAY_CAPACITY = 8;

/** Where tensorRun reads each attribute: its word (i32) offset in the staging area. */
export const ATTR_LAYOUT: { readonly [K in OpKindName]: readonly { readonly name: string; readonly type: AttrType; readonly word: number }[] } = {
  Unary: [{ name: 'op', type: 'op', word: 0 }],
  Binary: [{ name: 'op', type: 'op', word: 0 }],
  Where: [],
  Compare: [{ name: 'kind', type: 'compare', word: 0 }],
  Reduce: [{ name: 'kind', type: 'reduce', word: 0 }, { name: 'axes', type: 'i32[]', word: 1 }, { name: 'keepdims', type: 'bool', word: 10 }],
  Matmul: [{ name: 'transA', type: 'bool', word: 0 }, { name: 'transB', type: 'bool', word: 1 }],
  Reshape: [{ name: 'shape', type: 'i32[]', word: 0 }],
  Permute: [{ name: 'perm', type: 'i32[]', word: 0 }],
  Expand: [{ name: 'shape', type: 'i32[]', word: 0 }],
  Slice: [{ name: 'starts', type: 'i32[]', word: 0 }, { name: 'ends', type: 'i32[]', word: 9 }],
  Concat: [{ name: 'axis', type: 'i32', word: 0 }],
  Pad: [{ name: 'before', type: 'i32[]', word: 0 }, { name: 'after', type: 'i32[]', word: 9 }, { name: 'value', type: 'f64', word: 18 }],
  IndexSelect: [{ name: 'axis', type: 'i32', word: 0 }],
  Conv2d: [{ name: 'strideH', type: 'i32', word: 0 }, { name: 'strideW', type: 'i32', word: 1 }, { name: 'padH', type: 'i32', word: 2 }, { name: 'padW', type: 'i32', word: 3 }],
  MaxPool2d: [{ name: 'kernelH', type: 'i32', word: 0 }, { name: 'kernelW', type: 'i32', word: 1 }, { name: 'strideH', type: 'i32', word: 2 }, { name: 'strideW', type: 'i32', word: 3 }, { name: 'padH', type: 'i32', word: 4 }, { name: 'padW', type: 'i32', word: 5 }],
  AvgPool2d: [{ name: 'kernelH', type: 'i32', word: 0 }, { name: 'kernelW', type: 'i32', word: 1 }, { name: 'strideH', type: 'i32', word: 2 }, { name: 'strideW', type: 'i32', word: 3 }, { name: 'padH', type: 'i32', word: 4 }, { name: 'padW', type: 'i32', word: 5 }],
  Detach: [],
  Cast: [{ name: 'dtype', type: 'dtype', word: 0 }],
  CrossEntropy: [],
  Argmax: [{ name: 'axis', type: 'i32', word: 0 }, { name: 'keepdims', type: 'bool', word: 1 }],
  Argmin: [{ name: 'axis', type: 'i32', word: 0 }, { name: 'keepdims', type: 'bool', word: 1 }],
  Argsort: [{ name: 'axis', type: 'i32', word: 0 }, { name: 'descending', type: 'bool', word: 1 }],
  Gather: [{ name: 'axis', type: 'i32', word: 0 }],
  ScatterAdd: [{ name: 'axis', type: 'i32', word: 0 }],
  Cumsum: [{ name: 'axis', type: 'i32', word: 0 }],
  Cumprod: [{ name: 'axis', type: 'i32', word: 0 }],
};

/** An i32[] attribute: its length, then its entries. */
function stageList(words: Int32Array, at: number, list: readonly number[]): void {
  words[at] = list.length;
  for (let i = 0; i < list.length; i++) words[at + 1 + i] = list[i];
}

/**
 * Writes a kind's attributes where tensorRun reads them: `words` is the
 * staging area as i32s, `f64s` the same bytes as f64s.
 */
export const STAGE_ATTRS: { readonly [K in OpKindName]: (words: Int32Array, f64s: Float64Array, attrs: OpAttrs[K]) => void } = {
  Unary: (words, _f64s, attrs) => { words[0] = attrs.op; },
  Binary: (words, _f64s, attrs) => { words[0] = attrs.op; },
  Where: () => {},
  Compare: (words, _f64s, attrs) => { words[0] = attrs.kind; },
  Reduce: (words, _f64s, attrs) => { words[0] = attrs.kind; stageList(words, 1, attrs.axes); words[10] = attrs.keepdims ? 1 : 0; },
  Matmul: (words, _f64s, attrs) => { words[0] = attrs.transA ? 1 : 0; words[1] = attrs.transB ? 1 : 0; },
  Reshape: (words, _f64s, attrs) => { stageList(words, 0, attrs.shape); },
  Permute: (words, _f64s, attrs) => { stageList(words, 0, attrs.perm); },
  Expand: (words, _f64s, attrs) => { stageList(words, 0, attrs.shape); },
  Slice: (words, _f64s, attrs) => { stageList(words, 0, attrs.starts); stageList(words, 9, attrs.ends); },
  Concat: (words, _f64s, attrs) => { words[0] = attrs.axis; },
  Pad: (words, f64s, attrs) => { stageList(words, 0, attrs.before); stageList(words, 9, attrs.after); f64s[9] = attrs.value; },
  IndexSelect: (words, _f64s, attrs) => { words[0] = attrs.axis; },
  Conv2d: (words, _f64s, attrs) => { words[0] = attrs.strideH; words[1] = attrs.strideW; words[2] = attrs.padH; words[3] = attrs.padW; },
  MaxPool2d: (words, _f64s, attrs) => { words[0] = attrs.kernelH; words[1] = attrs.kernelW; words[2] = attrs.strideH; words[3] = attrs.strideW; words[4] = attrs.padH; words[5] = attrs.padW; },
  AvgPool2d: (words, _f64s, attrs) => { words[0] = attrs.kernelH; words[1] = attrs.kernelW; words[2] = attrs.strideH; words[3] = attrs.strideW; words[4] = attrs.padH; words[5] = attrs.padW; },
  Detach: () => {},
  Cast: (words, _f64s, attrs) => { words[0] = DTYPE_CODE[attrs.dtype]; },
  CrossEntropy: () => {},
  Argmax: (words, _f64s, attrs) => { words[0] = attrs.axis; words[1] = attrs.keepdims ? 1 : 0; },
  Argmin: (words, _f64s, attrs) => { words[0] = attrs.axis; words[1] = attrs.keepdims ? 1 : 0; },
  Argsort: (words, _f64s, attrs) => { words[0] = attrs.axis; words[1] = attrs.descending ? 1 : 0; },
  Gather: (words, _f64s, attrs) => { words[0] = attrs.axis; },
  ScatterAdd: (words, _f64s, attrs) => { words[0] = attrs.axis; },
  Cumsum: (words, _f64s, attrs) => { words[0] = attrs.axis; },
  Cumprod: (words, _f64s, attrs) => { words[0] = attrs.axis; },
};
