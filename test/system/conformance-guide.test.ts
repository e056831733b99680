// The guide's promise: the complete minimal driver in contracts/CONFORMANCE.md (Python with requests) passes every
// client check. The test runs exactly the code block the guide shows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runClientConformance } from '../../contracts/conformance/client.ts';
import { CLIENT_CHECK_NAMES } from '../../contracts/conformance/client-checks.ts';
import { renderTable } from '../../contracts/conformance/report.ts';
import { pythonMissing } from '../helpers/python.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'conformance-guide-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Off CI, a machine without python3 and requests skips the guide's driver with one line (under CI it runs).
const missing = pythonMissing(['requests']);
if (missing) console.warn(`skipped the guide's Python driver: ${missing}`);

describe('contracts/CONFORMANCE.md', () => {
  it.skipIf(missing !== undefined)(
    'its minimal Python driver passes every client check',
    async () => {
      const guide = readFileSync(join(ROOT, 'contracts/CONFORMANCE.md'), 'utf8');
      const blocks = [...guide.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1] as string);
      expect(blocks).toHaveLength(1);
      const driver = join(dir, 'drive.py');
      writeFileSync(driver, blocks[0] as string);
      const report = await runClientConformance({ client: `python3 ${driver}`, cwd: ROOT });
      expect(
        report.checks.filter((c) => !c.ok),
        renderTable(report),
      ).toEqual([]);
      // Every check of the catalogue ran (the catalogue is the one list: the guide's counts are generated from it).
      expect(report.checks.map((c) => c.name)).toEqual(CLIENT_CHECK_NAMES);
    },
    60_000,
  );
});
