// Faults observed by a real client over a socket, and the library API from start to close with no leaked handles.
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../../server/index.ts';

let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(s: MockServer, path = '/organisation') {
  const res = await fetch(`${s.url}${path}`, { headers: { Authorization: `Token ${s.token}` } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('faults over a socket', () => {
  it('fails the next 3 requests with 503 server-error, then the 4th succeeds', async () => {
    server = await startMockServer({ seed: 'faults' });
    const rule = await server.control.addFault({ kind: 'error', status: 503, count: 3 });
    expect(rule).toMatchObject({ remaining: 3, hits: 0 });
    for (let i = 0; i < 3; i++) {
      const res = await get(server);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: 'server-error', params: {} });
    }
    expect((await get(server)).status).toBe(200);
    expect((await get(server)).status).toBe(200);
    expect((await server.control.faults()).data).toEqual([]);
    const journal = await server.control.requests({ status: '503' });
    expect(journal.data).toHaveLength(3);
  });

  it('answers 429 rate-limited with Retry-After, matched by method and path glob', async () => {
    server = await startMockServer({ seed: 'faults' });
    await server.control.addFault({
      kind: 'error',
      status: 429,
      retry_after: 7,
      method: 'GET',
      path: '/users/**',
    });
    const limited = await get(server, '/users');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.error).toBe('rate-limited');
    expect((await get(server, '/organisation')).status).toBe(200);
  });

  it('adds fixed latency (wall time) and reports it', async () => {
    server = await startMockServer({ seed: 'faults' });
    await server.control.addFault({ kind: 'latency', latency: { distribution: 'fixed', ms: 150 }, count: 1 });
    const started = performance.now();
    const res = await get(server);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-mock-latency')).toBe('150');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(5000);
  });

  it('draws uniform latency within its bounds from the seed', async () => {
    server = await startMockServer({ seed: 'faults' });
    await server.control.addFault({
      kind: 'latency',
      latency: { distribution: 'uniform', min_ms: 20, max_ms: 60 },
    });
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await get(server);
      const reported = Number(res.headers.get('x-mock-latency'));
      expect(reported).toBeGreaterThanOrEqual(20);
      expect(reported).toBeLessThanOrEqual(60);
      expect(performance.now() - started).toBeGreaterThanOrEqual(reported - 5);
    }
  });

  it('resets the connection: the client sees a network error, the next request works', async () => {
    server = await startMockServer({ seed: 'faults' });
    await server.control.addFault({ kind: 'reset', count: 1, path: '/organisation' });
    await expect(get(server)).rejects.toThrow();
    expect((await get(server)).status).toBe(200);
    const [reset] = (await server.control.requests({ limit: 2 })).data.slice(1);
    expect(reset).toMatchObject({ error: 'connection-reset', faults: ['fault_1'] });
  });

  it('fires a probability fault the same way for the same seed', async () => {
    const pattern = async () => {
      const s = await startMockServer({ seed: 'coin' });
      await s.control.addFault({ kind: 'error', status: 500, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await get(s)).status);
      await s.close();
      return statuses;
    };
    const first = await pattern();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await pattern()).toEqual(first);
  });

  it('matches faults by tenant', async () => {
    server = await startMockServer({ seed: 'faults' });
    const tenant = await server.control.createOrganisation({ name: 'Flaky' });
    await server.control.addFault({
      kind: 'error',
      status: 502,
      organisation: Number(tenant.organisation.id),
    });
    expect((await get(server)).status).toBe(200);
    const res = await fetch(`${server.url}/organisation`, {
      headers: { Authorization: `Token ${tenant.token}` },
    });
    expect(res.status).toBe(502);
  });
});

describe('library API', () => {
  it('starts, serves, moves time in-process and closes with no leaked handles', async () => {
    const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    const baseline = tcpHandles();
    const s = await startMockServer({ seed: 'library', token: 'library-token' });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.token).toBe('library-token');
    expect((await get(s)).status).toBe(200);
    const before = s.clock.now();
    await s.clock.advance(60);
    expect(s.clock.now() - before).toBe(60_000);
    expect(await s.control.health()).toEqual({ status: 'ok' });
    expect((await s.control.clock()).mode).toBe('manual');
    await s.control.reset();
    await s.close();
    // Client-side keep-alive sockets close when the server drops them; give the event loop a moment.
    for (let i = 0; i < 50 && tcpHandles() > baseline; i++) await new Promise((r) => setImmediate(r));
    expect(tcpHandles()).toBe(baseline);
  });
});

describe('control client: tenant clocks', () => {
  it("advances one tenant's clock, runs a tenant to idle, and reads each clock", async () => {
    const s = await startMockServer({ seed: 'clocks' });
    server = s;
    const tenant = await s.control.createOrganisation({ name: 'clocked' });
    const id = (tenant.organisation as unknown as { id: number }).id;
    const moved = await s.control.advance(30, id);
    expect(moved).toMatchObject({ organisation: id, now: '2026-01-01T00:00:30.000000Z', idle: true });
    expect((await s.control.clock(id)).now).toBe('2026-01-01T00:00:30.000000Z');
    expect((await s.control.clock()).now).toBe('2026-01-01T00:00:00.000000Z');
    expect(await s.control.advanceUntilIdle({ organisation: id })).toMatchObject({ idle: true, ran: [] });
    const all = await s.control.advance(5);
    expect(all).toMatchObject({ organisation: null, now: '2026-01-01T00:00:05.000000Z' });
    expect((await s.control.clock(id)).now).toBe('2026-01-01T00:00:35.000000Z');
  });
});

describe('control client: webhook routes', () => {
  it('verifies a signature computed independently, lists deliveries, and reports unknown ids as 404', async () => {
    const { createHmac } = await import('node:crypto');
    const { ControlError } = await import('../../server/index.ts');
    const wallMs = Date.UTC(2030, 0, 1);
    server = await startMockServer({ seed: 'control-webhooks', wallNow: () => wallMs });
    const nowSeconds = wallMs / 1000; // signatures are checked against wall time, not the manual clock
    const body = '{"id":"e1"}';
    const s = createHmac('sha256', 'shh').update(`${nowSeconds}.${body}`).digest('base64');
    const good = await server.control.verifyWebhookSignature({
      header: `t=${nowSeconds},s=${s}`,
      body,
      secret: 'shh',
    });
    expect(good).toMatchObject({ ok: true });
    const tampered = await server.control.verifyWebhookSignature({
      header: `t=${nowSeconds},s=${s}`,
      body: '{"id":"e2"}',
      secret: 'shh',
    });
    expect(tampered).toMatchObject({ ok: false, reason: 'bad-signature' });

    // A webhook config pointing at a closed port: its test event is attempted once and logged.
    const res = await fetch(`${server.url}/configs/webhook`, {
      method: 'POST',
      headers: { Authorization: `Token ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks' }),
    });
    expect(res.status).toBe(201);
    await server.clock.advance(5);
    const log = await server.control.deliveries();
    expect(log.data.length).toBe(1);
    expect(log.data[0]).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/hooks\//) });

    await expect(server.control.redeliver('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      server.control.allowSubscription('00000000-0000-4000-8000-000000000000'),
    ).rejects.toBeInstanceOf(ControlError);
  });
});
