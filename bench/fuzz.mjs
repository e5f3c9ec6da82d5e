// The fuzzers of test/fuzz/ as a soak: the same properties as `npm test`, run
// for a time budget each with a fresh seed, printing progress.
//
//   npm run fuzz                         10 minutes per property, new seeds
//   FUZZ_SECONDS=60 npm run fuzz         one minute per property
//   FUZZ_RUNS=100000 npm run fuzz        a number of runs instead of a budget
//   FUZZ_SEED=1234 npm run fuzz -- saved-programs   replay one file's seed
//   FUZZ_SKIP=alloc,mse npm run fuzz     leave known failures out, to find the next
//
// Arguments are passed to vitest (a file name filter, e.g. `raw-exports`).
// A failure prints fast-check's seed, path and shrunk counterexample.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = { ...process.env };
if (env.FUZZ_SECONDS === undefined && env.FUZZ_RUNS === undefined) env.FUZZ_SECONDS = '600';
const filters = process.argv.slice(2).map((f) => `test/fuzz/${f}`);
console.log(`fuzz: ${env.FUZZ_SECONDS ? `${env.FUZZ_SECONDS} s` : `${env.FUZZ_RUNS} runs`} per property${env.FUZZ_SEED ? `, seed ${env.FUZZ_SEED}` : ''}`);
// One file at a time: each property is timed alone and has the cores to itself.
const child = spawn('npx', ['vitest', 'run', '--no-file-parallelism', ...(filters.length ? filters : ['test/fuzz'])], { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
