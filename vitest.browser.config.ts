import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests of the web page in Debian's Chromium (playwright-core): `npm run test:browser`.
 * The global setup builds the static site (web-dist/) when it is missing or older than its sources.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
