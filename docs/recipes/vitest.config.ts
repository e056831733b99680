// vitest.config.ts of a project that tests against ricloud-mock (docs/ci.md).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { globalSetup: ['./vitest.global-setup.ts'] },
});
