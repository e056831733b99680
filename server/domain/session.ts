// Sessions: the pure state machine, the test-accounts table, and the jobs that initialise and expire sessions.
import { deriveRelayPairing } from '../../fixtures/index.ts';
import type { SessionExpiryTrigger, SessionFailureError } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import { type MockContext, nowOf } from './context.ts';
import { emitEvent } from './events.ts';
import {
  assertNever,
  type MachineDefinition,
  reject,
  rejection,
  statesOf,
  type Transition,
} from './machine.ts';
import { presentSession } from './presenters.ts';
import { type SessionOutcome, takeSessionOutcome } from './session-outcomes.ts';
import type { OrgState, SessionRecord, SourceRecord } from './store.ts';
import { applyTaskEvent, newTask } from './task.ts';

export type SessionState = 'pending' | 'active' | 'failed' | 'expired';

export const SESSION_STATES = statesOf<SessionState>({
  pending: true,
  active: true,
  failed: true,
  expired: true,
});

/** What expired a session (DOC): the service, the API (idle), the organisation (DELETE), an admin (the spec's SessionExpiryTrigger). */
export type ExpiryTrigger = SessionExpiryTrigger;

export type SessionEvent =
  | { type: 'init-succeeded' }
  | { type: 'init-failed'; error: SessionFailureError; sourceState?: 'locked' }
  | { type: 'expire'; trigger: ExpiryTrigger }
  | { type: 'use' };

/** One example of each session event, by name (what the machine's diagram and tables enumerate). */
export const SESSION_EVENTS: Readonly<Record<SessionEvent['type'], SessionEvent>> = {
  'init-succeeded': { type: 'init-succeeded' },
  'init-failed': { type: 'init-failed', error: 'code-required' },
  expire: { type: 'expire', trigger: 'admin' },
  use: { type: 'use' },
};

/** Effects are data; `applySessionEvent` runs them. */
export type SessionEffect =
  | { type: 'set-error'; error: SessionFailureError | ExpiryTrigger }
  | { type: 'set-date-expired' }
  | { type: 'activate-source' }
  | { type: 'lock-source' }
  | { type: 'finish-init-task'; state: 'succeeded' | 'failed'; error: string | null }
  | { type: 'touch' }
  | { type: 'schedule-idle-check' }
  | { type: 'emit-expired' };

export type SessionTransition = Transition<SessionState, SessionEffect>;

/**
 * The session state machine (https://reincubate.com/support/ricloud/sessions/): `pending` → `active` | `failed`; `pending`/`active` → `expired`;
 * `failed` and `expired` are final. An illegal pair leaves the state as is with a `reject` effect.
 * @see https://reincubate.com/support/ricloud/sessions/
 */
export function sessionTransition(state: SessionState, event: SessionEvent): SessionTransition {
  switch (state) {
    case 'pending':
      switch (event.type) {
        case 'init-succeeded':
          return {
            state: 'active',
            effects: [
              { type: 'finish-init-task', state: 'succeeded', error: null },
              { type: 'activate-source' },
              { type: 'touch' },
              { type: 'schedule-idle-check' },
            ],
          };
        case 'init-failed':
          return {
            state: 'failed',
            effects: [
              { type: 'set-error', error: event.error },
              ...(event.sourceState === 'locked' ? [{ type: 'lock-source' } as const] : []),
              { type: 'finish-init-task', state: 'failed', error: event.error },
            ],
          };
        case 'expire':
          return {
            state: 'expired',
            effects: [
              { type: 'set-error', error: event.trigger },
              { type: 'set-date-expired' },
              { type: 'finish-init-task', state: 'failed', error: 'session-expired' },
              { type: 'emit-expired' },
            ],
          };
        case 'use':
          return reject(state, 'the session is still pending');
        default:
          return assertNever(event);
      }
    case 'active':
      switch (event.type) {
        case 'init-succeeded':
        case 'init-failed':
          return reject(state, 'the session is already initialised');
        case 'expire':
          return {
            state: 'expired',
            effects: [
              { type: 'set-error', error: event.trigger },
              { type: 'set-date-expired' },
              { type: 'emit-expired' },
            ],
          };
        case 'use':
          return { state, effects: [{ type: 'touch' }] };
        default:
          return assertNever(event);
      }
    case 'failed':
    case 'expired':
      return reject(state, `the session is ${state}, which is final`);
    default:
      return assertNever(state);
  }
}

export const sessionMachine: MachineDefinition<SessionState, SessionEvent, SessionEffect> = {
  initial: 'pending',
  states: SESSION_STATES,
  events: SESSION_EVENTS,
  transition: sessionTransition,
};

/** What the service answers to a session's credentials (before any forced session outcome). */
export interface InitOutcome {
  state: 'active' | 'failed';
  error: SessionFailureError | null;
  sourceState?: 'locked';
}

/** Test credentials of the mock (README "Test accounts"). */
export const TEST_CODE = '123456';
export const RELAY_INVALID_CODE = '000000';
export const MOCKS_IDENTIFIER = 'john.appleseed@reincubate.com';
export const MOCKS_PASSWORD = 'abcd1234';

/**
 * The test-accounts table (README "Test accounts"), as a pure function of the request. The password is read here and
 * never stored: the session keeps only this outcome.
 */
export function testAccountOutcome(
  sourceType: string,
  identifier: string,
  payload: { password?: string; code?: string },
): InitOutcome {
  const failed = (error: SessionFailureError, sourceState?: 'locked'): InitOutcome =>
    sourceState ? { state: 'failed', error, sourceState } : { state: 'failed', error };
  const active: InitOutcome = { state: 'active', error: null };
  switch (sourceType) {
    case 'icloud.account': {
      // DIVERGENCE(sessions.missing-password): a missing password fails like a wrong one (the docs do not say; iCloud always needs one).
      if (payload.password === undefined || payload.password === 'wrong-password')
        return failed('credentials-invalid');
      if (payload.password === 'locked') return failed('account-locked', 'locked');
      if (payload.password === 'unavailable') return failed('service-unavailable');
      if (identifier.includes('+no2fa')) return active;
      return payload.code === TEST_CODE ? active : failed('code-required');
    }
    case 'mocks.mock':
      return identifier === MOCKS_IDENTIFIER && payload.password === MOCKS_PASSWORD
        ? active
        : failed('credentials-invalid');
    case 'rirelay.instance':
      return payload.code && payload.code !== RELAY_INVALID_CODE ? active : failed('code-invalid');
    default:
      // Only the types above can open a session; the route rejects the rest before this is reached (so the error,
      // one of the spec's SessionFailureError, is never seen).
      return failed('service-unavailable');
  }
}

/** The identifier a Relay instance gets from its pairing code, and the devices it pairs. */
export function relayPairing(ctx: MockContext, code: string) {
  return deriveRelayPairing(ctx.options.seed, code);
}

export const SESSION_INIT_JOB = 'session.init';
export const SESSION_APPLY_JOB = 'session.apply';
export const SESSION_IDLE_JOB = 'session.idle';

/** Job handlers: init (consults forced session outcomes, then the stored outcome), delayed apply, idle expiry. */
export function registerSessionJobs(ctx: MockContext): void {
  ctx.scheduler.register(SESSION_INIT_JOB, (job) => {
    const found = findSession(ctx, job.org, job.args.session);
    if (!found) return;
    const { org, session } = found;
    if (session.state !== 'pending') return;
    const source = org.sources.get(session.source);
    const forced = takeSessionOutcome(org, { sourceIdentifier: source?.identifier, sessionId: session.id });
    if (forced?.delayMs && forced.delayMs > 0) {
      ctx.scheduler.schedule(
        SESSION_APPLY_JOB,
        org.id,
        { session: session.id, outcome: forcedToInit(forced) as unknown as Record<string, unknown> },
        forced.delayMs,
      );
      return;
    }
    applyOutcome(ctx, org, session, forced ? forcedToInit(forced) : (session.x.outcome ?? null));
  });
  ctx.scheduler.register(SESSION_APPLY_JOB, (job) => {
    const found = findSession(ctx, job.org, job.args.session);
    if (found?.session.state !== 'pending') return;
    applyOutcome(ctx, found.org, found.session, job.args.outcome as InitOutcome);
  });
  ctx.scheduler.register(SESSION_IDLE_JOB, (job) => {
    const found = findSession(ctx, job.org, job.args.session);
    const idleMs = ctx.options.timings.sessionIdleMs;
    if (found?.session.state !== 'active' || idleMs === null) return;
    const { org, session } = found;
    const dueAt = session.x.lastUsed + idleMs;
    // Used since this check was scheduled: look again when the new idle period ends.
    if (dueAt > nowOf(ctx, org))
      ctx.scheduler.scheduleAt(SESSION_IDLE_JOB, org.id, { session: session.id }, dueAt);
    else expireSession(ctx, org, session, 'api');
  });
}

function findSession(
  ctx: MockContext,
  orgId: number | null,
  id: unknown,
): { org: OrgState; session: SessionRecord } | undefined {
  const org = orgId === null ? undefined : ctx.world.orgs.get(orgId);
  const session = org?.sessions.get(typeof id === 'string' ? id : undefined);
  return org && session ? { org, session } : undefined;
}

function forcedToInit(forced: SessionOutcome): InitOutcome {
  if (forced.state === 'active') {
    return forced.sourceState
      ? { state: 'active', error: null, sourceState: forced.sourceState }
      : { state: 'active', error: null };
  }
  const error = forced.error ?? 'service-unavailable';
  return forced.sourceState
    ? { state: 'failed', error, sourceState: forced.sourceState }
    : { state: 'failed', error };
}

function applyOutcome(
  ctx: MockContext,
  org: OrgState,
  session: SessionRecord,
  outcome: InitOutcome | null,
): void {
  const result = outcome ?? { state: 'failed', error: 'service-unavailable' };
  if (result.state === 'active') {
    applySessionEvent(ctx, org, session, { type: 'init-succeeded' });
    if (result.sourceState === 'locked') setSourceState(org, session.source, 'locked');
  } else {
    applySessionEvent(ctx, org, session, {
      type: 'init-failed',
      error: result.error ?? 'service-unavailable',
      ...(result.sourceState ? { sourceState: result.sourceState } : {}),
    });
  }
}

function setSourceState(org: OrgState, sourceId: string, state: SourceRecord['state']): void {
  const source = org.sources.get(sourceId);
  if (source) source.state = state;
}

/**
 * Applies an event to a stored session and runs its effects. Returns the rejection reason of an illegal event
 * (nothing changes then), or undefined.
 */
export function applySessionEvent(
  ctx: MockContext,
  org: OrgState,
  session: SessionRecord,
  event: SessionEvent,
): string | undefined {
  const next = sessionTransition(session.state as SessionState, event);
  const rejected = rejection(next);
  if (rejected !== undefined) return rejected;
  session.state = next.state;
  const now = nowOf(ctx, org);
  for (const effect of next.effects) {
    switch (effect.type) {
      case 'set-error':
        session.error = effect.error;
        break;
      case 'set-date-expired':
        session.date_expired = toIso(now);
        break;
      case 'activate-source':
        activateSource(ctx, org, session);
        break;
      case 'lock-source':
        setSourceState(org, session.source, 'locked');
        break;
      case 'finish-init-task':
        finishInitTask(ctx, org, session, effect.state, effect.error);
        break;
      case 'touch':
        session.x.lastUsed = now;
        break;
      case 'schedule-idle-check': {
        const idleMs = ctx.options.timings.sessionIdleMs;
        if (idleMs !== null)
          ctx.scheduler.schedule(SESSION_IDLE_JOB, org.id, { session: session.id }, idleMs);
        break;
      }
      case 'emit-expired':
        emitEvent(ctx, org, {
          type: 'session',
          action: 'expired',
          data: presentSession(ctx, org, session) as unknown as Record<string, unknown>,
          keyId: session.key,
        });
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
  return undefined;
}

/** The session's init task finishes with the session's outcome, through the task machine (a finished one stays). */
function finishInitTask(
  ctx: MockContext,
  org: OrgState,
  session: SessionRecord,
  state: 'succeeded' | 'failed',
  error: string | null,
): void {
  const task = org.tasks.get(session.x.initTask);
  if (!task) return;
  applyTaskEvent(
    ctx,
    org,
    task,
    state === 'succeeded' ? { type: 'succeed' } : { type: 'fail', error: error ?? 'failed' },
  );
}

/** On success the source is validated; a Relay instance gets its paired devices as active child sources. */
function activateSource(ctx: MockContext, org: OrgState, session: SessionRecord): void {
  const source = org.sources.get(session.source);
  if (!source) return;
  // Deactivated and blocked sources are refused at POST time; unvalidated and locked ones become active.
  source.state = 'active';
  for (const device of session.x.relayDevices ?? []) {
    const existing = org.sources.find(
      (s) => s.parent === source.id && s.type === 'rirelay.source' && s.identifier === device.identifier,
    );
    if (existing) {
      existing.state = 'active';
      continue;
    }
    org.sources.insert({
      id: ctx.ids.next('source'),
      resource: 'source',
      user: source.user,
      type: 'rirelay.source',
      identifier: device.identifier,
      info: structuredClone(device.info),
      parent: source.id,
      state: 'active',
      date_created: toIso(nowOf(ctx, org)),
    } as SourceRecord);
  }
}

/**
 * Expires a session (`pending` or `active`) with the given trigger, records `session.expired`, and returns whether
 * it changed (a final session is left as is). The control API uses it for `service` and `admin`.
 * @see https://reincubate.com/support/ricloud/sessions/
 */
export function expireSession(
  ctx: MockContext,
  org: OrgState,
  session: SessionRecord,
  trigger: ExpiryTrigger,
): boolean {
  return applySessionEvent(ctx, org, session, { type: 'expire', trigger }) === undefined;
}

/**
 * Records a use of the session (a poll on it), which restarts its idle period. Returns false when the session
 * does not exist or is not active.
 */
export function touchSession(ctx: MockContext, org: OrgState, sessionId: string): boolean {
  const session = org.sessions.get(sessionId);
  if (!session) return false;
  return applySessionEvent(ctx, org, session, { type: 'use' }) === undefined;
}

export interface NewSessionInput {
  keyId: string;
  userId: string;
  source: SourceRecord;
  outcome: InitOutcome;
  relayDevices?: { identifier: string; info: Record<string, unknown> }[];
}

/**
 * Creates a `pending` session with its `session.init` task and schedules the service check after
 * `timings.sessionInitMs`.
 */
export function startSession(ctx: MockContext, org: OrgState, input: NewSessionInput): SessionRecord {
  const now = nowOf(ctx, org);
  const iso = toIso(now);
  const id = ctx.ids.uuid();
  // DIVERGENCE(sessions.init-task): the session.init task is created `processing` (the service check starts at once), its `target` is
  // the session id, and it records no task.* events: those document poll tasks.
  const task = newTask(ctx, org, {
    key: input.keyId,
    user: input.userId,
    source: input.source.id,
    session: id,
    source_type: input.source.type,
    type: 'session.init',
    target: id,
    state: 'processing',
  });
  const session: SessionRecord = {
    id,
    resource: 'session',
    organisation: String(org.id),
    key: input.keyId,
    user: input.userId,
    source: input.source.id,
    state: 'pending',
    error: null,
    date_created: iso,
    date_expired: null,
    x: {
      lastUsed: now,
      outcome: { ...input.outcome },
      initTask: task.id,
      ...(input.relayDevices ? { relayDevices: input.relayDevices } : {}),
    },
  } as SessionRecord;
  org.sessions.insert(session);
  org.tasks.insert(task);
  ctx.scheduler.schedule(SESSION_INIT_JOB, org.id, { session: id }, ctx.options.timings.sessionInitMs);
  return session;
}
