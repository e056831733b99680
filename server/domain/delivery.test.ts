import { describe, expect, it } from 'vitest';
import type { EventState } from '../../openapi/types.ts';
import {
  type DeliveryEffect,
  type DeliveryEvent,
  MAX_RETRIES,
  RETRY_BACKOFF_MS,
  transition,
} from './delivery.ts';

const EVENTS: DeliveryEvent['kind'][] = ['succeeded', 'failed', 'abandoned', 'redelivered'];
const STATES: EventState[] = ['pending', 'delivered', 'failed'];

type Want = { state: EventState; effects: DeliveryEffect['type'][] };

/** Given (state, event) with retries = 0, want: every pair, illegal ones included (they change nothing). */
const TABLE: Record<EventState, Record<DeliveryEvent['kind'], Want>> = {
  pending: {
    succeeded: { state: 'delivered', effects: ['mark-delivered', 'release-queue'] },
    failed: { state: 'pending', effects: ['schedule-retry'] },
    abandoned: { state: 'failed', effects: ['cancel-retries', 'release-queue'] },
    redelivered: { state: 'delivered', effects: ['mark-delivered', 'cancel-retries', 'release-queue'] },
  },
  delivered: {
    succeeded: { state: 'delivered', effects: [] },
    failed: { state: 'delivered', effects: [] },
    abandoned: { state: 'delivered', effects: [] },
    redelivered: { state: 'delivered', effects: [] },
  },
  failed: {
    succeeded: { state: 'failed', effects: [] },
    failed: { state: 'failed', effects: [] },
    abandoned: { state: 'failed', effects: [] },
    redelivered: { state: 'delivered', effects: ['mark-delivered'] },
  },
};

describe('delivery transition', () => {
  for (const state of STATES) {
    for (const kind of EVENTS) {
      it(`${state} + ${kind}`, () => {
        const want = TABLE[state][kind];
        const got = transition({ state, retries: 0 }, { kind });
        expect(got.state.state).toBe(want.state);
        expect(got.effects.map((e) => e.type)).toEqual(want.effects);
      });
    }
  }

  it('schedules retries 1..5 with the documented back-off, then fails', () => {
    expect(RETRY_BACKOFF_MS).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 14_400_000]);
    for (let retries = 0; retries < MAX_RETRIES; retries++) {
      const got = transition({ state: 'pending', retries }, { kind: 'failed' });
      expect(got.state).toEqual({ state: 'pending', retries });
      expect(got.effects).toEqual([
        { type: 'schedule-retry', retry: retries + 1, delayMs: RETRY_BACKOFF_MS[retries] },
      ]);
    }
    const last = transition({ state: 'pending', retries: MAX_RETRIES }, { kind: 'failed' });
    expect(last.state).toEqual({ state: 'failed', retries: MAX_RETRIES });
    expect(last.effects).toEqual([{ type: 'release-queue' }]);
  });
});
