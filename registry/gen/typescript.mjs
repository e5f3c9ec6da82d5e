import { OPS, NODE_KINDS, COMPARE_KINDS, REDUCE_KINDS, DTYPES, ERRORS } from '../ops.mjs';
import { typescriptAttrs } from './attrs.mjs';
import { HEADER, elementwise, gradDoc, q, scalarOps, tensorOnly, union } from './shared.mjs';

// ── src/generated/ops.ts ──

/** A TypeScript `as const` object, one JSDoc line per member. */
export function tsObject(name, doc, entries, comment) {
  const lines = entries.map((e) => {
    const c = comment?.(e);
    return `${c ? `  /** ${c} */\n` : ''}  ${e.name}: ${e.id},`;
  });
  return `/** ${doc} */\nexport const ${name} = {\n${lines.join('\n')}\n} as const;\n`;
}

export function typescriptFile() {
  const scalar = scalarOps();
  const ew = elementwise();
  return `// ${HEADER}
// The ids are the ABI (docs/abi.md); assembly/generated/ops.ts has the same
// names for the same ids. src/ops.ts, src/tensor/backend.ts and the twin import
// them from here.

${tsObject('Op', 'Scalar op ids: the nodes of the scalar tape. Tensors apply the elementwise ones per element.', scalar, (op) => op.summary)}
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
export type ScalarMethodName = ${union(scalar.filter((op) => op.method !== null).map((op) => q(op.method)))};

export const OP_INFO: { readonly [K in OpName]: OpInfo } = {
${scalar.map((op) => `  ${op.name}: { arity: ${op.arity}, symbol: ${q(op.symbol)}, local: [${op.local.map(q).join(', ')}], method: ${op.method === null ? 'null' : q(op.method)} },`).join('\n')}
};

/** Arity by scalar op id, for loops that would otherwise look the name up. */
export const OP_ARITY: Uint8Array = Uint8Array.of(${scalar.map((op) => op.arity).join(', ')});

/** Op names indexed by id. */
export const OP_NAMES: readonly OpName[] = [${scalar.map((op) => q(op.name)).join(', ')}];

/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT = ${scalar.length};

${tsObject('TensorBinary', 'Elementwise binary ops that only tensors have (scalar ops use Op ids).', tensorOnly(2), gradDoc)}
${tsObject('TensorUnary', 'Elementwise unary ops that only tensors have.', tensorOnly(1), gradDoc)}
/** The ops \`unary\` takes: scalar ops of arity 1 that tensors take elementwise, and TensorUnary. */
/** Scalar ops by arity: the twin's two rule tables are keyed by these. */
export type ScalarUnaryOpId = ${union(scalar.filter((op) => op.arity === 1).map((op) => op.id))};
export type ScalarBinaryOpId = ${union(scalar.filter((op) => op.arity === 2).map((op) => op.id))};
export type UnaryOpId = ${union(ew.filter((op) => op.arity === 1).map((op) => op.id))};
/** The ops \`binary\` takes: scalar ops of arity 2 that tensors take elementwise, and TensorBinary. */
export type BinaryOpId = ${union(ew.filter((op) => op.arity === 2).map((op) => op.id))};

/** The elementwise ops only tensors have: the twin's tensor rule table is keyed by these. */
export type TensorOnlyOpId = ${union(OPS.filter((op) => op.kind === 'tensor').map((op) => op.id))};

export interface ElementwiseInfo {
  /** Element inputs: 1 for \`unary\`, 2 for \`binary\`. */
  readonly arity: 1 | 2;
  /** The Tensor method that records the op. */
  readonly method: string;
  /** 'float': f32 and f64 only; 'any': int32 too. */
  readonly dtypes: 'float' | 'any';
}

/** The ops tensors take elementwise, by id. */
export const ELEMENTWISE: Readonly<Record<number, ElementwiseInfo>> = {
${ew.map((op) => `  ${op.id}: { arity: ${op.arity}, method: ${q(op.method)}, dtypes: ${q(op.dtypes)} }, // ${op.name}`).join('\n')}
};

${tsObject('NodeKind', 'Kinds of tensor node (what the core\'s tensorOp() returns).', NODE_KINDS, (k) => k.summary)}
export type NodeKindName = keyof typeof NodeKind;
export type NodeKindId = (typeof NodeKind)[NodeKindName];
export const NODE_KIND_COUNT = ${NODE_KINDS.length};

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
${NODE_KINDS.map((k) => `  ${k.name}: { inputs: [${k.inputs.map(q).join(', ')}], grads: [${k.grads.join(', ')}], attrs: [${k.attrs.map((a) => `{ name: ${q(a.name)}, type: ${q(a.type)} }`).join(', ')}] },`).join('\n')}
};

${tsObject('CompareKind', 'Comparison kinds of `compare`: out = (x op y) ? 1 : 0, no gradient.', COMPARE_KINDS, (k) => `x ${k.symbol} y`)}
export type CompareKindId = (typeof CompareKind)[keyof typeof CompareKind];
export const COMPARE_KIND_COUNT = ${COMPARE_KINDS.length};

${tsObject('ReduceKind', 'Reduction kinds of `reduce`. Max/Min split the gradient evenly among tied maxima (as torch.amax).', REDUCE_KINDS, (k) => k.summary)}
export type ReduceKindId = (typeof ReduceKind)[keyof typeof ReduceKind];
export const REDUCE_KIND_COUNT = ${REDUCE_KINDS.length};

export type DType = ${DTYPES.map((d) => q(d.ts)).join(' | ')};
/** The core's code of each dtype. */
export const DTYPE_CODE = { ${DTYPES.map((d) => `${d.ts}: ${d.id}`).join(', ')} } as const;
/** Dtypes indexed by code. */
export const DTYPE_NAMES: readonly DType[] = [${DTYPES.map((d) => q(d.ts)).join(', ')}];

${tsObject('ErrorCode', 'lastError() codes of the core\'s checked exports.', ERRORS, (e) => e.summary)}
export const ERROR_CODE_COUNT = ${ERRORS.length};

/** What each lastError() code says in an error message. */
export const ERROR_NAMES: Readonly<Record<number, string>> = {
${ERRORS.filter((e) => e.id !== 0).map((e) => `  ${e.id}: ${q(e.message)},`).join('\n')}
};

${typescriptAttrs()}`;
}