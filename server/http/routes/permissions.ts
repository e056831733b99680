// /permissions: key-level permission sets, never broader than the organisation's own scopes (see engine/permissions.ts).
import { nowOf } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { assertWithinOrganisation } from '../../domain/permissions.ts';
import { presentPermissions } from '../../domain/presenters.ts';
import type { OrgState, PermissionsRecord } from '../../domain/store.ts';
import { toIso } from '../../runtime/clock.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

function findPermissions(org: OrgState, id: string): PermissionsRecord {
  const p = org.permissionSets.get(id);
  if (!p) throw Errors.notFound('permissions', id);
  return p;
}

const listPermissions: Handler<'listPermissions'> = (c) => {
  const org = c.get('org');
  const q = input(c).query;
  return c.json(
    paginate(org.permissionSets.newestFirst(), q, '/permissions', (p) =>
      presentPermissions(c.get('mock'), p),
    ),
  );
};

const createPermissions: Handler<'createPermissions'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = input(c).body;
  assertWithinOrganisation(org, body.scopes);
  const record = {
    id: ctx.ids.next('permissions'),
    resource: 'permissions',
    organisation: String(org.id),
    // DIVERGENCE(access.permissions-identifier): the docs' attribute table has no identifier; the organisation's own set has one ("default"), so
    // key sets take an optional one (null when not given).
    identifier: body.identifier ?? null,
    scopes: structuredClone(body.scopes),
    date_created: toIso(nowOf(ctx, org)),
  } as PermissionsRecord;
  org.permissionSets.insert(record);
  return c.json(presentPermissions(ctx, record), 201);
};

/** The organisation's base set as a permissions resource, when `id` is its id (the one GET /organisation nests). */
function baseSet(org: OrgState, id: string): PermissionsRecord | undefined {
  if (id !== String(org.permissions.id) || org.permissionSets.get(id)) return undefined;
  const { identifier, scopes, date_created } = org.permissions;
  return {
    id,
    resource: 'permissions',
    organisation: String(org.id),
    identifier,
    scopes: structuredClone(scopes),
    date_created,
  } as PermissionsRecord;
}

const retrievePermissions: Handler<'retrievePermissions'> = (c) => {
  const org = c.get('org');
  const id = input(c).params.id;
  return c.json(presentPermissions(c.get('mock'), baseSet(org, id) ?? findPermissions(org, id)));
};

const updatePermissions: Handler<'updatePermissions'> = (c) => {
  const org = c.get('org');
  const id = input(c).params.id;
  if (baseSet(org, id)) {
    // DIVERGENCE(permissions.base-set-read-only): the base permissions are what Reincubate grants the organisation;
    // its keys cannot widen or change them.
    throw Errors.permissionDenied(
      `permissions:${id}`,
      "The organisation's base permissions are read-only: create a permission set for a key instead.",
    );
  }
  const record = findPermissions(org, id);
  const body = input(c).body;
  if (body.scopes !== undefined) assertWithinOrganisation(org, body.scopes);
  if (body.identifier !== undefined) record.identifier = body.identifier;
  if (body.scopes !== undefined) record.scopes = structuredClone(body.scopes);
  return c.json(presentPermissions(c.get('mock'), record));
};

/** @see https://reincubate.com/support/ricloud/permissions/ */
export const permissionsHandlers = {
  listPermissions,
  createPermissions,
  retrievePermissions,
  updatePermissions,
} satisfies RouteHandlers;
