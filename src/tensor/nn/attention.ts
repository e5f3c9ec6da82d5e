// torch.nn.MultiheadAttention with batch_first=True: inputs [batch, seq,
// embed]. Its parameters keep PyTorch's packed layout, so a state dict moves
// between the two unchanged: in_proj_weight [3E, E] (the q, k and v
// projections stacked in that order), in_proj_bias [3E], and out_proj, a
// Linear(E, E). Init as PyTorch: xavier_uniform in_proj_weight, zero biases,
// out_proj.weight as a Linear's.

import { checkFlag, checkOptions, describe } from '../../check.js';
import type { Engine } from '../../engine.js';
import { linear, scaledDotProductAttention } from '../functional.js';
import type { TensorParam } from '../param.js';
import * as S from '../shape.js';
import { Tensor } from '../tensor.js';
import { fillUniform, xavierBound } from '../init.js';
import { Linear, checkCount, checkEngine, initOptions, makeParam, type InitOptions } from './layers.js';
import { Module } from './module.js';
import { WasmgradShapeError, WasmgradValueError } from '../../errors.js';

export interface MultiheadAttentionForwardOptions {
  /** Causal self-attention: query i attends to keys 0..i. */
  isCausal?: boolean;
  /** [L, S]: int32 (nonzero attends) or float (added to the scores); see F.scaledDotProductAttention. */
  attnMask?: Tensor;
}

export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly inProjWeight: TensorParam;
  readonly inProjBias: TensorParam | null;
  readonly outProj: Linear;

  constructor(readonly engine: Engine, readonly embedDim: number, readonly numHeads: number, options?: InitOptions) {
    super();
    const eng = checkEngine(engine, 'MultiheadAttention');
    checkCount('MultiheadAttention', 'embedDim', embedDim);
    checkCount('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) throw new WasmgradValueError(`MultiheadAttention: embedDim ${embedDim} is not divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    const { rng, dtype, bias } = initOptions(eng, options, 'MultiheadAttention', ['bias', 'rng', 'dtype']);
    const shape = [3 * embedDim, embedDim];
    const bound = xavierBound(shape, 1, 'MultiheadAttention');
    this.inProjWeight = makeParam(eng, 'MultiheadAttention', shape, dtype, (d) => fillUniform(d, -bound, bound, rng));
    this.inProjBias = bias ? makeParam(eng, 'MultiheadAttention', [3 * embedDim], dtype, (d) => d.fill(0)) : null;
    this.outProj = new Linear(engine, embedDim, embedDim, { bias, rng, dtype });
    if (this.outProj.bias) this.outProj.bias.assign(new (dtype === 'float32' ? Float32Array : Float64Array)(embedDim));
    this.registerParameter('in_proj_weight', this.inProjWeight);
    this.registerParameter('in_proj_bias', this.inProjBias);
    this.registerModule('out_proj', this.outProj);
  }

  /**
   * query [B, L, E], key and value [B, S, E] (default: self-attention, key =
   * value = query) → [B, L, E]. Returns the output only (PyTorch returns the
   * averaged attention weights beside it).
   */
  override forward(query: Tensor, key: Tensor = query, value: Tensor = key, options?: MultiheadAttentionForwardOptions): Tensor {
    const name = 'MultiheadAttention';
    const o = checkOptions(options, name, ['isCausal', 'attnMask']);
    checkFlag(o.isCausal, name, 'isCausal');
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    for (const [what, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!(t instanceof Tensor) || t.rank !== 3 || t.shape[2] !== E) throw new WasmgradShapeError(`${name}: ${what} must be [batch, seq, ${E}] (batch first), got ${t instanceof Tensor ? S.fmt(t.shape) : describe(t)}`);
    }
    const [B, L] = query.shape;
    const Sk = key.shape[1];
    if (key.shape[0] !== B || value.shape[0] !== B || value.shape[1] !== Sk) throw new WasmgradShapeError(`${name}: query ${S.fmt(query.shape)}, key ${S.fmt(key.shape)} and value ${S.fmt(value.shape)} do not agree in batch and sequence`);
    const w = this.inProjWeight, b = this.inProjBias;
    const part = (t: Tensor, i: number, len: number) => {
      const y = linear(t, w.slice([i * E], [(i + 1) * E]), b ? b.slice([i * E], [(i + 1) * E]) : null);
      return y.reshape([B, len, H, D]).transpose(1, 2);
    };
    const q = part(query, 0, L), k = part(key, 1, Sk), v = part(value, 2, Sk);
    const attn = scaledDotProductAttention(q, k, v, o.attnMask !== undefined ? { attnMask: o.attnMask } : { isCausal: o.isCausal ?? false });
    return this.outProj.forward(attn.transpose(1, 2).reshape([B, L, E]));
  }

  protected override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}`;
  }
}
