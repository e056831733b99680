import { describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

const UUID = '00000000-0000-4000-8000-000000000000';

/** Every operation of the spec with a well-shaped (but usually unknown) id in its path. */
function everyOperation(t: ReturnType<typeof testMock>): { id: string; method: string; path: string }[] {
  return [...t.mock.ctx.spec.operations.values()].map((op) => ({
    id: op.id,
    method: op.method,
    path: op.path.replace(
      '{id}',
      op.path.startsWith('/keys') || /users|sources|configs|permissions/.test(op.path) ? '1' : UUID,
    ),
  }));
}

describe('request pipeline', () => {
  it('an unknown route is a 404 not-found naming the path', async () => {
    const t = testMock();
    const res = await t.get('/nothing/here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: 'not-found',
      message: expect.any(String),
      params: { path: '/nothing/here' },
    });
  });

  it('an unknown route is a 404 even without a token (routing comes first)', async () => {
    const t = testMock();
    expect((await t.get('/v2/users', { token: null })).status).toBe(404);
  });

  it.each([
    ['DELETE', '/sources'],
    ['DELETE', '/users/1'],
    ['PUT', '/organisation'],
    ['POST', '/tasks'],
    ['PATCH', '/keys/1'],
  ])('%s %s is a 405 with an Allow header', async (method, path) => {
    const t = testMock();
    const res = await t.api(method, path, { body: {} });
    expect(res.status).toBe(405);
    expect(res.body.error).toBe('method-not-allowed');
    expect(res.headers.get('allow')).toBeTruthy();
    expect(res.body.params.allowed).toEqual(res.headers.get('allow')?.split(', '));
  });

  it.each([
    ['no header', {}],
    ['a malformed header', { Authorization: 'Bearer abc' }],
    ['an unknown token', { Authorization: 'Token 0000000000000000000000000000000000000000' }],
  ])('401 unauthorized with %s', async (_label, headers) => {
    const t = testMock();
    const res = await t.get('/users', { token: null, headers });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'unauthorized', message: expect.any(String), params: {} });
  });

  it('a body over 1 MiB is a 413 and creates nothing', async () => {
    const t = testMock();
    const res = await t.post('/users', { identifier: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload-too-large');
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it('the body limit is configurable', async () => {
    const t = testMock({ bodyLimit: 64 });
    expect((await t.post('/users', { identifier: 'short' })).status).toBe(201);
    expect((await t.post('/users', { identifier: 'y'.repeat(80) })).status).toBe(413);
  });

  it('a non-JSON content type is a 415', async () => {
    const t = testMock();
    const res = await t.api('POST', '/users', {
      raw: 'identifier=a',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('unsupported-media-type');
    expect(res.body.message).toMatch(/application\/json/);
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  // The official client posts its JSON with no Content-Type (ricloud-py 3.2.0, ricloud/requests.py `post()`:
  // requests with `data=<str>`). A Uint8Array body: a string body would make Request add text/plain itself.
  it.each([
    ['POST /users', 'POST', '/users', { identifier: 'no-content-type' }, 201],
    ['POST /organisation (update)', 'POST', '/organisation', { name: 'Renamed' }, 200],
    ['POST /configs/webhook', 'POST', '/configs/webhook', { url: 'http://127.0.0.1:9/hooks' }, 201],
  ])('%s with no Content-Type reads the body as JSON', async (_, method, path, body, status) => {
    const t = testMock();
    const res = await t.mock.app.request(path, {
      method,
      headers: { Authorization: `Token ${t.mock.token}` },
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject(body);
  });

  it('with no Content-Type a body that is not JSON is still a 400 and creates nothing', async () => {
    const t = testMock();
    const res = await t.mock.app.request('/users', {
      method: 'POST',
      headers: { Authorization: `Token ${t.mock.token}` },
      body: new TextEncoder().encode('identifier=a'),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('malformed-request');
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it('text/plain with a non-JSON body stays a 415', async () => {
    const t = testMock();
    const res = await t.api('POST', '/users', {
      raw: 'identifier=a',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('unsupported-media-type');
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it('malformed JSON is a 400 whose message says where, and names a trailing comma', async () => {
    const t = testMock();
    const res = await t.api('POST', '/users', { raw: '{\n  "identifier": "a",\n}' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('malformed-request');
    expect(res.body.message).toMatch(/trailing comma/);
    expect(res.body.message).toMatch(/line 3, column 1/);
    expect(res.body.params).toMatchObject({ line: 3, column: 1 });
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it('a missing comma between fields is named too', async () => {
    const t = testMock();
    const res = await t.api('POST', '/users', { raw: '{"identifier": "a"\n "x": 1}' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/missing comma/);
    expect(res.body.params.line).toBe(2);
  });

  it.each([
    ['an array', '[1, 2]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['truncated JSON', '{"identifier": "a"'],
  ])('a body that is %s is a 400 malformed-request', async (_label, raw) => {
    const t = testMock();
    const res = await t.api('POST', '/users', { raw });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('malformed-request');
  });

  it('an empty body where one is required is a 400 malformed-request', async () => {
    const t = testMock();
    const res = await t.api('POST', '/users', { headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('malformed-request');
  });

  it('an unknown body field is a 400 naming it', async () => {
    const t = testMock();
    const res = await t.post('/users', { identifier: 'a', colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid-parameters',
      message: expect.stringContaining('colour'),
      params: { colour: 'is not a known field' },
    });
  });

  it('every bad field is named at once', async () => {
    const t = testMock();
    const res = await t.post('/keys', { storage_config: 'x', webhook_config: true, colour: 1 });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.params).sort()).toEqual(['colour', 'storage_config', 'webhook_config']);
  });

  it.each([
    ['/users?colour=red', 'colour'],
    ['/users?limit=abc', 'limit'],
    ['/users?limit=2.5', 'limit'],
    ['/users?state=asleep', 'state'],
    ['/tasks?poll=not-a-uuid', 'poll'],
    ['/sources?user=abc', 'user'],
  ])('GET %s is a 400 naming %s', async (path, field) => {
    const t = testMock();
    const res = await t.get(path);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(res.body.params[field]).toEqual(expect.any(String));
  });

  it('a trailing slash is tolerated', async () => {
    const t = testMock();
    const u = (await t.post('/users/', { identifier: 'a' })).body;
    expect((await t.get('/users/')).body.total_count).toBe(1);
    expect((await t.get(`/users/${u.id}/`)).body).toEqual(u);
    expect((await t.get('/organisation/')).status).toBe(200);
    expect((await t.get('/key/')).status).toBe(200);
  });

  it('Ricloud-Await: 0 (as ricloud-py sends it) is accepted on every operation', async () => {
    const t = testMock();
    for (const op of everyOperation(t)) {
      const res = await t.api(op.method, op.path, {
        headers: { 'Ricloud-Await': '0' },
        body: op.method === 'POST' ? {} : undefined,
      });
      expect(res.status, `${op.id} ${op.method} ${op.path}`).toBeLessThan(500);
      expect(res.body?.params?.['Ricloud-Await'], op.id).toBeUndefined();
    }
  });

  it('a non-numeric Ricloud-Await is a 400 on every operation', async () => {
    const t = testMock();
    for (const op of everyOperation(t)) {
      const res = await t.api(op.method, op.path, {
        headers: { 'Ricloud-Await': 'soon' },
        body: op.method === 'POST' ? {} : undefined,
      });
      expect(res.status, `${op.id} ${op.method} ${op.path}`).toBe(400);
      expect(res.body.params['Ricloud-Await'], op.id).toEqual(expect.any(String));
    }
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it('a large Ricloud-Await is clamped, not rejected', async () => {
    const t = testMock();
    expect((await t.get('/users', { headers: { 'Ricloud-Await': '3600' } })).status).toBe(200);
    expect((await t.get('/users', { headers: { 'Ricloud-Await': '2.5' } })).status).toBe(200);
  });
});
