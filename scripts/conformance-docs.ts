/**
 * The conformance kit's numbers and tables in its docs, generated from the kit's own check tables (one source):
 * `npm run gen` rewrites every `<!-- gen:conformance-<name> -->...<!-- /gen -->` block, `npm run gen:check` fails
 * when one is stale. A new check is then a row in contracts/conformance/client-checks.ts (or receiver.ts) and a
 * test: the counts ("all 11", "10 of 11") and the catalogue follow.
 *
 * Blocks (inline ones hold a number or a phrase, the tables a whole markdown table):
 * - `conformance-client-count`, `conformance-receiver-count`: how many checks each kit has.
 * - `conformance-official-client`, `conformance-official-receiver`: "<passed> of <all>" from the committed report of
 *   the official client (contracts/conformance/reports/official-python.json, `npm run conformance:official`).
 * - `conformance-client-table`, `conformance-receiver-table`: the catalogue, one row per check.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_CHECKS } from '../contracts/conformance/client-checks.ts';
import { RECEIVER_CHECKS } from '../contracts/conformance/receiver.ts';

const BLOCK = /<!-- gen:(conformance-[a-z-]+) -->([\s\S]*?)<!-- \/gen -->/g;

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

/** The text with every conformance block regenerated (unchanged when it has none). */
export function renderConformanceBlocks(text: string, root: string): string {
  return text.replace(
    BLOCK,
    (_all, name: string) => `<!-- gen:${name} -->${render(name, root)}<!-- /gen -->`,
  );
}

/** Whether a text has any conformance block (the docs gen checks). */
export function hasConformanceBlocks(text: string): boolean {
  return new RegExp(BLOCK.source).test(text);
}
