// The ricloud request pipeline, read top to bottom: route → auth → query → Ricloud-Await → body → handler.
import type { MiddlewareHandler } from 'hono';
import type { MockContext, MockEnv } from '../domain/context.ts';
import { Errors } from '../domain/errors.ts';
import { derivedLists, resourceKindOf } from '../spec/derived.ts';
import { validateRequest } from '../spec/validate-request.ts';
import { authenticate } from './auth.ts';

/** The longest Ricloud-Await the API honours, seconds (https://reincubate.com/support/ricloud/protocols/: "The current maximum timeout value is 10 seconds"). */
export const MAX_AWAIT_SECONDS = 10;

/**
 * Parses `Ricloud-Await`: seconds, clamped to 10. Absent is 0; anything the spec's pattern `^[0-9]+(\.[0-9]+)?$`
 * rejects — an empty header included — is a 400 (HTTP strips the whitespace around a header value).
 */
export function parseAwait(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value.trim());
  if (!Number.isFinite(n) || n < 0 || !/^\s*\d+(\.\d+)?\s*$/.test(value)) {
    throw Errors.invalidParameters({ 'Ricloud-Await': 'must be a number of seconds (0 to 10)' });
  }
  return Math.min(n, MAX_AWAIT_SECONDS);
}

/**
 * Matches the request against the spec, authenticates it, parses and validates its input (the shared
 * middleware, server/spec/validate-request.ts, strict JSON bodies), and sets the results on the context.
 * Anything it rejects changes nothing.
 */
export function ricloudPipeline(ctx: MockContext): MiddlewareHandler<MockEnv> {
  // Derived at start-up: a spec path without its x-resource-kind fails here, not on a request.
  const lists = derivedLists(ctx.spec);
  return validateRequest<MockEnv>({
    spec: ctx.spec,
    errors: Errors,
    unmatched: 'reject',
    body: { strictness: 'strict', contentType: 'json', limit: ctx.options.bodyLimit },
    notFoundResource: (op) => resourceKindOf(lists, op.path),
    onMatch(c) {
      const { org, key } = authenticate(ctx, c.req.header('authorization'));
      c.set('mock', ctx);
      c.set('org', org);
      c.set('key', key);
    },
    beforeBody(c) {
      c.set('awaitSeconds', parseAwait(c.req.header('ricloud-await')));
    },
  });
}
