// Runs generated requests against one tenant of an in-process mock and checks the quality properties on each.
import { expect } from 'vitest';
import { exportOrg } from '../../server/domain/store.ts';
import { listKindOf } from '../../server/spec/derived.ts';
import type { TestMock } from '../helpers/api.ts';
import { LISTS, validateAtPointer } from '../helpers/spec.ts';
import { isIdRef, type Operation } from './spec-arbitraries.ts';

/** The outcome a generated request must have (`any`: whatever the state allows, but never a 5xx). */
export type Expect = { kind: 'any' } | { kind: 'status'; statuses: number[]; why: string };

export type PathId =
  | { kind: 'ref'; pick: number }
  | { kind: 'shaped'; n: number; uuid: string }
  | { kind: 'odd'; raw: string; encode: boolean };

/** One generated request (data only: fast-check can print and shrink it). */
export interface FuzzRequest {
  opId: string;
  /** Overrides the method (wrong-method probes). */
  method?: string;
  /** Overrides the whole path (unknown routes). */
  rawPath?: string;
  pathId?: PathId;
  query: [string, unknown][];
  awaitHeader?: string;
  auth: 'valid' | 'lowercase' | 'missing' | 'bearer' | 'empty' | 'wrong';
  contentType?: string;
  body?: unknown;
  raw?: string;
  expect: Expect;
  label: string;
}

export type FuzzStep = { kind: 'request'; req: FuzzRequest } | { kind: 'advance'; seconds: number };

/** Ids seen in responses, by resource kind (`user`, `session`, ...), in order of first sight. */
export class IdPool {
  private byKind = new Map<string, string[]>();
  private seen = new Set<string>();

  harvest(value: unknown, depth = 0): void {
    if (depth > 6 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) this.harvest(v, depth + 1);
      return;
    }
    const o = value as Record<string, unknown>;
    if (typeof o.resource === 'string' && (typeof o.id === 'string' || typeof o.id === 'number')) {
      // The organisation's own permission set (nested, numeric id) is not a /permissions id.
      const kind = o.resource === 'permissions' && typeof o.id === 'number' ? 'org_permissions' : o.resource;
      const id = String(o.id);
      const k = `${kind}:${id}`;
      if (!this.seen.has(k)) {
        this.seen.add(k);
        const list = this.byKind.get(kind) ?? [];
        list.push(id);
        this.byKind.set(kind, list);
      }
    }
    for (const v of Object.values(o)) this.harvest(v, depth + 1);
  }

  pick(kind: string, n: number): string | undefined {
    const list = this.byKind.get(kind);
    return list?.length ? list[n % list.length] : undefined;
  }
}

/** Kinds whose ids are sequence numbers (their schemas' id is a SeqId). */
const SEQ_KINDS = LISTS.seqKinds;

function shapedId(kind: string, n: number): string {
  if (SEQ_KINDS.has(kind)) return String(100_000 + n);
  const hex = n.toString(16).padStart(12, '0').slice(-12);
  return `00000000-0000-4000-8000-${hex}`;
}

/** Replaces every `IdRef` in a generated value by an id of its kind seen so far (or an absent one). */
export function resolveRefs(value: unknown, pool: IdPool): unknown {
  if (isIdRef(value)) {
    const hit = pool.pick(value.$idref, value.pick);
    if (hit !== undefined) {
      // Sequential ids may be sent as numbers (the docs do): exercise both forms.
      return SEQ_KINDS.has(value.$idref) && value.pick % 3 === 0 ? Number(hit) : hit;
    }
    return shapedId(value.$idref, value.pick);
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, pool));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: resolveRefs(v, pool),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/** A deterministic dump of one tenant's state and of the scheduler's queue (what a 4xx must not change). */
export function dumpTenant(t: TestMock, orgId: number): string {
  const org = t.mock.ctx.world.orgs.get(orgId);
  if (!org) return 'missing';
  const jobs = t.mock.ctx.scheduler.pending().filter((j) => j.org === orgId || j.org === null);
  return JSON.stringify({ org: exportOrg(org), jobs });
}

export interface RunContext {
  t: TestMock;
  orgId: number;
  /** The token of the tenant's key (follows rotations). */
  token: string;
  ops: Map<string, Operation>;
  pool: IdPool;
  transcript: string[];
  count: { requests: number; byStatus: Map<number, number>; byOp: Map<string, number> };
}

/** Percent-encodes anything, lone surrogates included (as the invalid UTF-8 bytes ED A0 80). */
export function encodeAny(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s].map((ch) => (/[\uD800-\uDFFF]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

function buildPath(req: FuzzRequest, op: Operation | undefined, pool: IdPool): string {
  if (req.rawPath !== undefined) return req.rawPath;
  if (!op) throw new Error(`unknown op ${req.opId}`);
  let path = op.path;
  if (path.includes('{id}')) {
    const kind = op.idKind ?? 'user';
    const pid = req.pathId ?? { kind: 'ref', pick: 0 };
    let seg: string;
    if (pid.kind === 'ref') seg = pool.pick(kind, pid.pick) ?? shapedId(kind, pid.pick);
    else if (pid.kind === 'shaped') seg = SEQ_KINDS.has(kind) ? String(100_000 + pid.n) : pid.uuid;
    else seg = pid.encode ? encodeAny(pid.raw) : pid.raw;
    path = path.replace('{id}', seg || '%20');
  }
  const qs = req.query
    .map(([k, v]) => {
      const val = resolveRefs(v, pool);
      return `${encodeAny(k)}=${encodeAny(typeof val === 'string' ? val : JSON.stringify(val))}`;
    })
    .join('&');
  return qs ? `${path}?${qs}` : path;
}

/** Sends one generated request and checks every property; throws (with the transcript) on a violation. */
export async function runRequest(rc: RunContext, req: FuzzRequest): Promise<void> {
  const { t, pool } = rc;
  const op = rc.ops.get(req.opId);
  const method = req.method ?? op?.method ?? 'GET';
  const path = buildPath(req, op, pool);
  const headers: Record<string, string> = {};
  let token: string | null = rc.token;
  switch (req.auth) {
    case 'valid':
      break;
    case 'lowercase':
      headers.Authorization = `token ${rc.token}`;
      break;
    case 'missing':
      token = null;
      break;
    case 'bearer':
      headers.Authorization = `Bearer ${rc.token}`;
      break;
    case 'empty':
      headers.Authorization = 'Token ';
      break;
    case 'wrong':
      headers.Authorization = 'Token not-a-real-token';
      break;
  }
  if (req.awaitHeader !== undefined) headers['Ricloud-Await'] = req.awaitHeader;
  let raw = req.raw;
  let expectation = req.expect;
  if (raw === undefined && req.body !== undefined) {
    const body = resolveRefs(req.body, pool);
    raw = JSON.stringify(body);
    // A mutated body that the spec rejects must be a 400 (unless an earlier pipeline step answers first).
    if (req.label.startsWith('body:') && op?.bodyPointer && expectation.kind === 'any') {
      try {
        validateAtPointer(op.bodyPointer, body);
      } catch {
        expectation = { kind: 'status', statuses: [400], why: 'body fails the request schema' };
      }
    }
  }
  if (raw !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';

  const before = dumpTenant(t, rc.orgId);
  const line = `${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path} [${req.label}; auth=${req.auth}${
    req.awaitHeader !== undefined ? `; await=${JSON.stringify(req.awaitHeader)}` : ''
  }${req.contentType ? `; ct=${req.contentType}` : ''}] ${raw === undefined ? '' : raw.length > 300 ? `${raw.slice(0, 300)}…` : raw}`;
  let res: Awaited<ReturnType<TestMock['api']>>;
  try {
    res = await t.api(method, path, { raw, token, headers });
  } catch (err) {
    rc.transcript.push(`${line}\n    → threw`);
    throw annotate(rc, err);
  }
  rc.transcript.push(
    `${line}\n    → ${res.status} ${res.text.length > 300 ? `${res.text.slice(0, 300)}…` : res.text}`,
  );
  rc.count.requests++;
  rc.count.byStatus.set(res.status, (rc.count.byStatus.get(res.status) ?? 0) + 1);
  rc.count.byOp.set(req.opId, (rc.count.byOp.get(req.opId) ?? 0) + 1);
  try {
    expect(res.status, 'a 5xx (no input may produce one)').toBeLessThan(500);
    if (expectation.kind === 'status') {
      expect(expectation.statuses, `status ${res.status} but ${expectation.why}`).toContain(res.status);
    }
    if (res.status >= 400) {
      const b = res.body as { error?: unknown; message?: unknown; params?: unknown };
      expect(typeof b?.error, 'a 4xx without the error body').toBe('string');
      expect(typeof b?.message).toBe('string');
      expect(typeof b?.params === 'object' && b.params !== null && !Array.isArray(b.params)).toBe(true);
      expect(dumpTenant(t, rc.orgId), 'a rejected request changed the tenant state').toBe(before);
    } else {
      pool.harvest(res.body);
      const k = res.body as { resource?: string; token?: string } | undefined;
      if (req.opId === 'rotateKey' && k?.resource === 'key' && typeof k.token === 'string') {
        const current = t.mock.ctx.world.findByToken(rc.token);
        if (!current) rc.token = k.token;
      }
    }
  } catch (err) {
    throw annotate(rc, err);
  }
}

function annotate(rc: RunContext, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message = `${e.message}\n--- last requests of this run ---\n${rc.transcript.slice(-8).join('\n')}`;
  return e;
}

/**
 * The kind of record a list operation returns (what its `after_id`/`before_id` pick from): the `resource` of its
 * items in the spec (server/spec/derived.ts). Throws for an operation that is not a list of the ricloud spec.
 */
export function kindOfList(op: Operation): string {
  return listKindOf(LISTS, op.id);
}
