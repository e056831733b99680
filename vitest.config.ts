import { defineConfig } from 'vitest/config';

// CI_REPORT_DIR (set by .ci/run) adds a JSON report that .ci/run sums into one closing line.
const reportDir = process.env.CI_REPORT_DIR;

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'server/**/*.test.ts',
      'fixtures/**/*.test.ts',
      'contracts/conformance/**/*.test.ts',
    ],
    // The contract suite runs under its own config (run-pact.sh); the conformance kit's proofs run here.
    exclude: ['contracts/!(conformance)/**', 'contracts/*.test.ts', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/unit.json` } : undefined,
  },
});
