// Injected faults: seeded rules matched by method, path glob and tenant that fail, slow down or cut ricloud requests.
import { ApiError, Errors } from '../domain/errors.ts';
import { type Clock, realTimer } from '../runtime/clock.ts';
import { Rng, type RngState } from '../runtime/ids.ts';

/** How long a latency fault waits, in wall milliseconds. */
export type LatencySpec =
  | { distribution: 'fixed'; ms: number }
  | { distribution: 'uniform'; min_ms: number; max_ms: number }
  | { distribution: 'lognormal'; median_ms: number; sigma: number; max_ms?: number };

/** What a fault does when it fires. */
export type FaultAction =
  | { kind: 'error'; status: number; retry_after?: number; message?: string }
  | { kind: 'latency'; latency: LatencySpec }
  | { kind: 'reset' };

/** The input of `POST /_mock/faults`. */
export type FaultInput = FaultAction & {
  /** HTTP method to match (any when absent). */
  method?: string | undefined;
  /** Path glob (`*` one segment, `**` any number): `/sessions/*`, `/polls/**` (any when absent). */
  path?: string | undefined;
  /** Organisation id to match (any when absent). */
  organisation?: number | undefined;
  /** Fire this many times, then disappear (unlimited when absent). */
  count?: number | undefined;
  /** Chance that a matching request fires it, 0..1 (default 1), drawn from the seeded fault stream. */
  probability?: number | undefined;
};

/** A fault rule as listed by `GET /_mock/faults`. */
export type FaultRule = FaultInput & { id: string; hits: number; remaining: number | null };

/** The fault registry as a snapshot carries it (openapi/control.yaml MockState.faults). */
export interface FaultSnapshot {
  seq: number;
  rng: RngState;
  rules: FaultRule[];
}

/** What the request hook must do for a request. */
export interface FaultDecision {
  /** Wall ms to wait before answering (sum of the latency faults that fired). */
  latencyMs: number;
  /** An error to answer with instead of the request. */
  error?: ApiError | undefined;
  /** Destroy the connection. */
  reset?: boolean | undefined;
  /** Ids of the rules that fired (for the journal and the X-Mock-Fault header). */
  fired: string[];
}

/** The longest latency one request may be given, so that a typo cannot hang a test suite. */
export const MAX_LATENCY_MS = 60_000;

/** Turns a path glob into a regex: `*` matches within one segment, `**` across segments (`/a/**` matches `/a`). */
export function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '/' && glob[i + 1] === '*' && glob[i + 2] === '*') {
      // `/users/**` matches `/users` itself and everything below it.
      out += '(?:/.*)?';
      i += 2;
    } else if (ch === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out.replace(/\/$/, '')}/?$`);
}

/** Draws one latency from its distribution with the seeded stream (Box-Muller for lognormal). */
export function drawLatency(spec: LatencySpec, rng: Rng): number {
  let ms: number;
  switch (spec.distribution) {
    case 'fixed':
      ms = spec.ms;
      break;
    case 'uniform':
      ms = spec.min_ms + rng.float() * (spec.max_ms - spec.min_ms);
      break;
    case 'lognormal': {
      const u1 = Math.max(rng.float(), Number.EPSILON);
      const u2 = rng.float();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      ms = spec.median_ms * Math.exp(spec.sigma * z);
      if (spec.max_ms !== undefined) ms = Math.min(ms, spec.max_ms);
      break;
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown latency ${JSON.stringify(never)}`);
    }
  }
  return Math.round(Math.min(Math.max(0, ms), MAX_LATENCY_MS));
}

/** The error a fault answers with: `server-error` for 5xx, `rate-limited` with Retry-After for 429. */
export function faultError(action: Extract<FaultAction, { kind: 'error' }>): ApiError {
  if (action.status === 429) {
    const retry = action.retry_after ?? 1;
    return new ApiError(
      429,
      'rate-limited',
      action.message ?? `Rate limited (injected fault); retry in ${retry} s.`,
      { retry_after: retry, injected: true },
      { 'Retry-After': String(retry) },
    );
  }
  const err = Errors.serverError(action.status, action.message ?? `Injected fault: ${action.status}.`);
  if (action.retry_after !== undefined) err.headers['Retry-After'] = String(action.retry_after);
  return err;
}

/** What `add` accepted once: an exported rule that the request hook can act on (the schema is an outline). */
function isRestorable(r: FaultRule): boolean {
  if (typeof r?.id !== 'string' || !Number.isInteger(r.hits)) return false;
  if (r.remaining !== null && !Number.isInteger(r.remaining)) return false;
  switch (r.kind) {
    case 'error':
      return r.status === 429 || (Number.isInteger(r.status) && r.status >= 500 && r.status <= 599);
    case 'latency':
      return (
        typeof r.latency === 'object' && r.latency !== null && typeof r.latency.distribution === 'string'
      );
    case 'reset':
      return true;
    default:
      return false;
  }
}

/**
 * The fault rules of one mock. Rules are checked in creation order: every latency rule that fires adds its wait,
 * and the first error or reset rule that fires ends the request. A rule with `count` fires exactly that many times
 * ("fail the next 3 with 503": the 4th request goes through, whatever the client's retries).
 */
export class FaultRegistry {
  private rules: (FaultRule & { regex?: RegExp })[] = [];
  private seq = 0;
  private rng: Rng;

  constructor(private readonly seed: string) {
    this.rng = Rng.fromSeed(seed, 'faults');
  }

  add(input: FaultInput): FaultRule {
    const rule: FaultRule & { regex?: RegExp } = {
      ...structuredClone(input),
      id: `fault_${++this.seq}`,
      hits: 0,
      remaining: input.count ?? null,
    };
    if (input.method) rule.method = input.method.toUpperCase();
    if (input.path) rule.regex = globToRegex(input.path);
    this.rules.push(rule);
    return this.present(rule);
  }

  list(): FaultRule[] {
    return this.rules.map((r) => this.present(r));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Drops every rule and restarts the seeded stream (a reset). */
  clear(): void {
    this.rules = [];
    this.seq = 0;
    this.rng = Rng.fromSeed(this.seed, 'faults');
  }

  /** The rules, their counter and the seeded stream, as JSON (snapshots). */
  snapshot(): FaultSnapshot {
    return { seq: this.seq, rng: this.rng.state(), rules: this.list() };
  }

  /** Builds the registry of a snapshot (throws on a malformed one) and returns the swap. */
  prepareRestore(snap: FaultSnapshot): () => void {
    if (!Array.isArray(snap.rules) || !Number.isInteger(snap.seq)) throw new Error('faults is not exported');
    const rules = snap.rules.map((r) => {
      if (!isRestorable(r)) throw new Error(`faults rule ${String(r?.id)} is not an exported fault rule`);
      const rule: FaultRule & { regex?: RegExp } = structuredClone(r);
      if (r.path) rule.regex = globToRegex(r.path);
      return rule;
    });
    const rng = new Rng(snap.rng);
    return () => {
      this.rules = rules;
      this.seq = snap.seq;
      this.rng = rng;
    };
  }

  /** Decides what happens to one request; consumes counts of the rules that fire. */
  decide(method: string, path: string, organisation: number | undefined): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, fired: [] };
    for (const rule of [...this.rules]) {
      if (rule.method && rule.method !== method.toUpperCase()) continue;
      if (rule.regex && !rule.regex.test(path)) continue;
      if (rule.organisation !== undefined && rule.organisation !== organisation) continue;
      if (rule.probability !== undefined && rule.probability < 1 && !(this.rng.float() < rule.probability))
        continue;
      rule.hits += 1;
      decision.fired.push(rule.id);
      if (rule.remaining !== null) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.remove(rule.id);
      }
      if (rule.kind === 'latency') {
        decision.latencyMs = Math.min(
          MAX_LATENCY_MS,
          decision.latencyMs + drawLatency(rule.latency, this.rng),
        );
        continue;
      }
      if (rule.kind === 'reset') decision.reset = true;
      else decision.error = faultError(rule);
      break;
    }
    return decision;
  }

  private present(rule: FaultRule & { regex?: RegExp }): FaultRule {
    const { regex: _regex, ...rest } = rule;
    return structuredClone(rest);
  }
}

/**
 * Waits wall milliseconds. Latency simulates the network, not the service, so it is wall time in every clock mode
 * (a manual clock does not move while it waits).
 */
export function waitWall(ms: number, _clock?: Clock): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    realTimer.after(ms, resolve);
  });
}
