import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'server/**/*.test.ts', 'fixtures/**/*.test.ts'],
    exclude: ['contracts/**', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
