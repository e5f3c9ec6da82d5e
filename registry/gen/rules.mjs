import { OPS } from '../ops.mjs';
import { HEADER, generatedMethods, md, q } from './shared.mjs';

// ── src/generated/rules.ts ──
//
// The rules of registry/ops.mjs (gradient.differentiable, gradient.jvp) are
// strings in a method-chain language; parsed here, checked against the
// methods Value and Tensor share, and written out as TypeScript generic over
// any type with those methods.

/** The detached helpers rules may call, with their number of arguments. */
export const RULE_HELPERS = { gt: 2, ge: 2, lt: 2, eq: 2, sign: 1, where: 3 };

/** The methods rules may call, with their number of arguments: the scalar ops' methods, which Value and Tensor both have. */
export const ruleMethods = () => new Map(generatedMethods(['scalar']).map((op) => [op.method, op.arity - 1]));

/** Ops that take inputs: each has a vjp and a jvp rule. */
export const ruleOps = () => OPS.filter((op) => op.arity > 0);

/** A rule's syntax tree: { num }, { name }, { helper, args } or { recv, method, args }. */
export function parseRule(text) {
  const tokens = text.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|[A-Za-z_]\w*|[().,]|\S/g) ?? [];
  let i = 0;
  const fail = (msg) => { throw new Error(`${msg} in \`${text}\``); };
  const take = (t) => { if (tokens[i] !== t) fail(`expected '${t}' at token ${i + 1} (${tokens[i] ?? 'the end'})`); i++; };
  const args = () => {
    take('(');
    const list = [];
    while (tokens[i] !== ')') {
      if (tokens[i] === undefined) fail("expected ')' before the end");
      if (list.length > 0) take(',');
      list.push(expr());
    }
    take(')');
    return list;
  };
  const expr = () => {
    const t = tokens[i++];
    let node;
    if (t === undefined) fail('unexpected end');
    if (/^-?\d/.test(t)) node = { num: Number(t) };
    else if (/^[A-Za-z_]/.test(t)) node = tokens[i] === '(' ? { helper: t, args: args() } : { name: t };
    else fail(`unexpected '${t}'`);
    while (tokens[i] === '.') {
      i++;
      const method = tokens[i++];
      if (!/^[A-Za-z_]\w*$/.test(method ?? '')) fail('expected a method name after "."');
      node = { recv: node, method, args: args() };
    }
    return node;
  };
  const tree = expr();
  if (i !== tokens.length) fail(`unexpected '${tokens[i]}' after the expression`);
  return tree;
}

/**
 * Checks a rule of `op` (kind 'vjp' or 'jvp') and returns it as TypeScript.
 * Throws, naming the op, when it reads a name the rule does not have, calls a
 * method Value and Tensor do not share or a helper that does not exist, gives
 * one the wrong number of arguments, or calls a method on a number.
 */
export function compileRule(op, kind, text) {
  const methods = ruleMethods();
  const names = kind === 'vjp' ? ['g', 'x', 'out'] : ['dx', 'x', 'out'];
  if (op.arity === 2) names.push(...(kind === 'vjp' ? ['y'] : ['y', 'dy']));
  const fail = (msg) => { throw new Error(`registry/ops.mjs: ${op.name}'s ${kind} rule \`${text}\`: ${msg}`); };
  let tree;
  try { tree = parseRule(text); } catch (e) { fail(e.message); }
  const optional = new Set(['y', 'dy']); // typed D | undefined, present whenever the op has two inputs
  // Returns [TypeScript, whether it is a number].
  const emit = (node) => {
    if ('num' in node) {
      if (!Number.isFinite(node.num)) fail(`${node.num} is not a finite number`);
      return [String(node.num), true];
    }
    if ('name' in node) {
      if (!names.includes(node.name)) fail(`unknown name ${node.name} (a ${kind} rule of an op of arity ${op.arity} reads ${names.join(', ')})`);
      return [optional.has(node.name) ? `${node.name}!` : node.name, false];
    }
    const parts = node.args.map(emit);
    if ('helper' in node) {
      const n = RULE_HELPERS[node.helper];
      if (n === undefined) fail(`unknown function ${node.helper} (the helpers are ${Object.keys(RULE_HELPERS).join(', ')})`);
      if (parts.length !== n) fail(`${node.helper} takes ${n} arguments, got ${parts.length}`);
      if (parts[0][1]) fail(`the first argument of ${node.helper} must not be a number`);
      return [`k.${node.helper}(${parts.map((p) => p[0]).join(', ')})`, false];
    }
    const [recv, isNumber] = emit(node.recv);
    if (isNumber) fail(`a number cannot be the receiver of .${node.method}() (write x.add(1), not 1.add(x))`);
    const n = methods.get(node.method);
    if (n === undefined) fail(`unknown method ${node.method} (Value and Tensor share ${[...methods.keys()].join(', ')})`);
    if (parts.length !== n) fail(`.${node.method}() takes ${n} argument${n === 1 ? '' : 's'}, got ${parts.length}`);
    return [`${recv}.${node.method}(${parts.map((p) => p[0]).join(', ')})`, false];
  };
  const [ts, isNumber] = emit(tree);
  if (isNumber) fail('a rule must give a differentiable value, not a number');
  return ts;
}

/** Every op with inputs has a vjp per input (null exactly where it gets no gradient) and a jvp; leaves have neither. */
export function checkRules() {
  for (const op of OPS) {
    const { differentiable, jvp, inputs } = op.gradient;
    if (op.arity === 0) {
      if (differentiable !== null || jvp !== null) throw new Error(`registry/ops.mjs: ${op.name} has no inputs, so no rules (null)`);
      continue;
    }
    if (!Array.isArray(differentiable) || differentiable.length !== op.arity) {
      throw new Error(`registry/ops.mjs: ${op.name}: gradient.differentiable needs one rule per input`);
    }
    differentiable.forEach((rule, k) => {
      if ((rule === null) === inputs[k]) throw new Error(`registry/ops.mjs: ${op.name}: input ${k}'s vjp rule is null exactly when it gets no gradient`);
      if (rule !== null) compileRule(op, 'vjp', rule);
    });
    if (typeof jvp !== 'string') throw new Error(`registry/ops.mjs: ${op.name}: gradient.jvp needs a rule`);
    compileRule(op, 'jvp', jvp);
  }
}

export function rulesFile() {
  const methods = generatedMethods(['scalar']);
  const members = methods.map((op) => op.arity === 1 ? `  ${op.method}(): D;` : `  ${op.method}(other: D | number): D;`);
  const entries = ruleOps().map((op) => {
    // a binary op's part for an input nobody needs is not built (bit k of `need` asks for input k's)
    const vjp = op.gradient.differentiable.map((r, i) => r === null ? 'null'
      : op.arity === 2 ? `need & ${1 << i} ? ${compileRule(op, 'vjp', r)} : null` : compileRule(op, 'vjp', r));
    return `  // ${op.gradient.rule}
  ${op.name}: {
    vjp: (g, x, y, out, k${op.arity === 2 ? ', need = 3' : ''}) => [${vjp.join(', ')}],
    jvp: (dx, dy, x, y, out, k) => ${compileRule(op, 'jvp', op.gradient.jvp)},
  },`;
  });
  return `// ${HEADER}
// Each op's vector-Jacobian product and forward-mode rule, written with
// differentiable ops (registry/ops.mjs, gradient.differentiable and
// gradient.jvp), once for Value and Tensor alike: what backward({ createGraph })
// records and what forward mode (eng.jvp) evaluates. The fused kernels of
// assembly/ops.ts stay the first-order path; test/create-graph.test.ts checks
// them against these rules op by op.

/** What a rule computes with: the scalar ops' methods, which Value and Tensor both have. */
export interface Differentiable<D> {
${members.join('\n')}
}

/** The detached masks of the non-smooth ops' rules, supplied for each kind of D. */
export interface RuleHelpers<D> {
  /** 1 where a > b, else 0 (NaN compares false); no gradient. */
  gt(a: D, b: D | number): D;
  /** 1 where a ≥ b, else 0. */
  ge(a: D, b: D | number): D;
  /** 1 where a < b, else 0. */
  lt(a: D, b: D | number): D;
  /** 1 where a = b, else 0. */
  eq(a: D, b: D | number): D;
  /** 1, −1 or 0 by the sign of a (NaN for NaN); no gradient. */
  sign(a: D): D;
  /** mask ≠ 0 ? a : b; the gradient goes to the branch taken, none to the mask. */
  where(mask: D, a: D | number, b: D | number): D;
}

export interface Rule {
  /**
   * Per input, g·∂out/∂input (null where the input gets no gradient). y is undefined for ops of one input.
   * \`need\` (binary ops; default both): bit k asks for input k's part, and a part not asked for is null, not built.
   */
  vjp<D extends Differentiable<D>>(g: D, x: D, y: D | undefined, out: D, k: RuleHelpers<D>, need?: number): readonly (D | null)[];
  /** The output's tangent from the inputs' tangents dx, dy (dy and y undefined for ops of one input). */
  jvp<D extends Differentiable<D>>(dx: D, dy: D | undefined, x: D, y: D | undefined, out: D, k: RuleHelpers<D>): D;
}

/** The ops with inputs: each has a rule. */
export type RuleOpName = ${ruleOps().map((op) => q(op.name)).join(' | ')};

export const RULES: { readonly [K in RuleOpName]: Rule } = {
${entries.join('\n')}
};

/** Op ids (scalar and tensor-only) to rules. */
export const RULE_BY_ID: ReadonlyMap<number, Rule> = new Map([
${ruleOps().map((op) => `  [${op.id}, RULES.${op.name}],`).join('\n')}
]);
`;
}

/** The rule table of docs/transforms.md. */
export function rulesSection() {
  return [
    '| op | vjp (per input) | jvp |',
    '|---|---|---|',
    ...ruleOps().map((op) => `| ${op.name} | ${op.gradient.differentiable.map((r) => r === null ? '—' : `\`${md(r)}\``).join('<br>')} | \`${md(op.gradient.jvp)}\` |`),
  ].join('\n');
}

/** The TypeScript of one rule of an op, after the checks npm run gen makes (for tests of the checks). */
export function compileRuleFor(name, kind, text) {
  const op = OPS.find((o) => o.name === name);
  if (op === undefined) throw new Error(`no op ${name}`);
  return compileRule(op, kind, text);
}