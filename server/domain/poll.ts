// Polls and their tasks: pure transitions, task creation, processing on the clock and publication of results.
import {
  dataTypesFor,
  encodeJson,
  generateData,
  generateInfo,
  infoTypesFor,
  md5Hex,
  resolveFile,
  UnknownTypeError,
} from '../../fixtures/index.ts';
import type { PollState } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import { parseDateTime } from '../runtime/dates.ts';
import { type MockContext, nowOf } from './context.ts';
import { Errors } from './errors.ts';
import { emitEvent } from './events.ts';
import {
  assertNever,
  type MachineDefinition,
  reject,
  rejection,
  statesOf,
  type Transition,
} from './machine.ts';
import { isAllowed } from './permissions.ts';
import { presentPoll, presentTask } from './presenters.ts';
import { contentTypeFor, publishBytes, resultUrl } from './publish.ts';
import { applyResultEvent } from './result.ts';
import { touchSession } from './session.ts';
import { applicableStorageConfig } from './storage-config.ts';
import type {
  KeyRecord,
  OrgState,
  PollRecord,
  ResultRecord,
  SessionRecord,
  SourceRecord,
  StorageConfigRecord,
  TaskRecord,
} from './store.ts';
import { applyTaskEvent, newTask } from './task.ts';
import { takeTaskFailure } from './task-failures.ts';

// ---------------------------------------------------------------------------------------------------------------
// The poll machine (the task machine is in task.ts)

export const POLL_STATES = statesOf<PollState>({ pending: true, processing: true, completed: true });

/** What happens to a poll: one of its tasks starts, or every task has finished (and its results are published). */
export type PollEvent = { type: 'task-started' } | { type: 'all-finished' };

/** One example of each poll event, by name. */
export const POLL_EVENTS: Readonly<Record<PollEvent['type'], PollEvent>> = {
  'task-started': { type: 'task-started' },
  'all-finished': { type: 'all-finished' },
};

export type PollEffect =
  | { type: 'set-date-started' }
  | { type: 'set-date-completed' }
  | { type: 'emit-completed' };

/**
 * A poll's state machine: `pending` → `processing` (first task starts) → `completed` (every task finished).
 * A poll never fails: failures live in its tasks (https://reincubate.com/support/ricloud/polls/: "A poll does not reflect any error states other than through its associated tasks.").
 */
export function pollTransition(state: PollState, event: PollEvent): Transition<PollState, PollEffect> {
  switch (state) {
    case 'pending':
      switch (event.type) {
        case 'task-started':
          return { state: 'processing', effects: [{ type: 'set-date-started' }] };
        case 'all-finished':
          // A poll with no task (an empty files list) finishes as it is created.
          return {
            state: 'completed',
            effects: [
              { type: 'set-date-started' },
              { type: 'set-date-completed' },
              { type: 'emit-completed' },
            ],
          };
        default:
          return assertNever(event);
      }
    case 'processing':
      switch (event.type) {
        case 'task-started':
          return { state: 'processing', effects: [] };
        case 'all-finished':
          return {
            state: 'completed',
            effects: [{ type: 'set-date-completed' }, { type: 'emit-completed' }],
          };
        default:
          return assertNever(event);
      }
    case 'completed':
      return reject(state, 'the poll is completed, which is final');
    default:
      return assertNever(state);
  }
}

export const pollMachine: MachineDefinition<PollState, PollEvent, PollEffect> = {
  initial: 'pending',
  states: POLL_STATES,
  events: POLL_EVENTS,
  transition: pollTransition,
};

// ---------------------------------------------------------------------------------------------------------------
// Creating polls

export const TASK_START_JOB = 'poll.task.start';
export const TASK_RUN_JOB = 'poll.task.run';
export const RESULT_EXPIRE_JOB = 'result.expire';

type Kind = 'info' | 'data' | 'files';

/** What a poll asks for, after `*` is expanded. */
export interface PollPayload {
  info_types?: string[];
  data_types?: string[];
  files?: string[];
}

export interface NewPoll {
  key: KeyRecord;
  session?: string;
  subscription?: string;
  /** A child source of the session's source (sequential id as string or number). */
  source?: string | number;
  payload: PollPayload;
  requestor?: 'user' | 'subscription';
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function pollSource(
  org: OrgState,
  session: SessionRecord,
  requested: string | number | undefined,
): SourceRecord {
  const own = org.sources.get(session.source);
  if (requested === undefined) {
    if (!own) throw Errors.notFound('source', session.source);
    return own;
  }
  const id = String(requested);
  const source = org.sources.get(id);
  if (!source) throw Errors.notFound('source', id);
  // DIVERGENCE(polls.source-own-or-child): the docs only say "a child source"; the session's own source is accepted too, anything else is a 400.
  if (source.id !== session.source && source.parent !== session.source) {
    throw Errors.invalidParameters({ source: `is not the session's source or one of its children` });
  }
  return source;
}

/**
 * Whether a poll payload asks for nothing: no info or data type and no `files` list at all. An explicit empty
 * `files` list is a request too (a poll that completes at once with no tasks).
 * DIVERGENCE(polls.empty-files): the docs are silent; the official client (ricloud-py 3.2.0, samples/helpers.py download_results with
 * cascade=True, the default of `ricloud icloud poll download`) posts `{"files": []}` after every JSON result that
 * references no file, so rejecting it would break the client's own download command.
 */
export function asksForNothing(p: PollPayload): boolean {
  return !p.info_types?.length && !p.data_types?.length && p.files === undefined;
}

/**
 * POST /polls: checks (in order) that something is asked for (400), that the session/subscription exists (404)
 * and is active (409 invalid-state), that the source is the session's or a child (404/400) and that a valid
 * storage config applies (409 organisation-unconfigured); then creates one task per item.
 * @see https://reincubate.com/support/ricloud/polls/
 */
export function createPoll(ctx: MockContext, org: OrgState, input: NewPoll): PollRecord {
  const p = input.payload;
  if (asksForNothing(p)) {
    throw Errors.invalidParameters(
      { payload: 'must ask for at least one of info_types, data_types or files' },
      'Nothing to retrieve: give info_types, data_types or files in the payload.',
    );
  }
  let sessionId = input.session;
  let subscriptionId: string | null = null;
  let requestedSource = input.source;
  if (input.subscription !== undefined) {
    const sub = org.subscriptions.get(input.subscription);
    if (!sub) throw Errors.notFound('subscription', input.subscription);
    if (sessionId !== undefined && sessionId !== sub.session) {
      throw Errors.invalidParameters({ session: 'is not the session of the subscription' });
    }
    if (sub.state !== 'active') throw Errors.invalidState('subscription', sub.id, sub.state);
    sessionId = sub.session;
    subscriptionId = sub.id;
    // A subscription on a Relay device polls that device unless the request names another source.
    requestedSource ??= sub.source;
  }
  if (sessionId === undefined)
    throw Errors.invalidParameters({ session: 'is required unless subscription is given' });
  const session = org.sessions.get(sessionId);
  if (!session) throw Errors.notFound('session', sessionId);
  if (session.state !== 'active') throw Errors.invalidState('session', session.id, session.state);
  const source = pollSource(org, session, requestedSource);
  // "Unlike other services, a subscription is required before the API can start retrieving data from a Reincubate
  // Relay source" (https://reincubate.com/support/ricloud/reincubate-relay-service).
  // DIVERGENCE(reincubate-relay-service.direct-poll-error): the page names no error; a 400 naming `subscription`.
  if (subscriptionId === null && source.type.startsWith('rirelay.')) {
    throw Errors.relaySubscriptionRequired(source.id);
  }
  if (!applicableStorageConfig(org, input.key)) throw Errors.organisationUnconfigured();

  const items: { kind: Kind; target: string }[] = [];
  const infoTypes = unique(p.info_types ?? []).flatMap((t) =>
    t === '*' ? [...infoTypesFor(source.type)] : [t],
  );
  for (const t of unique(infoTypes)) items.push({ kind: 'info', target: t });
  for (const t of unique(p.data_types ?? [])) items.push({ kind: 'data', target: t });
  for (const f of unique(p.files ?? [])) items.push({ kind: 'files', target: f });
  // DIVERGENCE(polls.empty-files): an explicit empty `files` list is a poll with nothing to fetch, completed at once (see asksForNothing).
  const nothingToFetch = !items.length && p.files !== undefined && !p.info_types?.length;
  if (!items.length && !nothingToFetch) {
    // DIVERGENCE(polls.star-without-info-types): "*" on a source type without info types (rirelay.instance) leaves nothing to do: a 400.
    throw Errors.invalidParameters({
      'payload.info_types': `source type ${source.type} offers no info types`,
    });
  }

  const now = nowOf(ctx, org);
  const poll: PollRecord = {
    id: ctx.ids.uuid(),
    resource: 'poll',
    organisation: String(org.id),
    key: input.key.id,
    user: session.user,
    source: source.id,
    session: session.id,
    subscription: subscriptionId,
    requestor: input.requestor ?? 'user',
    tasks_pending: [],
    tasks_processing: [],
    tasks_succeeded: [],
    tasks_failed: [],
    tasks_suspended: [],
    errors: [],
    state: 'pending',
    date_created: toIso(now),
    date_started: null,
    date_completed: null,
  } as PollRecord;
  org.polls.insert(poll);
  touchSession(ctx, org, session.id);
  emitEvent(ctx, org, {
    type: 'poll',
    action: 'created',
    data: presentPoll(ctx, org, poll),
    keyId: poll.key,
  });

  if (nothingToFetch) {
    applyPoll(ctx, org, poll, { type: 'all-finished' });
    return poll;
  }

  const { taskStartMs, taskProcessMs } = ctx.options.timings;
  // Tasks start one after another, half a processing time apart, so results appear while the poll runs.
  const step = taskProcessMs / 2;
  items.forEach((item, i) => {
    const task = newTask(ctx, org, {
      key: input.key.id,
      user: session.user,
      source: source.id,
      session: session.id,
      poll: poll.id,
      source_type: source.type,
      type: `${source.type}.${item.kind}`,
      target: item.target,
    });
    org.tasks.insert(task);
    poll.tasks_pending.push(task.id);
    emitEvent(ctx, org, {
      type: 'task',
      action: 'created',
      data: presentTask(ctx, org, task),
      keyId: poll.key,
    });
    ctx.scheduler.schedule(TASK_START_JOB, org.id, { task: task.id }, taskStartMs + i * step);
  });
  return poll;
}

// ---------------------------------------------------------------------------------------------------------------
// Running tasks

/** The poll runner: applies an event to a stored poll and runs its effects (an illegal pair changes nothing). */
function applyPoll(ctx: MockContext, org: OrgState, poll: PollRecord, event: PollEvent): void {
  const t = pollTransition(poll.state, event);
  if (rejection(t) !== undefined) return;
  poll.state = t.state;
  const now = toIso(nowOf(ctx, org));
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'set-date-started':
        poll.date_started = now;
        break;
      case 'set-date-completed':
        poll.date_completed = now;
        break;
      case 'emit-completed':
        emitEvent(ctx, org, {
          type: 'poll',
          action: 'completed',
          data: presentPoll(ctx, org, poll),
          keyId: poll.key,
        });
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
}

function checkCompleted(ctx: MockContext, org: OrgState, poll: PollRecord): void {
  if (poll.tasks_pending.length || poll.tasks_processing.length || poll.tasks_suspended.length) return;
  applyPoll(ctx, org, poll, { type: 'all-finished' });
}

const MESSAGES: Record<string, (task: TaskRecord) => string> = {
  'unsupported-type': (t) =>
    `Source type ${t.source_type} does not offer ${t.type.split('.').pop()} ${t.target}.`,
  'permission-denied': (t) => `The key's permissions do not allow ${t.target}.`,
  'file-not-found': (t) => `No file ${t.target} in the data of this source.`,
  'session-expired': (t) => `The session ${t.session} expired before the task ran.`,
  'organisation-unconfigured': () => 'No valid storage config applied when the result was to be published.',
  'publish-failed': () => 'Publishing the result to the storage config failed.',
};

function failTask(ctx: MockContext, org: OrgState, task: TaskRecord, error: string, message?: string): void {
  if (!applyTaskEvent(ctx, org, task, { type: 'fail', error })) return;
  const poll = org.polls.get(task.poll);
  if (!poll) return;
  poll.errors.push({ task: task.id, error, message: message ?? (MESSAGES[error] ?? (() => error))(task) });
  checkCompleted(ctx, org, poll);
}

interface Produced {
  bytes: Uint8Array;
  ext: string;
  contentType: string;
  identifier: string;
}

/** The bytes a task publishes, or the task error that stops it. */
function produce(
  ctx: MockContext,
  org: OrgState,
  task: TaskRecord,
  poll: PollRecord,
  source: SourceRecord,
): Produced | { error: string } {
  const key = org.keys.get(task.key);
  const kind = task.type.slice(task.type.lastIndexOf('.') + 1) as Kind;
  const gen = {
    seed: ctx.options.seed,
    sourceType: source.type,
    sourceIdentifier: source.identifier,
    // The poll's creation time, not the task's: a result is the same whenever its task happens to run.
    refDate: new Date(Math.floor(parseDateTime(poll.date_created) ?? Number.NaN)),
  };
  const allowed = (family: 'info_type' | 'data_type' | 'file_type', id: string) =>
    key !== undefined &&
    isAllowed(org, key, 'task_type', task.type, source.type) &&
    isAllowed(org, key, family, id, source.type);
  try {
    if (kind === 'files') {
      const file = resolveFile(gen, task.target);
      if (!file) return { error: 'file-not-found' };
      if (!allowed('file_type', file.extension)) return { error: 'permission-denied' };
      const ext = file.extension.toLowerCase().replace(/[^a-z0-9]/g, '') || 'bin';
      return { bytes: file.bytes, ext, contentType: file.mimeType, identifier: `file:${task.target}` };
    }
    if (kind === 'info') {
      if (!infoTypesFor(source.type).includes(task.target)) return { error: 'unsupported-type' };
      if (!allowed('info_type', task.target)) return { error: 'permission-denied' };
      const bytes = encodeJson(generateInfo(gen, task.target));
      return { bytes, ext: 'json', contentType: 'application/json', identifier: `info:${task.target}` };
    }
    if (!dataTypesFor(source.type).includes(task.target)) return { error: 'unsupported-type' };
    if (!allowed('data_type', task.target)) return { error: 'permission-denied' };
    const bytes = encodeJson(generateData(gen, task.target));
    return { bytes, ext: 'json', contentType: 'application/json', identifier: `data:${task.target}` };
  } catch (err) {
    if (err instanceof UnknownTypeError) return { error: 'unsupported-type' };
    throw err;
  }
}

function signedUrlFor(
  ctx: MockContext,
  org: OrgState,
  config: StorageConfigRecord,
): ResultRecord['signed_url'] {
  if (!config.signed_urls_enabled) return null;
  const expiry = (config.signed_urls_expiry ?? 3600) * 1000;
  return {
    url: `${ctx.options.publicUrl}/_signed/${ctx.ids.token()}`,
    date_expires: toIso(nowOf(ctx, org) + expiry),
  };
}

function runTask(ctx: MockContext, org: OrgState, task: TaskRecord): void | Promise<void> {
  const poll = org.polls.get(task.poll);
  const session = org.sessions.get(task.session);
  const source = org.sources.get(task.source);
  if (!poll || !source) return failTask(ctx, org, task, 'unsupported-type');
  if (session?.state !== 'active') return failTask(ctx, org, task, 'session-expired');
  const produced = produce(ctx, org, task, poll, source);
  if ('error' in produced) return failTask(ctx, org, task, produced.error);
  const forced = takeTaskFailure(ctx, org, task);
  if (forced) return failTask(ctx, org, task, forced.error, forced.message);
  const config = applicableStorageConfig(org, org.keys.get(task.key));
  if (!config) return failTask(ctx, org, task, 'organisation-unconfigured');

  // Everything drawn from the seeded ids happens now, before any upload, so ids never depend on upload timing.
  const resultId = ctx.ids.uuid();
  const objectPath = `${poll.id}/${resultId}.${produced.ext}`;
  const signed = signedUrlFor(ctx, org, config);
  const finish = () => {
    const result: ResultRecord = {
      id: resultId,
      resource: 'result',
      organisation: String(org.id),
      poll: poll.id,
      task: task.id,
      identifier: produced.identifier,
      url: resultUrl(config.url, poll.id, resultId, produced.ext),
      type: produced.ext,
      checksum: md5Hex(produced.bytes),
      size: produced.bytes.byteLength,
      signed_url: signed,
      state: 'available',
      date_created: toIso(nowOf(ctx, org)),
      date_consumed: null,
      date_deleted: null,
    } as ResultRecord;
    org.results.insert(result);
    const retention = ctx.options.timings.resultRetentionMs;
    if (retention !== null)
      ctx.scheduler.schedule(RESULT_EXPIRE_JOB, org.id, { result: resultId }, retention);
    applyTaskEvent(ctx, org, task, { type: 'succeed' });
    checkCompleted(ctx, org, poll);
  };
  let published: void | Promise<void>;
  try {
    published = publishBytes(ctx, org, config, objectPath, produced.bytes, contentTypeFor(produced.ext));
  } catch (err) {
    ctx.logger.warn({ org: org.id, task: task.id, err: (err as Error).message }, 'publication failed');
    return failTask(ctx, org, task, 'publish-failed');
  }
  if (published instanceof Promise) {
    return published.then(finish, (err: Error) => {
      ctx.logger.warn({ org: org.id, task: task.id, err: err.message }, 'publication failed');
      failTask(ctx, org, task, 'publish-failed');
    });
  }
  finish();
}

/**
 * Expires a result (retention): `expired`, `date_deleted`, and its published bytes removed.
 * DIVERGENCE(polls.retention-everywhere): the docs say expiry does not apply to client-owned buckets; the mock owns no bucket of its own, so
 * when retention is configured it applies to every result, wherever it was published.
 */
export function expireResult(ctx: MockContext, org: OrgState, result: ResultRecord): void | Promise<void> {
  return applyResultEvent(ctx, org, result, { type: 'expire' });
}

/** Registers the task and retention jobs. */
export function registerPollJobs(ctx: MockContext): void {
  const lookup = (job: { org: number | null; args: Record<string, unknown> }) => {
    const org = ctx.world.orgs.get(job.org ?? -1);
    return { org, task: org?.tasks.get(String(job.args.task)) };
  };
  ctx.scheduler.register(TASK_START_JOB, (job) => {
    const { org, task } = lookup(job);
    if (!org || !task || !applyTaskEvent(ctx, org, task, { type: 'start' })) return;
    const poll = org.polls.get(task.poll);
    if (poll) applyPoll(ctx, org, poll, { type: 'task-started' });
    ctx.scheduler.schedule(TASK_RUN_JOB, org.id, { task: task.id }, ctx.options.timings.taskProcessMs);
  });
  ctx.scheduler.register(TASK_RUN_JOB, (job) => {
    const { org, task } = lookup(job);
    if (!org || !task || task.state !== 'processing') return;
    return runTask(ctx, org, task);
  });
  ctx.scheduler.register(RESULT_EXPIRE_JOB, (job) => {
    const org = ctx.world.orgs.get(job.org ?? -1);
    const result = org?.results.get(String(job.args.result));
    if (org && result) return expireResult(ctx, org, result);
  });
}
