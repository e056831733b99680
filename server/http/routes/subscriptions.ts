// /subscriptions: create (iCloud active at once, Relay pending until allowed), list, retrieve, delete.
import { Hono } from 'hono';
import type { Query, RequestBody } from '../../../openapi/types.ts';
import type { RicloudEnv } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentSubscription } from '../../domain/presenters.ts';
import type { OrgState, SubscriptionRecord } from '../../domain/store.ts';
import { createSubscription, deleteSubscription } from '../../domain/subscription.ts';

/** @see ../shared/api/docs/subscriptions.md */
export const subscriptionsRoutes = new Hono<RicloudEnv>();

function findSubscription(org: OrgState, id: string): SubscriptionRecord {
  const sub = org.subscriptions.get(id);
  if (!sub) throw Errors.notFound('subscription', id);
  return sub;
}

subscriptionsRoutes.post('/', (c) => {
  const ctx = c.get('mock');
  const body = c.get('body') as RequestBody<'createSubscription'>;
  const sub = createSubscription(ctx, c.get('org'), c.get('key'), body);
  return c.json(presentSubscription(ctx, sub), 201);
});

subscriptionsRoutes.get('/', (c) => {
  const ctx = c.get('mock');
  const query = c.get('query') as Query<'listSubscriptions'>;
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
});

subscriptionsRoutes.get('/:id', (c) => {
  return c.json(presentSubscription(c.get('mock'), findSubscription(c.get('org'), c.req.param('id'))));
});

subscriptionsRoutes.delete('/:id', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  return c.json(
    presentSubscription(ctx, deleteSubscription(ctx, org, findSubscription(org, c.req.param('id')))),
  );
});
