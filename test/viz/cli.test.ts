// bin/wasmgrad.mjs end to end, as a user runs it (it loads dist/, which `npm test` builds first).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers.js';
import { parseDot } from './structure.js';

const BIN = fileURLToPath(new URL('../../bin/wasmgrad.mjs', import.meta.url));
const SEED_ARGS = ['explain', '1/(1+exp(-(w0*x0+w1*x1+w2)))', '--w0', '2', '--x0', '-1', '--w1', '-3', '--x1', '-2', '--w2', '-3'];
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe.each(BACKENDS)('wasmgrad explain (%s)', (backend) => {
  it.concurrent("prints the seed's derivation, corrected, and writes --dot and --svg files", async () => {
    const dot = join(dir, `seed-${backend}.dot`);
    const svg = join(dir, `seed-${backend}.svg`);
    const { code, stdout, stderr } = await run([...SEED_ARGS, '--backend', backend, '--dot', dot, '--svg', svg]);
    expect(stderr).toBe(`wasmgrad: wrote ${dot}\nwasmgrad: wrote ${svg}\n`);
    expect(code).toBe(0);
    expect(stdout.startsWith('h = 1/(1+exp(-(w0*x0+w1*x1+w2)))\n\nIntermediate functions\n  a = w0*x0\n')).toBe(true);
    for (const line of [
      '   2) dh/dg = -1/g^2 = -0.5344',
      '  12) dh/dw1 = dh/db * db/dw1 = 0.1966 * -2 = -0.3932',
      '  13) dh/dx1 = dh/db * db/dx1 = 0.1966 * -3 = -0.5898',
      '  dh/dx0 = 0.3932',
    ]) {
      expect(stdout).toContain(`\n${line}\n`);
    }
    expect(stdout.trimEnd().endsWith(`The ${backend} engine's backward() gives the same 13 gradients.`)).toBe(true);

    const graph = parseDot(readFileSync(dot, 'utf8'));
    expect(graph.nodes.size).toBe(15 + 8);
    expect(graph.graphAttrs.label).toBe('h = 1/(1+exp(-(w0*x0+w1*x1+w2)))');
    expect([...graph.nodes.values()].map((a) => a.label)).toContain('{ g | data 1.368 | grad -0.5344 }'); // auto names, as in the text
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toMatch(/<svg[\s>]/);
    for (const label of ['w0', 'x1', 'g', 'data 0.7311', 'grad &#45;0.5898']) expect(picture).toContain(`>${label}<`);
  });

  it.concurrent('reads --name=value, negative values, variables before the expression, and an expression after --', async () => {
    const { code, stdout } = await run(['explain', '--backend', backend, '--x=-3', '--y', '-0.5', '--', '-x^2*y']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('c = -x^2*y');
    expect(stdout).toContain('\n  x = -3\n  y = -0.5\n');
    expect(stdout).toContain('  dc/dx = -3\n'); // d(-x²y)/dx = -2xy
  });
});

describe('wasmgrad errors', () => {
  it.concurrent('exits with 2 and the position for a malformed expression', async () => {
    const { code, stdout, stderr } = await run(['explain', 'w0*x0+', '--w0', '1', '--x0', '2']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('wasmgrad: expected a number, a variable, a function or ( but the expression ended at column 7\n  w0*x0+\n        ^\n');
  });

  it.concurrent('exits with 2 and names the missing variables', async () => {
    const { code, stderr } = await run(['explain', 'w0*x0+w1', '--w0', '1']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "wasmgrad: unknown variable 'x0' (no value given for it; also missing: w1) at column 4\n  w0*x0+w1\n     ^^\n" +
        'give each variable as --name value: --x0 <number> --w1 <number>\n',
    );
  });

  it.concurrent('exits with 2 for a value that is not a number, and for usage errors', async () => {
    const [bad, backend, none, unknownFunction] = await Promise.all([
      run(['explain', 'x', '--x', 'two']),
      run(['explain', 'x', '--x', '1', '--backend', 'gpu']),
      run(['explain']),
      run(['explain', 'frob(x)', '--x', '1']),
    ]);
    expect([bad.code, bad.stderr]).toEqual([2, 'wasmgrad: --x: expected a number, got "two"\n']);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/Allowed choices are wasm, js/);
    expect(none.code).toBe(2);
    expect(unknownFunction.code).toBe(2);
    expect(unknownFunction.stderr).toContain("unknown function 'frob'");
  });
});
