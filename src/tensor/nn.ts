// Tensor modules with PyTorch's names, layouts and default inits (nn/*.ts).
// Their parameters are TensorParams, so they survive eng.reset() and a
// training loop rebuilds the graph every step. src/nn.ts re-exports them
// beside the scalar Neuron/Layer/MLP.

export { Module, type StateValue, type LoadStateDictOptions, type LoadStateDictResult } from './nn/module.js';
export {
  Linear, Conv1d, Conv2d, Embedding, Sequential, Flatten, Dropout, ReLU, Tanh, Sigmoid, GELU, LeakyReLU, Softmax, MaxPool2d, AvgPool2d,
  type InitOptions, type Conv1dInitOptions, type Conv2dInitOptions, type EmbeddingOptions, type DropoutOptions, type Layer,
} from './nn/layers.js';
export { LayerNorm, BatchNorm1d, BatchNorm2d, type LayerNormOptions, type BatchNormOptions } from './nn/norm.js';
export { MultiheadAttention, type MultiheadAttentionForwardOptions } from './nn/attention.js';
export { Module as TensorModule } from './nn/module.js';
