// The CLI: --help with env vars, a config file, per-request log lines, and --state-file across a restart.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, killAll, type RunningMock, spawnMock } from '../helpers/spawn-mock.ts';

const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-cli-'));
const children: ChildProcess[] = [];

afterEach(() => killAll(children));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the real command on port 0 with a manual clock (cwd: the temp dir). */
function start(args: string[], cwd = dir): Promise<RunningMock> {
  return spawnMock(['--clock', 'manual', ...args], { cwd, track: children, timeoutMs: 30_000 });
}

function stop(r: RunningMock): Promise<number | null> {
  return new Promise((resolve) => {
    r.proc.once('exit', (code) => resolve(code));
    r.proc.kill('SIGTERM');
  });
}

const auth = (token: string) => ({ Authorization: `Token ${token}`, 'Content-Type': 'application/json' });

describe('ricloud-mock CLI', () => {
  it('--help lists every serve flag with its env var', async () => {
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [BIN, '--help'], { env: cleanEnv() }, (e, stdout) =>
        e ? reject(e) : resolve(stdout),
      ),
    );
    for (const flag of [
      '--port',
      '--seed',
      '--config',
      '--state-file',
      '--control-token',
      '--journal-size',
      '--rate-limit',
    ]) {
      expect(help).toContain(flag);
    }
    const flags = help.match(/^\s+(-\w, )?--[a-z-]+/gm) ?? [];
    const envs = help.match(/env:\s*[A-Z_]+/g) ?? [];
    // Every option of serve (all but --help) names its env var.
    expect(envs.length).toBeGreaterThanOrEqual(17);
    expect(flags.length).toBeGreaterThan(envs.length);
  }, 30_000);

  it('--clock-start sets the manual clock start, for the main clock and for new tenants', async () => {
    const r = await start(['--clock-start', '2031-05-06T07:08:09Z', '--log-level', 'silent']);
    expect(r.output()).toContain('clock: manual from 2031-05-06T07:08:09Z');
    const clock = (await (await fetch(`${r.url}/_mock/clock`)).json()) as { now: string };
    expect(clock.now).toBe('2031-05-06T07:08:09.000000Z');
    const created = await fetch(`${r.url}/_mock/organisations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'later' }),
    });
    const tenant = (await created.json()) as { organisation: { id: number; date_created?: string } };
    const own = (await (
      await fetch(`${r.url}/_mock/clock?organisation=${tenant.organisation.id}`)
    ).json()) as {
      now: string;
      own_clock: boolean;
    };
    expect(own).toMatchObject({ own_clock: true, now: '2031-05-06T07:08:09.000000Z' });
    expect(await stop(r)).toBe(0);
  }, 60_000);

  it('--state-file survives a restart with nothing lost', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await start(['--seed', 'restart', '--state-file', stateFile, '--log-level', 'silent']);
    const created = await fetch(`${first.url}/users`, {
      method: 'POST',
      headers: auth(first.token),
      body: JSON.stringify({ identifier: 'survivor@example.com' }),
    });
    expect(created.status).toBe(201);
    await fetch(`${first.url}/_mock/clock/advance`, {
      method: 'POST',
      body: JSON.stringify({ seconds: 3600 }),
    });
    const usersBefore = await (await fetch(`${first.url}/users`, { headers: auth(first.token) })).text();
    const clockBefore = ((await (await fetch(`${first.url}/_mock/clock`)).json()) as { now: string }).now;
    expect(await stop(first)).toBe(0);
    expect((JSON.parse(readFileSync(stateFile, 'utf8')) as { version: number }).version).toBe(1);

    const second = await start(['--seed', 'restart', '--state-file', stateFile, '--log-level', 'silent']);
    expect(second.token).toBe(first.token);
    expect(await (await fetch(`${second.url}/users`, { headers: auth(second.token) })).text()).toBe(
      usersBefore,
    );
    expect(((await (await fetch(`${second.url}/_mock/clock`)).json()) as { now: string }).now).toBe(
      clockBefore,
    );
    expect(await stop(second)).toBe(0);
  }, 90_000);

  it('reads ricloud-mock.config.json, logs one JSON line per request and never a credential', async () => {
    const cwd = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(
      join(cwd, 'ricloud-mock.config.json'),
      JSON.stringify({
        seed: 'from-config',
        tenants: [{ name: 'Config tenant', token: 'config-tenant-token' }],
        scenarios: ['2fa-then-active'],
        timings: { sessionInitMs: 5000 },
        journal: { size: 10 },
      }),
    );
    const r = await start(['--log-level', 'info'], cwd);
    const orgs = (await (await fetch(`${r.url}/_mock/organisations`)).json()) as {
      data: { organisation: { name: string } }[];
    };
    expect(orgs.data.map((t: { organisation: { name: string } }) => t.organisation.name)).toEqual([
      'Mock Organisation',
      'Config tenant',
    ]);
    const tenantOrg = await fetch(`${r.url}/organisation`, { headers: auth('config-tenant-token') });
    expect(tenantOrg.status).toBe(200);
    await fetch(`${r.url}/users`, { method: 'POST', headers: auth(r.token), body: '{"identifier":"u"}' });
    await fetch(`${r.url}/sessions`, {
      method: 'POST',
      headers: auth(r.token),
      body: JSON.stringify({
        source: { user: '1', type: 'icloud.account', identifier: 'a@example.com' },
        payload: { password: 'pa55word-in-log?' },
      }),
    });
    expect(((await (await fetch(`${r.url}/_mock/requests`)).json()) as { capacity: number }).capacity).toBe(
      10,
    );
    await stop(r);
    const lines = r
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLines = lines.filter((l) => l.path !== undefined && l.status !== undefined);
    expect(requestLines.map((l) => `${l.method} ${l.path} ${l.status} ${l.tenant}`)).toEqual([
      'GET /organisation 200 2',
      'POST /users 201 1',
      'POST /sessions 201 1',
    ]);
    expect(typeof requestLines[0]?.ms).toBe('number');
    const logs = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(logs).not.toContain('pa55word-in-log?');
    expect(logs).not.toContain(r.token);
    expect(logs).not.toContain('config-tenant-token');
  }, 60_000);

  it('refuses a config file with bad fields, naming them', async () => {
    const cwd = mkdtempSync(join(dir, 'bad-'));
    writeFileSync(
      join(cwd, 'bad.json'),
      JSON.stringify({ faults: [{ kind: 'error', status: 200 }], colour: 'red' }),
    );
    await expect(start(['--config', 'bad.json'], cwd)).rejects.toThrow(/colour is not a known field/);
  }, 30_000);
});
