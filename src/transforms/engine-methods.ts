// The function transforms as methods of the engine (eng.grad, eng.vjp,
// eng.hessian…): an interface the Engine class merges with and an install
// function that puts the methods on its prototype, so that engine.ts holds the
// engine itself and the transforms live here, in src/transforms/.

import type { EngineType } from '../context.js';
import type { Value, Scalar } from '../value.js';
import type { Tensor } from '../tensor/tensor.js';
import * as transforms from './functions.js';
import type { TensorTree } from './tensor-functions.js';

/** An argument of a transformed tensor function: a Tensor, or an array or plain object of them. */
export type TensorArg = TensorTree;
/** A tensor function the transforms take: Tensors (or trees of them) in, a one-element Tensor out. */
export type TensorFunction = (...args: any[]) => Tensor;
/** A tensor function with one or several Tensor outputs (vjp). */
export type TensorVectorFunction = (...args: any[]) => Tensor | readonly Tensor[];
export interface TensorGradientsOptions {
  /** Record the gradients as graph nodes, so that they can be differentiated again (default false: detached). */
  createGraph?: boolean;
  /** The gradient each output is seeded with, a Tensor of its shape or a number (default 1 everywhere). */
  gradOutputs?: Tensor | number | readonly (Tensor | number)[];
}

/** The function transforms (src/transforms/, docs/transforms.md): results are Values, differentiable again. */
export interface EngineTransforms {
  /**
   * torch.autograd.grad: d(outputs)/d(inputs) as Values (or Tensors, for tensor
   * outputs), graph nodes with createGraph; `.grad` is left alone.
   */
  gradients(outputs: Value | readonly Value[], inputs: readonly Value[], options?: transforms.GradientsOptions): Value[];
  gradients(outputs: Tensor | readonly Tensor[], inputs: readonly Tensor[], options?: TensorGradientsOptions): Tensor[];
  /**
   * jax.grad: `eng.grad(f)(x)` is df/dx at x; argnums picks the argument(s); composes (`eng.grad(eng.grad(f))`).
   * On tensor functions (Tensors, or arrays/objects of them, in; a one-element Tensor out) each
   * gradient comes back in its argument's structure (R: Tensor for a Tensor argument).
   */
  grad<N extends transforms.Argnums = 0>(f: transforms.ScalarFunction, options?: transforms.GradOptions<N>): (...args: Scalar[]) => transforms.Grads<N>;
  grad<R = Tensor>(f: TensorFunction, options?: transforms.GradOptions<transforms.Argnums>): (...args: TensorArg[]) => R;
  /** jax.value_and_grad: `[f(x), df/dx]`. */
  valueAndGrad<N extends transforms.Argnums = 0>(f: transforms.ScalarFunction, options?: transforms.GradOptions<N>): (...args: Scalar[]) => [Value, transforms.Grads<N>];
  valueAndGrad<R = Tensor>(f: TensorFunction, options?: transforms.GradOptions<transforms.Argnums>): (...args: TensorArg[]) => [Tensor, R];
  /** jax.vjp: `[f(...primals), cotangents => vector-Jacobian product per primal]`. */
  vjp(f: transforms.VectorFunction, ...primals: Scalar[]): [Value | Value[], (cotangents: Scalar | readonly Scalar[]) => Value[]];
  vjp<R = Tensor>(f: TensorVectorFunction, ...primals: TensorArg[]): [Tensor | Tensor[], (cotangents: Tensor | number | readonly (Tensor | number)[]) => R[]];
  /**
   * jax.jvp in forward mode: `[f(...primals), the derivative of f along tangents]`. On Tensor
   * primals, tangents are Tensors of the primals' shapes and dtypes (or numbers, filling one); a
   * Tensor output gives `[out, tangent]`, a list of them `[outs, tangents]`. (The tensor overloads
   * come first so that `eng.jvp(eng.grad(f), …)` infers the gradient as a Tensor.)
   */
  jvp(f: (...args: any[]) => Tensor, primals: readonly Tensor[], tangents: readonly (Tensor | number)[]): [Tensor, Tensor];
  jvp(f: (...args: any[]) => readonly Tensor[], primals: readonly Tensor[], tangents: readonly (Tensor | number)[]): [Tensor[], Tensor[]];
  jvp(f: transforms.VectorFunction, primals: readonly Scalar[], tangents: readonly Scalar[]): [Value | Value[], Value | Value[]];
  /**
   * jax.jacrev (`mode: 'reverse'`, the default: one sweep per output) and jax.jacfwd (`mode: 'forward'`:
   * one sweep per argument): `eng.jacobian(f)(...args)[i][j]` = ∂ output i / ∂ argument j.
   */
  jacobian(f: transforms.VectorFunction, options?: transforms.JacobianOptions): (...args: Scalar[]) => Value[][];
  /** On Tensor arguments J[i][j] is a Tensor of shape [...out_i.shape, ...a_j.shape] (jax's layout). */
  jacobian(f: TensorVectorFunction, options?: transforms.JacobianOptions): (...args: Tensor[]) => Tensor[][];
  /** jax.hessian: `eng.hessian(f)(...args)[i][j]` = ∂²f / ∂a_i ∂a_j. */
  hessian(f: transforms.ScalarFunction, options?: transforms.MatrixOptions): (...args: Scalar[]) => Value[][];
  /** On Tensor arguments H[i][j] is a Tensor of shape [...a_i.shape, ...a_j.shape]. */
  hessian(f: TensorFunction, options?: transforms.MatrixOptions): (...args: Tensor[]) => Tensor[][];
  /** The Hessian-vector product at primals along tangents, forward over reverse (the jvp of the gradient). */
  hvp(f: transforms.ScalarFunction, primals: readonly Scalar[], tangents: readonly Scalar[]): Value[];
  hvp(f: TensorFunction, primals: readonly Tensor[], tangents: readonly (Tensor | number)[]): Tensor[];
}

/** Puts EngineTransforms on the engine class's prototype (not enumerable, as class methods). */
export function installTransforms(proto: object): void {
  const methods = {
    gradients(this: EngineType, outputs: unknown, inputs: readonly unknown[], options?: unknown): unknown[] {
      return transforms.gradients(this, outputs as Value, inputs as Value[], options as transforms.GradientsOptions);
    },
    grad(this: EngineType, f: unknown, options?: transforms.GradOptions<transforms.Argnums>): unknown {
      return transforms.grad(this, f as transforms.ScalarFunction, options);
    },
    valueAndGrad(this: EngineType, f: unknown, options?: transforms.GradOptions<transforms.Argnums>): unknown {
      return transforms.valueAndGrad(this, f as transforms.ScalarFunction, options);
    },
    vjp(this: EngineType, f: unknown, ...primals: unknown[]): unknown {
      return transforms.vjp(this, f as transforms.VectorFunction, ...(primals as Scalar[]));
    },
    jvp(this: EngineType, f: unknown, primals: readonly unknown[], tangents: readonly unknown[]): unknown {
      return transforms.jvp(this, f as transforms.VectorFunction, primals as Scalar[], tangents as Scalar[]);
    },
    jacobian(this: EngineType, f: unknown, options?: transforms.JacobianOptions): unknown {
      return transforms.jacobian(this, f as transforms.VectorFunction, options);
    },
    hessian(this: EngineType, f: unknown, options?: transforms.MatrixOptions): unknown {
      return transforms.hessian(this, f as transforms.ScalarFunction, options);
    },
    hvp(this: EngineType, f: unknown, primals: readonly unknown[], tangents: readonly unknown[]): unknown {
      return transforms.hvp(this, f as transforms.ScalarFunction, primals as Scalar[], tangents as Scalar[]);
    },
  };
  for (const [name, value] of Object.entries(methods)) Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
}
