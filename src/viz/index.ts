// wasmgrad/viz: pictures and explanations of graphs, and an expression parser.
// A separate entry point, so that `import 'wasmgrad'` does not carry it;
// toSvg() loads the optional peer dependency @viz-js/viz on first use only.

export { toDot } from './dot.js';
export { toMermaid } from './mermaid.js';
export { toSvg, dotToSvg } from './svg.js';
export type { GraphOptions, TensorGraphOptions, DrawOptions } from './style.js';
export { walkTensorGraph, type TensorGraph, type TensorGraphNode, type TensorWalkOptions, type TensorParamNames } from './tensor-graph.js';
export { walkGraph, formatNumber, DEFAULT_MAX_NODES, type Graph, type GraphNode, type NodeKind, type WalkOptions } from './graph.js';
export {
  explain,
  explainSteps,
  LOCAL_DERIVATIVES,
  type ExplainOptions,
  type Explanation,
  type ExplainStep,
  type ChainTerm,
  type LocalRule,
  type LocalContext,
  type Operand,
} from './explain.js';
export {
  parseExpression,
  buildExpression,
  expressionVariables,
  formatExpression,
  ExpressionError,
  FUNCTIONS,
  type ExprNode,
  type ParsedExpression,
  type ExpressionErrorKind,
  type FunctionName,
  type BinaryOperator,
  type Variables,
  type FormatOptions,
} from './expr.js';
