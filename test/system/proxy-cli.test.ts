// The proxy's command line as a user runs it (the system tier: real processes): `serve --replay` answers a recorded
// cassette with its bytes, and `drift` replays it against the mock and writes its report files. The proxy itself,
// recording, replay and drift are tested in process in test/proxy.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProxy } from '../../cli/proxy/proxy.ts';
import { call, type Rewrite, startUpstream } from '../helpers/proxy-upstream.ts';
import { BIN, cleanEnv, exitOf, runCli } from '../helpers/spawn-mock.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ricloud-proxy-cli-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function upstreamAndProxy(rewrite: Rewrite, record: string) {
  const up = await startUpstream({ seed: 'upstream' }, rewrite);
  cleanup.push(() => up.close());
  const proxy = await startProxy({ upstream: up.url, record });
  cleanup.push(() => proxy.close());
  return { proxy, token: up.mock.token };
}

describe('the command line', () => {
  it('serve --replay answers a cassette, and drift exits 1 with its report files when the mock differs', async () => {
    const dir = tempDir();
    const record = join(dir, 'cassette');
    const rewrite: Rewrite = (method, path) =>
      method === 'GET' && path === '/organisation'
        ? { status: 503, body: { error: 'service-unavailable', message: 'Down.', params: {} } }
        : undefined;
    const { proxy, token } = await upstreamAndProxy(rewrite, record);
    const recorded = await call(proxy.url, 'GET', '/organisation', token);
    await call(proxy.url, 'GET', '/users', token);
    await proxy.idle();

    const server = spawn(process.execPath, [BIN, 'serve', '--replay', record, '--port', '0'], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(async () => {
      if (server.exitCode === null) server.kill('SIGTERM');
      await exitOf(server);
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      server.once('exit', (code) => reject(new Error(`serve --replay exited ${code}: ${out}`)));
    });
    const replayed = await call(url, 'GET', '/organisation', 'another-token');
    expect(replayed.status).toBe(503);
    expect(Buffer.from(replayed.bytes).equals(Buffer.from(recorded.bytes))).toBe(true);

    const report = join(dir, 'drift.json');
    const run = await runCli(['drift', record, '--report', report]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '| retrieveOrganisation | `GET /organisation` | 503 service-unavailable | 200 | 1 |',
    );
    expect(readdirSync(dir).sort()).toEqual(['cassette', 'drift.json', 'drift.md']);
    expect(readFileSync(join(dir, 'drift.md'), 'utf8')).toBe(run.stdout);
  });
});
