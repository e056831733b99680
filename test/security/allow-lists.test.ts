// What a key holder can make the mock touch: by default any absolute folder (local:// storage configs) and any http
// or https url (webhook configs), as docs/security.md says; with the allow-lists (--storage-root,
// --webhook-target) only what they name, and a refusal is a 400 that creates nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testMock } from '../helpers/api.ts';

const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-allow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storage roots', () => {
  it('refuses a local:// storage config outside the roots, and accepts one inside', async () => {
    const root = join(dir, 'root');
    const t = testMock({ storageRoots: [root] });
    const before = (await t.get('/configs/storage')).body.total_count;
    const outside = await t.post('/configs/storage', { url: 'local:///etc' });
    expect(outside.status).toBe(400);
    expect(outside.body).toMatchObject({
      error: 'invalid-parameters',
      params: { url: `must be inside a storage root of the mock (${root})` },
    });
    const sibling = await t.post('/configs/storage', { url: `local://${root}-evil/x` });
    expect(sibling.status).toBe(400);
    expect((await t.get('/configs/storage')).body.total_count).toBe(before);
    const inside = await t.post('/configs/storage', { url: `local://${root}/results` });
    expect(inside.status).toBe(201);
  });

  it('accepts any absolute folder without roots (the documented default)', async () => {
    const t = testMock();
    expect((await t.post('/configs/storage', { url: `local://${join(dir, 'anywhere')}` })).status).toBe(201);
  });
});

describe('webhook targets', () => {
  it('refuses a webhook url outside the allowed prefixes, on create and update', async () => {
    const t = testMock({ webhookTargets: ['http://127.0.0.1:9/hooks/'] });
    const refused = await t.post('/configs/webhook', { url: 'http://169.254.169.254/latest/meta-data' });
    expect(refused.status).toBe(400);
    expect(refused.body.params).toEqual({
      url: 'must start with an allowed webhook target (http://127.0.0.1:9/hooks/)',
    });
    const ok = await t.post('/configs/webhook', { url: 'http://127.0.0.1:9/hooks/ricloud' });
    expect(ok.status).toBe(201);
    const moved = await t.post(`/configs/webhook/${ok.body.id}`, { url: 'http://attacker.example/' });
    expect(moved.status).toBe(400);
    expect((await t.get(`/configs/webhook/${ok.body.id}`)).body.url).toBe('http://127.0.0.1:9/hooks/ricloud');
  });
});
