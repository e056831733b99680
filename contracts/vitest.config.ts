// The contract suite's own config (the root config excludes contracts/): consumer and provider runs are
// separate invocations (run-pact.sh); files run one at a time because they write the same pact file.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contracts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
    env: { PACT_DO_NOT_TRACK: 'true' },
  },
});
