// What the generators share: the paths and header line, naming, and the op
// lists each of them walks.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPS } from '../ops.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Tensor-only elementwise ops start here, clear of the scalar op ids. */
export const FIRST_TENSOR_OP = 100;

export const HEADER = 'Generated from registry/ops.mjs by `npm run gen`: edit the registry, not this file.';

// ── naming ──

export const snake = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
export const pad = (s, n) => s + ' '.repeat(Math.max(0, n - s.length));
export const widest = (strings) => Math.max(...strings.map((s) => s.length));

/** Elementwise ops by arity on tensors: what Unary (1) and Binary (2) nodes accept. */
export const elementwise = () => OPS.filter((op) => op.method !== null);
export const tensorOnly = (arity) => OPS.filter((op) => op.kind === 'tensor' && op.arity === arity);
export const scalarOps = () => OPS.filter((op) => op.kind === 'scalar');

// ── enums and tables (assembly.mjs, attrs.mjs, header.mjs) ──

export function asEnum(name, doc, entries, comment = () => '') {
  const width = widest(entries.map((e) => `${e.name} = ${e.id},`));
  const lines = entries.map((e) => {
    const c = comment(e);
    return c ? `  ${pad(`${e.name} = ${e.id},`, width)} // ${c}` : `  ${e.name} = ${e.id},`;
  });
  return `/** ${doc} */\nexport const enum ${name} {\n${lines.join('\n')}\n}\n`;
}

export const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
export const gradDoc = (op) => `${op.forward}. Gradient: ${op.gradient.rule}.`;
export const union = (ids) => ids.length ? ids.join(' | ') : 'never';

// ── C enums (header.mjs, attrs.mjs) ──

/** C comments stay ASCII. */
export const ascii = (s) => s
  .replace(/≠/g, '!=').replace(/≤/g, '<=').replace(/≥/g, '>=').replace(/−/g, '-').replace(/·/g, '*')
  .replace(/√/g, 'sqrt').replace(/π/g, 'pi').replace(/³/g, '^3').replace(/²/g, '^2').replace(/ˣ/g, '^x')
  .replace(/\*\//g, '* /');

export function cEnum(tag, doc, entries, prefix, cname, comment, last) {
  const all = entries.map((e) => ({ left: `WASMGRAD_${prefix}${cname(e)} = ${e.id}`, comment: ascii(comment(e)) }));
  if (last) all.push({ left: last.left, comment: last.comment });
  const width = widest(all.map((e) => e.left)) + 1;
  const lines = all.map((e, i) => {
    const left = i < all.length - 1 ? `${e.left},` : e.left;
    return `  ${pad(left, width)} /* ${e.comment} */`;
  });
  return `/** ${doc} */\nenum ${tag} {\n${lines.join('\n')}\n};`;
}

// ── Markdown (docs.mjs, rules.mjs) ──

export const md = (s) => s.replace(/\|/g, '\\|');
export const dtypeWords = { float: 'f32, f64', any: 'f32, f64, int32' };

// ── the generated methods (methods.mjs, rules.mjs) ──

export const methodDoc = (op) => `  /** ${op.doc ?? `${op.forward}. Gradient: ${op.gradient.rule}`}. */`;
export const generatedMethods = (kinds) => OPS.filter((op) => op.method !== null && op.variant === undefined && kinds.includes(op.kind));
export const idOf = (op) => `${op.kind === 'scalar' ? 'Op' : op.arity === 1 ? 'TensorUnary' : 'TensorBinary'}.${op.name}`;