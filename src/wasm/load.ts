// Finding and instantiating build/wasmgrad.wasm. The module imports nothing,
// so instantiation needs no glue: `WebAssembly.instantiate(module, {})`.

/**
 * Where the Wasm core comes from: bytes, a compiled module, or a URL to fetch
 * (or read, for file: URLs in Node). A string is resolved against the default
 * location, so full URLs and absolute paths mean what they say.
 */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

// Same relative path from src/wasm/ and from dist/wasm/.
const DEFAULT_URL = new URL('../../build/wasmgrad.wasm', import.meta.url);

let defaultModule: Promise<WebAssembly.Module> | undefined;

interface NodeFs {
  readFile(url: URL): Promise<Uint8Array<ArrayBuffer>>;
}

async function readBytes(url: URL): Promise<BufferSource> {
  const isNode = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined;
  if (url.protocol === 'file:' && isNode) {
    // A specifier in a variable keeps bundlers from trying to resolve a Node built-in for the browser.
    const specifier = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ specifier)) as NodeFs;
    return fs.readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`wasmgrad: could not fetch ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof URL || typeof source === 'string') {
    const url = source instanceof URL ? source : new URL(source, DEFAULT_URL);
    return WebAssembly.compile(await readBytes(url));
  }
  return WebAssembly.compile(source);
}

/** Compiles the core once per process for the default source; each call returns a fresh instance with its own memory. */
export async function instantiateCore(source?: WasmSource): Promise<WebAssembly.Instance> {
  let module: WebAssembly.Module;
  if (source === undefined) {
    defaultModule ??= compile(DEFAULT_URL);
    try {
      module = await defaultModule;
    } catch (err) {
      defaultModule = undefined;
      throw err;
    }
  } else {
    module = await compile(source);
  }
  return WebAssembly.instantiate(module, {});
}
