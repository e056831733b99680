// The compiled build's freshness: a hash of what the bundle is made of, shared by `npm run build` and the bin.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (this file lives in scripts/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where `npm run build` writes the bundle and its stamp (gitignored). */
export const DIST = join(ROOT, 'dist');
export const STAMP_FILE = join(DIST, 'build-stamp.json');

/** Folders whose TypeScript is bundled or declared (cli/: the command line; contracts/: the reference client and the
 * kit's commands); the lock file stands for the bundled dependencies. */
const SOURCE_DIRS = ['server', 'cli', 'fixtures', 'openapi', 'contracts'];
/** The build's own inputs too: the declarations follow tsconfig.json, the bundle follows scripts/build.mjs (and
 * the console's bundle, scripts/console-assets.ts). */
const SOURCE_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/build.mjs',
  'scripts/console-assets.ts',
];
/** What a bundled source is: TypeScript (the console's .tsx too), the console's stylesheet, the specs. */
const SOURCE_EXTENSIONS = /\.(ts|tsx|css|yaml)$/;

/** Every bundled source under a folder, tests excluded (they are never bundled). */
function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (SOURCE_EXTENSIONS.test(entry.name) && !entry.name.endsWith('.test.ts')) out.push(path);
  }
}

/**
 * A hash of the path, size and mtime of every bundled source (~2 ms: stats only, no reads). Any edit, added or
 * removed file, or dependency change (package-lock.json) gives a different stamp, so a stale dist/ is never run.
 * @returns {string}
 */
export function sourceStamp(root = ROOT) {
  const files = [];
  for (const dir of SOURCE_DIRS) walk(join(root, dir), files);
  for (const file of SOURCE_FILES) files.push(join(root, file));
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    try {
      const s = statSync(file);
      hash.update(`${file.slice(root.length)}\0${s.size}\0${s.mtimeMs}\n`);
    } catch {
      hash.update(`${file.slice(root.length)}\0missing\n`);
    }
  }
  return hash.digest('hex');
}

/**
 * Whether dist/ holds a build of exactly the current sources.
 * @returns {boolean}
 */
export function buildIsFresh(root = ROOT, { types = false } = {}) {
  try {
    const built = JSON.parse(readFileSync(join(root, 'dist', 'build-stamp.json'), 'utf8'));
    // A --js-only build (npm start, the tests) is fresh for running; packing also needs its declarations.
    return built.stamp === sourceStamp(root) && (!types || built.types !== false);
  } catch {
    return false;
  }
}
