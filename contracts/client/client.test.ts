// The reference client: its helpers against the in-process mock (time moved by the mock's clock), and errors.
import { describe, expect, it } from 'vitest';
import { createMock } from '../../server/app.ts';
import { createClient, RicloudError } from './client.ts';
import { signWebhook, verifyWebhookSignature } from './signature.ts';

function clientOnMock() {
  const mock = createMock({ seed: 'client-test' });
  const client = createClient({
    baseUrl: 'http://mock',
    token: mock.token,
    fetch: (url, init) => Promise.resolve(mock.app.request(url, init)),
    // Waiting moves the mock's clock instead of the wall clock.
    sleep: async (ms) => {
      await mock.advance(ms / 1000);
    },
  });
  return { mock, client };
}

describe('reference client', () => {
  it('walks the getting-started flow: user, 2FA session, poll, results, ack', async () => {
    const { client } = clientOnMock();
    const user = await client.users.create({ identifier: 'end-user@example.com' });
    const codes: number[] = [];
    const session = await client.sessions.createWithTwoFactor(
      { user: user.id, type: 'icloud.account', identifier: 'jane@example.com' },
      {
        password: 'pw',
        askCode: async (attempt) => {
          codes.push(attempt);
          return attempt === 1 ? '000000' : '123456';
        },
      },
    );
    expect(codes).toEqual([1, 2]);
    expect(session.state).toBe('active');
    const created = await client.polls.create({
      session: session.id,
      payload: { data_types: ['callkit.calls'] },
    });
    const poll = await client.polls.waitForCompletion(created.id);
    expect(poll.state).toBe('completed');
    const results = await client.results.list({ poll: poll.id });
    expect(results.data.length).toBeGreaterThan(0);
    const first = results.data[0];
    if (!first) throw new Error('no result');
    const acked = await client.results.ack(first.id);
    expect(acked.state).toBe('consumed');
  });

  it('gives up on 2FA after maxCodeAttempts wrong codes and returns the failed session', async () => {
    const { client } = clientOnMock();
    const user = await client.users.create({ identifier: 'u@example.com' });
    let asked = 0;
    const session = await client.sessions.createWithTwoFactor(
      { user: user.id, type: 'icloud.account', identifier: 'jane@example.com' },
      {
        password: 'pw',
        maxCodeAttempts: 2,
        askCode: async () => {
          asked += 1;
          return '999999';
        },
      },
    );
    expect(asked).toBe(2);
    expect(session).toMatchObject({ state: 'failed', error: 'code-required' });
  });

  it('does not ask for a code when the account has no 2FA', async () => {
    const { client } = clientOnMock();
    const user = await client.users.create({ identifier: 'u@example.com' });
    const session = await client.sessions.createWithTwoFactor(
      { user: user.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      {
        password: 'pw',
        askCode: async () => {
          throw new Error('asked for a code');
        },
      },
    );
    expect(session.state).toBe('active');
  });

  it('throws a RicloudError carrying the error body', async () => {
    const { client } = clientOnMock();
    const err = await client.sessions.retrieve('00000000-0000-4000-8000-000000000000').catch((e) => e);
    expect(err).toBeInstanceOf(RicloudError);
    expect(err).toMatchObject({ status: 404, code: 'not-found' });
  });

  it('sends the token as "Token <token>"', async () => {
    const seen: string[] = [];
    const client = createClient({
      baseUrl: 'http://x/',
      token: 'abc',
      fetch: async (url, init) => {
        seen.push(`${url} ${(init?.headers as Record<string, string> | undefined)?.Authorization}`);
        return new Response('{"resource":"list","data":[]}', { status: 200 });
      },
    });
    await client.users.list({ identifier: 'a b' });
    expect(seen).toEqual(['http://x/users?identifier=a+b Token abc']);
  });
});

describe('webhook signature verification', () => {
  const body = '{"id":"e","resource":"event"}';
  const header = signWebhook('s3cret', body, 1_700_000_000);

  it('accepts a fresh signature over the exact body', () => {
    expect(verifyWebhookSignature('s3cret', header, body, { nowSeconds: 1_700_000_100 })).toEqual({
      ok: true,
      timestamp: 1_700_000_000,
    });
  });

  it.each([
    ['another secret', 'other', header, body, 1_700_000_100, 'mismatch'],
    ['a changed body', 's3cret', header, `${body} `, 1_700_000_100, 'mismatch'],
    ['an old timestamp', 's3cret', header, body, 1_700_000_601, 'too-old'],
    ['a malformed header', 's3cret', 'v1=abc', body, 1_700_000_100, 'malformed'],
    ['no header', 's3cret', undefined, body, 1_700_000_100, 'malformed'],
  ])('rejects %s', (_name, secret, h, b, now, reason) => {
    expect(verifyWebhookSignature(secret, h, b, { nowSeconds: now })).toMatchObject({ ok: false, reason });
  });
});
