// The physics-informed network (examples/pinn.mjs) at reduced size (24
// points, 12 hidden units, 400 steps instead of 48, 16 and 3000): u'' from
// createGraph on tensors, trained until u is within 1e-2 of sin x on all of
// [0, π], on both backends.

import { describe, expect, it } from 'vitest';
import { maxError, trainPinn } from '../examples/pinn.mjs';

describe.each(['wasm', 'js'] as const)('PINN for u\'\' + u = 0 on %s', (backend) => {
  it('is within 1e-2 of sin x everywhere on [0, π]', async () => {
    const { evaluate, losses } = await trainPinn({ backend, points: 24, hidden: 12, steps: 400 });
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 100);
    expect(maxError(evaluate)).toBeLessThan(1e-2);
  }, 60_000);
});
