import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary folder per run, removed at its end (test/helpers/global-tmp.ts).
    globalSetup: ['test/helpers/global-tmp.ts'],
    // Slow sweeps and real-database suites are opted into with FAULTLINE_SLOW=1 / FAULTLINE_REAL_DB=1.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
