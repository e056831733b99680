// Subscriptions: polls on an interval (iCloud) or pushed by the device once the app user allows it (Relay).
import type { RequestBody, SubscriptionState } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import { parseDateTime } from '../runtime/dates.ts';
import type { Job } from '../runtime/scheduler.ts';
import { type MockContext, nowOf } from './context.ts';
import { ApiError, Errors } from './errors.ts';
import { applicableWebhookConfig } from './events.ts';
import {
  assertNever,
  type MachineDefinition,
  reject,
  rejection,
  statesOf,
  type Transition,
} from './machine.ts';
import { asksForNothing, createPoll } from './poll.ts';
import type { KeyRecord, OrgState, PollRecord, SubscriptionRecord } from './store.ts';

export const SUBSCRIPTION_POLL_JOB = 'subscription.poll';
export const SUBSCRIPTION_ALLOW_JOB = 'subscription.allow';
export const SUBSCRIPTION_KEEPALIVE_JOB = 'subscription.keepalive';

/**
 * Default and minimum interval, seconds: "The default interval is now 24 hours for rirelay.source sources, with a
 * minimum interval of 1 hour" (https://reincubate.com/support/ricloud/changelog/).
 * DIVERGENCE(subscriptions.interval-default-and-minimum): the mock applies them to every source type.
 */
export const DEFAULT_INTERVAL_SECONDS = 86_400;
export const MIN_INTERVAL_SECONDS = 3_600;

export const SUBSCRIPTION_STATES = statesOf<SubscriptionState>({
  pending: true,
  active: true,
  deleted: true,
});

/** What can happen to a subscription: the Relay app user allows it, or it is deleted. */
export type SubscriptionEvent = { type: 'allow' } | { type: 'delete' };

/** One example of each subscription event, by name. */
export const SUBSCRIPTION_EVENTS: Readonly<Record<SubscriptionEvent['type'], SubscriptionEvent>> = {
  allow: { type: 'allow' },
  delete: { type: 'delete' },
};

export type SubscriptionEffect = { type: 'schedule-polls' } | { type: 'cancel-jobs' };

/**
 * The subscription state machine, pure. iCloud subscriptions are created `active`; Relay ones `pending` until
 * the app user allows them. `deleted` is final.
 * @see https://reincubate.com/support/ricloud/subscriptions/
 */
export function subscriptionTransition(
  state: SubscriptionState,
  event: SubscriptionEvent,
): Transition<SubscriptionState, SubscriptionEffect> {
  switch (state) {
    case 'pending':
      switch (event.type) {
        case 'allow':
          return { state: 'active', effects: [{ type: 'schedule-polls' }] };
        case 'delete':
          return { state: 'deleted', effects: [{ type: 'cancel-jobs' }] };
        default:
          return assertNever(event);
      }
    case 'active':
      switch (event.type) {
        case 'allow':
          return reject(state, 'the subscription is already active');
        case 'delete':
          return { state: 'deleted', effects: [{ type: 'cancel-jobs' }] };
        default:
          return assertNever(event);
      }
    case 'deleted':
      return reject(state, 'the subscription is deleted, which is final');
    default:
      return assertNever(state);
  }
}

export const subscriptionMachine: MachineDefinition<
  SubscriptionState,
  SubscriptionEvent,
  SubscriptionEffect
> = {
  initial: 'pending',
  states: SUBSCRIPTION_STATES,
  events: SUBSCRIPTION_EVENTS,
  transition: subscriptionTransition,
};

/** Relay sources push data from the device: their subscriptions wait for the app user's consent. */
export function isRelaySourceType(type: string | undefined): boolean {
  return type?.startsWith('rirelay.') ?? false;
}

/**
 * POST /subscriptions: the session must exist (404) and be `active` (409); `source`, if given, must be the
 * session's source or one of its children; the payload must ask for something. iCloud → `active` now, Relay →
 * `pending` (allowed through the control API or after `timings.relayAutoAllowMs`).
 * @see https://reincubate.com/support/ricloud/subscriptions/
 */
export function createSubscription(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  body: RequestBody<'createSubscription'>,
): SubscriptionRecord {
  const p = body.poll_payload;
  // The same rule as a poll's (its polls are made from this payload): see asksForNothing.
  if (asksForNothing(p)) {
    throw Errors.invalidParameters({
      poll_payload: 'must ask for at least one of info_types, data_types or files',
    });
  }
  const interval = body.interval ?? DEFAULT_INTERVAL_SECONDS;
  if (!(interval >= MIN_INTERVAL_SECONDS) || interval > 365 * 86_400) {
    throw Errors.invalidParameters({
      interval: `must be between ${MIN_INTERVAL_SECONDS} and 31536000 seconds`,
    });
  }
  const start = body.date_start === undefined ? undefined : parseDateTime(body.date_start);
  const end = body.date_end === undefined ? undefined : parseDateTime(body.date_end);
  if (body.date_start !== undefined && start === undefined)
    throw Errors.invalidParameters({ date_start: 'must match format "date-time"' });
  if (body.date_end !== undefined && end === undefined)
    throw Errors.invalidParameters({ date_end: 'must match format "date-time"' });
  if (start !== undefined && end !== undefined && end <= start) {
    throw Errors.invalidParameters({ date_end: 'must be after date_start' });
  }
  const session = org.sessions.get(body.session);
  if (!session) throw Errors.notFound('session', body.session);
  if (session.state !== 'active') throw Errors.invalidState('session', session.id, session.state);
  let sourceId = session.source;
  if (body.source !== undefined) {
    const source = org.sources.get(String(body.source));
    if (!source) throw Errors.notFound('source', String(body.source));
    if (source.id !== session.source && source.parent !== session.source) {
      throw Errors.invalidParameters({ source: `is not the session's source or one of its children` });
    }
    sourceId = source.id;
  }
  // "valid - ... An organisation must have at least one webhook config in this state in order to be useable"
  // (https://reincubate.com/support/ricloud/webhook-configs): a subscription's polls are announced by events, so
  // one is refused while no valid webhook config applies to the key (its own, else the organisation default).
  // DIVERGENCE(webhook-configs.subscription-error): the page names no error; 409 organisation-unconfigured.
  if (!applicableWebhookConfig(org, key.id)) throw Errors.webhookUnconfigured();
  const relay = isRelaySourceType(org.sources.get(sourceId)?.type);
  const now = nowOf(ctx, org);
  const sub: SubscriptionRecord = {
    id: ctx.ids.uuid(),
    resource: 'subscription',
    org: String(org.id),
    source: sourceId,
    session: session.id,
    poll_payload: structuredClone(p),
    interval,
    date_start: start === undefined ? null : toIso(start),
    date_end: end === undefined ? null : toIso(end),
    state: relay ? 'pending' : 'active',
    date_created: toIso(now),
    x: { nextPollAt: null, key: key.id },
  } as SubscriptionRecord;
  org.subscriptions.insert(sub);
  const autoAllowMs = ctx.options.timings.relayAutoAllowMs;
  if (!relay) schedulePolls(ctx, org, sub);
  else {
    if (autoAllowMs !== null)
      ctx.scheduler.schedule(SUBSCRIPTION_ALLOW_JOB, org.id, { subscription: sub.id }, autoAllowMs);
    keepSessionAlive(ctx, org, sub);
  }
  return sub;
}

/**
 * When the first automatic poll happens: at `date_start` when that is still ahead, else one interval from now
 * (creation or, for Relay, consent). DIVERGENCE(webhooks.subscription-first-poll): the docs do not say whether the first poll is immediate.
 */
function firstPollAt(ctx: MockContext, org: OrgState, sub: SubscriptionRecord): number {
  const now = nowOf(ctx, org);
  const start = sub.date_start === null ? undefined : parseDateTime(sub.date_start);
  return start !== undefined && start > now ? start : now + sub.interval * 1000;
}

function schedulePolls(ctx: MockContext, org: OrgState, sub: SubscriptionRecord): void {
  scheduleNext(ctx, org, sub, firstPollAt(ctx, org, sub));
}

function scheduleNext(ctx: MockContext, org: OrgState, sub: SubscriptionRecord, at: number): void {
  const end = sub.date_end === null ? undefined : parseDateTime(sub.date_end);
  if (end !== undefined && at > end) {
    sub.x.nextPollAt = null;
    return;
  }
  sub.x.nextPollAt = at;
  ctx.scheduler.scheduleAt(SUBSCRIPTION_POLL_JOB, org.id, { subscription: sub.id }, at);
  // DIVERGENCE(webhooks.subscription-keeps-session): an active subscription keeps its session in use until its next poll, so that the idle expiry
  // (1 h by default) does not end a subscription whose interval is at least 1 h.
  const session = org.sessions.get(sub.session);
  if (session?.state === 'active') session.x.lastUsed = Math.max(session.x.lastUsed, at);
}

/**
 * DIVERGENCE(webhooks.subscription-keeps-session): while a Relay subscription waits for consent, it keeps its session from idling out (a touch every
 * half idle period), so that an app user who allows it hours later gets polls.
 */
function keepSessionAlive(ctx: MockContext, org: OrgState, sub: SubscriptionRecord): void {
  const idleMs = ctx.options.timings.sessionIdleMs;
  const session = org.sessions.get(sub.session);
  if (idleMs === null || session?.state !== 'active' || sub.state !== 'pending') return;
  session.x.lastUsed = Math.max(session.x.lastUsed, nowOf(ctx, org));
  ctx.scheduler.schedule(
    SUBSCRIPTION_KEEPALIVE_JOB,
    org.id,
    { subscription: sub.id },
    Math.max(1000, idleMs / 2),
  );
}

function isSubscriptionJob(kind: string): boolean {
  return (
    kind === SUBSCRIPTION_POLL_JOB || kind === SUBSCRIPTION_ALLOW_JOB || kind === SUBSCRIPTION_KEEPALIVE_JOB
  );
}

/** The subscription runner: applies an event and runs its effects; false when the pair is illegal. */
function applySubscriptionEvent(
  ctx: MockContext,
  org: OrgState,
  sub: SubscriptionRecord,
  event: SubscriptionEvent,
): boolean {
  const t = subscriptionTransition(sub.state, event);
  if (rejection(t) !== undefined) return false;
  sub.state = t.state;
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'schedule-polls':
        schedulePolls(ctx, org, sub);
        break;
      case 'cancel-jobs':
        cancelJobs(ctx, org, sub);
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
  return true;
}

function cancelJobs(ctx: MockContext, org: OrgState, sub: SubscriptionRecord): void {
  ctx.scheduler.cancel(
    (j) => isSubscriptionJob(j.kind) && j.org === org.id && j.args.subscription === sub.id,
  );
  sub.x.nextPollAt = null;
}

/**
 * The Relay app user allows the subscription (control API or auto-allow): `pending` → `active`, device-pushed polls
 * on the interval. Returns false when it was not pending.
 */
export function allowSubscription(ctx: MockContext, org: OrgState, sub: SubscriptionRecord): boolean {
  ctx.scheduler.cancel(
    (j) =>
      (j.kind === SUBSCRIPTION_ALLOW_JOB || j.kind === SUBSCRIPTION_KEEPALIVE_JOB) &&
      j.org === org.id &&
      j.args.subscription === sub.id,
  );
  return applySubscriptionEvent(ctx, org, sub, { type: 'allow' });
}

/** DELETE /subscriptions/{id}: `deleted`, its jobs cancelled, no more polls (deleting twice changes nothing). */
export function deleteSubscription(
  ctx: MockContext,
  org: OrgState,
  sub: SubscriptionRecord,
): SubscriptionRecord {
  applySubscriptionEvent(ctx, org, sub, { type: 'delete' });
  return sub;
}

/**
 * Creates one automatic poll for a subscription (`subscription` set, `requestor: subscription`), through the
 * polls engine, so it runs, publishes and emits events like any poll.
 */
export function createPollForSubscription(
  ctx: MockContext,
  org: OrgState,
  sub: SubscriptionRecord,
): PollRecord {
  const key = org.keys.get(sub.x.key) ?? org.keys.values()[0];
  if (!key) throw Errors.invalidState('subscription', sub.id, sub.state, 'The organisation has no key.');
  return createPoll(ctx, org, {
    key,
    subscription: sub.id,
    source: sub.source,
    payload: structuredClone(sub.poll_payload),
    requestor: 'subscription',
  });
}

function runPoll(ctx: MockContext, job: Job): void {
  const org = job.org === null ? undefined : ctx.world.orgs.get(job.org);
  const sub = org?.subscriptions.get(String(job.args.subscription));
  if (!org || !sub || sub.state !== 'active') return;
  try {
    createPollForSubscription(ctx, org, sub);
  } catch (err) {
    // DIVERGENCE(webhooks.subscription-poll-skipped): a poll that cannot be created (session expired, storage unconfigured) is skipped; the
    // subscription keeps its schedule so that it resumes once the cause is fixed.
    if (!(err instanceof ApiError)) throw err;
    ctx.logger.warn({ subscription: sub.id, error: err.code }, 'subscription poll skipped');
  }
  scheduleNext(ctx, org, sub, job.due + sub.interval * 1000);
}

function runAllow(ctx: MockContext, job: Job): void {
  const org = job.org === null ? undefined : ctx.world.orgs.get(job.org);
  const sub = org?.subscriptions.get(String(job.args.subscription));
  if (org && sub) allowSubscription(ctx, org, sub);
}

/** Registers the subscription jobs. */
export function registerSubscriptionJobs(ctx: MockContext): void {
  ctx.scheduler.register(SUBSCRIPTION_POLL_JOB, (job) => runPoll(ctx, job));
  ctx.scheduler.register(SUBSCRIPTION_ALLOW_JOB, (job) => runAllow(ctx, job));
  ctx.scheduler.register(SUBSCRIPTION_KEEPALIVE_JOB, (job) => {
    const org = job.org === null ? undefined : ctx.world.orgs.get(job.org);
    const sub = org?.subscriptions.get(String(job.args.subscription));
    if (org && sub) keepSessionAlive(ctx, org, sub);
  });
}
