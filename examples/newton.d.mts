import type { Value } from 'wasmgrad';

export declare const rosenbrock: (x: Value, y: Value) => Value;

/** Newton iterates from `start` until the step is below `tol` (or maxIter steps), the start first. */
export function newton(options?: { backend?: 'wasm' | 'js'; start?: [number, number]; tol?: number; maxIter?: number }): Promise<[number, number][]>;
