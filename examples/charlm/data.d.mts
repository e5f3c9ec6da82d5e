export { mulberry32 } from '../mnist/data.mjs';

/** The start and end token, id 0. */
export declare const END: '.';

export interface NameSplit {
  /** count × blockSize token ids: '.' then the name, then zeros. */
  X: Int32Array;
  /** count × blockSize targets: the name then '.', then −1 (no target). */
  Y: Int32Array;
  count: number;
}

export interface NameData {
  /** Id → character; itos[0] is the end token. */
  itos: string[];
  stoi: Map<string, number>;
  vocabSize: number;
  /** The longest name plus one. */
  blockSize: number;
  trainNames: string[];
  valNames: string[];
  train: NameSplit;
  val: NameSplit;
}

/** Every distinct name of both packages, lower case, sorted. */
export function loadNames(): string[];
export function loadNameData(options?: { seed?: number; valFraction?: number }): NameData;
/** Token ids → a string, up to the first end token. */
export function decode(itos: readonly string[], ids: Iterable<number>): string;
