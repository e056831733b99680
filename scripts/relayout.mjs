#!/usr/bin/env node
// Moves the server's modules into their layers (docs/layout.md) and rewrites every path that points at them.
// Re-runnable and idempotent: a file already at its new place is skipped, and a second run changes nothing.
//
//   node scripts/relayout.mjs            move, rewrite, re-sort the touched imports (biome), print warnings
//   node scripts/relayout.mjs --dry-run  print what it would do, change nothing
//
// What it does, in order:
//  1. `git mv` each mapped file that exists (a test beside a module, `x.test.ts`, moves with it; every file under
//     a moved folder such as server/resources/ follows the folder, so route modules added later move too);
//  2. rewrites the relative specifiers of every .ts/.mts/.cts/.js/.mjs/.cjs file in the repository (import, export
//     from, import(), require(), vi.mock/doMock/importActual, new URL(…, import.meta.url)), resolved from where
//     the file was when the specifier was written, keeping its extension style (`.ts`, `.js` for a `.ts`, none);
//  3. replaces the old root-relative paths (`server/control.ts`) in every text file: package.json scripts,
//     scripts/build.mjs, vitest configs, tsconfig, biome.json, shell scripts, .ci/run, README links, comments;
//  4. switches on the layout's guards in `npm run lint` (dependency-cruiser, knip) if they are not on yet;
//  5. re-sorts the imports of the files it touched (biome check --write), so `npm run lint` stays green;
//  6. warns about what it does not know: files loose in server/ that are not entry points, files left in a
//     folder that no longer exists in the layout (server/engine/), mentions of such folders in text.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DRY = process.argv.includes('--dry-run');
const posix = path.posix;

/** Old path → new path, from the repository root. Tests beside a module (`x.test.ts`) follow it. */
export const MOVES = {
  // http: the ricloud API over HTTP: request pipeline, authentication, one route module per URL segment.
  'server/pipeline.ts': 'server/http/pipeline.ts',
  'server/auth.ts': 'server/http/auth.ts',
  // spec: the OpenAPI documents compiled once, request and response validators.
  'server/spec.ts': 'server/spec/compile.ts',
  'server/spec-response.ts': 'server/spec/responses.ts',
  // domain: the mock's state and what happens to it: records, wire shapes, the state machines and their jobs.
  'server/context.ts': 'server/domain/context.ts',
  'server/store.ts': 'server/domain/store.ts',
  'server/errors.ts': 'server/domain/errors.ts',
  'server/lists.ts': 'server/domain/lists.ts',
  'server/presenters.ts': 'server/domain/presenters.ts',
  'server/presets.ts': 'server/domain/presets.ts',
  'server/engine/session.ts': 'server/domain/session.ts',
  'server/engine/poll.ts': 'server/domain/poll.ts',
  'server/engine/subscription.ts': 'server/domain/subscription.ts',
  'server/engine/storage-config.ts': 'server/domain/storage-config.ts',
  'server/engine/webhook-config.ts': 'server/domain/webhook-config.ts',
  'server/engine/permissions.ts': 'server/domain/permissions.ts',
  'server/engine/events.ts': 'server/domain/events.ts',
  'server/engine/delivery.ts': 'server/domain/delivery.ts',
  'server/engine/publish.ts': 'server/domain/publish.ts',
  'server/engine/jobs.ts': 'server/domain/jobs.ts',
  'server/engine/scenarios.ts': 'server/domain/session-outcomes.ts',
  'server/engine/task-faults.ts': 'server/domain/task-failures.ts',
  // runtime: time, jobs, ids and signatures; knows nothing of the API.
  'server/engine/clock.ts': 'server/runtime/clock.ts',
  'server/engine/scheduler.ts': 'server/runtime/scheduler.ts',
  'server/engine/ids.ts': 'server/runtime/ids.ts',
  'server/engine/await.ts': 'server/runtime/await.ts',
  'server/engine/signature.ts': 'server/runtime/signature.ts',
  'server/engine/dates.ts': 'server/runtime/dates.ts',
  'server/engine/webhook-transport.ts': 'server/runtime/webhook-transport.ts',
  // The process-level vocabulary shared by the library, the kit's commands and the CLI: optional peers, CLI errors.
  'server/optional-deps.ts': 'server/runtime/optional-deps.ts',
  'server/cli-errors.ts': 'server/runtime/cli-errors.ts',
  // control: the /_mock plane, a peer of http over the same domain, with the state only it has.
  'server/control.ts': 'server/control/routes.ts',
  'server/control-webhooks.ts': 'server/control/webhook-routes.ts',
  'server/control-state.ts': 'server/control/state.ts',
  'server/control-client.ts': 'server/control/client.ts',
  'server/control-inspect.ts': 'server/control/inspect.ts',
  'server/engine/faults.ts': 'server/control/faults.ts',
  'server/engine/journal.ts': 'server/control/journal.ts',
  'server/engine/rate-limit.ts': 'server/control/rate-limit.ts',
  'server/tenants.ts': 'server/control/tenants.ts',
  'server/snapshot.ts': 'server/control/snapshot.ts',
  // cli/: the command line composes the mock and the contract kit, so it sits above both, outside server/
  // (while main.ts was in server/, server/ -> contracts/cli/ -> server/ was a folder cycle).
  'server/main.ts': 'cli/main.ts',
  'server/config-file.ts': 'cli/config-file.ts',
  // The contract kit's commands beside the kit: server/ imports nothing of contracts/.
  'server/verify.ts': 'contracts/cli/verify.ts',
  'server/check-pacts.ts': 'contracts/cli/check-pacts.ts',
};

/** Whole folders that move (every file in them, present or added later). */
export const FOLDER_MOVES = {
  'server/resources/': 'server/http/routes/',
  // The web console is one more client of the control plane: its pages and bundle are served under /_mock/ui.
  'server/console/': 'server/control/console/',
};

/** Folders that the layout dissolves: a file still there after the moves is one the mapping does not know. */
const DISSOLVED = ['server/engine/', 'server/resources/', 'server/console/'];

/** The only files that stay directly in server/: the library's entry points (the CLI is cli/). */
const ENTRY_POINTS = new Set(['server/index.ts', 'server/app.ts', 'server/start.ts']);

/** Files whose text must keep the old paths (this mapping, and the document that tabulates it). */
const KEEP_TEXT = new Set(['scripts/relayout.mjs', 'docs/layout.md']);

const CODE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;
const TEXT = /(\.(ts|mts|cts|tsx|js|mjs|cjs|json|md|sh|ya?ml|toml|txt)|^\.ci\/run|\/run)$/;
/** Generated or vendored text that is never edited by hand. */
const SKIP_TEXT = /^(package-lock\.json|openapi\/.*\.(json|d\.ts)|dist\/|node_modules\/|contracts\/pacts\/)/;

const warnings = [];
const warn = (m) => warnings.push(m);

function git(...args) {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
}

/** Tracked files plus new ones not yet added (a helper's fresh file must be rewritten too); deleted ones left out. */
function listFiles() {
  const out = git('ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  return [...new Set(out)].filter((f) => existsSync(path.join(ROOT, f)));
}

/** Where a path goes: a mapped file, a file under a moved folder, a test beside a mapped module, else itself. */
function target(p) {
  if (MOVES[p]) return MOVES[p];
  for (const [from, to] of Object.entries(FOLDER_MOVES))
    if (p.startsWith(from)) return to + p.slice(from.length);
  const test = /^(.*)\.test(\.[cm]?[jt]sx?)$/.exec(p);
  if (test) {
    for (const ext of ['.ts', '.mts', '.tsx']) {
      const moved = MOVES[test[1] + ext];
      if (moved) return moved.replace(/\.[cm]?tsx?$/, '') + `.test${test[2]}`;
    }
  }
  return p;
}

/** Where a folder goes (a moved folder, else a folder whose every mapped file moves to one place: none here). */
function folderTarget(dir) {
  const d = dir.endsWith('/') ? dir : `${dir}/`;
  for (const [from, to] of Object.entries(FOLDER_MOVES))
    if (d.startsWith(from)) return to + d.slice(from.length);
  return d;
}

function checkMapping() {
  const olds = Object.keys(MOVES);
  const news = new Set(Object.values(MOVES));
  if (news.size !== olds.length) throw new Error('relayout: two files map to the same new path');
  // A new path that contains an old one would be rewritten again on a second run.
  for (const n of news)
    for (const o of olds)
      if (new RegExp(`(?<![\\w.-])${escapeRegex(o)}(?![\\w-])`).test(n))
        throw new Error(`relayout: ${n} contains ${o}: the text replacement would not be idempotent`);
}

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// ---------------------------------------------------------------- 1. moves

function planMoves(files) {
  const moves = [];
  for (const f of files) {
    const to = target(f);
    if (to === f) continue;
    if (existsSync(path.join(ROOT, to))) {
      warn(`${f} and ${to} both exist: left ${f} where it is (merge them by hand)`);
      continue;
    }
    moves.push([f, to]);
  }
  for (const [from, to] of Object.entries(MOVES)) {
    if (!files.includes(from) && existsSync(path.join(ROOT, to)))
      console.log(`skip ${from}: already at ${to}`);
    else if (!files.includes(from)) warn(`${from} is in the mapping but exists neither there nor at ${to}`);
  }
  return moves;
}

function applyMoves(moves, tracked) {
  for (const [from, to] of moves) {
    console.log(`move ${from} -> ${to}`);
    if (DRY) continue;
    mkdirSync(path.dirname(path.join(ROOT, to)), { recursive: true });
    if (tracked.has(from)) git('mv', from, to);
    else renameSync(path.join(ROOT, from), path.join(ROOT, to));
  }
}

// ---------------------------------------------------------------- 2. specifiers

const SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bvi\.(?:mock|doMock|unmock|importActual|importMock)\s*(?:<[^>()]*>)?\s*\(\s*|\bimport\.meta\.resolve\s*\(\s*)(['"])(\.{1,2}\/[^'"\n]*)\2/g;
const URL_SPECIFIER = /(\bnew\s+URL\s*\(\s*)(['"`])(\.{1,2}\/[^'"`$\n]*)\2(\s*,\s*import\.meta\.url)/g;

const RESOLVE_EXT = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.d.ts'];

/**
 * What a specifier written in `fromOld` points at, in the old layout: `{ path, style }` where style is how the
 * specifier names it (`exact`, `js-for-ts`, `bare` without extension, `index` for a folder, `dir` for a folder).
 */
function resolveSpecifier(fromOld, spec, known) {
  const base = posix.normalize(posix.join(posix.dirname(fromOld), spec));
  const has = (p) => known.has(p);
  if (base === '.' || base.startsWith('../')) return { path: base === '.' ? './' : base, style: 'outside' };
  if (spec.endsWith('/')) return { path: `${base}/`.replace(/\/+$/, '/'), style: 'dir' };
  if (has(base)) return { path: base, style: 'exact' };
  const js = /\.(m|c)?js$/.exec(base);
  if (js) {
    const ts = base.replace(/\.(m|c)?js$/, `.${js[1] ?? ''}ts`);
    if (has(ts)) return { path: ts, style: 'js-for-ts' };
  }
  for (const ext of RESOLVE_EXT) if (has(base + ext)) return { path: base + ext, style: 'bare' };
  for (const ext of RESOLVE_EXT)
    if (has(`${base}/index${ext}`)) return { path: `${base}/index${ext}`, style: 'index' };
  if ([...known].some((k) => k.startsWith(`${base}/`))) return { path: `${base}/`, style: 'dir' };
  return undefined;
}

function styled(newTarget, style) {
  if (style === 'exact' || style === 'dir') return newTarget;
  if (style === 'js-for-ts') return newTarget.replace(/\.(m|c)?ts$/, (_m, k) => `.${k ?? ''}js`);
  if (style === 'index') {
    if (/\/index\.[^/]+$/.test(newTarget)) return posix.dirname(newTarget);
    return newTarget.replace(/(\.d)?\.[cm]?[jt]sx?$/, '');
  }
  return newTarget.replace(/(\.d)?\.[cm]?[jt]sx?$|\.json$/, (m) => (m === '.json' ? m : ''));
}

function relativeSpecifier(fromNew, to) {
  let rel = posix.relative(posix.dirname(fromNew), to);
  if (to.endsWith('/') && !rel.endsWith('/')) rel += '/';
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

/** Rewrites one file's specifiers; `oldOf` is where the file was, `known` every path of the old layout. */
function rewriteSpecifiers(text, fileNew, fileOld, known, mapPath) {
  let changed = false;
  const fix = (whole, spec) => {
    const r = resolveSpecifier(fileOld, spec, known);
    if (r?.style === 'outside') return whole;
    if (!r) {
      // Not resolvable from the old layout: an already-updated specifier (second run) or a broken one.
      // A url to a folder or file made at run time (contracts/pacts/) is not the mapping's business.
      const again = resolveSpecifier(fileNew, spec, known);
      if (!again && !whole.includes('import.meta.url')) warn(`${fileNew}: cannot resolve '${spec}'`);
      return whole;
    }
    const newTarget = r.style === 'dir' ? folderTarget(r.path) : mapPath(r.path);
    if (newTarget === r.path && fileNew === fileOld) return whole;
    const next = relativeSpecifier(fileNew, styled(newTarget, r.style));
    if (next === spec) return whole;
    changed = true;
    return whole.replace(spec, next);
  };
  let out = text.replace(SPECIFIER, (whole, _lead, _q, spec) => fix(whole, spec));
  out = out.replace(URL_SPECIFIER, (whole, _lead, _q, spec) => {
    const res = fix(whole, spec);
    if (fileNew.startsWith('server/') && res !== whole)
      warn(
        `${fileNew}: new URL('${spec}', import.meta.url) rewritten for the sources, but the bundle (dist/) sits one level below the root: use packageFile() (server/spec/compile.ts)`,
      );
    return res;
  });
  return { text: out, changed };
}

// ---------------------------------------------------------------- 3. root-relative paths in text

function replaceRootPaths(text) {
  let out = text;
  const pairs = [
    ...Object.entries(MOVES),
    ...Object.entries(FOLDER_MOVES),
    // A test beside a module is named in scripts as often as the module.
    ...Object.entries(MOVES).map(([o, n]) => [
      o.replace(/\.ts$/, '.test.ts'),
      n.replace(/\.ts$/, '.test.ts'),
    ]),
  ].sort((a, b) => b[0].length - a[0].length);
  for (const [o, n] of pairs) {
    // A folder is matched without its slash, so `server/resources` and `server/resources/x.ts` both move.
    const key = o.endsWith('/') ? o.slice(0, -1) : o;
    const to = n.endsWith('/') ? n.slice(0, -1) : n;
    out = out.replace(new RegExp(`(?<![\\w.-])${escapeRegex(key)}(?![\\w-]|\\.[a-z])`, 'g'), to);
  }
  return out;
}

// ---------------------------------------------------------------- 4. guards in npm run lint

const GUARDS = [
  [
    'depcruise',
    'depcruise --config .dependency-cruiser.cjs server cli contracts fixtures test scripts bench bin',
  ],
  ['knip', 'knip'],
];

function wireGuards() {
  const file = path.join(ROOT, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  let lint = pkg.scripts?.lint ?? 'biome check .';
  const before = lint;
  for (const [bin, command] of GUARDS) {
    if (!existsSync(path.join(ROOT, 'node_modules', '.bin', bin))) warn(`${bin} is not installed (npm ci)`);
    if (!new RegExp(`(^|&&\\s*)${bin}\\b`).test(lint)) lint = `${lint} && ${command}`;
  }
  if (lint === before) return false;
  console.log(`package.json: lint = ${lint}`);
  if (!DRY) {
    pkg.scripts.lint = lint;
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  }
  return true;
}

// ---------------------------------------------------------------- main

function main() {
  checkMapping();
  const before = listFiles();
  const tracked = new Set(git('ls-files', '-z').split('\0').filter(Boolean));
  const moves = planMoves(before);
  const oldToNew = new Map(moves);
  const newToOld = new Map(moves.map(([o, n]) => [n, o]));
  // Every path of the old layout, plus the mapping's old paths (so a second run, or a file merged in later that
  // still names an old path, resolves them too).
  const known = new Set([...before, ...Object.keys(MOVES)]);
  const mapPath = (p) => oldToNew.get(p) ?? target(p);

  applyMoves(moves, tracked);

  const after = DRY ? before.map((f) => oldToNew.get(f) ?? f) : listFiles();
  // A file merged in later that still names a moved path resolves against the new layout too.
  for (const f of after) known.add(f);
  const touched = [];
  for (const file of after) {
    if (KEEP_TEXT.has(file) || SKIP_TEXT.test(file)) continue;
    const isCode = CODE.test(file) && !file.endsWith('.d.ts');
    if (!isCode && !TEXT.test(file)) continue;
    const abs = path.join(ROOT, DRY ? (newToOld.get(file) ?? file) : file);
    if (!statSync(abs).isFile()) continue;
    const original = readFileSync(abs, 'utf8');
    let text = original;
    if (isCode) text = rewriteSpecifiers(text, file, newToOld.get(file) ?? file, known, mapPath).text;
    text = replaceRootPaths(text);
    if (text !== original) {
      touched.push(file);
      console.log(`rewrite ${file}`);
      if (!DRY) writeFileSync(abs, text);
    }
  }

  if (wireGuards()) touched.push('package.json');

  // Imports are sorted by path (biome's organizeImports): re-sort those whose paths changed.
  const code = touched.filter((f) => /\.(ts|mts|cts|js|mjs|cjs|json)$/.test(f));
  if (!DRY && code.length) {
    try {
      execFileSync(path.join(ROOT, 'node_modules', '.bin', 'biome'), ['check', '--write', ...code], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    } catch (err) {
      warn(`biome check --write on the touched files reported:\n${String(err.stdout ?? err.message)}`);
    }
  }

  // What the mapping does not know.
  const final = DRY ? after : listFiles();
  for (const f of final) {
    if (/^server\/[^/]+$/.test(f) && !ENTRY_POINTS.has(f))
      warn(`${f} is loose in server/ and not an entry point: give it a layer in scripts/relayout.mjs MOVES`);
    for (const d of DISSOLVED)
      if (f.startsWith(d)) warn(`${f} is left in ${d}, which the layout dissolves: add it to MOVES`);
  }
  for (const f of final) {
    if (KEEP_TEXT.has(f) || SKIP_TEXT.test(f) || !TEXT.test(f)) continue;
    const abs = path.join(ROOT, f);
    if (!existsSync(abs)) continue;
    const text = readFileSync(abs, 'utf8');
    for (const d of DISSOLVED) {
      const n = text.split(d).length - 1;
      if (n > 0) warn(`${f} still mentions ${d} (${n}×): say which layer`);
    }
  }

  console.log(
    `${DRY ? '[dry run] ' : ''}${moves.length} file(s) moved, ${touched.length} file(s) rewritten, ${warnings.length} warning(s)`,
  );
  for (const w of warnings) console.warn(`warning: ${w}`);
}

main();
