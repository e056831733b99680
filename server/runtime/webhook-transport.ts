// The HTTP transport of webhook deliveries: one fresh connection per attempt, closed as soon as the answer is read.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * POSTs `body` to `url` and resolves with the answer's status once the answer is complete. Rejects on a refused,
 * reset or timed-out connection (the signal's abort is an `AbortError`).
 *
 * Why not `fetch`: its pooled keep-alive connections stalled every delivery to a receiver that serves one connection
 * at a time (Python's `http.server`, werkzeug's `make_server`, a gunicorn sync worker, PHP's built-in server) for
 * undici's 4 s keep-alive timeout — the receiver sat on the idle pooled connection while the next delivery waited on
 * a new one — and close-delimited HTTP/1.0 answers (no Content-Length) were read to the pool's terms too. Here each
 * attempt has its own connection (`agent: false`) with `Connection: close`, so a single-threaded receiver moves on
 * to the next connection as soon as it has answered; the answer ends at its Content-Length, its last chunk or, for
 * HTTP/1.0 close-delimited answers, when the receiver closes — and the socket is destroyed right after.
 */
export function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<number> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  const bytes = Buffer.from(body, 'utf8');
  return new Promise<number>((resolve, reject) => {
    const req = send(u, {
      method: 'POST',
      agent: false,
      signal,
      headers: { ...headers, 'Content-Length': String(bytes.byteLength), Connection: 'close' },
    });
    const done = (res: IncomingMessage) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    };
    req.on('response', (res) => {
      // The body is not needed (only the status counts): read and drop it, bounded by the attempt's timeout.
      res.resume();
      res.on('end', () => done(res));
      res.on('close', () => done(res));
      res.on('error', () => done(res));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

/** `<config url>/<event id>`: the event id is appended to the path (query kept), trailing slashes collapsed. */
export function eventUrl(configUrl: string, eventId: string): string {
  const u = new URL(configUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${eventId}`;
  return u.toString();
}
