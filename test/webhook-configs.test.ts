import { createHmac } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';
import { deadUrl, type Receiver, startReceiver } from './helpers/receiver.ts';

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('webhook configs', () => {
  it('creates a config in new with a secret, tests it with a signed webhook_config.test event → valid and default', async () => {
    const wallMs = Date.UTC(2030, 1, 2, 3, 4, 5);
    const t = testMock({ wallNow: () => wallMs });
    const r = await receiver(() => 204);
    const created = await t.post('/configs/webhook', { url: r.url });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      resource: 'webhook_config',
      url: r.url,
      state: 'new',
      organisation: '1',
    });
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.requests).toHaveLength(0); // never on the request path

    await t.advance(1);
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    const event = JSON.parse(req.body);
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/webhooks/${event.id}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('ricloud-mock');
    expect(event).toMatchObject({
      resource: 'event',
      type: 'webhook_config',
      action: 'test',
      state: 'pending',
    });
    expect(event.data).toMatchObject({ id: created.body.id, resource: 'webhook_config' });
    const tSeconds = wallMs / 1000; // wall time, whatever the mock clock says
    const s = createHmac('sha256', created.body.secret).update(`${tSeconds}.${req.body}`).digest('base64');
    expect(req.headers['ricloud-signature']).toBe(`t=${tSeconds},s=${s}`);

    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('valid');
    expect((await t.get('/organisation')).body.webhook_config_default).toBe(created.body.id);
    const recorded = await t.get(`/events/${event.id}`);
    expect(recorded.body).toMatchObject({ state: 'delivered', retries: 0 });
    const tasks = t.mock.ctx.world.orgs.get(1)!.tasks.filter((x) => x.type === 'webhook_config.test');
    expect(tasks.map((x) => [x.target, x.state])).toEqual([[created.body.id, 'succeeded']]);
  });

  it('marks an unreachable receiver invalid (one attempt, no retries), then valid after fixing and re-testing', async () => {
    const t = testMock();
    const url = await deadUrl();
    const created = await t.post('/configs/webhook', { url });
    await t.advance(1);
    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('invalid');
    expect((await t.get('/organisation')).body.webhook_config_default).toBeNull();
    const log = await t.get('/_mock/deliveries');
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({
      kind: 'test',
      ok: false,
      status: null,
      error: 'connection-refused',
    });
    await t.advance(86_400);
    expect((await t.get('/_mock/deliveries')).body.data).toHaveLength(1);
    const testEvent = await t.get('/events?type=webhook_config.test');
    expect(testEvent.body.data[0]).toMatchObject({ state: 'failed', retries: 0 });

    // Fix: the receiver answers 500 first (re-test → invalid), then 200 after update to a new url.
    const r = await receiver(() => 500);
    const updated = await t.post(`/configs/webhook/${created.body.id}`, { url: r.url });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ state: 'new', url: r.url, secret: created.body.secret });
    await t.advance(1);
    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('invalid');

    r.behaviour = () => 200;
    const test = await t.post(`/configs/webhook/${created.body.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({
      resource: 'task',
      type: 'webhook_config.test',
      target: created.body.id,
      state: 'pending',
    });
    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('new');
    await t.advance(1);
    expect((await t.get(`/tasks/${test.body.id}`)).body.state).toBe('succeeded');
    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('valid');
    expect((await t.get('/organisation')).body.webhook_config_default).toBe(created.body.id);
  });

  it('does not replace an existing default when a second config becomes valid', async () => {
    const t = testMock();
    const r = await receiver(() => 200);
    const a = await t.post('/configs/webhook', { url: r.url });
    await t.advance(1);
    const b = await t.post('/configs/webhook', { url: `${r.url}/b` });
    await t.advance(1);
    expect((await t.get(`/configs/webhook/${b.body.id}`)).body.state).toBe('valid');
    expect((await t.get('/organisation')).body.webhook_config_default).toBe(a.body.id);
    const list = await t.get('/configs/webhook?state=valid');
    expect(list.body.data.map((w: { id: string }) => w.id)).toEqual([b.body.id, a.body.id]);
  });

  it('deletes (deactivates) a config: no longer the default, receives nothing, cannot be tested', async () => {
    const t = testMock();
    const r = await receiver(() => 200);
    const a = await t.post('/configs/webhook', { url: r.url });
    await t.advance(1);
    const del = await t.del(`/configs/webhook/${a.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body.state).toBe('deactivated');
    expect((await t.get('/organisation')).body.webhook_config_default).toBeNull();
    const test = await t.post(`/configs/webhook/${a.body.id}/test`);
    expect(test.status).toBe(409);
    expect(test.body.error).toBe('invalid-state');
    await t.advance(3600);
    expect(r.requests).toHaveLength(1);
  });

  it('deleting the default hands it to the oldest remaining valid config, as for storage configs', async () => {
    const t = testMock();
    const r = await receiver(() => 200);
    const a = await t.post('/configs/webhook', { url: `${r.url}/a` });
    const b = await t.post('/configs/webhook', { url: `${r.url}/b` });
    const c = await t.post('/configs/webhook', { url: `${r.url}/c` });
    await t.advance(1);
    expect((await t.get('/organisation')).body.webhook_config_default).toBe(a.body.id);
    await t.del(`/configs/webhook/${a.body.id}`);
    expect((await t.get('/organisation')).body.webhook_config_default).toBe(b.body.id);
    await t.del(`/configs/webhook/${b.body.id}`);
    await t.del(`/configs/webhook/${c.body.id}`);
    expect((await t.get('/organisation')).body.webhook_config_default).toBeNull();
  });

  it.each([
    ['a non-http scheme', 'ftp://example.com/hooks'],
    ['a CR/LF (header injection)', 'http://example.com/hooks\r\nX-Evil: 1'],
    ['an encoded-looking space', 'http://example.com/ho oks'],
    ['credentials', 'http://user:pass@example.com/hooks'],
    ['not a url', 'hooks'],
  ])('rejects a url with %s with a 400 that creates nothing', async (_name, url) => {
    const t = testMock();
    const res = await t.post('/configs/webhook', { url });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect((await t.get('/configs/webhook')).body.total_count).toBe(0);
    expect(t.mock.ctx.scheduler.pending().filter((j) => j.kind === 'webhook_config.test')).toHaveLength(0);
  });

  it('answers 404 for an unknown or other organisation config', async () => {
    const t = testMock();
    expect((await t.get('/configs/webhook/999')).status).toBe(404);
    expect((await t.post('/configs/webhook/999/test')).status).toBe(404);
    expect((await t.del('/configs/webhook/999')).status).toBe(404);
  });

  it('POST /configs/webhook/{id}/test honours Ricloud-Await (scaled clock): the answer is the finished task', async () => {
    const t = testMock({ clock: { mode: 'scaled', scale: 10 } });
    try {
      const r = await receiver(() => 200);
      const created = await t.post('/configs/webhook', { url: r.url });
      const test = await t.post(`/configs/webhook/${created.body.id}/test`, undefined, {
        headers: { 'Ricloud-Await': '10' },
      });
      expect(test.status).toBe(200);
      expect(test.body).toMatchObject({ type: 'webhook_config.test', state: 'succeeded', error: null });
      expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('valid');
      expect(r.requests.length).toBeGreaterThanOrEqual(1);
    } finally {
      t.mock.close();
    }
  });

  // The one rule for superseding config tests (server/domain/task.ts supersedeEarlierTests), as for storage configs.
  it('a second test supersedes one still waiting: it fails `superseded` and never sends', async () => {
    const t = testMock();
    const r = await receiver(() => 200);
    const created = await t.post('/configs/webhook', { url: r.url });
    const first = t.mock.ctx.world.orgs.get(1)!.tasks.find((x) => x.target === created.body.id)!;
    const second = await t.post(`/configs/webhook/${created.body.id}/test`);
    expect((await t.get(`/tasks/${first.id}`)).body).toMatchObject({ state: 'failed', error: 'superseded' });
    await t.advance(5);
    expect(r.requests).toHaveLength(1);
    expect((await t.get(`/tasks/${first.id}`)).body).toMatchObject({ state: 'failed', error: 'superseded' });
    expect((await t.get(`/tasks/${second.body.id}`)).body.state).toBe('succeeded');
    expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('valid');
  });

  it('a second test supersedes one already sending: the late answer of the first decides nothing', async () => {
    const t = testMock();
    // The first request is held until released (then 200); later ones answer 500 at once.
    const held: ServerResponse[] = [];
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (held.length === 0) {
          held.push(res);
          arrived();
        } else res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
      const created = await t.post('/configs/webhook', { url });
      const first = t.mock.ctx.world.orgs.get(1)!.tasks.find((x) => x.target === created.body.id)!;
      const advancing = t.advance(1);
      await firstArrived;
      expect((await t.get(`/tasks/${first.id}`)).body.state).toBe('processing');
      const second = await t.post(`/configs/webhook/${created.body.id}/test`);
      expect((await t.get(`/tasks/${first.id}`)).body).toMatchObject({
        state: 'failed',
        error: 'superseded',
      });
      held[0]!.writeHead(200).end();
      await advancing;
      expect((await t.get(`/tasks/${first.id}`)).body).toMatchObject({
        state: 'failed',
        error: 'superseded',
      });
      expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('new');
      await t.advance(1);
      expect((await t.get(`/tasks/${second.body.id}`)).body).toMatchObject({
        state: 'failed',
        error: 'webhook-unreachable',
      });
      expect((await t.get(`/configs/webhook/${created.body.id}`)).body.state).toBe('invalid');
      expect((await t.get(`/tasks/${first.id}`)).body).toMatchObject({
        state: 'failed',
        error: 'superseded',
      });
    } finally {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
