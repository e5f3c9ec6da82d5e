// Arithmetic expressions: parse a string, build its graph on an engine, and
// print a graph back as an expression.
//
// Grammar (whitespace is ignored):
//
//   expression := sum
//   sum        := product (('+' | '-') product)*          left-associative
//   product    := unary (('*' | '/') unary)*              left-associative
//   unary      := ('-' | '+') unary | power
//   power      := primary (('^' | '**') unary)?           right-associative: 2^3^2 = 2^(3^2)
//   primary    := number | variable | function '(' arguments ')' | '(' sum ')'
//
// so ^ binds tighter than unary minus (-x^2 = -(x^2)) and an exponent may be
// negated (2^-x). Numbers: 3, 0.5, .5, 1e-3, 2.5E+4. Variables: letters,
// digits and _, not starting with a digit. Functions: the scalar ops' method
// names (exp, log, …, one argument; pow(a, b), atan2(y, x): two), see FUNCTIONS.

import { describe } from '../check.js';
import { OP_INFO, OP_NAMES, type OpName, type ScalarMethodName } from '../ops.js';
import type { Engine } from '../engine.js';
import { Value, type Scalar } from '../value.js';
import { nodeNames, walkGraph, type GraphNode, type WalkOptions } from './graph.js';
import { WasmgradArgumentError } from '../errors.js';

/** Ops written as operators rather than called: x+y, x-y, x*y, x/y. */
type OperatorMethod = 'add' | 'sub' | 'mul' | 'div';
export type FunctionName = Exclude<ScalarMethodName, OperatorMethod>;

/**
 * The functions an expression may call, with their argument counts: every
 * scalar op of the registry that has a method, except the four arithmetic
 * operators (pow is both `^` and `pow(a, b)`).
 */
export const FUNCTIONS: { readonly [K in FunctionName]: 1 | 2 } = functions();

function functions(): { [K in FunctionName]: 1 | 2 } {
  const table = {} as { [K in FunctionName]: 1 | 2 };
  for (const name of OP_NAMES) {
    const { method, arity } = OP_INFO[name];
    if (method === null || method === 'add' || method === 'sub' || method === 'mul' || method === 'div') continue;
    table[method] = arity as 1 | 2;
  }
  return table;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '^';

/** A node of a parsed expression; `start`/`end` are 0-based offsets into the source. */
export type ExprNode =
  | { readonly type: 'number'; readonly value: number; readonly start: number; readonly end: number }
  | { readonly type: 'variable'; readonly name: string; readonly start: number; readonly end: number }
  | { readonly type: 'negate'; readonly operand: ExprNode; readonly start: number; readonly end: number }
  | { readonly type: 'binary'; readonly op: BinaryOperator; readonly left: ExprNode; readonly right: ExprNode; readonly start: number; readonly end: number }
  | { readonly type: 'call'; readonly name: FunctionName; readonly args: readonly ExprNode[]; readonly start: number; readonly end: number };

export interface ParsedExpression {
  readonly source: string;
  readonly root: ExprNode;
}

export type ExpressionErrorKind = 'syntax' | 'unknown-function' | 'arguments' | 'unknown-variable';

/**
 * A malformed expression or a name it cannot resolve. The message ends with
 * the expression and a caret line under the problem; `column` is 1-based.
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  /** 1-based column of the problem. */
  readonly column: number;

  constructor(
    readonly kind: ExpressionErrorKind,
    /** The problem without its position. */
    readonly reason: string,
    readonly source: string,
    /** 0-based offset of the problem. */
    readonly index: number,
    /** Characters the problem spans (at least 1). */
    readonly length = 1,
  ) {
    super(`${reason} at column ${index + 1}\n  ${source}\n  ${' '.repeat(index)}${'^'.repeat(Math.max(1, length))}`);
    this.column = index + 1;
  }
}

// ── tokens ──

type TokenType = 'number' | 'name' | 'op' | '(' | ')' | ',' | 'end';

interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly start: number;
}

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const MAX_DEPTH = 500;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    NAME.lastIndex = i;
    let m: RegExpExecArray | null;
    if ((m = NUMBER.exec(source)) !== null) {
      tokens.push({ type: 'number', text: m[0], start: i });
      i += m[0].length;
    } else if ((m = NAME.exec(source)) !== null) {
      tokens.push({ type: 'name', text: m[0], start: i });
      i += m[0].length;
    } else if (source.startsWith('**', i)) {
      tokens.push({ type: 'op', text: '^', start: i });
      i += 2;
    } else if ('+-*/^'.includes(c)) {
      tokens.push({ type: 'op', text: c, start: i });
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, text: c, start: i });
      i++;
    } else {
      const ch = String.fromCodePoint(source.codePointAt(i)!);
      throw new ExpressionError('syntax', `unexpected character ${JSON.stringify(ch)}`, source, i, ch.length);
    }
  }
  tokens.push({ type: 'end', text: '', start: source.length });
  return tokens;
}

// ── parser ──

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private get token(): Token {
    return this.tokens[this.pos];
  }

  private fail(reason: string, token = this.token, length = Math.max(1, token.text.length), kind: ExpressionErrorKind = 'syntax'): never {
    throw new ExpressionError(kind, reason, this.source, token.start, length);
  }

  private describeToken(token: Token): string {
    return token.type === 'end' ? 'the end of the expression' : `'${token.text}'`;
  }

  parse(): ExprNode {
    if (this.token.type === 'end') this.fail('the expression is empty');
    const root = this.sum();
    const t = this.token;
    if (t.type !== 'end') {
      if (t.type === ')') this.fail("unmatched ')'");
      if (t.type === ',') this.fail("unexpected ',' outside a function's arguments");
      this.fail(`expected an operator (+ - * / ^) before ${this.describeToken(t)}`);
    }
    return root;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`the expression is nested more than ${MAX_DEPTH} levels deep`);
  }

  private sum(): ExprNode {
    let left = this.product();
    while (this.token.type === 'op' && (this.token.text === '+' || this.token.text === '-')) {
      const op = this.token.text as '+' | '-';
      this.pos++;
      const right = this.product();
      left = { type: 'binary', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private product(): ExprNode {
    let left = this.unary();
    while (this.token.type === 'op' && (this.token.text === '*' || this.token.text === '/')) {
      const op = this.token.text as '*' | '/';
      this.pos++;
      const right = this.unary();
      left = { type: 'binary', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private unary(): ExprNode {
    const t = this.token;
    if (t.type === 'op' && (t.text === '-' || t.text === '+')) {
      this.enter();
      this.pos++;
      const operand = this.unary();
      this.depth--;
      if (t.text === '+') return operand;
      // A negated number literal is a negative number (-2 is a constant, -2^2 is -(2^2)).
      if (operand.type === 'number') return { type: 'number', value: -operand.value, start: t.start, end: operand.end };
      return { type: 'negate', operand, start: t.start, end: operand.end };
    }
    return this.power();
  }

  private power(): ExprNode {
    const base = this.primary();
    if (this.token.type === 'op' && this.token.text === '^') {
      this.enter();
      this.pos++;
      const exponent = this.unary();
      this.depth--;
      return { type: 'binary', op: '^', left: base, right: exponent, start: base.start, end: exponent.end };
    }
    return base;
  }

  private primary(): ExprNode {
    const t = this.token;
    if (t.type === 'number') {
      this.pos++;
      return { type: 'number', value: Number(t.text), start: t.start, end: t.start + t.text.length };
    }
    if (t.type === 'name') {
      this.pos++;
      if (this.token.type !== '(') return { type: 'variable', name: t.text, start: t.start, end: t.start + t.text.length };
      return this.call(t);
    }
    if (t.type === '(') {
      this.enter();
      this.pos++;
      const inner = this.sum();
      this.close(t, 'parenthesis');
      this.depth--;
      return inner;
    }
    if (t.type === 'end') this.fail('expected a number, a variable, a function or ( but the expression ended');
    if (t.type === ')') this.fail(`expected a number, a variable, a function or ( before ')'`);
    this.fail(`expected a number, a variable, a function or ( but found ${this.describeToken(t)}`);
  }

  private close(open: Token, what: string): void {
    const t = this.token;
    if (t.type === ')') {
      this.pos++;
      return;
    }
    const where = `the ( at column ${open.start + 1}`;
    if (t.type === 'end') this.fail(`missing ')' to close ${where}`, t, 1);
    if (t.type === ',') this.fail(`unexpected ',' in a ${what}`);
    this.fail(`expected an operator or ')' to close ${where}, found ${this.describeToken(t)}`);
  }

  private call(name: Token): ExprNode {
    if (!Object.hasOwn(FUNCTIONS, name.text)) {
      this.fail(`unknown function '${name.text}' (functions: ${Object.keys(FUNCTIONS).join(', ')})`, name, name.text.length, 'unknown-function');
    }
    const fn = name.text as FunctionName;
    const open = this.token;
    this.enter();
    this.pos++;
    const args: ExprNode[] = [];
    if (this.token.type !== ')') {
      for (;;) {
        args.push(this.sum());
        if (this.token.type !== ',') break;
        this.pos++;
      }
    }
    this.close(open, 'call');
    this.depth--;
    const arity = FUNCTIONS[fn];
    if (args.length !== arity) {
      const end = this.tokens[this.pos - 1].start + 1;
      throw new ExpressionError(
        'arguments',
        `${fn}() takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`,
        this.source,
        name.start,
        end - name.start,
      );
    }
    return { type: 'call', name: fn, args, start: name.start, end: this.tokens[this.pos - 1].start + 1 };
  }
}

/** Parses an expression (see the grammar at the top of this file); throws ExpressionError with the position of a problem. */
export function parseExpression(source: string): ParsedExpression {
  if (typeof source !== 'string') throw new WasmgradArgumentError(`parseExpression: expected a string, got ${describe(source)}`);
  return { source, root: new Parser(source, tokenize(source)).parse() };
}

/** Children of an AST node, left to right. */
function children(node: ExprNode): readonly ExprNode[] {
  switch (node.type) {
    case 'negate': return [node.operand];
    case 'binary': return [node.left, node.right];
    case 'call': return node.args;
    default: return [];
  }
}

/** The nodes in evaluation order (each after its operands, left operands first), without recursion. */
function postOrder(root: ExprNode): ExprNode[] {
  const out: ExprNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    stack.push(...children(node));
  }
  return out.reverse();
}

/** The variables an expression uses, in order of first use. */
export function expressionVariables(expression: string | ParsedExpression): string[] {
  const parsed = typeof expression === 'string' ? parseExpression(expression) : expression;
  const names = new Set<string>();
  for (const node of postOrder(parsed.root)) if (node.type === 'variable') names.add(node.name);
  return [...names];
}

export type Variables = Readonly<Record<string, number | Value>> | ReadonlyMap<string, number | Value>;

/**
 * Builds the graph of `expression` on `eng`. Each variable comes from
 * `variables`: a number becomes a leaf named after the variable (made on its
 * first use, once), a Value (a leaf, a parameter, any node of `eng`) is used
 * as it is. Number literals are passed to the ops as numbers, so `x^2` is a
 * pow by a constant (no gradient for the 2) and `1+f` is `eng.add(1, f)`.
 * Throws ExpressionError for malformed input and for unknown variables.
 */
export function buildExpression(eng: Engine, expression: string | ParsedExpression, variables: Variables = {}): Value {
  const parsed = typeof expression === 'string' ? parseExpression(expression) : expression;
  const lookup = variables instanceof Map ? (name: string) => variables.get(name) : (name: string) => (Object.hasOwn(variables, name) ? (variables as Record<string, number | Value>)[name] : undefined);
  const leaves = new Map<string, Value>();
  const missing = expressionVariables(parsed).filter((name) => lookup(name) === undefined);

  const stack: Scalar[] = [];
  for (const node of postOrder(parsed.root)) {
    switch (node.type) {
      case 'number':
        stack.push(node.value);
        break;
      case 'variable': {
        let leaf = leaves.get(node.name);
        if (leaf === undefined) {
          const given = lookup(node.name);
          if (given === undefined) {
            const others = missing.filter((name) => name !== node.name);
            const also = others.length > 0 ? `; also missing: ${others.join(', ')}` : '';
            throw new ExpressionError('unknown-variable', `unknown variable '${node.name}' (no value given for it${also})`, parsed.source, node.start, node.end - node.start);
          }
          if (typeof given === 'number') leaf = eng.value(given, node.name);
          else if (given instanceof Value) leaf = given;
          else throw new WasmgradArgumentError(`buildExpression: variable '${node.name}' must be a number or a Value, got ${describe(given)}`);
          leaves.set(node.name, leaf);
        }
        stack.push(leaf);
        break;
      }
      case 'negate':
        stack.push(eng.neg(stack.pop()!));
        break;
      case 'binary': {
        const right = stack.pop()!;
        const left = stack.pop()!;
        const op = node.op;
        stack.push(op === '+' ? eng.add(left, right) : op === '-' ? eng.sub(left, right) : op === '*' ? eng.mul(left, right) : op === '/' ? eng.div(left, right) : eng.pow(left, right));
        break;
      }
      case 'call': {
        const args = stack.splice(stack.length - FUNCTIONS[node.name]);
        stack.push((eng[node.name] as (...operands: Scalar[]) => Value)(...args));
        break;
      }
    }
  }
  const result = stack.pop()!;
  return typeof result === 'number' ? eng.constant(result) : result;
}

// ── printing a graph back ──

const PREC_SUM = 1;
const PREC_PRODUCT = 2;
const PREC_UNARY = 3;
const PREC_POWER = 4;
const PREC_ATOM = 5;

const INFIX: Partial<Record<string, [string, number]>> = {
  Add: ['+', PREC_SUM],
  Sub: ['-', PREC_SUM],
  Mul: ['*', PREC_PRODUCT],
  Div: ['/', PREC_PRODUCT],
  Pow: ['^', PREC_POWER],
  PowConst: ['^', PREC_POWER],
};

export interface FormatOptions extends WalkOptions {
  /** Give up (return undefined) past this many characters (default 2,000): a graph that reuses nodes can expand exponentially. */
  maxLength?: number;
  /** Names for nodes (by GraphNode key); by default the given names, and a, b, c, ... for unnamed leaves. */
  names?: ReadonlyMap<string, string>;
}

/**
 * The expression that computes `value`, in the syntax parseExpression reads
 * (named and unnamed leaves by name, constants as numbers, every op inlined),
 * or undefined when the graph is truncated or the text would be longer than
 * `maxLength`. Parsing it back builds the same graph.
 */
export function formatExpression(value: Value, options: FormatOptions = {}): string | undefined {
  const graph = walkGraph(value, options, 'formatExpression');
  if (graph.truncated) return undefined;
  const names = options.names ?? nodeNames(graph);
  const maxLength = options.maxLength ?? 2000;
  const text = new Map<string, [string, number]>();
  const atom = (node: GraphNode): [string, number] => {
    if (node.op !== 'Const') return [names.get(node.key)!, PREC_ATOM];
    return [String(node.data), node.data < 0 ? PREC_UNARY : PREC_ATOM];
  };
  for (const node of graph.nodes) {
    if (node.inputs.length === 0) {
      text.set(node.key, atom(node));
      continue;
    }
    const args = node.inputs.map((key) => text.get(key)!);
    if (args.reduce((sum, [s]) => sum + s.length, 0) > maxLength) return undefined;
    const wrap = ([s, p]: [string, number], min: number): string => (p >= min ? s : `(${s})`);
    const infix = INFIX[node.op];
    if (infix !== undefined) {
      const [symbol, prec] = infix;
      const [left, right] = args;
      const leftMin = prec === PREC_POWER ? PREC_ATOM : prec;
      // Right operands keep the graph's grouping; a negation there gets parentheses for readability.
      const rightMin = prec === PREC_POWER ? PREC_POWER : prec + 1;
      const r = right[1] === PREC_UNARY ? `(${right[0]})` : wrap(right, rightMin);
      text.set(node.key, [`${wrap(left, leftMin)}${symbol}${r}`, prec]);
    } else if (node.op === 'Neg') {
      text.set(node.key, [`-${wrap(args[0], PREC_POWER)}`, PREC_UNARY]);
    } else {
      text.set(node.key, [`${OP_INFO[node.op as OpName].method}(${args.map(([a]) => a).join(', ')})`, PREC_ATOM]);
    }
  }
  const result = text.get(graph.root.key)![0];
  return result.length > maxLength ? undefined : result;
}
