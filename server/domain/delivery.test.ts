import { describe, expect, it } from 'vitest';
import { deliveryTransition, MAX_RETRIES, RETRY_BACKOFF_MS } from './delivery.ts';

describe('delivery retries', () => {
  it('schedules retries 1..4 (5 attempts, as the events page says), then fails', () => {
    expect(RETRY_BACKOFF_MS).toEqual([60_000, 300_000, 1_800_000, 7_200_000]);
    for (let retries = 0; retries < MAX_RETRIES; retries++) {
      expect(deliveryTransition('pending', { type: 'failed', retries })).toEqual({
        state: 'pending',
        effects: [{ type: 'schedule-retry', retry: retries + 1, delayMs: RETRY_BACKOFF_MS[retries] }],
      });
    }
    expect(deliveryTransition('pending', { type: 'failed', retries: MAX_RETRIES })).toEqual({
      state: 'failed',
      effects: [{ type: 'release-queue' }],
    });
  });
});
