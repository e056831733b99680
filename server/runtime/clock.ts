// The mock's clocks: real, scaled or manual time, and the timer that wakes the scheduler.
import { parseDateTime } from './dates.ts';

/** How the clock moves: wall time, wall time × a factor, or only when told. */
export type ClockMode = 'real' | 'scaled' | 'manual';

export interface Clock {
  readonly mode: ClockMode;
  /** Factor applied to wall time (1 for real, any for scaled, 0 for manual). */
  readonly scale: number;
  /** Milliseconds since the epoch, on the mock's time line (may carry a fraction: microseconds). */
  now(): number;
  /** Moves time forward by `ms` (any mode: real and scaled keep an offset). Returns the new time. */
  advance(ms: number): number;
  /** Jumps to `ms` (never backwards). */
  set(ms: number): void;
  /** Wall milliseconds until the clock reaches `at` (Infinity in manual mode). */
  wallDelayUntil(at: number): number;
  /** Back to the start time (manual) or to wall time (real, scaled): used by a full reset. */
  reset(): void;
}

export interface ClockOptions {
  mode?: ClockMode | undefined;
  /** For `scaled`: how many mock seconds pass per wall second (default 100). */
  scale?: number | undefined;
  /**
   * Start time: ms since the epoch or an RFC 3339 date-time (default for manual: 2026-01-01T00:00:00Z; real and
   * scaled: wall time). `--clock-start` on the command line.
   */
  start?: number | string | undefined;
  /** Wall time source, for tests of the scaled clock. */
  wallNow?: (() => number) | undefined;
}

/** The manual clock's default start, chosen so that fixtures and ids' dates are stable across runs. */
export const DEFAULT_MANUAL_START = Date.UTC(2026, 0, 1, 0, 0, 0);

function defaultWallNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Builds a clock. Manual clocks move only through `advance`/`set`; real and scaled follow wall time plus an offset.
 * @example const clock = createClock({ mode: 'manual' }); clock.advance(2000);
 */
export function createClock(options: ClockOptions = {}): Clock {
  const mode = options.mode ?? 'real';
  const wallNow = options.wallNow ?? defaultWallNow;
  const given = startMs(options.start);
  if (mode === 'manual') {
    const start = given ?? DEFAULT_MANUAL_START;
    let t = start;
    return {
      mode,
      scale: 0,
      now: () => t,
      advance(ms) {
        if (ms > 0) t += ms;
        return t;
      },
      set(ms) {
        if (ms > t) t = ms;
      },
      wallDelayUntil: () => Number.POSITIVE_INFINITY,
      reset() {
        t = start;
      },
    };
  }
  const scale = mode === 'real' ? 1 : (options.scale ?? 100);
  if (!(scale > 0)) throw new RangeError('time scale must be > 0');
  const wallStart = wallNow();
  const start = given ?? wallStart;
  let offset = 0;
  const now = () => start + (wallNow() - wallStart) * scale + offset;
  return {
    mode,
    scale,
    now,
    advance(ms) {
      if (ms > 0) offset += ms;
      return now();
    },
    set(ms) {
      const current = now();
      if (ms > current) offset += ms - current;
    },
    wallDelayUntil: (at) => Math.max(0, (at - now()) / scale),
    reset() {
      offset = 0;
    },
  };
}

/** A clock start as ms: a number as is, a string read strictly as RFC 3339; anything else is a RangeError. */
export function startMs(start: number | string | undefined): number | undefined {
  if (start === undefined) return undefined;
  const ms = typeof start === 'number' ? start : parseDateTime(start);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new RangeError(
      `clock start ${JSON.stringify(start)} is not an RFC 3339 date-time (or ms since the epoch)`,
    );
  }
  return ms;
}

/** Formats a clock time as the API does: ISO 8601 UTC with microseconds and `Z`. */
export function toIso(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  const base = new Date(whole).toISOString(); // 2026-01-01T00:00:00.123Z
  return `${base.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** Cancels a pending wake-up. */
export type Cancel = () => void;

/** Wakes a callback after wall milliseconds; the only place the server touches real timers. */
export interface Timer {
  after(wallMs: number, fn: () => void): Cancel;
}

/** The real timer (setTimeout, unref'd so that it never keeps a process alive). */
export const realTimer: Timer = {
  after(wallMs, fn) {
    const handle = setTimeout(fn, Math.min(Math.max(0, wallMs), 2_147_000_000));
    handle.unref?.();
    return () => clearTimeout(handle);
  },
};

/**
 * A ref'd real timer: it keeps the process alive until it fires or is cancelled. Only for a response the mock is
 * holding (Ricloud-Await), so that a plain script with an in-process mock waits for its answer.
 */
export const keepAliveTimer: Timer = {
  after(wallMs, fn) {
    const handle = setTimeout(fn, Math.min(Math.max(0, wallMs), 2_147_000_000));
    return () => clearTimeout(handle);
  },
};
