// `npm run test:interop`: the official Python client against the compiled mock (pytest, test/interop). Extra
// arguments go to pytest (`npm run test:interop -- -k sessions`).
//
// On a machine without python3 (with pytest and requests) or without the official client (a fresh clone has no
// ../shared) the suite is skipped with one line saying how to enable it, so `npm run check` passes there. Under CI
// (CI=true) nothing is skipped: a missing piece fails the run (test/interop/conftest.py). With CI_REPORT_DIR set
// (.ci/run) pytest also writes its JUnit report there for scripts/ci-summary.mjs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const inCI = /^(true|1)$/i.test(process.env.CI ?? '');
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
const python = (args) => spawnSync('python3', args, { cwd: ROOT, env, encoding: 'utf8' });

if (!inCI) {
  const tools = python(['-c', 'import pytest, requests']);
  if (tools.error || tools.status !== 0) {
    console.log(
      'interop: skipped: needs python3 with pytest and requests (python3 -m pip install pytest requests)',
    );
    process.exit(0);
  }
  const client = python(['test/interop/locate_client.py']);
  if (client.status !== 0) {
    console.log(`interop: skipped: ${client.stdout.trim() || client.stderr.trim()}`);
    process.exit(0);
  }
}

const build = spawnSync(process.execPath, ['scripts/build.mjs', '--js-only', '--quiet'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const report = process.env.CI_REPORT_DIR
  ? [`--junitxml=${join(process.env.CI_REPORT_DIR, 'interop.xml')}`]
  : [];
const pytest = spawnSync(
  'python3',
  ['-m', 'pytest', '-p', 'no:cacheprovider', 'test/interop', ...report, ...process.argv.slice(2)],
  { cwd: ROOT, env, stdio: 'inherit' },
);
if (pytest.error) console.error(`interop: python3 could not run: ${pytest.error.message}`);
process.exit(pytest.status ?? 1);
