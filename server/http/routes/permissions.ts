// /permissions: key-level permission sets, never broader than the organisation's own scopes (see engine/permissions.ts).
import { Hono } from 'hono';
import type { Query, RequestBody } from '../../../openapi/types.ts';
import type { RicloudEnv } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { assertWithinOrganisation } from '../../domain/permissions.ts';
import { presentPermissions } from '../../domain/presenters.ts';
import type { OrgState, PermissionsRecord } from '../../domain/store.ts';
import { toIso } from '../../runtime/clock.ts';

function findPermissions(org: OrgState, id: string): PermissionsRecord {
  const p = org.permissionSets.get(id);
  if (!p) throw Errors.notFound('permissions', id);
  return p;
}

/** @see ../shared/api/docs/permissions.md */
export const permissionsRoutes = new Hono<RicloudEnv>();

permissionsRoutes.get('/', (c) => {
  const org = c.get('org');
  const q = c.get('query') as Query<'listPermissions'>;
  return c.json(
    paginate(org.permissionSets.newestFirst(), q, '/permissions', (p) =>
      presentPermissions(c.get('mock'), p),
    ),
  );
});

permissionsRoutes.post('/', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = c.get('body') as RequestBody<'createPermissions'>;
  assertWithinOrganisation(org, body.scopes);
  const record = {
    id: ctx.ids.next('permissions'),
    resource: 'permissions',
    organisation: String(org.id),
    // DIVERGENCE: the docs' attribute table has no identifier; the organisation's own set has one ("default"), so
    // key sets take an optional one (null when not given).
    identifier: body.identifier ?? null,
    scopes: structuredClone(body.scopes),
    date_created: toIso(ctx.clock.now()),
  } as PermissionsRecord;
  org.permissionSets.insert(record);
  return c.json(presentPermissions(ctx, record), 201);
});

permissionsRoutes.get('/:id', (c) =>
  c.json(presentPermissions(c.get('mock'), findPermissions(c.get('org'), c.req.param('id')))),
);

permissionsRoutes.post('/:id', (c) => {
  const org = c.get('org');
  const record = findPermissions(org, c.req.param('id'));
  const body = c.get('body') as RequestBody<'updatePermissions'>;
  if (body.scopes !== undefined) assertWithinOrganisation(org, body.scopes);
  if (body.identifier !== undefined) record.identifier = body.identifier;
  if (body.scopes !== undefined) record.scopes = structuredClone(body.scopes);
  return c.json(presentPermissions(c.get('mock'), record));
});
