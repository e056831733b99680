/**
 * Counts and tables in the docs, generated from their one source: `npm run gen` rewrites every
 * `<!-- gen:<name> -->...<!-- /gen -->` block of README.md, contracts/*.md and docs/ (any depth), and `npm run gen:check`
 * fails when one is stale. A new check of the conformance kit is then a row in contracts/conformance/client-checks.ts
 * (or receiver.ts) and a test, a new endpoint the spec, a handler and a test: the counts and the catalogue follow.
 *
 * Blocks (inline ones hold a number or a phrase, the tables a whole markdown table):
 * - `spec-operations`, `control-operations`: how many operations openapi/ricloud-v3.yaml (control.yaml) has.
 * - `conformance-client-count`, `conformance-receiver-count`: how many checks each kit has.
 * - `conformance-official-client`, `conformance-official-receiver`: "<passed> of <all>" from the committed report of
 *   the official client (contracts/conformance/reports/official-python.json, `npm run conformance:official`).
 * - `conformance-client-table`, `conformance-receiver-table`: the catalogue, one row per check.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_CHECKS } from '../contracts/conformance/client-checks.ts';
import { RECEIVER_CHECKS } from '../contracts/conformance/receiver.ts';
import { compileSpec, loadSpecDocument } from '../server/spec/compile.ts';
import { deriveLists } from '../server/spec/derived.ts';

const BLOCK = /<!-- gen:([a-z][a-z-]*) -->([\s\S]*?)<!-- \/gen -->/g;

/** A table cell: the check's plain text with markdown's special characters escaped, and bare URLs as links. */
const cell = (text: string): string =>
  text
    .replace(/[\\|*_`<>]/g, (ch) => ({ '<': '&lt;', '>': '&gt;' })[ch] ?? `\\${ch}`)
    .replace(/https:\/\/[^\s"),;]+/g, (url) => `<${url.replaceAll('\\_', '_')}>`);

const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

interface OfficialReport {
  client: { checks: { name: string; expected: string }[] };
  receiver: { checks: { name: string; expected: string }[] };
}

function passedOf(checks: { expected: string }[]): string {
  return `${checks.filter((c) => c.expected === 'pass').length} of ${checks.length}`;
}

/** The text of one block, by name; throws for a name it does not know. */
function render(name: string, root: string): string {
  const official = () =>
    JSON.parse(
      readFileSync(path.join(root, 'contracts/conformance/reports/official-python.json'), 'utf8'),
    ) as OfficialReport;
  switch (name) {
    case 'spec-operations':
      return String(
        deriveLists(loadSpecDocument(path.join(root, 'openapi/ricloud-v3.yaml'))).operationIds.length,
      );
    case 'control-operations':
      return String(compileSpec(path.join(root, 'openapi/control.yaml')).operations.size);
    case 'conformance-client-count':
      return String(CLIENT_CHECKS.length);
    case 'conformance-receiver-count':
      return String(RECEIVER_CHECKS.length);
    case 'conformance-official-client':
      return passedOf(official().client.checks);
    case 'conformance-official-receiver':
      return passedOf(official().receiver.checks);
    case 'conformance-client-table':
      return `\n${table(
        ['check', 'task', 'clock', 'purpose', 'rule (what fails it)', 'source'],
        CLIENT_CHECKS.map((c) => [
          `\`${c.name}\``,
          `\`${c.task}\``,
          c.clock.mode === 'real' ? '**real**' : `scaled ×${c.clock.scale}`,
          cell(c.purpose),
          cell(c.rule),
          cell(c.source),
        ]),
      )}\n`;
    case 'conformance-receiver-table':
      return `\n${table(
        ['check', 'expects', 'purpose', 'rule', 'source'],
        RECEIVER_CHECKS.map((c) => [
          `\`${c.name}\``,
          c.expect,
          cell(c.purpose),
          cell(c.rule),
          cell(c.source),
        ]),
      )}\n`;
    default:
      throw new Error(`unknown generated block <!-- gen:${name} -->`);
  }
}

/** The text with every generated block regenerated (unchanged when it has none). */
export function renderGeneratedBlocks(text: string, root: string): string {
  return text.replace(
    BLOCK,
    (_all, name: string) => `<!-- gen:${name} -->${render(name, root)}<!-- /gen -->`,
  );
}

/** Whether a text has any generated block (the docs gen checks). */
export function hasGeneratedBlocks(text: string): boolean {
  return new RegExp(BLOCK.source).test(text);
}
