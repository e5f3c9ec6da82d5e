// The reverse sweep (assembly/tensor/graph/backward.ts): backward() from a
// root, and the table of every node kind's backward rule. The table's type
// lists every kind of the registry, so a kind added to registry/ops.mjs
// without a twin rule here does not compile.

import { NODE_KIND_INFO, NodeKind, type NodeKindName } from '../../../generated/ops.js';
import { type BackwardRule, type TensorTape, type TNode } from '../tape.js';
import { constBack, leafBack, paramBack } from './leaves.js';
import { binaryBack, castBack, compareBack, detachBack, unaryBack, whereBack } from './elementwise.js';
import { reduceBack } from './reduce.js';
import { matmulBack } from './matmul.js';
import { concatBack, expandBack, indexSelectBack, padBack, permuteBack, reshapeBack, sliceBack } from './movement.js';
import { avgPool2dBack, conv2dBack, maxPool2dBack } from './conv.js';
import { crossEntropyBack } from './loss.js';
import { argmaxBack, argminBack, argsortBack, gatherBack, scatterAddBack } from './indexing.js';
import { cumprodBack, cumsumBack } from './scan.js';

/** One backward rule per node kind, each written beside its forward in its family's file. */
export type BackwardTable = { readonly [K in NodeKindName]: BackwardRule<K> };

export const BACKWARD: BackwardTable = {
  Leaf: leafBack,
  Const: constBack,
  Param: paramBack,
  Unary: unaryBack,
  Binary: binaryBack,
  Where: whereBack,
  Compare: compareBack,
  Reduce: reduceBack,
  Matmul: matmulBack,
  Reshape: reshapeBack,
  Permute: permuteBack,
  Expand: expandBack,
  Slice: sliceBack,
  Concat: concatBack,
  Pad: padBack,
  IndexSelect: indexSelectBack,
  Conv2d: conv2dBack,
  MaxPool2d: maxPool2dBack,
  AvgPool2d: avgPool2dBack,
  Detach: detachBack,
  Cast: castBack,
  CrossEntropy: crossEntropyBack,
  Argmax: argmaxBack,
  Argmin: argminBack,
  Argsort: argsortBack,
  Gather: gatherBack,
  ScatterAdd: scatterAddBack,
  Cumsum: cumsumBack,
  Cumprod: cumprodBack,
};

const KIND_NAMES = Object.keys(NodeKind) as NodeKindName[];

/** The table by kind id, for the sweep's dispatch (one indexed load and one call per node). */
const RULE_BY_ID: readonly BackwardRule<NodeKindName>[] = (() => {
  const rules: BackwardRule<NodeKindName>[] = [];
  for (const name of KIND_NAMES) rules[NodeKind[name]] = BACKWARD[name] as BackwardRule<NodeKindName>;
  return rules;
})();

/** Per kind id, bit i set if input i (a, b, c) receives a gradient: NODE_KIND_INFO's grads. */
const GRAD_INPUTS: Uint8Array = (() => {
  const bits = new Uint8Array(KIND_NAMES.length);
  for (const name of KIND_NAMES) {
    const grads = NODE_KIND_INFO[name].grads;
    for (let i = 0; i < grads.length; i++) if (grads[i]) bits[NodeKind[name]] |= 1 << i;
  }
  return bits;
})();

const PARAM = NodeKind.Param, LEAF = NodeKind.Leaf;

export function backward(t: TensorTape, root: number): void {
  const nodes = t.nodes;
  // d(root)/d(node) of this sweep only: zero what an earlier sweep left
  for (let i = 0; i <= root; i++) {
    const n = nodes[i];
    if (n.kind !== LEAF && n.kind !== PARAM && n.grad !== null) n.grad.fill(0);
  }
  const r = nodes[root];
  if (!r.requiresGrad) return;
  const reached = new Uint8Array(root + 1);
  reached[root] = 1;
  t.addGrad(root)[0] += 1;
  for (let id = root; id >= 0; id--) {
    if (reached[id] === 0) continue;
    const n = nodes[id];
    if (n.kind <= PARAM) continue;
    backwardNode(t, n, reached);
  }
}

/** Marks the inputs that take a gradient as reached, then runs the node's rule. */
function backwardNode(t: TensorTape, n: TNode, reached: Uint8Array): void {
  const a = n.a, b = n.b, c = n.c;
  const bits = GRAD_INPUTS[n.kind];
  const needA = a >= 0 && (bits & 1) !== 0 && t.rg(a);
  const needB = b >= 0 && (bits & 2) !== 0 && t.rg(b);
  const needC = c >= 0 && (bits & 4) !== 0 && t.rg(c);
  if (needA) reached[a] = 1;
  if (needB) reached[b] = 1;
  if (needC) reached[c] = 1;
  RULE_BY_ID[n.kind](t, n, needA, needB, needC);
}

export function zeroGrad(t: TensorTape): void {
  for (const n of t.nodes) if (n.grad) n.grad.fill(0);
  for (const s of t.slots) if (s) s.grad.fill(0);
}
