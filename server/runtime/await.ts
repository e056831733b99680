// Ricloud-Await: hold a response until the asynchronous work is done or the wait runs out, on the mock's clock.
import { keepAliveTimer } from './clock.ts';
import type { Scheduler } from './scheduler.ts';

/** What a wait needs of a mock: the scheduler (and clock) of each organisation (a MockContext's `scheduler`). */
interface Timekeeping {
  of(org: number | null): Scheduler;
  register(kind: string, handler: () => void): void;
}

/** The scheduler job kind that marks the end of a wait (it does nothing but wake the waiters). */
export const AWAIT_DEADLINE_JOB = 'await.deadline';

/** Registers the no-op deadline job (called once through registerJobs). */
export function registerAwaitJobs({ scheduler }: { scheduler: Pick<Timekeeping, 'register'> }): void {
  scheduler.register(AWAIT_DEADLINE_JOB, () => {});
}

/**
 * Waits until `done()` or until the wait runs out, whichever comes first, re-checking after every job that runs
 * on the organisation's clock. Resolves at once when `seconds` is 0 or the work is already done.
 * - Real and scaled clocks: the wait is `seconds` of mock time; the deadline is itself a scheduler job, so it fires
 *   through the scheduler's timer at the clock's scale.
 * - Manual clock: time moves only when a test advances it, so the wait is `seconds` of wall time (at most 10, the
 *   header's cap): the response holds until the organisation's clock is advanced far enough that the record leaves
 *   its waiting state, else it answers with the state at the wall limit.
 * While a wait is pending a ref'd wall timer keeps the process alive (an in-process mock with only unref'd timers
 * would otherwise exit silently with the response never sent).
 * @see https://reincubate.com/support/ricloud/protocols/ (Await response)
 */
export function awaitCondition(
  time: Timekeeping,
  org: number | null,
  seconds: number,
  done: () => boolean,
): Promise<void> {
  if (!(seconds > 0) || done()) return Promise.resolve();
  const scheduler = time.of(org);
  const clock = scheduler.clock;
  const manual = clock.mode === 'manual';
  const deadline = clock.now() + seconds * 1000;
  return new Promise<void>((resolve) => {
    let settled = false;
    scheduler.awaiting++;
    const job = manual ? undefined : scheduler.scheduleAt(AWAIT_DEADLINE_JOB, org, {}, deadline);
    const finish = () => {
      if (settled) return;
      settled = true;
      scheduler.awaiting--;
      stop();
      cancelLimit();
      if (job) scheduler.cancel((j) => j.id === job.id);
      resolve();
    };
    const stop = scheduler.onRun(() => {
      let isDone = true;
      try {
        isDone = done() || (!manual && clock.now() >= deadline);
      } catch {
        // A condition that throws (e.g. its record was reset away) ends the wait.
      }
      if (isDone) finish();
    });
    // DIVERGENCE(mock-clock.await-manual-clock): under the manual clock the wait is wall time (the header's seconds, at
    // most 10): the request holds until the tenant's clock is advanced past the transition, else it answers with
    // the current (still waiting) state at the limit. ricloud's clock always moves; the mock's manual one does not.
    // Real and scaled clocks: a backstop in case the deadline job is dropped (a reset cancels every job).
    const wallMs = manual ? seconds * 1000 : clock.wallDelayUntil(deadline) + 100;
    // Ref'd: a pending await keeps an in-process mock's process alive until it answers.
    const cancelLimit = keepAliveTimer.after(wallMs, finish);
  });
}
