// State snapshots: the whole mock (world, ids, scheduler, clock, tenants' creation states and every part registered
// on the context's lifecycle: faults, rate limit) as JSON, and back.
import type { components } from '../../openapi/control.d.ts';
import { toIso } from '../runtime/clock.ts';
import { parseDateTime } from '../runtime/dates.ts';
import { type IdSnapshot, IdSource } from '../runtime/ids.ts';
import type { SchedulerSnapshot } from '../runtime/scheduler.ts';
import type { TenantClockSnapshot } from '../runtime/timelines.ts';
import type { MockContext } from './context.ts';
import { DeliveryLog } from './delivery-log.ts';
import { Errors } from './errors.ts';
import { parseStorageUrl } from './publish.ts';
import { outsideStorageRoots } from './storage-config.ts';
import { exportOrg, importOrg, type OrgSnapshot, World } from './store.ts';

type Schema = components['schemas']['MockState'];

/**
 * The JSON of `GET /_mock/state` and `PUT /_mock/state` (and of `--state-file`): openapi/control.yaml MockState.
 * It carries everything a full reset puts back; the observation logs (request journal, delivery log) are not state.
 */
export interface MockState {
  version: 1;
  seed: string;
  clock: { now: string; ms: number };
  ids: IdSnapshot;
  scheduler: SchedulerSnapshot;
  /** Each tenant's own clock (mode, time, creation time) and job queue; the main clock is `clock` + `scheduler`. */
  tenant_clocks?: TenantClockSnapshot[];
  organisations: OrgSnapshot[];
  creation?: OrgSnapshot[];
  /** Registered by the control plane (server/control/state.ts). */
  faults?: Schema['faults'];
  rate_limit?: Schema['rate_limit'];
}

/**
 * Exports everything the ricloud API's answers depend on. Same seed + same requests = byte-identical export.
 * @see ../../openapi/control.yaml exportState
 */
export function exportState(ctx: MockContext): MockState {
  const now = ctx.clock.now();
  return {
    version: 1,
    seed: ctx.ids.seed,
    clock: { now: toIso(now), ms: now },
    ids: ctx.ids.snapshot(),
    scheduler: ctx.scheduler.main.snapshot(),
    tenant_clocks: ctx.scheduler.snapshotTenants(),
    organisations: [...ctx.world.orgs.values()].map(exportOrg),
    creation: [...ctx.creation.values()].map((s) => structuredClone(s)),
    ...ctx.lifecycle.exportParts(),
  };
}

/**
 * Replaces the mock's state with an exported one. Everything is rebuilt first and swapped in at the end, so an
 * invalid state (400) changes nothing.
 */
export function importState(ctx: MockContext, state: MockState): void {
  const problems = stateProblems(ctx, state);
  if (problems.length) {
    throw Errors.invalidParameters({
      state: `is not an exported state: ${problems.slice(0, 10).join('; ')}`,
    });
  }
  let world: World;
  let creation: Map<number, OrgSnapshot>;
  let ids: IdSource;
  let ms: number | undefined;
  let swapParts: () => void;
  let swapClocks: () => void;
  try {
    world = new World();
    for (const snap of state.organisations) {
      if (world.orgs.has(snap.id)) throw new Error(`organisation ${snap.id} appears twice`);
      world.addOrg(importOrg(snap));
    }
    creation = new Map((state.creation ?? state.organisations).map((s) => [s.id, structuredClone(s)]));
    for (const s of creation.values()) importOrg(s);
    ids = new IdSource(state.seed, state.ids);
    // A state file written by hand may give only `now`; it is read strictly, as every date from outside.
    ms = Number.isFinite(state.clock?.ms) ? state.clock.ms : parseDateTime(String(state.clock?.now));
    if (ms === undefined) throw new Error('clock.now is not an RFC 3339 date-time (and clock.ms is missing)');
    for (const t of state.tenant_clocks ?? []) {
      if (!world.orgs.has(t.organisation))
        throw new Error(`tenant clock ${t.organisation} has no organisation`);
    }
    swapClocks = ctx.scheduler.prepareTenants(state.tenant_clocks ?? [], state.scheduler);
    swapParts = ctx.lifecycle.prepareParts(state as unknown as Record<string, unknown>);
  } catch (err) {
    throw Errors.invalidParameters({ state: `is not an exported state: ${(err as Error).message}` });
  }
  ctx.scheduler.cancel(() => true);
  ctx.world = world;
  ctx.ids = ids;
  ctx.clock.reset();
  ctx.clock.set(ms);
  swapClocks();
  ctx.creation = creation;
  ctx.deliveries = new DeliveryLog(ctx.options.deliveryLogSize);
  swapParts();
}

/** Where each table's records point: `field → table` (ids of the same organisation). */
const REFERENCES: Record<string, [string, string][]> = {
  sources: [
    ['user', 'users'],
    ['parent', 'sources'],
  ],
  sessions: [
    ['source', 'sources'],
    ['user', 'users'],
    ['key', 'keys'],
  ],
  polls: [
    ['session', 'sessions'],
    ['source', 'sources'],
    ['subscription', 'subscriptions'],
  ],
  tasks: [
    ['poll', 'polls'],
    ['session', 'sessions'],
    ['source', 'sources'],
  ],
  results: [
    ['poll', 'polls'],
    ['task', 'tasks'],
  ],
  subscriptions: [
    ['source', 'sources'],
    ['session', 'sessions'],
  ],
};

/** Each table's record schema in the ricloud spec, whose `state` enum lists the states a record can be in. */
const STATE_SCHEMAS: Record<string, string> = {
  keys: 'Key',
  users: 'User',
  sources: 'Source',
  sessions: 'Session',
  polls: 'Poll',
  tasks: 'Task',
  results: 'Result',
  events: 'Event',
  subscriptions: 'Subscription',
  storageConfigs: 'StorageConfig',
  webhookConfigs: 'WebhookConfig',
};

type Json = Record<string, unknown>;

/** The `state` enum of a ricloud schema (through its `$ref`), from the compiled spec: the spec holds the list. */
function statesOf(ctx: MockContext, schema: string): readonly unknown[] | undefined {
  const schemas = ((ctx.spec.document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  let node = ((schemas[schema]?.properties as Json | undefined)?.state ?? undefined) as Json | undefined;
  const ref = typeof node?.$ref === 'string' ? node.$ref.split('/').pop() : undefined;
  if (ref) node = schemas[ref];
  return Array.isArray(node?.enum) ? node.enum : undefined;
}

/** Whether a `local://` url names a place inside one of `roots` (folders). */
function insideRoots(url: string, roots: string[]): boolean {
  const target = parseStorageUrl(url);
  if ('error' in target || target.scheme !== 'local') return false;
  return roots.some((root) => target.folder === root || target.folder.startsWith(`${root}/`));
}

/**
 * The mock's invariants an imported state must keep, beyond the control spec's MockState schema (which PUT
 * /_mock/state and --state-file check first): tokens unique across tenants, every record in a state its schema
 * knows, references that resolve inside their organisation, jobs for organisations that exist, and results whose
 * bytes lie inside a storage root: a `local://` result url must be under a `local://` storage config of its own
 * organisation, so that an import cannot make the mock serve (or, on expiry, delete) any other file.
 * Each problem names where it is (`organisations[1].keys[0].token`).
 */
function stateProblems(ctx: MockContext, state: MockState): string[] {
  const problems: string[] = [];
  if (!state || typeof state !== 'object' || Array.isArray(state)) return ['must be a JSON object'];
  if (!Array.isArray(state.organisations)) return ['organisations must be an array'];
  const tokens = new Map<string, string>();
  const orgIds = new Set<number>();
  const checkOrg = (snap: OrgSnapshot, where: string): void => {
    if (!snap || typeof snap !== 'object') {
      problems.push(`${where} must be an object`);
      return;
    }
    const org = snap as unknown as Json;
    if ((snap.organisation as { id?: unknown } | undefined)?.id !== snap.id)
      problems.push(`${where}.organisation.id must be ${snap.id}`);
    const ids = new Map<string, Set<string>>();
    for (const table of [...Object.keys(STATE_SCHEMAS), 'permissionSets']) {
      const rows = org[table];
      if (!Array.isArray(rows)) {
        problems.push(`${where}.${table} must be an array of records`);
        continue;
      }
      const known = STATE_SCHEMAS[table] ? statesOf(ctx, STATE_SCHEMAS[table]) : undefined;
      const seen = new Set<string>();
      rows.forEach((row: unknown, i) => {
        const r = row as Json;
        if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.id !== 'string') {
          problems.push(`${where}.${table}[${i}] must be a record with a string id`);
          return;
        }
        if (seen.has(r.id)) problems.push(`${where}.${table}[${i}].id ${r.id} appears twice`);
        seen.add(r.id);
        if (known && !known.includes(r.state))
          problems.push(`${where}.${table}[${i}].state ${JSON.stringify(r.state)} is not a known state`);
      });
      ids.set(table, seen);
    }
    const orgStates = statesOf(ctx, 'Organisation');
    if (orgStates && !orgStates.includes((snap.organisation as { state?: unknown }).state))
      problems.push(`${where}.organisation.state is not a known state`);
    for (const [i, key] of ((org.keys as Json[] | undefined) ?? []).entries()) {
      if (typeof key?.token !== 'string' || !/^[\x21-\x7e]+$/.test(key.token)) {
        problems.push(`${where}.keys[${i}].token must be printable ASCII without spaces`);
        continue;
      }
      const other = tokens.get(key.token);
      if (other !== undefined) problems.push(`${where}.keys[${i}].token is already used by ${other}`);
      else tokens.set(key.token, `${where}.keys[${i}]`);
    }
    for (const [table, refs] of Object.entries(REFERENCES)) {
      const rows = org[table];
      if (!Array.isArray(rows)) continue;
      rows.forEach((row: Json, i) => {
        for (const [field, target] of refs) {
          const v = row?.[field];
          if (typeof v === 'string' && !ids.get(target)?.has(v))
            problems.push(`${where}.${table}[${i}].${field} ${v} is not a record of ${target}`);
        }
      });
    }
    const roots = ((org.storageConfigs as Json[] | undefined) ?? [])
      .map((c) => parseStorageUrl(String(c?.url ?? '')))
      .flatMap((t) => ('error' in t || t.scheme !== 'local' ? [] : [t.folder]));
    // With --storage-root, an imported storage config is held to the allow-list like a created one.
    for (const [i, folder] of roots.entries()) {
      const outside = outsideStorageRoots(ctx, folder);
      if (outside) problems.push(`${where}.storageConfigs[${i}].url ${outside}`);
    }
    const results = org.results;
    if (Array.isArray(results))
      results.forEach((r: Json, i) => {
        const url = r?.url;
        if (typeof url !== 'string' || !url.startsWith('local:')) return;
        const folder = url.replace(/\/[^/]+\/[^/]+$/, '');
        if (!insideRoots(folder, roots))
          problems.push(`${where}.results[${i}].url is outside the organisation's local storage configs`);
      });
    const blobs = org.blobs;
    if (!Array.isArray(blobs)) problems.push(`${where}.blobs must be an array`);
  };
  state.organisations.forEach((snap, i) => {
    checkOrg(snap, `organisations[${i}]`);
    if (snap && typeof snap.id === 'number') {
      if (orgIds.has(snap.id)) problems.push(`organisations[${i}].id ${snap.id} appears twice`);
      orgIds.add(snap.id);
    }
  });
  // Creation snapshots are checked among themselves (each holds the tokens its live organisation started with).
  tokens.clear();
  if (state.creation !== undefined && !Array.isArray(state.creation))
    problems.push('creation must be an array');
  else for (const [i, snap] of (state.creation ?? []).entries()) checkOrg(snap, `creation[${i}]`);
  for (const [i, job] of (state.scheduler?.jobs ?? []).entries()) {
    if (job && job.org !== null && !orgIds.has(job.org as number))
      problems.push(`scheduler.jobs[${i}].org ${job.org} is not an organisation of the state`);
  }
  return problems;
}
