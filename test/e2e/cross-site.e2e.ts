// A page of another site, open in a real Chromium, tries what the attacker did: add a fault that answers 503
// to every API call and create a tenant with a token it chose. The mock refuses every attempt and changes nothing,
// while its own console (same origin) keeps working.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, type Served, serveMock } from './harness.ts';

let b: Browser;
let s: Served;
let attacker: Server;
let attackerUrl = '';

beforeAll(async () => {
  b = await launchBrowser();
  // Another site: `localhost` is not the mock's 127.0.0.1, so the browser calls the mock cross-site.
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>another site</title><p>Nothing to see here.</p>');
  });
  await new Promise<void>((ok) => attacker.listen(0, '127.0.0.1', ok));
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await b?.close();
  await new Promise<void>((ok) => attacker.close(() => ok()));
});
beforeEach(async () => {
  s = await serveMock();
  b.errors.length = 0;
});
afterEach(async () => {
  await b.page.goto('about:blank');
  await s.close();
});

const FAULT = { kind: 'error', status: 503, path: '/*' };
const TENANT = { name: 'Evil', token: 'attacker-chosen-token' };

describe('a page of another site', () => {
  it('cannot add a fault or create a tenant with fetch (simple requests, no preflight)', async () => {
    await b.page.goto(attackerUrl);
    await b.page.evaluate(
      async ({ mock, fault, tenant }) => {
        const send = (path: string, init: RequestInit) =>
          fetch(`${mock}${path}`, { method: 'POST', mode: 'no-cors', ...init }).catch(() => undefined);
        await send('/_mock/faults', {
          headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify(fault),
        });
        await send('/_mock/organisations', { body: new Blob([JSON.stringify(tenant)]) });
        await send('/_mock/organisations', {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: JSON.stringify(tenant),
        });
        // A JSON request needs a preflight, which the mock never grants.
        await fetch(`${mock}/_mock/faults`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(fault),
        }).catch(() => undefined);
      },
      { mock: s.url, fault: FAULT, tenant: TENANT },
    );
    expect((await s.control('GET', '/faults')).body.data).toEqual([]);
    expect((await s.control('GET', '/organisations')).body.data).toHaveLength(1);
    expect((await s.api('GET', '/organisation')).status).toBe(200);
    const evil = await fetch(`${s.url}/organisation`, {
      headers: { Authorization: 'Token attacker-chosen-token' },
    });
    expect(evil.status).toBe(401);
  });

  it('cannot add a fault with a form it submits (a top-level navigation)', async () => {
    await b.page.goto(attackerUrl);
    const answer = b.page.waitForResponse((res) => res.url() === `${s.url}/_mock/faults`);
    await b.page.evaluate(
      ({ mock, fault }) => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = `${mock}/_mock/faults`;
        form.enctype = 'text/plain';
        const field = document.createElement('input');
        field.name = JSON.stringify(fault).slice(0, -1);
        field.value = '}';
        form.append(field);
        document.body.append(form);
        form.submit();
      },
      { mock: s.url, fault: FAULT },
    );
    expect((await answer).status()).toBe(403);
    // The form's navigation finishes loading the refusal, so no navigation is still pending when the next one starts.
    await b.page.waitForURL(`${s.url}/_mock/faults`, { waitUntil: 'load' });
    expect((await s.control('GET', '/faults')).body.data).toEqual([]);
  });

  it('cannot read the state through the browser (no token reaches the page)', async () => {
    await b.page.goto(attackerUrl);
    const read = await b.page.evaluate(async (mock) => {
      try {
        const res = await fetch(`${mock}/_mock/state`);
        return await res.text();
      } catch (err) {
        return `refused: ${String(err)}`;
      }
    }, s.url);
    expect(read).not.toContain(s.mock.token);
  });

  it('leaves the console working on its own origin: a request of its page adds a fault', async () => {
    await b.page.goto(`${s.url}/_mock/ui#/`);
    await b.page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    const added = await b.page.evaluate(async () => {
      const res = await fetch('/_mock/faults', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ kind: 'latency', latency: { distribution: 'fixed', ms: 1 }, path: '/users' }),
      });
      return res.status;
    });
    expect(added).toBe(201);
    expect((await s.control('GET', '/faults')).body.data).toHaveLength(1);
    expect(b.errors).toEqual([]);
  });
});
