// The official Python client and its Flask receiver through the kit (python3 and ricloud-py 3.2.0): a fresh run gives
// the verdicts committed in contracts/conformance/reports/official-python.json. Under CI a missing client fails, never
// skips; on a machine without it (a fresh clone, no ../shared) or without python3 (with requests and flask) the test
// is skipped with one line saying how to enable it.
import { describe, expect, it } from 'vitest';
import { committedVerdicts, ricloudPyPath, runOfficial } from '../../contracts/conformance/official.ts';
import { renderTable } from '../../contracts/conformance/report.ts';
import { IN_CI, pythonMissing } from '../helpers/python.ts';

function missingClient(): string | undefined {
  if (IN_CI) return undefined;
  try {
    ricloudPyPath();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const missing = pythonMissing(['requests', 'flask']) ?? missingClient();
if (missing) console.warn(`skipped the official client through the kit: ${missing}`);

describe('the official client through the kit', () => {
  it.skipIf(missing !== undefined)(
    'a fresh run matches the committed report (regenerate: npm run conformance:official)',
    async () => {
      const run = await runOfficial();
      const verdicts = (r: typeof run.client) =>
        Object.fromEntries(r.checks.map((c) => [c.name, c.ok ? 'pass' : 'fail']));
      const committed = committedVerdicts();
      expect(verdicts(run.client), renderTable(run.client)).toEqual(committed.client);
      expect(verdicts(run.receiver), renderTable(run.receiver)).toEqual(committed.receiver);
      // What contracts/CONFORMANCE.md says plainly: the client fails retry-after only, its receiver missing-signature only.
      expect(Object.entries(committed.client).filter(([, v]) => v === 'fail')).toEqual([
        ['retry-after', 'fail'],
      ]);
      expect(Object.entries(committed.receiver).filter(([, v]) => v === 'fail')).toEqual([
        ['missing-signature', 'fail'],
      ]);
    },
    90_000,
  );
});
