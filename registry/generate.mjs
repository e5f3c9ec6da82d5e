// `npm run gen`: writes every file that lists the ops from registry/ops.mjs.
//
//   node registry/generate.mjs           write the files that changed
//   node registry/generate.mjs --check   exit 1 if any is stale (what test/registry.test.ts checks)
//
// Some files are generated whole (assembly/generated/ops.ts, src/generated/*.ts);
// in include/wasmgrad.h and the docs only the text between BEGIN GENERATED
// and END GENERATED markers is, so their prose stays hand-written.
//
// Each target has its module in registry/gen/: check.mjs (the registry's
// rules), assembly.mjs, typescript.mjs, attrs.mjs (tensorRun's staging
// layout), header.mjs, docs.mjs, methods.mjs, rules.mjs and exports.mjs;
// shared.mjs holds what they share.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPS } from './ops.mjs';
import { assemblyFile } from './gen/assembly.mjs';
import { attrsSection, headerAttrs } from './gen/attrs.mjs';
import { check } from './gen/check.mjs';
import { errorsSection, opsReferenceSection, opsSection, tensorKindsSection } from './gen/docs.mjs';
import { exportsFile } from './gen/exports.mjs';
import { headerSection } from './gen/header.mjs';
import { methodsFile } from './gen/methods.mjs';
import { checkRules, rulesFile, rulesSection } from './gen/rules.mjs';
import { ROOT } from './gen/shared.mjs';
import { typescriptFile } from './gen/typescript.mjs';

export { ROOT } from './gen/shared.mjs';
export { compileRuleFor } from './gen/rules.mjs';

// ── splicing ──

function splice(path, text, name, body, open, close) {
  const begin = `${open}BEGIN GENERATED: ${name} (registry/ops.mjs, npm run gen)${close}`;
  const end = `${open}END GENERATED: ${name}${close}`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${path}: missing the markers\n${begin}\n${end}`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

const readOrNull = (path) => { try { return readFileSync(join(ROOT, path), 'utf8'); } catch { return null; } };

/**
 * Every generated file as it should be. `read(path)` returns a file's current
 * text (paths relative to the repository), for the files only partly generated.
 */
export function generate(read = (path) => readOrNull(path) ?? '') {
  check();
  checkRules();
  let header = read('include/wasmgrad.h');
  header = splice('include/wasmgrad.h', header, 'enums', headerSection(), '/* ', ' */');
  header = splice('include/wasmgrad.h', header, 'attrs', headerAttrs(), '/* ', ' */');
  let abi = read('docs/abi.md');
  abi = splice('docs/abi.md', abi, 'ops', opsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'errors', errorsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'tensor kinds', tensorKindsSection(), '<!-- ', ' -->');
  abi = splice('docs/abi.md', abi, 'tensor attrs', attrsSection(), '<!-- ', ' -->');
  const reference = splice('docs/ops.md', read('docs/ops.md'), 'ops', opsReferenceSection(), '<!-- ', ' -->');
  const transforms = splice('docs/transforms.md', read('docs/transforms.md'), 'rules', rulesSection(), '<!-- ', ' -->');
  // Only once the module is built: a fresh clone keeps the checked-in file until then.
  const dts = read('build/wasmgrad.d.ts');
  const compiled = dts ? [{ path: 'src/generated/exports.ts', content: exportsFile(dts) }] : [];
  return [
    ...compiled,
    { path: 'src/generated/methods.ts', content: methodsFile() },
    { path: 'src/generated/rules.ts', content: rulesFile() },
    { path: 'docs/ops.md', content: reference },
    { path: 'docs/transforms.md', content: transforms },
    { path: 'assembly/generated/ops.ts', content: assemblyFile() },
    { path: 'src/generated/ops.ts', content: typescriptFile() },
    { path: 'include/wasmgrad.h', content: header },
    { path: 'docs/abi.md', content: abi },
  ];
}

/** The generated files whose text (as `read` gives it, null if missing) is not what generate() makes now. */
export function staleFiles(read = readOrNull) {
  return generate((path) => read(path) ?? '').filter((f) => read(f.path) !== f.content);
}

/**
 * Ops with a method but no hand-written note in docs/ops.md (a `### Name`
 * heading): the generated table says what an op computes, the note what a user
 * should know about it.
 */
export function opsWithoutNotes(doc) {
  const headings = new Set([...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1]));
  return OPS.filter((op) => op.method !== null && !headings.has(op.name)).map((op) => op.name);
}

function main() {
  const checkOnly = process.argv.includes('--check');
  const stale = staleFiles();
  if (checkOnly) {
    for (const f of stale) console.error(`stale: ${f.path} (run npm run gen)`);
    process.exit(stale.length ? 1 : 0);
  }
  for (const f of stale) {
    mkdirSync(dirname(join(ROOT, f.path)), { recursive: true });
    writeFileSync(join(ROOT, f.path), f.content);
    console.log(`wrote ${f.path}`);
  }
  if (stale.length === 0) console.log('generated files are up to date');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();