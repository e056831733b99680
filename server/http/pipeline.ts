// The ricloud request pipeline, read top to bottom: route → auth → query → Ricloud-Await → body → handler.
import type { MiddlewareHandler } from 'hono';
import type { MockContext, MockEnv } from '../domain/context.ts';
import { Errors } from '../domain/errors.ts';
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
  return validateRequest<MockEnv>({
    spec: ctx.spec,
    errors: Errors,
    unmatched: 'reject',
    body: { strictness: 'strict', contentType: 'json', limit: ctx.options.bodyLimit },
    notFoundResource: (op) => resourceOfPath(op.path),
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

const RESOURCE_BY_SEGMENT: Record<string, string> = {
  keys: 'key',
  users: 'user',
  sources: 'source',
  sessions: 'session',
  polls: 'poll',
  subscriptions: 'subscription',
  tasks: 'task',
  results: 'result',
  events: 'event',
  permissions: 'permissions',
  storage: 'storage_config',
  webhook: 'webhook_config',
};

/** The resource name of a path template, for not-found messages (`/configs/storage/{id}` → storage_config). */
export function resourceOfPath(path: string): string {
  const segments = path.split('/').filter((s) => s && !s.startsWith('{'));
  const seg = segments[0] === 'configs' ? segments[1] : segments[0];
  return RESOURCE_BY_SEGMENT[seg ?? ''] ?? seg ?? 'resource';
}
