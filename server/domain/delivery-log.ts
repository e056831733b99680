// The webhook delivery log: every HTTP attempt, newest first, in a ring of fixed size (GET /_mock/deliveries).
import type { components } from '../../openapi/control.d.ts';

/** One HTTP attempt, as `GET /_mock/deliveries` shows it (the control spec's schema). */
export type DeliveryAttempt = components['schemas']['DeliveryAttempt'];

/** A fixed-size ring of delivery attempts; the oldest entry is dropped first. */
export class DeliveryLog {
  private entries: DeliveryAttempt[] = [];
  private seq = 0;

  constructor(readonly capacity: number) {}

  add(entry: Omit<DeliveryAttempt, 'id'>): DeliveryAttempt {
    const full = { id: ++this.seq, ...entry };
    this.entries.push(full);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return full;
  }

  /** Newest first, optionally for one event and/or one outcome (`ok`, `failed`, or an HTTP status). */
  list(filter: { event?: string; status?: string } = {}): DeliveryAttempt[] {
    const out: DeliveryAttempt[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as DeliveryAttempt;
      if (filter.event && e.event !== filter.event) continue;
      if (filter.status && !matchesStatus(e, filter.status)) continue;
      out.push(e);
    }
    return out;
  }

  get size(): number {
    return this.entries.length;
  }
}

function matchesStatus(e: DeliveryAttempt, status: string): boolean {
  if (status === 'ok') return e.ok;
  if (status === 'failed') return !e.ok;
  if (/^\d+$/.test(status)) return e.status === Number(status);
  return e.error === status;
}
