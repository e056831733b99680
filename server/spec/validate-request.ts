// The one request validation middleware of both planes (the ricloud API and /_mock): match the request against a
// compiled spec, then parse and validate its path, query and JSON body, and set them on the context. What differs
// between the planes is an option (unmatched requests, body strictness and content types, a hook for
// authentication and one for headers), not a copy.
import type { Context, Env, MiddlewareHandler } from 'hono';
import { ajvErrorsToParams, type CompiledOperation, type CompiledSpec } from './compile.ts';
import type { InputVariables } from './input.ts';

/**
 * The refusals the middleware raises. spec/ sits below the domain, so the planes hand it their error catalogue
 * (server/domain/errors.ts `Errors`): one wording and one shape of every refusal.
 */
export interface RequestErrors {
  routeNotFound(method: string, path: string): Error;
  methodNotAllowed(method: string, path: string, allowed: string[]): Error;
  notFound(resource: string, id: string | number): Error;
  invalidParameters(params: Record<string, string>): Error;
  malformedRequest(message: string, params?: Record<string, unknown>): Error;
  payloadTooLarge(limit: number): Error;
  unsupportedMediaType(contentType: string): Error;
}

/** How a body is read. */
export interface BodyOptions {
  /**
   * `strict` (the ricloud API): UTF-8 only, at most `limit` bytes and MAX_BODY_DEPTH levels, an empty body where
   * one is required is a 400, and `{}` is validated like any body. `lenient` (/_mock, driven by curl and tests):
   * an empty or whitespace-only body and `{}` read as no body (a required one is then named by the schema).
   */
  strictness: 'strict' | 'lenient';
  /**
   * `json`: a declared Content-Type must be JSON (`application/json`, `*+json`); none at all reads as JSON.
   * `any`: the type is not looked at (curl -d sends a form type).
   */
  contentType: 'json' | 'any';
  /** The largest body in bytes, enforced while the body streams in (both strictnesses). */
  limit?: number;
}

export interface ValidateRequestOptions<E extends Env> {
  spec: CompiledSpec;
  errors: RequestErrors;
  /** A request the spec does not describe: `reject` (404 route-not-found / 405), or `pass` it on untouched. */
  unmatched: 'reject' | 'pass';
  body: BodyOptions;
  /** The resource named by the 404 of a path parameter of the wrong shape (it cannot exist). */
  notFoundResource(op: CompiledOperation, pathname: string): string;
  /** Runs once the operation is known, before any input is read (authentication: a 401 before a 400). */
  onMatch?(c: Context<E>, op: CompiledOperation): void;
  /** Runs after the path and query are valid, before the body is read (headers such as Ricloud-Await). */
  beforeBody?(c: Context<E>): void;
}

/**
 * Matches, parses and validates; stores the operation id, path, query and body as the `input` variable, which
 * handlers read through `input(c)` (input.ts), typed from their operation. Anything it rejects changes nothing.
 */
export function validateRequest<E extends Env & { Variables: InputVariables }>(
  options: ValidateRequestOptions<E>,
): MiddlewareHandler<E> {
  const { spec, errors, onMatch, beforeBody } = options;
  const passUnmatched = options.unmatched === 'pass';
  return async (c, next) => {
    const { pathname, search } = requestTarget(c.req.url);
    const match = spec.match(c.req.method, pathname);
    if (match.kind === 'none') {
      if (passUnmatched) return next();
      throw errors.routeNotFound(c.req.method, pathname);
    }
    if (match.kind === 'method-not-allowed')
      throw errors.methodNotAllowed(c.req.method, pathname, match.allowed);
    const { op, params } = match;

    onMatch?.(c, op);

    if (!op.validatePath(params)) {
      // An id of the wrong shape cannot exist: the same 404 as an unknown id.
      const name = op.pathParams[0] ?? 'id';
      throw errors.notFound(options.notFoundResource(op, pathname), params[name] ?? '');
    }

    // A null-prototype object: `?__proto__=x` must be an unknown parameter (a 400), not a prototype swap that
    // validation never sees, and `?constructor=x` must not be skipped as already present.
    const query: Record<string, unknown> = Object.create(null);
    if (search) for (const [k, v] of new URLSearchParams(search)) if (!Object.hasOwn(query, k)) query[k] = v;
    // An empty query is valid for every operation without a required query parameter: skip ajv (most requests).
    if ((search || op.hasRequiredQuery) && !op.validateQuery(query))
      throw errors.invalidParameters(ajvErrorsToParams(op.validateQuery.errors));

    beforeBody?.(c);

    let body: Record<string, unknown> = {};
    if (op.body !== 'none') {
      const parsed = await readJsonBody(errors, options.body, c.req, op.body === 'required');
      body = parsed ?? {};
      if (op.validateBody && (parsed !== undefined || op.body === 'required') && !op.validateBody(body)) {
        throw errors.invalidParameters(ajvErrorsToParams(op.validateBody.errors));
      }
    }

    c.set('input', { operationId: op.id, params, query, body });
    await next();
  };
}

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

/** The parts of Hono's request a body read needs. */
interface BodySource {
  header(name: string): string | undefined;
  raw: Request;
}

/** What a limited read found: the bytes, or that the body passed the limit (the rest was never read). */
type LimitedBody = Uint8Array | 'too-large';

/** One read per request, shared by the journal (which may read first) and the validation middleware. */
const BODIES = new WeakMap<Request, { limit: number; read: Promise<LimitedBody> }>();

/**
 * Reads a request body chunk by chunk and stops as soon as it passes `limit` bytes: a chunked or lying body is
 * never held whole, whatever its size (a declared Content-Length above the limit is refused before any read).
 * Cached per request, so a second reader gets the same answer without reading again.
 */
export function readBodyLimited(raw: Request, limit: number): Promise<LimitedBody> {
  const cached = BODIES.get(raw);
  if (cached && cached.limit <= limit) return cached.read;
  const read = readStream(raw, limit);
  BODIES.set(raw, { limit, read });
  return read;
}

async function readStream(raw: Request, limit: number): Promise<LimitedBody> {
  const length = raw.headers.get('content-length');
  const declared = Number(length ?? '0');
  if (declared > limit) return 'too-large';
  // A declared length at or under the limit bounds the body (Node's parser reads no byte past Content-Length), so
  // it is read whole through the adapter's fast path; only a body of unknown length (chunked) streams in here.
  if (length !== null && !raw.headers.has('transfer-encoding'))
    return new Uint8Array(await raw.arrayBuffer());
  if (!raw.body) return new Uint8Array(0);
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Stop reading: the socket is closed after the 413 (Connection: close), so the rest is never buffered.
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** One strict decoder for every body (decode() without `stream` keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** The lenient plane's decoder: invalid bytes become U+FFFD, as `Request.text()` does. */
const UTF8_REPLACING = new TextDecoder('utf-8');

/** Reads a JSON object body; `undefined` when there is none. */
async function readJsonBody(
  errors: RequestErrors,
  options: BodyOptions,
  req: BodySource,
  required: boolean,
): Promise<Record<string, unknown> | undefined> {
  const strict = options.strictness === 'strict';
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const buf = await readBodyLimited(req.raw, limit);
  if (buf === 'too-large') throw errors.payloadTooLarge(limit);
  if (buf.byteLength === 0) {
    if (required && strict)
      throw errors.malformedRequest('The request body is empty: this operation takes a JSON object.');
    return undefined;
  }
  if (options.contentType === 'json') {
    const contentType = (req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    // No Content-Type at all is read as JSON, as the real API does: the official client sends every body that way
    // (ricloud-py 3.2.0, ricloud/requests.py: `post()` passes `data=encode_json(data)`, a str, to requests, and
    // `set_headers()` adds only User-Agent, Authorization and Ricloud-Await). A declared non-JSON type stays a 415.
    if (contentType !== '' && contentType !== 'application/json' && !contentType.endsWith('+json')) {
      throw errors.unsupportedMediaType(contentType);
    }
  }
  let text: string;
  if (strict) {
    try {
      text = UTF8.decode(buf);
    } catch {
      throw errors.malformedRequest('The body is not valid UTF-8.');
    }
  } else {
    text = UTF8_REPLACING.decode(buf);
    if (!text.trim()) return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const { message, params } = describeJsonError(text, err);
    throw errors.malformedRequest(message, params);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.malformedRequest('The body must be a JSON object.');
  }
  if (!strict) return Object.keys(value).length > 0 ? (value as Record<string, unknown>) : undefined;
  // DIVERGENCE(requests.body-depth): bodies nested deeper than MAX_BODY_DEPTH are refused; free-form fields (storage credentials)
  // are cloned and serialised recursively later, and 5,000 levels overflowed the stack (a 500).
  if (exceedsDepth(value, MAX_BODY_DEPTH)) {
    throw errors.malformedRequest(`The body nests deeper than ${MAX_BODY_DEPTH} levels.`, {
      max_depth: MAX_BODY_DEPTH,
    });
  }
  return value as Record<string, unknown>;
}

/** The deepest nesting of objects and arrays a request body may have (strict bodies). */
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
