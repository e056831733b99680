import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { containedPath, parseStorageUrl } from '../server/domain/publish.ts';
import { type TestMock, testMock } from './helpers/api.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ricloud-mock-publish-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

async function pollToCompletion(t: TestMock, payload: Record<string, string[]>) {
  const user = await t.post('/users', { identifier: 'end-user' });
  const s = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
    payload: { password: 'pw' },
  });
  await t.advance(10);
  const p = await t.post('/polls', { session: s.body.id, payload });
  expect(p.status).toBe(201);
  await t.advance(60);
  const poll = (await t.get(`/polls/${p.body.id}`)).body;
  expect(poll.state).toBe('completed');
  return poll;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}

describe('local:// publication', () => {
  it('writes each result under <folder>/<poll id>/<result id>.<ext> with matching checksum and size', async () => {
    const dir = tempDir();
    const t = testMock({ storageUrl: `local://${dir}` });
    const poll = await pollToCompletion(t, {
      info_types: ['account.info'],
      data_types: ['ios_photos.photos'],
    });
    expect(poll.results.total_count).toBe(2);
    for (const r of poll.results.data) {
      expect(r.url).toBe(`local://${dir}/${poll.id}/${r.id}.json`);
      expect(r.type).toBe('json');
      const bytes = readFileSync(r.url.slice('local://'.length));
      expect(md5(bytes)).toBe(r.checksum);
      expect(bytes.byteLength).toBe(r.size);
      expect(JSON.parse(bytes.toString('utf8'))).toBeTypeOf('object');
    }

    // The photos' files, polled as files, land beside them as real images with their extension as type.
    const data = poll.results.data.find(
      (r: { identifier: string }) => r.identifier === 'data:ios_photos.photos',
    );
    const photos = JSON.parse(readFileSync(data.url.slice('local://'.length), 'utf8'));
    const refs = JSON.stringify(photos).match(/"file_id":"([0-9a-f]+)"/g) ?? [];
    const fileId = refs[0]?.split('"')[3] as string;
    expect(fileId).toBeTruthy();
    const t2 = await t.post('/polls', { session: poll.session, payload: { files: [fileId] } });
    await t.advance(30);
    const filePoll = (await t.get(`/polls/${t2.body.id}`)).body;
    const [fileResult] = filePoll.results.data;
    expect(fileResult).toMatchObject({ identifier: `file:${fileId}`, type: 'jpg' });
    const bytes = readFileSync(fileResult.url.slice('local://'.length));
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    expect(md5(bytes)).toBe(fileResult.checksum);
    expect(bytes.byteLength).toBe(fileResult.size);
  });

  it('never writes outside the folder: object paths are ids only', () => {
    expect(containedPath('/tmp/root', '../etc/passwd')).toBeUndefined();
    expect(containedPath('/tmp/root', 'poll/../../x.json')).toBeUndefined();
    expect(containedPath('/tmp/root', '/abs/x.json')).toBeUndefined();
    expect(containedPath('/tmp/root', 'poll-id/result-id.json')).toBe('/tmp/root/poll-id/result-id.json');
    expect(parseStorageUrl('local:///tmp/root/../etc')).toHaveProperty('error');
    expect(parseStorageUrl('local:///tmp/root')).toEqual({ scheme: 'local', folder: '/tmp/root' });
    expect(parseStorageUrl('s3://bucket/a/b')).toEqual({ scheme: 's3', bucket: 'bucket', prefix: 'a/b' });
  });
});

describe('blob store publication', () => {
  it('keeps s3:// results without an endpoint in the organisation blob store', async () => {
    const t = testMock();
    const poll = await pollToCompletion(t, { data_types: ['callkit.calls'] });
    const [r] = poll.results.data;
    expect(r.url).toBe(`s3://ricloud-mock/results/${poll.id}/${r.id}.json`);
    const blob = t.mock.ctx.world.orgs.get(1)?.blobs.get(r.url);
    expect(blob?.contentType).toBe('application/json');
    const bytes = Buffer.from(blob?.base64 ?? '', 'base64');
    expect(md5(bytes)).toBe(r.checksum);
    expect(bytes.byteLength).toBe(r.size);
  });
});

describe('determinism', () => {
  it('two mocks with the same seed publish byte-identical files', async () => {
    const [a, b] = [tempDir(), tempDir()];
    const payload = { info_types: ['*'], data_types: ['ios_messages.messages', 'ios_contacts.contacts'] };
    const pa = await pollToCompletion(testMock({ seed: 'same', storageUrl: `local://${a}` }), payload);
    const pb = await pollToCompletion(testMock({ seed: 'same', storageUrl: `local://${b}` }), payload);
    expect(pa.id).toBe(pb.id);
    const files = listFiles(a);
    expect(files).toHaveLength(5);
    expect(listFiles(b)).toEqual(files);
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f)))).toBe(true);
    const strip = (p: typeof pa) => JSON.stringify(p).replaceAll(a, '<dir>').replaceAll(b, '<dir>');
    expect(strip(pb)).toBe(strip(pa));
  });

  it('a result is the same whenever its task runs (reference date = the poll creation time)', async () => {
    const fast = testMock({ seed: 's' });
    const slow = testMock({ seed: 's', timings: { taskStartMs: 3_600_000, sessionIdleMs: null } });
    const a = await pollToCompletion(fast, { data_types: ['callkit.calls'] });
    const user = await slow.post('/users', { identifier: 'end-user' });
    const s = await slow.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await slow.advance(10);
    const p = await slow.post('/polls', { session: s.body.id, payload: { data_types: ['callkit.calls'] } });
    await slow.advance(3700);
    const b = (await slow.get(`/polls/${p.body.id}`)).body;
    expect(b.state).toBe('completed');
    expect(b.results.data[0].checksum).toBe(a.results.data[0].checksum);
  });
});

describe('signed urls', () => {
  it('serve the bytes without an API token until they expire, then 403 and signed_url null', async () => {
    const t = testMock({ publicUrl: 'http://mock.test:9999/' });
    const poll = await pollToCompletion(t, { data_types: ['callkit.calls'] });
    const [r] = poll.results.data;
    expect(r.signed_url.url).toMatch(/^http:\/\/mock\.test:9999\/_signed\/[0-9a-f]{40}$/);
    expect(Date.parse(r.signed_url.date_expires) - Date.parse(r.date_created)).toBe(3600 * 1000);
    const path = new URL(r.signed_url.url).pathname;

    const ok = await t.mock.app.request(path);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    const bytes = new Uint8Array(await ok.arrayBuffer());
    expect(md5(bytes)).toBe(r.checksum);
    expect(bytes.byteLength).toBe(r.size);

    await t.advance(3600);
    const gone = await t.mock.app.request(path);
    expect(gone.status).toBe(403);
    expect(await gone.json()).toMatchObject({
      error: 'permission-denied',
      params: { date_expires: r.signed_url.date_expires },
    });
    expect((await t.get(`/results/${r.id}`)).body.signed_url).toBeNull();
    expect((await t.get(`/polls/${poll.id}`)).body.results.data[0].signed_url).toBeNull();

    const unknown = await t.mock.app.request(`/_signed/${'0'.repeat(40)}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe('not-found');
  });

  it('serve a local file result with its content type; no signed_url when disabled', async () => {
    const dir = tempDir();
    const t = testMock({ preset: 'getting-started' });
    const cfg = await t.post('/configs/storage', {
      url: `local://${dir}`,
      signed_urls_enabled: true,
      signed_urls_expiry: 60,
    });
    await t.advance(5);
    expect((await t.get(`/configs/storage/${cfg.body.id}`)).body.state).toBe('valid');
    const poll = await pollToCompletion(t, { info_types: ['account.info'] });
    const [r] = poll.results.data;
    const res = await t.mock.app.request(new URL(r.signed_url.url).pathname);
    expect(res.status).toBe(200);
    expect(md5(new Uint8Array(await res.arrayBuffer()))).toBe(r.checksum);

    await t.post(`/configs/storage/${cfg.body.id}`, { signed_urls_enabled: false });
    await t.advance(5);
    const again = await pollToCompletion(t, { info_types: ['account.info'] });
    expect(again.results.data[0].signed_url).toBeNull();
  });
});
