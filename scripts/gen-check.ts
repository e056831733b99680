/**
 * Regenerates the TypeScript types of every OpenAPI spec (and the README's and fidelity summary's generated parts)
 * and fails when a committed file differs (`npm run gen:check`), or rewrites them (`npm run gen`, which passes
 * `--write`). Build outputs are not committed and not checked here: the specs' JSON copies and the web console's
 * bundle are made by `npm run build` (scripts/build.mjs).
 *
 * Formatting goes through Biome's stdin mode under a neutral file name, because biome.json ignores
 * `openapi/*.d.ts` (generated files are never linted) and would refuse to format them in place.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERIFY_SNIPPET } from '../server/control/webhook-routes.ts';
import { hasGeneratedBlocks, renderGeneratedBlocks } from './doc-blocks.ts';
import { parseLedger, readLedgerInput, renderDivergences, renderSummary } from './ledger.ts';

/** One entry per spec; a later `openapi/control.yaml` is one more line here. */
const SPECS: ReadonlyArray<{ spec: string; types: string }> = [
  { spec: 'openapi/ricloud-v3.yaml', types: 'openapi/ricloud-v3.d.ts' },
  { spec: 'openapi/control.yaml', types: 'openapi/control.d.ts' },
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
    // A default is not a value: the mock's validators do not fill defaults in (useDefaults: false), so a field with
    // a default stays optional in the types, and a handler reading its input sees what can really be missing.
    run(bin('openapi-typescript'), [spec, '--default-non-nullable', 'false', '-o', raw]);
    return run(bin('biome'), ['format', '--stdin-file-path=generated-types.d.ts'], readFileSync(raw, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  const outputs = SPECS.map(({ spec, types }) => ({ spec, out: types, fresh: () => generate(spec) }));
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
