// How long each fuzzer runs. `npm test` runs every property with a fixed seed
// and a small number of runs, so the suite is repeatable and the four fuzzers
// together stay under a minute. `npm run fuzz` (bench/fuzz.mjs) sets
//   FUZZ_SECONDS  a time budget per property (runs stop when it is spent),
//   FUZZ_RUNS     a number of runs per property (default: unbounded when
//                 FUZZ_SECONDS is set),
//   FUZZ_SEED     the seed (default: fixed under npm test, the clock in soak),
//   FUZZ_SKIP     names of exports or calls to leave out (see SKIP),
// and each property then prints its progress. A failure prints fast-check's
// seed and path, so `FUZZ_SEED=… ` replays it.
import fc from 'fast-check';

const env = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const x = Number(raw);
  if (!Number.isFinite(x) || x < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return x;
};

const seconds = env('FUZZ_SECONDS');
const runs = env('FUZZ_RUNS');
const seedEnv = env('FUZZ_SEED');

/**
 * FUZZ_SKIP=alloc,mse,… leaves these exports (raw-export fuzzer) or calls
 * (API fuzzer) out, to look past a known failure to the next one.
 */
export const SKIP: ReadonlySet<string> = new Set((process.env.FUZZ_SKIP ?? '').split(',').filter(Boolean));

/** True under `npm run fuzz`: more runs, a time budget, progress lines. */
export const SOAK = seconds !== undefined || runs !== undefined;

/** Vitest's timeout for a property: its budget plus room to shrink a failure. */
export function timeout(boundedMs: number): number {
  return SOAK ? (seconds ?? 3600) * 1000 + 300_000 : boundedMs;
}

/**
 * fast-check parameters for one property. `bounded` is the number of runs
 * under npm test; `seed` keeps each property's stream of cases its own.
 */
export function params<T>(name: string, bounded: number, seed: number): fc.Parameters<T> {
  if (!SOAK) return { seed, numRuns: bounded, endOnFailure: false };
  const actualSeed = seedEnv ?? (Date.now() ^ seed) >>> 0;
  process.stderr.write(`[fuzz] ${name}: seed ${actualSeed}, ${runs ?? 'unbounded'} runs, ${seconds ?? 'no'} s budget\n`);
  return {
    seed: actualSeed,
    numRuns: runs ?? 2 ** 31 - 1,
    ...(seconds !== undefined ? { interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false } : {}),
  };
}

/**
 * Wraps a predicate so that in soak mode it prints how many cases ran, every
 * ten seconds and at the end (fast-check has no progress hook of its own).
 */
export function progress<A extends unknown[], R>(name: string, predicate: (...args: A) => R): { predicate: (...args: A) => R; done(): void } {
  if (!SOAK) return { predicate, done() {} };
  const start = Date.now();
  let count = 0;
  let last = start;
  const line = () => process.stderr.write(`[fuzz] ${name}: ${count} cases in ${((Date.now() - start) / 1000).toFixed(0)} s\n`);
  return {
    predicate: (...args: A) => {
      count++;
      const now = Date.now();
      if (now - last >= 10_000) {
        last = now;
        line();
      }
      return predicate(...args);
    },
    done: line,
  };
}

/** Runs a synchronous property with this file's settings and reports progress in soak mode. */
export function check<Ts extends [unknown, ...unknown[]]>(
  name: string, bounded: number, seed: number, arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, predicate: (...args: Ts) => boolean | void,
): void {
  const p = progress(name, predicate);
  try {
    fc.assert(fc.property(...arbs, p.predicate), params(name, bounded, seed));
  } finally {
    p.done();
  }
}

/** The same for a property whose predicate is async. */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(
  name: string, bounded: number, seed: number, arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, predicate: (...args: Ts) => Promise<boolean | void>,
): Promise<void> {
  const p = progress(name, predicate);
  try {
    await fc.assert(fc.asyncProperty(...arbs, p.predicate), params(name, bounded, seed));
  } finally {
    p.done();
  }
}
