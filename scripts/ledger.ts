/**
 * The fidelity ledger (fidelity/README.md): one YAML file per public ricloud page under `fidelity/ledger/`, each
 * entry a documented statement with where the spec says it, the tests that show it and a status. This module
 * loads it, checks it (test/fidelity.test.ts runs the check) and renders what is generated from it
 * (fidelity/SUMMARY.md and the "not modelled" and "divergences" lists of docs/divergences.md, through scripts/gen-check.ts).
 *
 * Everything is read from disk once by `readLedgerInput`; `checkLedger` is a pure function of that input, so its
 * rules are proved on small in-memory ledgers as well as on the real one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const STATUSES = ['matches', 'divergence', 'not-modelled'] as const;
export type Status = (typeof STATUSES)[number];

export interface LedgerEntry {
  id: string;
  quote: string;
  page?: string;
  spec: string[];
  tests: string[];
  status: Status;
  reason?: string;
  evidence?: string;
}

export interface LedgerFile {
  /** File name without `.yaml`: a page slug, `ricloud-py`, or `mock-<topic>`. */
  slug: string;
  page?: string;
  title?: string;
  entries: LedgerEntry[];
}

/** A committed page of the public docs: its slug (the docs copy's file name) and its public URL. */
export interface PageRef {
  slug: string;
  url: string;
  title: string;
}

export interface LedgerInput {
  /** Raw YAML text of each ledger file, by slug. */
  files: ReadonlyArray<{ slug: string; text: string }>;
  /** The committed list of public pages (fidelity/pages.yaml). */
  pages: ReadonlyArray<PageRef>;
  /**
   * The docs copies when `../shared/api/docs` is present (undefined on a user's clone): slug, Source URL, and the
   * page's text (its copy plus any other copy of the same page, e.g. a translation `<slug>.*.txt`).
   */
  docs?: ReadonlyArray<{ slug: string; url: string; text?: string }>;
  /** Source files scanned for divergence markers (path relative to the repo, text). */
  sources: ReadonlyArray<{ path: string; text: string }>;
  /** The OpenAPI documents, parsed, by path (`openapi/ricloud-v3.yaml`). */
  specs: ReadonlyArray<{ path: string; doc: unknown }>;
  /** Reads a test file by repo-relative path; undefined when it does not exist. */
  readTest: (file: string) => string | undefined;
}

export interface Ledger {
  files: LedgerFile[];
  problems: string[];
}

/** Which rule a problem breaks: the entries' shape, their references, the markers, the coverage of the pages. */
export type Rule = 'shape' | 'references' | 'quotes' | 'markers' | 'coverage';
export interface Problem {
  rule: Rule;
  message: string;
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$/;
const URL_RE = /^https:\/\/\S+$/;
/** Built from parts so that this file is not itself a marker. */
const MARK = 'DIVER' + 'GENCE';
const MARKER_WITH_ID = new RegExp(`${MARK}\\(([^)\\s]*)\\)`, 'g');
const MARKER_ANY = new RegExp(`\\b${MARK}\\b(?!\\()`, 'g');
/** Evidence never rests on our own secondary reading or on a file outside the repo. */
const FORBIDDEN_EVIDENCE = /ricloud-v3\.md|\.\.\/shared|shared\/api/;

const ENTRY_KEYS = new Set(['id', 'quote', 'page', 'spec', 'tests', 'status', 'reason', 'evidence']);
const FILE_KEYS = new Set(['page', 'title', 'entries']);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim() !== '');
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** Normalises a page URL for comparison: no trailing slash. */
export const samePage = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/** Parses the ledger files; shape problems are reported, and a malformed entry is left out of the result. */
export function parseLedger(files: LedgerInput['files']): Ledger {
  const problems: string[] = [];
  const out: LedgerFile[] = [];
  for (const { slug, text } of files) {
    const where = `fidelity/ledger/${slug}.yaml`;
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      problems.push(`${where}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    if (!isRecord(doc)) {
      problems.push(`${where}: must be a mapping with \`page\` and \`entries\``);
      continue;
    }
    for (const key of Object.keys(doc)) {
      if (!FILE_KEYS.has(key)) problems.push(`${where}: unknown top-level key \`${key}\``);
    }
    if (doc.page !== undefined && !(nonEmpty(doc.page) && URL_RE.test(doc.page))) {
      problems.push(`${where}: \`page\` must be an https URL`);
    }
    if (doc.title !== undefined && !nonEmpty(doc.title))
      problems.push(`${where}: \`title\` must be a string`);
    if (!Array.isArray(doc.entries) || doc.entries.length === 0) {
      problems.push(`${where}: \`entries\` must be a non-empty list`);
      continue;
    }
    const file: LedgerFile = {
      slug,
      page: nonEmpty(doc.page) ? doc.page : undefined,
      title: nonEmpty(doc.title) ? doc.title : undefined,
      entries: [],
    };
    doc.entries.forEach((raw: unknown, index: number) => {
      const entry = parseEntry(raw, `${where} entry ${index + 1}`, file, problems);
      if (entry) file.entries.push(entry);
    });
    out.push(file);
  }
  return { files: out, problems };
}

function parseEntry(raw: unknown, at: string, file: LedgerFile, problems: string[]): LedgerEntry | undefined {
  if (!isRecord(raw)) {
    problems.push(`${at}: must be a mapping`);
    return undefined;
  }
  const where = nonEmpty(raw.id) ? `${at} (${raw.id})` : at;
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(key)) problems.push(`${where}: unknown key \`${key}\``);
  }
  const id = raw.id;
  if (!nonEmpty(id) || !ID.test(id)) {
    problems.push(`${where}: \`id\` must be a dotted kebab id such as \`${file.slug}.some-statement\``);
  } else {
    const prefixes = [`${file.slug}.`];
    if (file.slug.startsWith('mock-')) prefixes.push(`${file.slug.slice('mock-'.length)}.`);
    if (!prefixes.some((p) => id.startsWith(p))) {
      problems.push(`${where}: \`id\` must start with ${prefixes.map((p) => `\`${p}\``).join(' or ')}`);
    }
  }
  if (!nonEmpty(raw.quote)) problems.push(`${where}: \`quote\` is required (the page's words, verbatim)`);
  if (raw.page !== undefined && !(nonEmpty(raw.page) && URL_RE.test(raw.page))) {
    problems.push(`${where}: \`page\` must be an https URL`);
  }
  if (raw.page === undefined && file.page === undefined) {
    problems.push(`${where}: no \`page\` (neither the entry's nor the file's)`);
  }
  if (!(Array.isArray(raw.spec) && (raw.spec.length === 0 || isStringList(raw.spec)))) {
    problems.push(`${where}: \`spec\` must be a list of JSON pointers ([] when the spec says nothing)`);
  }
  if (!(Array.isArray(raw.tests) && (raw.tests.length === 0 || isStringList(raw.tests)))) {
    problems.push(`${where}: \`tests\` must be a list of test references`);
  }
  const status = raw.status;
  if (!STATUSES.includes(status as Status)) {
    problems.push(`${where}: \`status\` must be one of ${STATUSES.join(', ')}`);
  }
  if (status === 'matches') {
    if (!(Array.isArray(raw.tests) && raw.tests.length > 0)) {
      problems.push(`${where}: a \`matches\` entry names the test(s) that show it`);
    }
    if (raw.reason !== undefined || raw.evidence !== undefined) {
      problems.push(`${where}: a \`matches\` entry has no \`reason\` or \`evidence\``);
    }
  }
  if (status === 'divergence') {
    if (!nonEmpty(raw.reason)) problems.push(`${where}: a divergence needs a \`reason\``);
    if (!nonEmpty(raw.evidence)) {
      problems.push(
        `${where}: a divergence needs \`evidence\` (a docs quote with its URL, or the client's source)`,
      );
    }
  }
  if (status === 'not-modelled') {
    if (!nonEmpty(raw.reason)) problems.push(`${where}: a not-modelled entry needs a \`reason\``);
    if (raw.evidence !== undefined && !nonEmpty(raw.evidence)) problems.push(`${where}: empty \`evidence\``);
  }
  for (const key of ['quote', 'reason', 'evidence', 'page'] as const) {
    const value = raw[key];
    if (typeof value === 'string' && FORBIDDEN_EVIDENCE.test(value)) {
      problems.push(
        `${where}: \`${key}\` cites a file outside the repo or our own reference; cite the public page or the client's source`,
      );
    }
  }
  if (problems.length > before) return undefined;
  return {
    id: raw.id as string,
    quote: raw.quote as string,
    page: raw.page as string | undefined,
    spec: raw.spec as string[],
    tests: raw.tests as string[],
    status: status as Status,
    reason: raw.reason as string | undefined,
    evidence: raw.evidence as string | undefined,
  };
}

/** The it()/test() titles of a vitest file (string literal titles; a template's text is kept as written). */
export function vitestTitles(text: string): string[] {
  const titles: string[] = [];
  const head = /\b(?:it|test)\b/g;
  for (let m = head.exec(text); m; m = head.exec(text)) {
    let i = m.index + m[0].length;
    if (/[\w$]/.test(text[m.index - 1] ?? '') || text[m.index - 1] === '.') continue;
    // Modifiers: .only, .skip, .each(...), .for(...), .concurrent, ...
    for (;;) {
      const mod = /^\s*\.\s*([A-Za-z]+)/.exec(text.slice(i, i + 40));
      if (!mod) break;
      i += mod[0].length;
      if (mod[1] === 'each' || mod[1] === 'for') {
        const end = skipBalanced(text, i);
        if (end < 0) break;
        i = end;
      }
    }
    const open = /^\s*\(\s*/.exec(text.slice(i, i + 200));
    if (!open) continue;
    i += open[0].length;
    const quote = text[i];
    if (quote !== "'" && quote !== '"' && quote !== '`') continue;
    let j = i + 1;
    let title = '';
    while (j < text.length && text[j] !== quote) {
      if (text[j] === '\\') {
        title += text[j + 1] ?? '';
        j += 2;
        continue;
      }
      title += text[j];
      j += 1;
    }
    titles.push(title);
  }
  return titles;
}

/** From an opening parenthesis (after whitespace), the index just past its closing one; -1 if unbalanced. */
function skipBalanced(text: string, from: number): number {
  let i = from;
  while (/\s/.test(text[i] ?? '')) i += 1;
  if (text[i] !== '(') return -1;
  let depth = 0;
  let quote: string | undefined;
  for (; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Why a test reference does not resolve, or undefined when it does. */
export function testProblem(ref: string, readTest: LedgerInput['readTest']): string | undefined {
  const py = /^([\w./-]+\.py)::(\w+)(?:::(\w+))?$/.exec(ref);
  if (py) {
    const [, file, first, second] = py;
    const text = readTest(file!);
    if (text === undefined) return `test file ${file} does not exist`;
    const fn = second ?? first!;
    if (second && !new RegExp(`^class ${first}\\b`, 'm').test(text)) return `${file} has no class ${first}`;
    if (!new RegExp(`^\\s*(?:async\\s+)?def ${fn}\\s*\\(`, 'm').test(text))
      return `${file} has no function ${fn}`;
    if (!fn.startsWith('test')) return `${fn} is not a pytest test (its name must start with "test")`;
    return undefined;
  }
  const vt = /^([\w./-]+\.test\.tsx?) > (.+)$/.exec(ref);
  if (vt) {
    const [, file, title] = vt;
    const text = readTest(file!);
    if (text === undefined) return `test file ${file} does not exist`;
    if (!vitestTitles(text).some((t) => t.includes(title!)))
      return `${file} has no it()/test() titled "…${title}…"`;
    return undefined;
  }
  return 'not a test reference: use `test/x.test.ts > <part of an it() title>` or `test/interop/x.py::test_name`';
}

/** Resolves `openapi/x.yaml#/json/pointer` against the parsed specs. */
export function specProblem(ref: string, specs: LedgerInput['specs']): string | undefined {
  const m = /^(openapi\/[\w.-]+\.yaml)#(\/.*)?$/.exec(ref);
  if (!m) return 'not a spec reference: use `openapi/<file>.yaml#/json/pointer`';
  const spec = specs.find((s) => s.path === m[1]);
  if (!spec) return `${m[1]} is not one of the specs`;
  let node: unknown = spec.doc;
  for (const raw of (m[2] ?? '').split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isRecord(node)) node = node[key];
    else node = undefined;
    if (node === undefined) return `${ref} does not resolve (no \`${key}\`)`;
  }
  return undefined;
}

/** Every `x-divergence` of a spec with its `x-divergence-id` (undefined when missing) and JSON pointer. */
export function specDivergences(doc: unknown): Array<{ pointer: string; id: unknown; note: boolean }> {
  const found: Array<{ pointer: string; id: unknown; note: boolean }> = [];
  const walk = (node: unknown, pointer: string): void => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) walk(child, `${pointer}/${i}`);
      return;
    }
    if (!isRecord(node)) return;
    if ('x-divergence' in node || 'x-divergence-id' in node) {
      found.push({ pointer, id: node['x-divergence-id'], note: 'x-divergence' in node });
    }
    for (const [key, child] of Object.entries(node)) {
      walk(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  };
  walk(doc, '');
  return found;
}

/** The divergence markers of a source text: ids (with line) and id-less markers (line). */
export function codeMarkers(text: string): { ids: Array<{ id: string; line: number }>; bare: number[] } {
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  const ids = [...text.matchAll(MARKER_WITH_ID)].map((m) => ({ id: m[1] ?? '', line: lineOf(m.index) }));
  const bare = [...text.matchAll(MARKER_ANY)].map((m) => lineOf(m.index));
  return { ids, bare };
}

/** Text as a reader sees it: no Markdown marks (backticks, emphasis, headings, bullets), curly quotes straight, one space. */
export function plainText(text: string): string {
  return text
    .replace(/^\s*(?:#+|[-*•]|\d+\.)\s+/gm, '')
    .replace(/`|\*\*/g, '')
    .replace(/[“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Every rule of the ledger (fidelity/README.md "Rules"). Returns the problems, one line each; [] is a clean ledger.
 */
export function checkLedger(input: LedgerInput): Problem[] {
  const { files, problems: shape } = parseLedger(input.files);
  const problems: Problem[] = shape.map((message) => ({ rule: 'shape', message }));
  const report = (rule: Rule, message: string): void => {
    problems.push({ rule, message });
  };
  const entries = new Map<string, { entry: LedgerEntry; slug: string }>();
  for (const file of files) {
    for (const entry of file.entries) {
      const other = entries.get(entry.id);
      if (other) report('shape', `duplicate id ${entry.id} (in ${other.slug}.yaml and ${file.slug}.yaml)`);
      else entries.set(entry.id, { entry, slug: file.slug });
      for (const ref of entry.tests) {
        const why = testProblem(ref, input.readTest);
        if (why) report('references', `${entry.id}: test "${ref}": ${why}`);
      }
      for (const ref of entry.spec) {
        const why = specProblem(ref, input.specs);
        if (why) report('references', `${entry.id}: spec "${ref}": ${why}`);
      }
    }
  }

  // Markers → ledger: every marker names a divergence entry; no marker without an id.
  const anchored = new Set<string>();
  const requireDivergence = (id: string, at: string, marker: string): void => {
    anchored.add(id);
    const found = entries.get(id);
    if (!found) report('markers', `${at}: ${marker} has no ledger entry`);
    else if (found.entry.status !== 'divergence') {
      report(
        'markers',
        `${at}: ${marker} names an entry whose status is ${found.entry.status}, not divergence`,
      );
    }
  };

  for (const { path: file, text } of input.sources) {
    const { ids, bare } = codeMarkers(text);
    for (const line of bare) {
      report('markers', `${file}:${line}: a ${MARK} marker without an id: write ${MARK}(<ledger id>)`);
    }
    for (const { id, line } of ids) {
      if (!ID.test(id)) report('markers', `${file}:${line}: ${MARK}(${id}) is not a ledger id`);
      else requireDivergence(id, `${file}:${line}`, `${MARK}(${id})`);
    }
  }
  for (const { path: file, doc } of input.specs) {
    for (const { pointer, id, note } of specDivergences(doc)) {
      const at = `${file}#${pointer}`;
      if (!note) report('markers', `${at}: x-divergence-id without an x-divergence note`);
      if (!(typeof id === 'string' && ID.test(id))) {
        report('markers', `${at}: x-divergence without an x-divergence-id naming its ledger entry`);
      } else requireDivergence(id, at, `x-divergence-id ${id}`);
    }
  }
  // Ledger → anchors: a divergence is shown by a marker where the mock decides, or by a test.
  for (const [id, { entry }] of entries) {
    if (entry.status === 'divergence' && !anchored.has(id) && entry.tests.length === 0) {
      report(
        'markers',
        `${id}: a divergence with no anchor: no ${MARK}(${id}) in the code, no x-divergence-id in the spec, no test`,
      );
    }
  }

  // Coverage: every public page has its ledger file, whose page is the page's URL.
  const bySlug = new Map(files.map((f) => [f.slug, f]));
  for (const page of input.pages) {
    const file = bySlug.get(page.slug);
    if (!file) report('coverage', `page ${page.url} has no ledger file fidelity/ledger/${page.slug}.yaml`);
    else if (!file.page || !samePage(file.page, page.url)) {
      report(
        'coverage',
        `fidelity/ledger/${page.slug}.yaml: \`page\` must be ${page.url} (fidelity/pages.yaml)`,
      );
    }
  }
  if (input.docs) {
    const listed = new Map(input.pages.map((p) => [p.slug, p]));
    for (const doc of input.docs) {
      const page = listed.get(doc.slug);
      if (!page) report('coverage', `docs page ${doc.slug} (${doc.url}) is missing from fidelity/pages.yaml`);
      else if (!samePage(page.url, doc.url)) {
        report(
          'coverage',
          `fidelity/pages.yaml: ${doc.slug} is ${page.url}, but its docs copy says ${doc.url}`,
        );
      }
    }
    for (const page of input.pages) {
      if (!input.docs.some((d) => d.slug === page.slug)) {
        report('coverage', `fidelity/pages.yaml: ${page.slug} has no docs copy any more`);
      }
    }
  }
  // Quotes: where the page's copy is present, each entry's quote is on its page (fragments joined by "...").
  if (input.docs) {
    for (const file of files) {
      for (const entry of file.entries) {
        const page = entry.page ?? file.page ?? '';
        const doc = input.docs.find((d) => samePage(d.url, page));
        if (!doc?.text) continue;
        const text = plainText(doc.text);
        const missing = plainText(entry.quote)
          .split(/\s*(?:\.\.\.|…)\s*/)
          .filter((fragment) => fragment !== '' && !text.includes(fragment));
        if (missing.length > 0) {
          report(
            'quotes',
            `${entry.id}: the quote is not on ${page} (not found: "${missing[0]!.slice(0, 80)}")`,
          );
        }
      }
    }
  }
  return problems;
}

// --- Reading from disk ---------------------------------------------------------------------------------------

/** Folders scanned for markers: what ships and what proves it. */
export const MARKER_ROOTS = ['server', 'cli', 'contracts', 'fixtures', 'test', 'scripts', 'bench', 'bin'];
const SOURCE_EXT = /\.(ts|tsx|mjs|cjs|js|py)$/;
const SKIP = /(^|\/)(node_modules|dist|pacts)(\/|$)|\.gen\.ts$|\.d\.ts$/;

function walkFiles(root: string, dir: string, out: string[]): void {
  const full = path.join(root, dir);
  if (!existsSync(full)) return;
  for (const name of readdirSync(full, { withFileTypes: true })) {
    const rel = `${dir}/${name.name}`;
    if (SKIP.test(rel)) continue;
    if (name.isDirectory()) walkFiles(root, rel, out);
    else if (SOURCE_EXT.test(name.name)) out.push(rel);
  }
}

/**
 * The canonical public URL of a docs copy: the first English `reincubate.com/support/ricloud/...` URL on its line 1
 * (`Source: ...`), else the first URL there.
 */
export function sourceUrl(firstLine: string): string | undefined {
  if (!firstLine.startsWith('Source:')) return undefined;
  const english = /https:\/\/reincubate\.com\/support\/ricloud\/[^\s,;()]+/.exec(firstLine);
  const any = /https:\/\/[^\s,;()]+/.exec(firstLine);
  return (english ?? any)?.[0];
}

/** The public pages as committed (fidelity/pages.yaml). */
export function readPages(root: string): PageRef[] {
  const doc = parse(readFileSync(path.join(root, 'fidelity/pages.yaml'), 'utf8')) as { pages: PageRef[] };
  return doc.pages;
}

export function readLedgerInput(root: string): LedgerInput {
  const dir = path.join(root, 'fidelity/ledger');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({
      slug: name.slice(0, -'.yaml'.length),
      text: readFileSync(path.join(dir, name), 'utf8'),
    }));
  // The docs copies sit beside the repo while it is developed; on a user's clone they are absent and the
  // committed page list alone decides coverage.
  const docsDir = path.join(root, '../shared/api/docs');
  const docs = existsSync(docsDir)
    ? readdirSync(docsDir)
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => {
          const slug = name.slice(0, -'.md'.length);
          const copies = readdirSync(docsDir)
            .filter((other) => other === name || (other.startsWith(`${slug}.`) && other.endsWith('.txt')))
            .sort()
            .map((other) => readFileSync(path.join(docsDir, other), 'utf8'));
          const first = readFileSync(path.join(docsDir, name), 'utf8').split('\n')[0] ?? '';
          return { slug, url: sourceUrl(first) ?? `(no Source line in ${name})`, text: copies.join('\n') };
        })
    : undefined;
  const sourcePaths: string[] = [];
  for (const top of MARKER_ROOTS) walkFiles(root, top, sourcePaths);
  const specs = readdirSync(path.join(root, 'openapi'))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({
      path: `openapi/${name}`,
      doc: parse(readFileSync(path.join(root, 'openapi', name), 'utf8')) as unknown,
    }));
  return {
    files,
    pages: readPages(root),
    docs,
    sources: sourcePaths.sort().map((p) => ({ path: p, text: readFileSync(path.join(root, p), 'utf8') })),
    specs,
    // Any test file inside the repo: vitest also runs server/, fixtures/ and contracts/ tests beside their code.
    readTest: (file) => {
      const full = path.join(root, file);
      const inside = !path.isAbsolute(file) && !file.split('/').includes('..');
      return inside && existsSync(full) ? readFileSync(full, 'utf8') : undefined;
    },
  };
}

// --- Generated views ------------------------------------------------------------------------------------------

const titleOf = (file: LedgerFile, pages: ReadonlyArray<PageRef>): string =>
  file.title ??
  pages.find((p) => p.slug === file.slug)?.title ??
  file.slug
    .replace(/^mock-/, '')
    .split('-')
    .map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');

/** Pages first (in the committed order), then the client's file, then the mock's topics. */
function ordered(files: LedgerFile[], pages: ReadonlyArray<PageRef>): LedgerFile[] {
  const rank = (f: LedgerFile): number => {
    const i = pages.findIndex((p) => p.slug === f.slug);
    if (i >= 0) return i;
    return f.slug.startsWith('mock-') ? 2000 : 1000;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.slug.localeCompare(b.slug));
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export function renderSummary(files: LedgerFile[], pages: ReadonlyArray<PageRef>): string {
  // A page without its file yet is listed with zeros, so that a gap shows.
  const missing = pages
    .filter((p) => !files.some((f) => f.slug === p.slug))
    .map((p): LedgerFile => ({ slug: p.slug, page: p.url, entries: [] }));
  const rows = ordered([...files, ...missing], pages).map((f) => {
    const count = (s: Status): number => f.entries.filter((e) => e.status === s).length;
    return { f, m: count('matches'), d: count('divergence'), n: count('not-modelled'), t: f.entries.length };
  });
  const sum = (k: 'm' | 'd' | 'n' | 't'): number => rows.reduce((a, r) => a + r[k], 0);
  const lines = [
    '# Fidelity summary',
    '',
    'Generated from `fidelity/ledger/*.yaml` by `npm run gen` (checked by `npm run gen:check`); do not edit.',
    'How to read and extend the ledger: `fidelity/README.md` in the repository. The entries themselves, as lists:',
    '[docs/divergences.md](../docs/divergences.md).',
    '',
    '## By ledger file',
    '',
    '| Ledger file | Page | matches | divergence | not-modelled | total |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      ({ f, m, d, n, t }) =>
        `| [${f.slug}](ledger/${f.slug}.yaml) | ${f.page ? `[${titleOf(f, pages)}](${f.page})` : titleOf(f, pages)} | ${m} | ${d} | ${n} | ${t} |`,
    ),
    `| **all** | | **${sum('m')}** | **${sum('d')}** | **${sum('n')}** | **${sum('t')}** |`,
    '',
    ...byPage(files, pages),
  ];
  return lines.join('\n');
}

/** The same counts by each entry's own page (an entry of a mock-<topic> file counts for the page it cites). */
function byPage(files: LedgerFile[], pages: ReadonlyArray<PageRef>): string[] {
  const counts = new Map<string, Record<Status, number>>();
  for (const file of files) {
    for (const e of file.entries) {
      const url = (e.page ?? file.page ?? '').replace(/\/+$/, '');
      const row = counts.get(url) ?? { matches: 0, divergence: 0, 'not-modelled': 0 };
      row[e.status] += 1;
      counts.set(url, row);
    }
  }
  const client = /^https:\/\/github\.com\/reincubate\/ricloud\/blob\/([^/]+)\/(.+)$/;
  const name = (url: string): string => {
    const source = client.exec(url);
    if (source) return `ricloud-py ${source[1]?.replace(/^v/, '')} ${source[2]}`;
    return pages.find((p) => samePage(p.url, url))?.title ?? url;
  };
  const urls = [...counts.keys()].sort((a, b) => name(a).localeCompare(name(b)) || a.localeCompare(b));
  return [
    '## By page',
    '',
    'Each entry counted once, for its own page (an entry of a `mock-<topic>` file counts for the page it cites).',
    '',
    '| Page | matches | divergence | not-modelled | total |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...urls.map((url) => {
      const c = counts.get(url)!;
      const total = c.matches + c.divergence + c['not-modelled'];
      return `| [${name(url)}](${url}) | ${c.matches} | ${c.divergence} | ${c['not-modelled']} | ${total} |`;
    }),
    '',
  ];
}

/** The docs/divergences.md list of one status, grouped by ledger file, one bullet per entry, linking its page. */
export function renderLedgerList(
  files: LedgerFile[],
  pages: ReadonlyArray<PageRef>,
  status: 'divergence' | 'not-modelled',
): string {
  const out: string[] = [];
  for (const file of ordered(files, pages)) {
    const chosen = file.entries.filter((e) => e.status === status);
    if (chosen.length === 0) continue;
    const head = file.page ? `[${titleOf(file, pages)}](${file.page})` : titleOf(file, pages);
    out.push(`**${head}**`);
    for (const e of chosen) {
      const page = e.page && e.page !== file.page ? ` ([page](${e.page}))` : '';
      out.push(`- ${oneLine(e.reason ?? '')}${page} \`${e.id}\``);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Replaces the text between `<!-- name -->` and `<!-- /name -->` (markers kept); `file` names the text in errors. */
export function replaceBlock(text: string, name: string, body: string, file = 'docs/divergences.md'): string {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${file} has lost its ${open} ... ${close} block`);
  return `${text.slice(0, start + open.length)}\n${body.trimEnd()}\n${text.slice(end)}`;
}

/** docs/divergences.md with its ledger-generated lists brought up to date. */
export function renderDivergences(guide: string, files: LedgerFile[], pages: ReadonlyArray<PageRef>): string {
  const notModelled = replaceBlock(
    guide,
    'ledger:not-modelled',
    renderLedgerList(files, pages, 'not-modelled'),
  );
  return replaceBlock(notModelled, 'ledger:divergences', renderLedgerList(files, pages, 'divergence'));
}
