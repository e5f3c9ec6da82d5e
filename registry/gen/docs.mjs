// The generated parts of docs/abi.md and docs/ops.md.

import { OPS, NODE_KINDS, COMPARE_KINDS, REDUCE_KINDS, DTYPES, ERRORS } from '../ops.mjs';
import { dtypeWords, md, scalarOps } from './shared.mjs';

export function opsSection() {
  const rows = scalarOps().map((op) => {
    const tensors = op.method === null ? '—' : `\`${op.method}\` (${dtypeWords[op.dtypes]})`;
    return `| ${op.id} | ${op.name} | ${op.arity} | ${md(op.forward)} | ${md(op.gradient.rule)} | ${tensors} |`;
  });
  return [
    '| id | name | arity | forward | gradient rule | on tensors |',
    '|---:|---|:-:|---|---|---|',
    ...rows,
  ].join('\n');
}

export function errorsSection() {
  return [
    '| code | name | meaning |',
    '|---:|---|---|',
    ...ERRORS.filter((e) => e.id !== 0).map((e) => `| \`${e.id}\` | ${e.name} | ${md(e.summary)} |`),
  ].join('\n');
}

export function tensorKindsSection() {
  const attr = (a) => `${a.name}: ${a.type}`;
  const inputs = (k) => k.inputs.length === 0 ? '—' : k.inputs.map((name, i) => (k.grads[i] ? name : `${name} (no gradient)`)).join(', ');
  return [
    'Node kinds (`tensorOp`), the inputs each takes and the attributes it records:',
    '',
    '| id | kind | inputs | attributes | |',
    '|---:|---|---|---|---|',
    ...NODE_KINDS.map((k) => `| ${k.id} | ${k.name} | ${inputs(k)} | ${k.attrs.map(attr).join(', ') || '—'} | ${md(k.summary)} |`),
    '',
    'Elementwise nodes (Unary, Binary) take the scalar ops marked "on tensors" in [Ops](#ops), and these:',
    '',
    '| id | name | arity | dtypes | forward | gradient rule |',
    '|---:|---|:-:|---|---|---|',
    ...OPS.filter((op) => op.kind === 'tensor').map((op) =>
      `| ${op.id} | ${op.name} | ${op.arity} | ${dtypeWords[op.dtypes]} | ${md(op.forward)} | ${md(op.gradient.rule)} |`),
    '',
    `Compare kinds: ${COMPARE_KINDS.map((k) => `\`${k.id}\` ${k.name} (${md(k.symbol)})`).join(', ')}. ` +
      `Reduce kinds: ${REDUCE_KINDS.map((k) => `\`${k.id}\` ${k.name}`).join(', ')}. ` +
      `Dtypes: ${DTYPES.map((d) => `\`${d.id}\` ${d.ts}`).join(', ')}.`,
  ].join('\n');
}

// ── docs/ops.md ──

export function opsReferenceSection() {
  const inputs = (op) => op.arity === 1 ? 'x' : 'x, y';
  const api = (op) => {
    if (op.method === null) return '—';
    const call = op.arity === 1 ? `.${op.method}()` : `.${op.method}(${op.param ?? 'other'})`;
    const where = op.kind === 'scalar' ? `Value, Tensor, \`eng.${op.method}(${inputs(op)})\`` : 'Tensor';
    return `\`${call}\` (${where})`;
  };
  return [
    '| op | method | dtypes | forward | ∂out/∂input |',
    '|---|---|---|---|---|',
    ...OPS.filter((op) => op.method !== null).map((op) =>
      `| [${op.name}](#${op.name.toLowerCase()}) | ${md(api(op))} | ${dtypeWords[op.dtypes]} | ${md(op.forward)} | ${md(op.local.map((f) => `\`${f}\``).join(', '))} |`),
  ].join('\n');
}