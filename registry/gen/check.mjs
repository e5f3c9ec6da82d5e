// The rules of registry/ops.mjs that npm run gen enforces before it writes anything.

import { OPS, NODE_KINDS, COMPARE_KINDS, REDUCE_KINDS, DTYPES, ERRORS } from '../ops.mjs';
import { attrLayout, runKinds } from './attrs.mjs';
import { FIRST_TENSOR_OP } from './shared.mjs';

// ── checks: the rules of registry/ops.mjs ──

export function check() {
  const fail = (msg) => { throw new Error(`registry/ops.mjs: ${msg}`); };
  const dense = (list, what) => list.forEach((e, i) => { if (e.id !== i) fail(`${what} ${e.name} has id ${e.id}, expected ${i} (ids are dense and append-only)`); });
  const unique = (list, what) => {
    const names = new Set();
    for (const e of list) {
      if (!/^[A-Z][A-Za-z0-9]*$/.test(e.name)) fail(`${what} name ${e.name} is not PascalCase`);
      if (names.has(e.name)) fail(`${what} ${e.name} is declared twice`);
      names.add(e.name);
    }
  };
  const scalar = OPS.filter((op) => op.kind === 'scalar');
  const tensor = OPS.filter((op) => op.kind === 'tensor');
  if (scalar.length + tensor.length !== OPS.length) fail('every op has kind scalar or tensor');
  dense(scalar, 'scalar op');
  unique(OPS, 'op');
  let last = FIRST_TENSOR_OP - 1;
  for (const op of tensor) {
    if (op.id <= last) fail(`tensor op ${op.name} has id ${op.id}: tensor-only ids count up from ${FIRST_TENSOR_OP}`);
    if (op.arity !== 1 && op.arity !== 2) fail(`tensor op ${op.name} must have arity 1 or 2`);
    last = op.id;
  }
  if (scalar.length > 255) fail('scalar op ids must fit the tape\'s u8 op byte');
  for (const op of OPS) {
    if (op.gradient.inputs.length !== op.arity) fail(`${op.name}: gradient.inputs needs one entry per input`);
    if ((op.method === null) !== (op.dtypes === null)) fail(`${op.name}: dtypes is null exactly when method is`);
    if (op.method !== null && op.arity === 0) fail(`${op.name}: a leaf cannot be elementwise`);
  }
  for (const [list, what] of [[NODE_KINDS, 'node kind'], [COMPARE_KINDS, 'compare kind'], [REDUCE_KINDS, 'reduce kind'], [DTYPES, 'dtype'], [ERRORS, 'error code']]) {
    dense(list, what);
    unique(list, what);
  }
  // The tapes skip leaves by id (op <= Const) and read slots at Param: those three come first.
  if (scalar.slice(0, 3).map((op) => `${op.name}:${op.arity}`).join() !== 'Leaf:0,Const:0,Param:0' || scalar.slice(3).some((op) => op.arity === 0)) {
    fail('Leaf, Const and Param are ids 0, 1, 2 and the only ops of arity 0');
  }
  const methods = new Map();
  for (const op of OPS) {
    if (op.local.length !== op.arity) fail(`${op.name}: local needs one formula per input`);
    if (op.method !== null && op.check === null) fail(`${op.name}: an op with a method needs a check (test/op-table.test.ts)`);
    for (const p of op.check?.points ?? []) if (p.length !== op.arity + 1) fail(`${op.name}: check points are [x, (y,) out]`);
    if (op.method === null) continue;
    const others = methods.get(op.method) ?? [];
    methods.set(op.method, [...others, op]);
  }
  for (const [method, ops] of methods) {
    if (ops.length === 1) continue;
    const option = ops[0].variant?.option;
    if (!option || ops.some((op) => op.variant?.option !== option || op.arity !== ops[0].arity || op.kind !== 'tensor')) {
      fail(`${ops.map((op) => op.name).join(', ')} share the method ${method}: give each a variant of one option (tensor ops of one arity)`);
    }
    if (ops.filter((op) => op.variant.default).length !== 1) fail(`${method}: exactly one variant is the default`);
  }
  for (const k of NODE_KINDS) if (k.grads.length !== k.inputs.length) fail(`node kind ${k.name}: grads needs one entry per input`);
  for (const k of runKinds()) if (k.inputs.length > 3) fail(`node kind ${k.name}: tensorRun takes at most three inputs`);
  for (const k of runKinds()) attrLayout(k);
}