// Two mocks started in the same folder with default options never share published files: the first takes the data
// dir (its instance.lock), a later one takes <data dir>/instances/<n> (cli/data-dir.ts).
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { claimDataDir, LOCK_FILE } from '../../cli/data-dir.ts';
import { exitOf, killAll, type RunningMock, spawnMock } from '../helpers/spawn-mock.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => killAll(children));
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'ricloud-mock-instances-'));
  dirs.push(d);
  return d;
}

interface Published {
  poll: string;
  results: { id: string; url: string; checksum: string }[];
}

/** A user, a session, a poll with data and info types, published: the same requests on every mock but the source. */
async function publish(m: RunningMock, identifier: string): Promise<Published> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${m.url}${path}`, {
      method,
      headers: { Authorization: `Token ${m.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json();
  };
  const user = await call('POST', '/users', { identifier: 'instances' });
  const session = await call('POST', '/sessions', {
    source: { user: user.id, type: 'icloud.account', identifier },
    payload: { password: 'x' },
  });
  await call('POST', '/_mock/clock/advance', { seconds: 5 }); // the default real clock moves on request too
  const poll = await call('POST', '/polls', {
    session: session.id,
    payload: { info_types: ['account.info'], data_types: ['callkit.calls'] },
  });
  await call('POST', '/_mock/clock/advance', { seconds: 30 });
  expect((await call('GET', `/polls/${poll.id}`)).state).toBe('completed');
  const results = await call('GET', `/results?poll=${poll.id}&limit=100`);
  return { poll: poll.id, results: results.data };
}

const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

describe('instances in the same folder', () => {
  it('two mocks with default options publish the same poll to their own folders; each checksum matches its file', async () => {
    const cwd = folder();
    const a = await spawnMock([], { cwd, track: children });
    const b = await spawnMock([], { cwd, track: children });
    expect(a.output()).not.toContain('data:');
    expect(b.output()).toContain(`data:    ${join(cwd, '.ricloud-mock', 'instances', '2')}`);
    // Other sources, so other bytes under the same names: a shared folder would break one of the two.
    const pa = await publish(a, 'a+no2fa@example.com');
    const pb = await publish(b, 'b+no2fa@example.com');
    expect(pb.poll).toBe(pa.poll);
    expect(pb.results.map((r) => r.id)).toEqual(pa.results.map((r) => r.id));
    expect(pa.results).toHaveLength(2);
    expect(pb.results.map((r) => r.checksum)).not.toEqual(pa.results.map((r) => r.checksum));
    for (const [p, root] of [
      [pa, join(cwd, '.ricloud-mock', 'storage')],
      [pb, join(cwd, '.ricloud-mock', 'instances', '2', 'storage')],
    ] as const) {
      for (const r of p.results) {
        expect(r.url).toBe(`local://${join(root, p.poll, `${r.id}.json`)}`);
        expect(md5(r.url.slice('local://'.length))).toBe(r.checksum);
      }
    }
  });

  it('a stopped mock frees its folder: the next one takes it; a lock left by a killed process is taken over', async () => {
    const cwd = folder();
    const a = await spawnMock([], { cwd, track: children });
    const lock = join(cwd, '.ricloud-mock', LOCK_FILE);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual({ pid: a.proc.pid });
    a.proc.kill('SIGTERM');
    expect(await exitOf(a.proc)).toMatchObject({ code: 0 });
    expect(existsSync(lock)).toBe(false);

    const b = await spawnMock([], { cwd, track: children });
    expect(b.output()).not.toContain('data:');
    b.proc.kill('SIGKILL'); // no shutdown: its lock stays behind, naming a pid that is gone
    await exitOf(b.proc);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual({ pid: b.proc.pid });
    const c = await spawnMock([], { cwd, track: children });
    expect(c.output()).not.toContain('data:');
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual({ pid: c.proc.pid });
  });

  it('claims in one process: a held dir sends the next claim to instances/2, then 3; release frees it', () => {
    const root = join(folder(), 'data');
    const first = claimDataDir(root);
    const second = claimDataDir(root);
    const third = claimDataDir(root);
    expect([first.dir, second.dir, third.dir]).toEqual([
      root,
      join(root, 'instances', '2'),
      join(root, 'instances', '3'),
    ]);
    expect(second.heldBy).toBe(process.pid);
    second.release();
    expect(claimDataDir(root).dir).toBe(join(root, 'instances', '2'));
    // A lock that names no readable pid (being written, or garbage) counts as held, never as free.
    const other = join(folder(), 'data');
    writeFileSync(join(claimDataDir(other).dir, LOCK_FILE), 'garbage');
    expect(claimDataDir(other).dir).toBe(join(other, 'instances', '2'));
  });
});
