// Finding and instantiating build/wasmgrad.wasm. The module imports nothing,
// so instantiation needs no glue: `WebAssembly.instantiate(module, {})`.
//
// Where the bytes come from, by host (docs/hosts.md):
// - Node, Deno, Bun: the file beside the package, read with node:fs.
// - Browsers and Web Workers: fetch, compiled while it streams in when the
//   server sends `application/wasm`.
// - Bundlers that understand the pattern (Vite, webpack 5) see the
//   `new URL('…', import.meta.url)` below, copy the .wasm into their output
//   and rewrite the URL.
// - Hosts that cannot fetch or compile bytes at run time (Cloudflare Workers):
//   import the module yourself (`import wasm from 'wasmgrad/wasm'`) and pass
//   `createEngine({ wasm })`; the default location is then never computed.

/**
 * Where the Wasm core comes from: bytes, a compiled module, or a URL to fetch
 * (or read, for file: URLs in Node). A string is resolved against the default
 * location, so full URLs and absolute paths mean what they say.
 */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

/**
 * The three builds of the core, compiled from one source:
 * - 'relaxed-simd': v128 kernels, and matmul's (and so conv's) inner loop
 *   uses relaxed_madd, a fused multiply-add where the hardware has one. The
 *   fastest, but its products may differ in the last bits between hosts.
 * - 'simd': the same v128 kernels with a separate multiply and add: the same
 *   bits on every host, and the same as 'baseline'.
 * - 'baseline': no SIMD at all, for hosts without it (and for wasm2c).
 */
export type WasmBuild = 'relaxed-simd' | 'simd' | 'baseline';

// Two modules, each with one function: the first uses a v128 instruction, the
// second f32x4.relaxed_madd. Each validates exactly where the host has that
// feature.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

function validates(probe: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/** Whether this host runs Wasm SIMD (v128), and so can take build/wasmgrad.simd.wasm. */
export function hasSimd(): boolean {
  return validates(SIMD_PROBE);
}

/**
 * Whether this host runs relaxed SIMD, and so can take
 * build/wasmgrad.relaxed.wasm (Chrome 114+, Deno, Bun; Node 20 only with
 * --experimental-wasm-relaxed-simd).
 */
export function hasRelaxedSimd(): boolean {
  return validates(RELAXED_SIMD_PROBE);
}

/**
 * The build the default source loads: the fastest this host runs, unless the
 * options rule it out (`simd: false` → baseline, `relaxedSimd: false` → at
 * most simd).
 */
export function chooseBuild(options: { simd?: boolean; relaxedSimd?: boolean } = {}): WasmBuild {
  if (options.simd === false || !hasSimd()) return 'baseline';
  if (options.relaxedSimd !== false && hasRelaxedSimd()) return 'relaxed-simd';
  return 'simd';
}

// Same relative paths from src/wasm/ and from dist/wasm/, written out in full
// so that bundlers see every file. Computed on first use, so that a host
// whose modules have no usable import.meta.url can still load the package and
// pass its own source.
function defaultUrl(build: WasmBuild): URL {
  if (build === 'relaxed-simd') return new URL('../../build/wasmgrad.relaxed.wasm', import.meta.url);
  if (build === 'simd') return new URL('../../build/wasmgrad.simd.wasm', import.meta.url);
  return new URL('../../build/wasmgrad.wasm', import.meta.url);
}

const defaultModules = new Map<WasmBuild, Promise<WebAssembly.Module>>();

interface NodeFs {
  readFile(url: URL): Promise<Uint8Array<ArrayBuffer>>;
}

function isNodeLike(): boolean {
  // Node, and Deno and Bun, which provide node:fs and process.versions.node.
  return (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Compiles bytes, with a clear error when they are not Wasm at all (a dev server's HTML fallback page, say). */
function compileBytes(bytes: BufferSource, from: string): Promise<WebAssembly.Module> {
  if (!(bytes instanceof ArrayBuffer) && !ArrayBuffer.isView(bytes)) {
    return Promise.reject(new TypeError('createEngine: wasm must be a URL, a string, bytes (an ArrayBuffer or a typed array) or a WebAssembly.Module'));
  }
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes as ArrayBuffer);
  if (view.length < 4 || WASM_MAGIC.some((b, i) => view[i] !== b)) {
    const head = Array.from(view.subarray(0, 16), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    return Promise.reject(
      new Error(
        `wasmgrad: ${from} is not a WebAssembly module (${view.length} bytes, starting ${JSON.stringify(head)}); ` +
          `serve build/wasmgrad.wasm from the package, or pass createEngine({ wasm }) with its URL, bytes or a WebAssembly.Module`,
      ),
    );
  }
  return WebAssembly.compile(bytes);
}

async function compileUrl(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:' && isNodeLike()) {
    // A specifier in a variable keeps bundlers from trying to resolve a Node built-in for the browser.
    const specifier = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as NodeFs;
    return compileBytes(await fs.readFile(url), url.href);
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`wasmgrad: could not fetch ${url.href}: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new Error(`wasmgrad: could not fetch ${url.href}: HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  // Streaming compilation needs the server to say application/wasm; anything else is compiled from the bytes.
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(type)) {
    return WebAssembly.compileStreaming(response);
  }
  return compileBytes(await response.arrayBuffer(), url.href);
}

function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof URL) return compileUrl(source);
  if (typeof source === 'string') return compileUrl(new URL(source, defaultUrl('baseline')));
  return compileBytes(source, 'the bytes passed as { wasm }');
}

/**
 * Compiles the core once per process for each default build; each call
 * returns a fresh instance with its own memory. `build` only applies to the
 * default source (a source passed in is what it is).
 */
export async function instantiateCore(source?: WasmSource, build: WasmBuild = chooseBuild()): Promise<WebAssembly.Instance> {
  let module: WebAssembly.Module;
  if (source === undefined) {
    let pending = defaultModules.get(build);
    if (pending === undefined) defaultModules.set(build, (pending = compile(defaultUrl(build))));
    try {
      module = await pending;
    } catch (err) {
      defaultModules.delete(build);
      throw err;
    }
  } else {
    module = await compile(source);
  }
  return WebAssembly.instantiate(module, {});
}
