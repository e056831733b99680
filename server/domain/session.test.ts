import { describe, expect, it } from 'vitest';
import { testAccountOutcome } from './session.ts';

describe('test accounts table', () => {
  const cases: [
    string,
    string,
    { password?: string; code?: string },
    ReturnType<typeof testAccountOutcome>,
  ][] = [
    ['icloud.account', 'a@example.com', { password: 'x' }, { state: 'failed', error: 'code-required' }],
    ['icloud.account', 'a@example.com', { password: 'x', code: '123456' }, { state: 'active', error: null }],
    [
      'icloud.account',
      'a@example.com',
      { password: 'x', code: '654321' },
      { state: 'failed', error: 'code-required' },
    ],
    ['icloud.account', 'jane+no2fa@example.com', { password: 'x' }, { state: 'active', error: null }],
    [
      'icloud.account',
      'a@example.com',
      { password: 'wrong-password' },
      { state: 'failed', error: 'credentials-invalid' },
    ],
    [
      'icloud.account',
      'jane+no2fa@example.com',
      { password: 'wrong-password' },
      { state: 'failed', error: 'credentials-invalid' },
    ],
    ['icloud.account', 'a@example.com', {}, { state: 'failed', error: 'credentials-invalid' }],
    [
      'icloud.account',
      'a@example.com',
      { password: 'locked' },
      { state: 'failed', error: 'account-locked', sourceState: 'locked' },
    ],
    [
      'icloud.account',
      'a@example.com',
      { password: 'unavailable' },
      { state: 'failed', error: 'service-unavailable' },
    ],
    [
      'mocks.mock',
      'john.appleseed@reincubate.com',
      { password: 'abcd1234' },
      { state: 'active', error: null },
    ],
    [
      'mocks.mock',
      'john.appleseed@reincubate.com',
      { password: 'nope' },
      { state: 'failed', error: 'credentials-invalid' },
    ],
    [
      'mocks.mock',
      'someone@reincubate.com',
      { password: 'abcd1234' },
      { state: 'failed', error: 'credentials-invalid' },
    ],
    ['rirelay.instance', 'x', { code: 'ABC-123' }, { state: 'active', error: null }],
    ['rirelay.instance', 'x', { code: '000000' }, { state: 'failed', error: 'code-invalid' }],
    ['rirelay.instance', 'x', { code: '' }, { state: 'failed', error: 'code-invalid' }],
  ];
  it.each(cases)('%s %s %j', (type, identifier, payload, want) => {
    expect(testAccountOutcome(type, identifier, payload)).toEqual(want);
  });
});
