// Scopes and limits: which source, task, info, data and file types a key may use, and how many sources it may create.
import type { ScopeLimit, Scopes } from '../../openapi/types.ts';
import { Errors } from './errors.ts';
import type { KeyRecord, OrgState, PermissionsRecord, SourceRecord } from './store.ts';

/** The families a scope can name (https://reincubate.com/support/ricloud/permissions/ "Scope types"). */
export type ScopeFamily = 'source_type' | 'task_type' | 'data_type' | 'info_type' | 'file_type';

const patternCache = new Map<string, RegExp>();

/** A scope identifier with `*` wildcards as a regular expression (`icloud.*` matches `icloud.account`). */
function patternOf(glob: string): RegExp {
  let re = patternCache.get(glob);
  if (!re) {
    const body = glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`);
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(glob, re);
  }
  return re;
}

/**
 * Whether a scope key (`source_type:icloud.*`) covers `family:identifier`.
 * @example scopeMatches('source_type:icloud.*', 'source_type', 'icloud.account') // true
 */
export function scopeMatches(scope: string, family: ScopeFamily, identifier: string): boolean {
  const colon = scope.indexOf(':');
  if (colon < 0 || scope.slice(0, colon) !== family) return false;
  return patternOf(scope.slice(colon + 1)).test(identifier);
}

/** The scopes of `scopes` that cover `family:identifier`. */
function matchingScopes(scopes: Scopes, family: ScopeFamily, identifier: string): string[] {
  return Object.keys(scopes).filter((s) => scopeMatches(s, family, identifier));
}

/**
 * The permission set that narrows a key, if any.
 * DIVERGENCE(access.permissions-key-attachment): the docs do not say how a permissions resource is attached to a key (the key has no field for it);
 * the mock applies the organisation's permission set whose `identifier` is `key:<key id>`. Without one, a key has
 * exactly the organisation's permissions.
 */
export function keyPermissionSet(org: OrgState, key: KeyRecord): PermissionsRecord | undefined {
  const wanted = `key:${key.id}`;
  return org.permissionSets.find((p) => p.identifier === wanted);
}

/**
 * The identifiers a type is checked under. Info, data and file types are service-relative (`account.info`,
 * `messages.sms`), but the getting-started organisation grants `data_type:icloud.account.info`.
 * DIVERGENCE(access.scope-matching): the mock reads such a scope as "<service>.<type>": a type is allowed when a scope matches the bare
 * type, `<service>.<type>` (service = the source type's first segment, `icloud`) or `<source type>.<type>`; and an
 * info type is also allowed by a `data_type:` scope (info is the data the getting-started organisation may read).
 */
function candidates(identifier: string, sourceType?: string): string[] {
  if (!sourceType) return [identifier];
  const service = sourceType.split('.')[0] ?? sourceType;
  return [identifier, `${service}.${identifier}`, `${sourceType}.${identifier}`];
}

function familiesFor(family: ScopeFamily): ScopeFamily[] {
  return family === 'info_type' ? ['info_type', 'data_type'] : [family];
}

function allowedBy(scopes: Scopes, family: ScopeFamily, identifier: string, sourceType?: string): boolean {
  for (const f of familiesFor(family)) {
    for (const id of candidates(identifier, sourceType)) {
      if (matchingScopes(scopes, f, id).length) return true;
    }
  }
  return false;
}

/**
 * Whether the key may use `family:identifier`: the organisation's scopes must allow it, and so must the key's
 * permission set when it has one. Poll tasks turn `false` into a task error `permission-denied`.
 * @param sourceType the source type a service-relative info/data/file type belongs to (e.g. `icloud.account`).
 * @see https://reincubate.com/support/ricloud/permissions/
 */
export function isAllowed(
  org: OrgState,
  key: KeyRecord,
  family: ScopeFamily,
  identifier: string,
  sourceType?: string,
): boolean {
  if (!allowedBy(org.permissions.scopes, family, identifier, sourceType)) return false;
  const set = keyPermissionSet(org, key);
  return set ? allowedBy(set.scopes, family, identifier, sourceType) : true;
}

/**
 * Throws 403 `permission-denied` (params.scope = `family:identifier`) unless the key may use it.
 * @see https://reincubate.com/support/ricloud/permissions/
 */
export function assertScope(
  org: OrgState,
  key: KeyRecord,
  family: ScopeFamily,
  identifier: string,
  sourceType?: string,
): void {
  if (!isAllowed(org, key, family, identifier, sourceType))
    throw Errors.permissionDenied(`${family}:${identifier}`);
}

/**
 * The scopes of a requested permission set that the organisation does not grant (empty: it may be created).
 * A requested scope is covered when an organisation scope's pattern covers every identifier the requested pattern
 * could match: the same glob, or an organisation glob that matches the requested glob taken literally
 * (`source_type:icloud.*` covers `source_type:icloud.account` and `source_type:icloud.*`).
 */
export function scopesBeyondOrganisation(org: OrgState, requested: Scopes): string[] {
  const orgScopes = Object.keys(org.permissions.scopes);
  return Object.keys(requested).filter((scope) => {
    const colon = scope.indexOf(':');
    const family = scope.slice(0, colon);
    const ident = scope.slice(colon + 1);
    return !orgScopes.some(
      (o) => o === scope || (o.startsWith(`${family}:`) && patternOf(o.slice(colon + 1)).test(ident)),
    );
  });
}

/** Throws 403 `permission-denied` naming the first requested scope the organisation does not grant. */
export function assertWithinOrganisation(org: OrgState, requested: Scopes): void {
  const beyond = scopesBeyondOrganisation(org, requested);
  if (beyond.length) {
    throw Errors.permissionDenied(
      beyond[0] as string,
      `Permissions cannot exceed the organisation's: ${beyond.join(', ')} ${beyond.length > 1 ? 'are' : 'is'} not granted.`,
    );
  }
}

/** Who is creating a source: what count limits are measured against. */
export interface SourceOwner {
  key: KeyRecord;
  userId: string;
}

function countAtLevel(org: OrgState, limit: ScopeLimit, scope: string, owner: SourceOwner): number {
  const pattern = patternOf(scope.slice(scope.indexOf(':') + 1));
  const matches = (s: SourceRecord) => s.parent === null && pattern.test(s.type);
  switch (limit.level) {
    case 'organisation':
      return org.sources.filter(matches).length;
    case 'user':
      return org.sources.filter((s) => matches(s) && s.user === owner.userId).length;
    case 'key':
      // A source belongs to its user's key (the key that created the user, or the one POST /users assigned).
      return org.sources.filter((s) => matches(s) && org.users.get(s.user)?.key === owner.key.id).length;
    default: {
      const never: never = limit.level;
      return never;
    }
  }
}

/**
 * Throws 403 `limit-exceeded` when creating one more source of `sourceType` would pass a count limit of any
 * matching `source_type` scope, in the organisation's scopes or the key's permission set. Child sources created
 * by Relay pairing are not counted (DIVERGENCE(access.limits-top-level-sources): the limit counts what a client asks for: top-level sources).
 * @see https://reincubate.com/support/ricloud/permissions/
 */
export function assertSourceLimits(org: OrgState, owner: SourceOwner, sourceType: string): void {
  const sets: Scopes[] = [org.permissions.scopes];
  const keySet = keyPermissionSet(org, owner.key);
  if (keySet) sets.push(keySet.scopes);
  for (const scopes of sets) {
    for (const scope of matchingScopes(scopes, 'source_type', sourceType)) {
      for (const limit of scopes[scope] ?? []) {
        if (limit.type !== 'count') continue;
        if (countAtLevel(org, limit, scope, owner) >= limit.value) {
          throw Errors.limitExceeded(scope, limit.level, limit.value);
        }
      }
    }
  }
}
