// The proxy's findings: every distinct mismatch once (first seen first), with how often it was seen and one
// example exchange; bounded whatever the traffic. Served at /_mock/proxy/report, written as JSON plus a readable
// Markdown summary.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Mismatch } from './validate.ts';

export interface ReportedMismatch extends Mismatch {
  /** Exchanges in which it was seen. */
  count: number;
  /** The first one: method, path (redacted) and status. */
  example: { method: string; target: string; status: number };
}

export interface ProxyReport {
  upstream: string;
  /** Exchanges forwarded, and how many had at least one mismatch. */
  exchanges: number;
  exchangesWithMismatches: number;
  /** Upstream failures (no answer): the client got a 502. */
  upstreamErrors: number;
  mismatches: ReportedMismatch[];
  /** Distinct mismatches not kept once the list was full. */
  dropped: number;
}

const LIMIT = 10_000;

export class MismatchLog {
  private readonly seen = new Map<string, ReportedMismatch>();
  exchanges = 0;
  exchangesWithMismatches = 0;
  upstreamErrors = 0;
  dropped = 0;
  constructor(readonly upstream: string) {}

  add(found: readonly Mismatch[], example: ReportedMismatch['example']): void {
    this.exchanges++;
    if (found.length) this.exchangesWithMismatches++;
    for (const m of found) {
      const key = JSON.stringify([m.operation, m.direction, m.pointer, m.spec]);
      const known = this.seen.get(key);
      if (known) known.count++;
      else if (this.seen.size >= LIMIT) this.dropped++;
      else this.seen.set(key, { ...m, count: 1, example });
    }
  }

  report(): ProxyReport {
    return {
      upstream: this.upstream,
      exchanges: this.exchanges,
      exchangesWithMismatches: this.exchangesWithMismatches,
      upstreamErrors: this.upstreamErrors,
      mismatches: [...this.seen.values()],
      dropped: this.dropped,
    };
  }
}

const cell = (v: unknown) =>
  (typeof v === 'string' ? v : JSON.stringify(v)).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The readable summary of a report. */
export function renderReportMarkdown(report: ProxyReport): string {
  const lines = [
    '# ricloud-mock proxy: spec mismatches',
    '',
    `Upstream: ${report.upstream}  `,
    `Exchanges: ${report.exchanges}, ${report.exchangesWithMismatches} with mismatches, ${report.upstreamErrors} upstream errors.`,
    '',
  ];
  if (!report.mismatches.length) {
    lines.push('Every request and response matched openapi/ricloud-v3.yaml.', '');
    return lines.join('\n');
  }
  lines.push(
    '| operation | direction | pointer | the spec says | sent | seen | example | schema |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const m of report.mismatches) {
    lines.push(
      `| ${cell(m.operation)} | ${m.direction} | \`${cell(m.pointer || '/')}\` | ${cell(m.spec)} | ${cell(m.sent)} | ${m.count} | ${cell(`${m.example.method} ${m.example.target} → ${m.example.status}`)} | ${m.schema ? `\`${cell(m.schema)}\`` : ''} |`,
    );
  }
  if (report.dropped) lines.push('', `${report.dropped} more distinct mismatches were not kept.`);
  lines.push('');
  return lines.join('\n');
}

/** Writes `file` (JSON) and its Markdown summary beside it (`x.json` → `x.md`, else `<file>.md`). */
export function writeReport(
  file: string,
  report: ProxyReport,
  markdown: string,
): { json: string; md: string } {
  const json = resolve(file);
  const md = /\.json$/i.test(json) ? json.replace(/\.json$/i, '.md') : `${json}.md`;
  mkdirSync(dirname(json), { recursive: true });
  for (const [path, text] of [
    [json, `${JSON.stringify(report, null, 2)}\n`],
    [md, markdown],
  ] as const) {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  }
  return { json, md };
}

/** One exchange in the proxy's journal: what was asked (redacted), what came back, what did not fit the spec. */
export interface JournalledExchange {
  seq: number;
  /** When it started (wall time, RFC 3339). */
  time: string;
  method: string;
  target: string;
  status: number;
  duration_ms: number;
  operation?: string;
  mismatches: Mismatch[];
}

/** The newest exchanges (a ring of `size`, 1,000 by default): GET /_mock/proxy/exchanges. */
export class ExchangeJournal {
  private readonly ring: JournalledExchange[] = [];
  private seq = 0;
  constructor(private readonly size = 1000) {}

  record(entry: Omit<JournalledExchange, 'seq'>): void {
    this.ring.push({ seq: ++this.seq, ...entry });
    if (this.ring.length > this.size) this.ring.shift();
  }

  /** Newest first; only those with mismatches when asked; at most `limit`. */
  entries(options: { mismatchesOnly?: boolean; limit?: number } = {}): JournalledExchange[] {
    const out = [...this.ring].reverse().filter((e) => !options.mismatchesOnly || e.mismatches.length > 0);
    return options.limit === undefined ? out : out.slice(0, options.limit);
  }
}
