// tensorRun as a host calls it from its documented layout: the kind's
// attributes written at their words of the stage (src/generated/ops.ts, the
// same offsets as include/wasmgrad.h and docs/abi.md), then one call.

import { NodeKind, STAGE_ATTRS, type OpAttrs, type OpInputs, type OpKindName } from '../src/generated/ops.js';

export interface RunExports {
  readonly memory: WebAssembly.Memory;
  tensorStage(): number;
  tensorStageInts(): number;
  tensorRun(kind: number, a: number, b: number, c: number): number;
}

/** Records a node of `kind` through the raw export; -1 on failure, as the export returns. */
export function runKind<K extends OpKindName>(core: unknown, kind: K, inputs: OpInputs[K], attrs: OpAttrs[K]): number {
  const c = core as RunExports;
  const at = c.tensorStage() >>> 0, n = c.tensorStageInts();
  STAGE_ATTRS[kind](new Int32Array(c.memory.buffer, at, n), new Float64Array(c.memory.buffer, at, n >> 1), attrs);
  const ins = inputs as readonly number[];
  return c.tensorRun(NodeKind[kind], ins[0], ins[1] ?? -1, ins[2] ?? -1);
}
