// Tenants of the control API: isolated organisations created, listed, deleted and reset to their creation state.

import { parseDateTime } from '../runtime/dates.ts';
import type { TenantClockInput } from '../runtime/timelines.ts';
import type { MockContext } from './context.ts';
import { Errors } from './errors.ts';
import { presentOrganisation } from './presenters.ts';
import { createOrganisation, GETTING_STARTED_SCOPES, PERMISSIVE_SCOPES } from './presets.ts';
import { exportOrg, importOrg, type KeyRecord, type OrgState } from './store.ts';

/** A tenant to create at start (config file, library options). */
export interface TenantInput {
  name: string;
  preset?: 'default' | 'getting-started' | undefined;
  scopes?:
    | Record<string, { level: 'organisation' | 'key' | 'user'; type: 'count'; value: number }[]>
    | undefined;
  /** true: a valid config at the mock's storage url; a url: a valid config there; false: unconfigured. */
  storage?: boolean | string | undefined;
  token?: string | undefined;
  /** The tenant's own clock (default: the server's mode, from the server's start rules); `start` RFC 3339 or ms. */
  clock?: (Omit<TenantClockInput, 'start'> & { start?: string | number | undefined }) | undefined;
}

/** A tenant as the control API shows it: the organisation, its keys and their tokens. */
export interface TenantView {
  organisation: ReturnType<typeof presentOrganisation>;
  token?: string;
  keys: { id: string; state: string; token: string }[];
}

/** Presents a tenant (tokens included: the control API is a loopback or token-protected test tool). */
export function presentTenant(ctx: MockContext, org: OrgState): TenantView {
  const keys = org.keys.values().map((k) => ({ id: k.id, state: k.state, token: k.token }));
  const active = keys.find((k) => k.state === 'active');
  return { organisation: presentOrganisation(ctx, org), ...(active ? { token: active.token } : {}), keys };
}

/** Records an organisation's current state as its creation state (what a tenant reset returns to). */
export function rememberCreation(ctx: MockContext, org: OrgState): void {
  ctx.creation.set(org.id, exportOrg(org));
}

/** Records every current organisation's creation state (after a preset or a full reset). */
export function rememberAllCreations(ctx: MockContext): void {
  const creation = ctx.creation;
  creation.clear();
  for (const org of ctx.world.orgs.values()) creation.set(org.id, exportOrg(org));
}

/**
 * Creates an isolated organisation with an active key (POST /_mock/organisations): parallel test files each take
 * one and never see each other's records.
 */
export function createTenant(ctx: MockContext, input: TenantInput): { org: OrgState; key: KeyRecord } {
  const preset = input.preset ?? 'default';
  const storage = input.storage ?? preset === 'default';
  const storageUrl = storage === true ? ctx.options.storageUrl : storage === false ? undefined : storage;
  if (input.token && ctx.world.findByToken(input.token)) {
    throw Errors.invalidParameters({ token: 'is already used by another key' });
  }
  // Each tenant has its own clock and job queue: one tenant's advance never moves another's records.
  const clockInput = tenantClockInput(input.clock);
  const clock = ctx.scheduler.makeClock(clockInput);
  const now = clock.now();
  const created = createOrganisation(ctx, {
    name: input.name,
    scopes: input.scopes ?? (preset === 'getting-started' ? GETTING_STARTED_SCOPES : PERMISSIVE_SCOPES),
    token: input.token,
    storageUrl,
    now,
  });
  ctx.scheduler.attach(created.org.id, clock, now, clockInput);
  rememberCreation(ctx, created.org);
  return created;
}

/** A tenant's clock options with its start read strictly (RFC 3339, as every date from outside) or as ms. */
function tenantClockInput(input: TenantInput['clock']): TenantClockInput {
  if (!input) return {};
  const { start, ...rest } = input;
  if (start === undefined) return rest;
  const ms = typeof start === 'number' ? start : parseDateTime(start);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw Errors.invalidParameters({ 'clock.start': 'must be an RFC 3339 date-time' });
  }
  return { ...rest, start: ms };
}

/** The organisation with this id, or a 404 in the error shape. */
export function requireTenant(ctx: MockContext, id: number): OrgState {
  const org = ctx.world.orgs.get(id);
  if (!org) throw Errors.notFound('organisation', id);
  return org;
}

/** Deletes a tenant with its keys (their tokens stop working at once) and its pending jobs. */
export function deleteTenant(ctx: MockContext, id: number): OrgState {
  const org = requireTenant(ctx, id);
  ctx.world.removeOrg(id);
  ctx.scheduler.cancel((j) => j.org === id);
  ctx.scheduler.detach(id);
  ctx.creation.delete(id);
  // What other parts keep per organisation (the rate limiter's window) goes with it.
  ctx.lifecycle.forget(id);
  return org;
}

/**
 * Puts one tenant back to its creation state: same records, keys and tokens, no pending jobs; other tenants and
 * the shared id counters are untouched. A map swap: well under 5 ms for any tenant a test builds.
 */
export function resetTenant(ctx: MockContext, id: number): OrgState {
  requireTenant(ctx, id);
  const snap = ctx.creation.get(id);
  if (!snap) throw Errors.notFound('organisation', id);
  const fresh = importOrg(snap);
  const order = [...ctx.world.orgs.keys()];
  ctx.world.removeOrg(id);
  ctx.world.addOrg(fresh);
  // Keep the organisations' order (snapshots compare byte for byte).
  const byId = new Map(ctx.world.orgs);
  ctx.world.orgs.clear();
  for (const orgId of order) {
    const o = byId.get(orgId);
    if (o) ctx.world.orgs.set(orgId, o);
  }
  ctx.scheduler.cancel((j) => j.org === id);
  // Its clock goes back to the tenant's creation time, with an empty queue.
  ctx.scheduler.resetTenant(id);
  // The creation state has no forced outcomes or failures: the organisation's own ones go with the swap.
  ctx.lifecycle.forget(id);
  return fresh;
}
