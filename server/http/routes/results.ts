// /results: list (consumed and expired hidden unless asked for), retrieve, ack (GET/POST, single and batch); and the
// signed-url download route, which lives outside the ricloud pipeline (no API token: the url is the credential).

import { Hono } from 'hono';
import { type MockContext, nowOf } from '../../domain/context.ts';
import { ApiError, Errors } from '../../domain/errors.ts';
import { listOf, paginate } from '../../domain/lists.ts';
import { presentResult } from '../../domain/presenters.ts';
import { readPublished } from '../../domain/publish.ts';
import { applyResultEvent } from '../../domain/result.ts';
import type { OrgState, ResultRecord } from '../../domain/store.ts';
import { parseDateTime } from '../../runtime/dates.ts';
import { type Handler, input, type OperationContext, type RouteHandlers } from '../operations.ts';

const listResults: Handler<'listResults'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const q = input(c).query;
  const items = org.results
    .newestFirst()
    .filter(
      (r) =>
        (q.task === undefined || r.task === q.task) &&
        (q.poll === undefined || r.poll === q.poll) &&
        (q.state === undefined ? r.state === 'available' : r.state === q.state),
    );
  return c.json(paginate(items, q, '/results', (r) => presentResult(ctx, r)));
};

/** Marks a result consumed (the result machine); acking twice keeps the first date, an expired result stays so. */
function ack(ctx: MockContext, org: OrgState, result: ResultRecord): void {
  // Acknowledging has no asynchronous effect (only expiry unpublishes), so there is nothing to await.
  applyResultEvent(ctx, org, result, { type: 'acknowledge' });
}

// Registered before '/:id' so that "ack" is never read as an id.
const ackResults: Handler<'ackResults'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = input(c).body;
  const ids = [...new Set(body.ids)];
  // All or nothing: every id must be this organisation's before any result changes.
  const results = ids.map((id) => {
    const r = org.results.get(id);
    if (!r) throw Errors.notFound('result', id);
    return r;
  });
  for (const r of results) ack(ctx, org, r);
  return c.json(
    listOf(
      results.map((r) => presentResult(ctx, r)),
      '/results',
    ),
  );
};

function found(org: OrgState, id: string): ResultRecord {
  const result = org.results.get(id);
  if (!result) throw Errors.notFound('result', id);
  return result;
}

const retrieveResult: Handler<'retrieveResult'> = (c) =>
  c.json(presentResult(c.get('mock'), found(c.get('org'), input(c).params.id)));

/** GET (documented) and POST (ricloud-py >= 3.1) /results/{id}/ack. */
const ackOne = (c: OperationContext<'ackResult' | 'ackResultLegacy'>) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const result = found(org, input(c).params.id);
  ack(ctx, org, result);
  return c.json(presentResult(ctx, result));
};
const ackResultLegacy: Handler<'ackResultLegacy'> = (c) => ackOne(c);
const ackResult: Handler<'ackResult'> = (c) => ackOne(c);

/** Finds the result whose signed url ends with this token, in any organisation (the token is the credential). */
function findSigned(ctx: MockContext, token: string): { org: OrgState; result: ResultRecord } | undefined {
  const suffix = `/_signed/${token}`;
  for (const org of ctx.world.orgs.values()) {
    const result = org.results.find((r) => r.signed_url?.url.endsWith(suffix) === true);
    if (result) return { org, result };
  }
  return undefined;
}

/**
 * GET /_signed/<token>: serves a result's published bytes while its signed url is valid, 403 after (reference
 * §2.9 D). Mounted by app.ts beside /_mock, before the ricloud pipeline: a signed url needs no API token.
 */
export function signedUrlRoutes(ctx: MockContext): Hono {
  const app = new Hono({ strict: false });
  app.get('/:token', async (c) => {
    const token = c.req.param('token');
    const hit = /^[0-9a-f]{40}$/.test(token) ? findSigned(ctx, token) : undefined;
    if (!hit?.result.signed_url) throw Errors.notFound('signed_url', token);
    const { org, result } = hit;
    const expires = hit.result.signed_url.date_expires;
    if ((parseDateTime(expires) ?? Number.NaN) <= nowOf(ctx, org)) {
      throw new ApiError(403, 'permission-denied', `The signed URL expired at ${expires}.`, {
        date_expires: expires,
      });
    }
    if (result.state === 'expired') throw Errors.notFound('result', result.id);
    const published = await readPublished(ctx, org, result.url);
    if (!published) throw Errors.notFound('result', result.id);
    return c.body(published.bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': published.contentType,
      'Content-Length': String(published.bytes.byteLength),
      'Content-MD5': Buffer.from(result.checksum, 'hex').toString('base64'),
    });
  });
  return app;
}

/** @see https://reincubate.com/support/ricloud/results/ */
export const resultsHandlers = {
  listResults,
  ackResults,
  retrieveResult,
  ackResultLegacy,
  ackResult,
} satisfies RouteHandlers;
