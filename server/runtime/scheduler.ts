// Due-time queue of the mock's asynchronous work: every delayed transition is a job, run in due order on the clock.
import type { Cancel, Clock, Timer } from './clock.ts';

/** A job is data (so that state snapshots can carry it); its kind names the handler that runs it. */
export interface Job {
  id: number;
  due: number;
  kind: string;
  /** The organisation the job belongs to (null: global), so that a tenant reset drops its jobs. */
  org: number | null;
  args: Record<string, unknown>;
}

/**
 * Runs a job. The synchronous part runs in due order; a returned promise (a webhook delivery, an upload) runs on
 * in the background, except during a manual `advance`, which waits for it before the next job.
 */
export type JobHandler = (job: Job) => void | Promise<void>;

export interface SchedulerSnapshot {
  seq: number;
  jobs: Job[];
}

export interface AdvanceReport {
  from: number;
  to: number;
  ran: { id: number; kind: string; due: number; org: number | null }[];
}

/**
 * The scheduler. In real and scaled mode a timer wakes it at the next due time; in manual mode only
 * `advance` moves it. Handlers may schedule further jobs, which run in the same pass when due.
 * @example scheduler.register('session.init', (job) => ...); scheduler.schedule('session.init', 1, { id }, 2000);
 */
export class Scheduler {
  private jobs: Job[] = [];
  private seq = 0;
  private handlers = new Map<string, JobHandler>();
  private listeners = new Set<() => void>();
  private inflight = new Set<Promise<void>>();
  private cancelTimer: Cancel | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(
    readonly clock: Clock,
    private readonly timer?: Timer,
    private readonly onError: (err: unknown, job: Job) => void = () => {},
  ) {}

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Schedules `kind` to run `delayMs` from now on the mock's clock. */
  schedule(kind: string, org: number | null, args: Record<string, unknown>, delayMs: number): Job {
    return this.scheduleAt(kind, org, args, this.clock.now() + Math.max(0, delayMs));
  }

  scheduleAt(kind: string, org: number | null, args: Record<string, unknown>, due: number): Job {
    const job: Job = { id: ++this.seq, due, kind, org, args };
    // Keep the queue sorted by (due, id): insertion is O(n) but queues stay small and order is what matters.
    let i = this.jobs.length;
    while (i > 0 && (this.jobs[i - 1] as Job).due > due) i--;
    this.jobs.splice(i, 0, job);
    this.arm();
    return job;
  }

  /** Drops every job that matches (e.g. a tenant's, or a superseded retry). */
  cancel(match: (job: Job) => boolean): number {
    const before = this.jobs.length;
    this.jobs = this.jobs.filter((j) => !match(j));
    return before - this.jobs.length;
  }

  pending(): readonly Job[] {
    return this.jobs;
  }

  /** Called after every job that ran (Ricloud-Await waiters re-check their condition). */
  onRun(listener: () => void): Cancel {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs every job due now, in order. Background promises are not awaited. */
  runDue(): AdvanceReport['ran'] {
    const ran: AdvanceReport['ran'] = [];
    if (this.running) return ran;
    this.running = true;
    try {
      for (;;) {
        const job = this.jobs[0];
        if (!job || job.due > this.clock.now()) break;
        this.jobs.shift();
        ran.push({ id: job.id, kind: job.kind, due: job.due, org: job.org });
        const result = this.invoke(job);
        if (result) this.track(result);
      }
    } finally {
      this.running = false;
    }
    if (ran.length) this.notify();
    this.arm();
    return ran;
  }

  /**
   * Moves the clock forward by `ms`, running each job due on the way at its own due time (so timestamps are
   * exact) and waiting for its background work before the next one. Used by the manual clock.
   */
  async advance(ms: number): Promise<AdvanceReport> {
    const from = this.clock.now();
    const to = from + Math.max(0, ms);
    const ran: AdvanceReport['ran'] = [];
    await this.settle();
    for (;;) {
      const job = this.jobs[0];
      if (!job || job.due > to) break;
      this.jobs.shift();
      this.clock.set(job.due);
      ran.push({ id: job.id, kind: job.kind, due: job.due, org: job.org });
      const result = this.invoke(job);
      if (result) await result;
      this.notify();
    }
    this.clock.set(to);
    this.arm();
    return { from, to, ran };
  }

  /** Waits until no background work is in flight. */
  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** When the next job is due, or undefined. */
  nextDue(): number | undefined {
    return this.jobs[0]?.due;
  }

  snapshot(): SchedulerSnapshot {
    return { seq: this.seq, jobs: this.jobs.map((j) => ({ ...j, args: { ...j.args } })) };
  }

  restore(snapshot: SchedulerSnapshot): void {
    this.seq = snapshot.seq;
    this.jobs = [...snapshot.jobs].sort((a, b) => a.due - b.due || a.id - b.id);
    this.arm();
  }

  /** Stops the timer (server shutdown). */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private invoke(job: Job): void | Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      this.onError(new Error(`no handler for job kind ${job.kind}`), job);
      return;
    }
    try {
      const result = handler(job);
      if (result && typeof (result as Promise<void>).then === 'function') {
        return (result as Promise<void>).catch((err) => this.onError(err, job));
      }
    } catch (err) {
      this.onError(err, job);
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => {
      this.inflight.delete(tracked);
      this.notify();
    });
    this.inflight.add(tracked);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private arm(): void {
    if (!this.timer || this.clock.mode === 'manual') return;
    const next = this.jobs[0]?.due;
    if (next === undefined) {
      this.cancelTimer?.();
      this.cancelTimer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.cancelTimer && next >= this.armedFor) return;
    this.cancelTimer?.();
    this.armedFor = next;
    this.cancelTimer = this.timer.after(this.clock.wallDelayUntil(next), () => {
      this.cancelTimer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
      this.runDue();
    });
  }
}
