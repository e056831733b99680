// Proofs of the receiver catalogue over real sockets: a careful receiver passes all, the broken one fails exactly
// the checks its faults break.
import { afterEach, describe, expect, it } from 'vitest';
import { createMock } from '../../server/app.ts';
import { type RunningReceiver, referenceDecision, startReceiver } from './drivers/reference-receiver.ts';
import { brokenDecision } from './fixtures/broken-receiver.ts';
import { RECEIVER_CHECK_NAMES, runReceiverConformance } from './receiver.ts';
import { renderTable } from './report.ts';

const SECRET = 'receiver-test-secret';
let receiver: RunningReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('receiver conformance', () => {
  it('a receiver built on the reference verifier passes every check and handles the duplicate once', async () => {
    receiver = await startReceiver(referenceDecision(SECRET));
    const report = await runReceiverConformance({ url: receiver.url, secret: SECRET });
    expect(report.checks.map((c) => c.name)).toEqual(RECEIVER_CHECK_NAMES);
    expect(
      report.checks.filter((c) => !c.ok),
      renderTable(report),
    ).toEqual([]);
    // valid-delivery, duplicate-event (once) and unknown-event-type were handled; nothing rejected was.
    expect(receiver.handled).toHaveLength(3);
  });

  it('the broken receiver fails exactly stale-timestamp, duplicate-event and unknown-event-type', async () => {
    receiver = await startReceiver(brokenDecision(SECRET));
    const report = await runReceiverConformance({ url: receiver.url, secret: SECRET });
    expect(
      report.checks.filter((c) => !c.ok).map((c) => c.name),
      renderTable(report),
    ).toEqual(['stale-timestamp', 'duplicate-event', 'unknown-event-type']);
    const dup = report.checks.find((c) => c.name === 'duplicate-event');
    expect(dup?.summary).toBe('expected 2xx, got: the same event again → 409');
  });

  it('--tolerance moves the stale timestamp: a receiver with a 60 s window rejects t = now - 120 s', async () => {
    receiver = await startReceiver(referenceDecision(SECRET, 60));
    const report = await runReceiverConformance({ url: receiver.url, secret: SECRET, toleranceSeconds: 60 });
    expect(report.ok, renderTable(report)).toBe(true);
    expect(report.checks.find((c) => c.name === 'stale-timestamp')?.evidence[0]).toMatch(/t=now-120s/);
  });

  it("the receiver that passes every check also accepts the mock's own deliveries under the manual clock (2026-01-01)", async () => {
    // The same verifier, the same wall clock and the same 600 s as the checks above: the mock signs with wall time.
    let secret = '';
    receiver = await startReceiver((req, raw, handled) => referenceDecision(secret)(req, raw, handled));
    const mock = createMock({ seed: 'receiver-manual-clock' });
    expect(mock.clock.mode).toBe('manual');
    const headers = { Authorization: `Token ${mock.token}`, 'Content-Type': 'application/json' };
    const res = await mock.app.request('/configs/webhook', {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: receiver.url }),
    });
    const config = (await res.json()) as { id: string; secret: string };
    secret = config.secret;
    await mock.advance(2);
    const after = await mock.app.request(`/configs/webhook/${config.id}`, { headers });
    expect(((await after.json()) as { state: string }).state).toBe('valid');
    const events = await mock.app.request('/events?type=webhook_config.test', { headers });
    const { data } = (await events.json()) as { data: { id: string; state: string; date_created: string }[] };
    expect(data.map((e) => [e.state, e.date_created.slice(0, 10)])).toEqual([['delivered', '2026-01-01']]);
    expect(receiver.handled).toEqual([data[0]?.id]);
    mock.close();
  });

  it('a receiver that is not there fails every check with the network error, and the kit does not throw', async () => {
    // A port that was free a moment ago: nothing listens there.
    const gone = await startReceiver(referenceDecision(SECRET));
    await gone.close();
    const report = await runReceiverConformance({
      url: gone.url,
      secret: SECRET,
      timeoutMs: 2000,
    });
    expect(report.failed).toBe(RECEIVER_CHECK_NAMES.length);
    expect(report.checks[0]?.summary).toMatch(/→ ECONNREFUSED/);
  });
});
