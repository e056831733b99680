// The TypeScript verifier the mock serves to users (GET /_mock/webhooks/verify) is run, not just read: against a real
// signed delivery it accepts the delivery and rejects a tampered body, another secret, a forged header and a stale one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testMock } from './helpers/api.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

type Verify = (header: string, rawBody: string, secret: string, toleranceSeconds?: number) => boolean;

let dir = '';
let receiver: Receiver;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ricloud-verify-snippet-'));
  receiver = await startReceiver(() => 204);
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Fetches the served snippet, writes it to a file of its own and imports it, as a user pasting it would run it. */
async function servedVerifier(t: ReturnType<typeof testMock>): Promise<Verify> {
  const served = await t.get('/_mock/webhooks/verify', { token: null });
  expect(served.status).toBe(200);
  const file = path.join(dir, `verify-${Date.now()}-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, served.body.snippet);
  const module = (await import(pathToFileURL(file).href)) as { verifyRicloudSignature: Verify };
  expect(typeof module.verifyRicloudSignature).toBe('function');
  return module.verifyRicloudSignature;
}

describe('the served webhook verify snippet', () => {
  it('accepts a real signed delivery and rejects tampering, another secret, forgery and staleness', async () => {
    const wallMs = Date.UTC(2029, 6, 1, 9, 30, 0);
    const t = testMock({ wallNow: () => wallMs });
    const verify = await servedVerifier(t);
    const created = await t.post('/configs/webhook', { url: receiver.url });
    expect(created.status).toBe(201);
    const before = receiver.requests.length;
    await t.advance(1);
    expect(receiver.requests.length).toBe(before + 1);
    const delivery = receiver.requests[before]!;
    const header = delivery.headers['ricloud-signature'];
    expect(typeof header).toBe('string');
    const secret: string = created.body.secret;

    // The snippet reads the wall clock (Date.now()) as a receiver does; the mock signed with its wall clock (here a
    // fixed one, years after the manual clock's 2026-01-01), so the two agree.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(wallMs);
    expect(verify(header as string, delivery.body, secret)).toBe(true);
    expect(verify(header as string, `${delivery.body} `, secret)).toBe(false);
    expect(verify(header as string, delivery.body, `${secret}x`)).toBe(false);
    expect(verify((header as string).replace(/s=.*/, 's=AAAA'), delivery.body, secret)).toBe(false);
    expect(verify('t=abc,s=AAAA', delivery.body, secret)).toBe(false);

    // Ten minutes and one second later the same delivery is a replay.
    vi.setSystemTime(wallMs + 601_000);
    expect(verify(header as string, delivery.body, secret)).toBe(false);
    expect(verify(header as string, delivery.body, secret, 700)).toBe(true);
  });

  it('accepts a manual-clock delivery at the real wall time with its default 600 s, as /_mock/webhooks/verify does', async () => {
    const t = testMock(); // manual clock at 2026-01-01; the signature's t is this machine's wall time
    const verify = await servedVerifier(t);
    const created = await t.post('/configs/webhook', { url: receiver.url });
    const before = receiver.requests.length;
    await t.advance(1);
    const delivery = receiver.requests[before]!;
    const header = String(delivery.headers['ricloud-signature']);
    expect(JSON.parse(delivery.body).date_created).toBe('2026-01-01T00:00:01.000000Z'); // the config test, 1 s in
    expect(verify(header, delivery.body, created.body.secret)).toBe(true);
    const served = await t.post('/_mock/webhooks/verify', {
      header,
      body: delivery.body,
      secret: created.body.secret,
    });
    expect(served.body).toMatchObject({ ok: true, reason: 'ok' });
    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('valid');
  });
});
