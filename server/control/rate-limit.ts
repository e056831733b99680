// The documented rate limit (10,000 requests per hour per organisation) on the mock's clock; off by default.
import { type ApiError, Errors } from '../domain/errors.ts';

export interface RateLimitConfig {
  enabled: boolean;
  /** Requests per window and organisation (documented: 10,000). */
  limit: number;
  /** Window length in seconds (documented: one hour). */
  window_seconds: number;
}

/** The limiter as a snapshot carries it (openapi/control.yaml MockState.rate_limit). */
export interface RateLimitSnapshot {
  config: RateLimitConfig;
  windows: { organisation: number; start: number; count: number }[];
}

// DIVERGENCE(control.rate-limit-off): the documented limit is off by default (tests would trip it); fixed windows on the mock clock.
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { enabled: false, limit: 10_000, window_seconds: 3600 };

/**
 * Fixed windows per organisation, measured on the mock clock: a window opens with an organisation's first request
 * and admits `limit` requests; later ones get 429 `rate-limited` with `Retry-After` = seconds until it closes.
 * Memory is one counter per organisation.
 * @see https://reincubate.com/support/ricloud/protocols/ (Rate limiting)
 */
export class RateLimiter {
  private windows = new Map<number, { start: number; count: number }>();
  config: RateLimitConfig;

  constructor(config: Partial<RateLimitConfig> = {}) {
    this.config = { ...DEFAULT_RATE_LIMIT, ...config };
  }

  configure(config: Partial<RateLimitConfig>): RateLimitConfig {
    this.config = { ...this.config, ...config };
    this.windows.clear();
    return { ...this.config };
  }

  /** Counts one request of `org` at `now` (mock ms); returns the 429 to answer with when over the limit. */
  check(org: number, now: number): ApiError | undefined {
    if (!this.config.enabled) return undefined;
    const windowMs = this.config.window_seconds * 1000;
    let w = this.windows.get(org);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(org, w);
    }
    if (w.count >= this.config.limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
      return Errors.rateLimited(retryAfter, this.config.limit);
    }
    w.count += 1;
    return undefined;
  }

  /** How many requests `org` has left in its current window. */
  remaining(org: number, now: number): number {
    const w = this.windows.get(org);
    if (!w || now >= w.start + this.config.window_seconds * 1000) return this.config.limit;
    return Math.max(0, this.config.limit - w.count);
  }

  /** The config and every organisation's current window, as JSON (snapshots). */
  snapshot(): RateLimitSnapshot {
    const windows = [...this.windows].map(([organisation, w]) => ({
      organisation,
      start: w.start,
      count: w.count,
    }));
    return { config: { ...this.config }, windows };
  }

  /**
   * Builds the limiter of a snapshot and returns the swap. A state without one keeps the config and drops the
   * windows (they counted another world's requests).
   */
  prepareRestore(snap: RateLimitSnapshot | undefined): () => void {
    if (!snap) return () => this.windows.clear();
    if (!Array.isArray(snap.windows)) throw new Error('rate_limit is not exported');
    const config = { ...DEFAULT_RATE_LIMIT, ...snap.config };
    const windows = new Map(snap.windows.map((w) => [w.organisation, { start: w.start, count: w.count }]));
    return () => {
      this.config = config;
      this.windows = windows;
    };
  }

  forget(org: number): void {
    this.windows.delete(org);
  }

  clear(): void {
    this.windows.clear();
  }
}
