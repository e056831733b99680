// Webhook deliveries: signed HTTP POSTs of events, retried with back-off on the mock's clock, in order per receiver.
import type { EventState } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import type { Job } from '../runtime/scheduler.ts';
import { SIGNATURE_HEADER, signPayload } from '../runtime/signature.ts';
import { eventUrl, postOnce } from '../runtime/webhook-transport.ts';
import { type MockContext, nowOf } from './context.ts';
import type { DeliveryAttempt, DeliveryLog } from './delivery-log.ts';
import {
  assertNever,
  type MachineDefinition,
  reject,
  rejection,
  statesOf,
  type Transition,
} from './machine.ts';
import { presentEvent } from './presenters.ts';
import type { EventRecord, OrgState, WebhookConfigRecord } from './store.ts';

/**
 * Delay before retry n+1 after a failed attempt n: 1 min, 5 min, 30 min, 2 h. "The API will attempt to deliver
 * events to your webhook receiver up to 5 times over the course of a few hours"
 * (https://reincubate.com/support/ricloud/events): the first attempt and 4 retries, about 2.6 h in all.
 * DIVERGENCE(events.retry-backoff): the page gives no schedule; these delays are the mock's.
 */
export const RETRY_BACKOFF_MS = [60_000, 300_000, 1_800_000, 7_200_000] as const;

/** Retries after the first attempt; the event is `failed` when the last one fails. */
export const MAX_RETRIES = RETRY_BACKOFF_MS.length;

export const DELIVER_JOB = 'webhook.deliver';

export const DELIVERY_STATES = statesOf<EventState>({ pending: true, delivered: true, failed: true });

/** The outcome of one attempt, or a decision about the event, fed to `deliveryTransition`. */
export type DeliveryEvent =
  | { type: 'succeeded' }
  /** Attempt `retries + 1` (retry `retries`; 0 is the first attempt) failed. */
  | { type: 'failed'; retries: number }
  /** Its webhook config was deleted or deactivated: nothing more is sent. */
  | { type: 'abandoned' }
  /** A manual redelivery (control API) got a 2xx. */
  | { type: 'redelivered' };

/** One example of each delivery event, by name. */
export const DELIVERY_EVENTS: Readonly<Record<DeliveryEvent['type'], DeliveryEvent>> = {
  succeeded: { type: 'succeeded' },
  failed: { type: 'failed', retries: 0 },
  abandoned: { type: 'abandoned' },
  redelivered: { type: 'redelivered' },
};

export type DeliveryEffect =
  | { type: 'mark-delivered' }
  | { type: 'schedule-retry'; retry: number; delayMs: number }
  | { type: 'cancel-retries' }
  /** The receiver's queue moves on to the next event. */
  | { type: 'release-queue' };

/**
 * The delivery state machine, pure: an event is `pending` until an attempt succeeds (`delivered`) or the fourth
 * retry (the fifth attempt) fails (`failed`). Results arriving for a finished event are illegal and change nothing,
 * so no event is delivered twice; only a manual redelivery moves a `failed` event on.
 * @see https://reincubate.com/support/ricloud/events
 */
export function deliveryTransition(
  state: EventState,
  event: DeliveryEvent,
): Transition<EventState, DeliveryEffect> {
  switch (state) {
    case 'pending':
      switch (event.type) {
        case 'succeeded':
          return { state: 'delivered', effects: [{ type: 'mark-delivered' }, { type: 'release-queue' }] };
        case 'failed': {
          const delay = RETRY_BACKOFF_MS[event.retries];
          if (delay === undefined) return { state: 'failed', effects: [{ type: 'release-queue' }] };
          return {
            state,
            effects: [{ type: 'schedule-retry', retry: event.retries + 1, delayMs: delay }],
          };
        }
        case 'abandoned':
          return { state: 'failed', effects: [{ type: 'cancel-retries' }, { type: 'release-queue' }] };
        case 'redelivered':
          return {
            state: 'delivered',
            effects: [{ type: 'mark-delivered' }, { type: 'cancel-retries' }, { type: 'release-queue' }],
          };
        default:
          return assertNever(event);
      }
    case 'delivered':
      return reject(state, 'the event is already delivered');
    case 'failed':
      // A receiver fixed after the last retry can still get the event through a manual redelivery.
      if (event.type === 'redelivered') return { state: 'delivered', effects: [{ type: 'mark-delivered' }] };
      return reject(state, 'the event has failed; only a manual redelivery can deliver it');
    default:
      return assertNever(state);
  }
}

export const deliveryMachine: MachineDefinition<EventState, DeliveryEvent, DeliveryEffect> = {
  initial: 'pending',
  states: DELIVERY_STATES,
  events: DELIVERY_EVENTS,
  transition: deliveryTransition,
};

// ---------------------------------------------------------------------------------------------------------------
// The delivery log (control API): a capped ring buffer per world, so that a reset empties it.

export type { DeliveryAttempt } from './delivery-log.ts';

/** The delivery log of the mock (kept on its context; emptied by a full reset or a snapshot import). */
export function deliveryLog(ctx: MockContext): DeliveryLog {
  return ctx.deliveries;
}

// ---------------------------------------------------------------------------------------------------------------
// Sending.

/** What one HTTP attempt returned. */
export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The Ricloud-Signature header that was sent. */
  signature: string;
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError')
    return 'timeout';
  const code = e?.cause?.code ?? e?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection-refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection-reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns-error';
    default:
      return code ? String(code).toLowerCase() : 'network-error';
  }
}

/**
 * POSTs a signed body once. Never throws: a refusal, reset or timeout is a failed result. The timeout is wall time
 * because a real socket is waiting (`timings.webhookTimeoutMs`).
 *
 * The signature's `t` is wall time in every clock mode, as the API's own clock is (ricloud-py signs and checks with
 * `int(time.time())`): a receiver compares it with its clock and a 600 s limit, and a manual clock sitting at
 * 2026-01-01 would make every delivery stale. The body's dates stay on the mock clock (and deterministic); only the
 * header carries wall time. Stripe's test clocks do the same.
 * @see https://reincubate.com/support/ricloud/webhook-configuration
 */
export async function sendSigned(
  ctx: MockContext,
  url: string,
  secret: string,
  body: string,
): Promise<SendResult> {
  const t = Math.floor(ctx.wallNow() / 1000);
  const started = performance.now(); // allow-ambient: network timing (duration_ms in the delivery log)
  const signature = signPayload(secret, body, t);
  try {
    const status = await postOnce(
      url,
      {
        'Content-Type': 'application/json',
        'User-Agent': 'ricloud-mock',
        [SIGNATURE_HEADER]: signature,
      },
      body,
      // node:http never follows a redirect: a 3xx is not a 2xx, so it counts as a failed attempt.
      AbortSignal.timeout(ctx.options.timings.webhookTimeoutMs), // allow-ambient: network timeout
    );
    const ok = status >= 200 && status < 300;
    return { ok, status, error: null, durationMs: elapsed(started), signature };
  } catch (err) {
    return {
      ok: false,
      status: null,
      error: describeFetchError(err),
      durationMs: elapsed(started),
      signature,
    };
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started); // allow-ambient: network timing
}

/** The exact bytes sent for an event: the event as `GET /events/{id}` presents it at that moment. */
export function eventBody(ctx: MockContext, event: EventRecord): string {
  return JSON.stringify(presentEvent(ctx, event));
}

/** Sends an event to a config once and writes the attempt to the delivery log. */
export async function sendEvent(
  ctx: MockContext,
  org: OrgState,
  event: EventRecord,
  config: WebhookConfigRecord,
  kind: DeliveryAttempt['kind'],
  attempt: number,
): Promise<{ result: SendResult; entry: DeliveryAttempt }> {
  const url = eventUrl(config.url, event.id);
  const date = toIso(nowOf(ctx, org));
  const result = await sendSigned(ctx, url, config.secret, eventBody(ctx, event));
  const entry = deliveryLog(ctx).add({
    event: event.id,
    organisation: org.id,
    event_type: `${event.type}.${event.action}`,
    kind,
    url,
    attempt,
    ok: result.ok,
    status: result.status,
    error: result.error,
    duration_ms: result.durationMs,
    date,
    signature: result.signature,
  });
  return { result, entry };
}

// ---------------------------------------------------------------------------------------------------------------
// Per-receiver queues: while an event waits for its retries, later events to the same config wait behind it, so a
// receiver sees events in the order they happened.
// DIVERGENCE(webhooks.delivery-order): the docs promise no order; the mock guarantees it per webhook config, at the price that a dead
// receiver holds later events back until the earlier one is delivered or has failed (about 2.6 h of retries). Queues are derived from the events table (pending events with
// a target), so a restored snapshot rebuilds them.

/** The organisation's queues, rebuilt from its events on first use (kept on the organisation, never exported). */
function queuesOf(org: OrgState): Map<string, string[]> {
  let q = org.deliveryQueues;
  if (!q) {
    q = new Map();
    for (const e of org.events.values()) {
      const config = e.x?.config;
      if (e.state !== 'pending' || !config || e.type === 'webhook_config') continue;
      const list = q.get(config) ?? [];
      list.push(e.id);
      q.set(config, list);
    }
    org.deliveryQueues = q;
  }
  return q;
}

/** Queues an event for its webhook config; the first in line is attempted at once (as a job, never inline). */
export function enqueueDelivery(ctx: MockContext, org: OrgState, event: EventRecord): void {
  const config = event.x?.config;
  if (!config) return;
  const all = queuesOf(org);
  const queue = all.get(config) ?? [];
  if (!queue.includes(event.id)) queue.push(event.id);
  all.set(config, queue);
  if (queue[0] === event.id) scheduleAttempt(ctx, org, event.id, 0, 0);
}

function scheduleAttempt(
  ctx: MockContext,
  org: OrgState,
  eventId: string,
  retry: number,
  delayMs: number,
): void {
  ctx.scheduler.schedule(DELIVER_JOB, org.id, { event: eventId, retry }, delayMs);
}

/** Drops a finished event from its queue and starts the next pending one. */
function releaseQueue(ctx: MockContext, org: OrgState, event: EventRecord): void {
  const config = event.x?.config;
  if (!config) return;
  const all = queuesOf(org);
  const queue = (all.get(config) ?? []).filter((id) => id !== event.id);
  while (queue.length && org.events.get(queue[0])?.state !== 'pending') queue.shift();
  if (queue.length) all.set(config, queue);
  else all.delete(config);
  const head = queue[0];
  if (head && !ctx.scheduler.pending().some((j) => j.kind === DELIVER_JOB && j.args.event === head)) {
    scheduleAttempt(ctx, org, head, org.events.get(head)?.retries ?? 0, 0);
  }
}

/** The delivery runner: applies an event to a stored event record and runs its effects (illegal: nothing). */
export function applyDelivery(ctx: MockContext, org: OrgState, event: EventRecord, e: DeliveryEvent): void {
  const t = deliveryTransition(event.state, e);
  if (rejection(t) !== undefined) return;
  event.state = t.state;
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'mark-delivered':
        event.date_delivered = toIso(nowOf(ctx, org));
        break;
      case 'schedule-retry':
        scheduleAttempt(ctx, org, event.id, effect.retry, effect.delayMs);
        break;
      case 'cancel-retries':
        ctx.scheduler.cancel((j) => j.kind === DELIVER_JOB && j.org === org.id && j.args.event === event.id);
        break;
      case 'release-queue':
        releaseQueue(ctx, org, event);
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
}

/** The job: one attempt (retry 0 is the first) of a pending event. */
function runAttempt(ctx: MockContext, job: Job): Promise<void> | undefined {
  const org = job.org === null ? undefined : ctx.world.orgs.get(job.org);
  const event = org?.events.get(String(job.args.event));
  if (!org || !event || event.state !== 'pending') return;
  const config = org.webhookConfigs.get(event.x?.config);
  if (!config || config.state === 'deactivated') {
    applyDelivery(ctx, org, event, { type: 'abandoned' });
    return;
  }
  event.retries = Number(job.args.retry) || 0;
  return sendEvent(ctx, org, event, config, 'delivery', event.retries + 1).then(({ result }) => {
    applyDelivery(
      ctx,
      org,
      event,
      result.ok ? { type: 'succeeded' } : { type: 'failed', retries: event.retries },
    );
  });
}

/** Registers the delivery job with the scheduler. */
export function registerDeliveryJobs(ctx: MockContext): void {
  ctx.scheduler.register(DELIVER_JOB, (job) => runAttempt(ctx, job));
}

/**
 * Sends an event again now (control API), to the config it was meant for (else the one that applies now).
 * A 2xx marks a pending or failed event delivered; a failure changes nothing but the log.
 */
export async function redeliverEvent(
  ctx: MockContext,
  org: OrgState,
  event: EventRecord,
  config: WebhookConfigRecord,
): Promise<DeliveryAttempt> {
  const attempts = deliveryLog(ctx).list({ event: event.id }).length;
  const { result, entry } = await sendEvent(ctx, org, event, config, 'redelivery', attempts + 1);
  if (result.ok) applyDelivery(ctx, org, event, { type: 'redelivered' });
  return entry;
}
