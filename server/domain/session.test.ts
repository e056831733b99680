import { describe, expect, it } from 'vitest';
import {
  type SessionEvent,
  type SessionState,
  type SessionTransition,
  testAccountOutcome,
  transition,
} from './session.ts';

const STATES: SessionState[] = ['pending', 'active', 'failed', 'expired'];
const EVENTS: Record<string, SessionEvent> = {
  'init-succeeded': { type: 'init-succeeded' },
  'init-failed': { type: 'init-failed', error: 'code-required' },
  'init-failed locked': { type: 'init-failed', error: 'account-locked', sourceState: 'locked' },
  'expire organisation': { type: 'expire', trigger: 'organisation' },
  'expire api': { type: 'expire', trigger: 'api' },
  use: { type: 'use' },
};

const rejected = (state: SessionState): SessionTransition => ({
  state,
  effects: [{ type: 'reject', reason: expect.any(String) as unknown as string }],
});

const WANT: Record<SessionState, Record<keyof typeof EVENTS, SessionTransition>> = {
  pending: {
    'init-succeeded': {
      state: 'active',
      effects: [
        { type: 'finish-init-task', state: 'succeeded', error: null },
        { type: 'activate-source' },
        { type: 'touch' },
        { type: 'schedule-idle-check' },
      ],
    },
    'init-failed': {
      state: 'failed',
      effects: [
        { type: 'set-error', error: 'code-required' },
        { type: 'finish-init-task', state: 'failed', error: 'code-required' },
      ],
    },
    'init-failed locked': {
      state: 'failed',
      effects: [
        { type: 'set-error', error: 'account-locked' },
        { type: 'lock-source' },
        { type: 'finish-init-task', state: 'failed', error: 'account-locked' },
      ],
    },
    'expire organisation': {
      state: 'expired',
      effects: [
        { type: 'set-error', error: 'organisation' },
        { type: 'set-date-expired' },
        { type: 'finish-init-task', state: 'failed', error: 'session-expired' },
        { type: 'emit-expired' },
      ],
    },
    'expire api': {
      state: 'expired',
      effects: [
        { type: 'set-error', error: 'api' },
        { type: 'set-date-expired' },
        { type: 'finish-init-task', state: 'failed', error: 'session-expired' },
        { type: 'emit-expired' },
      ],
    },
    use: rejected('pending'),
  },
  active: {
    'init-succeeded': rejected('active'),
    'init-failed': rejected('active'),
    'init-failed locked': rejected('active'),
    'expire organisation': {
      state: 'expired',
      effects: [
        { type: 'set-error', error: 'organisation' },
        { type: 'set-date-expired' },
        { type: 'emit-expired' },
      ],
    },
    'expire api': {
      state: 'expired',
      effects: [{ type: 'set-error', error: 'api' }, { type: 'set-date-expired' }, { type: 'emit-expired' }],
    },
    use: { state: 'active', effects: [{ type: 'touch' }] },
  },
  failed: Object.fromEntries(Object.keys(EVENTS).map((e) => [e, rejected('failed')])),
  expired: Object.fromEntries(Object.keys(EVENTS).map((e) => [e, rejected('expired')])),
};

describe('session transition table', () => {
  const cases = STATES.flatMap((state) => Object.keys(EVENTS).map((event) => ({ state, event })));
  it('covers every (state, event) pair', () => {
    expect(cases).toHaveLength(STATES.length * Object.keys(EVENTS).length);
  });
  it.each(cases)('$state + $event', ({ state, event }) => {
    expect(transition(state, EVENTS[event] as SessionEvent)).toEqual(WANT[state][event]);
  });
});

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
