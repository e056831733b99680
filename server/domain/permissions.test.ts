import { describe, expect, it } from 'vitest';
import type { Scopes } from '../../openapi/types.ts';
import { ApiError } from './errors.ts';
import {
  assertScope,
  assertSourceLimits,
  isAllowed,
  type ScopeFamily,
  scopeMatches,
  scopesBeyondOrganisation,
} from './permissions.ts';
import { GETTING_STARTED_SCOPES, PERMISSIVE_SCOPES } from './presets.ts';
import {
  type KeyRecord,
  newOrgState,
  type OrgState,
  type PermissionsRecord,
  type SourceRecord,
  type UserRecord,
} from './store.ts';

function orgWith(scopes: Scopes): OrgState {
  return newOrgState(
    { id: 1 } as OrgState['organisation'],
    {
      id: 1,
      resource: 'permissions',
      identifier: 'default',
      scopes,
      date_created: '2026-01-01T00:00:00.000000Z',
    } as OrgState['permissions'],
  );
}

const KEY = { id: '7' } as KeyRecord;

function addSource(
  org: OrgState,
  id: string,
  user: string,
  type: string,
  parent: string | null = null,
): void {
  org.sources.insert({ id, user, type, parent, identifier: id, state: 'active' } as SourceRecord);
}

describe('scopeMatches', () => {
  const cases: [string, ScopeFamily, string, boolean][] = [
    ['source_type:icloud.*', 'source_type', 'icloud.account', true],
    ['source_type:icloud.*', 'source_type', 'icloudx.account', false],
    ['source_type:icloud.*', 'source_type', 'rirelay.instance', false],
    ['source_type:*', 'source_type', 'anything.at.all', true],
    ['source_type:icloud.account', 'source_type', 'icloud.account', true],
    ['source_type:icloud.account', 'source_type', 'icloud.accounts', false],
    ['task_type:*', 'source_type', 'icloud.account', false],
    ['data_type:*.sms', 'data_type', 'messages.sms', true],
    ['data_type:messages.(sms)', 'data_type', 'messages.sms', false],
  ];
  it.each(cases)('%s covers %s:%s → %s', (scope, family, id, want) => {
    expect(scopeMatches(scope, family, id)).toBe(want);
  });
});

describe('isAllowed', () => {
  it('reads the getting-started scopes: icloud sources, and the icloud account.info type', () => {
    const org = orgWith(GETTING_STARTED_SCOPES);
    expect(isAllowed(org, KEY, 'source_type', 'icloud.account')).toBe(true);
    expect(isAllowed(org, KEY, 'source_type', 'mocks.mock')).toBe(false);
    expect(isAllowed(org, KEY, 'source_type', 'rirelay.instance')).toBe(false);
    expect(isAllowed(org, KEY, 'info_type', 'account.info', 'icloud.account')).toBe(true);
    expect(isAllowed(org, KEY, 'info_type', 'account.devices', 'icloud.account')).toBe(false);
    expect(isAllowed(org, KEY, 'data_type', 'messages.sms', 'icloud.account')).toBe(false);
    expect(isAllowed(org, KEY, 'info_type', 'account.info', 'mocks.mock')).toBe(false);
    expect(isAllowed(org, KEY, 'file_type', 'jpg', 'icloud.account')).toBe(false);
    expect(isAllowed(org, KEY, 'task_type', 'icloud.account.data')).toBe(true);
  });

  it('permits everything under the permissive scopes', () => {
    const org = orgWith(PERMISSIVE_SCOPES);
    for (const family of ['source_type', 'task_type', 'data_type', 'info_type', 'file_type'] as const) {
      expect(isAllowed(org, KEY, family, 'x.y', 'icloud.account')).toBe(true);
    }
  });

  it("narrows to the key's permission set (identifier key:<id>), never beyond the organisation", () => {
    const org = orgWith({ 'source_type:icloud.*': [] });
    org.permissionSets.insert({
      id: '2',
      identifier: 'key:7',
      scopes: { 'source_type:*': [] },
    } as unknown as PermissionsRecord);
    expect(isAllowed(org, KEY, 'source_type', 'icloud.account')).toBe(true);
    expect(isAllowed(org, KEY, 'source_type', 'mocks.mock')).toBe(false);
    org.permissionSets.insert({
      id: '3',
      identifier: 'key:8',
      scopes: { 'source_type:mocks.mock': [] },
    } as unknown as PermissionsRecord);
    expect(isAllowed(org, { id: '8' } as KeyRecord, 'source_type', 'icloud.account')).toBe(false);
  });

  it('assertScope throws 403 permission-denied naming the scope', () => {
    const org = orgWith(GETTING_STARTED_SCOPES);
    let err: unknown;
    try {
      assertScope(org, KEY, 'source_type', 'mocks.mock');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).toBody()).toMatchObject({
      error: 'permission-denied',
      params: { scope: 'source_type:mocks.mock' },
    });
  });
});

describe('scopesBeyondOrganisation', () => {
  const org = orgWith(GETTING_STARTED_SCOPES);
  const cases: [Scopes, string[]][] = [
    [{ 'source_type:icloud.account': [] }, []],
    [{ 'source_type:icloud.*': [] }, []],
    [{ 'source_type:*': [] }, ['source_type:*']],
    [{ 'source_type:mocks.mock': [], 'task_type:icloud.account.data': [] }, ['source_type:mocks.mock']],
    [{ 'data_type:icloud.account.info': [] }, []],
    [{ 'data_type:messages.sms': [] }, ['data_type:messages.sms']],
  ];
  it.each(cases)('%j → %j', (requested, want) => {
    expect(scopesBeyondOrganisation(org, requested)).toEqual(want);
  });
});

describe('assertSourceLimits', () => {
  const limited = (level: 'organisation' | 'key' | 'user', value: number) =>
    orgWith({ 'source_type:icloud.*': [{ level, type: 'count', value }] });

  it('counts top-level sources of matching types per user', () => {
    const org = limited('user', 2);
    addSource(org, '1', 'u1', 'icloud.account');
    addSource(org, '2', 'u1', 'mocks.mock');
    addSource(org, '3', 'u2', 'icloud.account');
    expect(() => assertSourceLimits(org, { key: KEY, userId: 'u1' }, 'icloud.account')).not.toThrow();
    addSource(org, '4', 'u1', 'icloud.account');
    expect(() => assertSourceLimits(org, { key: KEY, userId: 'u1' }, 'icloud.account')).toThrow(
      /limit of 2 per user/,
    );
    expect(() => assertSourceLimits(org, { key: KEY, userId: 'u2' }, 'icloud.account')).not.toThrow();
    expect(() => assertSourceLimits(org, { key: KEY, userId: 'u1' }, 'mocks.mock')).not.toThrow();
  });

  it('counts per organisation and per key (the key that created the user)', () => {
    const org = limited('key', 1);
    org.users.insert({ id: 'u1', key: '7' } as UserRecord);
    org.users.insert({ id: 'u2', key: '8' } as UserRecord);
    addSource(org, '1', 'u2', 'icloud.account');
    expect(() => assertSourceLimits(org, { key: KEY, userId: 'u1' }, 'icloud.account')).not.toThrow();
    addSource(org, '2', 'u1', 'icloud.account');
    expect(() => assertSourceLimits(org, { key: KEY, userId: 'u1' }, 'icloud.account')).toThrow(/per key/);

    const whole = limited('organisation', 2);
    addSource(whole, '1', 'u1', 'icloud.account');
    addSource(whole, '2', 'u1', 'rirelay.source', '1'); // children are not counted
    expect(() => assertSourceLimits(whole, { key: KEY, userId: 'u9' }, 'icloud.account')).not.toThrow();
    addSource(whole, '3', 'u2', 'icloud.account');
    expect(() => assertSourceLimits(whole, { key: KEY, userId: 'u9' }, 'icloud.account')).toThrow(
      /per organisation/,
    );
  });

  it('a limit of 0 forbids any source of the type', () => {
    expect(() => assertSourceLimits(limited('user', 0), { key: KEY, userId: 'u' }, 'icloud.account')).toThrow(
      expect.objectContaining({ status: 403, code: 'limit-exceeded' }),
    );
  });
});
