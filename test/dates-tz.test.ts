// Runs only in `npm run test:tz` (vitest.config.ts): proves that run's engine really is in Asia/Tokyo (UTC+9, no
// daylight saving), so that the date tests beside it would catch a date read in the machine's zone.
import { describe, expect, it } from 'vitest';

describe('the TZ run', () => {
  it('is in Asia/Tokyo', () => {
    expect(process.env.TZ).toBe('Asia/Tokyo');
    expect(new Date(Date.UTC(2026, 0, 1)).getTimezoneOffset()).toBe(-540);
    expect(new Date(Date.UTC(2026, 6, 1)).getTimezoneOffset()).toBe(-540);
    expect(new Date(Date.UTC(2026, 0, 1)).getHours()).toBe(9);
  });
});
