import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration suites start real servers (slapd, samba, smtp); two cores make more workers slower.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // The admin console's assets (esbuild, well under a second): the browser and HTTP tests serve them.
    globalSetup: ['./test/support/build-console.ts'],
  },
});
