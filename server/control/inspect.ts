// /_mock routes that let a client (the web console, a test) see the world: per-organisation records with filters
// and paging, the scheduler's queue, the state machines as data (server/domain/machines.ts), and one
// server-sent-events stream of changes.
import type { MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type MockContext, type MockEnv, nowOf } from '../domain/context.ts';
import { Errors } from '../domain/errors.ts';
import { machineDiagrams } from '../domain/machines.ts';
import {
  presentEvent,
  presentKey,
  presentPermissions,
  presentPoll,
  presentResult,
  presentSession,
  presentSource,
  presentStorageConfig,
  presentSubscription,
  presentTask,
  presentUser,
  presentWebhookConfig,
} from '../domain/presenters.ts';
import { readPublished } from '../domain/publish.ts';
import type { OrgState, Table } from '../domain/store.ts';
import { requireTenant } from '../domain/tenants.ts';
import { toIso } from '../runtime/clock.ts';
import { input } from '../spec/input.ts';
import type { ControlHandlers } from './input.ts';
import type { JournalEntry } from './journal.ts';
import type { ControlHost } from './state.ts';

// ---------------------------------------------------------------------------------------------------------------
// The change stream

/** One control-plane change, as `GET /_mock/changes` sends it (`event: change`). */
interface Change {
  seq: number;
  /** Mock-clock time of the change. */
  time: string;
  kind: 'request' | 'jobs' | 'control';
  /** `request`: the journal entry of a ricloud request. */
  request?: Omit<JournalEntry, 'at'>;
  /** `control`: the control call that changed something. */
  method?: string;
  path?: string;
}

/** Fans changes out to every open stream; `jobs` changes are coalesced per microtask (an advance runs many). */
export class ChangeFeed {
  private seq = 0;
  private listeners = new Set<(change: Change) => void>();
  private jobsQueued = false;

  constructor(private readonly ctx: MockContext) {}

  get last(): number {
    return this.seq;
  }

  /** Whether any stream is open (the journal hook does no work per request otherwise). */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: Omit<Change, 'seq' | 'time'>): void {
    if (!this.listeners.size) return;
    // On the organisation's own clock when the change is one of its requests (tenants keep their own time).
    const time = toIso(nowOf(this.ctx, change.request?.organisation ?? null));
    const full: Change = { seq: ++this.seq, time, ...change };
    for (const l of this.listeners) l(full);
  }

  jobsRan(): void {
    if (this.jobsQueued || !this.listeners.size) return;
    this.jobsQueued = true;
    queueMicrotask(() => {
      this.jobsQueued = false;
      this.emit({ kind: 'jobs' });
    });
  }
}

/** Records every successful control call that changes something as a `control` change. */
export function controlChanges(feed: ChangeFeed): MiddlewareHandler<MockEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.res.status < 300) {
      feed.emit({ kind: 'control', method: c.req.method, path: new URL(c.req.url).pathname });
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Records of one organisation

type AnyRecord = { id: string; state?: string; [k: string]: unknown };

interface Collection {
  table: (org: OrgState) => Table<AnyRecord>;
  present: (ctx: MockContext, org: OrgState, r: AnyRecord) => unknown;
  /** Fields that `q` searches (besides the id). */
  search: string[];
}

const as = <T>(r: AnyRecord) => r as unknown as T;
const table = (name: keyof OrgState) => (org: OrgState) => org[name] as unknown as Table<AnyRecord>;

/** The collections of `GET /_mock/organisations/{id}/records/{collection}`, named as ricloud's URL segments. */
const COLLECTIONS: Record<string, Collection> = {
  keys: { table: table('keys'), present: (ctx, _o, r) => presentKey(ctx, as(r)), search: ['name'] },
  users: { table: table('users'), present: (ctx, _o, r) => presentUser(ctx, as(r)), search: ['identifier'] },
  sources: {
    table: table('sources'),
    present: (ctx, o, r) => presentSource(ctx, o, as(r)),
    search: ['identifier', 'type'],
  },
  sessions: {
    table: table('sessions'),
    present: (ctx, o, r) => presentSession(ctx, o, as(r)),
    search: ['source', 'error'],
  },
  polls: { table: table('polls'), present: (ctx, o, r) => presentPoll(ctx, o, as(r)), search: ['session'] },
  tasks: { table: table('tasks'), present: (ctx, o, r) => presentTask(ctx, o, as(r)), search: ['type'] },
  results: {
    table: table('results'),
    present: (ctx, _o, r) => presentResult(ctx, as(r)),
    search: ['identifier', 'type'],
  },
  events: {
    table: table('events'),
    present: (ctx, _o, r) => presentEvent(ctx, as(r)),
    search: ['type', 'action'],
  },
  subscriptions: {
    table: table('subscriptions'),
    present: (ctx, _o, r) => presentSubscription(ctx, as(r)),
    search: ['source'],
  },
  storage_configs: {
    table: table('storageConfigs'),
    present: (ctx, _o, r) => presentStorageConfig(ctx, as(r)),
    search: ['url'],
  },
  webhook_configs: {
    table: table('webhookConfigs'),
    present: (ctx, _o, r) => presentWebhookConfig(ctx, as(r)),
    search: ['url'],
  },
  permissions: {
    table: table('permissionSets'),
    present: (ctx, _o, r) => presentPermissions(ctx, as(r)),
    search: [],
  },
};

/**
 * The collection a path names, from the fixed table only: `Object.hasOwn`, so that `toString`, `constructor` or
 * `__proto__` is an unknown collection (a 404), never a property of Object.prototype (a 500).
 */
function collectionOf(name: string): Collection {
  const collection = Object.hasOwn(COLLECTIONS, name) ? COLLECTIONS[name] : undefined;
  if (!collection) throw Errors.notFound('collection', name);
  return collection;
}

/** A transition in a record's history: the state it entered and when (mock clock), derived from its dates. */
interface HistoryStep {
  state: string;
  time: string;
}

/**
 * A session's, poll's or task's transitions, read from the dates the records keep (no second log to drift):
 * created → pending; the init task's completion → active/failed; date_expired → expired; and so on.
 */
function historyOf(org: OrgState, collection: string, r: AnyRecord): HistoryStep[] {
  const steps: HistoryStep[] = [];
  const at = (state: string, time: unknown) => {
    if (typeof time === 'string') steps.push({ state, time });
  };
  if (collection === 'sessions') {
    at('pending', r.date_created);
    const init = org.tasks.get((r.x as { initTask?: string } | undefined)?.initTask);
    if (init?.date_completed && init.error !== 'session-expired') {
      at(init.state === 'succeeded' ? 'active' : 'failed', init.date_completed);
    }
    at('expired', r.date_expired);
  } else if (collection === 'polls') {
    at('pending', r.date_created);
    at('processing', r.date_started);
    at('completed', r.date_completed);
  } else if (collection === 'tasks') {
    at('pending', r.date_created);
    at('processing', r.date_started);
    if (r.state === 'succeeded' || r.state === 'failed') at(r.state, r.date_completed);
  }
  return steps;
}

const RELATIONS = ['session', 'poll', 'source', 'task', 'user', 'key'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Routes

/** Feeds the change stream from the journal and the scheduler (called once per mock, from control/routes.ts). */
export function watchChanges(mock: ControlHost, feed: ChangeFeed): void {
  const journal = mock.control.journal;
  journal.subscribe((entry) => {
    if (!feed.active) return;
    if (!entry.time) entry.time = toIso(entry.at);
    const { at: _at, ...request } = entry;
    feed.emit({ kind: 'request', request });
  });
  mock.ctx.scheduler.onRun(() => feed.jobsRan());
}

/**
 * The inspection operations, keyed by operationId (mounted after the control plane's guard and validation):
 * `GET /changes`, `GET /clock/jobs`, `GET /machines`, `GET /organisations/{id}/records[/{collection}[/{record}]]`.
 */
export function inspectionHandlers(mock: ControlHost, feed: ChangeFeed) {
  const ctx = mock.ctx;
  return {
    streamChanges: (c) =>
      streamSSE(c, async (stream) => {
        let closed = false;
        let wake: (() => void) | undefined;
        const queue: Change[] = [];
        const unsubscribe = feed.subscribe((change) => {
          // Bounded: a client that stops reading loses the oldest changes, never the mock's memory.
          if (queue.length >= 1000) queue.shift();
          queue.push(change);
          wake?.();
        });
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        try {
          await stream.writeSSE({ event: 'hello', data: JSON.stringify({ seq: feed.last }) });
          while (!closed) {
            const change = queue.shift();
            if (change) {
              await stream.writeSSE({
                event: 'change',
                id: String(change.seq),
                data: JSON.stringify(change),
              });
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
        } finally {
          unsubscribe();
        }
      }),

    listJobs: (c) => {
      const q = input(c).query;
      const limit = q.limit ?? 100;
      const org = q.organisation;
      const jobs = ctx.scheduler.pending().filter((j) => org === undefined || j.org === org);
      return c.json({
        data: jobs.slice(0, limit).map((j) => ({
          id: j.id,
          kind: j.kind,
          due: toIso(j.due),
          organisation: j.org,
          args: j.args,
        })),
        total_count: jobs.length,
      });
    },

    listMachines: (c) => c.json(machineDiagrams()),

    countRecords: (c) => {
      const org = requireTenant(ctx, Number(input(c).params.id));
      const counts: Record<string, number> = {};
      for (const [name, col] of Object.entries(COLLECTIONS)) counts[name] = col.table(org).size;
      return c.json({ organisation: org.id, counts });
    },

    listRecords: (c) => {
      const { params, query: q } = input(c);
      const org = requireTenant(ctx, Number(params.id));
      const name = params.collection;
      const col = collectionOf(name);
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const state = q.state;
      const text = q.q?.toLowerCase();
      const relations = RELATIONS.filter((k) => q[k] !== undefined).map((k) => [k, String(q[k])] as const);
      const rows = col.table(org).newestFirst();
      const matches =
        state === undefined && text === undefined && relations.length === 0
          ? rows
          : rows.filter((r) => {
              if (state !== undefined && r.state !== state) return false;
              for (const [k, v] of relations) if (String(r[k] ?? '') !== v) return false;
              if (text !== undefined) {
                const hay = [r.id, ...col.search.map((f) => r[f])].map((v) => String(v ?? '').toLowerCase());
                if (!hay.some((h) => h.includes(text))) return false;
              }
              return true;
            });
      return c.json({
        data: matches.slice(offset, offset + limit).map((r) => col.present(ctx, org, r)),
        total_count: matches.length,
        offset,
        limit,
      });
    },

    getRecord: (c) => {
      const { params } = input(c);
      const org = requireTenant(ctx, Number(params.id));
      const name = params.collection;
      const col = collectionOf(name);
      const r = col.table(org).get(params.record);
      if (!r) throw Errors.notFound(name.replace(/s$/, ''), params.record);
      return c.json({ data: col.present(ctx, org, r), history: historyOf(org, name, r) });
    },

    getResultContent: async (c) => {
      const { params } = input(c);
      const org = requireTenant(ctx, Number(params.id));
      const result = org.results.get(params.record);
      if (!result) throw Errors.notFound('result', params.record);
      const published = result.state === 'expired' ? undefined : await readPublished(ctx, org, result.url);
      if (!published) throw Errors.notFound('result', result.id);
      return c.body(published.bytes as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': published.contentType,
        'Content-Length': String(published.bytes.byteLength),
        'Content-Disposition': `inline; filename="${result.id}.${result.url.split('.').pop() ?? 'bin'}"`,
      });
    },
  } satisfies ControlHandlers;
}
