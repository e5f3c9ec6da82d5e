export interface MakeMoonsOptions {
  /** Standard deviation of the Gaussian noise on each coordinate (default 0.1). */
  noise?: number;
  /** Seed of the PRNG for the shuffle and the noise (default 1337). */
  seed?: number;
  /** Shuffle the rows as sklearn does (default true). */
  shuffle?: boolean;
}

export interface Moons {
  /** Points as [x0, x1] rows. */
  X: number[][];
  /** Labels, -1 (outer moon) or +1 (inner moon). */
  y: number[];
}

export function makeMoons(n?: number, options?: MakeMoonsOptions): Moons;
