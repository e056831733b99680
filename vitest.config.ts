import { defineConfig } from 'vitest/config';

// CI_REPORT_DIR (set by .ci/run) adds a JSON report that .ci/run sums into one closing line.
const reportDir = process.env.CI_REPORT_DIR;

// `npm run test:tz` (part of `npm test`) runs the date tests again in a process started with TZ=Asia/Tokyo
// (TZ must be set before the engine starts: assigning process.env.TZ inside a test is too late for some). Its
// guard file proves the zone took effect; the date tests prove that no date reads the machine's zone.
const tzRun = process.env.DATES_TZ_RUN === '1';
const TZ_FILES = ['server/runtime/dates.test.ts', 'test/dates.test.ts', 'test/dates-tz.test.ts'];

export default defineConfig({
  test: {
    include: tzRun
      ? TZ_FILES
      : [
          'test/**/*.test.ts',
          'server/**/*.test.ts',
          'fixtures/**/*.test.ts',
          'contracts/conformance/**/*.test.ts',
        ],
    // The contract suite runs under its own config (run-pact.sh); the conformance kit's proofs run here.
    exclude: [
      'contracts/!(conformance)/**',
      'contracts/*.test.ts',
      'node_modules/**',
      ...(tzRun ? [] : ['test/dates-tz.test.ts']),
    ],
    testTimeout: 20_000,
    pool: 'forks',
    // Tests that start the real command (service.test.ts: `node dist/main.js`, `npm start`) need a fresh build.
    globalSetup: ['test/helpers/build-once.ts'],
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/${tzRun ? 'unit-tz' : 'unit'}.json` } : undefined,
  },
});
