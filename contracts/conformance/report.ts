// The conformance report: one object, three renderings (a terminal table, JUnit XML, JSON).

export interface CheckResult {
  name: string;
  ok: boolean;
  purpose: string;
  rule: string;
  source: string;
  summary: string;
  /** The journal lines (client) or exchanges (receiver) that show the verdict. */
  evidence: string[];
  /** Wall time of the check, ms. */
  duration_ms: number;
}

export interface ConformanceReport {
  kind: 'client' | 'receiver';
  /** The client command or the receiver url. */
  target: string;
  ok: boolean;
  passed: number;
  failed: number;
  duration_ms: number;
  checks: CheckResult[];
}

export function buildReport(
  kind: ConformanceReport['kind'],
  target: string,
  checks: CheckResult[],
  durationMs: number,
): ConformanceReport {
  const failed = checks.filter((c) => !c.ok).length;
  return {
    kind,
    target,
    ok: failed === 0,
    passed: checks.length - failed,
    failed,
    duration_ms: Math.round(durationMs),
    checks,
  };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The terminal table, and under it the evidence of every failed check. */
export function renderTable(report: ConformanceReport): string {
  const rows = report.checks.map((c) => [
    c.name,
    c.ok ? 'PASS' : 'FAIL',
    `${(c.duration_ms / 1000).toFixed(1)}s`,
    clip(c.summary, 90),
  ]);
  const head = ['check', 'result', 'time', 'what the kit saw'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const out = [
    `ricloud-mock conformance ${report.kind}: ${report.target}`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${report.passed} passed, ${report.failed} failed in ${(report.duration_ms / 1000).toFixed(1)} s`,
  ];
  for (const c of report.checks.filter((x) => !x.ok)) {
    out.push('', `FAIL ${c.name}: ${c.summary}`, `  rule:   ${c.rule}`, `  source: ${c.source}`);
    for (const e of c.evidence) out.push(`  | ${e.replace(/\n/g, '\n  | ')}`);
  }
  return `${out.join('\n')}\n`;
}

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters, even escaped.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: one testsuite, one testcase per check, a <failure> with the evidence for each failed one. */
export function renderJUnit(report: ConformanceReport): string {
  const suite = `ricloud-mock conformance ${report.kind}`;
  const cases = report.checks.map((c) => {
    const open = `  <testcase classname="${xml(suite)}" name="${xml(c.name)}" time="${(c.duration_ms / 1000).toFixed(3)}"`;
    if (c.ok) return `${open} />`;
    const body = [`rule: ${c.rule}`, `source: ${c.source}`, ...c.evidence].join('\n');
    return `${open}>\n    <failure message="${xml(c.summary)}">${xml(body)}</failure>\n  </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${xml(suite)}" tests="${report.checks.length}" failures="${report.failed}" errors="0" time="${(report.duration_ms / 1000).toFixed(3)}">`,
    ...cases,
    '</testsuite>',
    '',
  ].join('\n');
}

export function renderJson(report: ConformanceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
