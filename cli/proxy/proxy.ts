// `ricloud-mock proxy`: a reverse proxy in front of the real ricloud API (or any upstream) that forwards every
// request and response unchanged, and on the side validates both against openapi/ricloud-v3.yaml, reports each
// mismatch (/_mock/proxy/report, /_mock/proxy/ui, a report file) and, with a cassette folder, records each exchange
// as HAR with credentials redacted. The side work runs after the response has been sent: it never delays or alters
// traffic. The proxy's own routes live under /_mock/proxy (ricloud has no /_mock) and follow the control plane's
// rule: loopback peers only, unless a control token is given (then whoever sends it).
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { CONTROL_COOKIE, controlGuard } from '../../server/control/routes.ts';
import { ApiError } from '../../server/domain/errors.ts';
import { safeEqual } from '../../server/runtime/host-check.ts';
import { bodyText, CassetteWriter, type HarEntry, type HarHeader } from './har.ts';
import { PersonalDataFaker, Redactor } from './redact.ts';
import {
  ExchangeJournal,
  MismatchLog,
  type ProxyReport,
  renderReportMarkdown,
  writeReport,
} from './report.ts';
import { createExchangeValidator, type Exchange } from './validate.ts';

export interface ProxyOptions {
  /** Where requests go: `https://ricloud-api.reincubate.com` (a path prefix is kept in front of each path). */
  upstream: string;
  port?: number;
  host?: string;
  /** A folder: each exchange becomes one HAR file in it. */
  record?: string;
  /** Where the report is written (JSON, plus a Markdown summary beside it) on `writeReport()` and on close. */
  report?: string;
  /** Replace personal data in the cassette with fakes seeded from this seed. */
  fakePersonalData?: { seed: string };
  /** Require this token on /_mock/proxy (else loopback peers only). */
  controlToken?: string;
  /** Largest body kept for validation and recording, bytes (default 8 MiB); larger ones pass through unchecked. */
  bodyLimit?: number;
  /** The package version, for the HAR `creator`. */
  version?: string;
  /** The time an exchange starts, ms since the epoch (default wall time): the cassette's `startedDateTime`. */
  now?: () => number;
}

export interface RunningProxy {
  url: string;
  server: Server;
  report(): ProxyReport;
  /** Resolves once every exchange answered so far has been checked and recorded. */
  idle(): Promise<void>;
  /** Writes the report file now (when `report` was given); its paths. */
  writeReport(): { json: string; md: string } | undefined;
  /** Stops listening; writes the report file. */
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are the connection's, not the message's: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The name/value pairs of a raw header list, without hop-by-hop headers (and those Connection names). */
function endToEnd(raw: string[], replaceHost?: string): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as string).toLowerCase() === 'connection')
      for (const n of (raw[i + 1] as string).split(',')) named.add(n.trim().toLowerCase());
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || named.has(name)) continue;
    out.push(raw[i] as string, name === 'host' && replaceHost ? replaceHost : (raw[i + 1] as string));
  }
  return out;
}

function pairs(raw: string[]): HarHeader[] {
  const out: HarHeader[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push({ name: raw[i] as string, value: raw[i + 1] as string });
  return out;
}

/** Collects a stream's chunks up to `limit` bytes (then stops keeping them: `undefined`). */
class Tee {
  private chunks: Buffer[] = [];
  private size = 0;
  over = false;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    if (this.over) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.over = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }
  bytes(): Uint8Array | undefined {
    return this.over
      ? undefined
      : this.chunks.length === 1
        ? (this.chunks[0] as Buffer)
        : Buffer.concat(this.chunks);
  }
}

/**
 * A body as the application sees it: the side work (validation, the cassette) reads a gzip, deflate or brotli
 * answer decoded, while the client gets the upstream's bytes. `undefined` when it cannot be decoded.
 */
function decoded(bytes: Uint8Array | undefined, encoding: string | undefined): Uint8Array | undefined {
  if (!bytes || !encoding || encoding === 'identity') return bytes;
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(bytes);
    if (encoding === 'deflate') return inflateSync(bytes);
    if (encoding === 'br') return brotliDecompressSync(bytes);
  } catch {
    return undefined;
  }
  return undefined;
}

/** Starts the proxy; resolves once it listens. */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:')
    throw new Error(`--upstream must be an http or https url, not ${options.upstream}`);
  const secure = upstream.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const prefix = upstream.pathname.replace(/\/+$/, '');
  const upstreamLabel = `${upstream.protocol}//${upstream.host}${prefix}`;
  const limit = options.bodyLimit ?? 8 * 1024 * 1024;
  const validator = createExchangeValidator();
  const log = new MismatchLog(upstreamLabel);
  const redactor = new Redactor();
  const faker = options.fakePersonalData ? new PersonalDataFaker(options.fakePersonalData.seed) : undefined;
  const cassette = options.record
    ? new CassetteWriter(options.record, options.version ?? '0.0.0')
    : undefined;
  const journal = new ExchangeJournal();
  const admin = getRequestListener(adminApp(log, journal, options).fetch);

  // Exchanges whose side work is still to run, and who waits for none to be left.
  let pending = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (--pending > 0) return;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };

  const writeNow = () =>
    options.report
      ? writeReport(options.report, log.report(), renderReportMarkdown(log.report()))
      : undefined;

  function afterwards(
    x: Exchange,
    started: number,
    time: number,
    reqHeaders: string[],
    resHeaders: string[],
    statusText: string,
  ) {
    // The side work (validation, recording) after the answer went out; a failure here never reaches the client.
    try {
      // Headers first: the Authorization token is remembered, then scrubbed wherever it is echoed.
      const requestHeaders = pairs(reqHeaders).map((h) => ({
        name: h.name,
        value: redactor.header(h.name, h.value),
      }));
      const found = validator.check(x).map((m) => ({ ...m, sent: redactor.json(m.sent) }));
      const target = redactor.url(x.target);
      log.add(found, { method: x.method, target, status: x.status });
      const operation = validator.operationOf(x.method, x.target)?.id;
      journal.record({
        time: new Date(started).toISOString(),
        method: x.method,
        target,
        status: x.status,
        duration_ms: Math.round(time * 1000) / 1000,
        ...(operation ? { operation } : {}),
        mismatches: found,
      });
      if (cassette)
        cassette.write(
          harEntry(x, {
            started,
            time,
            target,
            requestHeaders,
            resHeaders,
            statusText,
            mismatches: found.length,
          }),
        );
    } catch (err) {
      process.stderr.write(
        `ricloud-mock proxy: could not check ${x.method} ${x.target.split('?')[0]}: ${(err as Error).message}\n`,
      );
    } finally {
      settle();
    }
  }

  function harEntry(
    x: Exchange,
    e: {
      started: number;
      time: number;
      target: string;
      requestHeaders: HarHeader[];
      resHeaders: string[];
      statusText: string;
      mismatches: number;
    },
  ): HarEntry {
    const url = `${upstreamLabel}${e.target}`;
    const query = new URLSearchParams(e.target.includes('?') ? e.target.slice(e.target.indexOf('?')) : '');
    const reqType = e.requestHeaders.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
    const resRaw = pairs(e.resHeaders);
    const resType = resRaw.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
    const op = validator.operationOf(x.method, x.target);
    const entry: HarEntry = {
      startedDateTime: new Date(e.started).toISOString(),
      time: e.time,
      request: {
        method: x.method,
        url,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: e.requestHeaders,
        queryString: [...query].map(([name, value]) => ({ name, value })),
        headersSize: -1,
        bodySize: x.requestBody?.byteLength ?? -1,
      },
      response: {
        status: x.status,
        statusText: e.statusText,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: resRaw.map((h) => ({ name: h.name, value: redactor.header(h.name, h.value) })),
        // HAR's content is the decoded body; the upstream's encoding is kept in its header list.
        content: { size: x.responseBody?.byteLength ?? -1, mimeType: resType },
        redirectURL: '',
        headersSize: -1,
        bodySize: x.responseBody?.byteLength ?? -1,
      },
      cache: {},
      timings: { send: 0, wait: e.time, receive: 0 },
      _ricloud: {
        target: e.target,
        mismatches: e.mismatches,
        fakes: Boolean(faker),
        ...(op ? { operation: op.id } : {}),
      },
    };
    if (x.requestBody === undefined)
      entry.request.postData = {
        mimeType: reqType,
        text: '',
        comment: `not recorded: larger than ${limit} bytes`,
      };
    else if (x.requestBody.byteLength)
      entry.request.postData = { mimeType: reqType, ...bodyText(x.requestBody, redactor, faker) };
    if (x.responseBody === undefined)
      entry.response.content.comment = `not recorded: larger than ${limit} bytes`;
    else if (x.responseBody.byteLength)
      Object.assign(entry.response.content, bodyText(x.responseBody, redactor, faker));
    return entry;
  }

  function forward(req: IncomingMessage, res: ServerResponse) {
    const started = (options.now ?? Date.now)();
    const t0 = performance.now();
    const target = req.url ?? '/';
    const reqHeaders = endToEnd(req.rawHeaders, upstream.host);
    const sent = new Tee(limit);
    const up = request({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port || undefined,
      method: req.method,
      path: `${prefix}${target}`,
      headers: reqHeaders as unknown as Record<string, string>,
      agent,
    });
    up.on('response', (upRes) => {
      pending++;
      // Exactly one of `end` and `error` settles the exchange.
      let settled = false;
      const resHeaders = endToEnd(upRes.rawHeaders);
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, resHeaders);
      const got = new Tee(limit);
      upRes.on('data', (chunk: Buffer) => {
        got.push(chunk);
        res.write(chunk);
      });
      upRes.on('end', () => {
        if (settled) return;
        settled = true;
        res.end();
        const x: Exchange = {
          method: req.method ?? 'GET',
          target,
          requestHeaders: req.headers,
          requestBody: sent.bytes(),
          status: upRes.statusCode ?? 0,
          responseHeaders: upRes.headers,
          responseBody: decoded(got.bytes(), upRes.headers['content-encoding']),
        };
        const time = performance.now() - t0;
        setImmediate(() => afterwards(x, started, time, reqHeaders, resHeaders, upRes.statusMessage ?? ''));
      });
      upRes.on('error', () => {
        res.destroy();
        if (settled) return;
        settled = true;
        settle();
      });
    });
    up.on('error', (err) => {
      log.upstreamErrors++;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = JSON.stringify({
        error: 'upstream-unreachable',
        message: `The proxy could not reach the upstream ${upstreamLabel}: ${(err as NodeJS.ErrnoException).code ?? err.message}.`,
        params: { upstream: upstreamLabel },
      });
      res.writeHead(502, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    req.on('data', (chunk: Buffer) => {
      sent.push(chunk);
      up.write(chunk);
    });
    req.on('end', () => up.end());
    req.on('error', () => up.destroy());
  }

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/_mock/proxy' || path.startsWith('/_mock/proxy/') || path.startsWith('/_mock/proxy?')) {
      void admin(req, res);
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    report: () => log.report(),
    idle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((ok) => waiters.push(ok))),
    writeReport: writeNow,
    async close() {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      agent.destroy();
      writeNow();
    },
  };
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const text = (v: unknown) => escapeHtml(typeof v === 'string' ? v : JSON.stringify(v));

/**
 * /_mock/proxy: the report as JSON, the journal of exchanges, the report as a page (the proxy's console), and
 * "write the report file now".
 */
function adminApp(log: MismatchLog, journal: ExchangeJournal, options: ProxyOptions): Hono {
  const app = new Hono({ strict: false });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toBody(), err.status as 400);
    return c.json({ error: 'internal', message: 'The proxy could not answer.', params: {} }, 500);
  });
  app.get('/_mock/proxy/ui', async (c, next) => {
    if (options.controlToken && safeEqual(c.req.query('token'), options.controlToken)) {
      setCookie(c, CONTROL_COOKIE, options.controlToken, {
        path: '/_mock',
        httpOnly: true,
        sameSite: 'Strict',
      });
      return c.redirect('/_mock/proxy/ui', 303);
    }
    return next();
  });
  app.use('*', controlGuard(options.controlToken));
  app.get('/_mock/proxy/report', (c) => c.json(log.report()));
  app.get('/_mock/proxy/exchanges', (c) => {
    const limit = c.req.query('limit');
    const n = limit === undefined ? undefined : /^\d+$/.test(limit) ? Number(limit) : Number.NaN;
    if (Number.isNaN(n))
      return c.json(
        {
          error: 'invalid-parameters',
          message: 'limit must be a whole number.',
          params: { limit: 'must be a whole number' },
        },
        400,
      );
    const only = c.req.query('only');
    if (only !== undefined && only !== 'mismatches')
      return c.json(
        {
          error: 'invalid-parameters',
          message: 'only takes one value: mismatches.',
          params: { only: 'must be "mismatches"' },
        },
        400,
      );
    return c.json({ data: journal.entries({ mismatchesOnly: only === 'mismatches', limit: n }) });
  });
  app.post('/_mock/proxy/report', (c) => {
    const paths = options.report
      ? writeReport(options.report, log.report(), renderReportMarkdown(log.report()))
      : undefined;
    if (!paths)
      return c.json(
        { error: 'no-report-file', message: 'The proxy was started without --report <file>.', params: {} },
        409,
      );
    return c.json({ written: paths });
  });
  app.get('/_mock/proxy/ui', (c) => {
    const r = log.report();
    const rows = r.mismatches
      .map(
        (m) =>
          `<tr><td>${text(m.operation)}</td><td>${m.direction}</td><td><code>${text(m.pointer || '/')}</code></td><td>${text(m.spec)}</td><td><code>${text(m.sent)}</code></td><td>${m.count}</td><td>${text(`${m.example.method} ${m.example.target} → ${m.example.status}`)}</td></tr>`,
      )
      .join('\n');
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ricloud-mock proxy</title><meta http-equiv="refresh" content="5"></head><body><h1>Spec mismatches</h1><p>Upstream ${text(r.upstream)}: ${r.exchanges} exchanges, ${r.exchangesWithMismatches} with mismatches, ${r.upstreamErrors} upstream errors.</p><table border="1" cellpadding="4"><thead><tr><th>operation</th><th>direction</th><th>pointer</th><th>the spec says</th><th>sent</th><th>seen</th><th>example</th></tr></thead><tbody>${rows}</tbody></table></body></html>`,
      200,
      {
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      },
    );
  });
  app.all('*', (c) =>
    c.json(
      {
        error: 'route-not-found',
        message: `No ${c.req.method} ${new URL(c.req.url).pathname} on the proxy.`,
        params: {},
      },
      404,
    ),
  );
  return app;
}
