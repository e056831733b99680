// Sums the JSON reports of every vitest run and the JUnit XML reports (pytest --junitxml: the interop and the
// parallel suites) in a folder and prints one closing line: 'tests: N passed, N failed'.
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
// pytest's JUnit XML: one <testsuite tests= failures= errors= skipped=> per run.
const xmlFiles = readdirSync(dir).filter((f) => f.endsWith('.xml'));
for (const f of xmlFiles) {
  const xml = readFileSync(join(dir, f), 'utf8');
  let p = 0;
  let n = 0;
  for (const [tag] of xml.matchAll(/<testsuite\s[^>]*>/g)) {
    const attr = (name) => Number(new RegExp(`\\s${name}="(\\d+)"`).exec(tag)?.[1] ?? 0);
    const bad = attr('failures') + attr('errors');
    p += attr('tests') - bad - attr('skipped');
    n += bad;
    skipped += attr('skipped');
  }
  passed += p;
  failed += n;
  console.log(`${f}: ${p} passed, ${n} failed`);
  if (p + n === 0) {
    // A suite that ran nothing (pytest's exit code 5, or every test skipped) is a failure, never a pass.
    console.error(`${f}: no test ran`);
    failed += 1;
  }
}
if (files.length + xmlFiles.length === 0 || passed === 0) {
  console.error('no test reports found: the test runs executed no test');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
