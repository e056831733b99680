// The cascade a client runs: poll messages, read the data result, collect attachments[].file_id, poll those files,
// download each one and check its md5 against the result's checksum (and the file reference's).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

interface Attachment {
  file_id: string;
  id: string;
  extension: string;
  size: number;
  checksum: string;
}

async function activeSession(t: TestMock): Promise<string> {
  const user = await t.post('/users', { identifier: 'end-user' });
  const s = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'cascade+no2fa@example.com' },
    payload: { password: 'pw' },
  });
  await t.advance(10);
  return s.body.id;
}

async function completed(t: TestMock, session: string, payload: Record<string, string[]>) {
  const p = await t.post('/polls', { session, payload });
  expect(p.status).toBe(201);
  await t.advance(60 + (payload.files?.length ?? 0) * 2);
  const poll = (await t.get(`/polls/${p.body.id}`)).body;
  expect(poll.state).toBe('completed');
  return poll;
}

function attachmentsOf(dataResult: { data: { attachments?: Attachment[] }[] }): Attachment[] {
  return dataResult.data.flatMap((m) => m.attachments ?? []);
}

describe('cascade', () => {
  it('polls the attachments of a messages result and downloads them from the local folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-cascade-'));
    dirs.push(dir);
    const t = testMock({ storageUrl: `local://${dir}` });
    const session = await activeSession(t);
    const messages = await completed(t, session, { data_types: ['ios_messages.messages'] });
    const data = JSON.parse(readFileSync(messages.results.data[0].url.slice('local://'.length), 'utf8'));
    const attachments = attachmentsOf(data);
    expect(attachments.length).toBeGreaterThan(0);
    for (const a of attachments) expect(a.id).toBe(a.file_id);

    const files = await completed(t, session, { files: attachments.map((a) => a.file_id) });
    expect(files.errors.total_count).toBe(0);
    expect(files.results.total_count).toBe(new Set(attachments.map((a) => a.file_id)).size);
    for (const r of files.results.data) {
      const fileId = r.identifier.slice('file:'.length);
      const ref = attachments.find((a) => a.file_id === fileId) as Attachment;
      expect(r.type).toBe(ref.extension);
      expect(r.url).toBe(`local://${dir}/${files.id}/${r.id}.${ref.extension}`);
      const bytes = readFileSync(r.url.slice('local://'.length));
      expect(md5(bytes)).toBe(r.checksum);
      expect(r.checksum).toBe(ref.checksum);
      expect(bytes.byteLength).toBe(r.size);
      expect(r.size).toBe(ref.size);
    }
  });

  it('works the same from the blob store through signed urls (WhatsApp attachments)', async () => {
    const t = testMock();
    const session = await activeSession(t);
    const chats = await completed(t, session, { data_types: ['whatsapp.messages'] });
    const blob = t.mock.ctx.world.orgs.get(1)?.blobs.get(chats.results.data[0].url);
    const data = JSON.parse(Buffer.from(blob?.base64 ?? '', 'base64').toString('utf8'));
    const attachments = attachmentsOf(data);
    expect(attachments.length).toBeGreaterThan(0);
    const files = await completed(t, session, { files: attachments.slice(0, 3).map((a) => a.file_id) });
    expect(files.results.total_count).toBeGreaterThan(0);
    for (const r of files.results.data) {
      const res = await t.mock.app.request(new URL(r.signed_url.url).pathname);
      expect(res.status).toBe(200);
      expect(md5(new Uint8Array(await res.arrayBuffer()))).toBe(r.checksum);
    }
  });

  it('a file id from another source is file-not-found', async () => {
    const t = testMock();
    const session = await activeSession(t);
    const messages = await completed(t, session, { data_types: ['ios_messages.messages'] });
    const blob = t.mock.ctx.world.orgs.get(1)?.blobs.get(messages.results.data[0].url);
    const [first] = attachmentsOf(JSON.parse(Buffer.from(blob?.base64 ?? '', 'base64').toString('utf8')));
    const user = await t.post('/users', { identifier: 'someone-else' });
    const s = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'other+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(10);
    const poll = await completed(t, s.body.id, { files: [first?.file_id as string] });
    expect(poll.errors.data.map((e: { error: string }) => e.error)).toEqual(['file-not-found']);
  });
  it('file references have the documented file attributes; pictures are type image with filename, file_path and size', async () => {
    const t = testMock();
    const session = await activeSession(t);
    const poll = await completed(t, session, { data_types: ['ios_photos.photos', 'ios_messages.messages'] });
    const refs: Record<string, unknown>[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (v && typeof v === 'object') {
        if ('file_id' in v) refs.push(v as Record<string, unknown>);
        else for (const x of Object.values(v)) walk(x);
      }
    };
    for (const r of poll.results.data) {
      const blob = t.mock.ctx.world.orgs.get(1)?.blobs.get(r.url);
      const data = JSON.parse(Buffer.from(blob?.base64 ?? '', 'base64').toString('utf8'));
      expect(data.metadata.count).toBe(data.data.length);
      walk(data.data);
    }
    const images = refs.filter((r) => r.type === 'image');
    expect(images.length).toBeGreaterThan(0);
    expect(refs.length).toBeGreaterThan(images.length);
    for (const ref of refs) {
      expect(ref).toMatchObject({
        file_id: expect.any(String),
        name: expect.any(String),
        extension: expect.any(String),
        mime_type: expect.any(String),
        size: expect.any(Number),
        checksum: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(['file', 'image']).toContain(ref.type);
      if (ref.type === 'image') {
        expect(ref.filename).toBe(`${ref.name}.${ref.extension}`);
        expect(String(ref.file_path).endsWith(`/${ref.filename}`)).toBe(true);
        expect(ref).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
      } else {
        expect(ref.width).toBeUndefined();
      }
    }
  });
});
