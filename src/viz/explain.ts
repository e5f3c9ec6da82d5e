// The seed-style derivation of a graph: intermediate functions, inputs, the
// forward values, then the chain rule step by step from the output back to
// every input, each step with the local derivative of its op.

import { Op, OP_INFO, OP_NAMES, type OpName, type ScalarBinaryOpId, type ScalarUnaryOpId } from '../ops.js';
import { backward1, backward2 } from '../js/ops.js';
import type { Value } from '../value.js';
import { formatConstant, formatNumber, nodeNames, opSymbol, walkGraph, type Graph, type GraphNode, type WalkOptions } from './graph.js';
import { formatExpression } from './expr.js';
import { WasmgradValueError } from '../errors.js';

/** An input of an op as a local derivative sees it: how to write it, and its value. */
export interface Operand {
  /** A name, or a constant's number (negative numbers in parentheses). */
  readonly text: string;
  readonly value: number;
}

export interface LocalContext {
  /** First input. */
  readonly x: Operand;
  /** Second input (binary ops). */
  readonly y: Operand;
  /** The op's result. */
  readonly out: Operand;
}

/** ∂out/∂(input k): its formula and its value. */
export interface LocalRule {
  formula(c: LocalContext): string;
  value(c: LocalContext): number;
}

/** A power written for an expression: x^2, x^(-1). */
function powerText(base: string, exponent: number): string {
  const e = formatConstant(exponent);
  return `${base}^${exponent < 0 ? `(${e})` : e}`;
}

/** PowConst's derivative with its constant exponent written out: 2*x rather than 2*x^(2-1). */
function powConstText(c: LocalContext): string {
  const n = c.y.value;
  if (n === 0) return '0';
  if (n === 1) return '1';
  if (n === 2) return `2*${c.x.text}`;
  return `${formatConstant(n)}*${powerText(c.x.text, n - 1)}`;
}

const partials = new Float64Array(2);

/**
 * The local derivative of `op` with respect to input k: its formula is the
 * registry's (OP_INFO[op].local) with the operands' names put in, and its
 * value comes from the JS twin's backward rule with an output gradient of 1,
 * so the numbers shown are the engine's own and no op has a third copy of its
 * derivative here.
 */
function localRule(op: OpName, k: number): LocalRule {
  const info = OP_INFO[op];
  return {
    formula: op === 'PowConst'
      ? powConstText
      : (c) => info.local[k].replace(/\b[xy]\b/g, (v) => (v === 'x' ? c.x.text : c.y.text)),
    value: (c) => {
      if (info.arity === 1) return backward1(Op[op] as ScalarUnaryOpId, c.x.value, c.out.value, 1);
      partials[0] = 0;
      partials[1] = 0;
      backward2(Op[op] as ScalarBinaryOpId, c.x.value, c.y.value, c.out.value, 1, partials, 0, 1);
      return partials[k];
    },
  };
}

/**
 * The local derivative of each op with respect to each input that takes a
 * gradient, in argument order. Constants get none, so PowConst has a rule for
 * its base only.
 */
export const LOCAL_DERIVATIVES: { readonly [K in OpName]: readonly LocalRule[] } = localDerivatives();

function localDerivatives(): Record<OpName, readonly LocalRule[]> {
  const table = {} as Record<OpName, readonly LocalRule[]>;
  for (const op of OP_NAMES) {
    const inputs = op === 'PowConst' ? 1 : OP_INFO[op].arity;
    table[op] = Array.from({ length: inputs }, (_, k) => localRule(op, k));
  }
  return table;
}

export interface ExplainOptions extends WalkOptions {
  /** Significant digits (default 4). */
  digits?: number;
  /** The expression to show in the heading; by default the graph printed back as one (when short enough). */
  expression?: string;
}

/** One term of a chain-rule step: d(out)/d(consumer) · d(consumer)/d(node). */
export interface ChainTerm {
  readonly consumer: string;
  /** Which argument of the consumer the node is (0 or 1). */
  readonly argument: number;
  readonly localFormula: string;
  readonly local: number;
  /** d(out)/d(consumer). */
  readonly upstream: number;
}

export interface ExplainStep {
  readonly node: string;
  readonly key: string;
  /** d(out)/d(node): the sum of upstream · local over the terms (1 for the output). */
  readonly grad: number;
  readonly terms: readonly ChainTerm[];
}

export interface Explanation {
  readonly output: string;
  readonly expression: string | undefined;
  /** `a = w0*x0`, ... in tape order. */
  readonly functions: readonly { readonly name: string; readonly definition: string }[];
  /** Leaves and parameters. */
  readonly inputs: readonly { readonly name: string; readonly key: string; readonly value: number }[];
  /** Every intermediate node and the output. */
  readonly forward: readonly { readonly name: string; readonly value: number }[];
  /** The chain rule, from the output back: each node after every node that uses it. */
  readonly steps: readonly ExplainStep[];
  /** Set when the graph was too large to explain; the other fields are then empty. */
  readonly truncated?: string;
}

/** How an input appears inside a formula or definition. */
function operandText(node: GraphNode, names: Map<string, string>): string {
  const text = names.get(node.key)!;
  return node.op === 'Const' && node.data < 0 ? `(${text})` : text;
}

function definition(node: GraphNode, inputs: string[]): string {
  const symbol = opSymbol(node.op);
  if (node.op === 'Neg') return `-${inputs[0]}`;
  // Operators go between their operands; ops named by a word (atan2) are called.
  if (inputs.length === 2 && !/^\w+$/.test(symbol)) return `${inputs[0]}${symbol}${inputs[1]}`;
  return `${symbol}(${inputs.join(', ')})`;
}

/**
 * The derivation as data: what `explain()` prints. The gradients are worked
 * out here from the local derivatives (in f64, by the engine's rules), so
 * `backward()` need not have run and no gradient is changed.
 */
export function explainSteps(value: Value, options: ExplainOptions = {}): Explanation {
  const graph = walkGraph(value, options, 'explain');
  const digits = options.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) throw new WasmgradValueError(`explain: digits must be an integer from 1 to 17, got ${String(digits)}`);
  const names = nodeNames(graph, digits);
  const output = names.get(graph.root.key)!;
  if (graph.truncated) {
    const total = `${graph.totalIsExact ? '' : 'more than '}${graph.total.toLocaleString('en-US')}`;
    return {
      output,
      expression: options.expression,
      functions: [],
      inputs: [],
      forward: [],
      steps: [],
      truncated: `the graph of ${graph.root.name ?? 'this value'} has ${total} nodes, more than maxNodes = ${graph.maxNodes.toLocaleString('en-US')}; explain() is for small graphs (pass { maxNodes } to explain it anyway)`,
    };
  }
  const expression = options.expression ?? formatExpression(value, { ...options, names, maxLength: 200 });

  const functions: { name: string; definition: string }[] = [];
  const inputs: { name: string; key: string; value: number }[] = [];
  const forward: { name: string; value: number }[] = [];
  for (const node of graph.nodes) {
    const name = names.get(node.key)!;
    if (node.inputs.length === 0) {
      if (node.op !== 'Const') inputs.push({ name, key: node.key, value: node.data });
      continue;
    }
    functions.push({ name, definition: definition(node, node.inputs.map((k) => operandText(graph.byKey.get(k)!, names))) });
    forward.push({ name, value: node.data });
  }

  return { output, expression, functions, inputs, forward, steps: chainRule(graph, names) };
}

/** The chain rule over the graph: a node is explained once every node that uses it has been. */
function chainRule(graph: Graph, names: Map<string, string>): ExplainStep[] {
  // Uses of each node by a consumer (a node used twice by one op counts twice).
  const uses = new Map<string, { consumer: GraphNode; argument: number }[]>();
  for (const node of graph.nodes) {
    node.inputs.forEach((key, argument) => {
      if (graph.byKey.get(key)!.op === 'Const') return;
      let list = uses.get(key);
      if (list === undefined) uses.set(key, (list = []));
      list.push({ consumer: node, argument });
    });
  }
  const pending = new Map<string, number>();
  for (const [key, list] of uses) pending.set(key, list.length);

  const grads = new Map<string, number>();
  const steps: ExplainStep[] = [];
  const queue: GraphNode[] = [graph.root];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    const terms: ChainTerm[] = [];
    let grad = node === graph.root ? 1 : 0;
    for (const { consumer, argument } of uses.get(node.key) ?? []) {
      const [x, y] = consumer.inputs.map((k) => {
        const input = graph.byKey.get(k)!;
        return { text: operandText(input, names), value: input.data };
      });
      const context: LocalContext = { x, y: y ?? x, out: { text: names.get(consumer.key)!, value: consumer.data } };
      const localRule = LOCAL_DERIVATIVES[consumer.op][argument];
      const local = localRule.value(context);
      const upstream = grads.get(consumer.key)!;
      terms.push({ consumer: names.get(consumer.key)!, argument, localFormula: localRule.formula(context), local, upstream });
      grad += upstream * local;
    }
    if (node === graph.root) grad = 1;
    grads.set(node.key, grad);
    steps.push({ node: names.get(node.key)!, key: node.key, grad, terms });
    for (const key of node.inputs) {
      const left = pending.get(key);
      if (left === undefined) continue; // a constant
      pending.set(key, left - 1);
      if (left === 1) queue.push(graph.byKey.get(key)!);
    }
  }
  return steps;
}

/**
 * The seed-style derivation of `value` as text: the intermediate functions
 * (given names, else a, b, c, ...), the inputs, the forward values, then each
 * chain-rule step with the local derivative of its op, to 4 significant
 * digits, and the gradients of the inputs. For the seed's f(w, x):
 *
 * ```text
 *       dg/df = 1
 *    3) dh/df = dh/dg * dg/df = -0.5344 * 1 = -0.5344
 * ```
 */
export function explain(value: Value, options: ExplainOptions = {}): string {
  const e = explainSteps(value, options);
  const digits = options.digits ?? 4;
  const fmt = (x: number) => formatNumber(x, digits);
  const out = e.output;
  const lines: string[] = [];
  if (e.expression !== undefined) lines.push(`${out} = ${e.expression}`);
  if (e.truncated !== undefined) {
    lines.push(`explain: ${e.truncated}`);
    return `${lines.join('\n')}\n`;
  }

  const width = (list: readonly { name: string }[]) => Math.max(0, ...list.map((f) => f.name.length));
  if (e.functions.length > 0) {
    lines.push('', 'Intermediate functions');
    const w = width(e.functions);
    for (const f of e.functions) lines.push(`  ${f.name.padEnd(w)} = ${f.definition}`);
  }
  if (e.inputs.length > 0) {
    lines.push('', 'Inputs');
    const w = width(e.inputs);
    for (const i of e.inputs) lines.push(`  ${i.name.padEnd(w)} = ${fmt(i.value)}`);
  }
  if (e.forward.length > 0) {
    lines.push('', 'Forward');
    const w = width(e.forward);
    for (const f of e.forward) lines.push(`  ${f.name.padEnd(w)} = ${fmt(f.value)}`);
  }

  lines.push('', `Backward (chain rule, from ${out} back to the inputs)`);
  const d = (top: string, bottom: string) => `d${top}/d${bottom}`;
  const numberWidth = String(e.steps.length).length;
  e.steps.forEach((step, i) => {
    const n = `${String(i + 1).padStart(numberWidth + 2)}) `;
    const indent = ' '.repeat(n.length);
    const target = d(out, step.node);
    if (step.terms.length === 0) {
      lines.push(`${n}${target} = ${fmt(step.grad)}`);
      return;
    }
    const local = (t: ChainTerm) => {
      const shown = `${d(t.consumer, step.node)} = ${t.localFormula}`;
      return t.localFormula === fmt(t.local) ? shown : `${shown} = ${fmt(t.local)}`;
    };
    // The output's own inputs: the local derivative is the answer (the seed's step 2).
    if (step.terms.length === 1 && step.terms[0].consumer === out) {
      lines.push(`${n}${local(step.terms[0])}`);
      return;
    }
    const repeated = new Set(step.terms.filter((t, k) => step.terms.findIndex((u) => u.consumer === t.consumer) !== k).map((t) => t.consumer));
    for (const t of step.terms) lines.push(`${indent}${local(t)}${repeated.has(t.consumer) ? `   (as argument ${t.argument + 1} of ${t.consumer})` : ''}`);
    const chain = step.terms.map((t) => `${d(out, t.consumer)} * ${d(t.consumer, step.node)}`).join(' + ');
    const numbers = step.terms.map((t) => `${fmt(t.upstream)} * ${fmt(t.local)}`).join(' + ');
    lines.push(`${n}${target} = ${chain} = ${numbers} = ${fmt(step.grad)}`);
  });

  const order = new Map(e.inputs.map((input, k) => [input.key, k]));
  const leaves = e.steps.filter((s) => order.has(s.key));
  if (leaves.length > 0) {
    lines.push('', 'Gradients');
    leaves.sort((p, q) => order.get(p.key)! - order.get(q.key)!);
    const w = Math.max(...leaves.map((s) => d(out, s.node).length));
    for (const s of leaves) lines.push(`  ${d(out, s.node).padEnd(w)} = ${fmt(s.grad)}`);
  }
  return `${lines.join('\n')}\n`;
}
