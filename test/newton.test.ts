// Newton's method with exact Hessians (examples/newton.mjs): Rosenbrock from
// (−1.2, 1) reaches (1, 1) to within 1e-10 in under 30 iterations, on both
// backends, and the example prints every iterate.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { newton } from '../examples/newton.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe.each(['wasm', 'js'] as const)('Newton on Rosenbrock, %s', (backend) => {
  it('reaches (1, 1) to within 1e-10 in under 30 iterations', async () => {
    const iterates = await newton({ backend });
    const [x, y] = iterates[iterates.length - 1];
    expect(Math.hypot(x - 1, y - 1)).toBeLessThan(1e-10);
    expect(iterates.length - 1).toBeLessThan(30);
    expect(iterates[0]).toEqual([-1.2, 1]);
  });
});

it('npm run example:newton prints each iterate', async () => {
  const { stdout } = await promisify(execFile)('node', ['examples/newton.mjs'], { cwd: ROOT });
  expect(stdout).toMatch(/^ 0 {2}x = +-1\.200000000000000/m);
  expect(stdout).toMatch(/Newton steps; distance from \(1, 1\): 0\.00e\+0/);
});
