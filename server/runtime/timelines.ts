// Time per tenant: the mock's main clock (global jobs, the preset's organisations) and one clock with its own job
// queue per tenant, behind one router with the scheduler's API (jobs carry their organisation, so they route).
import {
  type Cancel,
  type Clock,
  type ClockMode,
  type ClockOptions,
  createClock,
  type Timer,
  toIso,
} from './clock.ts';
import {
  type AdvanceReport,
  type Job,
  type JobHandler,
  JobRegistry,
  Scheduler,
  type SchedulerSnapshot,
} from './scheduler.ts';

/** A tenant's clock as `POST /_mock/organisations` may ask for it (every field defaults to the server's rules). */
export interface TenantClockInput {
  mode?: ClockMode | undefined;
  /** Start, ms since the epoch (manual and scaled; a real clock always starts at wall time). */
  start?: number | undefined;
  scale?: number | undefined;
}

/** One tenant's clock in a state export (openapi/control.yaml MockState.tenant_clocks). */
export interface TenantClockSnapshot {
  organisation: number;
  mode: ClockMode;
  scale: number;
  now: string;
  ms: number;
  /** The clock's time when the tenant was created: what a tenant reset returns to. */
  created_ms: number;
  jobs: Job[];
}

interface Tenant {
  scheduler: Scheduler;
  createdAt: number;
  options: TenantClockInput;
}

/** The default wait of an "advance until idle": 30 days of mock time. */
export const UNTIL_IDLE_DEFAULT_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Every clock of one mock. Domain code schedules, cancels and lists jobs here as on one scheduler: a job goes to the
 * queue of its organisation's clock (the main one for `org: null` and for organisations without their own clock).
 * @example const s = timelines.of(org.id); await timelines.advance(org.id, 2000);
 */
export class Timelines {
  private readonly registry = new JobRegistry();
  readonly main: Scheduler;
  private readonly tenants = new Map<number, Tenant>();

  constructor(
    readonly clock: Clock,
    /** The rules a new tenant's clock follows by default (the server's mode, scale and configured start). */
    private readonly defaults: ClockOptions,
    private readonly timer?: Timer,
    private readonly onError: (err: unknown, job: Job) => void = () => {},
  ) {
    this.main = new Scheduler(clock, timer, onError, this.registry);
  }

  /** The scheduler (and clock) that an organisation's jobs and dates follow. */
  of(org: number | null | undefined): Scheduler {
    return (org == null ? undefined : this.tenants.get(org)?.scheduler) ?? this.main;
  }

  /** The clock of an organisation (the main clock when it has none of its own). */
  clockOf(org: number | null | undefined): Clock {
    return this.of(org).clock;
  }

  /** Whether the organisation has a clock of its own. */
  hasOwn(org: number): boolean {
    return this.tenants.has(org);
  }

  /** The organisations with their own clock, in id order. */
  tenantIds(): number[] {
    return [...this.tenants.keys()].sort((a, b) => a - b);
  }

  // ---- the scheduler's API, routed by organisation ----

  register(kind: string, handler: JobHandler): void {
    this.registry.handlers.set(kind, handler);
  }

  schedule(kind: string, org: number | null, args: Record<string, unknown>, delayMs: number): Job {
    return this.of(org).schedule(kind, org, args, delayMs);
  }

  /** `due` is on the organisation's clock. */
  scheduleAt(kind: string, org: number | null, args: Record<string, unknown>, due: number): Job {
    return this.of(org).scheduleAt(kind, org, args, due);
  }

  cancel(match: (job: Job) => boolean): number {
    let n = this.main.cancel(match);
    for (const t of this.tenants.values()) n += t.scheduler.cancel(match);
    return n;
  }

  /** Every pending job: the main queue's, then each tenant's (each in due order on its own clock). */
  pending(): readonly Job[] {
    if (this.tenants.size === 0) return this.main.pending();
    return [this.main, ...this.tenantIds().map((id) => this.of(id))].flatMap((s) => s.pending());
  }

  onRun(listener: () => void): Cancel {
    return this.main.onRun(listener);
  }

  /** Waits until no clock has background work in flight. */
  async settle(): Promise<void> {
    await this.main.settle();
    for (const id of this.tenantIds()) await this.of(id).settle();
  }

  /** Stops every timer (server shutdown). */
  stop(): void {
    this.main.stop();
    for (const t of this.tenants.values()) t.scheduler.stop();
  }

  // ---- tenants ----

  /** A new tenant clock: the server's mode, scale and start rules unless `input` says otherwise. */
  makeClock(input: TenantClockInput = {}): Clock {
    const mode = input.mode ?? this.defaults.mode ?? 'manual';
    const scale = input.scale ?? (mode === this.defaults.mode ? this.defaults.scale : undefined);
    return createClock({
      mode,
      scale,
      start: mode === 'real' ? undefined : (input.start ?? this.defaults.start),
      wallNow: this.defaults.wallNow,
    });
  }

  /** Gives an organisation its own clock (its jobs and dates follow it from now on). */
  attach(org: number, clock: Clock, createdAt = clock.now(), options: TenantClockInput = {}): Scheduler {
    this.detach(org);
    const scheduler = new Scheduler(clock, this.timer, this.onError, this.registry);
    this.tenants.set(org, {
      scheduler,
      createdAt,
      options: { mode: clock.mode, scale: clock.scale, ...options },
    });
    return scheduler;
  }

  /** Drops an organisation's clock and its queue (a deleted tenant). */
  detach(org: number): void {
    const t = this.tenants.get(org);
    if (!t) return;
    t.scheduler.stop();
    this.tenants.delete(org);
  }

  /** Puts a tenant's clock back to its creation time, with an empty queue (a tenant reset). */
  resetTenant(org: number): void {
    const t = this.tenants.get(org);
    if (!t) return;
    t.scheduler.stop();
    const clock = createClock({
      mode: t.scheduler.clock.mode,
      scale: t.scheduler.clock.mode === 'manual' ? undefined : t.scheduler.clock.scale,
      start: t.createdAt,
      wallNow: this.defaults.wallNow,
    });
    this.attach(org, clock, t.createdAt, t.options);
  }

  /** A full reset: tenant clocks go (their tenants go too), the main clock and queue start again. */
  resetAll(): void {
    for (const id of this.tenantIds()) this.detach(id);
    this.main.restore({ seq: 0, jobs: [] });
    this.clock.reset();
  }

  // ---- time control ----

  /**
   * Moves one organisation's clock (`org` given) or every clock (`org` undefined: each by the same `ms`) and runs
   * what falls due, each at its due time. Advances of one clock are serialized; an advance of every clock holds
   * every clock's lock. It answers once every job due in the window, background work included, has run.
   */
  advance(org: number | undefined, ms: number): Promise<AdvanceReport> {
    return this.exclusive(org, (s) => s.advance(ms));
  }

  /** Runs the queue(s) to idle, at most `maxMs` of mock time each (see Scheduler.advanceUntilIdle). */
  advanceUntilIdle(org: number | undefined, maxMs: number): Promise<AdvanceReport> {
    return this.exclusive(org, (s) => s.advanceUntilIdle(maxMs));
  }

  private async exclusive(
    org: number | undefined,
    run: (s: Scheduler) => Promise<AdvanceReport>,
  ): Promise<AdvanceReport> {
    const targets =
      org === undefined ? [this.main, ...this.tenantIds().map((id) => this.of(id))] : [this.of(org)];
    // Locks are always taken in the same order (main, then tenants by id): two all-clock advances cannot deadlock.
    const releases: (() => void)[] = [];
    for (const s of targets) releases.push(await s.lock.acquire());
    try {
      const reports: AdvanceReport[] = [];
      for (const s of targets) reports.push(await run(s));
      const first = reports[0] as AdvanceReport;
      return {
        from: first.from,
        to: first.to,
        ran: reports.flatMap((r) => r.ran),
        idle: reports.every((r) => r.idle),
      };
    } finally {
      for (const release of releases) release();
    }
  }

  // ---- snapshots ----

  snapshotTenants(): TenantClockSnapshot[] {
    return this.tenantIds().map((id) => {
      const t = this.tenants.get(id) as Tenant;
      const ms = t.scheduler.clock.now();
      return {
        organisation: id,
        mode: t.scheduler.clock.mode,
        scale: t.scheduler.clock.scale,
        now: toIso(ms),
        ms,
        created_ms: t.createdAt,
        jobs: t.scheduler.snapshot().jobs,
      };
    });
  }

  /**
   * Checks exported tenant clocks and returns the swap that installs them (nothing changes until it is called).
   * The main clock and queue are restored by the caller.
   */
  prepareTenants(snapshots: readonly TenantClockSnapshot[], main: SchedulerSnapshot): () => void {
    const built = snapshots.map((snap) => {
      if (!Number.isInteger(snap.organisation))
        throw new Error('tenant_clocks[].organisation must be an integer');
      if (!Number.isFinite(snap.ms))
        throw new Error(`tenant clock ${snap.organisation}: ms must be a number`);
      if (!['real', 'scaled', 'manual'].includes(snap.mode)) {
        throw new Error(`tenant clock ${snap.organisation}: mode must be real, scaled or manual`);
      }
      if (snap.mode === 'scaled' && !(snap.scale > 0)) {
        throw new Error(`tenant clock ${snap.organisation}: a scaled clock needs a scale > 0`);
      }
      const clock = createClock({
        mode: snap.mode,
        scale: snap.mode === 'scaled' ? snap.scale : undefined,
        start: snap.ms,
        wallNow: this.defaults.wallNow,
      });
      return { snap, clock };
    });
    return () => {
      for (const id of this.tenantIds()) this.detach(id);
      this.main.stop();
      this.main.restore(main);
      for (const { snap, clock } of built) {
        const scheduler = this.attach(snap.organisation, clock, snap.created_ms ?? snap.ms);
        scheduler.load(snap.jobs ?? []);
      }
    };
  }
}
