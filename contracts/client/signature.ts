// Webhook signatures on the receiving side: parse and check `Ricloud-Signature: t=<unix>,s=<base64 HMAC-SHA256>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Receivers reject signatures older than this by default (the official client's default). */
export const DEFAULT_TOLERANCE_SECONDS = 600;

export interface SignatureCheck {
  /** Wall-clock time in unix seconds (default: now); pass the mock's clock in tests. */
  nowSeconds?: number | undefined;
  /** Oldest accepted timestamp, in seconds before now (default 600). */
  toleranceSeconds?: number | undefined;
}

export type SignatureResult =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'mismatch' | 'too-old'; timestamp?: number };

/**
 * Signs a webhook body as ricloud does: base64 of HMAC-SHA256(secret, "<t>.<body>").
 * Useful for a receiver's own tests, and what the provider side of the message pacts uses.
 * @see https://reincubate.com/support/ricloud/webhook-configuration (Verifying event signatures) — header format from ricloud-py
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('base64');
  return `t=${timestampSeconds},s=${digest}`;
}

/** Splits `t=...,s=...` into its parts; null when the header is not in that shape. */
export function parseSignatureHeader(header: string): { timestamp: number; signature: string } | null {
  const parts = new Map<string, string>();
  for (const piece of header.split(',')) {
    const at = piece.indexOf('=');
    if (at <= 0) return null;
    parts.set(piece.slice(0, at).trim(), piece.slice(at + 1).trim());
  }
  const t = parts.get('t');
  const s = parts.get('s');
  if (!t || !s || !/^\d+$/.test(t)) return null;
  return { timestamp: Number(t), signature: s };
}

/**
 * Checks a delivery's `Ricloud-Signature` against the raw request body (not a re-serialised object:
 * the HMAC covers the exact bytes). Independent of the mock's own signer on purpose: a consumer must not
 * share code with the provider it checks.
 * @example verifyWebhookSignature(secret, req.headers['ricloud-signature'], rawBody).ok
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string,
  options: SignatureCheck = {},
): SignatureResult {
  const parsed = header ? parseSignatureHeader(header) : null;
  if (!parsed) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.${rawBody}`).digest();
  const given = Buffer.from(parsed.signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'mismatch', timestamp: parsed.timestamp };
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (now - parsed.timestamp > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'too-old', timestamp: parsed.timestamp };
  }
  return { ok: true, timestamp: parsed.timestamp };
}
