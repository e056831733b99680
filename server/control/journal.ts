// The request journal: a bounded ring buffer of every ricloud request and its response, credentials redacted.
import type { components } from '../../openapi/control.d.ts';
import { toIso } from '../runtime/clock.ts';

/** One recorded request: the control spec's `JournalEntry`, plus its mock-clock ms for `since` filters. */
export type JournalEntry = components['schemas']['JournalEntry'] & { at: number };

export interface JournalOptions {
  /** Entries kept (default 1,000); older ones are dropped. */
  size?: number | undefined;
  /** Record request and response bodies (default false). */
  bodies?: boolean | undefined;
  /** Largest body recorded, characters of JSON (default 4,096); longer ones are truncated. */
  bodyLimit?: number | undefined;
}

export interface JournalQuery {
  /** Path glob or exact path. */
  path?: RegExp | undefined;
  /** Exact status, or a class like `4xx`. */
  status?: string | undefined;
  /** Only entries at or after this mock time (ms). */
  since?: number | undefined;
  method?: string | undefined;
  organisation?: number | undefined;
  /** Newest N (default all). */
  limit?: number | undefined;
}

export const REDACTED = '[REDACTED]';

/** Field names whose values are secrets: never journaled, never logged. */
const SECRET_FIELD =
  /pass(word)?|token|secret|credential|authori[sz]ation|private_key|access_key|api_key|^code$|cookie/i;

/** Whether a field or query parameter name holds a secret (the journal's rule; the proxy's recorder extends it). */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** Returns a deep copy with every secret-looking field replaced by `[REDACTED]`. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretField(k) && v !== null && v !== undefined ? REDACTED : redact(v);
  }
  return out;
}

/** Redacts secret-looking query parameters. */
export function redactQuery(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) out[k] = isSecretField(k) ? REDACTED : v;
  return out;
}

function capBody(value: unknown, limit: number): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  if (text === undefined || text.length <= limit) return value;
  return { truncated: true, length: text.length, preview: text.slice(0, limit) };
}

/**
 * A ring buffer of requests: O(1) record, bounded memory whatever the traffic.
 * @example const j = new Journal({ size: 10 }); j.record({...}); j.query({ status: '4xx' });
 */
export class Journal {
  private ring: (JournalEntry | undefined)[];
  private head = 0;
  private count = 0;
  private seq = 0;
  readonly size: number;
  readonly bodies: boolean;
  private readonly bodyLimit: number;
  private listeners = new Set<(entry: JournalEntry) => void>();

  constructor(options: JournalOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? 1000));
    this.bodies = options.bodies ?? false;
    this.bodyLimit = options.bodyLimit ?? 4096;
    this.ring = new Array(this.size);
  }

  /** Records an entry; bodies are redacted and capped here, whatever the caller passed. */
  record(entry: Omit<JournalEntry, 'seq' | 'time'> & { time?: string }): JournalEntry {
    // Built field by field (no spread then `delete`, which turned every entry into a slow dictionary object).
    const e: JournalEntry = {
      seq: ++this.seq,
      // Formatted when read (`entries()`) unless given: toIso per request was a visible share of the hot path.
      time: entry.time ?? '',
      at: entry.at,
      method: entry.method,
      path: entry.path,
      query: redactQuery(entry.query),
      status: entry.status,
      organisation: entry.organisation,
      duration_ms: entry.duration_ms,
      error: entry.error,
      faults: entry.faults,
    };
    if (this.bodies) {
      if (entry.request_body !== undefined)
        e.request_body = capBody(redact(entry.request_body), this.bodyLimit);
      if (entry.response_body !== undefined)
        e.response_body = capBody(redact(entry.response_body), this.bodyLimit);
    }
    this.ring[this.head] = e;
    this.head = (this.head + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Called with every recorded entry (the control plane's change stream, GET /_mock/changes). */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Oldest first. */
  entries(): JournalEntry[] {
    const out: JournalEntry[] = [];
    const start = (this.head - this.count + this.size) % this.size;
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(start + i) % this.size];
      if (e) {
        if (!e.time) e.time = toIso(e.at);
        out.push(e);
      }
    }
    return out;
  }

  /** Matching entries, newest first. */
  query(q: JournalQuery = {}): JournalEntry[] {
    const matches = this.entries()
      .reverse()
      .filter((e) => {
        if (q.path && !q.path.test(e.path)) return false;
        if (q.method && e.method !== q.method.toUpperCase()) return false;
        if (q.organisation !== undefined && e.organisation !== q.organisation) return false;
        if (q.since !== undefined && e.at < q.since) return false;
        if (q.status) {
          const cls = /^([1-5])xx$/i.exec(q.status);
          if (cls ? Math.floor(e.status / 100) !== Number(cls[1]) : String(e.status) !== q.status)
            return false;
        }
        return true;
      });
    return q.limit !== undefined ? matches.slice(0, q.limit) : matches;
  }

  get length(): number {
    return this.count;
  }

  clear(): void {
    this.ring = new Array(this.size);
    this.head = 0;
    this.count = 0;
  }
}
