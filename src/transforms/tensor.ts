// The registry's rules (src/generated/rules.ts) on tensors: the detached masks
// the non-smooth ops' rules need, made of comparison nodes (which carry no
// gradient) and where nodes. With them any rule evaluates elementwise on
// Tensors, and, written with differentiable ops, its result can be
// differentiated again by the ordinary tensor backward.

import type { RuleHelpers } from '../generated/rules.js';
import { Tensor, where } from '../tensor/tensor.js';

/** The rules' masks on tensors (comparisons have no gradient; where passes it to the branch taken). */
export const TENSOR_HELPERS: RuleHelpers<Tensor> = {
  gt: (a, b) => a.gt(b),
  ge: (a, b) => a.ge(b),
  lt: (a, b) => a.lt(b),
  eq: (a, b) => a.eq(b),
  // NaN where a is NaN (a ≠ a), as the fused kernels' sign
  sign: (a) => a.gt(0).sub(a.lt(0)).add(where(a.ne(a), NaN, 0)),
  where: (m, a, b) => where(m, a, b),
};

