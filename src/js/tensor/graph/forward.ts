// The twin's one entry for ops: the forward of every node kind with inputs,
// keyed by kind as the backward rules are (./backward.ts). The table's type
// lists every such kind of the registry with its inputs and attributes, so a
// kind added to registry/ops.mjs without a forward here does not compile.
// Each forward works out its output shape from its inputs' shapes and its
// attributes, as the core does; the front end has validated both.

import type { OpAttrs, OpInputs, OpKindName } from '../../../generated/ops.js';
import type { TensorTape } from '../tape.js';
import * as elementwise from './elementwise.js';
import * as reduce from './reduce.js';
import * as mm from './matmul.js';
import * as movement from './movement.js';
import * as conv from './conv.js';
import * as loss from './loss.js';

export type ForwardRule<K extends OpKindName> = (t: TensorTape, inputs: OpInputs[K], attrs: OpAttrs[K]) => number;
export type ForwardTable = { readonly [K in OpKindName]: ForwardRule<K> };

export const FORWARD: ForwardTable = {
  Unary: (t, i, a) => elementwise.unary(t, a.op, i[0]),
  Binary: (t, i, a) => elementwise.binary(t, a.op, i[0], i[1]),
  Where: (t, i) => elementwise.where(t, i[0], i[1], i[2]),
  Compare: (t, i, a) => elementwise.compare(t, a.kind, i[0], i[1]),
  Reduce: (t, i, a) => reduce.reduce(t, a.kind, i[0], a.axes, a.keepdims),
  Matmul: (t, i, a) => mm.matmul(t, i[0], i[1], a.transA, a.transB),
  Reshape: (t, i, a) => movement.reshape(t, i[0], a.shape),
  Permute: (t, i, a) => movement.permute(t, i[0], a.perm),
  Expand: (t, i, a) => movement.expand(t, i[0], a.shape),
  Slice: (t, i, a) => movement.slice(t, i[0], a.starts, a.ends),
  Concat: (t, i, a) => movement.concat(t, i[0], i[1], a.axis),
  Pad: (t, i, a) => movement.pad(t, i[0], a.before, a.after, a.value),
  IndexSelect: (t, i, a) => movement.indexSelect(t, i[0], a.axis, i[1]),
  Conv2d: (t, i, a) => conv.conv2d(t, i[0], i[1], a),
  MaxPool2d: (t, i, a) => conv.maxPool2d(t, i[0], a),
  AvgPool2d: (t, i, a) => conv.avgPool2d(t, i[0], a),
  Detach: (t, i) => elementwise.detach(t, i[0]),
  Cast: (t, i, a) => elementwise.cast(t, i[0], a.dtype),
  CrossEntropy: (t, i) => loss.crossEntropy(t, i[0], i[1]),
};
