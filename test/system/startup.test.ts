import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exitOf, killAll, spawnMock } from '../helpers/spawn-mock.ts';

const BANNER_TIMEOUT_MS = 20_000;
const children: ChildProcess[] = [];

afterEach(() => killAll(children));

/** Starts the real command on an ephemeral port and resolves with the url and token its banner prints. */
function start(args: string[]) {
  return spawnMock(['--log-level', 'silent', ...args], { track: children, timeoutMs: BANNER_TIMEOUT_MS });
}

describe('start-up on a real socket', () => {
  it(
    'prints url and token; GET /organisation works with the token, is a 401 without; SIGTERM exits 0',
    async () => {
      const { url, token, proc } = await start([]);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toMatch(/:0$/);
      expect(token).toMatch(/^[0-9a-f]{40}$/);

      const ok = await fetch(`${url}/organisation`, { headers: { Authorization: `Token ${token}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/application\/json/);
      const org = (await ok.json()) as { resource: string; id: number };
      expect(org).toMatchObject({ resource: 'organisation', id: 1 });

      const denied = await fetch(`${url}/organisation`);
      expect(denied.status).toBe(401);
      const body = (await denied.json()) as Record<string, unknown>;
      expect(body).toEqual({ error: 'unauthorized', message: expect.any(String), params: {} });

      const exited = exitOf(proc);
      proc.kill('SIGTERM');
      expect(await exited).toEqual({ code: 0, signal: null });
    },
    BANNER_TIMEOUT_MS + 10_000,
  );

  it(
    '--token and --seed are honoured; the same seed prints the same token',
    async () => {
      const fixed = await start(['--token', 'my-fixed-token']);
      expect(fixed.token).toBe('my-fixed-token');
      const res = await fetch(`${fixed.url}/key`, { headers: { Authorization: 'Token my-fixed-token' } });
      expect(res.status).toBe(200);
      fixed.proc.kill('SIGTERM');
      expect((await exitOf(fixed.proc)).code).toBe(0);

      const a = await start(['--seed', 'same']);
      a.proc.kill('SIGTERM');
      await exitOf(a.proc);
      const b = await start(['--seed', 'same']);
      expect(b.token).toBe(a.token);
      b.proc.kill('SIGTERM');
      expect((await exitOf(b.proc)).code).toBe(0);
    },
    3 * BANNER_TIMEOUT_MS + 10_000,
  );

  it(
    "an empty --token means 'not set'; with --port 0 signed urls point at the real port",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ricloud-mock-startup-'));
      try {
        const { url, token, proc } = await start(['--token', '', '--clock', 'manual', '--data-dir', dataDir]);
        expect(token).toMatch(/^[0-9a-f]{40}$/);
        const call = async (method: string, path: string, body?: unknown) => {
          const res = await fetch(`${url}${path}`, {
            method,
            headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return (await res.json()) as Record<string, any>;
        };
        const advance = (seconds: number) =>
          fetch(`${url}/_mock/clock/advance`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ seconds }),
          });
        const user = await call('POST', '/users', { identifier: 'startup' });
        const session = await call('POST', '/sessions', {
          source: { user: user.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
          payload: { password: 'x' },
        });
        await advance(10);
        const poll = await call('POST', '/polls', {
          session: session.id,
          payload: { info_types: ['account.info'] },
        });
        await advance(60);
        const done = await call('GET', `/polls/${poll.id}`);
        expect(done.state).toBe('completed');
        const signed = done.results.data[0].signed_url.url as string;
        expect(signed.startsWith(`${url}/_signed/`)).toBe(true);
        const download = await fetch(signed);
        expect(download.status).toBe(200);
        expect((await download.arrayBuffer()).byteLength).toBe(done.results.data[0].size);
        const exited = exitOf(proc);
        proc.kill('SIGTERM');
        expect((await exited).code).toBe(0);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    BANNER_TIMEOUT_MS + 20_000,
  );
});
