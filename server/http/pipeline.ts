// The ricloud request pipeline, read top to bottom: route → auth → body → validate input → handler.
import type { MiddlewareHandler } from 'hono';
import type { MockContext, RicloudEnv } from '../domain/context.ts';
import { Errors } from '../domain/errors.ts';
import { ajvErrorsToParams } from '../spec/compile.ts';
import { authenticate } from './auth.ts';

/** The longest Ricloud-Await the API honours, seconds (reference §1.4). */
export const MAX_AWAIT_SECONDS = 10;

/** Describes where a JSON parse failed, in words a user pasting the docs' curl examples understands. */
export function describeJsonError(
  text: string,
  err: unknown,
): { message: string; params: Record<string, unknown> } {
  const raw = err instanceof Error ? err.message : String(err);
  const posMatch = /position (\d+)/.exec(raw);
  let pos = posMatch ? Number(posMatch[1]) : text.length;
  if (/Unexpected end of JSON input/.test(raw)) pos = text.length;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  let i = pos - 1;
  while (i >= 0 && /\s/.test(text[i] ?? '')) i--;
  const next = text[pos];
  let hint: string;
  if (text.trim() === '') hint = 'the body is empty';
  else if (text[i] === ',' && (next === '}' || next === ']'))
    hint = 'a trailing comma before a closing bracket';
  else if (text[i] === '"' && next === '"') hint = 'a missing comma between two fields';
  else if (pos >= text.length) hint = 'the body ends before the JSON is complete';
  else hint = `unexpected ${JSON.stringify(next)}`;
  return {
    message: `The body is not valid JSON: ${hint} at line ${line}, column ${column} (${raw}).`,
    params: { line, column, position: pos },
  };
}

/** The parts of Hono's request a body read needs (its `arrayBuffer()` is cached: the journal may read it first). */
interface BodySource {
  header(name: string): string | undefined;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** One strict decoder for every body (decode() without `stream` keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

async function readJsonBody(
  ctx: MockContext,
  req: BodySource,
  required: boolean,
): Promise<Record<string, unknown> | undefined> {
  const declared = Number(req.header('content-length') ?? '0');
  if (declared > ctx.options.bodyLimit) throw Errors.payloadTooLarge(ctx.options.bodyLimit);
  const buf = new Uint8Array(await req.arrayBuffer());
  if (buf.byteLength > ctx.options.bodyLimit) throw Errors.payloadTooLarge(ctx.options.bodyLimit);
  if (buf.byteLength === 0) {
    if (required)
      throw Errors.malformedRequest('The request body is empty: this operation takes a JSON object.');
    return undefined;
  }
  const contentType = (req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  // No Content-Type at all is read as JSON, as the real API does: the official client sends every body that way
  // (ricloud-py 3.2.0, ricloud/requests.py: `post()` passes `data=encode_json(data)`, a str, to requests, and
  // `set_headers()` adds only User-Agent, Authorization and Ricloud-Await). A declared non-JSON type stays a 415.
  if (contentType !== '' && contentType !== 'application/json' && !contentType.endsWith('+json')) {
    throw Errors.unsupportedMediaType(contentType);
  }
  let text: string;
  try {
    text = UTF8.decode(buf);
  } catch {
    throw Errors.malformedRequest('The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const { message, params } = describeJsonError(text, err);
    throw Errors.malformedRequest(message, params);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw Errors.malformedRequest('The body must be a JSON object.');
  }
  // DIVERGENCE: bodies nested deeper than MAX_BODY_DEPTH are refused; free-form fields (storage credentials)
  // are cloned and serialised recursively later, and 5,000 levels overflowed the stack (a 500).
  if (exceedsDepth(value, MAX_BODY_DEPTH)) {
    throw Errors.malformedRequest(`The body nests deeper than ${MAX_BODY_DEPTH} levels.`, {
      max_depth: MAX_BODY_DEPTH,
    });
  }
  return value as Record<string, unknown>;
}

/** The deepest nesting of objects and arrays a request body may have. */
export const MAX_BODY_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (iterative: a deep value must not overflow the stack). */
function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > max) return true;
    if (v && typeof v === 'object')
      for (const child of Object.values(v))
        if (child && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses `Ricloud-Await`: seconds, clamped to 10. Absent is 0; anything the spec's pattern `^[0-9]+(\.[0-9]+)?$`
 * rejects — an empty header included — is a 400 (HTTP strips the whitespace around a header value).
 */
export function parseAwait(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value.trim());
  if (!Number.isFinite(n) || n < 0 || !/^\s*\d+(\.\d+)?\s*$/.test(value)) {
    throw Errors.invalidParameters({ 'Ricloud-Await': 'must be a number of seconds (0 to 10)' });
  }
  return Math.min(n, MAX_AWAIT_SECONDS);
}

/**
 * The path and query of a request's url, as `new URL(url)` would give them, without parsing the whole url again
 * (twice per request, hooks and pipeline): `Request.url` is already serialised by the URL parser, so slicing it at
 * the first `/` after the authority and at `?`/`#` gives the same `pathname` and `search`.
 */
export function requestTarget(url: string): { pathname: string; search: string } {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return { pathname: '/', search: '' };
  const hash = url.indexOf('#', start);
  const end = hash < 0 ? url.length : hash;
  const q = url.indexOf('?', start);
  if (q < 0 || q > end) return { pathname: url.slice(start, end), search: '' };
  return { pathname: url.slice(start, q), search: url.slice(q, end) };
}

/**
 * Matches the request against the spec, authenticates it, parses and validates its input, and sets the results
 * on the context. Anything it rejects changes nothing.
 */
export function ricloudPipeline(ctx: MockContext): MiddlewareHandler<RicloudEnv> {
  return async (c, next) => {
    const { pathname, search } = requestTarget(c.req.url);
    const match = ctx.spec.match(c.req.method, pathname);
    if (match.kind === 'none') throw Errors.routeNotFound(c.req.method, pathname);
    if (match.kind === 'method-not-allowed')
      throw Errors.methodNotAllowed(c.req.method, pathname, match.allowed);
    const { op, params } = match;

    const { org, key } = authenticate(ctx, c.req.header('authorization'));

    if (!op.validatePath(params)) {
      // An id of the wrong shape cannot exist: the same 404 as an unknown id.
      const name = op.pathParams[0] ?? 'id';
      throw Errors.notFound(resourceOfPath(op.path), params[name] ?? '');
    }

    // A null-prototype object: `?__proto__=x` must be an unknown parameter, `?constructor=x` must not be skipped.
    const query: Record<string, unknown> = Object.create(null);
    if (search) for (const [k, v] of new URLSearchParams(search)) if (!Object.hasOwn(query, k)) query[k] = v;
    // An empty query is valid for every operation without a required query parameter: skip ajv (most requests).
    if ((search || op.hasRequiredQuery) && !op.validateQuery(query))
      throw Errors.invalidParameters(ajvErrorsToParams(op.validateQuery.errors));

    const awaitSeconds = parseAwait(c.req.header('ricloud-await'));

    let body: Record<string, unknown> = {};
    if (op.body !== 'none') {
      const parsed = await readJsonBody(ctx, c.req, op.body === 'required');
      body = parsed ?? {};
      if (op.validateBody && (parsed !== undefined || op.body === 'required') && !op.validateBody(body)) {
        throw Errors.invalidParameters(ajvErrorsToParams(op.validateBody.errors));
      }
    }

    c.set('mock', ctx);
    c.set('org', org);
    c.set('key', key);
    c.set('operationId', op.id);
    c.set('params', params);
    c.set('query', query);
    c.set('body', body);
    c.set('awaitSeconds', awaitSeconds);
    await next();
  };
}

const RESOURCE_BY_SEGMENT: Record<string, string> = {
  keys: 'key',
  users: 'user',
  sources: 'source',
  sessions: 'session',
  polls: 'poll',
  subscriptions: 'subscription',
  tasks: 'task',
  results: 'result',
  events: 'event',
  permissions: 'permissions',
  storage: 'storage_config',
  webhook: 'webhook_config',
};

/** The resource name of a path template, for not-found messages (`/configs/storage/{id}` → storage_config). */
export function resourceOfPath(path: string): string {
  const segments = path.split('/').filter((s) => s && !s.startsWith('{'));
  const seg = segments[0] === 'configs' ? segments[1] : segments[0];
  return RESOURCE_BY_SEGMENT[seg ?? ''] ?? seg ?? 'resource';
}
