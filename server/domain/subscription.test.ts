import { describe, expect, it } from 'vitest';
import type { SubscriptionState } from '../../openapi/types.ts';
import { type SubscriptionEffect, type SubscriptionEvent, subscriptionTransition } from './subscription.ts';

type Want = { ok: boolean; state: SubscriptionState; effects: SubscriptionEffect[] };

/** Every (state, event) pair, illegal ones included (they keep the state and do nothing). */
const TABLE: Record<SubscriptionState, Record<SubscriptionEvent, Want>> = {
  pending: {
    allow: { ok: true, state: 'active', effects: ['schedule-polls'] },
    delete: { ok: true, state: 'deleted', effects: ['cancel-jobs'] },
  },
  active: {
    allow: { ok: false, state: 'active', effects: [] },
    delete: { ok: true, state: 'deleted', effects: ['cancel-jobs'] },
  },
  deleted: {
    allow: { ok: false, state: 'deleted', effects: [] },
    delete: { ok: false, state: 'deleted', effects: [] },
  },
};

describe('subscription transition', () => {
  for (const [state, row] of Object.entries(TABLE) as [
    SubscriptionState,
    Record<SubscriptionEvent, Want>,
  ][]) {
    for (const [event, want] of Object.entries(row) as [SubscriptionEvent, Want][]) {
      it(`${state} + ${event}`, () => {
        expect(subscriptionTransition(state, event)).toEqual(want);
      });
    }
  }
});
