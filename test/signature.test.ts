import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSignatureHeader, signPayload, verifySignature } from '../server/runtime/signature.ts';

/** An independent implementation of the documented scheme, straight from node:crypto. */
function independent(secret: string, body: string, t: number): string {
  return `t=${t},s=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.${body}`).digest('base64')}`;
}

const SECRET = 'whsec-test-secret';
const BODY = '{"id":"e1","resource":"event","data":{"note":"héllo ✓"}}';
const T = 1_767_225_600;

describe('webhook signature', () => {
  it('signs as t=<seconds>,s=<base64 HMAC-SHA256(secret, "<t>.<body>")>', () => {
    expect(signPayload(SECRET, BODY, T)).toBe(independent(SECRET, BODY, T));
    expect(signPayload(SECRET, BODY, T + 0.9)).toBe(independent(SECRET, BODY, T));
    const s = parseSignatureHeader(signPayload(SECRET, BODY, T))?.s ?? '';
    expect(Buffer.from(s, 'base64')).toHaveLength(32);
  });

  it('verifies a fresh signature', () => {
    expect(verifySignature(independent(SECRET, BODY, T), BODY, SECRET, { nowSeconds: T + 10 })).toEqual({
      ok: true,
      reason: 'ok',
      timestamp: T,
    });
  });

  it.each([
    ['a tampered body', independent(SECRET, BODY, T), `${BODY} `, SECRET, T, 'bad-signature'],
    ['another secret', independent(SECRET, BODY, T), BODY, 'other', T, 'bad-signature'],
    [
      'a tampered timestamp',
      independent(SECRET, BODY, T).replace(`t=${T}`, `t=${T + 1}`),
      BODY,
      SECRET,
      T,
      'bad-signature',
    ],
    ['a stale timestamp (601 s)', independent(SECRET, BODY, T), BODY, SECRET, T + 601, 'stale-timestamp'],
    ['no header', '', BODY, SECRET, T, 'missing-header'],
    ['a malformed header', 'garbage', BODY, SECRET, T, 'malformed-header'],
    ['a header without s', `t=${T}`, BODY, SECRET, T, 'malformed-header'],
  ])('rejects %s', (_name, header, body, secret, now, reason) => {
    const got = verifySignature(header, body, secret, { nowSeconds: now });
    expect(got.ok).toBe(false);
    expect(got.reason).toBe(reason);
  });

  it('accepts exactly the tolerance and honours a custom one', () => {
    const header = independent(SECRET, BODY, T);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T + 600 }).ok).toBe(true);
    expect(verifySignature(header, BODY, SECRET, { nowSeconds: T + 61, toleranceSeconds: 60 }).reason).toBe(
      'stale-timestamp',
    );
  });
});
