// State of every organisation, kept as plain JSON records so that a snapshot can export and import it exactly.
import type { components } from '../../openapi/control.d.ts';
import type {
  Event,
  Key,
  Organisation,
  OrganisationPermissions,
  Permissions,
  Poll,
  Result,
  Session,
  SessionFailureError,
  Source,
  StorageConfig,
  Subscription,
  Task,
  User,
  WebhookConfig,
} from '../../openapi/types.ts';

type ControlSchemas = components['schemas'];

/** An ordered table of records by id; insertion order is creation order (lists answer newest first). */
export class Table<T extends { id: string }> {
  private rows = new Map<string, T>();
  private changes = 0;

  /** Changes on every insert and delete: derived indexes (presenters' children/results by parent) rebuild on it. */
  get revision(): number {
    return this.changes;
  }

  constructor(rows: T[] = []) {
    for (const r of rows) this.rows.set(r.id, r);
  }

  get(id: string | number | null | undefined): T | undefined {
    if (id === null || id === undefined) return undefined;
    return this.rows.get(String(id));
  }

  insert(row: T): T {
    this.rows.set(row.id, row);
    this.changes++;
    return row;
  }

  delete(id: string): boolean {
    this.changes++;
    return this.rows.delete(id);
  }

  /** Oldest first. */
  values(): T[] {
    return [...this.rows.values()];
  }

  /** Newest first: the order of every list response. */
  newestFirst(): T[] {
    return [...this.rows.values()].reverse();
  }

  find(match: (row: T) => boolean): T | undefined {
    for (const r of this.rows.values()) if (match(r)) return r;
    return undefined;
  }

  filter(match: (row: T) => boolean): T[] {
    return this.values().filter(match);
  }

  get size(): number {
    return this.rows.size;
  }

  toJSON(): T[] {
    return this.values();
  }
}

/** Session record: the wire session with its source as an id, and what the engine needs to finish it. */
export type SessionRecord = Omit<Session, 'source'> & {
  source: string;
  /** Engine-only: never presented. */
  x: {
    lastUsed: number;
    outcome?: { state: 'active' | 'failed'; error: SessionFailureError | null; sourceState?: 'locked' };
    /** The session.init task's id. */
    initTask?: string;
    /** Relay pairing: the devices derived from the code, created as child sources on activation. */
    relayDevices?: { identifier: string; info: Record<string, unknown> }[];
  };
};
export type OrganisationRecord = Omit<Organisation, 'permissions' | 'storage_configs' | 'webhook_configs'>;
export type SourceRecord = Omit<Source, 'children'>;
export type PollRecord = Omit<Poll, 'results' | 'errors'> & {
  errors: { task: string; error: string; message: string }[];
};
export type TaskRecord = Omit<Task, 'results'>;
export type StorageConfigRecord = StorageConfig & { x: { credentials: Record<string, unknown> | null } };
export type KeyRecord = Key;
export type UserRecord = User;
export type ResultRecord = Result;
/** Event record: the wire event plus the webhook config it goes to (engine-only, never presented). */
export type EventRecord = Event & { x?: { key: string | null; config: string | null } };
/** Subscription record; `x.key` is the key that created it (its automatic polls are that key's). */
export type SubscriptionRecord = Subscription & { x: { nextPollAt: number | null; key?: string } };
export type WebhookConfigRecord = WebhookConfig;
export type PermissionsRecord = Permissions;

/** A stored blob (results published to gs:// or s3:// without a real endpoint). */
export interface BlobRecord {
  key: string;
  contentType: string;
  base64: string;
}

/** One tenant: everything a key of this organisation can see. */
export interface OrgState {
  id: number;
  organisation: OrganisationRecord;
  permissions: OrganisationPermissions;
  keys: Table<KeyRecord>;
  users: Table<UserRecord>;
  sources: Table<SourceRecord>;
  sessions: Table<SessionRecord>;
  polls: Table<PollRecord>;
  tasks: Table<TaskRecord>;
  results: Table<ResultRecord>;
  events: Table<EventRecord>;
  subscriptions: Table<SubscriptionRecord>;
  storageConfigs: Table<StorageConfigRecord>;
  webhookConfigs: Table<WebhookConfigRecord>;
  permissionSets: Table<PermissionsRecord>;
  blobs: Map<string, BlobRecord>;
  /** Forced session outcomes (server/domain/session-outcomes.ts); absent until one is set. */
  sessionOutcomes?: SessionOutcomeEntry[];
  /** Forced task failures (server/domain/task-failures.ts); absent until one is set. */
  taskFailures?: TaskFailure[];
  /** Webhook delivery queues per config, derived from the events (server/domain/delivery.ts); never exported. */
  deliveryQueues?: Map<string, string[]>;
}

/** What a forced session outcome makes a session init do (openapi/control.yaml SessionOutcome). */
export type SessionOutcome = ControlSchemas['SessionOutcome'];

/** A forced session outcome: the next `remaining` session inits that match get `outcome`. */
export type SessionOutcomeEntry = ControlSchemas['SessionOutcomeEntry'];

/** A forced task failure: the next `remaining` tasks whose target is `type` (or any, for `*`) fail with `error`. */
export type TaskFailure = ControlSchemas['TaskFailure'];

const TABLES = [
  'keys',
  'users',
  'sources',
  'sessions',
  'polls',
  'tasks',
  'results',
  'events',
  'subscriptions',
  'storageConfigs',
  'webhookConfigs',
  'permissionSets',
] as const;

/** The JSON form of one organisation (snapshots). */
export type OrgSnapshot = Omit<OrgState, (typeof TABLES)[number] | 'blobs' | 'deliveryQueues'> & {
  [K in (typeof TABLES)[number]]: ReturnType<OrgState[K]['values']>;
} & { blobs: BlobRecord[] };

/** Builds an empty organisation state around its organisation and permissions records. */
export function newOrgState(
  organisation: OrganisationRecord,
  permissions: OrganisationPermissions,
): OrgState {
  return {
    id: organisation.id,
    organisation,
    permissions,
    keys: new Table(),
    users: new Table(),
    sources: new Table(),
    sessions: new Table(),
    polls: new Table(),
    tasks: new Table(),
    results: new Table(),
    events: new Table(),
    subscriptions: new Table(),
    storageConfigs: new Table(),
    webhookConfigs: new Table(),
    permissionSets: new Table(),
    blobs: new Map(),
  };
}

/** A deep copy of an organisation's state as JSON. */
export function exportOrg(org: OrgState): OrgSnapshot {
  const { deliveryQueues: _derived, ...rest } = org;
  return JSON.parse(JSON.stringify({ ...rest, blobs: [...org.blobs.values()] })) as OrgSnapshot;
}

/** Rebuilds an organisation's state from its JSON form. */
export function importOrg(snap: OrgSnapshot): OrgState {
  const copy = JSON.parse(JSON.stringify(snap)) as OrgSnapshot;
  const org = newOrgState(copy.organisation, copy.permissions);
  for (const t of TABLES) {
    const table = org[t] as Table<{ id: string }>;
    for (const row of copy[t] as { id: string }[]) table.insert(row);
  }
  for (const b of copy.blobs) org.blobs.set(b.key, b);
  // `scenarios`: the field's name in state files written before the vocabulary was settled.
  const outcomes = copy.sessionOutcomes ?? (copy as { scenarios?: SessionOutcomeEntry[] }).scenarios;
  if (outcomes) org.sessionOutcomes = outcomes;
  if (copy.taskFailures) org.taskFailures = copy.taskFailures;
  return org;
}

/** Every organisation, and the token index that authentication reads. */
export class World {
  readonly orgs = new Map<number, OrgState>();
  private tokens = new Map<string, { org: number; key: string }>();

  addOrg(org: OrgState): OrgState {
    this.orgs.set(org.id, org);
    for (const k of org.keys.values()) this.tokens.set(k.token, { org: org.id, key: k.id });
    return org;
  }

  removeOrg(id: number): void {
    const org = this.orgs.get(id);
    if (!org) return;
    for (const k of org.keys.values()) this.tokens.delete(k.token);
    this.orgs.delete(id);
  }

  /** Records a key's token (after create or rotate); a rotated key's old token is dropped by the caller. */
  indexToken(token: string, org: number, key: string): void {
    this.tokens.set(token, { org, key });
  }

  unindexToken(token: string): void {
    this.tokens.delete(token);
  }

  /** The organisation and key a token belongs to, or undefined. */
  findByToken(token: string): { org: OrgState; key: KeyRecord } | undefined {
    const hit = this.tokens.get(token);
    if (!hit) return undefined;
    const org = this.orgs.get(hit.org);
    const key = org?.keys.get(hit.key);
    return org && key ? { org, key } : undefined;
  }
}
