// What the published package holds, and how the loader finds and compiles the
// core from the sources a user can give it: the default location, a URL over
// HTTP (streamed when the server says application/wasm, from bytes otherwise),
// bytes, a compiled Module; and clear errors for what is not Wasm.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import { ROOT, requireBuild, run, serve, type StaticServer } from './support.js';
import { measure } from '../../bench/sizes.mjs';

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
    // Three builds of the core (~110 kB each before gzip), the compiled JS with its maps and sources, the docs:
    // about 620 kB packed (docs/hosts.md has the current figures). The bound catches a stray directory, not growth.
    expect(report.size, 'packed size in bytes').toBeLessThan(800_000);
  });

  it('ships every doc the README and the shipped docs link to', async () => {
    requireBuild();
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    const files = new Set((JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    const docs = ['README.md', ...[...files].filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
    for (const doc of docs) {
      const text = await readFile(join(ROOT, doc), 'utf8');
      const dir = doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/') + 1) : '';
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+\.(?:md|svg))(?:#[^)]*)?\)/g)) {
        if (/^https?:/.test(target)) continue;
        const path = new URL(target, `file:///${dir}`).pathname.slice(1);
        if (!path.startsWith('docs/') && path !== 'README.md') continue; // sources and examples live in the repository
        expect(files.has(path), `${doc} links to ${target}, which the package does not ship`).toBe(true);
      }
    }
  });

  it('loads from CommonJS with import(), as the README says', async () => {
    requireBuild();
    const dir = await mkdtemp(join(tmpdir(), 'wasmgrad-cjs-'));
    const file = join(dir, 'seed.cjs');
    const entry = pathToFileURL(join(ROOT, 'dist/index.js')).href;
    await writeFile(file, `(async () => {
  const { createEngine } = await import(${JSON.stringify(entry)});
  const eng = await createEngine();
  const x = eng.value(1);
  const y = x.erf();
  y.backward();
  console.log(JSON.stringify([y.data, x.grad, typeof require]));
})();
`);
    const { stdout } = await run(process.execPath, [file]);
    const [value, grad, requireType] = JSON.parse(stdout) as [number, number, string];
    expect(requireType).toBe('function');
    expect(value).toBeCloseTo(0.8427007929497149, 15);
    expect(grad).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-1), 15);
    await rm(dir, { recursive: true });
  });

  it('quotes in docs/hosts.md the sizes npm run sizes measures now, to within 10%', async () => {
    requireBuild();
    const doc = await readFile(join(ROOT, 'docs/hosts.md'), 'utf8');
    const now = measure();
    const quoted = (pattern: RegExp, what: string) => {
      const m = pattern.exec(doc);
      expect(m, `docs/hosts.md quotes ${what} (run npm run sizes)`).not.toBeNull();
      return Number(m![1].replace(/,/g, ''));
    };
    const near = (doc: number, actual: number, what: string) =>
      expect(Math.abs(doc - actual) / actual, `${what}: docs/hosts.md says ${doc}, the build has ${actual} (run npm run sizes)`).toBeLessThanOrEqual(0.1);
    near(quoted(/tarball \(`npm pack`\) \| (\d+) kB packed/, 'the tarball') * 1000, now.packed, 'packed tarball');
    for (const b of now.builds) {
      near(quoted(new RegExp(`\`${b.path.replace(/\./g, '\\.')}\` \\([^)]*\\) \\| ([\\d,]+)`), b.path), b.bytes, b.path);
    }
  });

  it("the published typings declare the engine's public members and hide its internals", async () => {
    requireBuild();
    // The Engine class and its types; createEngine and its options (src/create.ts).
    const dts = (await readFile(join(ROOT, 'dist/engine.d.ts'), 'utf8')) + (await readFile(join(ROOT, 'dist/create.d.ts'), 'utf8'));
    const engine = dts.slice(dts.indexOf('export declare class Engine'), dts.indexOf('export interface EngineOptions'));
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
