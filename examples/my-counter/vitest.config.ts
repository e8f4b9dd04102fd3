import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A failing seed is shrunk before the test reports it: give it time.
    testTimeout: 120_000,
  },
});
