// /sources: the accounts and devices behind sessions (create, list, retrieve, update state, children).
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { assertScope, assertSourceLimits } from '../../domain/permissions.ts';
import { presentSource } from '../../domain/presenters.ts';
import type { OrgState, SourceRecord } from '../../domain/store.ts';
import { toIso } from '../../runtime/clock.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

function findSource(org: OrgState, id: string): SourceRecord {
  const source = org.sources.get(id);
  if (!source) throw Errors.notFound('source', id);
  return source;
}

const listSources: Handler<'listSources'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const q = input(c).query;
  const items = org.sources
    .newestFirst()
    .filter(
      (s) =>
        (q.user === undefined || s.user === q.user) &&
        (q.identifier === undefined || s.identifier === q.identifier) &&
        (q.type === undefined || s.type === q.type) &&
        (q.parent === undefined || s.parent === q.parent) &&
        (q.state === undefined || s.state === q.state),
    );
  return c.json(paginate(items, q, '/sources', (s) => presentSource(ctx, org, s)));
};

/**
 * POST /sources: an unvalidated primary source, which a later session on the same user, type and identifier uses.
 * The sessions page's `source` "should follow the source creation schema", and ricloud-py's Source is creatable.
 * Checks the same references, scopes and limits as POST /sessions before creating anything.
 */
const createSource: Handler<'createSource'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const key = c.get('key');
  const body = input(c).body;
  const userId = String(body.user);
  const user = org.users.get(userId);
  if (!user) throw Errors.invalidParameters({ user: 'no such user' });
  if (user.state !== 'active') throw Errors.invalidState('user', user.id, user.state);
  const userKey = user.key === key.id ? undefined : org.keys.get(user.key);
  assertScope(org, key, 'source_type', body.type);
  if (userKey) assertScope(org, userKey, 'source_type', body.type);
  // DIVERGENCE(sources.create-existing-returned): the docs do not say what a second create of the same source does;
  // the mock returns the existing one (200), the source POST /sessions would use.
  // DIVERGENCE(sources.identifier-unique): keyed by user, type and identifier, as POST /sessions finds it.
  const existing = org.sources.find(
    (s) => s.user === userId && s.type === body.type && s.identifier === body.identifier && s.parent === null,
  );
  if (existing) return c.json(presentSource(ctx, org, existing), 200);
  assertSourceLimits(org, { key, userId }, body.type);
  if (userKey) assertSourceLimits(org, { key: userKey, userId }, body.type);
  const source = org.sources.insert({
    id: ctx.ids.next('source'),
    resource: 'source',
    user: userId,
    type: body.type,
    identifier: body.identifier,
    info: null,
    parent: null,
    state: 'unvalidated',
    date_created: toIso(ctx.clock.now()),
  } as SourceRecord);
  return c.json(presentSource(ctx, org, source), 201);
};

const retrieveSource: Handler<'retrieveSource'> = (c) => {
  const org = c.get('org');
  return c.json(presentSource(c.get('mock'), org, findSource(org, input(c).params.id)));
};

const updateSource: Handler<'updateSource'> = (c) => {
  const org = c.get('org');
  const source = findSource(org, input(c).params.id);
  const { state } = input(c).body;
  if (state !== source.state) {
    // Blocked (an API admin) and locked (the service) are not the organisation's to lift; an unvalidated source
    // becomes active only through a successful session.
    // DIVERGENCE(access.source-state-updates): the docs only say state is updatable; these transitions are a 409 invalid-state.
    if (
      source.state === 'blocked' ||
      source.state === 'locked' ||
      (source.state === 'unvalidated' && state === 'active')
    ) {
      throw Errors.invalidState(
        'source',
        source.id,
        source.state,
        `The source ${source.id} is ${source.state}: it cannot be set to ${state} through the API.`,
      );
    }
    source.state = state;
  }
  return c.json(presentSource(c.get('mock'), org, source));
};

const listSourceChildren: Handler<'listSourceChildren'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const source = findSource(org, input(c).params.id);
  const q = input(c).query;
  const children = org.sources.newestFirst().filter((s) => s.parent === source.id);
  return c.json(paginate(children, q, `/sources/${source.id}/children`, (s) => presentSource(ctx, org, s)));
};

/** @see https://reincubate.com/support/ricloud/sources/ */
export const sourcesHandlers = {
  listSources,
  createSource,
  retrieveSource,
  updateSource,
  listSourceChildren,
} satisfies RouteHandlers;
