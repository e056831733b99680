// Ricloud-Await: hold a response until the asynchronous work is done or the wait runs out, on the mock's clock.
import { type Clock, realTimer } from './clock.ts';
import type { Scheduler } from './scheduler.ts';

/** What a wait needs of a mock: its clock and scheduler (a MockContext has both; runtime knows no context). */
interface Timekeeping {
  clock: Clock;
  scheduler: Scheduler;
}

/** The scheduler job kind that marks the end of a wait (it does nothing but wake the waiters). */
export const AWAIT_DEADLINE_JOB = 'await.deadline';

/** Registers the no-op deadline job (called once through registerJobs). */
export function registerAwaitJobs({ scheduler }: Pick<Timekeeping, 'scheduler'>): void {
  scheduler.register(AWAIT_DEADLINE_JOB, () => {});
}

/**
 * Waits until `done()` or until `seconds` of mock time have passed, whichever comes first. Resolves at once when
 * `seconds` is 0, when the work is already done, or on a manual clock (time moves only when a test says so, so
 * waiting could never end). Otherwise it re-checks after every scheduler run; the deadline is itself a scheduler
 * job, so it fires through the scheduler's timer at the clock's scale (no raw timers here).
 * @see https://reincubate.com/support/ricloud/protocols/ (Await response)
 */
export function awaitCondition(
  { clock, scheduler }: Timekeeping,
  seconds: number,
  done: () => boolean,
): Promise<void> {
  if (!(seconds > 0) || clock.mode === 'manual' || done()) return Promise.resolve();
  const deadline = clock.now() + seconds * 1000;
  return new Promise<void>((resolve) => {
    let settled = false;
    const job = scheduler.scheduleAt(AWAIT_DEADLINE_JOB, null, {}, deadline);
    const finish = () => {
      if (settled) return;
      settled = true;
      stop();
      cancelBackstop();
      scheduler.cancel((j) => j.id === job.id);
      resolve();
    };
    const stop = scheduler.onRun(() => {
      let isDone = true;
      try {
        isDone = done() || clock.now() >= deadline;
      } catch {
        // A condition that throws (e.g. its record was reset away) ends the wait.
      }
      if (isDone) finish();
    });
    // A backstop in case the deadline job is dropped (a reset cancels every job): never hold a response forever.
    const cancelBackstop = realTimer.after(clock.wallDelayUntil(deadline) + 100, finish);
  });
}
