export interface W6Config { batch: number; seq: number; width: number; heads: number; mlp: number; eps: number; lr: number; betas: [number, number]; adamEps: number; weightDecay: number; seed: number; dtype?: 'float32' | 'float64' }
export interface W7Config { batch: number; classes: number; lr: number; momentum: number; seed: number; dtype?: 'float32' | 'float64' }
export const W6: W6Config;
export const W7: W7Config;
export const CHECKED_STEPS: number;
export const W6_PARAM_NAMES: string[];
export const W7_PARAM_NAMES: string[];
export function mulberry32(seed: number): () => number;
export function w6Setup(cfg?: W6Config): { x: Float32Array; params: Record<string, Float32Array> };
export function w7Setup(cfg?: W7Config): { x: Float32Array; y: Int32Array; params: Record<string, Float32Array> };
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array;
export function oihwToHwio(a: Float32Array, O: number, I: number, KH: number, KW: number): Float32Array;
export function nchwToNhwc(a: Float32Array, N: number, C: number, H: number, W: number): Float32Array;
export function fc1ForNhwc(w: Float32Array): Float32Array;
export function erf(x: number): number;
export function w6ReferenceLoss(cfg?: W6Config): number;
export function w7ReferenceLoss(cfg?: W7Config): number;
