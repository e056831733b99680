// Test client over app.request(): every ricloud response it receives is checked against the spec.
import { createMock, type Mock, type MockOptions } from '../../server/app.ts';
import { assertMatchesSpec, validateAgainstSchema } from './spec.ts';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** A raw body string (sent as is). */
  raw?: string;
  /** Token to send (default: the preset key's); null sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestMock {
  mock: Mock;
  /** Calls the mock in-process; validates ricloud responses against the spec. */
  api<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** Shorthands. */
  get<T = any>(path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<T>>;
  del<T = any>(path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** Moves the manual clock forward, running everything due. */
  advance(seconds: number): Promise<void>;
}

/**
 * Builds a fresh mock (manual clock) and a client for it. Each test builds its own, so order never matters.
 * @example const t = testMock(); const res = await t.get('/organisation'); expect(res.status).toBe(200);
 */
export function testMock(options: MockOptions = {}): TestMock {
  const mock = createMock({ seed: 'test-seed', ...options });
  const api = async (method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? mock.token : o.token;
    if (token !== null) headers.Authorization ??= `Token ${token}`;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['Content-Type'] ??= 'application/json';
    const res = await mock.app.request(path, { method, headers, body });
    // A server-sent-events stream (GET /_mock/changes) never ends: keep its status and headers, drop its body.
    const streaming = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    if (streaming) await res.body?.cancel();
    const text = streaming ? '' : await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const url = new URL(path, 'http://mock');
    if (!url.pathname.startsWith('/_')) {
      const match = mock.ctx.spec.match(method, url.pathname);
      if (match.kind === 'operation') assertMatchesSpec(match.op.id, res.status, parsed);
      else validateAgainstSchema('Error', parsed);
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  return {
    mock,
    api,
    get: (path, o) => api('GET', path, o),
    post: (path, body, o) => api('POST', path, { ...o, body }),
    del: (path, o) => api('DELETE', path, o),
    advance: async (seconds) => {
      await mock.advance(seconds);
    },
  };
}
