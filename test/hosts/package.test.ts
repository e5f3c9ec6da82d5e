// What the published package holds, and how the loader finds and compiles the
// core from the sources a user can give it: the default location, a URL over
// HTTP (streamed when the server says application/wasm, from bytes otherwise),
// bytes, a compiled Module; and clear errors for what is not Wasm.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { ROOT, requireBuild, run, serve, type StaticServer } from './support.js';

const WASM = join(ROOT, 'build/wasmgrad.wasm');

async function seedH(options: Parameters<typeof createEngine>[0]): Promise<[number, number]> {
  const eng = await createEngine(options);
  const [w0, x0, w1, x1, w2] = [2, -1, -3, -2, -3].map((v) => eng.value(v));
  const h = eng.div(1, eng.add(1, w0.mul(x0).add(w1.mul(x1)).add(w2).neg().exp()));
  h.backward();
  return [h.data, w1.grad];
}
const SEED: [number, number] = [0.7310585786300049, -0.39322386648296376];

describe('npm pack', () => {
  it('ships the entry points, the .wasm, its ABI and header, and nothing of the repository', async () => {
    requireBuild();
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const [report] = JSON.parse(stdout) as { size: number; unpackedSize: number; files: { path: string; size: number }[] }[];
    const files = report.files.map((f) => f.path);
    for (const needed of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/wasm/load.js', 'build/wasmgrad.wasm', 'build/wasmgrad.simd.wasm', 'build/wasmgrad.relaxed.wasm', 'docs/abi.md', 'docs/program-format.md', 'include/wasmgrad.h']) {
      expect(files, needed).toContain(needed);
    }
    const strays = files.filter((f) => /^(test|assembly|examples|hosts|bench|\.ci|node_modules)\/|\.wat$|\.debug\.|\.tgz$/.test(f));
    expect(strays).toEqual([]);
    // Three builds of the core (relaxed SIMD, SIMD and baseline, ~100 kB each before gzip), the compiled JS and its sources
    // (the function transforms and their generated rules brought it to ~441 kB).
    expect(report.size, 'packed size in bytes').toBeLessThan(460_000);
  });

  it("the published typings declare the engine's public members and hide its internals", async () => {
    requireBuild();
    const dts = await readFile(join(ROOT, 'dist/engine.d.ts'), 'utf8');
    const engine = dts.slice(dts.indexOf('export declare class Engine'));
    for (const member of ['readonly wasmBuild: WasmBuild | null;', 'readonly backend: BackendName;', 'stats(): EngineStats;', 'relaxedSimd?: boolean;']) {
      expect(dts, member).toContain(member);
    }
    expect(engine, 'the constructor is internal (createEngine() makes engines)').not.toMatch(/\bconstructor\(/);
  });

  it("package.json's exports point at files the package ships", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    const targets = Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const files = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    for (const target of targets) expect(files, target).toContain(target.replace(/^\.\//, ''));
  });
});

describe('loading the core', () => {
  let server: StaticServer;
  let octetServer: StaticServer;

  beforeAll(async () => {
    requireBuild();
    server = await serve(ROOT);
    octetServer = await serve(ROOT, { wasmType: 'application/octet-stream' });
  });

  afterAll(async () => {
    await server?.close();
    await octetServer?.close();
  });

  it('finds build/wasmgrad.wasm without configuration', async () => {
    expect(await seedH({})).toEqual(SEED);
  });

  it('from a URL over HTTP served as application/wasm (streaming compilation)', async () => {
    expect(await seedH({ wasm: new URL('/build/wasmgrad.wasm', server.url) })).toEqual(SEED);
    expect(await seedH({ wasm: `${server.url}/build/wasmgrad.wasm` })).toEqual(SEED);
  });

  it('from a URL whose server sends another Content-Type (compiled from the bytes)', async () => {
    expect(await seedH({ wasm: new URL('/build/wasmgrad.wasm', octetServer.url) })).toEqual(SEED);
  });

  it('from a file: URL, bytes, or a compiled WebAssembly.Module', async () => {
    const bytes = await readFile(WASM);
    expect(await seedH({ wasm: pathToFileURL(WASM) })).toEqual(SEED);
    expect(await seedH({ wasm: bytes })).toEqual(SEED);
    expect(await seedH({ wasm: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })).toEqual(SEED);
    expect(await seedH({ wasm: await WebAssembly.compile(bytes) })).toEqual(SEED);
  });

  it('says what went wrong when the URL is missing or is not Wasm', async () => {
    await expect(createEngine({ wasm: new URL('/nope.wasm', server.url) })).rejects.toThrow(/could not fetch .*\/nope\.wasm: HTTP 404/);
    // A dev server's HTML fallback page instead of the binary.
    await expect(createEngine({ wasm: new URL('/test/hosts/fixtures/index.html', server.url) })).rejects.toThrow(
      /index\.html is not a WebAssembly module .*starting "<!doctype html>/,
    );
    await expect(createEngine({ wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/not a WebAssembly module/);
    await expect(createEngine({ wasm: {} as unknown as BufferSource })).rejects.toThrow(TypeError);
    await expect(createEngine({ wasm: 'http://127.0.0.1:1/wasmgrad.wasm' })).rejects.toThrow(/could not fetch/);
  });

  it('each engine gets its own instance and memory', async () => {
    const a = await createEngine();
    const b = await createEngine();
    a.value(1);
    expect(a.stats().nodes).toBe(1);
    expect(b.stats().nodes).toBe(0);
  });
});
