// Runs every benchmark, one process each (`npm run bench`, after the build):
//   moons.mjs                       the two-moons training step, five engines   → results/moons.json
//   chain.mjs --nodes 100000 ...    the 10^5-op chain (issue #4's size)          → results/chain-1e5.json
//   chain.mjs                       the 10^6-op chain                           → results/chain.json
// With --quick: moons.mjs --quick and chain.mjs --quick (10^5 ops), smoke runs
// that write *.quick.json (git-ignored) and take well under 2 minutes together.
// Exits non-zero if any benchmark does (e.g. engines that disagree).
//
//   node bench/all.mjs [--quick]

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const unknown = args.filter((a) => a !== '--quick');
if (unknown.length > 0) {
  console.error(`all.mjs: unknown argument ${unknown[0]}\nusage: node bench/all.mjs [--quick]   (run a single benchmark directly for its own options)`);
  process.exit(2);
}

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const runs = quick
  ? [
      ['moons.mjs', '--quick'],
      ['chain.mjs', '--quick'],
    ]
  : [
      ['moons.mjs'],
      ['chain.mjs', '--nodes', '100000', '--rounds', '45', '--out', here('./results/chain-1e5.json')],
      ['chain.mjs'],
    ];

const failed = [];
const t0 = Date.now();
for (const [script, ...rest] of runs) {
  console.error(`\n== node bench/${[script, ...rest].join(' ')}`);
  const r = spawnSync(process.execPath, [here(`./${script}`), ...rest], { stdio: 'inherit' });
  console.log(''); // a blank line between the reports on stdout
  if (r.status !== 0) failed.push(`${script} ${rest.join(' ')} (exit ${r.status ?? r.signal})`);
}
console.error(`\nall benchmarks: ${runs.length - failed.length}/${runs.length} succeeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
if (failed.length > 0) {
  console.error(`FAILED: ${failed.join('; ')}`);
  process.exit(1);
}
