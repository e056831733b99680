// `npm run build` (and `prepack`): bundles the CLI and the library's entry points with esbuild into dist/*.js and
// writes their declarations with tsc into dist/types/. Plain JS so that it runs without tsx; it does nothing when
// dist/ is already a build of the current sources (`--force` rebuilds anyway), so `npm start` can call it every
// time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIsFresh, DIST, ROOT, STAMP_FILE, sourceStamp } from './build-stamp.mjs';

/**
 * The package's entry points: THE one list (package.json's `exports` must match it; the build fails when it does
 * not and prints what it expects). `name` is the bundle (dist/<name>.js), `source` the module it is built from,
 * `subpath` the export (none for the CLI, which only the bin runs). Moving a source file means editing `source`
 * here and the `types` path the build then asks for in package.json.
 * @type {{ name: string, source: string, subpath?: string }[]}
 */
export const ENTRY_POINTS = [
  { name: 'main', source: 'cli/main.ts' },
  { name: 'index', source: 'server/index.ts', subpath: '.' },
  { name: 'control-client', source: 'server/control/client.ts', subpath: './control-client' },
  { name: 'client', source: 'contracts/client/index.ts', subpath: './client' },
  { name: 'wire', source: 'openapi/types.ts', subpath: './wire' },
  // The conformance kit's library call (the CLI's `conformance` command): its own subpath, so the server's entry
  // imports nothing of contracts/.
  { name: 'conformance', source: 'contracts/conformance/index.ts', subpath: './conformance' },
];

/**
 * The specs and their JSON copies, build outputs (gitignored): the server loads the copy at start when it was made
 * from exactly this YAML (server/spec/compile.ts loadSpecDocument: JSON.parse takes ~2 ms where parsing the YAML
 * took ~150-250 ms), and parses the YAML otherwise (a fresh clone run from its sources, an edited spec).
 */
export const SPEC_JSON = [
  { yaml: 'openapi/ricloud-v3.yaml', json: 'openapi/ricloud-v3.json' },
  { yaml: 'openapi/control.yaml', json: 'openapi/control.json' },
];

/** The key a JSON copy starts with: the sha256 of its YAML (server/spec/compile.ts SOURCE_HASH_KEY). */
const SOURCE_HASH_KEY = 'x-generated-from-sha256';

/**
 * Writes each spec's JSON copy unless it is already a copy of the current YAML (~2 ms when nothing changed), so
 * every build, `npm start` and the test suite's globalSetup leave fresh copies behind.
 */
export async function writeSpecJson() {
  for (const { yaml, json } of SPEC_JSON) {
    const text = readFileSync(join(ROOT, yaml), 'utf8');
    const sha = createHash('sha256').update(text).digest('hex');
    const head = `{"${SOURCE_HASH_KEY}":"${sha}"`;
    const target = join(ROOT, json);
    if (existsSync(target) && readFileSync(target, 'utf8').startsWith(head)) continue;
    const { parse } = await import('yaml');
    writeFileSync(target, `${JSON.stringify({ [SOURCE_HASH_KEY]: sha, ...parse(text) })}\n`);
  }
}

/**
 * The web console's bundle, built into dist/: server/control/console/assets.ts (which bundles it on first use when
 * the sources run) is replaced by a module holding the bundle (scripts/console-assets.ts, run through tsx).
 */
const consoleAssetsPlugin = {
  name: 'console-assets',
  /** @param {import('esbuild').PluginBuild} build */
  setup(build) {
    build.onLoad({ filter: /server[\\/]control[\\/]console[\\/]assets\.ts$/ }, () => ({
      contents: execFileSync(process.execPath, ['--import', 'tsx', 'scripts/console-assets.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
      loader: 'js',
    }));
  },
};

/** Files exported as they are (the specs and their JSON copies, made by the build), and package.json. */
export const FILE_EXPORTS = [
  'openapi/ricloud-v3.yaml',
  'openapi/ricloud-v3.json',
  'openapi/control.yaml',
  'openapi/control.json',
  'package.json',
];

/** Where the declarations go: dist/types/ mirrors the source tree (dist/types/server/index.d.ts ...). */
const TYPES_DIR = join(DIST, 'types');

/** The `exports` map package.json must hold for ENTRY_POINTS and FILE_EXPORTS. */
export function expectedExports() {
  /** @type {Record<string, unknown>} */
  const exports = {};
  for (const entry of ENTRY_POINTS) {
    if (!entry.subpath) continue;
    exports[entry.subpath] = {
      types: `./dist/types/${entry.source.replace(/\.ts$/, '.d.ts')}`,
      default: `./dist/${entry.name}.js`,
    };
  }
  for (const file of FILE_EXPORTS) exports[`./${file}`] = `./${file}`;
  return exports;
}

/**
 * Heavy or optional dependencies stay outside the bundle, loaded from node_modules only when used:
 * the AWS SDK (optional peer, only with --s3-endpoint), Pact (optional peer, only `verify`), pino-pretty (only in
 * a terminal, in pino's transport worker), yaml (only when a spec's JSON copy is stale).
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

/** Fails the build when package.json's `exports` differ from what ENTRY_POINTS and FILE_EXPORTS give. */
function checkPackageExports() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const want = JSON.stringify(expectedExports(), null, 2);
  if (JSON.stringify(pkg.exports, null, 2) !== want) {
    throw new Error(
      `build: package.json "exports" does not match ENTRY_POINTS in scripts/build.mjs; it should be:\n${want}`,
    );
  }
}

/** A relative `.ts` specifier in a declaration, rewritten to the `.js` a consumer resolves (`./app.ts` → `./app.js`). */
function rewriteSpecifiers(text) {
  return text.replace(
    /((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]*?)(?:\.d)?\.ts\2/g,
    (_m, pre, q, path) => `${pre}${q}${path}.js${q}`,
  );
}

/**
 * Declarations for the library entry points (the CLI has none): tsc emits a .d.ts per source file they reach,
 * with `.ts` import specifiers rewritten to `.js`, and the generated `openapi/*.d.ts` they import are copied
 * beside them (tsc never copies input .d.ts files).
 */
async function emitDeclarations() {
  const ts = (await import('typescript')).default;
  const configPath = join(ROOT, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
  );
  if (!parsed) throw new Error('build: cannot read tsconfig.json');
  const options = {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    outDir: TYPES_DIR,
    rootDir: ROOT,
  };
  const roots = ENTRY_POINTS.filter((e) => e.subpath).map((e) => join(ROOT, e.source));
  const program = ts.createProgram(roots, options);
  const write = (file, text) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, rewriteSpecifiers(text));
  };
  const result = program.emit(undefined, write, undefined, true);
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
    throw new Error(`build: declarations failed\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  for (const source of program.getSourceFiles()) {
    const file = source.fileName;
    if (!file.endsWith('.d.ts') || file.includes('/node_modules/') || !file.startsWith(ROOT)) continue;
    const target = join(TYPES_DIR, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }
}

async function main() {
  const force = process.argv.includes('--force');
  // --js-only: the bundles alone (npm start, the test suite's globalSetup); the declarations take 5-25 s of tsc
  // and only the package (prepack) and the packaging test need them.
  const types = !process.argv.includes('--js-only');
  const quiet = process.argv.includes('--quiet') || process.env.npm_config_loglevel === 'silent';
  checkPackageExports();
  await writeSpecJson();
  if (!force && buildIsFresh(ROOT, { types })) {
    if (!quiet) console.log('build: dist/ is up to date');
    return;
  }
  const stamp = sourceStamp();
  const started = performance.now();
  const { build } = await import('esbuild');
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  // The bundle reads the package's files (the spec's JSON copy, fixtures/scenarios) by looking for the folder
  // with openapi/ above itself (server/spec/compile.ts packageFile), the same from dist/ as from the sources. Splitting keeps
  // one copy of shared code, so a class (ControlError, RicloudError) is the same from '.' as from its own subpath,
  // and lazy imports (verify) stay lazy.
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(ENTRY_POINTS.map((e) => [e.name, e.source])),
    outdir: DIST,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
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
    plugins: [consoleAssetsPlugin],
  });
  const bundled = performance.now();
  if (types) await emitDeclarations();
  writeFileSync(STAMP_FILE, `${JSON.stringify({ stamp, types, built: new Date().toISOString() })}\n`);
  if (!quiet) {
    const js = Math.round(bundled - started);
    const dts = Math.round(performance.now() - bundled);
    console.log(
      `build: dist/*.js in ${js} ms${types ? `, dist/types/*.d.ts in ${dts} ms` : ' (--js-only: no declarations)'}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
