// Proofs of the client catalogue over real processes and sockets: the reference client passes every check, the
// broken fixture fails exactly the checks its faults break, and the command line's exit codes and files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runClientConformance } from '../../contracts/conformance/client.ts';
import { CLIENT_CHECK_NAMES } from '../../contracts/conformance/client-checks.ts';
import { renderTable } from '../../contracts/conformance/report.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const REFERENCE = 'node --import tsx contracts/conformance/drivers/reference.ts';
const BROKEN = 'node --import tsx contracts/conformance/fixtures/broken-client.ts';
/** Whether a process still runs: a zombie (killed, not yet reaped by init in a container) does not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

const tmp = mkdtempSync(join(tmpdir(), 'conformance-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('client conformance', () => {
  it('the reference client (contracts/client) passes every check', async () => {
    const report = await runClientConformance({ client: REFERENCE, cwd: ROOT });
    expect(report.checks.map((c) => c.name)).toEqual(CLIENT_CHECK_NAMES);
    expect(
      report.checks.filter((c) => !c.ok),
      renderTable(report),
    ).toEqual([]);
    expect(report.ok).toBe(true);
  }, 60_000);

  it('the broken client fails exactly the checks its faults break, each with the journal lines that show it', async () => {
    const report = await runClientConformance({ client: BROKEN, cwd: ROOT });
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed, renderTable(report)).toEqual([
      'retries-stop',
      'retry-after',
      'honours-4xx',
      'pagination',
      'polite-polling',
      'no-query-credentials',
    ]);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['retries-stop']?.evidence.filter((e) => /GET \/organisation → 503/.test(e))).toHaveLength(
      11,
    );
    expect(byName['retry-after']?.evidence[1]).toMatch(/\+0\.\d{3}s GET \/organisation → 200/);
    expect(byName['honours-4xx']?.evidence).toHaveLength(2);
    expect(byName['no-query-credentials']?.evidence.every((e) => e.includes('token=[REDACTED]'))).toBe(true);
    expect(byName['polite-polling']?.summary).toMatch(/^\d+ requests in the 3 s the session was pending/);
  }, 60_000);

  it('a driver that never finishes is killed at the timeout, with its whole process group, and the check fails', async () => {
    const pidFile = join(tmp, 'driver.pid');
    const report = await runClientConformance({
      client: `sh -c 'echo $$ > ${pidFile}; exec sleep 60'`,
      checks: ['honours-4xx'],
      timeoutMs: 1000,
    });
    const [check] = report.checks;
    expect(check?.ok).toBe(false);
    expect(check?.evidence).toContain('driver exit code: killed at the timeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(running(pid)).toBe(false);
  }, 30_000);

  it('the command line: exit 1 with the JUnit and JSON reports when a check fails, 0 when all pass, 2 on bad usage', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/ricloud-mock.js', 'conformance', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 50_000,
      });
    const junit = join(tmp, 'report.xml');
    const json = join(tmp, 'report.json');
    const failing = cli(
      'client',
      '--client',
      BROKEN,
      '--check',
      'honours-4xx',
      '--check',
      'auth-header',
      '--junit',
      junit,
      '--json',
      json,
    );
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/honours-4xx\s+FAIL/);
    expect(failing.stdout).toMatch(/auth-header\s+PASS/);
    const saved = JSON.parse(readFileSync(json, 'utf8'));
    expect(saved.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['honours-4xx', false],
      ['auth-header', true],
    ]);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="ricloud-mock conformance client" tests="2" failures="1"/);
    expect(xml).toMatch(
      /<testcase [^>]*name="honours-4xx"[^>]*>\s*<failure message="the 404 was requested 2 times/,
    );
    expect(xml).toMatch(/<testcase [^>]*name="auth-header"[^>]*\/>/);

    const passing = cli('client', '--client', REFERENCE, '--check', 'honours-4xx,auth-header');
    expect(passing.status).toBe(0);
    expect(passing.stdout).toMatch(/2 passed, 0 failed/);

    for (const bad of [
      ['client', '--client', REFERENCE, '--check', 'no-such-check'],
      ['client'],
      ['client', '--client', REFERENCE, '--timeout', '0'],
      ['receiver', '--url', 'not a url', '--secret', 's'],
      ['receiver', '--url', 'http://127.0.0.1:9/hooks'],
    ]) {
      const res = cli(...bad);
      expect(res.status, bad.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n'), bad.join(' ')).toHaveLength(1);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);
});
