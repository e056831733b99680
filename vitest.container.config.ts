import { defineConfig } from 'vitest/config';

// The container image's checks (test/container/stage.sh builds the image, then runs these against it with podman):
// their own project, never part of `vitest run`. CI_REPORT_DIR adds a JSON report like vitest.config.ts.
const reportDir = process.env.CI_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['test/container/**/*.container.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/container.json` } : undefined,
  },
});
