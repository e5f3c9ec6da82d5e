// The op table as the TypeScript side sees it. Ids must equal assembly/ops.ts
// (test/ops.test.ts checks them against the compiled module); the mapped type
// below makes a missing entry a compile error.

export const Op = {
  Leaf: 0,
  Const: 1,
  Param: 2,
  Add: 3,
  Sub: 4,
  Mul: 5,
  Div: 6,
  Pow: 7,
  PowConst: 8,
  Neg: 9,
  Exp: 10,
  Log: 11,
  Sqrt: 12,
  Tanh: 13,
  Sigmoid: 14,
  Relu: 15,
  Sin: 16,
  Cos: 17,
  Abs: 18,
} as const;

export type OpName = keyof typeof Op;
export type OpId = (typeof Op)[OpName];

export interface OpInfo {
  /** Node inputs: 0 for leaves, 1 for unary ops, 2 for binary ops. */
  readonly arity: 0 | 1 | 2;
  /** The op as it reads in an expression: an infix symbol for binary ops, a function name otherwise. */
  readonly symbol: string;
}

export const OP_INFO: { readonly [K in OpName]: OpInfo } = {
  Leaf: { arity: 0, symbol: 'leaf' },
  Const: { arity: 0, symbol: 'const' },
  Param: { arity: 0, symbol: 'param' },
  Add: { arity: 2, symbol: '+' },
  Sub: { arity: 2, symbol: '-' },
  Mul: { arity: 2, symbol: '*' },
  Div: { arity: 2, symbol: '/' },
  Pow: { arity: 2, symbol: '**' },
  PowConst: { arity: 2, symbol: '**' },
  Neg: { arity: 1, symbol: 'neg' },
  Exp: { arity: 1, symbol: 'exp' },
  Log: { arity: 1, symbol: 'log' },
  Sqrt: { arity: 1, symbol: 'sqrt' },
  Tanh: { arity: 1, symbol: 'tanh' },
  Sigmoid: { arity: 1, symbol: 'sigmoid' },
  Relu: { arity: 1, symbol: 'relu' },
  Sin: { arity: 1, symbol: 'sin' },
  Cos: { arity: 1, symbol: 'cos' },
  Abs: { arity: 1, symbol: 'abs' },
};

/** Op names indexed by id. */
export const OP_NAMES: readonly OpName[] = (Object.keys(Op) as OpName[]).sort((p, q) => Op[p] - Op[q]);

export const OP_COUNT = OP_NAMES.length;
