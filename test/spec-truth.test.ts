/**
 * "The spec never lies" (issue 10, item 3): each case a spec-driven fuzzer found from outside — a request the spec
 * accepts but the server rejected, or the reverse — checked from both sides: what the spec says (ajv on the spec's
 * own schema) and what the server answers over HTTP. A rejection is a 400 in the error shape and changes nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStorageUrl } from '../server/domain/publish.ts';
import { exportOrg } from '../server/domain/store.ts';
import { validateWebhookUrl } from '../server/domain/webhook-config.ts';
import { type TestMock, testMock } from './helpers/api.ts';
import { spec, validateAtPointer } from './helpers/spec.ts';

type Json = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'ricloud-spec-truth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BODY = (path: string, method: string) =>
  `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/requestBody/content/application~1json/schema`;
const accepts = (pointer: string, value: unknown): boolean => {
  try {
    validateAtPointer(pointer, value);
    return true;
  } catch {
    return false;
  }
};
const schemas = (spec.components as Json).schemas as Record<string, Json>;
const parameters = (spec.components as Json).parameters as Record<string, Json>;
const matches = (pattern: unknown, s: string) => new RegExp(String(pattern), 'u').test(s);

function state(t: TestMock): string {
  return JSON.stringify([...t.mock.ctx.world.orgs.values()].map(exportOrg));
}

/** Sends a request the spec rejects and checks the 400, its error body and that nothing changed. */
async function rejected(
  t: TestMock,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Json> {
  const before = state(t);
  const res = await t.api(method, path, { body, headers });
  expect(res.status, res.text).toBe(400);
  expect(res.body).toMatchObject({ error: 'invalid-parameters', message: expect.any(String) });
  expect(state(t)).toBe(before);
  return (res.body as { params: Json }).params;
}

describe('Ricloud-Await', () => {
  const pattern = ((parameters.RicloudAwait as Json).schema as Json).pattern;

  it('an empty header is one the spec forbids, and the server answers it with a 400', async () => {
    expect(matches(pattern, '')).toBe(false);
    const t = testMock();
    const params = await rejected(t, 'GET', '/users', undefined, { 'Ricloud-Await': '' });
    expect(params).toEqual({ 'Ricloud-Await': 'must be a number of seconds (0 to 10)' });
    await rejected(t, 'POST', '/users', { identifier: 'a@example.com' }, { 'Ricloud-Await': '' });
  });

  it('every value the pattern allows is accepted (clamped to 10)', async () => {
    const t = testMock();
    for (const v of ['0', '10', '11', '0.5', '007']) {
      expect(matches(pattern, v)).toBe(true);
      expect((await t.get('/users', { headers: { 'Ricloud-Await': v } })).status).toBe(200);
    }
  });
});

describe('storage config url', () => {
  const storageUrl = schemas.StorageUrl as Json;

  it('local://relative is rejected by the spec and by the server, with a message that says what is expected', async () => {
    expect(accepts(BODY('/configs/storage', 'post'), { url: 'local://relative' })).toBe(false);
    const t = testMock();
    const params = await rejected(t, 'POST', '/configs/storage', { url: 'local://relative' });
    expect(params.url).toMatch(/local:\/\/\/<absolute path>/);
    const created = await t.post('/configs/storage', { url: `local://${dir}/abs` });
    expect(created.status).toBe(201);
    await rejected(t, 'POST', `/configs/storage/${created.body.id}`, { url: 'local://relative' });
  });

  it('the pattern accepts exactly the urls the server can use', () => {
    const part = fc.constantFrom('a', 'b', '.', '..', '...', '', ' ', '\\', '\u0000', '.x', 'é');
    const url = fc
      .tuple(
        fc.constantFrom('local://', 'local:///', 's3://', 'gs://', 'http://', 'S3://', 'local:'),
        fc.array(part, { maxLength: 4 }),
        fc.constantFrom('/', '\\'),
        fc.boolean(),
      )
      .map(([scheme, parts, sep, trailing]) => `${scheme}${parts.join(sep)}${trailing ? sep : ''}`);
    fc.assert(
      fc.property(url, (u) => {
        expect(matches(storageUrl.pattern, u), u).toBe(!('error' in parseStorageUrl(u)));
      }),
      { numRuns: 3000, seed: 10 },
    );
  });
});

describe('signed_urls_expiry', () => {
  it('has the bounds the server enforces: 1 to 31536000 seconds, fractions allowed', async () => {
    const pointer = BODY('/configs/storage', 'post');
    const t = testMock();
    for (const bad of [31536001, 5e-324, 0, 0.5, -1]) {
      expect(accepts(pointer, { url: 's3://b', signed_urls_expiry: bad }), String(bad)).toBe(false);
      const params = await rejected(t, 'POST', '/configs/storage', {
        url: 's3://b',
        signed_urls_expiry: bad,
      });
      expect(Object.keys(params)).toEqual(['signed_urls_expiry']);
    }
    for (const good of [1, 1.5, 3600, 31536000]) {
      expect(accepts(pointer, { url: 's3://b', signed_urls_expiry: good })).toBe(true);
      const res = await t.post('/configs/storage', { url: 's3://b', signed_urls_expiry: good });
      expect(res.status).toBe(201);
      expect(res.body.signed_urls_expiry).toBe(good);
    }
  });
});

describe('polls and subscriptions ask for something', () => {
  const nothing = [{}, { info_types: [] }, { info_types: [], data_types: [] }];
  const session = '00000000-0000-4000-8000-000000000001';

  it('the schema rejects a payload whose type lists are all empty or absent, and the server says so', async () => {
    const t = testMock();
    for (const payload of nothing) {
      expect(accepts(BODY('/polls', 'post'), { session, payload })).toBe(false);
      expect(await rejected(t, 'POST', '/polls', { session, payload })).toEqual({
        payload: 'must ask for at least one of info_types, data_types or files',
      });
      expect(accepts(BODY('/subscriptions', 'post'), { session, poll_payload: payload })).toBe(false);
      expect(await rejected(t, 'POST', '/subscriptions', { session, poll_payload: payload })).toEqual({
        poll_payload: 'must ask for at least one of info_types, data_types or files',
      });
    }
    // One non-empty list is enough: the request passes the schema and reaches the state rules (no such session).
    // An explicit files list, even empty, is a request too (the official client's cascade sends {"files": []}).
    for (const payload of [
      { info_types: [], files: ['f'] },
      { data_types: ['callkit.calls'] },
      { files: [] },
      { info_types: [], data_types: [], files: [] },
    ]) {
      expect(accepts(BODY('/polls', 'post'), { session, payload })).toBe(true);
      expect((await t.post('/polls', { session, payload })).status).toBe(404);
    }
  });

  it('a poll names its session unless it names a subscription', async () => {
    const t = testMock();
    const payload = { data_types: ['callkit.calls'] };
    expect(accepts(BODY('/polls', 'post'), { payload })).toBe(false);
    expect(await rejected(t, 'POST', '/polls', { payload })).toEqual({
      session: 'is required unless subscription is given',
    });
    expect(accepts(BODY('/polls', 'post'), { subscription: session, payload })).toBe(true);
    expect((await t.post('/polls', { subscription: session, payload })).status).toBe(404);
  });

  it('a subscription interval is at most a year', async () => {
    const t = testMock();
    const body = { session, poll_payload: { data_types: ['callkit.calls'] }, interval: 31536001 };
    expect(accepts(BODY('/subscriptions', 'post'), body)).toBe(false);
    expect(Object.keys(await rejected(t, 'POST', '/subscriptions', body))).toEqual(['interval']);
    expect(accepts(BODY('/subscriptions', 'post'), { ...body, interval: 31536000 })).toBe(true);
  });
});

describe('sessions', () => {
  const pointer = BODY('/sessions', 'post');

  it('the source types, identifier and pairing code the server requires are in the schema', async () => {
    const t = testMock();
    const user = (await t.post('/users', { identifier: 'u@example.com' })).body.id as string;
    const cases: [Json, Json][] = [
      [
        { source: { user, type: 'nope.nothing', identifier: 'x' }, payload: {} },
        { 'source.type': expect.any(String) },
      ],
      [
        { source: { user, type: 'icloud.account' }, payload: { password: 'x' } },
        { 'source.identifier': 'is required' },
      ],
      [{ source: { user, type: 'rirelay.instance' }, payload: {} }, { 'payload.code': 'is required' }],
      [
        { source: { user, type: 'rirelay.instance' }, payload: { code: '' } },
        { 'payload.code': expect.any(String) },
      ],
    ];
    for (const [body, params] of cases) {
      expect(accepts(pointer, body), JSON.stringify(body)).toBe(false);
      expect(await rejected(t, 'POST', '/sessions', body)).toEqual(params);
    }
    expect(accepts(pointer, { source: { user, type: 'rirelay.instance' }, payload: { code: 'PAIR1' } })).toBe(
      true,
    );
    const relay = await t.post('/sessions', {
      source: { user, type: 'rirelay.instance' },
      payload: { code: 'PAIR1' },
    });
    expect(relay.status).toBe(201);
  });
});

describe('webhook config url', () => {
  it('what the server refuses (credentials, whitespace, another scheme) the schema refuses too', async () => {
    const t = testMock();
    for (const url of [
      'http://user:pw@example.com/',
      'http://exa mple.com/',
      'ftp://example.com/',
      'http:///x',
    ]) {
      expect(accepts(BODY('/configs/webhook', 'post'), { url }), url).toBe(false);
      expect(Object.keys(await rejected(t, 'POST', '/configs/webhook', { url }))).toEqual(['url']);
    }
    for (const url of [
      'http://127.0.0.1:9/hooks',
      'https://[::1]:8443/x?y=z#f',
      'http://localhost:3000/webhook',
      'http://my_service:8080/',
      'https://hooks.example.com./ricloud',
    ]) {
      expect(accepts(BODY('/configs/webhook', 'post'), { url })).toBe(true);
      expect((await t.post('/configs/webhook', { url })).status).toBe(201);
    }
  });
});

describe('webhook config url, generated', () => {
  it('every url the schema accepts is one the server accepts (ports, numeric hosts, punycode)', () => {
    const pointer = BODY('/configs/webhook', 'post');
    const host = fc
      .array(
        fc.constantFrom(
          'a',
          '1',
          '9',
          '0',
          '.',
          '-',
          '_',
          '255',
          '256',
          '0x1f',
          '999',
          '[::1]',
          '[::g]',
          'xn--',
          '%41',
          'é',
        ),
        {
          maxLength: 5,
        },
      )
      .map((a) => a.join(''));
    const url = fc
      .tuple(
        fc.constantFrom('http://', 'https://'),
        host,
        fc.constantFrom('', ':80', ':65535', ':65536', ':0', ':99999', ':', ':00080'),
        fc.constantFrom('', '/', '/a?b#c', '?x', '#f', '/é'),
      )
      .map((parts) => parts.join(''));
    let accepted = 0;
    fc.assert(
      fc.property(url, (u) => {
        if (!accepts(pointer, { url: u })) return;
        accepted++;
        expect(() => validateWebhookUrl(u), u).not.toThrow();
      }),
      { numRuns: 10_000, seed: 11 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('DELETE of a storage or webhook config is a soft delete, and the spec says so', () => {
  for (const [kind, body] of [
    ['storage', { url: `local://${dir}/soft` }],
    ['webhook', { url: 'http://127.0.0.1:9/hooks' }],
  ] as const) {
    it(`${kind}: the operation documents deactivation, and the config stays readable`, async () => {
      const op = ((spec.paths as Json)[`/configs/${kind}/{id}`] as Json).delete as Json;
      expect(`${op.summary} ${op.description}`).toMatch(/deactivate/);
      const ok = (op.responses as Json)['200'] as Json;
      expect(String(ok.description)).toMatch(/deactivated/);
      const pointer = `#/paths/~1configs~1${kind}~1{id}/delete/responses/200/content/application~1json/schema`;

      const t = testMock();
      const created = await t.post(`/configs/${kind}`, body);
      expect(accepts(pointer, created.body), 'a live config is not what DELETE returns').toBe(false);
      const deleted = await t.del(`/configs/${kind}/${created.body.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body.state).toBe('deactivated');
      const read = await t.get(`/configs/${kind}/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.state).toBe('deactivated');
    });
  }
});

describe('control spec security', () => {
  const control = JSON.parse(
    readFileSync(new URL('../openapi/control.json', import.meta.url), 'utf8'),
  ) as Json;
  const schemes = (control.components as Json).securitySchemes as Record<string, Json>;

  /** The header a security scheme of the control spec says carries the token. */
  function headerFor(scheme: Json, token: string): Record<string, string> {
    if (scheme.type === 'http' && scheme.scheme === 'bearer') return { Authorization: `Bearer ${token}` };
    if (scheme.type === 'apiKey' && scheme.in === 'header') return { [String(scheme.name)]: token };
    throw new Error(`unexpected scheme ${JSON.stringify(scheme)}`);
  }

  it('declares how the control token is sent, and every operation answers by it', async () => {
    expect(control.security).toEqual([{}, ...Object.keys(schemes).map((name) => ({ [name]: [] }))]);
    expect(Object.keys(schemes).length).toBe(2);
    const t = testMock({ control: { token: 'ctl-secret' } });
    const none = await t.mock.app.request('/_mock/clock');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'unauthorized' });
    for (const scheme of Object.values(schemes)) {
      expect(
        (await t.mock.app.request('/_mock/clock', { headers: headerFor(scheme, 'ctl-secret') })).status,
      ).toBe(200);
      expect((await t.mock.app.request('/_mock/clock', { headers: headerFor(scheme, 'wrong') })).status).toBe(
        401,
      );
    }
    // Every guarded operation documents the guard's two answers; the one public operation (the readiness probe)
    // says so with `security: [{}]` and answers without the token.
    const ops = Object.values(control.paths as Record<string, Json>).flatMap((item) =>
      Object.values(item).filter((o): o is Json => !!o && typeof o === 'object' && 'responses' in o),
    );
    const open = ops.filter((op) => JSON.stringify(op.security) === '[{}]').map((op) => op.operationId);
    expect(open).toEqual(['getHealth']);
    expect((await t.mock.app.request('/_mock/health')).status).toBe(200);
    for (const op of ops.filter((o) => o.operationId !== 'getHealth'))
      expect(Object.keys(op.responses as Json), String(op.operationId)).toEqual(
        expect.arrayContaining(['401', '403']),
      );
  });
});

describe('control spec inputs', () => {
  const controlSpec = JSON.parse(
    readFileSync(new URL('../openapi/control.json', import.meta.url), 'utf8'),
  ) as Json;

  it('an unknown query parameter named __proto__ is a 400, as every unknown parameter', async () => {
    const t = testMock();
    for (const name of ['__proto__', 'constructor', 'foo']) {
      const res = await t.mock.app.request(`/_mock/clock?${name}=1`);
      expect(res.status, name).toBe(400);
      expect(await res.json()).toMatchObject({
        error: 'invalid-parameters',
        params: { [name]: 'is not a known field' },
      });
    }
  });

  it('/_mock/requests refuses constructor, toString and __proto__ as unknown query parameters, as it refuses foo', async () => {
    const t = testMock();
    for (const name of ['constructor', 'toString', '__proto__', 'foo']) {
      const res = await t.mock.app.request(`/_mock/requests?${name}=1`);
      expect(res.status, name).toBe(400);
      expect(await res.json()).toMatchObject({
        error: 'invalid-parameters',
        params: { [name]: 'is not a known field' },
      });
    }
    // A known parameter beside them is still read.
    expect((await t.mock.app.request('/_mock/requests?method=GET')).status).toBe(200);
  });

  it('a forced session outcome names a source identifier or a session, in the schema as in the server', async () => {
    const schema = ((controlSpec.components as Json).schemas as Json).SessionOutcomeInput as Json;
    const then = schema.then as Json;
    expect(then.required).toEqual(['source_identifier']);
    const t = testMock();
    const res = await t.mock.app.request('/_mock/scenarios/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ state: 'failed' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ params: { source_identifier: 'or session is required' } });
  });

  it('the journal filter `since` is a date filter in the schema, as the server reads it', () => {
    const list = ((controlSpec.paths as Json)['/_mock/requests'] as Json).get as Json;
    const since = (list.parameters as Json[]).find((p) => p.name === 'since') as Json;
    expect((since.schema as Json).$ref).toBe('#/components/schemas/DateOrDateTime');
    const schemas = (controlSpec.components as Json).schemas as Json;
    expect((schemas.DateOrDateTime as Json).format).toBe('date-or-date-time');
  });
});

describe('numbers in a query', () => {
  it('a number too large to be finite is no integer: a 400, in both APIs', async () => {
    const t = testMock();
    const control = await t.mock.app.request('/_mock/requests?organisation=1e309');
    expect(control.status).toBe(400);
    expect(await control.json()).toMatchObject({ params: { organisation: 'must be a finite number' } });
    expect((await t.get('/users?limit=1e309')).status).toBe(400);
    // Whitespace or a BOM is no number (ajv's coercion read them as 0), nor is a padded one.
    for (const v of ['%20', '%EF%BB%BF', '%205', '0x10']) {
      const res = await t.mock.app.request(`/_mock/requests?organisation=${v}`);
      expect(res.status, v).toBe(400);
    }
    expect((await t.mock.app.request('/_mock/requests?organisation=1')).status).toBe(200);
    // Whitespace or a BOM is no number (ajv's coercion read them as 0), nor is a padded one.
    for (const v of ['%20', '%EF%BB%BF', '%205', '0x10']) {
      const res = await t.mock.app.request(`/_mock/requests?organisation=${v}`);
      expect(res.status, v).toBe(400);
    }
    expect((await t.mock.app.request('/_mock/requests?organisation=1')).status).toBe(200);
  });
});
