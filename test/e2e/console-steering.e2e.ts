// Every steering action of the console, each clicked in real Chromium and checked through the HTTP APIs.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { type FileReference, fileReferencesIn } from '../../fixtures/index.ts';
import { startReceiver } from '../helpers/receiver.ts';
import {
  act,
  type Browser,
  launchBrowser,
  type Served,
  screenshot,
  seriousViolations,
  serveMock,
} from './harness.ts';

let b: Browser;
let s: Served;
beforeAll(async () => {
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
});
beforeEach(async () => {
  s = await serveMock();
  b.errors.length = 0;
});
afterEach(async () => {
  // Leave the page first so that its change stream closes before the server does.
  await b.page.goto('about:blank');
  await s.close();
  expect(b.errors).toEqual([]);
});

const ORG = 1;

async function open(hash: string) {
  await b.page.goto(`${s.url}/_mock/ui#${hash}`);
  await b.page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
}

async function clockMs(): Promise<number> {
  return Date.parse((await s.control('GET', '/clock')).body.now);
}

async function activeSession(identifier = 'jane+no2fa@example.com') {
  const user = await s.api('POST', '/users', { identifier: `u-${identifier}` });
  const session = await s.api('POST', '/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier },
    payload: { password: 'pw', code: '123456' },
  });
  return session.body as { id: string };
}

describe('console steering', () => {
  it('advances the clock by +1 min, +1 h, a custom number of seconds, and until idle', async () => {
    const { page } = b;
    await open('/');
    const t0 = await clockMs();
    await act(page, page.getByRole('button', { name: '+1 min' }));
    expect(await clockMs()).toBe(t0 + 60_000);
    await act(page, page.getByRole('button', { name: '+1 h' }));
    expect(await clockMs()).toBe(t0 + 3_660_000);
    await page.getByLabel('Seconds').fill('90');
    await act(page, page.getByRole('button', { name: 'Advance', exact: true }));
    expect(await clockMs()).toBe(t0 + 3_750_000);
    // The header follows the clock live.
    await page.getByTestId('now').filter({ hasText: '01:02:30' }).waitFor();

    // A session's init job shows in the queue with its kind and due time; "until idle" runs it.
    const session = await activeSession();
    const row = page.locator('table[aria-label="Due jobs"] tr', { hasText: 'session.init' });
    await row.waitFor();
    expect(Date.parse((await row.locator('time').getAttribute('datetime')) ?? '')).toBe(t0 + 3_752_000);
    await act(page, page.getByRole('button', { name: 'Until idle' }));
    expect(await clockMs()).toBe(t0 + 3_752_000);
    expect((await s.api('GET', `/sessions/${session.id}`)).body.state).toBe('active');
    await row.waitFor({ state: 'detached' });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("shows each tenant's clock (now, mode, pending jobs) and advances one tenant alone", async () => {
    const { page } = b;
    const tenant = (await s.control('POST', '/organisations', { name: 'clocked tenant' })).body;
    const id = tenant.organisation.id as number;
    await fetch(`${s.url}/users`, {
      method: 'POST',
      headers: { Authorization: `Token ${tenant.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier: 'clocked-user' }),
    });
    const user = (await s.control('GET', `/organisations/${id}/records/users`)).body.data[0];
    await fetch(`${s.url}/sessions`, {
      method: 'POST',
      headers: { Authorization: `Token ${tenant.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        source: { user: user.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
        payload: { password: 'pw' },
      }),
    });
    await open('/');
    const row = page.getByTestId(`tenant-clock-${id}`);
    await row.getByText('manual').waitFor();
    await page.getByTestId(`tenant-clock-pending-${id}`).filter({ hasText: '1' }).waitFor();
    const t0 = await clockMs();
    await act(page, page.getByRole('button', { name: `Advance organisation ${id} by 1 min` }));
    const own = (await s.control('GET', `/clock?organisation=${id}`)).body;
    expect(Date.parse(own.now)).toBe(t0 + 60_000);
    expect(own.pending_jobs).toBe(1); // the session's idle check: the init ran
    expect(await clockMs()).toBe(t0);
    await page.getByTestId(`tenant-clock-now-${id}`).filter({ hasText: '00:01:00' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('resets one tenant, then everything', async () => {
    const { page } = b;
    const tenant = (await s.control('POST', '/organisations', { name: 'second tenant' })).body;
    const id = tenant.organisation.id as number;
    await fetch(`${s.url}/users`, {
      method: 'POST',
      headers: { Authorization: `Token ${tenant.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier: 'tenant-user' }),
    });
    await s.api('POST', '/users', { identifier: 'org-one-user' });
    await open('/');
    await page.getByTestId(`counts-${id}`).getByText('users').waitFor();

    await act(page, page.getByRole('button', { name: `Reset organisation ${id}` }));
    await page.getByTestId(`counts-${id}`).getByText('users').waitFor({ state: 'detached' });
    expect((await s.control('GET', `/organisations/${id}/records`)).body.counts.users).toBe(0);
    expect((await s.control('GET', `/organisations/${ORG}/records`)).body.counts.users).toBe(1);

    await act(page, page.getByRole('button', { name: 'Reset everything' }));
    await page.getByRole('button', { name: `Reset organisation ${id}` }).waitFor({ state: 'detached' });
    expect((await s.control('GET', '/organisations')).body.data).toHaveLength(1);
    expect((await s.control('GET', `/organisations/${ORG}/records`)).body.counts.users).toBe(0);
  });

  it('forces the next session outcome, expires a session, and lists sessions with filters', async () => {
    const { page } = b;
    await open(`/org/${ORG}`);
    await page.getByLabel('Source identifier').fill('forced@example.com');
    await page.getByLabel('Outcome', { exact: true }).selectOption('failed:account-locked');
    await act(page, page.getByRole('button', { name: 'Force next session outcome' }));
    const forced = await activeSession('forced@example.com');
    const fine = await activeSession();
    await act(page, page.getByRole('button', { name: '+1 min' }));
    expect((await s.api('GET', `/sessions/${forced.id}`)).body).toMatchObject({
      state: 'failed',
      error: 'account-locked',
    });

    // The list: both sessions, then only the failed one.
    const rows = page.locator('table[aria-label="sessions"] tbody tr');
    await rows.nth(1).waitFor();
    await page.getByLabel('State', { exact: true }).fill('failed');
    await rows.nth(1).waitFor({ state: 'detached' });
    expect(await rows.first().textContent()).toContain(forced.id);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'organisation');

    await open(`/org/${ORG}/sessions/${fine.id}`);
    await page.locator('h1 .badge', { hasText: 'active' }).waitFor();
    await act(page, page.getByRole('button', { name: 'Expire session' }));
    await page.locator('h1 .badge', { hasText: 'expired' }).waitFor();
    await page.locator('svg[data-machine="session"] [data-current="true"][data-state="expired"]').waitFor();
    await page.locator('.history li', { hasText: 'expired' }).waitFor();
    expect((await s.api('GET', `/sessions/${fine.id}`)).body).toMatchObject({
      state: 'expired',
      error: 'admin',
    });
  });

  it('forces a task failure', async () => {
    const { page } = b;
    const session = await activeSession();
    await s.control('POST', '/clock/advance', { seconds: 2 });
    await open(`/org/${ORG}`);
    await page.getByLabel('Task type', { exact: true }).fill('ios_messages.messages');
    await page.getByLabel('Error', { exact: true }).fill('service-unavailable');
    await act(page, page.getByRole('button', { name: 'Force task failure' }));
    const poll = await s.api('POST', '/polls', {
      session: session.id,
      payload: { data_types: ['ios_messages.messages'] },
    });
    await open(`/org/${ORG}/polls/${poll.body.id}`);
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor();
    const task = page.locator('tr', { hasText: 'ios_messages.messages' });
    await task.locator('.badge', { hasText: 'failed' }).waitFor();
    expect(await task.textContent()).toContain('service-unavailable');
    expect((await s.api('GET', `/polls/${poll.body.id}`)).body.tasks_failed).toHaveLength(1);
  });

  it('allows a pending Relay subscription', async () => {
    const { page } = b;
    const user = await s.api('POST', '/users', { identifier: 'relay-user' });
    const session = await s.api('POST', '/sessions', {
      source: { user: user.body.id, type: 'rirelay.instance' },
      payload: { code: 'SUB-1' },
    });
    await s.control('POST', '/clock/advance', { seconds: 2 });
    const children = await s.api('GET', `/sources/${session.body.source.id}/children`);
    // Subscriptions need a valid webhook config: a real receiver that answers 200.
    const receiver = await startReceiver(() => 200);
    onTestFinished(() => receiver.close());
    await s.api('POST', '/configs/webhook', { url: receiver.url });
    await s.control('POST', '/clock/advance', { seconds: 1 });
    const sub = await s.api('POST', '/subscriptions', {
      session: session.body.id,
      source: children.body.data[0].id,
      poll_payload: { data_types: ['ios_messages.messages'] },
      interval: 3600,
    });
    expect(sub.body.state).toBe('pending');
    // The Relay instance lists its devices as children.
    await open(`/org/${ORG}/sources`);
    const instance = page.locator('tr', { hasText: session.body.source.id });
    await instance.getByText(new RegExp(`^${children.body.total_count} \\(`)).waitFor();
    await open(`/org/${ORG}/subscriptions`);
    await act(page, page.getByRole('button', { name: `Allow subscription ${sub.body.id}` }));
    await page.locator('tr', { hasText: sub.body.id }).locator('.badge', { hasText: 'active' }).waitFor();
    expect((await s.api('GET', `/subscriptions/${sub.body.id}`)).body.state).toBe('active');
  });

  it('adds faults, removes one and clears the rest', async () => {
    const { page } = b;
    await open('/');
    await page.getByLabel('Path', { exact: true }).fill('/users');
    await page.getByLabel('Method').selectOption('POST');
    await page.getByLabel('Status').fill('500');
    await page.getByLabel('Count', { exact: true }).fill('');
    await act(page, page.getByRole('button', { name: 'Add fault' }));
    await page.getByLabel('Path', { exact: true }).fill('/sessions');
    await page.getByLabel('Count', { exact: true }).fill('2');
    await act(page, page.getByRole('button', { name: 'Add fault' }));
    await page.getByTestId('fault').nth(1).waitFor();
    const faults = (await s.control('GET', '/faults')).body.data as { id: string; path: string }[];
    expect(faults.map((f) => f.path).sort()).toEqual(['/sessions', '/users']);
    expect((await s.api('POST', '/users', { identifier: 'x' })).status).toBe(500);

    const users = faults.find((f) => f.path === '/users')!;
    await act(page, page.getByRole('button', { name: `Remove fault ${users.id}` }));
    await page.getByTestId('fault').nth(1).waitFor({ state: 'detached' });
    expect((await s.api('POST', '/users', { identifier: 'x' })).status).toBe(201);

    await act(page, page.getByRole('button', { name: 'Clear faults' }));
    await page.getByTestId('fault').first().waitFor({ state: 'detached' });
    expect((await s.control('GET', '/faults')).body.data).toEqual([]);
  });

  it('loads a named scenario', async () => {
    const { page } = b;
    await open('/');
    await page.getByLabel('Scenario', { exact: true }).selectOption('2fa-then-active');
    await act(page, page.getByRole('button', { name: 'Load scenario' }));
    // The scenario's first session fails with code-required even with a code.
    const session = await activeSession('2fa-then-active@example.com');
    await act(page, page.getByRole('button', { name: '+1 min' }));
    expect((await s.api('GET', `/sessions/${session.id}`)).body).toMatchObject({
      state: 'failed',
      error: 'code-required',
    });
  });

  it('exports the state as a download and imports it back from a file', async () => {
    const { page } = b;
    await s.api('POST', '/users', { identifier: 'exported-user' });
    await open('/');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export state' }).click(),
    ]);
    const state = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
    expect(state.version).toBe(1);
    expect(JSON.stringify(state.organisations)).toContain('exported-user');

    await s.control('POST', '/reset');
    await page.getByTestId(`counts-${ORG}`).getByText('users').waitFor({ state: 'detached' });
    await act(page, page.getByLabel('Import state'), (target) =>
      target.setInputFiles({
        name: 'state.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(state)),
      }),
    );
    await page.getByTestId(`counts-${ORG}`).getByText('users').waitFor();
    const users = (await s.api('GET', '/users')).body.data as { identifier: string }[];
    expect(users.map((u) => u.identifier)).toContain('exported-user');
  });

  it('pages through a long list', async () => {
    const { page } = b;
    const user = await s.api('POST', '/users', { identifier: 'many' });
    for (let i = 0; i < 60; i++) {
      await s.api('POST', '/sessions', {
        source: { user: user.body.id, type: 'icloud.account', identifier: `p${i}+no2fa@example.com` },
        payload: { password: 'pw' },
      });
    }
    await open(`/org/${ORG}/sessions`);
    await page.getByTestId('range').filter({ hasText: '1–50 of 60' }).waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByTestId('range').filter({ hasText: '51–60 of 60' }).waitFor();
    expect(await page.locator('table[aria-label="sessions"] tbody tr').count()).toBe(10);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByTestId('range').filter({ hasText: '1–50 of 60' }).waitFor();
    await page.getByLabel('Search', { exact: true }).fill('zzz-no-such');
    await page.getByTestId('range').filter({ hasText: '0 of 0' }).waitFor();
  });
});

describe('console access', () => {
  it('with a control token: refused without it; ?token= sets an HttpOnly cookie and the page works', async () => {
    await s.close();
    s = await serveMock({ control: { token: 'console-secret' } });
    const { page, context } = b;
    const refused = await page.goto(`${s.url}/_mock/ui`);
    expect(refused?.status()).toBe(401);
    const wrong = await page.goto(`${s.url}/_mock/ui?token=nope`);
    expect(wrong?.status()).toBe(401);
    b.errors.length = 0; // the two refusals above are logged by the browser as failed loads
    await page.goto(`${s.url}/_mock/ui?token=console-secret`);
    expect(page.url()).toBe(`${s.url}/_mock/ui`);
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    await page.getByTestId('clock-mode').filter({ hasText: 'manual' }).waitFor();
    const [cookie] = (await context.cookies(`${s.url}/_mock/ui`)).filter(
      (c) => c.name === 'ricloud-mock-control',
    );
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/_mock' });
    await context.clearCookies();
  });
});

describe('console pages', () => {
  it('previews a vCard as text and a PNG as a thumbnail', async () => {
    const { page } = b;
    // Message attachments are seeded per source: take sources until both kinds have appeared (deterministic).
    let vcard: FileReference | undefined;
    let png: FileReference | undefined;
    let session = { id: '' };
    for (let i = 0; i < 8 && !(vcard && png); i++) {
      session = await activeSession(`m${i}+no2fa@example.com`);
      await s.control('POST', '/clock/advance', { seconds: 2 });
      const messages = await s.api('POST', '/polls', {
        session: session.id,
        payload: { data_types: ['ios_messages.messages', 'whatsapp.messages'] },
      });
      await s.control('POST', '/clock/advance', { seconds: 10 });
      for (const r of (await s.api('GET', `/polls/${messages.body.id}`)).body.results.data) {
        const url = `${s.url}/_mock/organisations/${ORG}/records/results/${r.id}/content`;
        const refs = fileReferencesIn(await fetch(url).then((res) => res.json()));
        vcard ??= refs.find((f) => f.extension === 'vcf');
        png ??= refs.find((f) => f.extension === 'png');
      }
    }
    expect(vcard && png).toBeTruthy();
    const files = await s.api('POST', '/polls', {
      session: session.id,
      payload: { files: [vcard!.file_id, png!.file_id] },
    });
    await open(`/org/${ORG}/polls/${files.body.id}`);
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.getByTestId('result').locator('pre.text', { hasText: 'BEGIN:VCARD' }).waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img.thumb');
      return img?.complete === true && img.naturalWidth > 0;
    });
  });

  it('is usable with the keyboard: skip link, tab order, Enter on a control', async () => {
    const { page } = b;
    await open('/');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // From the top of a fresh load, Tab reaches the header's +1 min; Enter advances the clock.
    await page.reload();
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(() => document.activeElement?.textContent?.trim())) === '+1 min';
    }
    expect(reached).toBe(true);
    const t0 = await clockMs();
    const status = page.getByTestId('status');
    const before = Number(await status.getAttribute('data-seq'));
    await page.keyboard.press('Enter');
    await page.locator(`[data-testid="status"][data-seq="${before + 1}"]`).waitFor();
    expect(await clockMs()).toBe(t0 + 60_000);
  });

  it('filters the journal by status and tenant', async () => {
    const { page } = b;
    const tenant = (await s.control('POST', '/organisations', { name: 'journal tenant' })).body;
    await open('/journal');
    await s.api('GET', '/organisation');
    await s.api('GET', '/sessions/no-such-session');
    await fetch(`${s.url}/organisation`, { headers: { Authorization: `Token ${tenant.token}` } });
    const entries = page.getByTestId('journal-entry');
    await entries.nth(2).waitFor();
    await page.getByLabel('Status', { exact: true }).fill('404');
    await entries.nth(1).waitFor({ state: 'detached' });
    expect(await entries.first().textContent()).toContain('/sessions/no-such-session');
    await page.getByLabel('Status', { exact: true }).fill('');
    await page.getByLabel('Tenant', { exact: true }).fill(String(tenant.organisation.id));
    await entries.nth(1).waitFor({ state: 'detached' });
    expect(await entries.first().textContent()).toContain(`org ${tenant.organisation.id}`);
  });
});
