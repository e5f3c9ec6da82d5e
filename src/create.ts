// createEngine: the one place that knows the backends. It validates the
// options, instantiates the Wasm core (or makes the JS twin) and hands the
// tapes to an Engine, which sees them only through their interfaces.

import { checkOptions, describe } from './check.js';
import { Engine } from './engine.js';
import { checkMemoryOptions, type EngineWarning } from './memory.js';
import type { BackendName } from './tape.js';
import { JsTape } from './js/tape.js';
import { JsTensorBackend } from './js/tensor.js';
import { WasmTape } from './wasm/tape.js';
import { WasmTensorBackend } from './wasm/tensor.js';
import { chooseBuild, instantiateCore, type WasmBuild, type WasmSource } from './wasm/load.js';
import { WasmgradArgumentError } from './errors.js';

export interface EngineOptions {
  /** 'wasm' (default): the tape and kernels run in WebAssembly. 'js': the pure-JS twin. */
  backend?: BackendName;
  /** Wasm backend only: where to get the core (bytes, a compiled module, or a URL). Default: the build chosen by `simd` and `relaxedSimd`, beside the package. */
  wasm?: WasmSource;
  /**
   * Wasm backend only, with the default source: whether to load a SIMD build
   * (default: where the host validates SIMD). False loads the baseline build,
   * e.g. to measure what SIMD buys.
   */
  simd?: boolean;
  /**
   * Wasm backend only, with the default source: whether the SIMD build may be
   * the relaxed-SIMD one (default: where the host validates relaxed SIMD),
   * whose matmul and conv fuse multiply and add. Its products are at least as
   * accurate but may differ in the last bits between hosts; false keeps every
   * bit the same on every host. See `Engine.wasmBuild`.
   */
  relaxedSimd?: boolean;
  /**
   * A budget in bytes for the tape: scalar nodes plus tensor data and
   * gradients made since the last `reset()` (`stats().tapeBytes`). Past it,
   * the next op or `backward()` throws a WasmgradTapeBudgetError (the tape
   * stays as it was; `reset()` starts afresh), so a loop that forgets
   * `reset()` fails fast instead of filling memory. Default: no budget, and a
   * one-time warning when the tape keeps growing across `backward()` calls
   * (see `onWarning`). Parameters, kept tensors and programs do not count.
   */
  maxTapeBytes?: number;
  /**
   * Where the engine's warnings go (default: `console.warn` of the message,
   * which every host has; pass `(w) => process.emitWarning(w.message, { code: w.code })`
   * to route them through Node's warning machinery, or throw to make them errors).
   * Today there is one: a tape that keeps growing across `backward()` calls
   * without a `reset()`, said once per engine.
   */
  onWarning?: (warning: EngineWarning) => void;
  /**
   * Seed of the engine's generator (`eng.rng`, default 42): the default
   * source of randn/rand, layer initialisation, `nn.init` and dropout masks,
   * so a run repeats, and two layers made one after the other differ.
   */
  seed?: number;
}

/** Creates an engine. The Wasm backend (default) compiles the core on first use and gives each engine its own instance and memory. */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (typeof options !== 'object' || options === null) throw new WasmgradArgumentError(`createEngine: options must be an object, got ${describe(options)}`);
  checkOptions(options, 'createEngine', ['backend', 'wasm', 'simd', 'relaxedSimd', 'maxTapeBytes', 'onWarning', 'seed']);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new WasmgradArgumentError(`createEngine: seed must be an integer, got ${describe(options.seed)}`);
  const seed = options.seed ?? 42;
  const memory = checkMemoryOptions(options);
  const backend = options.backend ?? 'wasm';
  if (backend === 'js') return new Engine(new JsTape(), new JsTensorBackend(), null, memory, seed);
  if (backend === 'wasm') {
    for (const key of ['simd', 'relaxedSimd'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new WasmgradArgumentError(`createEngine: ${key} must be true or false, got ${describe(options[key])}`);
    }
    const instance = await instantiateCore(options.wasm, chooseBuild(options));
    const features = (instance.exports.wasmFeatures as (() => number) | undefined)?.();
    const build: WasmBuild | null = features === undefined ? null : features & 2 ? 'relaxed-simd' : features & 1 ? 'simd' : 'baseline';
    return new Engine(new WasmTape(instance), new WasmTensorBackend(instance), build, memory, seed);
  }
  throw new WasmgradArgumentError(`createEngine: backend must be 'wasm' or 'js', got ${describe(backend)}`);
}
