// Authentication: `Authorization: Token <key token>` → key → organisation.
import { type MockContext, nowOf } from '../domain/context.ts';
import { Errors } from '../domain/errors.ts';
import type { KeyRecord, OrgState } from '../domain/store.ts';
import { parseDateTime } from '../runtime/dates.ts';

/**
 * Resolves the calling key. Missing, malformed or unknown tokens and keys that are not active are a 401; a trial
 * key past `date_expires` turns `expired` here, when it is next used.
 * @see https://reincubate.com/support/ricloud/authentication/
 */
export function authenticate(
  ctx: MockContext,
  header: string | undefined,
): { org: OrgState; key: KeyRecord } {
  if (!header)
    throw Errors.unauthorized(
      'Authentication credentials were not provided: send Authorization: Token <key token>.',
    );
  const m = /^\s*Token\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) throw Errors.unauthorized('Malformed Authorization header: expected "Token <key token>".');
  const hit = ctx.world.findByToken(m[1]);
  if (!hit) throw Errors.unauthorized('Invalid token.');
  const { key } = hit;
  if (
    key.state === 'active' &&
    key.date_expires &&
    (parseDateTime(key.date_expires) ?? Number.NaN) <= nowOf(ctx, hit.org)
  ) {
    key.state = 'expired';
  }
  if (key.state !== 'active') throw Errors.unauthorized(`The key is ${key.state}.`);
  // DIVERGENCE(organisations.inactive-keys-401): the docs cut off before saying what a deactivated or blocked
  // organisation may still do; the mock refuses its keys like an inactive key (401).
  if (hit.org.organisation.state === 'deactivated' || hit.org.organisation.state === 'blocked') {
    throw Errors.unauthorized(`The organisation is ${hit.org.organisation.state}.`);
  }
  return hit;
}
