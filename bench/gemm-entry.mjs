// Compiles assembly/tensor/gemm.entry.ts (the matrix-multiply kernel on its
// own) in memory, with the options the core is built with, for
// bench/gemm.mjs and test/gemm.test.ts: both measure the current source,
// never a stale build.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The entry's Wasm binary: simd true (SIMD), false (no SIMD) or 'relaxed' (SIMD and relaxed SIMD). */
export async function compileGemmEntry(simd) {
  const outputs = new Map();
  const stderr = [];
  const { error } = await asc.main([
    'assembly/tensor/gemm.entry.ts',
    '--outFile', 'gemm.wasm',
    '--runtime', 'minimal', '--use', 'abort=', '--initialMemory', '1',
    '--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert',
    ...(simd ? ['--enable', 'simd'] : []),
    ...(simd === 'relaxed' ? ['--enable', 'relaxed-simd'] : []),
  ], {
    // asconfig.json would add assembly/index.ts as a second entry.
    readFile: (name, baseDir) => {
      if (name === 'asconfig.json') return null;
      try { return fs.readFileSync(path.resolve(ROOT, baseDir, name), 'utf8'); } catch { return null; }
    },
    writeFile: (name, contents) => { outputs.set(name, contents); },
    listFiles: () => [],
    stderr: { write: (s) => { stderr.push(String(s)); return true; } },
  });
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.join('')}`);
  const binary = outputs.get('gemm.wasm');
  if (!(binary instanceof Uint8Array)) throw new Error('asc wrote no gemm.wasm');
  return new Uint8Array(binary);
}
