// `serve --replay DIR`: a server that answers the requests of a cassette with the recorded answers, byte for byte.
// Requests are matched by method, path and query, and body (after the same redaction as when recording, so a
// client that sends its real password matches the recorded `[REDACTED]`); each key's answers are given in the
// recorded order. A request the cassette does not have, or one asked more times than recorded, gets a 404 in the
// mock's error shape naming what was asked.
import { bodyDigest, bodyText, contentBytes, type HarEntry, targetOf } from './har.ts';
import { Redactor } from './redact.ts';

/** Headers a replayed answer does not copy: the connection's own, and those that describe other bytes. */
const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'trailer',
  'upgrade',
]);

function keyOf(method: string, target: string, bodyDigestValue: string): string {
  return `${method.toUpperCase()} ${target} ${bodyDigestValue}`;
}

export interface Replayer {
  fetch(request: Request): Promise<Response>;
  /** Answers not yet given, per key. */
  remaining(): number;
}

/** A fetch handler over a cassette's entries. */
export function createReplayer(entries: readonly HarEntry[]): Replayer {
  const queues = new Map<string, HarEntry[]>();
  const recorded = new Map<string, number>();
  for (const entry of entries) {
    const key = keyOf(entry.request.method, targetOf(entry), bodyDigest(entry.request.postData?.text));
    const queue = queues.get(key) ?? [];
    queue.push(entry);
    queues.set(key, queue);
    recorded.set(key, (recorded.get(key) ?? 0) + 1);
  }
  const error = (status: number, code: string, message: string, params: Record<string, unknown>) =>
    new Response(JSON.stringify({ error: code, message, params }), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });

  return {
    remaining: () => [...queues.values()].reduce((n, q) => n + q.length, 0),
    async fetch(request) {
      const url = new URL(request.url);
      const redactor = new Redactor();
      const target = redactor.url(`${url.pathname}${url.search}`);
      const bytes = new Uint8Array(await request.arrayBuffer());
      const digest = bytes.byteLength ? bodyDigest(bodyText(bytes, redactor, undefined).text) : '';
      const key = keyOf(request.method, target, digest);
      const queue = queues.get(key);
      if (!queue) {
        const samePath = [...recorded.keys()].filter((k) =>
          k.startsWith(`${request.method.toUpperCase()} ${target} `),
        );
        return error(
          404,
          'replay-no-match',
          `The cassette has no recorded answer for ${request.method} ${url.pathname}${samePath.length ? ' with this body' : ''}.`,
          { method: request.method, path: url.pathname, recorded_with_other_bodies: samePath.length },
        );
      }
      const entry = queue.shift();
      if (!entry) {
        return error(
          404,
          'replay-exhausted',
          `The cassette's ${recorded.get(key)} answers to ${request.method} ${url.pathname} were all given.`,
          { method: request.method, path: url.pathname, recorded: recorded.get(key) },
        );
      }
      const headers = new Headers();
      for (const h of entry.response.headers)
        if (!NOT_REPLAYED.has(h.name.toLowerCase())) headers.append(h.name, h.value);
      const body = contentBytes(entry.response.content);
      const nullBody =
        entry.response.status === 204 || entry.response.status === 304 || request.method === 'HEAD';
      return new Response(nullBody ? null : (body as unknown as BodyInit), {
        status: entry.response.status,
        statusText: entry.response.statusText,
        headers,
      });
    },
  };
}
