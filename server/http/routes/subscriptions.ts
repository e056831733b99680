// /subscriptions: create (iCloud active at once, Relay pending until allowed), list, retrieve, delete.
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentSubscription } from '../../domain/presenters.ts';
import type { OrgState, SubscriptionRecord } from '../../domain/store.ts';
import { createSubscription, deleteSubscription } from '../../domain/subscription.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

function findSubscription(org: OrgState, id: string): SubscriptionRecord {
  const sub = org.subscriptions.get(id);
  if (!sub) throw Errors.notFound('subscription', id);
  return sub;
}

const createSubscriptionHandler: Handler<'createSubscription'> = (c) => {
  const ctx = c.get('mock');
  const body = input(c).body;
  const sub = createSubscription(ctx, c.get('org'), c.get('key'), body);
  return c.json(presentSubscription(ctx, sub), 201);
};

const listSubscriptions: Handler<'listSubscriptions'> = (c) => {
  const ctx = c.get('mock');
  const query = input(c).query;
  const session = query.session === undefined ? undefined : String(query.session);
  const source = query.source === undefined ? undefined : String(query.source);
  const items = c
    .get('org')
    .subscriptions.newestFirst()
    .filter(
      (s) =>
        (session === undefined || s.session === session) &&
        (source === undefined || s.source === source) &&
        (query.state === undefined || s.state === query.state),
    );
  return c.json(paginate(items, query, '/subscriptions', (s) => presentSubscription(ctx, s)));
};

const retrieveSubscription: Handler<'retrieveSubscription'> = (c) => {
  return c.json(presentSubscription(c.get('mock'), findSubscription(c.get('org'), input(c).params.id)));
};

const deleteSubscriptionHandler: Handler<'deleteSubscription'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  return c.json(
    presentSubscription(ctx, deleteSubscription(ctx, org, findSubscription(org, input(c).params.id))),
  );
};

/** @see https://reincubate.com/support/ricloud/subscriptions/ */
export const subscriptionsHandlers = {
  createSubscription: createSubscriptionHandler,
  listSubscriptions,
  retrieveSubscription,
  deleteSubscription: deleteSubscriptionHandler,
} satisfies RouteHandlers;
