// Webhook signatures: the Ricloud-Signature header the mock sends, and the check a receiver makes.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header the mock signs every delivery with. */
export const SIGNATURE_HEADER = 'Ricloud-Signature';

/** Receivers reject timestamps older than this many seconds by default (ricloud-py 3.2.0 ricloud/webhooks.py, delta 600). */
export const DEFAULT_TOLERANCE_SECONDS = 600;

/**
 * The system's wall clock, ms since the epoch: what a receiver compares a signature's `t` with (ricloud-py's
 * `generate_timestamp()` is `int(time.time())`), so the mock signs with it in every clock mode.
 */
export function systemWallNow(): number {
  return Date.now(); // allow-ambient: signature timestamps are wall time by design
}

/** `base64(HMAC-SHA256(secret, "<t>.<body>"))`: standard base64 of the raw 32-byte digest. */
function digest(secret: string, body: string, tSeconds: number): string {
  return createHmac('sha256', secret).update(`${tSeconds}.${body}`, 'utf8').digest('base64');
}

/**
 * Builds the `Ricloud-Signature` header value for a body: `t=<unix seconds>,s=<base64 HMAC-SHA256>`.
 * @see https://reincubate.com/support/ricloud/webhook-configuration (Verifying event signatures); ricloud-py 3.2.0 ricloud/signing.py
 * @example signPayload(config.secret, JSON.stringify(event), 1767225600) // 't=1767225600,s=...'
 */
export function signPayload(secret: string, body: string, tSeconds: number): string {
  const t = Math.floor(tSeconds);
  return `t=${t},s=${digest(secret, body, t)}`;
}

/** Why a signature check failed (or `ok`). */
export type VerifyReason = 'ok' | 'missing-header' | 'malformed-header' | 'bad-signature' | 'stale-timestamp';

export interface VerifyOptions {
  /** The receiver's current time in unix seconds (wall time: the mock's `wallNow` when the mock checks). */
  nowSeconds: number;
  /** Largest accepted age of the timestamp, seconds (default 600). */
  toleranceSeconds?: number;
}

export interface VerifyResult {
  ok: boolean;
  reason: VerifyReason;
  /** The timestamp the header carried, when it could be read. */
  timestamp?: number;
}

/** Reads `t=...,s=...` (any order, extra whitespace tolerated). */
export function parseSignatureHeader(header: string): { t: number; s: string } | undefined {
  let t: number | undefined;
  let s: string | undefined;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d+$/.test(value)) t = Number(value);
    else if (name === 's' && value) s = value;
  }
  return t === undefined || s === undefined ? undefined : { t, s };
}

/**
 * Verifies a delivery the way a receiver should: recompute the HMAC over `"<t>.<raw body>"` with the webhook
 * config's secret, compare in constant time, and reject timestamps older than the tolerance (replays).
 * @see https://reincubate.com/support/ricloud/webhook-configuration
 * @example
 * const { ok, reason } = verifySignature(req.headers['ricloud-signature'], rawBody, secret, {
 *   nowSeconds: Math.floor(Date.now() / 1000),
 * });
 */
export function verifySignature(
  header: string | null | undefined,
  body: string,
  secret: string,
  options: VerifyOptions,
): VerifyResult {
  if (!header) return { ok: false, reason: 'missing-header' };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed-header' };
  const expected = Buffer.from(digest(secret, body, parsed.t), 'base64');
  const given = Buffer.from(parsed.s, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-signature', timestamp: parsed.t };
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (options.nowSeconds - parsed.t > tolerance)
    return { ok: false, reason: 'stale-timestamp', timestamp: parsed.t };
  return { ok: true, reason: 'ok', timestamp: parsed.t };
}
