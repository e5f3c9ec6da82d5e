import { NODE_KINDS } from '../ops.mjs';
import { asEnum, cEnum, q, snake } from './shared.mjs';

// ── the attribute layout of tensorRun ──
//
// tensorRun(kind, a, b, c) records every node kind with inputs; it reads the
// kind's attributes from the staging area, each at a fixed word (i32) offset
// derived here from the kind's attrs in declaration order: a scalar takes one
// word, an f64 two (8-byte aligned), an i32[] a length word and then
// ATTR_ARRAY_CAPACITY entries. The same offsets go to the core, the wrappers,
// the C header and the ABI doc, so a host that writes by any of them writes
// what the core reads.

/** Entries of an i32[] attribute: one per dim, at most the core's MAX_RANK (assembly/tensor/tape.ts). */
export const ATTR_ARRAY_CAPACITY = 8;
export const ATTR_WORDS = { i32: 1, bool: 1, dtype: 1, slot: 1, op: 1, compare: 1, reduce: 1, f64: 2, 'i32[]': 1 + ATTR_ARRAY_CAPACITY };

/** Kinds tensorRun records: every kind with inputs (leaves come from tensorFromData, tensorFull and slotNode). */
export const runKinds = () => NODE_KINDS.filter((k) => k.inputs.length > 0);

/** The kind's attributes with `word`, the offset tensorRun reads each at. */
export function attrLayout(kind) {
  let word = 0;
  return kind.attrs.map((a) => {
    const size = ATTR_WORDS[a.type];
    if (size === undefined) throw new Error(`registry/ops.mjs: node kind ${kind.name} has inputs, so tensorRun records it, but attribute ${a.name} of type ${a.type} cannot be staged`);
    if (a.type === 'f64') word += word & 1;
    const at = word;
    word += size;
    return { ...a, word: at };
  });
}

/** Words of the stage a kind's attributes take. */
export const attrWords = (kind) => {
  const l = attrLayout(kind);
  return l.length ? l[l.length - 1].word + ATTR_WORDS[l[l.length - 1].type] : 0;
};
export const pascal = (s) => s[0].toUpperCase() + s.slice(1);
/** The widest attribute list of any kind: the stride of the core's layout table. */
export const maxAttrs = () => Math.max(...runKinds().map((k) => k.attrs.length));

export function assemblyAttrs() {
  const entries = runKinds().flatMap((k) => attrLayout(k).map((a) => ({ name: `${k.name}${pascal(a.name)}`, id: a.word, a })));
  const stride = maxAttrs();
  const table = new Array(NODE_KINDS.length * stride).fill(-1);
  for (const k of runKinds()) attrLayout(k).forEach((a, i) => { table[k.id * stride + i] = a.word; });
  const rows = [];
  for (let i = 0; i < table.length; i += 20) rows.push(`  ${table.slice(i, i + 20).join(', ')},`);
  return `${asEnum('Attr', 'Where tensorRun reads each attribute: a word (i32) offset into the staging area. An i32[] is a length word, then its entries.',
    entries, (e) => e.a.type)}
/** Entries an i32[] attribute has room for. */
export const ATTR_ARRAY_CAPACITY: i32 = ${ATTR_ARRAY_CAPACITY};

const ATTR_STRIDE: i32 = ${stride};
const ATTR_LAYOUT = memory.data<i8>([
${rows.join('\n')}
]);

/** The word of attribute \`k\` of node kind \`kind\` (in the registry's order), or -1 where there is none. */
export function attrWord(kind: i32, k: i32): i32 {
  return <u32>kind < <u32>NODE_KIND_COUNT && <u32>k < <u32>ATTR_STRIDE ? <i32>load<i8>(ATTR_LAYOUT + <usize>(kind * ATTR_STRIDE + k)) : -1;
}
`;
}

/** What each attribute type is in TypeScript; `op` depends on the kind's arity. */
export function tsAttrType(kind, a) {
  switch (a.type) {
    case 'i32': case 'slot': return 'number';
    case 'f64': return 'number';
    case 'bool': return 'boolean';
    case 'dtype': return 'DType';
    case 'op': return kind.inputs.length === 1 ? 'UnaryOpId' : 'BinaryOpId';
    case 'compare': return 'CompareKindId';
    case 'reduce': return 'ReduceKindId';
    case 'i32[]': return 'readonly number[]';
    default: throw new Error(`no TypeScript type for attribute type ${a.type}`);
  }
}

/** The statement that stages one attribute `a` of `attrs`. */
export function tsStageAttr(a) {
  const v = `attrs.${a.name}`;
  switch (a.type) {
    case 'f64': return `f64s[${a.word / 2}] = ${v};`;
    case 'bool': return `words[${a.word}] = ${v} ? 1 : 0;`;
    case 'dtype': return `words[${a.word}] = DTYPE_CODE[${v}];`;
    case 'i32[]': return `stageList(words, ${a.word}, ${v});`;
    default: return `words[${a.word}] = ${v};`;
  }
}

export function typescriptAttrs() {
  const kinds = runKinds();
  const inputs = (k) => `readonly [${k.inputs.map((n) => `${n}: number`).join(', ')}]`;
  const attrs = (k) => k.attrs.length ? `{ ${k.attrs.map((a) => `readonly ${a.name}: ${tsAttrType(k, a)}`).join('; ')} }` : 'Record<string, never>';
  const stager = (k) => {
    const l = attrLayout(k);
    if (l.length === 0) return `  ${k.name}: () => {},`;
    const usesF64 = l.some((a) => a.type === 'f64');
    return `  ${k.name}: (words, ${usesF64 ? 'f64s' : '_f64s'}, attrs) => { ${l.map(tsStageAttr).join(' ')} },`;
  };
  return `// ── tensorRun: one entry for every node kind with inputs ──

/** The node kinds tensorRun records (leaves come from fromData, full and slotNode). */
export type OpKindName = ${kinds.map((k) => q(k.name)).join(' | ')};

/** The input node ids of each kind, in the registry's order. */
export interface OpInputs {
${kinds.map((k) => `  ${k.name}: ${inputs(k)};`).join('\n')}
}

/** The attributes of each kind, as a tensor program records them. */
export interface OpAttrs {
${kinds.map((k) => `  ${k.name}: ${attrs(k)};`).join('\n')}
}

/** Entries an i32[] attribute has room for in the stage. */
export const ATTR_ARRAY_CAPACITY = ${ATTR_ARRAY_CAPACITY};

/** Where tensorRun reads each attribute: its word (i32) offset in the staging area. */
export const ATTR_LAYOUT: { readonly [K in OpKindName]: readonly { readonly name: string; readonly type: AttrType; readonly word: number }[] } = {
${kinds.map((k) => `  ${k.name}: [${attrLayout(k).map((a) => `{ name: ${q(a.name)}, type: ${q(a.type)}, word: ${a.word} }`).join(', ')}],`).join('\n')}
};

/** An i32[] attribute: its length, then its entries. */
function stageList(words: Int32Array, at: number, list: readonly number[]): void {
  words[at] = list.length;
  for (let i = 0; i < list.length; i++) words[at + 1 + i] = list[i];
}

/**
 * Writes a kind's attributes where tensorRun reads them: \`words\` is the
 * staging area as i32s, \`f64s\` the same bytes as f64s.
 */
export const STAGE_ATTRS: { readonly [K in OpKindName]: (words: Int32Array, f64s: Float64Array, attrs: OpAttrs[K]) => void } = {
${kinds.map(stager).join('\n')}
};
`;
}

export function headerAttrs() {
  const entries = runKinds().flatMap((k) => attrLayout(k).map((a) => ({ name: `${snake(k.name)}_${snake(a.name)}`, id: a.word, type: a.type })));
  return cEnum('wasmgrad_attr', 'Where wasmgrad_tensorRun() reads each attribute: an int32 index into the staging area (f64s: two words, 8-byte aligned; i32[]: a length, then the entries).',
    entries, 'ATTR_', (e) => e.name, (e) => e.type,
    { left: `WASMGRAD_ATTR_ARRAY_CAPACITY = ${ATTR_ARRAY_CAPACITY}`, comment: 'entries an i32[] attribute has room for' });
}

export function attrsSection() {
  const attr = (a) => a.type === 'i32[]' ? `${a.name} @${a.word} (length; entries from @${a.word + 1})`
    : a.type === 'f64' ? `${a.name} @${a.word} (f64 at byte ${a.word * 4})` : `${a.name} @${a.word} (${a.type})`;
  return [
    '| kind | `tensorRun(kind, a, b, c)` inputs | attributes: word in the stage | words |',
    '|---|---|---|--:|',
    ...runKinds().map((k) => `| ${k.id} ${k.name} | ${k.inputs.join(', ')} | ${attrLayout(k).map(attr).join(', ') || '—'} | ${attrWords(k)} |`),
  ].join('\n');
}