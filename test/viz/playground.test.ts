// examples/playground in headless Chromium (Debian's `chromium`, driven by
// playwright-core): the static Vite build, served over local HTTP, loads,
// draws the seed's graph with the corrected gradients, follows an edited
// input, reports a malformed expression, and trains two moons past 95%.
// Screenshots go to build/artifacts/ (not committed).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, launchChromium, run, serve, watchPage, type StaticServer } from '../hosts/support.js';
import { SEED_GRADS } from '../seed-example.js';

const ARTIFACTS = join(ROOT, 'build', 'artifacts');

let outDir: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'wasmgrad-playground-'));
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const config = join(ROOT, 'examples', 'playground', 'vite.config.js');
  await run(process.execPath, [vite, 'build', '--config', config, '--outDir', outDir, '--emptyOutDir'], { timeout: 60_000 });
  server = await serve(outDir);
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function open(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchPage(page);
  await page.goto(`${server.url}/`);
  return { page, problems };
}

interface GraphState {
  backend: string;
  data: number;
  grads: Record<string, number>;
}

const graphState = (page: Page) => page.evaluate(() => (window as unknown as { playground: { graph: GraphState | null } }).playground.graph);

// One page for the whole visit, as a user would: the Graphviz chunk loads once.
describe('playground', () => {
  let page: Page;
  let problems: string[];
  beforeAll(async () => {
    ({ page, problems } = await open());
  });
  afterAll(async () => {
    await page?.close();
  });

  it('draws the seed graph with its gradients, the corrected ones included', async () => {
    await page.waitForSelector('#graph[data-status="ready"]', { timeout: 30_000 });
    const seed = (await graphState(page))!;
    expect(seed.backend).toBe('wasm');
    expect(seed.data).toBeCloseTo(0.7310585786300049, 15);
    for (const name of ['w0', 'x0', 'w1', 'x1', 'w2']) expect(seed.grads[name], name).toBeCloseTo(SEED_GRADS[name], 14);
    const svgText = await page.textContent('#graph svg');
    for (const label of ['w0', 'data 0.7311', 'grad -0.3932', 'grad -0.5898', 'exp']) expect(svgText).toContain(label);
    expect(await page.textContent('#explain')).toContain('13) dh/dx1 = dh/db * db/dx1 = 0.1966 * -3 = -0.5898');
    await page.screenshot({ path: join(ARTIFACTS, 'playground-graph.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('follows an edited input and reports a malformed expression with its position', async () => {
    // w0 = 1: d = -1 + 6 - 3 = 2, h = σ(2), dh/dw0 = σ'(2)·x0
    const before = await page.getAttribute('#graph', 'data-update');
    await page.fill('#var-w0', '1');
    await page.waitForFunction((b) => document.getElementById('graph')!.dataset.update !== b, before);
    const edited = (await graphState(page))!;
    const s = 1 / (1 + Math.exp(-2));
    expect(edited.data).toBeCloseTo(s, 15);
    expect(edited.grads.w0).toBeCloseTo(s * (1 - s) * -1, 15);

    await page.fill('#expression', 'w0*(x0+');
    await page.waitForSelector('#expression-error:not([hidden])');
    expect(await page.textContent('#expression-error')).toBe(
      'expected a number, a variable, a function or ( but the expression ended at column 8\n  w0*(x0+\n         ^',
    );
    expect(problems).toEqual([]);
  });

  it('trains two moons live above 95% accuracy, drawing the boundary and the loss curve', async () => {
    await page.click('#tab-moons');
    await page.waitForFunction(() => (window as unknown as { playground: { moons: unknown } }).playground.moons !== null);
    await page.click('#train');
    await page.waitForSelector('#moons-status[data-done="true"]', { timeout: 60_000 });
    expect(Number(await page.getAttribute('#moons-status', 'data-accuracy'))).toBeGreaterThan(0.95);
    expect(await page.getAttribute('#moons-status', 'data-step')).toBe('100');
    // the boundary canvas is painted in both classes' colours
    const colours = await page.evaluate(() => {
      const c = document.getElementById('boundary') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let blue = 0, red = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 2] > d[i] + 20) blue++;
        else if (d[i] > d[i + 2] + 20) red++;
      }
      return { blue, red };
    });
    expect(colours.blue).toBeGreaterThan(1000);
    expect(colours.red).toBeGreaterThan(1000);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-moons.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('computes the seed on the JS twin too', async () => {
    await page.click('#tab-graph');
    await page.click('#seed');
    await page.selectOption('#backend', 'js');
    await page.waitForFunction(() => {
      const g = (window as unknown as { playground: { graph: GraphState | null } }).playground.graph;
      return g?.backend === 'js' && g.grads.w0 !== undefined && g.data > 0.73 && g.data < 0.74;
    });
    const seed = (await graphState(page))!;
    for (const name of ['w0', 'x0', 'w1', 'x1', 'w2']) expect(seed.grads[name], name).toBeCloseTo(SEED_GRADS[name], 14);
    expect(problems).toEqual([]);
  });
});
