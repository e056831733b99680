// The webhook receiver checks: the kit POSTs deliveries signed as the mock signs them (same code) to the user's
// receiver, at `<url>/<event id>` as the mock and the API do, and judges the statuses it answers.
import { createHash } from 'node:crypto';
import { SIGNATURE_HEADER, signPayload } from '../../server/runtime/signature.ts';
import { eventUrl } from '../../server/runtime/webhook-transport.ts';
import { UsageError } from './client.ts';
import { buildReport, type CheckResult, type ConformanceReport } from './report.ts';

export interface ReceiverConformanceOptions {
  /** The receiver's url; each delivery goes to `<url>/<event id>`. */
  url: string;
  /** The webhook config's secret the receiver verifies with. */
  secret: string;
  /** The largest timestamp age the receiver accepts, seconds (default 600, as ricloud-py's delta). */
  toleranceSeconds?: number;
  /** Wall-clock limit of one delivery, ms (default 10,000, the mock's webhook timeout). */
  timeoutMs?: number;
  /** Unix seconds now (default the wall clock: the receiver compares with its own clock). */
  nowSeconds?: () => number;
}

interface Delivery {
  /** What the kit sent, for the evidence. */
  label: string;
  eventId: string;
  body: string;
  /** The Ricloud-Signature header, or null to send none. */
  signature: string | null;
}

interface ReceiverCheck {
  name: string;
  purpose: string;
  rule: string;
  source: string;
  /** The deliveries, sent one after the other. */
  deliveries(secret: string, now: number, tolerance: number): Delivery[];
  /** Each delivery's expected status class. */
  expect: '2xx' | '4xx';
}

const WEBHOOK_DOCS =
  'https://reincubate.com/support/ricloud/webhook-configuration "Verifying event signatures"';
const PY_RECEIVER =
  'ricloud-py ricloud/webhooks.py (abort(400) when verify_request fails) and ricloud/signing.py';

/** A fixed UUID per check (the same run sends the same ids; a receiver that stores ids sees them again). */
function uuidOf(name: string): string {
  const h = createHash('sha256').update(`ricloud-mock conformance ${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An event as the API sends it (GET /events/{id}'s shape). */
function eventBody(id: string, type: string, action: string, nowSeconds: number): string {
  const date = new Date(nowSeconds * 1000).toISOString().replace('Z', '000Z');
  return JSON.stringify({
    id,
    resource: 'event',
    type,
    action,
    data: {
      id: uuidOf(`${id} data`),
      resource: 'webhook_config',
      url: 'https://receiver.example/webhooks',
      state: 'valid',
      date_created: date,
    },
    state: 'pending',
    retries: 0,
    date_created: date,
    date_delivered: null,
  });
}

function signed(
  label: string,
  name: string,
  secret: string,
  t: number,
  now: number,
  type = 'webhook_config',
  action = 'test',
): Delivery {
  const eventId = uuidOf(name);
  const body = eventBody(eventId, type, action, now);
  return { label, eventId, body, signature: signPayload(secret, body, t) };
}

export const RECEIVER_CHECKS: ReceiverCheck[] = [
  {
    name: 'valid-delivery',
    purpose: 'A correctly signed, fresh delivery is accepted.',
    rule: 'A delivery signed with the secret, timestamp now, answers 2xx (any other answer makes the API retry it).',
    source: `${WEBHOOK_DOCS}; https://reincubate.com/support/ricloud/events ("The API will attempt to deliver events to your webhook receiver up to 5 times": a non-2xx is retried)`,
    expect: '2xx',
    deliveries: (secret, now) => [signed('signed, t=now', 'valid-delivery', secret, now, now)],
  },
  {
    name: 'bad-signature',
    purpose: 'A forged delivery is rejected.',
    rule: 'A delivery whose signature was made with another secret answers 4xx.',
    source: `${WEBHOOK_DOCS}; ${PY_RECEIVER} (InvalidSignature)`,
    expect: '4xx',
    deliveries: (secret, now) => [
      signed('signed with a wrong secret', 'bad-signature', `${secret}-wrong`, now, now),
    ],
  },
  {
    name: 'missing-signature',
    purpose: 'An unsigned delivery is rejected.',
    rule: 'A delivery with no Ricloud-Signature header answers 4xx.',
    source: `${WEBHOOK_DOCS} ("Each webhook request includes a Ricloud-Signature header"); ${PY_RECEIVER}`,
    expect: '4xx',
    deliveries: (secret, now) => [
      { ...signed('no Ricloud-Signature header', 'missing-signature', secret, now, now), signature: null },
    ],
  },
  {
    name: 'stale-timestamp',
    purpose: 'A replayed (old) delivery is rejected.',
    rule: 'A correctly signed delivery whose timestamp is older than the tolerance (by 60 s) answers 4xx.',
    source: `${WEBHOOK_DOCS} ("a timestamp ... to counter replay attacks"); ${PY_RECEIVER} (InvalidSignatureTimestamp, delta 600)`,
    expect: '4xx',
    deliveries: (secret, now, tolerance) => [
      signed(`signed, t=now-${tolerance + 60}s`, 'stale-timestamp', secret, now - tolerance - 60, now),
    ],
  },
  {
    name: 'malformed-body',
    purpose: 'A body that is not an event is rejected, even when signed.',
    rule: 'A correctly signed delivery whose body is not JSON answers 4xx (never 2xx, never 5xx).',
    source: `${PY_RECEIVER} (abort(400) when the body is not JSON or handling fails)`,
    expect: '4xx',
    deliveries: (secret, now) => {
      const body = '{"id": "not json",';
      return [
        {
          label: 'signed, body not JSON',
          eventId: uuidOf('malformed-body'),
          body,
          signature: signPayload(secret, body, now),
        },
      ];
    },
  },
  {
    name: 'duplicate-event',
    purpose: 'The same event delivered twice is accepted twice (deliveries are at least once).',
    rule: 'The same event (same id and body), signed afresh, delivered twice: 2xx both times.',
    source:
      'https://reincubate.com/support/ricloud/events ("The API will attempt to deliver events to your webhook receiver up to 5 times": a receiver can see the same event again)',
    expect: '2xx',
    deliveries: (secret, now) => [
      signed('first delivery', 'duplicate-event', secret, now, now),
      signed('the same event again', 'duplicate-event', secret, now + 1, now),
    ],
  },
  {
    name: 'unknown-event-type',
    purpose: 'A new kind of event does not break the receiver (forward compatible).',
    rule: 'A correctly signed event of a type the receiver cannot know (future_resource.happened) answers 2xx.',
    source:
      'https://reincubate.com/support/ricloud/events (the list of event types grows); ricloud-py webhooks.py handle_event (any type is accepted)',
    expect: '2xx',
    deliveries: (secret, now) => [
      signed(
        'type future_resource.happened',
        'unknown-event-type',
        secret,
        now,
        now,
        'future_resource',
        'happened',
      ),
    ],
  },
];

export const RECEIVER_CHECK_NAMES = RECEIVER_CHECKS.map((c) => c.name);

async function deliver(
  url: string,
  d: Delivery,
  timeoutMs: number,
): Promise<{ status: number | null; error?: string }> {
  try {
    const res = await fetch(eventUrl(url, d.eventId), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'ricloud-mock conformance',
        ...(d.signature === null ? {} : { [SIGNATURE_HEADER]: d.signature }),
      },
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    return { status: res.status };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { status: null, error: 'timeout' };
    return { status: null, error: e.cause?.code ?? e.cause?.message ?? e.message ?? 'network-error' };
  }
}

/**
 * Runs the receiver checks against a running receiver and returns the report.
 * @example const report = await runReceiverConformance({ url: 'http://127.0.0.1:5000/webhooks', secret });
 */
export async function runReceiverConformance(
  options: ReceiverConformanceOptions,
): Promise<ConformanceReport> {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(options.url)} is not a url`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError('--url must be http(s)');
  if (!options.secret) throw new UsageError('--secret needs the webhook secret');
  const tolerance = options.toleranceSeconds ?? 600;
  if (!(Number.isInteger(tolerance) && tolerance >= 1))
    throw new UsageError('--tolerance must be a whole number of seconds ≥ 1');
  const started = performance.now();
  const results: CheckResult[] = [];
  for (const check of RECEIVER_CHECKS) {
    const t0 = performance.now();
    const now = Math.floor(options.nowSeconds?.() ?? Date.now() / 1000);
    const evidence: string[] = [];
    const wrong: string[] = [];
    for (const d of check.deliveries(options.secret, now, tolerance)) {
      const { status, error } = await deliver(options.url, d, options.timeoutMs ?? 10_000);
      const line = `POST ${eventUrl(options.url, d.eventId)} (${d.label}${d.signature ? `, Ricloud-Signature: ${d.signature.replace(/s=.*/, 's=…')}` : ''}) → ${status ?? error}`;
      evidence.push(line);
      const ok =
        status !== null &&
        (check.expect === '2xx' ? status >= 200 && status < 300 : status >= 400 && status < 500);
      if (!ok) wrong.push(`${d.label} → ${status ?? error}`);
    }
    results.push({
      name: check.name,
      ok: wrong.length === 0,
      purpose: check.purpose,
      rule: check.rule,
      source: check.source,
      summary: wrong.length
        ? `expected ${check.expect}, got: ${wrong.join('; ')}`
        : `${check.expect} as expected`,
      evidence,
      duration_ms: Math.round(performance.now() - t0),
    });
  }
  return buildReport('receiver', options.url, results, performance.now() - started);
}
