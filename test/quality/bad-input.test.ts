/**
 * The bad-input catalogue: each malformed or hostile request gets its documented 4xx in the error shape and
 * changes nothing (the tenant's state dump is identical before and after).
 */

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { type TestMock, testMock } from '../helpers/api.ts';
import { dumpTenant } from './fuzz-runner.ts';

const orgIdOf = (t: TestMock) => [...t.mock.ctx.world.orgs.keys()][0] as number;

/** Sends a request and checks status, error code and that the tenant did not change. */
async function rejects(
  t: TestMock,
  init: { method: string; path: string; body?: RequestInit['body']; headers?: Record<string, string> },
  status: number,
  error: string | string[],
): Promise<{ message: string; params: Record<string, unknown> }> {
  const before = dumpTenant(t, orgIdOf(t));
  const res = await t.mock.app.request(init.path, {
    method: init.method,
    headers: { Authorization: `Token ${t.mock.token}`, ...init.headers },
    body: init.body,
    ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBe(status);
  const body = JSON.parse(text) as { error: string; message: string; params: Record<string, unknown> };
  expect(Array.isArray(error) ? error : [error]).toContain(body.error);
  expect(typeof body.message).toBe('string');
  expect(body.params).toBeTypeOf('object');
  expect(dumpTenant(t, orgIdOf(t))).toBe(before);
  return body;
}

const json = { 'Content-Type': 'application/json' };

describe('malformed bodies', () => {
  it.each([
    ['a trailing comma (the docs’ curl examples)', '{"identifier": "a",}', /trailing comma/],
    ['single quotes', "{'identifier': 'a'}", /not valid JSON/],
    ['a truncated body', '{"identifier": ', /ends before/],
    ['two documents', '{"identifier":"a"}{"identifier":"b"}', /not valid JSON/],
    ['NaN', '{"identifier": NaN}', /not valid JSON/],
    ['an empty body', '', /empty/],
  ])('answers 400 malformed-request for %s', async (_name, raw, message) => {
    const t = testMock();
    const body = await rejects(
      t,
      { method: 'POST', path: '/users', body: raw, headers: json },
      400,
      'malformed-request',
    );
    expect(body.message).toMatch(message);
  });

  it.each(['[]', '[{"identifier":"a"}]', '"identifier"', '1', 'null', 'true'])(
    'answers 400 malformed-request for the non-object JSON %s',
    async (raw) => {
      await rejects(
        testMock(),
        { method: 'POST', path: '/users', body: raw, headers: json },
        400,
        'malformed-request',
      );
    },
  );

  it('answers 400 malformed-request for invalid UTF-8', async () => {
    const bytes = new Uint8Array([...Buffer.from('{"identifier":"'), 0xff, 0xfe, 0xc3, ...Buffer.from('"}')]);
    await rejects(
      testMock(),
      { method: 'POST', path: '/users', body: bytes, headers: json },
      400,
      'malformed-request',
    );
  });

  it('answers 413 for a 2 MiB body, with or without a Content-Length', async () => {
    const t = testMock();
    const big = `{"identifier":"${'a'.repeat(2 * 1024 * 1024)}"}`;
    await rejects(t, { method: 'POST', path: '/users', body: big, headers: json }, 413, 'payload-too-large');
    await rejects(
      t,
      {
        method: 'POST',
        path: '/users',
        body: big,
        headers: { ...json, 'Content-Length': String(big.length) },
      },
      413,
      'payload-too-large',
    );
    const stream = new Blob([big]).stream();
    await rejects(
      t,
      { method: 'POST', path: '/users', body: stream as unknown as RequestInit['body'], headers: json },
      413,
      'payload-too-large',
    );
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'json',
  ])('answers 415 for Content-Type %s', async (type) => {
    await rejects(
      testMock(),
      { method: 'POST', path: '/users', body: '{"identifier":"a"}', headers: { 'Content-Type': type } },
      415,
      'unsupported-media-type',
    );
  });

  it('answers 400 for 10,000 levels of nesting, and for 500,000 (never a crash)', async () => {
    const t = testMock();
    for (const depth of [10_000, 500_000]) {
      const deep = `{"identifier":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      await rejects(
        t,
        { method: 'POST', path: '/users', body: deep, headers: json },
        400,
        'malformed-request',
      );
    }
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    await rejects(
      t,
      { method: 'POST', path: '/users', body: deepObject, headers: json },
      400,
      'malformed-request',
    );
  });

  it('refuses a free-form field nested 5,000 levels deep with 400 (it used to overflow the stack: a 500)', async () => {
    const t = testMock();
    const deep = (n: number) =>
      `${'{"n":'.repeat(n)}{"access_key_id":"a","secret_access_key":"b"}${'}'.repeat(n)}`;
    const body = await rejects(
      t,
      {
        method: 'POST',
        path: '/configs/storage',
        body: `{"url":"s3://bucket/deep","credentials":${deep(5_000)}}`,
        headers: json,
      },
      400,
      'malformed-request',
    );
    expect(body.message).toMatch(/deeper than/);
    // A reasonable nesting is still accepted, and the state still exports.
    const ok = await t.api('POST', '/configs/storage', {
      raw: `{"url":"s3://bucket/ok","credentials":${deep(20)}}`,
    });
    expect(ok.status).toBe(201);
    expect(() => dumpTenant(t, orgIdOf(t))).not.toThrow();
  });

  it('takes the last of duplicate keys, as JSON.parse and Python’s json do (documented: no error)', async () => {
    const t = testMock();
    const res = await t.api('POST', '/users', { raw: '{"identifier":"first","identifier":"second"}' });
    expect(res.status).toBe(201);
    expect(res.body.identifier).toBe('second');
    // A duplicate that makes the body invalid is judged on the value kept.
    const before = dumpTenant(t, orgIdOf(t));
    const bad = await t.api('POST', '/users', { raw: '{"identifier":"ok","identifier":5}' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid-parameters');
    expect(dumpTenant(t, orgIdOf(t))).toBe(before);
  });

  it('rejects __proto__ and constructor as unknown fields and query parameters', async () => {
    const t = testMock();
    await rejects(
      t,
      { method: 'POST', path: '/users', body: '{"identifier":"a","__proto__":{"x":1}}', headers: json },
      400,
      'invalid-parameters',
    );
    await rejects(t, { method: 'GET', path: '/users?__proto__=1' }, 400, 'invalid-parameters');
    await rejects(t, { method: 'GET', path: '/users?constructor=1' }, 400, 'invalid-parameters');
    await rejects(t, { method: 'GET', path: '/users?hasOwnProperty=1' }, 400, 'invalid-parameters');
  });
});

describe('path traversal', () => {
  it.each([
    '/users/..%2F..%2Fetc',
    '/users/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/users/..%5C..%5Cwindows',
    '/users/1%00',
    '/sessions/..%2F..%2Fetc',
    '/results/%2e%2e/ack',
    '/configs/storage/..%2F1',
  ])('answers 404 not-found for the id in %s', async (path) => {
    const body = await rejects(testMock(), { method: 'GET', path }, 404, 'not-found');
    expect(JSON.stringify(body)).not.toMatch(/root:/);
  });

  it.each(['/../organisation', '/users/../organisation', '/%2e%2e/organisation'])(
    'never serves anything outside the API for %s',
    async (path) => {
      const t = testMock();
      const res = await t.mock.app.request(path, { headers: { Authorization: `Token ${t.mock.token}` } });
      expect(res.status).toBeLessThan(500);
      const text = await res.text();
      expect(text).not.toMatch(/root:|"dependencies"/);
    },
  );

  describe('local:// storage urls', () => {
    const root = mkdtempSync(join(tmpdir(), 'ricloud-bad-input-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it.each([
      '/../escape',
      '/inside/../../escape',
      '/inside/./x/../../escape',
      '/inside/..',
      '/inside/..\\..\\escape',
    ])('refuses local://<tmp>%s with 400 and writes nothing outside', async (suffix) => {
      const t = testMock();
      await rejects(
        t,
        {
          method: 'POST',
          path: '/configs/storage',
          body: JSON.stringify({ url: `local://${root}${suffix}` }),
          headers: json,
        },
        400,
        'invalid-parameters',
      );
      await rejects(
        t,
        {
          method: 'POST',
          path: '/configs/storage/1',
          body: JSON.stringify({ url: `local://${root}${suffix}` }),
          headers: json,
        },
        400,
        'invalid-parameters',
      );
      await t.advance(60);
      expect(existsSync(join(root, 'escape'))).toBe(false);
      expect(existsSync(join(root, '..', 'escape'))).toBe(false);
    });

    it('publishes a whole poll only inside the configured folder', async () => {
      const folder = join(root, 'inside');
      mkdirSync(folder, { recursive: true });
      const t = testMock({ storageUrl: `local://${folder}` });
      const user = await t.post('/users', { identifier: 'traversal@example.com' });
      const session = await t.post('/sessions', {
        source: { user: user.body.id, type: 'icloud.account', identifier: 'x+no2fa@example.com' },
        payload: { password: 'p' },
      });
      await t.advance(30);
      const poll = await t.post('/polls', {
        session: session.body.id,
        payload: { info_types: ['*'], data_types: ['ios_photos.photos', 'callkit.calls'] },
      });
      expect(poll.status).toBe(201);
      await t.advance(120);
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          if (statSync(p).isDirectory()) walk(p);
          else files.push(relative(root, p));
        }
      };
      walk(root);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f.startsWith(`inside${'/'}`), f).toBe(true);
    });
  });
});

describe('header injection in webhook urls', () => {
  it.each([
    'http://127.0.0.1:9/x\r\nX-Injected: 1',
    'http://127.0.0.1:9/x\nX-Injected: 1',
    'http://127.0.0.1:9/x\rX-Injected: 1',
    'http://127.0.0.1:9/ x',
    'http://127.0.0.1:9/x\u0000',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'gopher://127.0.0.1:9/x',
  ])('refuses %j with 400', async (url) => {
    const t = testMock();
    await rejects(
      t,
      { method: 'POST', path: '/configs/webhook', body: JSON.stringify({ url }), headers: json },
      400,
      'invalid-parameters',
    );
  });

  it('sends percent-encoded CR/LF in a url as path bytes, never as a header', async () => {
    const seen: { url?: string; headers: IncomingHttpHeaders }[] = [];
    const server: Server = createServer((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const t = testMock({ timings: { webhookTimeoutMs: 2_000 } });
      const res = await t.post('/configs/webhook', {
        url: `http://127.0.0.1:${port}/hook%0D%0AX-Injected:%201`,
      });
      expect(res.status).toBe(201);
      await t.advance(60);
      expect(seen.length).toBeGreaterThan(0);
      for (const s of seen) {
        expect(s.headers['x-injected']).toBeUndefined();
        expect(s.url).toMatch(/^\/hook%0D%0AX-Injected:%201\//);
      }
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('absurd pagination and Ricloud-Await values', () => {
  it.each([
    'limit=0',
    'limit=-1',
    'limit=1001',
    'limit=1e309',
    'limit=99999999999999999999999',
    'limit=abc',
    'limit=1.5',
    'limit=',
    'after_id=999999',
    `after_id=${'9'.repeat(10_000)}`.slice(0, 10_009),
    'before_id=00000000-0000-4000-8000-000000000000',
    'after_id=',
  ])('answers 400 invalid-parameters for GET /users?%s', async (qs) => {
    const t = testMock();
    await t.post('/users', { identifier: 'a@example.com' });
    await rejects(t, { method: 'GET', path: `/users?${qs}` }, 400, 'invalid-parameters');
  });

  it.each(['-1', 'abc', '1e3', 'NaN', 'Infinity', '0x10', '10s', '1,5'])(
    'answers 400 invalid-parameters for Ricloud-Await: %s',
    async (value) => {
      await rejects(
        testMock(),
        { method: 'GET', path: '/organisation', headers: { 'Ricloud-Await': value } },
        400,
        'invalid-parameters',
      );
    },
  );

  it.each([
    ['99999999999999999999', 'active'],
    ['11', 'active'],
    ['10.000001', 'active'],
    ['0', 'pending'],
  ])('clamps Ricloud-Await: %s and answers (scaled clock: once the session is %s)', async (value, state) => {
    const t = testMock({ clock: { mode: 'scaled', scale: 1000 } });
    onTestFinished(() => t.mock.close());
    const user = await t.post('/users', { identifier: 'await@example.com' });
    const res = await t.post(
      '/sessions',
      {
        source: { user: user.body.id, type: 'icloud.account', identifier: 'a+no2fa@example.com' },
        payload: { password: 'p' },
      },
      { headers: { 'Ricloud-Await': value } },
    );
    expect(res.status).toBe(201);
    expect(res.body.state).toBe(state);
  });
});
