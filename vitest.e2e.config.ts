import { defineConfig } from 'vitest/config';

// The web console's browser tests (real Chromium through playwright-core): their own project, longer timeouts,
// one file at a time (each file drives one browser). CI_REPORT_DIR adds a JSON report like vitest.config.ts.
const reportDir = process.env.CI_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/e2e.json` } : undefined,
  },
});
