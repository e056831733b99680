// Sums the JSON reports of every vitest run in a folder and prints one closing line: 'tests: N passed, N failed'.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'tmp/ci';
let passed = 0;
let failed = 0;
let skipped = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
for (const f of files) {
  const report = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`${f}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (files.length === 0 || passed === 0) {
  console.error('no test reports found: the test runs executed no test');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
