// The examples as a user runs them: `npm start` prints the seed example with
// the hand derivation's two errors corrected, on both backends.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

it('npm start prints the seed derivation with the two corrections, equal on both backends', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/seed.mjs'], { cwd: ROOT });
  expect(stdout).toContain('f(w,x) = 1/(1+exp(-(w0*x0+w1*x1+w2)))');
  expect(stdout).toMatch(/h = 1\/g\s+=\s+0\.7311\s+0\.7311\n/);
  expect(stdout).toMatch(/ 4\) dh\/de = dh\/df \* df\/de\s+=\s+-0\.1966\s+-0\.1966\n/);
  expect(stdout).toMatch(/12\) dh\/dw1 = dh\/db \* db\/dw1\s+=\s+-0\.3932\s+-0\.3932\n\s+↳ corrected: the usual hand derivation writes db\/dw1 = x0 here and gets -0\.19/);
  expect(stdout).toMatch(/13\) dh\/dx1 = dh\/db \* db\/dx1\s+=\s+-0\.5898\s+-0\.5898\n\s+↳ corrected: its PyTorch check prints w1\.grad \(-0\.3932\) as dh\/dx1/);
  expect(stdout).toContain('  dh/dx1 = -0.5898\n');
  expect(stdout).toContain('wasm and js backends agree on every value and gradient, to the last bit.');
  expect(stdout).not.toContain('differ');
});

it.each(['wasm', 'js'])('npm run example:moons-tensor trains micrograd\'s two-moons MLP in tensor form to 100% (%s)', async (backend) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/moons-tensor.mjs', '--backend', backend], { cwd: ROOT });
  expect(stdout).toContain(`on the ${backend} backend (MLP 2-16-16-1, 100 steps)`);
  expect(stdout).toMatch(/step  99  loss 0\.\d+  accuracy 100%\n$/);
});
