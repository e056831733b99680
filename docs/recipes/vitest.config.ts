// vitest.config.ts of a project that tests against ricloud-mock (README "Run it in CI").
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { globalSetup: ['./vitest.global-setup.ts'] },
});
