// examples/seed-graph.mjs draws docs/seed-graph.svg; the committed picture must be what it draws now.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('examples/seed-graph.mjs draws the seed graph that docs/seed-graph.svg shows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-seed-graph-'));
  try {
    const out = join(dir, 'seed-graph.svg');
    const script = fileURLToPath(new URL('../../examples/seed-graph.mjs', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script, out], { timeout: 30_000 }, (error, text, stderr) => (error ? reject(new Error(stderr || String(error))) : resolve(text)));
    });
    expect(stdout).toContain('  13) dh/dx1 = dh/db * db/dx1 = 0.1966 * -3 = -0.5898\n');
    const svg = readFileSync(out, 'utf8');
    for (const label of ['w0', 'x1', 'h', 'data 0.7311', 'grad &#45;0.3932', 'grad &#45;0.5898']) expect(svg).toContain(`>${label}<`);
    const committed = readFileSync(fileURLToPath(new URL('../../docs/seed-graph.svg', import.meta.url)), 'utf8');
    expect(svg === committed, 'docs/seed-graph.svg is out of date: run npm run build && npm run example:seed-graph').toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('examples/tensor-graph.mjs draws the MLP loss that docs/tensor-graph.svg shows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-tensor-graph-'));
  try {
    const out = join(dir, 'tensor-graph.svg');
    const script = fileURLToPath(new URL('../../examples/tensor-graph.mjs', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script, out], { timeout: 30_000 }, (error, text, stderr) => (error ? reject(new Error(stderr || String(error))) : resolve(text)));
    });
    expect(stdout).toMatch(/^loss \d\.\d{4}; wrote /);
    const svg = readFileSync(out, 'utf8');
    for (const label of ['0.weight', '[16, 2] f32', '2.bias', 'tanh', 'a @ bᵀ']) expect(svg).toContain(`>${label}<`);
    const committed = readFileSync(fileURLToPath(new URL('../../docs/tensor-graph.svg', import.meta.url)), 'utf8');
    expect(svg === committed, 'docs/tensor-graph.svg is out of date: run npm run build && node examples/tensor-graph.mjs').toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
