// The getting-started walkthrough (https://reincubate.com/support/ricloud/getting-started and its older Dutch copy), replayed against the preset.
import { describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

/** The walkthrough's organisation, as documented (https://reincubate.com/support/ricloud/getting-started); nested lists as list objects. */
const DOCUMENTED_ORGANISATION = {
  id: 1,
  resource: 'organisation',
  name: 'Getting started',
  slug: 'getting-started',
  permissions: {
    id: 1,
    resource: 'permissions',
    identifier: 'default',
    scopes: { 'source_type:icloud.*': [], 'task_type:*': [], 'data_type:icloud.account.info': [] },
    date_created: '2018-11-22T12:59:57.168354Z',
  },
  storage_configs: { resource: 'list', data: [], has_more: false, total_count: 0, url: '/configs/storage' },
  storage_config_default: null,
  webhook_configs: { resource: 'list', data: [], has_more: false, total_count: 0, url: '/configs/webhook' },
  webhook_config_default: null,
  state: 'unconfigured',
  date_created: '2018-11-22T12:59:57.016467Z',
};

// The request bodies exactly as the walkthrough prints them (placeholders, trailing commas and all).
const CREATE_USER_AS_WRITTEN = `{
 "identifier": "<some identifier for the user your system will recognise>",
}`;
const CREATE_SESSION_AS_WRITTEN = `{
 "source": {
  "user": "1",
  "type": "icloud.account",
  "identifier": "<iCloud account username>"
 },
 "payload": {
  "password": "<iCloud account password>"
 }
}`;
const CREATE_SESSION_WITH_CODE_AS_WRITTEN = `{
 "source": {
  "user": "1",
  "type": "icloud.account",
  "identifier": "<iCloud account username>"
 },
 "payload": {
  "password": "<iCloud account password>"
  "code": "<2FA code>"
 }
}`;
const CREATE_POLL_AS_WRITTEN = `{
 "session": "ed855b07-f72b-4983-ac1d-980fafee8a0b",
 "type": "data",
 "payload": {
  "data_types": ["callkit.calls"],
 }
}`;

/** The fix a user makes after reading the error: drop commas before a closing bracket, add the missing one. */
function corrected(body: string): string {
  return body.replace(/,(\s*[}\]])/g, '$1').replace(/"\n(\s*)"code"/, '",\n$1"code"');
}

describe('getting started (the walkthrough against the getting-started preset)', () => {
  it('GET /organisation equals the documented example field by field, dates included', async () => {
    const t = testMock({ preset: 'getting-started' });
    const res = await t.get('/organisation');
    expect(res.status).toBe(200);
    for (const [field, value] of Object.entries(DOCUMENTED_ORGANISATION)) {
      expect(res.body[field], field).toEqual(value);
    }
    // Beyond the example, only the documented attributes the example leaves out.
    expect(
      Object.keys(res.body)
        .filter((k) => !(k in DOCUMENTED_ORGANISATION))
        .sort(),
    ).toEqual(['api_version', 'config', 'type']);
  });

  it('the create-user call as written is a clear 400 naming the trailing comma and its line; corrected, it works', async () => {
    const t = testMock({ preset: 'getting-started' });
    const res = await t.api('POST', '/users', { raw: CREATE_USER_AS_WRITTEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('malformed-request');
    expect(res.body.message).toMatch(/trailing comma/);
    expect(res.body.message).toMatch(/line 3\b/);
    expect(res.body.params.line).toBe(3);
    expect((await t.get('/users')).body.total_count).toBe(0);

    const ok = await t.api('POST', '/users', { raw: corrected(CREATE_USER_AS_WRITTEN) });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      id: '1',
      resource: 'user',
      organisation: '1',
      key: '1',
      identifier: '<some identifier for the user your system will recognise>',
      state: 'active',
    });
  });

  it('the session calls: pending, then code-required (2FA); the code call as written names the missing comma; corrected, active', async () => {
    const t = testMock({ preset: 'getting-started' });
    await t.api('POST', '/users', { raw: corrected(CREATE_USER_AS_WRITTEN) });

    const first = await t.api('POST', '/sessions', { raw: CREATE_SESSION_AS_WRITTEN });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      resource: 'session',
      organisation: '1',
      user: '1',
      state: 'pending',
      error: null,
    });
    await t.advance(10);
    const checked = await t.get(`/sessions/${first.body.id}`);
    expect(checked.body).toMatchObject({ state: 'failed', error: 'code-required' });

    const asWritten = await t.api('POST', '/sessions', { raw: CREATE_SESSION_WITH_CODE_AS_WRITTEN });
    expect(asWritten.status).toBe(400);
    expect(asWritten.body.error).toBe('malformed-request');
    expect(asWritten.body.message).toMatch(/missing comma/);
    expect(asWritten.body.params.line).toBe(9);
    expect((await t.get('/sessions')).body.total_count).toBe(1);

    const withCode = corrected(CREATE_SESSION_WITH_CODE_AS_WRITTEN).replace('<2FA code>', '123456');
    const second = await t.api('POST', '/sessions', { raw: withCode });
    expect(second.status).toBe(201);
    await t.advance(10);
    const active = await t.get(`/sessions/${second.body.id}`);
    expect(active.body.state).toBe('active');
    expect(active.body.source).toMatchObject({
      type: 'icloud.account',
      identifier: '<iCloud account username>',
    });
  });

  it('the poll call as written names the trailing comma; corrected, the unconfigured organisation answers 409', async () => {
    const t = testMock({ preset: 'getting-started' });
    await t.api('POST', '/users', { raw: corrected(CREATE_USER_AS_WRITTEN) });
    const s = await t.post('/sessions', {
      source: { user: '1', type: 'icloud.account', identifier: 'walkthrough+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(10);

    const asWritten = await t.api('POST', '/polls', { raw: CREATE_POLL_AS_WRITTEN });
    expect(asWritten.status).toBe(400);
    expect(asWritten.body.error).toBe('malformed-request');
    expect(asWritten.body.message).toMatch(/trailing comma/);
    expect(asWritten.body.params).toMatchObject({ line: 6, column: 2 });

    // The docs' session id does not exist here; with ours, the walkthrough's point: configure storage first.
    const docsSession = await t.api('POST', '/polls', { raw: corrected(CREATE_POLL_AS_WRITTEN) });
    expect(docsSession.status).toBe(404);
    expect(docsSession.body.params).toMatchObject({ resource: 'session' });
    const ours = corrected(CREATE_POLL_AS_WRITTEN).replace('ed855b07-f72b-4983-ac1d-980fafee8a0b', s.body.id);
    const poll = await t.api('POST', '/polls', { raw: ours });
    expect(poll.status).toBe(409);
    expect(poll.body.error).toBe('organisation-unconfigured');
    expect((await t.get('/organisation')).body.state).toBe('unconfigured');
  });
});
