// What the official client (ricloud-py 3.2.0) reads from every response: it turns each nested object with a
// `resource` field into the class registered for that name (ricloud/resources/abase.py `parse_value` →
// `get_resource(...)`, None for an unknown name: "'NoneType' object is not callable"), and its cascade reads
// `result_json["data"]` of every JSON result (ricloud/samples/helpers.py `parse_file_ids_from_result_data`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

/** Every `RESOURCE = "..."` of ricloud/resources/*.py in ricloud-py 3.2.0 (plus `List`'s "list"). */
const CLIENT_RESOURCES = new Set([
  'list',
  'organisation',
  'key',
  'user',
  'source',
  'session',
  'poll',
  'subscription',
  'task',
  'result',
  'event',
  'storage_config',
  'webhook_config',
  'permissions',
]);

function resourcesIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const v of value) resourcesIn(v, found);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.resource === 'string') found.add(o.resource);
    for (const v of Object.values(o)) resourcesIn(v, found);
  }
  return found;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A mock publishing to a local folder, with a user, an active 2FA session and a completed info + data poll. */
async function worldWithPoll() {
  const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-shapes-'));
  dirs.push(dir);
  const t = testMock({ storageUrl: `local://${dir}` });
  const user = await t.post('/users', { identifier: 'shapes' });
  const session = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'shapes@example.com' },
    payload: { password: 'x', code: '123456' },
  });
  await t.advance(10);
  const created = await t.post('/polls', {
    session: session.body.id,
    payload: {
      info_types: ['account.info', 'account.devices', 'account.backups'],
      data_types: ['ios_messages.messages'],
    },
  });
  expect(created.status).toBe(201);
  await t.advance(60);
  const poll = (await t.get(`/polls/${created.body.id}`)).body;
  expect(poll.state).toBe('completed');
  return { t, poll };
}

describe('what the official client parses', () => {
  it('every nested resource name in every response is a class the client knows', async () => {
    const { t, poll } = await worldWithPoll();
    await t.post('/configs/webhook', { url: 'http://127.0.0.1:9/hooks' });
    await t.post('/permissions', { identifier: 'p', scopes: { 'source_type:*': [] } });
    await t.post('/subscriptions', {
      session: poll.session,
      poll_payload: { info_types: ['account.info'] },
    });
    const user = await t.post('/users', { identifier: 'relay' });
    await t.post('/sessions', {
      source: { user: user.body.id, type: 'rirelay.instance' },
      payload: { code: '4242' },
    });
    await t.advance(5);
    const instance = (await t.get('/sources?type=rirelay.instance')).body.data[0];
    expect(instance.children.total_count).toBeGreaterThan(0);
    const paths = [
      `/sources/${instance.id}`,
      `/sources/${instance.id}/children`,
      '/organisation',
      '/key',
      '/keys',
      '/users',
      '/sources',
      '/sessions',
      '/polls',
      `/polls/${poll.id}`,
      '/subscriptions',
      '/tasks',
      '/results',
      '/events',
      '/configs/storage',
      '/configs/webhook',
      '/permissions',
    ];
    const found = new Set<string>();
    for (const path of paths) {
      const res = await t.get(path);
      expect(res.status, path).toBe(200);
      resourcesIn(res.body, found);
    }
    expect(found).toContain('permissions'); // the organisation's nested set (was organisation_permissions)
    expect([...found].filter((r) => !CLIENT_RESOURCES.has(r))).toEqual([]);
  });

  it('GET /organisation nests its permissions as resource permissions', async () => {
    const t = testMock();
    const org = await t.get('/organisation');
    expect(org.body.permissions).toMatchObject({ resource: 'permissions', identifier: 'default' });
  });

  it('every JSON result, info results included, is {data: [...], metadata: {count}}', async () => {
    const { poll } = await worldWithPoll();
    const json = (poll.results.data as { type: string; identifier: string; url: string }[]).filter(
      (r) => r.type === 'json',
    );
    expect(json.map((r) => r.identifier).sort()).toEqual([
      'data:ios_messages.messages',
      'info:account.backups',
      'info:account.devices',
      'info:account.info',
    ]);
    for (const r of json) {
      const content = JSON.parse(readFileSync(r.url.slice('local://'.length), 'utf8'));
      expect(Array.isArray(content.data), r.identifier).toBe(true);
      expect(content.metadata).toEqual({ count: content.data.length });
    }
  });
});
