// The enums between include/wasmgrad.h's markers.

import { OPS, NODE_KINDS, COMPARE_KINDS, REDUCE_KINDS, DTYPES, ERRORS } from '../ops.mjs';
import { cEnum, scalarOps, snake } from './shared.mjs';

export function headerSection() {
  const scalar = scalarOps();
  const arityWord = ['leaf', 'unary', 'binary'];
  return [
    cEnum('wasmgrad_op', 'Op ids (append-only), each with its arity: the node inputs it takes.', scalar, 'OP_', (op) => snake(op.name),
      (op) => `${arityWord[op.arity]}: ${op.summary}`,
      { left: `WASMGRAD_OP_COUNT = ${scalar.length}`, comment: 'the ops this header declares: opCount() of a module built with it (ids are append-only, so a newer module may have more)' }),
    cEnum('wasmgrad_error', 'lastError() codes. A failed checked export returns -1 (NaN for the f64 readers) and records one.', ERRORS, '',
      (e) => e.c, (e) => e.summary),
    cEnum('wasmgrad_dtype', 'Tensor dtypes.', DTYPES, 'DTYPE_', (d) => d.name, (d) => `${d.ts}, ${d.bytes} bytes`),
    cEnum('wasmgrad_tensor_op', 'Elementwise ops only tensors have (the scalar op ids above work on tensors too).',
      OPS.filter((op) => op.kind === 'tensor'), 'TOP_', (op) => snake(op.name), (op) => `${arityWord[op.arity]}: ${op.summary}`),
    cEnum('wasmgrad_node_kind', 'Tensor node kinds: what wasmgrad_tensorOp() returns.', NODE_KINDS, 'NODE_', (k) => snake(k.name),
      (k) => `${k.inputs.length ? k.inputs.join(', ') : 'no inputs'}: ${k.summary}`),
    cEnum('wasmgrad_compare', 'Kinds of a Compare node: 1 where (x kind y), else 0.', COMPARE_KINDS, 'CMP_', (k) => snake(k.name),
      (k) => `x ${k.symbol} y`),
    cEnum('wasmgrad_reduce', 'Kinds of a Reduce node.', REDUCE_KINDS, 'REDUCE_', (k) => snake(k.name), (k) => k.summary),
  ].join('\n\n');
}