#!/usr/bin/env node
// The ricloud-mock command. Installed from the package (no server/ sources beside it) it runs the compiled build,
// dist/main.js, and nothing else: no tsx at run time. In a clone it runs dist/ only when that is a build of exactly
// the current sources (`npm run build`), else the TypeScript through tsx's loader (a dev dependency), so a stale
// build is never what runs.
import { existsSync } from 'node:fs';

const inClone = existsSync(new URL('../cli/main.ts', import.meta.url));
if (!inClone) {
  await import('../dist/main.js');
} else {
  const { buildIsFresh } = await import('../scripts/build-stamp.mjs');
  if (process.env.RICLOUD_MOCK_TSX !== '1' && buildIsFresh()) {
    await import('../dist/main.js');
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('../cli/main.ts');
  }
}
