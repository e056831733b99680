// Browser-test harness: the mock on a real loopback socket, Debian's Chromium through playwright-core, axe.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AxeResults } from 'axe-core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createMock, type Mock, type MockOptions } from '../../server/app.ts';

export const CHROMIUM = '/usr/bin/chromium';

export interface Served {
  mock: Mock;
  url: string;
  /** A ricloud request with the preset key's token. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A control API request (what a test scripts; the console must do the same through its buttons). */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Starts a mock (manual clock, journal bodies on) on 127.0.0.1 with an ephemeral port. */
export async function serveMock(options: MockOptions = {}): Promise<Served> {
  const mock = createMock({
    seed: 'console-e2e',
    ...options,
    control: { journal: { bodies: true }, ...options.control },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: mock.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mock.ctx.options.publicUrl = url;
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const token = options.control?.token;
  return {
    mock,
    url,
    api: (method, path, body) => call(method, path, body, { Authorization: `Token ${mock.token}` }),
    control: (method, path, body) =>
      call(method, `/_mock${path}`, body, token ? { Authorization: `Bearer ${token}` } : {}),
    close: async () => {
      mock.close();
      // The console's change stream is a connection that never ends by itself.
      (server as Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Errors the page logged or threw (a test asserts there are none). */
  errors: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, no network side traffic, a fresh profile that is deleted afterwards. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ricloud-mock-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // A list that refreshes while its record is being deleted (a tenant reset) may meet one 404: the browser
    // logs that load, and the next change refreshes the page. Anything else the page logs is an error.
    if (
      m.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 404/.test(m.text())
    )
      errors.push(m.text());
  });
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * axe-core's browser bundle, evaluated in the page through the DevTools protocol as @axe-core/playwright did (the
 * console's CSP would refuse it as an injected script tag).
 */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate('axe.run(document)')) as AxeResults;
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Screenshots are committed (docs/console-*.png) and rewritten only with UPDATE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join('docs', `console-${name}.png`), fullPage: true });
}

/** Clicks a steering control and waits for the status line to report its outcome; fails on a reported error. */
export async function act(
  page: Page,
  target: ReturnType<Page['locator']>,
  how: (target: ReturnType<Page['locator']>) => Promise<void> = (t) => t.click(),
): Promise<string> {
  const status = page.getByTestId('status');
  const before = Number(await status.getAttribute('data-seq'));
  await how(target);
  await page.locator(`[data-testid="status"][data-seq="${before + 1}"]`).waitFor();
  const text = await status.innerText();
  if (await status.evaluate((el) => el.classList.contains('bad')))
    throw new Error(`the console reported: ${text}`);
  return text;
}
