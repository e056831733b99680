// /users: the end users of an organisation (create or get by identifier, list, retrieve, update).
import { nowOf } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentUser } from '../../domain/presenters.ts';
import type { OrgState, UserRecord } from '../../domain/store.ts';
import { toIso } from '../../runtime/clock.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

function findUser(org: OrgState, id: string): UserRecord {
  const user = org.users.get(id);
  if (!user) throw Errors.notFound('user', id);
  return user;
}

const listUsers: Handler<'listUsers'> = (c) => {
  const org = c.get('org');
  const query = input(c).query;
  const items = org.users
    .newestFirst()
    .filter(
      (u) =>
        (query.identifier === undefined || u.identifier === query.identifier) &&
        (query.state === undefined || u.state === query.state),
    );
  return c.json(paginate(items, query, '/users', (u) => presentUser(c.get('mock'), u)));
};

const createUser: Handler<'createUser'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = input(c).body;
  // DIVERGENCE(access.users-get-or-create): an identifier that already exists in the organisation returns that user (200), unchanged, so that
  // ricloud-py's get-or-create helper (which just calls create) works (ricloud-py 3.2.0 ricloud/samples/helpers.py get_or_create_user).
  const existing = org.users.find((u) => u.identifier === body.identifier);
  if (existing) return c.json(presentUser(ctx, existing), 200);
  const keyId = body.key === undefined ? c.get('key').id : String(body.key);
  // DIVERGENCE(users.unknown-key-400): the docs do not say how a `key` outside the organisation is reported; like
  // `source.user` of a session, a body reference that does not resolve is a 400 naming the field.
  if (!org.keys.get(keyId)) throw Errors.invalidParameters({ key: `no key ${keyId} in this organisation` });
  const user = {
    id: ctx.ids.next('user'),
    resource: 'user',
    organisation: String(org.id),
    key: keyId,
    identifier: body.identifier,
    state: 'active',
    date_created: toIso(nowOf(ctx, org)),
  } as UserRecord;
  org.users.insert(user);
  return c.json(presentUser(ctx, user), 201);
};

const retrieveUser: Handler<'retrieveUser'> = (c) =>
  c.json(presentUser(c.get('mock'), findUser(c.get('org'), input(c).params.id)));

const updateUser: Handler<'updateUser'> = (c) => {
  const org = c.get('org');
  const user = findUser(org, input(c).params.id);
  const body = input(c).body;
  if (body.identifier !== undefined && body.identifier !== user.identifier) {
    const taken = org.users.find((u) => u.identifier === body.identifier);
    // DIVERGENCE(access.users-rename-taken): identifiers are unique within an organisation (create returns the existing user); renaming a
    // user onto another user's identifier is a 400 naming the field, not a silent merge.
    if (taken) {
      throw Errors.invalidParameters({ identifier: `is already used by user ${taken.id}` });
    }
  }
  if (user.state === 'blocked' && body.state !== undefined) {
    // Blocked is an API admin's decision: the organisation cannot lift it.
    throw Errors.invalidState('user', user.id, user.state);
  }
  if (body.identifier !== undefined) user.identifier = body.identifier;
  if (body.state !== undefined) user.state = body.state;
  return c.json(presentUser(c.get('mock'), user));
};

/** @see https://reincubate.com/support/ricloud/users */
export const usersHandlers = { listUsers, createUser, retrieveUser, updateUser } satisfies RouteHandlers;
