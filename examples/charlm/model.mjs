// A small GPT for characters (the transformer of makemore / nanoGPT, scaled
// down): token and position embeddings, pre-norm blocks of causal
// self-attention and a GELU MLP with residuals, a final LayerNorm and a
// linear head to the vocabulary.
//
// The attributes carry nanoGPT's names (wte, wpe, h, ln_f, lm_head; ln_1,
// attn, ln_2, mlp inside a block), snake_case where PyTorch code would have
// it: a module's state-dict keys are its attribute names, so the saved file
// has the keys a PyTorch model of the same shape has (`h.0.attn.in_proj_weight`,
// `h.1.mlp.2.bias`, …).

import { F, nn } from 'wasmgrad';

/** The default size: about 105k parameters, a few milliseconds a step on one core. */
export const MODEL = Object.freeze({ nEmbd: 64, nHead: 4, nLayer: 2, mlpRatio: 4 });

class Block extends nn.Module {
  constructor(eng, nEmbd, nHead, mlpRatio) {
    super();
    this.ln_1 = new nn.LayerNorm(eng, nEmbd);
    this.attn = new nn.MultiheadAttention(eng, nEmbd, nHead);
    this.ln_2 = new nn.LayerNorm(eng, nEmbd);
    this.mlp = new nn.Sequential(new nn.Linear(eng, nEmbd, mlpRatio * nEmbd), new nn.GELU(), new nn.Linear(eng, mlpRatio * nEmbd, nEmbd));
  }

  /** x [B, T, E] → [B, T, E]. */
  forward(x) {
    const a = this.ln_1.forward(x);
    x = x.add(this.attn.forward(a, a, a, { isCausal: true }));
    return x.add(this.mlp.forward(this.ln_2.forward(x)));
  }
}

export class CharTransformer extends nn.Module {
  /**
   * @param {import('wasmgrad').Engine} eng its generator (createEngine({ seed })) draws the initial weights
   * @param {{ vocabSize: number, blockSize: number, nEmbd?: number, nHead?: number, nLayer?: number, mlpRatio?: number }} config
   */
  constructor(eng, config) {
    super();
    const c = { ...MODEL, ...config };
    this.config = Object.freeze({ vocabSize: c.vocabSize, blockSize: c.blockSize, nEmbd: c.nEmbd, nHead: c.nHead, nLayer: c.nLayer, mlpRatio: c.mlpRatio });
    this.eng = eng;
    this.wte = new nn.Embedding(eng, c.vocabSize, c.nEmbd);
    this.wpe = new nn.Embedding(eng, c.blockSize, c.nEmbd);
    this.h = Array.from({ length: c.nLayer }, () => new Block(eng, c.nEmbd, c.nHead, c.mlpRatio));
    this.ln_f = new nn.LayerNorm(eng, c.nEmbd);
    this.lm_head = new nn.Linear(eng, c.nEmbd, c.vocabSize);
  }

  /**
   * idx: int32 token ids [B, T] (T ≤ blockSize) → logits [B, T, vocab].
   * @param {import('wasmgrad').Tensor} idx
   */
  forward(idx) {
    const [, T] = idx.shape;
    if (T > this.config.blockSize) throw new RangeError(`CharTransformer: sequence of ${T} tokens is longer than the block size ${this.config.blockSize}`);
    const positions = Array.from({ length: T }, (_, i) => i);
    let x = this.wte.forward(idx).add(this.wpe.forward(positions));
    for (const block of this.h) x = block.forward(x);
    return this.lm_head.forward(this.ln_f.forward(x));
  }
}

/**
 * Mean cross-entropy over the tokens of a batch that have a target (y ≥ 0):
 * padding past a name's end token is skipped by picking the rows that count,
 * so the loss is the mean over real characters whatever the names' lengths.
 * @param {CharTransformer} model
 * @param {Int32Array} X [B × T] inputs
 * @param {Int32Array} Y [B × T] targets, −1 where there is none
 * @param {number} B rows
 * @returns {{ loss: import('wasmgrad').Tensor, count: number }}
 */
export function batchLoss(model, X, Y, B) {
  const { eng } = model;
  const T = model.config.blockSize;
  const rows = [];
  const targets = [];
  for (let i = 0; i < B * T; i++) {
    if (Y[i] >= 0) {
      rows.push(i);
      targets.push(Y[i]);
    }
  }
  const logits = model.forward(eng.tensor(X.subarray(0, B * T), [B, T], { dtype: 'int32' }));
  const picked = logits.reshape([B * T, model.config.vocabSize]).indexSelect(0, rows);
  return { loss: F.crossEntropy(picked, targets), count: rows.length };
}
