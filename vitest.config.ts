import { defineConfig } from 'vitest/config';

// CI_REPORT_DIR (set by .ci/run) adds a JSON report that .ci/run sums into one closing line.
const reportDir = process.env.CI_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'server/**/*.test.ts', 'fixtures/**/*.test.ts'],
    exclude: ['contracts/**', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
    // Tests that start the real command (service.test.ts: `node dist/main.js`, `npm start`) need a fresh build.
    globalSetup: ['test/helpers/build-once.ts'],
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/unit.json` } : undefined,
  },
});
