/**
 * Regenerates the TypeScript types and the JSON copy of every OpenAPI spec and fails when a committed `.d.ts` or
 * `.json` differs (`npm run gen:check`), or rewrites them (`npm run gen`, which passes `--write`).
 *
 * The JSON copy (`openapi/<name>.json`) is what the server loads at start (server/spec/compile.ts `loadSpecDocument`):
 * JSON.parse is ~100× faster than parsing the YAML. It records the sha256 of its YAML, so a copy that is stale
 * is ignored at run time (the YAML is parsed instead) and reported here.
 *
 * Formatting goes through Biome's stdin mode under a neutral file name, because biome.json ignores
 * `openapi/*.d.ts` (generated files are never linted) and would refuse to format them in place.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { VERIFY_SNIPPET } from '../server/control/webhook-routes.ts';
import { SOURCE_HASH_KEY, sourceHash } from '../server/spec/compile.ts';
import { consoleAssetsModule } from './console-assets.ts';
import { hasGeneratedBlocks, renderGeneratedBlocks } from './doc-blocks.ts';
import { parseLedger, readLedgerInput, renderDivergences, renderSummary } from './ledger.ts';

/** One entry per spec; a later `openapi/control.yaml` is one more line here. */
const SPECS: ReadonlyArray<{ spec: string; types: string; json: string }> = [
  { spec: 'openapi/ricloud-v3.yaml', types: 'openapi/ricloud-v3.d.ts', json: 'openapi/ricloud-v3.json' },
  { spec: 'openapi/control.yaml', types: 'openapi/control.d.ts', json: 'openapi/control.json' },
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);

function run(command: string, args: string[], input?: string): string {
  const out = spawnSync(command, args, { cwd: root, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed:\n${out.stderr}${out.stdout}`);
  }
  return out.stdout;
}

/** Generates the formatted types of one spec, exactly as they must be committed. */
function generate(spec: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ricloud-gen-'));
  try {
    const raw = path.join(dir, 'types.d.ts');
    run(bin('openapi-typescript'), [spec, '-o', raw]);
    return run(bin('biome'), ['format', '--stdin-file-path=generated-types.d.ts'], readFileSync(raw, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The spec as formatted JSON, its first key the sha256 of the YAML it came from. */
function generateJson(spec: string): string {
  const yamlText = readFileSync(path.join(root, spec), 'utf8');
  const doc = { [SOURCE_HASH_KEY]: sourceHash(yamlText), ...(parse(yamlText) as Record<string, unknown>) };
  return run(bin('biome'), ['format', '--stdin-file-path=generated-spec.json'], JSON.stringify(doc, null, 2));
}

/** The fidelity ledger's files as parsed (test/fidelity.test.ts reports what is malformed; gen renders the rest). */
function ledger() {
  const input = readLedgerInput(root);
  return { files: parseLedger(input.files).files, pages: input.pages };
}

/** docs/divergences.md with its "not modelled" and divergences lists regenerated from the fidelity ledger. */
function generateDivergences(): string {
  const { files, pages } = ledger();
  return renderDivergences(readFileSync(path.join(root, 'docs/divergences.md'), 'utf8'), files, pages);
}

/** docs/webhooks.md with its verify-snippet block regenerated from the snippet the mock serves (one source for both). */
function generateWebhooksGuide(): string {
  const guide = readFileSync(path.join(root, 'docs/webhooks.md'), 'utf8');
  const block = /(<!-- verify-snippet:[^\n]*-->\n)[\s\S]*?(<!-- \/verify-snippet -->)/;
  if (!block.test(guide)) throw new Error('docs/webhooks.md has lost its <!-- verify-snippet: ... --> block');
  return guide.replace(
    block,
    (_all, open: string, close: string) => `${open}\`\`\`ts\n${VERIFY_SNIPPET}\n\`\`\`\n${close}`,
  );
}

/** The docs (contracts/*.md, docs/**.md) with a `<!-- gen:<name> -->` block (scripts/doc-blocks.ts). */
function docsWithBlocks(): string[] {
  const contracts = readdirSync(path.join(root, 'contracts')).map((name) => `contracts/${name}`);
  const docs = existsSync(path.join(root, 'docs'))
    ? readdirSync(path.join(root, 'docs'), { recursive: true }).map((name) => `docs/${String(name)}`)
    : [];
  return [...contracts, ...docs]
    .filter((file) => file.endsWith('.md'))
    .filter((file) => hasGeneratedBlocks(readFileSync(path.join(root, file), 'utf8')))
    .sort();
}

function firstDifference(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  const line = left.findIndex((text, i) => text !== right[i]);
  return (line === -1 ? left.length : line) + 1;
}

function main(): number {
  const write = process.argv.includes('--write');
  let stale = 0;
  const outputs = SPECS.flatMap(({ spec, types, json }) => [
    { spec, out: types, fresh: () => generate(spec) },
    { spec, out: json, fresh: () => generateJson(spec) },
  ]);
  outputs.push({ spec: 'VERIFY_SNIPPET', out: 'docs/webhooks.md', fresh: generateWebhooksGuide });
  outputs.push({ spec: 'fidelity/ledger', out: 'docs/divergences.md', fresh: generateDivergences });
  outputs.push({
    spec: 'fidelity/ledger',
    out: 'fidelity/SUMMARY.md',
    fresh: () => {
      const { files, pages } = ledger();
      return renderSummary(files, pages);
    },
  });
  // Counts and tables in the docs (the conformance kit's catalogue, the specs' operations): scripts/doc-blocks.ts.
  for (const doc of docsWithBlocks()) {
    outputs.push({
      spec: 'the check tables and specs (scripts/doc-blocks.ts)',
      out: doc,
      fresh: () => renderGeneratedBlocks(readFileSync(path.join(root, doc), 'utf8'), root),
    });
  }
  // The web console's bundled browser code (see scripts/console-assets.ts for why it is a committed module).
  outputs.push({
    spec: 'server/control/console/client',
    out: 'server/control/console/assets.gen.ts',
    fresh: consoleAssetsModule,
  });
  for (const { spec, out, fresh: make } of outputs) {
    const fresh = make();
    const file = path.join(root, out);
    if (write) {
      writeFileSync(file, fresh);
      console.log(`gen: ${spec} -> ${out}`);
      continue;
    }
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      committed = '';
    }
    if (committed !== fresh) {
      stale += 1;
      console.error(
        `gen:check: ${out} is out of date with ${spec} (first difference at line ${firstDifference(committed, fresh)}).\n` +
          '  Generated files are never edited by hand: run `npm run gen` and commit the result.',
      );
    }
  }
  if (!write && stale === 0) console.log(`gen:check: ${outputs.length} generated file(s) up to date.`);
  return stale === 0 ? 0 : 1;
}

process.exitCode = main();
