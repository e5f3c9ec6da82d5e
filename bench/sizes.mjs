// What a user downloads: the tarball and each build of the core, measured
// from the files themselves and written into docs/hosts.md between its
// markers, so that no size in the docs is typed by hand.
//
//   npm run sizes        (after npm run build)
//
// test/hosts/package.test.ts checks the table against the current build.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = 'docs/hosts.md';
const BEGIN = '<!-- BEGIN GENERATED: sizes (npm run sizes) -->';
const END = '<!-- END GENERATED: sizes -->';

const BUILDS = [
  ['build/wasmgrad.relaxed.wasm', 'relaxed SIMD'],
  ['build/wasmgrad.simd.wasm', 'SIMD'],
  ['build/wasmgrad.wasm', 'no SIMD'],
];

const kB = (bytes) => `${(bytes / 1000).toFixed(0)} kB`;
const grouped = (n) => n.toLocaleString('en-US');

/** The sizes, as numbers: what the test compares with the build. */
export function measure() {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const under = (prefix) => pack.files.filter((f) => f.path.startsWith(prefix)).reduce((sum, f) => sum + f.size, 0);
  return {
    packed: pack.size,
    unpacked: pack.unpackedSize,
    files: pack.files.length,
    builds: BUILDS.map(([path, label]) => {
      const bytes = readFileSync(join(ROOT, path));
      return { path, label, bytes: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
    }),
    dist: under('dist/'),
    src: under('src/'),
    docs: under('include/') + under('docs/'),
  };
}

export function table(m) {
  return [
    '| | bytes |',
    '|---|---|',
    `| tarball (\`npm pack\`) | ${kB(m.packed)} packed, ${kB(m.unpacked)} unpacked, ${m.files} files |`,
    ...m.builds.map((b) => `| \`${b.path}\` (${b.label}) | ${grouped(b.bytes)} (${grouped(b.gzipped)} gzipped) |`),
    `| of the unpacked size: \`dist/\` (JS, \`.d.ts\`, source maps) | ${kB(m.dist)} |`,
    `| \`src/\` (the TypeScript the source maps point at) | ${kB(m.src)} |`,
    `| \`include/wasmgrad.h\`, \`docs/\` | ${kB(m.docs)} |`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(join(ROOT, DOC), 'utf8');
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  if (i < 0 || j < i) throw new Error(`${DOC}: missing the markers ${BEGIN} … ${END}`);
  writeFileSync(join(ROOT, DOC), `${text.slice(0, i + BEGIN.length)}\n${table(measure())}\n${text.slice(j)}`);
  console.log(`wrote the sizes table of ${DOC}`);
}
