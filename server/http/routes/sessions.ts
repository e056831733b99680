// /sessions: create (always pending; honours Ricloud-Await), list, retrieve, and DELETE (expiry by the organisation).
import { isSourceType } from '../../../fixtures/catalogue.ts';
import { nowOf } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { assertScope, assertSourceLimits } from '../../domain/permissions.ts';
import { presentSession } from '../../domain/presenters.ts';
import { expireSession, relayPairing, startSession, testAccountOutcome } from '../../domain/session.ts';
import type { SourceRecord } from '../../domain/store.ts';
import { awaitCondition } from '../../runtime/await.ts';
import { toIso } from '../../runtime/clock.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

/** Source types a client can open a session on (Relay devices come from pairing, not from sessions). */
const SESSION_SOURCE_TYPES = ['icloud.account', 'rirelay.instance', 'mocks.mock'];

const createSession: Handler<'createSession'> = async (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const key = c.get('key');
  const body = input(c).body;
  const payload = body.payload ?? {};
  const userId = String(body.source.user);
  const type = body.source.type;

  // Check every reference, scope and limit before creating anything: a rejected request changes nothing.
  const user = org.users.get(userId);
  // DIVERGENCE(sessions.unknown-user): the docs do not say how an unknown user is reported; the mock answers 400 invalid-parameters
  // naming `source.user` (the id is a field of the body, not of the path).
  if (!user) throw Errors.invalidParameters({ 'source.user': 'no such user' });
  // DIVERGENCE(sessions.inactive-user): a deactivated or blocked user cannot open sessions (409), like a deactivated source.
  if (user.state !== 'active') throw Errors.invalidState('user', user.id, user.state);
  if (!isSourceType(type) || !SESSION_SOURCE_TYPES.includes(type)) {
    throw Errors.invalidParameters({
      'source.type': `cannot open a session on ${JSON.stringify(type)}; use one of ${SESSION_SOURCE_TYPES.join(', ')}`,
    });
  }
  assertScope(org, key, 'source_type', type);
  // A user assigned to another key (POST /users `key`, "perhaps one with fewer permissions") is bound by it too.
  const userKey = user.key === key.id ? undefined : org.keys.get(user.key);
  if (userKey) assertScope(org, userKey, 'source_type', type);

  let identifier: string;
  let relayDevices: { identifier: string; info: Record<string, unknown> }[] | undefined;
  if (type === 'rirelay.instance') {
    // DIVERGENCE(sessions.relay-identifier-from-code): a Relay instance's identifier is only known from pairing. The mock derives it from the code at
    // once (the same code always pairs the same instance and devices), so the source exists from POST on; an
    // identifier in the request is ignored. A missing code is a 400 (there is nothing to pair).
    if (!payload.code) {
      throw Errors.invalidParameters({
        'payload.code': 'is required for rirelay.instance (the Relay pairing code)',
      });
    }
    const pairing = relayPairing(ctx, payload.code);
    identifier = pairing.instanceIdentifier;
    relayDevices = pairing.devices.map((d) => ({ identifier: d.identifier, info: { ...d.info } }));
  } else {
    if (!body.source.identifier) {
      throw Errors.invalidParameters({ 'source.identifier': `is required for ${type}` });
    }
    identifier = body.source.identifier;
  }

  // DIVERGENCE(sources.identifier-unique): a primary source is one user's: keyed by user, type and identifier.
  let source = org.sources.find(
    (s) => s.user === userId && s.type === type && s.identifier === identifier && s.parent === null,
  );
  if (source && (source.state === 'deactivated' || source.state === 'blocked')) {
    // DIVERGENCE(sessions.inactive-source): a source the organisation deactivated (or an admin blocked) cannot open sessions: 409.
    throw Errors.invalidState('source', source.id, source.state);
  }
  if (!source) assertSourceLimits(org, { key, userId }, type);
  if (!source && userKey) assertSourceLimits(org, { key: userKey, userId }, type);

  const outcome = testAccountOutcome(type, identifier, payload);
  if (!source) {
    source = org.sources.insert({
      id: ctx.ids.next('source'),
      resource: 'source',
      user: userId,
      type,
      identifier,
      info: null,
      parent: null,
      state: 'unvalidated',
      date_created: toIso(nowOf(ctx, org)),
    } as SourceRecord);
  }
  const session = startSession(ctx, org, {
    keyId: key.id,
    userId,
    source,
    outcome,
    ...(relayDevices && outcome.state === 'active' ? { relayDevices } : {}),
  });
  await awaitCondition(ctx.scheduler, org.id, c.get('awaitSeconds'), () => session.state !== 'pending');
  return c.json(presentSession(ctx, org, session), 201);
};

const listSessions: Handler<'listSessions'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const query = input(c).query;
  const user = query.user === undefined ? undefined : String(query.user);
  const source = query.source === undefined ? undefined : String(query.source);
  const items = org.sessions
    .newestFirst()
    .filter(
      (s) =>
        (user === undefined || s.user === user) &&
        (source === undefined || s.source === source) &&
        (query.state === undefined || s.state === query.state),
    );
  return c.json(paginate(items, query, '/sessions', (s) => presentSession(ctx, org, s)));
};

const retrieveSession: Handler<'retrieveSession'> = (c) => {
  const org = c.get('org');
  const id = input(c).params.id;
  const session = org.sessions.get(id);
  if (!session) throw Errors.notFound('session', id);
  return c.json(presentSession(c.get('mock'), org, session));
};

const deleteSession: Handler<'deleteSession'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const id = input(c).params.id;
  const session = org.sessions.get(id);
  if (!session) throw Errors.notFound('session', id);
  // DIVERGENCE(sessions.delete-finished): deleting a session that is already failed or expired returns it unchanged (200), so that a
  // client's cleanup can always delete.
  expireSession(ctx, org, session, 'organisation');
  return c.json(presentSession(ctx, org, session));
};

/** @see https://reincubate.com/support/ricloud/sessions/ */
export const sessionHandlers = {
  createSession,
  listSessions,
  retrieveSession,
  deleteSession,
} satisfies RouteHandlers;
