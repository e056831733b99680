// One shared mock, a tenant per concurrent test (docs/ci.md "Parallel test runners", the vitest form): four tenants run
// full flows at the same time over real sockets, each moving only its own clock and receiving only its own webhooks,
// verified with its own secret. The pytest-xdist form, with the official client, is test/parallel/.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../contracts/client/signature.ts';
import { type MockServer, startMockServer } from '../server/start.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

const TENANTS = 4;
const ROUNDS = 5; // the 20-round CI run is the pytest-xdist form (test/parallel/)

let server: MockServer;
const dir = mkdtempSync(join(tmpdir(), 'ricloud-parallel-'));
beforeAll(async () => {
  // The manual clock: a tenant's time moves only when that tenant's test advances it.
  server = await startMockServer({ seed: 'parallel-tenants', storageUrl: `local://${dir}` });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Json {
  [key: string]: any;
}

async function call(token: string | null, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Token ${token}` } : {}),
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : {};
}

/** One tenant's flows, rounds after rounds, checking after each advance that nobody else moved its clock. */
async function tenantFlows(slot: number, receiver: Receiver): Promise<void> {
  const tenant = await call(null, 'POST', '/_mock/organisations', { name: `vitest tenant ${slot}` });
  const org = String(tenant.organisation.id);
  const token: string = tenant.token;
  const api = (method: string, path: string, body?: unknown) => call(token, method, path, body);
  for (let round = 0; round < ROUNDS; round++) {
    await call(null, 'POST', `/_mock/organisations/${org}/reset`);
    receiver.requests.length = 0;
    let now: string = (await call(null, 'GET', `/_mock/clock?organisation=${org}`)).now;
    const advance = async (seconds: number) => {
      const report = await call(null, 'POST', '/_mock/clock/advance', { seconds, organisation: org });
      expect(report.from, "another tenant moved this tenant's clock").toBe(now);
      expect(new Set(report.ran.map((j: Json) => String(j.organisation)))).toEqual(
        new Set(report.ran.length ? [org] : []),
      );
      now = report.now;
    };

    const config = await api('POST', '/configs/webhook', { url: receiver.url });
    await advance(2);
    expect((await api('GET', `/configs/webhook/${config.id}`)).state).toBe('valid');
    const user = await api('POST', '/users', { identifier: `tenant-${slot}-round-${round}` });
    const source = { user: user.id, type: 'icloud.account', identifier: `flow${slot}@example.com` };
    const refused = await api('POST', '/sessions', { source, payload: { password: 'x' } });
    await advance(3);
    expect(await api('GET', `/sessions/${refused.id}`)).toMatchObject({
      state: 'failed',
      error: 'code-required',
    });
    const session = await api('POST', '/sessions', { source, payload: { password: 'x', code: '123456' } });
    await advance(3);
    expect((await api('GET', `/sessions/${session.id}`)).state).toBe('active');
    const poll = await api('POST', '/polls', {
      session: session.id,
      payload: { info_types: ['account.info'], data_types: ['callkit.calls'] },
    });
    await advance(30);
    expect((await api('GET', `/polls/${poll.id}`)).state).toBe('completed');
    const results = (await api('GET', `/results?poll=${poll.id}&limit=100`)).data as Json[];
    expect(results.map((r) => r.identifier).sort()).toEqual(['data:callkit.calls', 'info:account.info']);
    for (const r of results) {
      const bytes = readFileSync(String(r.url).slice('local://'.length));
      expect(createHash('md5').update(bytes).digest('hex')).toBe(r.checksum);
      expect((await api('POST', `/results/${r.id}/ack`)).state).toBe('consumed');
    }
    await advance(1);

    const events = (await api('GET', '/events?limit=1000')).data as Json[];
    expect(new Set(events.map((e) => e.state))).toEqual(new Set(['delivered']));
    expect(receiver.requests.map((q) => q.path.split('/').pop()).sort()).toEqual(
      events.map((e) => e.id).sort(),
    );
    for (const q of receiver.requests) {
      const header = q.headers['ricloud-signature'];
      expect(verifyWebhookSignature(config.secret, String(header), q.body).ok).toBe(true);
    }
  }
}

describe.concurrent('one shared mock, a tenant per concurrent test', () => {
  for (let slot = 0; slot < TENANTS; slot++) {
    it(`tenant ${slot}: ${ROUNDS} rounds of full flows on its own clock, its webhooks verified with its secret`, async () => {
      const receiver = await startReceiver(() => 200);
      try {
        await tenantFlows(slot, receiver);
      } finally {
        await receiver.close();
      }
    }, 60_000);
  }
});
