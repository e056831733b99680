import { describe, expect, it } from 'vitest';
import { buildReport, renderJUnit, renderTable } from './report.ts';

const check = (name: string, ok: boolean, summary: string, evidence: string[] = []) => ({
  name,
  ok,
  purpose: 'p',
  rule: 'r <&>',
  source: 's',
  summary,
  evidence,
  duration_ms: 1500,
});

describe('conformance reports', () => {
  it('JUnit XML escapes markup and control characters and counts failures', () => {
    const report = buildReport(
      'client',
      'cmd "x"',
      [check('a', true, 'fine'), check('b', false, 'saw <b> & "c"', ['#1 GET /x?a=1&b=2 → 503\u0001'])],
      3000,
    );
    const xml = renderJUnit(report);
    expect(xml).toContain(
      '<testsuite name="ricloud-mock conformance client" tests="2" failures="1" errors="0" time="3.000">',
    );
    expect(xml).toContain(
      '<failure message="saw &lt;b&gt; &amp; &quot;c&quot;">rule: r &lt;&amp;&gt;\nsource: s\n#1 GET /x?a=1&amp;b=2 → 503</failure>',
    );
    expect(xml).not.toContain('\u0001');
  });

  it('the table has a row per check and the evidence of each failed one', () => {
    const text = renderTable(
      buildReport(
        'receiver',
        'http://r',
        [check('a', true, 'fine'), check('b', false, 'bad', ['line 1'])],
        10,
      ),
    );
    expect(text).toMatch(/^a\s+PASS\s+1\.5s\s+fine$/m);
    expect(text).toMatch(/^b\s+FAIL\s+1\.5s\s+bad$/m);
    expect(text).toContain('1 passed, 1 failed');
    expect(text).toContain('FAIL b: bad\n  rule:   r <&>\n  source: s\n  | line 1');
  });
});
