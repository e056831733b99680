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
  /** Whether the queue had nothing left to run when the advance ended. */
  idle: boolean;
}

/** Largest number of jobs one "advance until idle" runs before it stops (recurring work never idles). */
export const UNTIL_IDLE_MAX_JOBS = 10_000;

/**
 * What every scheduler of one mock shares (a mock keeps one scheduler per clock: the main one and one per tenant):
 * the handlers by job kind, the job id sequence (ids are unique across clocks) and the listeners woken after a run.
 */
export class JobRegistry {
  seq = 0;
  readonly handlers = new Map<string, JobHandler>();
  readonly listeners = new Set<() => void>();
}

/** A FIFO async lock: each holder runs after the previous one released it. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with the release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

/**
 * The scheduler. In real and scaled mode a timer wakes it at the next due time; in manual mode only
 * `advance` moves it. Handlers may schedule further jobs, which run in the same pass when due.
 * @example scheduler.register('session.init', (job) => ...); scheduler.schedule('session.init', 1, { id }, 2000);
 */
export class Scheduler {
  private jobs: Job[] = [];
  private inflight = new Set<Promise<void>>();
  private cancelTimer: Cancel | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private running = false;
  /** Serializes advances of this clock: a second advance waits until the first has run everything in its window. */
  readonly lock = new Mutex();
  /** Requests held by Ricloud-Await on this clock (GET /_mock/clock shows it). */
  awaiting = 0;

  constructor(
    readonly clock: Clock,
    private readonly timer?: Timer,
    private readonly onError: (err: unknown, job: Job) => void = () => {},
    private readonly registry: JobRegistry = new JobRegistry(),
  ) {}

  register(kind: string, handler: JobHandler): void {
    this.registry.handlers.set(kind, handler);
  }

  /** Schedules `kind` to run `delayMs` from now on the mock's clock. */
  schedule(kind: string, org: number | null, args: Record<string, unknown>, delayMs: number): Job {
    return this.scheduleAt(kind, org, args, this.clock.now() + Math.max(0, delayMs));
  }

  scheduleAt(kind: string, org: number | null, args: Record<string, unknown>, due: number): Job {
    const job: Job = { id: ++this.registry.seq, due, kind, org, args };
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
    this.registry.listeners.add(listener);
    return () => this.registry.listeners.delete(listener);
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
      await this.runOne(job, ran);
    }
    this.clock.set(to);
    // Work a handler started without returning it (none today) still ends before the answer.
    await this.settle();
    this.arm();
    return { from, to: this.clock.now(), ran, idle: this.jobs.length === 0 };
  }

  /**
   * Runs the queue to idle: jumps to each next due job and runs it, until nothing is pending. Bounded: it never
   * goes past `maxMs` of mock time (recurring work, e.g. a subscription's polls, never idles: it stops there with
   * `idle: false`, the clock at the bound) nor runs more than `maxJobs` jobs (then it stops at the last one).
   */
  async advanceUntilIdle(maxMs: number, maxJobs = UNTIL_IDLE_MAX_JOBS): Promise<AdvanceReport> {
    const from = this.clock.now();
    const bound = from + Math.max(0, maxMs);
    const ran: AdvanceReport['ran'] = [];
    await this.settle();
    for (;;) {
      const job = this.jobs[0];
      if (!job) break;
      if (job.due > bound) {
        this.clock.set(bound);
        break;
      }
      if (ran.length >= maxJobs) break;
      await this.runOne(job, ran);
    }
    await this.settle();
    this.arm();
    return { from, to: this.clock.now(), ran, idle: this.jobs.length === 0 };
  }

  /** Runs the head job at its own due time and waits for its background work. */
  private async runOne(job: Job, ran: AdvanceReport['ran']): Promise<void> {
    this.jobs.shift();
    this.clock.set(job.due);
    ran.push({ id: job.id, kind: job.kind, due: job.due, org: job.org });
    const result = this.invoke(job);
    if (result) await result;
    this.notify();
  }

  /** Waits until no background work is in flight. */
  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  snapshot(): SchedulerSnapshot {
    return { seq: this.registry.seq, jobs: this.jobs.map((j) => ({ ...j, args: { ...j.args } })) };
  }

  /** Replaces the queue (and the shared id sequence, which is the mock's: restore every clock from one export). */
  restore(snapshot: SchedulerSnapshot): void {
    this.registry.seq = snapshot.seq;
    this.load(snapshot.jobs);
  }

  /** Replaces the queue alone (a tenant's clock, restored from an export). */
  load(jobs: readonly Job[]): void {
    this.jobs = [...jobs].sort((a, b) => a.due - b.due || a.id - b.id);
    this.arm();
  }

  /** Stops the timer (server shutdown). */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private invoke(job: Job): void | Promise<void> {
    const handler = this.registry.handlers.get(job.kind);
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
    for (const l of this.registry.listeners) l();
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
