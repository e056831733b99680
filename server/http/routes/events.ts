// /events: list (type, action, state, date_created and its __gte/__lte forms) and retrieve.
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentEvent } from '../../domain/presenters.ts';
import type { EventRecord } from '../../domain/store.ts';
import { parseDateInput, parseDateTime } from '../../runtime/dates.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

/** A date filter in the spec's `date-or-date-time` grammar (the validator has already checked it). */
function dateParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDateInput(value, 'date-or-date-time');
  if (ms === undefined) throw Errors.invalidParameters({ [name]: 'must match format "date-or-date-time"' });
  return ms;
}

/**
 * `type` matches the event's resource type (`poll`) or, DIVERGENCE(webhooks.events-type-dotted) for convenience, the documented dotted name
 * (`poll.completed` = type `poll` and action `completed`).
 */
function matchesType(e: EventRecord, type: string): boolean {
  return e.type === type || `${e.type}.${e.action}` === type;
}

const listEvents: Handler<'listEvents'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const query = input(c).query;
  const exact = dateParam('date_created', query.date_created);
  const gte = dateParam('date_created__gte', query.date_created__gte);
  const lte = dateParam('date_created__lte', query.date_created__lte);
  const items = org.events.newestFirst().filter((e) => {
    if (query.type !== undefined && !matchesType(e, query.type)) return false;
    if (query.action !== undefined && e.action !== query.action) return false;
    if (query.state !== undefined && e.state !== query.state) return false;
    if (exact === undefined && gte === undefined && lte === undefined) return true;
    const created = parseDateTime(e.date_created) ?? 0;
    return (
      (exact === undefined || created === exact) &&
      (gte === undefined || created >= gte) &&
      (lte === undefined || created <= lte)
    );
  });
  return c.json(paginate(items, query, '/events', (e) => presentEvent(ctx, e)));
};

const retrieveEvent: Handler<'retrieveEvent'> = (c) => {
  const org = c.get('org');
  const id = input(c).params.id;
  const event = org.events.get(id);
  if (!event) throw Errors.notFound('event', id);
  return c.json(presentEvent(c.get('mock'), event));
};

/** @see https://reincubate.com/support/ricloud/events */
export const eventsHandlers = { listEvents, retrieveEvent } satisfies RouteHandlers;
