#!/usr/bin/env node
// The ricloud-mock command: runs the compiled build (dist/main.js, `npm run build`) when it is a build of exactly
// the current sources, else the TypeScript through tsx's loader, so a stale build is never what runs.
import { pathToFileURL } from 'node:url';
import { buildIsFresh, DIST } from '../scripts/build-stamp.mjs';

if (process.env.RICLOUD_MOCK_TSX !== '1' && buildIsFresh()) {
  await import(pathToFileURL(`${DIST}/main.js`).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/main.ts');
}
