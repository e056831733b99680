// `npm run build`: bundles the server (dist/main.js, the CLI) and the library (dist/index.js) with esbuild.
// Plain JS so that it runs without tsx; it does nothing when dist/ is already a build of the current sources
// (`--force` rebuilds anyway), so `npm start` can call it every time.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildIsFresh, DIST, ROOT, STAMP_FILE, sourceStamp } from './build-stamp.mjs';

/**
 * Heavy or optional dependencies stay outside the bundle, loaded from node_modules only when used:
 * the AWS SDK (only with --s3-endpoint), Pact (only `verify`), pino-pretty (only in a terminal, in pino's
 * transport worker), yaml (only when a spec's JSON copy is stale).
 */
const EXTERNAL = ['@aws-sdk/client-s3', '@pact-foundation/pact', 'pino-pretty', 'yaml'];

/**
 * Bundled CommonJS dependencies call require() for Node built-ins; ESM output has no require of its own.
 * pino is bundled (loading it from node_modules cost ~13 ms of start-up); its transport worker (pino-pretty in a
 * terminal) is a file that thread-stream starts by path, which pino's bundler hook `__bundlerPathsOverrides`
 * points at in node_modules, resolved only when a transport starts.
 */
const BANNER = [
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
  'globalThis.__bundlerPathsOverrides ??= {',
  "  get 'thread-stream-worker'() { return __createRequire(require.resolve('pino')).resolve('thread-stream/lib/worker.js'); },",
  "  get 'pino-worker'() { return require.resolve('pino/lib/worker.js'); },",
  '};',
].join('\n');

async function main() {
  const force = process.argv.includes('--force');
  const quiet = process.argv.includes('--quiet') || process.env.npm_config_loglevel === 'silent';
  if (!force && buildIsFresh()) {
    if (!quiet) console.log('build: dist/ is up to date');
    return;
  }
  const stamp = sourceStamp();
  const started = performance.now();
  const { build } = await import('esbuild');
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  // dist/ sits one level below the root like server/, so `new URL('../openapi/…', import.meta.url)` reads
  // the same files (the spec's JSON copy, fixtures/scenarios) from the bundle as from the sources.
  await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'server/main.ts', index: 'server/index.ts' },
    outdir: DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: EXTERNAL,
    banner: { js: BANNER },
    logLevel: 'warning',
    legalComments: 'none',
    minify: true,
    keepNames: true,
  });
  writeFileSync(STAMP_FILE, `${JSON.stringify({ stamp, built: new Date().toISOString() })}\n`);
  if (!quiet)
    console.log(`build: dist/main.js and dist/index.js in ${Math.round(performance.now() - started)} ms`);
}

await main();
