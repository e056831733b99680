// Provider verification: the project's own consumer pacts (written by the consumer run) against the real mock.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPacts } from '../cli/check-pacts.ts';
import { verifyPacts } from '../cli/verify.ts';
import { PACT_DIR } from '../consumer/pact.ts';

describe('ricloud-mock as the provider', () => {
  it('honours every interaction of the consumer pacts', async () => {
    const files = readdirSync(PACT_DIR).filter((f) => f.endsWith('.json'));
    // Both the HTTP and the webhook message pact must be there: run the consumer suite first (run-pact.sh).
    expect(files.sort()).toEqual([
      'ricloud-reference-client-ricloud.json',
      'ricloud-reference-webhook-receiver-ricloud.json',
    ]);
    const lines: string[] = [];
    const report = await verifyPacts({ pacts: [PACT_DIR], write: (l) => lines.push(l) });
    expect(report, lines.join('\n')).toMatchObject({ ok: true, failures: [], problems: [] });
  }, 120_000);

  it('asks only for what the ricloud spec has', () => {
    const report = checkPacts([PACT_DIR]);
    expect(report.findings).toEqual([]);
    expect(report.checked).toBe(19);
    expect(report.skipped).toBe(2);
  });
});
