// A web page in the developer's browser must not drive or read the mock: foreign Host headers (DNS rebinding) and
// requests from pages of another site are refused on a real socket, in the error shape, and change nothing.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, type StartOptions, startMockServer } from '../../server/start.ts';

interface Raw {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field in assertions.
  body: any;
  text: string;
}

/** One request on a real socket with exactly the headers given (fetch would not let a test forge Host). */
function raw(
  server: MockServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Raw> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const servers: MockServer[] = [];
async function start(options: StartOptions = {}): Promise<MockServer> {
  const server = await startMockServer({ seed: 'security', ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const FAULT = JSON.stringify({ kind: 'error', status: 503, path: '/*' });
const TENANT = JSON.stringify({ name: 'Evil', token: 'attacker-chosen-token' });

describe('DNS rebinding: the Host header', () => {
  it('refuses GET /_mock/state with a foreign Host, and reveals no token', async () => {
    const server = await start();
    const port = new URL(server.url).port;
    const res = await raw(server, 'GET', '/_mock/state', { Host: `rebind.attacker.example:${port}` });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'permission-denied',
      message: expect.stringContaining('--allowed-host'),
      params: { host: `rebind.attacker.example:${port}` },
    });
    expect(res.text).not.toContain(server.token);
  });

  it.each(['localhost', 'app.localhost', '127.0.0.1', '[::1]', '10.1.2.3'])(
    'answers GET /_mock/state with Host %s (loopback names and IP literals cannot be rebound)',
    async (host) => {
      const server = await start();
      const res = await raw(server, 'GET', '/_mock/state', { Host: `${host}:${new URL(server.url).port}` });
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(1);
    },
  );

  it('refuses the ricloud API with a foreign Host too, but answers the readiness probe', async () => {
    const server = await start();
    const api = await raw(server, 'GET', '/organisation', {
      Host: 'rebind.attacker.example',
      Authorization: `Token ${server.token}`,
    });
    expect(api.status).toBe(403);
    expect(api.body.error).toBe('permission-denied');
    const health = await raw(server, 'GET', '/_mock/health', { Host: 'ricloud-mock:8787' });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('answers the names allowed by allowedHosts and the public url, and no others', async () => {
    const server = await start({
      allowedHosts: ['ricloud-mock', '.ci.internal'],
      publicUrl: 'http://mock.test:9',
    });
    for (const host of ['ricloud-mock:8787', 'runner-1.ci.internal', 'ci.internal', 'mock.test:9']) {
      expect((await raw(server, 'GET', '/_mock/clock', { Host: host })).status, host).toBe(200);
    }
    for (const host of ['ricloud-mock.attacker.example', 'evilci.internal', 'mock.test.attacker.example']) {
      expect((await raw(server, 'GET', '/_mock/clock', { Host: host })).status, host).toBe(403);
    }
  });

  it('answers any Host with allowedHosts: true', async () => {
    const server = await start({ allowedHosts: true });
    expect((await raw(server, 'GET', '/_mock/clock', { Host: 'anything.example' })).status).toBe(200);
  });
});

describe('cross-site requests to /_mock', () => {
  it('refuses a fault from a page of another origin, and adds none', async () => {
    const server = await start();
    const res = await raw(
      server,
      'POST',
      '/_mock/faults',
      { Origin: 'http://attacker.example', 'Content-Type': 'application/json' },
      FAULT,
    );
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'permission-denied',
      message: expect.stringContaining('another site'),
      params: { origin: 'http://attacker.example' },
    });
    expect((await raw(server, 'GET', '/_mock/faults')).body.data).toEqual([]);
  });

  it('refuses a text/plain "simple" POST (no preflight) even without Origin, and creates no tenant', async () => {
    const server = await start();
    const before = (await raw(server, 'GET', '/_mock/organisations')).body.data.length;
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await raw(server, 'POST', '/_mock/organisations', { 'Content-Type': type }, TENANT);
      expect(res.status, type).toBe(415);
      expect(res.body.error).toBe('unsupported-media-type');
    }
    // An untyped body (a Blob with no type) is a simple request too.
    const untyped = await raw(server, 'POST', '/_mock/organisations', {}, TENANT);
    expect(untyped.status).toBe(415);
    expect((await raw(server, 'GET', '/_mock/organisations')).body.data).toHaveLength(before);
    const preset = await raw(server, 'GET', '/organisation', {
      Authorization: 'Token attacker-chosen-token',
    });
    expect(preset.status).toBe(401);
  });

  it.each([
    ['cross-site', 'cors'],
    ['same-site', 'no-cors'],
  ])('refuses Sec-Fetch-Site: %s (mode %s) on state and secrets', async (site, mode) => {
    const server = await start();
    const headers = { 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': mode };
    expect((await raw(server, 'GET', '/_mock/state', headers)).status).toBe(403);
    const post = await raw(
      server,
      'POST',
      '/_mock/organisations',
      { ...headers, 'Content-Type': 'application/json' },
      TENANT,
    );
    expect(post.status).toBe(403);
    expect((await raw(server, 'GET', '/_mock/organisations')).body.data).toHaveLength(1);
  });

  it('refuses Origin: null (a sandboxed frame or a file:// page)', async () => {
    const server = await start();
    const res = await raw(
      server,
      'POST',
      '/_mock/reset',
      { Origin: 'null', 'Content-Type': 'application/json' },
      '{}',
    );
    expect(res.status).toBe(403);
  });

  it("answers the console's own same-origin requests and a navigation from another site's link", async () => {
    const server = await start();
    const origin = server.url;
    const created = await raw(
      server,
      'POST',
      '/_mock/organisations',
      { Origin: origin, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' },
      JSON.stringify({ name: 'Console tenant' }),
    );
    expect(created.status).toBe(201);
    const page = await raw(server, 'GET', '/_mock/ui', {
      'Sec-Fetch-Site': 'cross-site',
      'Sec-Fetch-Mode': 'navigate',
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('ricloud-mock console');
  });

  it('keeps non-browser clients working: no Origin, JSON bodies, bodiless POSTs', async () => {
    const server = await start();
    const fault = await raw(server, 'POST', '/_mock/faults', { 'Content-Type': 'application/json' }, FAULT);
    expect(fault.status).toBe(201);
    const reset = await raw(server, 'POST', '/_mock/reset');
    expect(reset.status).toBe(200);
  });
});
