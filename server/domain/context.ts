// The dependencies every handler and engine function shares, and the one Hono env of both planes.
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.ts';
import type { IdSource } from '../runtime/ids.ts';
import type { Timelines } from '../runtime/timelines.ts';
import type { CompiledSpec } from '../spec/compile.ts';
import type { InputVariables } from '../spec/input.ts';
import type { DeliveryLog } from './delivery-log.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { KeyRecord, OrgSnapshot, OrgState, World } from './store.ts';

/** Durations of the mock's asynchronous steps, in mock-clock milliseconds (configurable per app). */
export interface Timings {
  /** POST /sessions → active/failed. */
  sessionInitMs: number;
  /** A poll's task waits this long in `pending` before it starts processing. */
  taskStartMs: number;
  /** A task processes for this long before it succeeds or fails. */
  taskProcessMs: number;
  /** Storage and webhook config tests. */
  configTestMs: number;
  /** An active session unused for this long expires with error `api` (null: never). */
  sessionIdleMs: number | null;
  /** A Relay subscription is allowed by the app user after this long (null: only via the control API). */
  relayAutoAllowMs: number | null;
  /** Results expire (`expired`, `date_deleted`) this long after publication (null: never). */
  resultRetentionMs: number | null;
  /** A webhook receiver that does not answer within this many wall ms counts as failed. */
  webhookTimeoutMs: number;
}

export const DEFAULT_TIMINGS: Timings = {
  sessionInitMs: 2_000,
  taskStartMs: 500,
  taskProcessMs: 1_500,
  configTestMs: 1_000,
  sessionIdleMs: 60 * 60 * 1000,
  relayAutoAllowMs: null,
  resultRetentionMs: null,
  webhookTimeoutMs: 10_000,
};

/** The options an app is built from after defaults are applied. */
export interface ResolvedOptions {
  seed: string;
  preset: string;
  /** Token of the preset's first key (fixed by --token, else seeded). */
  token: string | undefined;
  /** The url of the preset's storage config. */
  storageUrl: string;
  /** S3-compatible endpoint for s3:// configs (else they go to the blob store). */
  s3Endpoint: string | undefined;
  /** Public base url of the mock (signed urls point here). */
  publicUrl: string;
  /** Largest request body, bytes. */
  bodyLimit: number;
  timings: Timings;
  /** Entries kept in the webhook delivery log (GET /_mock/deliveries), oldest dropped first. */
  deliveryLogSize: number;
  /** When set, the only folders (absolute) a local:// storage config may point into. */
  storageRoots: string[] | undefined;
  /** When set, the only url prefixes a webhook config may point at. */
  webhookTargets: string[] | undefined;
}

/**
 * Everything shared by one app: world state, time, ids and configuration. All per-mock state lives here or on the
 * organisation it belongs to (OrgState); parts built on top register their reset and snapshot hooks in `lifecycle`.
 */
export interface MockContext {
  world: World;
  /** Each organisation's state right after its creation (what a tenant reset returns to; snapshots carry it). */
  creation: Map<number, OrgSnapshot>;
  /** Webhook delivery attempts (GET /_mock/deliveries): an observation log, emptied by a reset or an import. */
  deliveries: DeliveryLog;
  lifecycle: Lifecycle;
  /** The main clock: global jobs and the preset's organisations (a tenant may have its own: see `nowOf`). */
  clock: Clock;
  /** Wall time, ms since the epoch: signature timestamps only (receivers compare them with their own clock). */
  wallNow: () => number;
  /** Every clock's job queue, routed by each job's organisation (a tenant's jobs run on its own clock). */
  scheduler: Timelines;
  ids: IdSource;
  spec: CompiledSpec;
  options: ResolvedOptions;
  logger: Logger;
}

/**
 * What the Node adapter (@hono/node-server) passes as `c.env` on a socket. In-process (`app.request()`) `c.env` is
 * undefined: read it as `c.env?.incoming`.
 */
export interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string; destroy(): void } };
}

/**
 * The one Hono env of the mock, for both planes (the ricloud API and /_mock). `input` is set by the validation
 * middleware on both (server/spec/validate-request.ts; read it with `input(c)`, server/spec/input.ts); the rest is
 * set by the ricloud pipeline (server/http/pipeline.ts) and read by ricloud handlers only.
 */
export interface MockEnv {
  Bindings: NodeBindings;
  Variables: InputVariables & {
    mock: MockContext;
    org: OrgState;
    key: KeyRecord;
    /** Seconds from a valid Ricloud-Await header (0 when absent). */
    awaitSeconds: number;
  };
}

/**
 * Mock time for a record of `org`: its tenant clock when it has one, else the main clock. Every domain date (created,
 * expires, delivered...) is read through here, so that each tenant's time moves only with its own clock.
 */
export function nowOf(ctx: MockContext, org: { id: number } | number | null): number {
  return ctx.scheduler.clockOf(typeof org === 'number' || org === null ? org : org.id).now();
}
