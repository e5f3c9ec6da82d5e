// Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.
// The ids are the ABI (docs/abi.md). assembly/ops.ts, assembly/tensor/ops.ts,
// assembly/tensor/tape.ts and assembly/errors.ts re-export what their callers use.
//
// Arity comes from tables, never from id ranges, so an op of any arity can be
// appended. The tables are static data: one byte load, no branches on the id.

/** Scalar op ids: the nodes of the scalar tape. Tensors apply the elementwise ones per element. */
export const enum Op {
  Leaf = 0,     // input value; its gradient accumulates across backward() calls
  Const = 1,    // constant; never trained
  Param = 2,    // reads parameter slot inputA; backward adds into the slot
  Add = 3,      // x + y
  Sub = 4,      // x - y
  Mul = 5,      // x * y
  Div = 6,      // x / y
  Pow = 7,      // x ** y, both differentiable
  PowConst = 8, // x ** c, c a CONST node (no gradient to c)
  Neg = 9,      // -x
  Exp = 10,     // e^x
  Log = 11,     // ln x
  Sqrt = 12,    // sqrt x
  Tanh = 13,    // tanh x
  Sigmoid = 14, // 1/(1+e^-x), overflow-free
  Relu = 15,    // max(x, 0); NaN stays NaN
  Sin = 16,     // sin x
  Cos = 17,     // cos x
  Abs = 18,     // |x|
  Log1p = 19,   // ln(1 + x), exact for small x
  Expm1 = 20,   // e^x - 1, exact for small x
  Erf = 21,     // the error function
  Atan2 = 22,   // atan2(x, y), the angle of the point (y, x)
  Gt = 23,      // 1 if x > y else 0; no gradient
  Ge = 24,      // 1 if x >= y else 0; no gradient
  Eq = 25,      // 1 if x == y else 0; no gradient
  Sign = 26,    // 1, -1 or 0 by the sign of x (NaN for NaN); no gradient
  Select = 27,  // y if mask x != 0 else 0; gradient to y only
}

/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT: i32 = 28;

/** Elementwise ops of arity 2 that only tensors have. */
export const enum TensorBinary {
  Maximum = 100,   // max(x, y); ties split the gradient
  Minimum = 101,   // min(x, y)
  LeakyRelu = 102, // x > 0 ? x : y*x
}

/** Elementwise ops of arity 1 that only tensors have. */
export const enum TensorUnary {
  Gelu = 110,    // tanh-form GELU
  GeluErf = 111, // exact GELU, x·Φ(x)
}

/** Kinds of tensor node: what tensorOp() returns. */
export const enum NodeKind {
  Leaf = 0,          // elements from the host; requiresGrad on request; gradient accumulates
  Const = 1,         // elements from the host or one fill value; no gradient
  Param = 2,         // aliases a slot's data and gradient
  Unary = 3,         // an arity-1 elementwise op
  Binary = 4,        // an arity-2 elementwise op, broadcast
  Where = 5,         // mask ≠ 0 ? x : y, broadcast
  Compare = 6,       // (x kind y) ? 1 : 0, broadcast
  Reduce = 7,        // sum, max or min over axes
  Matmul = 8,        // batched matrix product
  Reshape = 9,       // same elements, new shape
  Permute = 10,      // dims reordered
  Expand = 11,       // broadcast to a shape
  Slice = 12,        // a box of elements
  Concat = 13,       // a and b joined along an axis
  Pad = 14,          // constant padding
  IndexSelect = 15,  // entries of an axis picked by int32 indices
  Conv2d = 16,       // 2-d convolution, no bias
  MaxPool2d = 17,    // window maximum; the first maximum gets the gradient
  AvgPool2d = 18,    // window mean; padding counts in the divisor
  Detach = 19,       // same elements, no gradient
  Cast = 20,         // another dtype (no gradient to or from int32)
  CrossEntropy = 21, // mean over rows of logsumexp − the target logit
  Argmax = 22,       // int32 index of the maximum along an axis: the first on ties, the first NaN if any
  Argmin = 23,       // int32 index of the minimum along an axis: the first on ties, the first NaN if any
  Argsort = 24,      // int32 indices that sort each line along an axis; stable, NaN largest
  Gather = 25,       // x taken along an axis at int32 indices of the shape of the output
  ScatterAdd = 26,   // x plus src added along an axis at int32 indices
  Cumsum = 27,       // running sum along an axis
  Cumprod = 28,      // running product along an axis; the gradient is exact where x has zeros
}

export const NODE_KIND_COUNT: i32 = 29;

/** Kinds of a Compare node: out = (x kind y) ? 1 : 0. */
export const enum CompareKind {
  Eq = 0, // x == y
  Ne = 1, // x != y
  Lt = 2, // x < y
  Le = 3, // x <= y
  Gt = 4, // x > y
  Ge = 5, // x >= y
}

export const COMPARE_KIND_COUNT: i32 = 6;

/** Kinds of a Reduce node. */
export const enum ReduceKind {
  Sum = 0, // sum, accumulated in f64
  Max = 1, // maximum; ties share the gradient
  Min = 2, // minimum; ties share the gradient
}

export const REDUCE_KIND_COUNT: i32 = 3;

/** Tensor dtypes. */
export const enum DType {
  F32 = 0, // float32, 4 bytes
  F64 = 1, // float64, 8 bytes
  I32 = 2, // int32, 4 bytes
}

export const DTYPE_COUNT: i32 = 3;

/** lastError() codes of the checked exports. */
export const enum ErrorCode {
  None = 0,         // no error
  BadOp = 1,        // unknown op, or wrong arity for the export
  BadNode = 2,      // node id not on the current tape (or a range, root or pointer that is not what the export needs)
  BadParam = 3,     // parameter slot not created
  BadProgram = 4,   // program id never made, or freed
  BadFormat = 5,    // bytes that are not a valid serialized program (docs/program-format.md)
  BadTensor = 6,    // tensor id not on the tensor tape
  BadShape = 7,     // shapes that do not fit the op (broadcast, matmul, conv, reshape, rank > 8)
  BadDType = 8,     // a dtype unknown, mixed, or not allowed for the op
  BadSlot = 9,      // slot never created, freed, or of the wrong size or dtype for the call
  BadArgument = 10, // an attribute out of range: an axis, an index, a stride, a slice bound
  OutOfMemory = 11, // linear memory could not grow to hold the request; nothing was changed
}

export const ERROR_CODE_COUNT: i32 = 12;

const OP_ARITY = memory.data<i8>([
  0, 0, 0, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 2, 2, 2, 2, 1, 2,
]);

/** Node inputs of scalar op `op` (Param's slot is not a node input), or -1 if `op` is not an op id. */
@inline export function arity(op: i32): i32 {
  return <u32>op < <u32>OP_COUNT ? <i32>load<i8>(OP_ARITY + <usize>op) : -1;
}

const ELEMENTWISE_LIMIT: i32 = 112;
const ELEMENTWISE_ARITY = memory.data<i8>([
  -1, -1, -1, 2, 2, 2, 2, 2, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  2, 2, 2, -1, -1, -1, -1, -1, -1, -1, 1, 1,
]);

/** Element inputs of `op` on tensors: 1 (Unary nodes), 2 (Binary nodes), or -1 where tensors do not take it. */
@inline export function elementwiseArity(op: i32): i32 {
  return <u32>op < <u32>ELEMENTWISE_LIMIT ? <i32>load<i8>(ELEMENTWISE_ARITY + <usize>op) : -1;
}

const NODE_ARITY = memory.data<i8>([
  0, 0, 0, 1, 2, 3, 2, 1, 2, 1, 1, 1, 1, 2, 1, 2, 2, 1, 1, 1,
  1, 2, 1, 1, 1, 2, 3, 1, 1,
]);

/** Tensor inputs of a node of kind `kind`, or -1 if `kind` is not a node kind. */
@inline export function nodeArity(kind: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT ? <i32>load<i8>(NODE_ARITY + <usize>kind) : -1;
}

/** Where tensorRun reads each attribute: a word (i32) offset into the staging area. An i32[] is a length word, then its entries. */
export const enum Attr {
  UnaryOp = 0,           // op
  BinaryOp = 0,          // op
  CompareKind = 0,       // compare
  ReduceKind = 0,        // reduce
  ReduceAxes = 1,        // i32[]
  ReduceKeepdims = 10,   // bool
  MatmulTransA = 0,      // bool
  MatmulTransB = 1,      // bool
  ReshapeShape = 0,      // i32[]
  PermutePerm = 0,       // i32[]
  ExpandShape = 0,       // i32[]
  SliceStarts = 0,       // i32[]
  SliceEnds = 9,         // i32[]
  ConcatAxis = 0,        // i32
  PadBefore = 0,         // i32[]
  PadAfter = 9,          // i32[]
  PadValue = 18,         // f64
  IndexSelectAxis = 0,   // i32
  Conv2dStrideH = 0,     // i32
  Conv2dStrideW = 1,     // i32
  Conv2dPadH = 2,        // i32
  Conv2dPadW = 3,        // i32
  MaxPool2dKernelH = 0,  // i32
  MaxPool2dKernelW = 1,  // i32
  MaxPool2dStrideH = 2,  // i32
  MaxPool2dStrideW = 3,  // i32
  MaxPool2dPadH = 4,     // i32
  MaxPool2dPadW = 5,     // i32
  AvgPool2dKernelH = 0,  // i32
  AvgPool2dKernelW = 1,  // i32
  AvgPool2dStrideH = 2,  // i32
  AvgPool2dStrideW = 3,  // i32
  AvgPool2dPadH = 4,     // i32
  AvgPool2dPadW = 5,     // i32
  CastDtype = 0,         // dtype
  ArgmaxAxis = 0,        // i32
  ArgmaxKeepdims = 1,    // bool
  ArgminAxis = 0,        // i32
  ArgminKeepdims = 1,    // bool
  ArgsortAxis = 0,       // i32
  ArgsortDescending = 1, // bool
  GatherAxis = 0,        // i32
  ScatterAddAxis = 0,    // i32
  CumsumAxis = 0,        // i32
  CumprodAxis = 0,       // i32
}

/** Entries an i32[] attribute has room for. */
export const ATTR_ARRAY_CAPACITY: i32 = 8;

const ATTR_STRIDE: i32 = 6;
const ATTR_LAYOUT = memory.data<i8>([
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, -1,
  -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, -1, -1, -1,
  -1, -1, 0, 1, 10, -1, -1, -1, 0, 1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1,
  0, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, 0, 9, -1, -1, -1, -1, 0, -1,
  -1, -1, -1, -1, 0, 9, 18, -1, -1, -1, 0, -1, -1, -1, -1, -1, 0, 1, 2, 3,
  -1, -1, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, -1, -1, -1, -1, -1, -1,
  0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, -1, -1, -1, -1, 0, 1,
  -1, -1, -1, -1, 0, 1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, 0, -1, -1, -1,
  -1, -1, 0, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1,
]);

/** The word of attribute `k` of node kind `kind` (in the registry's order), or -1 where there is none. */
export function attrWord(kind: i32, k: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT && <u32>k < <u32>ATTR_STRIDE ? <i32>load<i8>(ATTR_LAYOUT + <usize>(kind * ATTR_STRIDE + k)) : -1;
}
