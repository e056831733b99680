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
