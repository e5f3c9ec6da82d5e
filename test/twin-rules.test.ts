// The JS twin's backward rules are one table keyed by node kind
// (src/js/tensor/graph/backward.ts). Its type lists every kind of the registry, so a
// kind added to registry/ops.mjs without a twin rule fails `tsc -p
// test/tsconfig.json` (the `@ts-expect-error` lines below are that check: each
// is an error today, and tsc fails if one stops being one).
import { describe, expect, it } from 'vitest';
import { NODE_KIND_COUNT, NodeKind, type NodeKindName } from '../src/generated/ops.js';
import { BACKWARD, type BackwardTable } from '../src/js/tensor/graph/backward.js';

// a table without Cast's rule is not a BackwardTable
const { Cast: _cast, ...withoutCast } = BACKWARD;
// @ts-expect-error Property 'Cast' is missing
export const missingRule: BackwardTable = withoutCast;

// nor is one whose Matmul slot holds another kind's rule (its node carries other attributes)
// @ts-expect-error Reduce's rule reads an Int32Array where Matmul's node has its batch plan
export const wrongRule: BackwardTable = { ...BACKWARD, Matmul: BACKWARD.Reduce };

// a kind the registry does not have is not a key either
// @ts-expect-error Object literal may only specify known properties
export const extraRule: BackwardTable = { ...BACKWARD, Log1p: BACKWARD.Unary };

describe("the twin's backward table", () => {
  it('has a rule for every node kind of the registry, and nothing else', () => {
    const names = Object.keys(NodeKind) as NodeKindName[];
    expect(names).toHaveLength(NODE_KIND_COUNT);
    expect(Object.keys(BACKWARD).sort()).toEqual([...names].sort());
    for (const name of names) expect(typeof BACKWARD[name], name).toBe('function');
  });
});
