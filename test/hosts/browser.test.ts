// The packed package in real Chromium (Debian's `chromium`, headless, driven by
// playwright-core), from a local HTTP server: plain ES modules with an import
// map, in the main thread and in a module Worker; then a Vite build of
// examples/web. Every number must equal the same run in Node, to the last bit.

import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, bin, launchChromium, packedProject, run, serve, watchPage, type Project } from './support.js';

const SEED_H = 0.7310585786300049;
const SEED_DW1 = -0.39322386648296376;

let browser: Browser;
let project: Project;
let nodeResult: Workload;

type Workload = Record<'wasm' | 'js', { seed: Record<string, [number, number]>; train: { losses: number[]; params: number[] } }>;

beforeAll(async () => {
  project = await packedProject();
  nodeResult = JSON.parse((await run(process.execPath, ['print.mjs'], { cwd: project.dir })).stdout) as Workload;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await project?.dispose();
});

/** Opens a page, waits for #result to say done or error, and returns the parsed JSON. */
async function runPage(url: string): Promise<unknown> {
  const page = await browser.newPage();
  const problems = watchPage(page);
  try {
    await page.goto(url);
    const status = await page
      .waitForSelector('#result[data-status]', { state: 'attached', timeout: 60_000 })
      .then((el) => el.getAttribute('data-status'));
    const text = await page.textContent('#result');
    if (status !== 'done') throw new Error(`${url}: ${text}\n${problems.join('\n')}`);
    expect(problems, `errors on ${url}`).toEqual([]);
    return JSON.parse(text ?? 'null');
  } finally {
    await page.close();
  }
}

describe('Chromium, plain ES modules', () => {
  it('runs the seed example and a training loop in the main thread and in a Worker, equal to Node', async () => {
    expect(nodeResult.wasm.seed.h[0]).toBe(SEED_H);
    expect(nodeResult.wasm.seed.w1[1]).toBe(SEED_DW1);
    const server = await serve(project.dir);
    try {
      const result = (await runPage(`${server.url}/index.html`)) as { main: Workload; ownModule: Pick<Workload, 'wasm'>; worker: Workload };
      expect(result.main).toEqual(nodeResult);
      expect(result.worker).toEqual(nodeResult);
      expect(result.ownModule.wasm).toEqual(nodeResult.wasm);
      // The loader found the binary beside the package, without configuration.
      expect(server.requests).toContain('/node_modules/wasmgrad/build/wasmgrad.wasm');
    } finally {
      await server.close();
    }
  });

  it('trains: the loss goes down', () => {
    const { losses } = nodeResult.wasm.train;
    expect(losses.at(-1)).toBeLessThan(losses[0]);
  });
});

describe('Chromium, Vite and examples/web', () => {
  let app: string;
  let expected: unknown;

  beforeAll(async () => {
    // The example as a user would have it: its own directory, with wasmgrad installed from the tarball.
    app = join(project.dir, 'web');
    await mkdir(app);
    for (const entry of await readdir(join(ROOT, 'examples/web'))) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      await cp(join(ROOT, 'examples/web', entry), join(app, entry), { recursive: true });
    }
    await cp(join(project.dir, 'node_modules/wasmgrad'), join(app, 'node_modules/wasmgrad'), { recursive: true });
    // What the example computes, run by Node from the same source.
    const script = "import { demo } from './src/demo.js'; console.log(JSON.stringify(await demo()));";
    expected = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app })).stdout);
  }, 60_000);

  it('vite build bundles the package and its .wasm; the page runs in the main thread and in a Worker, equal to Node', async () => {
    await run(process.execPath, [bin('vite'), 'build', '--logLevel', 'warn'], { cwd: app });
    const assets = await readdir(join(app, 'dist/assets'));
    const wasm = assets.filter((f) => f.endsWith('.wasm'));
    // All three builds are emitted; the loader picks one at run time.
    expect(wasm, 'Vite should emit the relaxed-SIMD, SIMD and baseline cores as assets').toHaveLength(3);
    const sizes = await Promise.all(wasm.map(async (f) => (await stat(join(app, 'dist/assets', f))).size));
    const builds = await Promise.all(['build/wasmgrad.wasm', 'build/wasmgrad.simd.wasm', 'build/wasmgrad.relaxed.wasm'].map(async (f) => (await stat(join(ROOT, f))).size));
    expect([...sizes].sort((p, q) => p - q)).toEqual([...builds].sort((p, q) => p - q));
    expect(new Set(builds).size, 'the three builds should differ in size, to tell which one the page fetched').toBe(3);
    const relaxedAsset = wasm[sizes.indexOf(builds[2])];

    const server = await serve(join(app, 'dist'));
    try {
      const result = (await runPage(`${server.url}/`)) as { main: unknown; worker: unknown };
      expect(result.main).toEqual(expected);
      expect(result.worker).toEqual(expected);
      // Chromium has relaxed SIMD, so the page fetches the relaxed-SIMD build.
      expect(server.requests.some((p) => p === `/assets/${relaxedAsset}`)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('the vite dev server (with its dependency pre-bundling) serves a working page too', async () => {
    const dev = spawn(process.execPath, [bin('vite'), '--host', '127.0.0.1', '--port', '5199', '--clearScreen', 'false'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    try {
      const url = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`vite dev server did not start:\n${log}`)), 30_000);
        const onData = (chunk: Buffer) => {
          log += chunk.toString();
          const match = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
          if (match) {
            clearTimeout(timer);
            ok(match[1]);
          }
        };
        dev.stdout.on('data', onData);
        dev.stderr.on('data', onData);
        dev.on('exit', (code) => fail(new Error(`vite dev server exited with ${code}:\n${log}`)));
      });
      const result = (await runPage(url)) as { main: unknown; worker: unknown };
      expect(result.main).toEqual(expected);
      expect(result.worker).toEqual(expected);
    } finally {
      dev.kill();
    }
  });
});
