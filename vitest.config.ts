import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Native kernels use every core; running test files one at a time keeps timings sane.
    fileParallelism: false,
    reporters: ['default'],
  },
});
