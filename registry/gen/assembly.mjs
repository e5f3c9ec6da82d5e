// assembly/generated/ops.ts: the core's ids, arity tables and attribute layout.

import { NODE_KINDS, COMPARE_KINDS, REDUCE_KINDS, DTYPES, ERRORS } from '../ops.mjs';
import { assemblyAttrs } from './attrs.mjs';
import { HEADER, asEnum, elementwise, scalarOps, tensorOnly } from './shared.mjs';

/** An i8 table indexed by id, -1 where no entry has that id. */
export function asTable(entries, size, value) {
  const table = new Array(size).fill(-1);
  for (const e of entries) table[e.id] = value(e);
  const rows = [];
  for (let i = 0; i < size; i += 20) rows.push(`  ${table.slice(i, i + 20).join(', ')},`);
  return `[\n${rows.join('\n')}\n]`;
}

export function assemblyFile() {
  const scalar = scalarOps();
  const limit = Math.max(...elementwise().map((op) => op.id)) + 1;
  return `// ${HEADER}
// The ids are the ABI (docs/abi.md). assembly/ops.ts, assembly/tensor/ops.ts,
// assembly/tensor/tape.ts and assembly/errors.ts re-export what their callers use.
//
// Arity comes from tables, never from id ranges, so an op of any arity can be
// appended. The tables are static data: one byte load, no branches on the id.

${asEnum('Op', 'Scalar op ids: the nodes of the scalar tape. Tensors apply the elementwise ones per element.', scalar, (op) => op.summary)}
/** Number of scalar op ids (they are 0 … OP_COUNT-1): what opCount() returns. */
export const OP_COUNT: i32 = ${scalar.length};

${asEnum('TensorBinary', 'Elementwise ops of arity 2 that only tensors have.', tensorOnly(2), (op) => op.summary)}
${asEnum('TensorUnary', 'Elementwise ops of arity 1 that only tensors have.', tensorOnly(1), (op) => op.summary)}
${asEnum('NodeKind', 'Kinds of tensor node: what tensorOp() returns.', NODE_KINDS, (k) => k.summary)}
export const NODE_KIND_COUNT: i32 = ${NODE_KINDS.length};

${asEnum('CompareKind', 'Kinds of a Compare node: out = (x kind y) ? 1 : 0.', COMPARE_KINDS, (k) => `x ${k.symbol} y`)}
export const COMPARE_KIND_COUNT: i32 = ${COMPARE_KINDS.length};

${asEnum('ReduceKind', 'Kinds of a Reduce node.', REDUCE_KINDS, (k) => k.summary)}
export const REDUCE_KIND_COUNT: i32 = ${REDUCE_KINDS.length};

${asEnum('DType', 'Tensor dtypes.', DTYPES, (d) => `${d.ts}, ${d.bytes} bytes`)}
export const DTYPE_COUNT: i32 = ${DTYPES.length};

${asEnum('ErrorCode', 'lastError() codes of the checked exports.', ERRORS, (e) => e.summary)}
export const ERROR_CODE_COUNT: i32 = ${ERRORS.length};

const OP_ARITY = memory.data<i8>(${asTable(scalar, scalar.length, (op) => op.arity)});

/** Node inputs of scalar op \`op\` (Param's slot is not a node input), or -1 if \`op\` is not an op id. */
@inline export function arity(op: i32): i32 {
  return <u32>op < <u32>OP_COUNT ? <i32>load<i8>(OP_ARITY + <usize>op) : -1;
}

const ELEMENTWISE_LIMIT: i32 = ${limit};
const ELEMENTWISE_ARITY = memory.data<i8>(${asTable(elementwise(), limit, (op) => op.arity)});

/** Element inputs of \`op\` on tensors: 1 (Unary nodes), 2 (Binary nodes), or -1 where tensors do not take it. */
@inline export function elementwiseArity(op: i32): i32 {
  return <u32>op < <u32>ELEMENTWISE_LIMIT ? <i32>load<i8>(ELEMENTWISE_ARITY + <usize>op) : -1;
}

const NODE_ARITY = memory.data<i8>(${asTable(NODE_KINDS, NODE_KINDS.length, (k) => k.inputs.length)});

/** Tensor inputs of a node of kind \`kind\`, or -1 if \`kind\` is not a node kind. */
@inline export function nodeArity(kind: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT ? <i32>load<i8>(NODE_ARITY + <usize>kind) : -1;
}

${assemblyAttrs()}`;
}