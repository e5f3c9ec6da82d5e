// The twin's one entry for ops: the forward of every node kind with inputs,
// by kind as the backward rules are (./backward.ts). Its types list every such
// kind of the registry with its inputs and attributes, so a kind added to
// registry/ops.mjs without a forward here does not compile.
// Each forward works out its output shape from its inputs' shapes and its
// attributes, as the core does; the front end has validated both.

import type { OpAttrs, OpInputs, OpKindName } from '../../../generated/ops.js';
import type { TensorTape } from '../tape.js';
import * as elementwise from './elementwise.js';
import * as reduce from './reduce.js';
import * as mm from './matmul.js';
import * as movement from './movement.js';
import * as conv from './conv.js';
import * as loss from './loss.js';
import * as indexing from './indexing.js';
import * as scan from './scan.js';

/**
 * Records a node of `kind`. One switch rather than a table of closures: each
 * case is a direct call that the JIT inlines, and then the inputs array and
 * the attribute record never leave the caller's frame (a table's indirect
 * call cost the twin 30–45 ns per op on small tensors). The `never` default
 * makes a kind without a case a compile error.
 */
export function forward<K extends OpKindName>(t: TensorTape, kind: K, inputs: OpInputs[K], attrs: OpAttrs[K]): number {
  const i = inputs as readonly number[];
  const k = kind as OpKindName;
  switch (k) {
    case 'Unary': return elementwise.unary(t, (attrs as OpAttrs['Unary']).op, i[0]);
    case 'Binary': return elementwise.binary(t, (attrs as OpAttrs['Binary']).op, i[0], i[1]);
    case 'Where': return elementwise.where(t, i[0], i[1], i[2]);
    case 'Compare': return elementwise.compare(t, (attrs as OpAttrs['Compare']).kind, i[0], i[1]);
    case 'Reduce': {
      const a = attrs as OpAttrs['Reduce'];
      return reduce.reduce(t, a.kind, i[0], a.axes, a.keepdims);
    }
    case 'Matmul': {
      const a = attrs as OpAttrs['Matmul'];
      return mm.matmul(t, i[0], i[1], a.transA, a.transB);
    }
    case 'Reshape': return movement.reshape(t, i[0], (attrs as OpAttrs['Reshape']).shape);
    case 'Permute': return movement.permute(t, i[0], (attrs as OpAttrs['Permute']).perm);
    case 'Expand': return movement.expand(t, i[0], (attrs as OpAttrs['Expand']).shape);
    case 'Slice': {
      const a = attrs as OpAttrs['Slice'];
      return movement.slice(t, i[0], a.starts, a.ends);
    }
    case 'Concat': return movement.concat(t, i[0], i[1], (attrs as OpAttrs['Concat']).axis);
    case 'Pad': {
      const a = attrs as OpAttrs['Pad'];
      return movement.pad(t, i[0], a.before, a.after, a.value);
    }
    case 'IndexSelect': return movement.indexSelect(t, i[0], (attrs as OpAttrs['IndexSelect']).axis, i[1]);
    case 'Conv2d': return conv.conv2d(t, i[0], i[1], attrs as OpAttrs['Conv2d']);
    case 'MaxPool2d': return conv.maxPool2d(t, i[0], attrs as OpAttrs['MaxPool2d']);
    case 'AvgPool2d': return conv.avgPool2d(t, i[0], attrs as OpAttrs['AvgPool2d']);
    case 'Detach': return elementwise.detach(t, i[0]);
    case 'Cast': return elementwise.cast(t, i[0], (attrs as OpAttrs['Cast']).dtype);
    case 'CrossEntropy': return loss.crossEntropy(t, i[0], i[1]);
    case 'Argmax': case 'Argmin': {
      const a = attrs as OpAttrs['Argmax'];
      return indexing.argExtreme(t, k, i[0], a.axis, a.keepdims);
    }
    case 'Argsort': {
      const a = attrs as OpAttrs['Argsort'];
      return indexing.argsort(t, i[0], a.axis, a.descending);
    }
    case 'Gather': return indexing.gather(t, i[0], (attrs as OpAttrs['Gather']).axis, i[1]);
    case 'ScatterAdd': return indexing.scatterAdd(t, i[0], (attrs as OpAttrs['ScatterAdd']).axis, i[1], i[2]);
    case 'Cumsum': case 'Cumprod': return scan.scan(t, k, i[0], (attrs as OpAttrs['Cumsum']).axis);
    default: {
      const missing: never = k;
      throw new Error(`wasmgrad: the twin has no forward for node kind ${String(missing)}`);
    }
  }
}
