/**
 * Webhook chaos: 1,000 events to a receiver on 127.0.0.1 that answers 2xx, fails, hangs or resets the connection at
 * random (seeded). Every event must end `delivered` or `failed` after exactly 5 retries; none lost; none sent again
 * after a success; the receiver's view and the events' records agree attempt for attempt.
 */
import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { deliveryLog } from '../../server/domain/delivery.ts';
import { emitEvent } from '../../server/domain/events.ts';
import { testMock } from '../helpers/api.ts';

const EVENTS = Number(process.env.CHAOS_EVENTS ?? 1000);
const SEED = process.env.CHAOS_SEED ?? 'chaos-1';
type Outcome = 'ok' | 'fail' | 'hang' | 'reset';

/** The receiver's decision for an attempt: a hash of (seed, event, attempt), so a run replays exactly. */
function decide(eventId: string, attempt: number): Outcome {
  const h = createHash('sha256').update(`${SEED}:${eventId}:${attempt}`).digest().readUInt32LE(0) / 2 ** 32;
  if (h < 0.5) return 'ok';
  if (h < 0.85) return 'fail';
  // Hangs cost a real timeout each (wall time): rare, so the test stays well under a minute.
  if (h < 0.87) return 'hang';
  return 'reset';
}

describe('webhook chaos', () => {
  it(`settles ${EVENTS} events under a failing, hanging and resetting receiver (seed ${SEED})`, {
    timeout: 120_000,
  }, async () => {
    const attempts = new Map<string, Outcome[]>();
    const hung = new Set<ServerResponse>();
    let unsigned = 0;
    const server = createServer((req, res) => {
      const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      if (!req.headers['ricloud-signature'] && id !== 'warm-up') unsigned++;
      req.resume();
      req.on('end', () => {
        const list = attempts.get(id);
        // Not one of ours (the webhook config's own test event): accept it.
        if (!list) return void res.writeHead(204).end();
        const outcome = decide(id, list.length);
        list.push(outcome);
        switch (outcome) {
          case 'ok':
            return void res.writeHead(list.length % 2 ? 200 : 202).end('ok');
          case 'fail':
            return void res.writeHead([500, 503, 404, 400][list.length % 4] as number).end('no');
          case 'hang':
            hung.add(res);
            res.on('close', () => hung.delete(res));
            return;
          case 'reset':
            req.socket.destroy();
            return;
        }
      });
    });
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const t = testMock({ seed: SEED, timings: { webhookTimeoutMs: 300 }, deliveryLogSize: 10_000 } as never);
    try {
      const port = (server.address() as AddressInfo).port;
      // Warm up the HTTP client, so that a cold first fetch does not count as a timeout.
      await (await fetch(`http://127.0.0.1:${port}/warm-up`, { method: 'POST', body: '{}' })).text();
      const config = await t.post('/configs/webhook', { url: `http://127.0.0.1:${port}/hooks` });
      expect(config.status, config.text).toBe(201);
      await t.advance(60);
      const valid = await t.get(`/configs/webhook/${config.body.id}`);
      expect(valid.body.state).toBe('valid');
      const org = t.mock.ctx.world.orgs.get(1);
      if (!org) throw new Error('no preset organisation');
      const ids: string[] = [];
      for (let i = 0; i < EVENTS; i++) {
        const e = emitEvent(t.mock.ctx, org, {
          type: 'poll',
          action: 'completed',
          data: { id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resource: 'poll', n: i },
        });
        ids.push(e.id);
        attempts.set(e.id, []);
      }
      // Move the clock through the back-off schedule until nothing is pending (bounded).
      for (let day = 0; day < 400; day++) {
        if (!t.mock.ctx.scheduler.pending().some((j) => j.kind === 'webhook.deliver')) break;
        await t.advance(24 * 3600);
      }
      let delivered = 0;
      let failed = 0;
      for (const id of ids) {
        const e = org.events.get(id);
        expect(e, `event ${id} lost`).toBeDefined();
        if (!e) continue;
        const seen = attempts.get(id) ?? [];
        const firstOk = seen.indexOf('ok');
        if (e.state === 'delivered') {
          delivered++;
          // Exactly the attempts up to the first success, and nothing after it.
          expect(firstOk, `${id} delivered without a 2xx`).toBeGreaterThanOrEqual(0);
          expect(
            seen.length,
            `${id} sent again after success: receiver ${seen.join(',')}; mock log ${JSON.stringify(
              deliveryLog(t.mock.ctx)
                .list({ event: id })
                .map((a) => [a.attempt, a.status, a.error, a.duration_ms]),
            )}`,
          ).toBe(firstOk + 1);
          expect(e.retries).toBe(firstOk);
          expect(e.date_delivered).not.toBeNull();
        } else {
          expect(e.state, `${id} did not settle`).toBe('failed');
          failed++;
          expect(e.retries).toBe(4);
          expect(seen.length, `${id}: ${seen.join(',')}`).toBe(5);
          expect(firstOk).toBe(-1);
        }
      }
      expect(delivered + failed).toBe(EVENTS);
      expect(failed, 'the seed should make some events fail every attempt').toBeGreaterThan(0);
      expect(unsigned).toBe(0);
      const outcomes = [...attempts.values()].flat();
      console.info(
        `webhook chaos: ${EVENTS} events → ${delivered} delivered, ${failed} failed; ${outcomes.length} attempts (` +
          (['ok', 'fail', 'hang', 'reset'] as const)
            .map((o) => `${o} ${outcomes.filter((x) => x === o).length}`)
            .join(', ') +
          ')',
      );
    } finally {
      t.mock.close();
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
