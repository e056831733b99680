// Presenters: the only code that turns stored records into wire JSON (nested objects and lists included).
import type {
  Event,
  Key,
  Organisation,
  Permissions,
  Poll,
  PollError,
  Result,
  Session,
  Source,
  StorageConfig,
  Subscription,
  Task,
  User,
  WebhookConfig,
} from '../../openapi/types.ts';
import { parseDateTime } from '../runtime/dates.ts';
import { type MockContext, nowOf } from './context.ts';
import { listOf } from './lists.ts';
import type {
  EventRecord,
  KeyRecord,
  OrgState,
  PermissionsRecord,
  PollRecord,
  ResultRecord,
  SessionRecord,
  SourceRecord,
  StorageConfigRecord,
  SubscriptionRecord,
  Table,
  TaskRecord,
  UserRecord,
  WebhookConfigRecord,
} from './store.ts';

/** Rows of a table grouped by one of their fields, oldest first; rebuilt only when the table changes. */
class GroupIndex<T extends { id: string }> {
  private built = new WeakMap<Table<T>, { revision: number; groups: Map<string, T[]> }>();
  constructor(private readonly keyOf: (row: T) => string | null | undefined) {}

  /** The rows whose key is `key`, oldest first (a shared array: callers copy before changing it). */
  of(table: Table<T>, key: string): readonly T[] {
    let index = this.built.get(table);
    if (!index || index.revision !== table.revision) {
      const groups = new Map<string, T[]>();
      for (const row of table.values()) {
        const k = this.keyOf(row);
        if (k === null || k === undefined) continue;
        const group = groups.get(k);
        if (group) group.push(row);
        else groups.set(k, [row]);
      }
      index = { revision: table.revision, groups };
      this.built.set(table, index);
    }
    return index.groups.get(key) ?? [];
  }
}

// Presenting a source, poll or task scanned every source/result of the organisation (O(n) per record, O(n²) per
// list page); parents never change, so grouping once per table change makes each lookup O(1).
const childrenByParent = new GroupIndex<SourceRecord>((s) => s.parent);
const resultsByPoll = new GroupIndex<ResultRecord>((r) => r.poll);
const resultsByTask = new GroupIndex<ResultRecord>((r) => r.task);

/** GET /organisation: nested permissions and config lists. */
export function presentOrganisation(ctx: MockContext, org: OrgState): Organisation {
  const o = org.organisation;
  return {
    id: o.id,
    resource: 'organisation',
    type: o.type,
    name: o.name,
    slug: o.slug,
    // DIVERGENCE(organisations.api-version-value): the docs name api_version but not its format; the mock serves v3.
    api_version: 'v3',
    config: { ...o.config },
    permissions: { ...org.permissions, scopes: structuredClone(org.permissions.scopes) },
    storage_configs: listOf(
      org.storageConfigs.newestFirst().map((s) => presentStorageConfig(ctx, s)),
      '/configs/storage',
    ),
    storage_config_default: o.storage_config_default,
    webhook_configs: listOf(
      org.webhookConfigs.newestFirst().map((w) => presentWebhookConfig(ctx, w)),
      '/configs/webhook',
    ),
    webhook_config_default: o.webhook_config_default,
    state: o.state,
    date_created: o.date_created,
  } as Organisation;
}

export function presentKey(_ctx: MockContext, k: KeyRecord): Key {
  return { ...k, config: structuredClone(k.config) };
}

export function presentUser(_ctx: MockContext, u: UserRecord): User {
  return { ...u };
}

/** A source with its children as a nested list. */
export function presentSource(ctx: MockContext, org: OrgState, s: SourceRecord): Source {
  const children = [...childrenByParent.of(org.sources, s.id)].reverse();
  return {
    id: s.id,
    resource: 'source',
    user: s.user,
    type: s.type,
    identifier: s.identifier,
    info: s.info === null ? null : structuredClone(s.info),
    parent: s.parent,
    children: listOf(
      children.map((c) => presentSource(ctx, org, c)),
      `/sources/${s.id}/children`,
    ),
    state: s.state,
    date_created: s.date_created,
  } as Source;
}

/** A session with its source nested (DOC). */
export function presentSession(ctx: MockContext, org: OrgState, s: SessionRecord): Session {
  const source = org.sources.get(s.source);
  const { x: _internal, ...wire } = s;
  return {
    ...wire,
    source: source ? presentSource(ctx, org, source) : (null as unknown as Source),
  } as Session;
}

/** The signed url while it is valid; null once it has expired (https://reincubate.com/support/ricloud/results/). */
function liveSignedUrl(ctx: MockContext, r: ResultRecord): Result['signed_url'] {
  if (!r.signed_url) return null;
  return (parseDateTime(r.signed_url.date_expires) ?? Number.NaN) > nowOf(ctx, Number(r.organisation))
    ? { ...r.signed_url }
    : null;
}

export function presentResult(ctx: MockContext, r: ResultRecord): Result {
  return { ...r, signed_url: liveSignedUrl(ctx, r) };
}

/** The results a poll's nested `results` list holds, newest first: expired ones are gone from the bucket. */
export function pollResults(org: OrgState, p: PollRecord): ResultRecord[] {
  return resultsByPoll
    .of(org.results, p.id)
    .filter((r) => r.state !== 'expired')
    .reverse();
}

/** The results a task's nested `results` list holds, newest first. */
export function taskResults(org: OrgState, t: TaskRecord): ResultRecord[] {
  return [...resultsByTask.of(org.results, t.id)].reverse();
}

/**
 * A poll's errors, oldest first, each presented as its failed task (`resource: task`, `id`): the official client
 * (ricloud-py 3.2.0, resources/abase.py ABList.parse_list_data) reads `data[0]["resource"]` of every nested list and
 * builds that resource's class, so an item without a `resource` it knows crashes Poll.retrieve and Event.list.
 * DIVERGENCE(polls.errors-items-resource): the docs name no attributes of an error object.
 */
export function presentPollErrors(p: PollRecord): PollError[] {
  return p.errors.map((e) => ({ id: e.task, resource: 'task', ...e }));
}

/** A poll with its results and errors as nested lists. */
export function presentPoll(ctx: MockContext, org: OrgState, p: PollRecord): Poll {
  const results = pollResults(org, p);
  // Built field by field so that the order is the documented one (results and errors before state).
  return {
    id: p.id,
    resource: p.resource,
    organisation: p.organisation,
    key: p.key,
    user: p.user,
    source: p.source,
    session: p.session,
    subscription: p.subscription,
    requestor: p.requestor,
    tasks_pending: [...p.tasks_pending],
    tasks_processing: [...p.tasks_processing],
    tasks_succeeded: [...p.tasks_succeeded],
    tasks_failed: [...p.tasks_failed],
    tasks_suspended: [...p.tasks_suspended],
    results: listOf(
      results.map((r) => presentResult(ctx, r)),
      `/polls/${p.id}/results`,
    ),
    errors: listOf(presentPollErrors(p), `/polls/${p.id}/errors`),
    state: p.state,
    date_created: p.date_created,
    date_started: p.date_started,
    date_completed: p.date_completed,
  };
}

export function presentTask(ctx: MockContext, org: OrgState, t: TaskRecord): Task {
  const results = taskResults(org, t);
  return {
    ...t,
    results: listOf(
      results.map((r) => presentResult(ctx, r)),
      `/tasks/${t.id}/results`,
    ),
  } as Task;
}

export function presentEvent(_ctx: MockContext, e: EventRecord): Event {
  const { x: _internal, ...wire } = e;
  return structuredClone(wire) as Event;
}

/** Credentials are never echoed back (polls.storage-credentials-hidden in the fidelity ledger). */
export function presentStorageConfig(_ctx: MockContext, s: StorageConfigRecord): StorageConfig {
  const { x: _secret, ...wire } = s;
  return { ...wire, credentials: null } as StorageConfig;
}

export function presentWebhookConfig(_ctx: MockContext, w: WebhookConfigRecord): WebhookConfig {
  return { ...w };
}

export function presentPermissions(_ctx: MockContext, p: PermissionsRecord): Permissions {
  return structuredClone(p);
}

export function presentSubscription(_ctx: MockContext, s: SubscriptionRecord): Subscription {
  const { x: _internal, ...wire } = s;
  return structuredClone(wire) as Subscription;
}
