import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

const BUCKET = 'ricloud-results';
// s3rver's built-in account: signatures are checked against it.
const CREDENTIALS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };

let server: { close(): Promise<void> };
let endpoint: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-s3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: [{ name: BUCKET }],
  });
  const info = (await (server as unknown as { run(): Promise<AddressInfo> }).run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${info.port}`;
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

async function configured(t: TestMock, url: string, credentials: Record<string, string>) {
  const cfg = await t.post('/configs/storage', { url, credentials, signed_urls_enabled: true });
  expect(cfg.status).toBe(201);
  await t.advance(5);
  return (await t.get(`/configs/storage/${cfg.body.id}`)).body;
}

describe('s3:// with a real endpoint (s3rver)', () => {
  it('tests the bucket: one that answers is valid, a missing bucket or bad keys are invalid', async () => {
    const t = testMock({ preset: 'getting-started', s3Endpoint: endpoint });
    expect((await configured(t, `s3://${BUCKET}/results`, CREDENTIALS)).state).toBe('valid');
    expect((await t.get('/organisation')).body.state).toBe('active');
    expect((await configured(t, 's3://no-such-bucket/results', CREDENTIALS)).state).toBe('invalid');
    const bad = await configured(t, `s3://${BUCKET}/results`, {
      access_key_id: 'WRONG',
      secret_access_key: 'WRONG',
    });
    expect(bad.state).toBe('invalid');
  });

  it('uploads each result; the task succeeds once the object is there, with a matching checksum', async () => {
    const t = testMock({ s3Endpoint: endpoint });
    const cfg = await configured(t, `s3://${BUCKET}/mock/results`, CREDENTIALS);
    expect(cfg.state).toBe('valid');
    // The key's override wins over the organisation default (the preset's blob store).
    expect((await t.post('/keys/1', { storage_config: cfg.id })).status).toBe(200);
    const user = await t.post('/users', { identifier: 'end-user' });
    const s = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(10);
    const p = await t.post('/polls', {
      session: s.body.id,
      payload: { info_types: ['account.info', 'account.devices'] },
    });
    expect(p.status).toBe(201);
    await t.advance(30);
    const poll = (await t.get(`/polls/${p.body.id}`)).body;
    expect(poll.state).toBe('completed');
    expect(poll.errors.data).toEqual([]);
    expect(poll.tasks_succeeded).toHaveLength(2);
    expect(t.mock.ctx.world.orgs.get(1)?.blobs.size).toBe(0);

    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      for (const r of poll.results.data) {
        expect(r.url).toBe(`s3://${BUCKET}/mock/results/${poll.id}/${r.id}.json`);
        const out = await client.send(
          new GetObjectCommand({ Bucket: BUCKET, Key: `mock/results/${poll.id}/${r.id}.json` }),
        );
        const bytes = (await out.Body?.transformToByteArray()) as Uint8Array;
        expect(md5(bytes)).toBe(r.checksum);
        expect(bytes.byteLength).toBe(r.size);
        // The signed url reads the object back from the endpoint.
        const signed = await t.mock.app.request(new URL(r.signed_url.url).pathname);
        expect(signed.status).toBe(200);
        expect(md5(new Uint8Array(await signed.arrayBuffer()))).toBe(r.checksum);
      }
    } finally {
      client.destroy();
    }
  });

  it('fails the task with publish-failed when the bucket has gone, and the poll still completes', async () => {
    const t = testMock({ preset: 'getting-started', s3Endpoint: endpoint });
    await configured(t, `s3://${BUCKET}/r`, CREDENTIALS);
    // The bucket is renamed under the mock's feet: the config stays valid until retested.
    const org = t.mock.ctx.world.orgs.get(1);
    const config = org?.storageConfigs.values()[0];
    if (config) config.url = 's3://vanished-bucket/r';
    const user = await t.post('/users', { identifier: 'end-user' });
    const s = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(10);
    const p = await t.post('/polls', { session: s.body.id, payload: { info_types: ['account.info'] } });
    await t.advance(30);
    const poll = (await t.get(`/polls/${p.body.id}`)).body;
    expect(poll.state).toBe('completed');
    expect(poll.errors.data.map((e: { error: string }) => e.error)).toEqual(['publish-failed']);
  });
});
