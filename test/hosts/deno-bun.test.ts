// The packed package in Deno and Bun (the npm packages `deno` and `bun`,
// devDependencies): import it by name from node_modules (and, in Deno, by path
// to dist/), run the seed example and a training loop on both backends, and get
// the same numbers as Node, to the last bit.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, packedProject, run, type Project } from './support.js';

let project: Project;
let nodeResult: unknown;
let nodeResolved: unknown;

// No update checks or colour codes in the children's output.
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };

beforeAll(async () => {
  project = await packedProject();
  nodeResult = JSON.parse((await run(process.execPath, ['print.mjs'], { cwd: project.dir })).stdout);
  nodeResolved = JSON.parse((await run(process.execPath, ['resolve.mjs'], { cwd: project.dir })).stdout);
}, 60_000);

afterAll(() => project?.dispose());

describe('the exports map', () => {
  it("resolves 'wasmgrad' and 'wasmgrad/wasm' in Node", () => {
    expect(nodeResolved).toEqual({
      main: pathToFileURL(join(project.dir, 'node_modules/wasmgrad/dist/index.js')).href,
      wasm: pathToFileURL(join(project.dir, 'node_modules/wasmgrad/build/wasmgrad.wasm')).href,
    });
  });
});

describe('Deno', () => {
  const deno = (script: string) => run(bin('deno'), ['run', '--allow-read', script], { cwd: project.dir, env });

  it("import 'wasmgrad' (package.json + node_modules): same numbers as Node", async () => {
    const { stdout } = await deno('print.mjs');
    expect(JSON.parse(stdout)).toEqual(nodeResult);
  });

  it('import of node_modules/wasmgrad/dist/index.js by path: same numbers as Node', async () => {
    const { stdout } = await deno('print-path.mjs');
    expect(JSON.parse(stdout)).toEqual(nodeResult);
  });

  it('resolves the exports map as Node does', async () => {
    expect(JSON.parse((await deno('resolve.mjs')).stdout)).toEqual(nodeResolved);
  });
});

describe('Bun', () => {
  const bun = (script: string) => run(bin('bun'), [script], { cwd: project.dir, env });

  it("import 'wasmgrad': same numbers as Node", async () => {
    const { stdout } = await bun('print.mjs');
    expect(JSON.parse(stdout)).toEqual(nodeResult);
  });

  it('resolves the exports map as Node does', async () => {
    expect(JSON.parse((await bun('resolve.mjs')).stdout)).toEqual(nodeResolved);
  });
});
