// The expression parser: what it accepts, how it groups, what it builds, and its errors.
import { describe, expect, it } from 'vitest';
import {
  buildExpression,
  expressionVariables,
  ExpressionError,
  formatExpression,
  FUNCTIONS,
  parseExpression,
  walkGraph,
} from '../../src/viz/index.js';
import type { Value } from '../../src/index.js';
import { OPS } from '../../registry/ops.mjs';
import { BACKENDS, engine, expectClose } from '../helpers.js';
import { SEED_EXPRESSION, SEED_INPUTS } from '../seed-example.js';

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/** Expressions the grammar documents, with the value they must compute at x = 0.7, y = 1.9, z = -0.4. */
const x = 0.7, y = 1.9, z = -0.4;
const VARS = { x, y, z };
const ACCEPTED: [string, number][] = [
  // numbers
  ['3', 3],
  ['0.5 + .5 + 1. + 1e-3 + 2.5E+4 + 1e2', 0.5 + 0.5 + 1 + 1e-3 + 2.5e4 + 100],
  // precedence and associativity
  ['2+3*4', 14],
  ['2*3^2', 18],
  ['-2^2', -4],
  ['-x^2', -(x ** 2)],
  ['2^3^2', 512],
  ['(2^3)^2', 64],
  ['2**3**2', 512],
  ['2^-1', 0.5],
  ['2^-x^2', 2 ** -(x ** 2)],
  ['8/4/2', 1],
  ['8-4-2', 2],
  ['x-y-z', x - y - z],
  ['x/y*z', (x / y) * z],
  ['-x*y', -x * y],
  ['2*-x', 2 * -x],
  ['--x', x],
  ['+x - +y', x - y],
  ['x - -1', x + 1],
  ['(((x)))', x],
  // functions
  ['exp(x) + log(y) + sqrt(y)', Math.exp(x) + Math.log(y) + Math.sqrt(y)],
  ['tanh(z) + sigmoid(z) + relu(z) + relu(x)', Math.tanh(z) + sigmoid(z) + x],
  ['sin(x) * cos(y) + abs(z) + neg(y)', Math.sin(x) * Math.cos(y) + Math.abs(z) - y],
  ['pow(x, y) + pow(2, 0.5) + pow(x + 1, -(y))', x ** y + Math.SQRT2 + (x + 1) ** -y],
  ['exp(-(x*y+z))', Math.exp(-(x * y + z))],
  // whitespace and names
  ['  x\t*\n y ', x * y],
];

describe('parseExpression', () => {
  it('documents its functions: every scalar op with a method but the four operators, pow included', () => {
    expect(Object.keys(FUNCTIONS).sort()).toEqual(expect.arrayContaining(['abs', 'cos', 'exp', 'log', 'neg', 'pow', 'relu', 'sigmoid', 'sin', 'sqrt', 'tanh', 'atan2', 'erf']));
    const expected = OPS.filter((op) => op.kind === 'scalar' && op.method !== null && !['+', '-', '*', '/'].includes(op.symbol));
    expect(Object.entries(FUNCTIONS).sort()).toEqual(expected.map((op) => [op.method, op.arity]).sort());
  });

  it('builds, prints and parses back every function, two-argument ones too', async () => {
    for (const backend of BACKENDS) {
      const eng = await engine(backend);
      for (const [name, arity] of Object.entries(FUNCTIONS)) {
        const text = arity === 1 ? `${name}(x)` : `${name}(x, y)`;
        const v = buildExpression(eng, text, { x: 0.75, y: 1.5 });
        expect(v.op, text).toBe(OPS.find((op) => op.method === name)!.name);
        const printed = formatExpression(v)!;
        if (name !== 'pow' && name !== 'neg') expect(printed).toBe(text);
        const again = buildExpression(eng, printed, { x: 0.75, y: 1.5 });
        expect(again.op, printed).toBe(v.op);
        expect(again.data, printed).toBe(v.data);
      }
    }
  });

  it('groups -x^2 as -(x^2), 2^3^2 as 2^(3^2), and 8-4-2 as (8-4)-2', () => {
    const neg = parseExpression('-x^2').root;
    expect(neg).toMatchObject({ type: 'negate', operand: { type: 'binary', op: '^', left: { name: 'x' }, right: { value: 2 } } });
    expect(parseExpression('2^3^2').root).toMatchObject({ op: '^', left: { value: 2 }, right: { op: '^', left: { value: 3 }, right: { value: 2 } } });
    expect(parseExpression('8-4-2').root).toMatchObject({ op: '-', left: { op: '-', left: { value: 8 } }, right: { value: 2 } });
    expect(parseExpression('-2').root).toEqual({ type: 'number', value: -2, start: 0, end: 2 });
    expect(parseExpression('exp(x)').root).toMatchObject({ type: 'call', name: 'exp', start: 0, end: 6 });
  });

  it('lists the variables in order of first use', () => {
    expect(expressionVariables(SEED_EXPRESSION)).toEqual(['w0', 'x0', 'w1', 'x1', 'w2']);
    expect(expressionVariables('exp + exp(y_1) * _a2 + y_1')).toEqual(['exp', 'y_1', '_a2']);
  });

  // [source, column, reason]
  const REJECTED: [string, number, RegExp][] = [
    ['', 1, /^the expression is empty$/],
    ['   ', 4, /^the expression is empty$/],
    ['1+', 3, /^expected a number, a variable, a function or \( but the expression ended$/],
    ['x*/y', 3, /^expected a number, a variable, a function or \( but found '\/'$/],
    ['*3', 1, /but found '\*'/],
    ['x^', 3, /but the expression ended/],
    ['(1+2', 5, /^missing '\)' to close the \( at column 1$/],
    ['exp(x', 6, /^missing '\)' to close the \( at column 4$/],
    ['(x y)', 4, /^expected an operator or '\)' to close the \( at column 1, found 'y'$/],
    ['1+2)', 4, /^unmatched '\)'$/],
    ['()', 2, /before '\)'$/],
    ['2x', 2, /^expected an operator \(\+ - \* \/ \^\) before 'x'$/],
    ['3..4', 3, /^expected an operator .* before '\.4'$/],
    ['x $ y', 3, /^unexpected character "\$"$/],
    ['x = 1', 3, /^unexpected character "="$/],
    ['1,2', 2, /^unexpected ',' outside a function's arguments$/],
    ['(1,2)', 3, /^unexpected ',' in a parenthesis$/],
    ['foo(1)', 1, new RegExp(`^unknown function 'foo' \\(functions: ${Object.keys(FUNCTIONS).join(', ')}\\)$`)],
    ['pow(1)', 1, /^pow\(\) takes 2 arguments, got 1$/],
    ['exp(1, 2)', 1, /^exp\(\) takes 1 argument, got 2$/],
    ['sin()', 1, /^sin\(\) takes 1 argument, got 0$/],
    ['x + log(y,)', 11, /but found '\)'|before '\)'/],
  ];

  it.each(REJECTED)('rejects %j at column %i', (source, column, reason) => {
    let error: unknown;
    try {
      parseExpression(source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    const e = error as ExpressionError;
    expect(e.reason).toMatch(reason);
    expect(e.column).toBe(column);
    // The message: the reason with its column, the expression, and a caret line under the problem.
    const [first, shown, carets] = e.message.split('\n');
    expect(first).toBe(`${e.reason} at column ${column}`);
    expect(shown).toBe(`  ${source}`);
    expect(carets.indexOf('^')).toBe(2 + column - 1);
    expect(carets.trimStart()).toMatch(/^\^+$/);
  });

  it('underlines the whole of an unknown name', () => {
    expect(() => parseExpression('1 + frob(x)')).toThrow('at column 5\n  1 + frob(x)\n      ^^^^');
  });

  it('rejects nesting deep enough to overflow the stack, with an ExpressionError', () => {
    const deep = `${'('.repeat(5000)}x${')'.repeat(5000)}`;
    expect(() => parseExpression(deep)).toThrow(ExpressionError);
    expect(() => parseExpression(deep)).toThrow(/nested more than 500 levels deep/);
    expect(() => parseExpression(`${'-'.repeat(5000)}x`)).toThrow(/nested more than/);
    expect(parseExpression(`${'('.repeat(400)}x${')'.repeat(400)}`).root).toMatchObject({ type: 'variable', name: 'x' });
  });

  it('rejects what is not a string', () => {
    expect(() => parseExpression(3 as never)).toThrow(/parseExpression: expected a string, got number 3/);
  });
});

describe.each(BACKENDS)('buildExpression (%s)', (backend) => {
  it.each(ACCEPTED)('computes %j', async (source, expected) => {
    const eng = await engine(backend);
    expectClose(buildExpression(eng, source, VARS).data, expected, { rtol: 1e-14, atol: 1e-15 }, source);
  });

  it("builds the seed's graph node for node as examples/seed.mjs does", async () => {
    const eng = await engine(backend);
    const h = buildExpression(eng, SEED_EXPRESSION, SEED_INPUTS);
    expect(walkGraph(h).nodes.map((n) => (n.name ?? n.op) + (n.op === 'Const' ? n.data : ''))).toEqual([
      'w0', 'x0', 'Mul', 'w1', 'x1', 'Mul', 'Add', 'w2', 'Add', 'Neg', 'Exp', 'Const1', 'Add', 'Const1', 'Div',
    ]);
  });

  it('makes x^2 a pow by a constant and x^y a pow with a gradient for y', async () => {
    const eng = await engine(backend);
    expect(buildExpression(eng, 'x^2', VARS).op).toBe('PowConst');
    const p = buildExpression(eng, 'x^y', VARS);
    expect(p.op).toBe('Pow');
    p.backward();
    expectClose(p.inputs[1].grad, x ** y * Math.log(x));
    expect(buildExpression(eng, '-x^2', VARS).op).toBe('Neg');
    expect(buildExpression(eng, '2', VARS).op).toBe('Const');
  });

  it('makes one leaf per variable, named after it, and uses given Values as they are', async () => {
    const eng = await engine(backend);
    const w = eng.param(3, 'w');
    const shared = eng.value(2, 'shared');
    const out = buildExpression(eng, 'w*x + x*shared', new Map<string, number | Value>([['w', w], ['x', 5], ['shared', shared]]));
    out.backward();
    expect(w.grad).toBe(5);
    expect(shared.grad).toBe(5);
    const leaves = walkGraph(out).nodes.filter((n) => n.op === 'Leaf');
    expect(leaves.map((n) => n.name)).toEqual(['shared', 'x']); // in tape order: shared was made first
    expect(leaves.find((n) => n.name === 'x')!.grad).toBe(3 + 2);
  });

  it('points at the first unknown variable and lists the others', async () => {
    const eng = await engine(backend);
    let error: ExpressionError | undefined;
    try {
      buildExpression(eng, 'x*y + q + r*q', { x: 1 });
    } catch (err) {
      error = err as ExpressionError;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error!.kind).toBe('unknown-variable');
    expect(error!.column).toBe(3);
    expect(error!.message).toBe("unknown variable 'y' (no value given for it; also missing: q, r) at column 3\n  x*y + q + r*q\n    ^");
    expect(() => buildExpression(eng, 'x', { x: '2' as never })).toThrow(/variable 'x' must be a number or a Value, got the string "2"/);
    expect(() => buildExpression(eng, 'toString + 1', {})).toThrow(/unknown variable 'toString'/);
  });

  it('builds a long flat expression without recursion', async () => {
    const eng = await engine(backend);
    const source = Array.from({ length: 20_000 }, (_, i) => `x*${i % 7}`).join(' + ');
    const out = buildExpression(eng, source, { x: 2 });
    out.backward();
    expect(out.inputs[0].engine.stats().nodes).toBeGreaterThan(40_000);
    const sum = Array.from({ length: 20_000 }, (_, i) => i % 7).reduce((a, b) => a + b, 0);
    expect(out.data).toBe(2 * sum);
  });

  it('prints a graph back as an expression that builds the same graph', async () => {
    const eng = await engine(backend);
    expect(formatExpression(buildExpression(eng, SEED_EXPRESSION, SEED_INPUTS))).toBe(SEED_EXPRESSION);
    const sources = [
      ...ACCEPTED.map(([source]) => source),
      'x-(y-z)', 'x/(y*z)', 'x*(y*z)', 'x+(y+z)', '(-x)^2', 'x^(y^z)', '(x^y)^z', '-(-x)', 'x^(-1)', 'x*(-2)', '-2*x', '2^(-x)',
    ];
    for (const source of sources) {
      const first = buildExpression(eng, source, VARS);
      const printed = formatExpression(first)!;
      const second = buildExpression(eng, printed, VARS);
      expect(formatExpression(second), source).toBe(printed);
      expect(walkGraph(second).nodes.map((n) => n.op), source).toEqual(walkGraph(first).nodes.map((n) => n.op));
      expect(second.data, source).toBe(first.data);
    }
    expect(formatExpression(buildExpression(eng, '-x^2 + (-x)^2 - 2^-x', VARS))).toBe('-x^2+(-x)^2-2^(-x)');
    expect(formatExpression(buildExpression(eng, 'x*y', VARS).mul(eng.value(2)))).toBe('x*y*b'); // names as explain() gives them: a is x*y
  });

  it('gives up printing a graph that expands past maxLength', async () => {
    const eng = await engine(backend);
    let v = eng.value(1.0001, 'x');
    for (let i = 0; i < 40; i++) v = v.mul(v); // 2^40 leaves when written out
    expect(formatExpression(v)).toBeUndefined();
    expect(formatExpression(v, { maxLength: 10_000_000 })).toBeUndefined();
  });
});
