// /polls: create (one task per requested item; 409 unless the session is active and storage is configured), list, retrieve.
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { createPoll } from '../../domain/poll.ts';
import { pollResults, presentPoll, presentPollErrors, presentResult } from '../../domain/presenters.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

const createPollHandler: Handler<'createPoll'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = input(c).body;
  // The legacy `type` field (the walkthrough's "data") is accepted by the spec and ignored here.
  const poll = createPoll(ctx, org, {
    key: c.get('key'),
    session: body.session,
    subscription: body.subscription,
    source: body.source,
    payload: body.payload,
  });
  return c.json(presentPoll(ctx, org, poll), 201);
};

const listPolls: Handler<'listPolls'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const q = input(c).query;
  const items = org.polls
    .newestFirst()
    .filter(
      (p) =>
        (q.session === undefined || p.session === q.session) &&
        (q.source === undefined || p.source === String(q.source)) &&
        (q.subscription === undefined || p.subscription === q.subscription) &&
        (q.requestor === undefined || p.requestor === q.requestor) &&
        (q.state === undefined || p.state === q.state),
    );
  return c.json(paginate(items, q, '/polls', (p) => presentPoll(ctx, org, p)));
};

const retrievePoll: Handler<'retrievePoll'> = (c) => {
  const org = c.get('org');
  const id = input(c).params.id;
  const poll = org.polls.get(id);
  if (!poll) throw Errors.notFound('poll', id);
  return c.json(presentPoll(c.get('mock'), org, poll));
};

/** The list a poll's `results` attribute advertises in its `url` (the official client's List follows it). */
const listPollResults: Handler<'listPollResults'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const { params, query } = input(c);
  const poll = org.polls.get(params.id);
  if (!poll) throw Errors.notFound('poll', params.id);
  return c.json(
    paginate(pollResults(org, poll), query, `/polls/${poll.id}/results`, (r) => presentResult(ctx, r)),
  );
};

/** The list a poll's `errors` attribute advertises in its `url`. */
const listPollErrors: Handler<'listPollErrors'> = (c) => {
  const org = c.get('org');
  const { params, query } = input(c);
  const poll = org.polls.get(params.id);
  if (!poll) throw Errors.notFound('poll', params.id);
  return c.json(paginate(presentPollErrors(poll), query, `/polls/${poll.id}/errors`, (e) => e));
};

/** @see https://reincubate.com/support/ricloud/polls/ */
export const pollsHandlers = {
  createPoll: createPollHandler,
  listPolls,
  retrievePoll,
  listPollResults,
  listPollErrors,
} satisfies RouteHandlers;
