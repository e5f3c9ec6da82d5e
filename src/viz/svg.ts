// SVG through @viz-js/viz (Graphviz compiled to Wasm): no Graphviz binary at
// run time. It is an optional peer dependency, loaded on the first toSvg()
// call only, so neither `wasmgrad` nor the rest of `wasmgrad/viz` pulls it in.

import type { Value } from '../value.js';
import type { Tensor } from '../tensor/tensor.js';
import { drawing, drawingToDot } from './dot.js';
import type { GraphOptions, TensorGraphOptions } from './style.js';
import { WasmgradArgumentError } from '../errors.js';

interface VizInstance {
  renderString(input: string, options?: { format?: string; engine?: string }): string;
}

let vizPromise: Promise<VizInstance> | undefined;

const VIZ_PACKAGE = '@viz-js/viz';

/** @internal The shared Graphviz instance (compiled once per process). */
export function graphviz(): Promise<VizInstance> {
  vizPromise ??= import('@viz-js/viz').then(
    (mod) => mod.instance(),
    (err: unknown) => {
      vizPromise = undefined;
      throw new Error(`toSvg needs the optional peer dependency ${VIZ_PACKAGE} (Graphviz compiled to Wasm): npm install ${VIZ_PACKAGE}`, { cause: err });
    },
  );
  return vizPromise;
}

/** Renders DOT (from `toDot()` or anywhere else) to a self-contained SVG string. */
export async function dotToSvg(dot: string): Promise<string> {
  if (typeof dot !== 'string') throw new WasmgradArgumentError(`dotToSvg: expected a DOT string, got ${typeof dot}`);
  const viz = await graphviz();
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}

/** The graph that `value` (or a Tensor) depends on as an SVG: `toDot(value, options)` laid out by Graphviz. */
export async function toSvg(value: Value, options?: GraphOptions): Promise<string>;
export async function toSvg(tensor: Tensor, options?: TensorGraphOptions): Promise<string>;
export async function toSvg(root: Value | Tensor, options: GraphOptions | TensorGraphOptions = {}): Promise<string> {
  return dotToSvg(drawingToDot(drawing(root, options, 'toSvg')));
}
