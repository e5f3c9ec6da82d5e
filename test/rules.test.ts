// The rule language of registry/ops.mjs (gradient.differentiable, gradient.jvp):
// npm run gen refuses a rule that calls what Value and Tensor do not both
// have, and the generated rules type-check over both.

import { describe, expect, it } from 'vitest';
import { compileRuleFor } from '../registry/generate.mjs';
import { OPS } from '../registry/ops.mjs';
import { RULES, RULE_BY_ID, type Differentiable, type RuleOpName } from '../src/generated/rules.js';
import type { Tensor, Value } from '../src/index.js';

// Compile-time: both handle types are differentiable numbers, and the table is keyed by every op with inputs.
const valueIsDifferentiable = (v: Value): Differentiable<Value> => v;
const tensorIsDifferentiable = (t: Tensor): Differentiable<Tensor> => t;
void valueIsDifferentiable;
void tensorIsDifferentiable;

describe('the rule language', () => {
  it('gives every op with inputs a vjp per input and a jvp, by name and by id', () => {
    for (const op of OPS.filter((o) => o.arity > 0)) {
      const rule = RULES[op.name as RuleOpName];
      expect(rule, op.name).toBeDefined();
      expect(RULE_BY_ID.get(op.id)).toBe(rule);
    }
    expect(RULE_BY_ID.size).toBe(OPS.filter((o) => o.arity > 0).length);
  });

  it('turns names, methods, numbers and helpers into TypeScript', () => {
    expect(compileRuleFor('Log1p', 'vjp', 'g.div(x.add(1))')).toBe('g.div(x.add(1))');
    expect(compileRuleFor('Mul', 'jvp', 'dx.mul(y).add(x.mul(dy))')).toBe('dx.mul(y!).add(x.mul(dy!))');
    expect(compileRuleFor('Relu', 'vjp', 'where(gt(x, 0), g, -0.5)')).toBe('k.where(k.gt(x, 0), g, -0.5)');
  });

  it.each([
    ['Exp', 'vjp', 'g.mul(out).frobnicate()', /unknown method frobnicate/],
    ['Exp', 'vjp', 'g.maximum(x)', /unknown method maximum \(Value and Tensor share/],
    ['Exp', 'vjp', 'g.mul(y)', /unknown name y/],
    ['Exp', 'vjp', 'dx.mul(out)', /unknown name dx/],
    ['Mul', 'vjp', 'g.mul()', /\.mul\(\) takes 1 argument, got 0/],
    ['Exp', 'vjp', 'g.exp(1)', /\.exp\(\) takes 0 arguments/],
    ['Log1p', 'vjp', 'g.div(1.add(x))', /a number cannot be the receiver/],
    ['Relu', 'vjp', 'step(x)', /unknown function step/],
    ['Relu', 'vjp', 'gt(0, x)', /first argument of gt must not be a number/],
    ['Exp', 'vjp', '2', /not a number/],
    ['Exp', 'vjp', 'g.mul(out', /expected '\)'/],
    ['Exp', 'vjp', 'g.mul(out) + 1', /unexpected '\+'/],
  ] as const)('refuses %s %s rule %s', (name, kind, text, message) => {
    expect(() => compileRuleFor(name, kind, text)).toThrow(message);
    expect(() => compileRuleFor(name, kind, text)).toThrow(new RegExp(`${name}'s ${kind} rule`));
  });
});
