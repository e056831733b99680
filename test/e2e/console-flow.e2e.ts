// The proof: a ricloud flow driven over HTTP (2FA session, poll with files, a webhook receiver that fails)
// is watched and steered from the console in real Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import {
  act,
  type Browser,
  launchBrowser,
  type Served,
  screenshot,
  seriousViolations,
  serveMock,
} from './harness.ts';

let s: Served;
let b: Browser;
let receiver: Receiver;
let failing = true;

beforeAll(async () => {
  receiver = await startReceiver(() => 200);
  s = await serveMock();
  b = await launchBrowser();
});
afterAll(async () => {
  await b?.close();
  await s?.close();
  await receiver?.close();
});

const ORG = 1;

describe('the console watches and steers a ricloud flow', () => {
  it('2FA session, poll with a JPEG, webhook retries and redeliver, live journal, a fault', async () => {
    const { page } = b;
    // A webhook receiver: valid after its config test, then failing until the test fixes it.
    const config = await s.api('POST', '/configs/webhook', { url: receiver.url });
    expect(config.status).toBe(201);
    await s.control('POST', '/clock/advance', { seconds: 1 });
    receiver.behaviour = () => (failing ? 500 : 200);

    await page.goto(`${s.url}/_mock/ui`);
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // A 2FA session without a code: pending, then failed/code-required once the console advances the clock.
    const user = await s.api('POST', '/users', { identifier: 'console-user' });
    const source = { user: user.body.id, type: 'icloud.account', identifier: 'john@example.com' };
    const first = await s.api('POST', '/sessions', { source, payload: { password: 'pw' } });
    await page.goto(`${s.url}/_mock/ui#/org/${ORG}/sessions/${first.body.id}`);
    await page.locator('h1 .badge', { hasText: 'pending' }).waitFor();
    await current(page, 'session', 'pending');
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.locator('h1 .badge', { hasText: 'failed' }).waitFor();
    await current(page, 'session', 'failed');
    await page.locator('dd', { hasText: 'code-required' }).waitFor();
    expect(await page.locator('.history li').allInnerTexts()).toEqual([
      expect.stringContaining('pending'),
      expect.stringContaining('failed'),
    ]);
    expect(await seriousViolations(page)).toEqual([]);

    // The client's retry with the code: a new session that the console shows active.
    const second = await s.api('POST', '/sessions', { source, payload: { password: 'pw', code: '123456' } });
    await page.goto(`${s.url}/_mock/ui#/org/${ORG}/sessions/${second.body.id}`);
    await page.locator('h1 .badge', { hasText: 'pending' }).waitFor();
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.locator('h1 .badge', { hasText: 'active' }).waitFor();
    await current(page, 'session', 'active');
    await screenshot(page, 'session');

    // A poll: "advance" completes it, live, with its tasks on a timeline.
    const poll = await s.api('POST', '/polls', {
      session: second.body.id,
      payload: { data_types: ['ios_photos.photos'] },
    });
    await page.goto(`${s.url}/_mock/ui#/org/${ORG}/polls/${poll.body.id}`);
    await page.locator('h1 .badge', { hasText: 'pending' }).waitFor();
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor();
    await current(page, 'poll', 'completed');
    await page.locator('svg.timeline g.task').first().waitFor();
    // The JSON result folded and searchable.
    const json = page.getByTestId('result').filter({ hasText: 'data:ios_photos.photos' });
    await json.locator('.json details').first().waitFor();
    await json.getByLabel('Search JSON').fill('file_id');
    await json.locator('.leaf .key', { hasText: 'file_id' }).first().waitFor();

    // A files poll for one of the photos: its JPEG result shows as a thumbnail that really decoded.
    const photos = await fetch(
      `${s.url}/_mock/organisations/${ORG}/records/results?poll=${poll.body.id}&q=ios_photos`,
    ).then((r) => r.json());
    const bytes = await fetch(
      `${s.url}/_mock/organisations/${ORG}/records/results/${photos.data[0].id}/content`,
    ).then((r) => r.text());
    const fileId = /"file_id":"([0-9a-f]+)"/.exec(bytes)?.[1];
    expect(fileId).toBeTruthy();
    const files = await s.api('POST', '/polls', { session: second.body.id, payload: { files: [fileId] } });
    await page.goto(`${s.url}/_mock/ui#/org/${ORG}/polls/${files.body.id}`);
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.locator('h1 .badge', { hasText: 'completed' }).waitFor();
    const thumb = page.locator('img.thumb');
    await thumb.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('img.thumb');
      return img?.complete === true && img.naturalWidth > 0;
    });
    const result = page.getByTestId('result').first();
    expect(await result.innerText()).toMatch(/md5 [0-9a-f]{32}/);
    expect(await result.getByRole('link', { name: 'Download' }).getAttribute('href')).toMatch(/\/content$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'poll');

    // Webhooks: the first event's delivery failed and was retried; the console shows it and redelivers it.
    await act(page, page.getByRole('button', { name: '+1 min' }));
    await page.goto(`${s.url}/_mock/ui#/webhooks`);
    const failed = await s.control('GET', '/deliveries?status=500');
    expect(failed.body.data.length).toBeGreaterThanOrEqual(2);
    const eventId = failed.body.data.at(-1).event as string;
    const event = page.locator(`[data-event="${eventId}"]`);
    await event.getByTestId('attempt').nth(1).waitFor();
    expect(await event.getByTestId('attempt').allInnerTexts()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^1\tdelivery\t500/),
        expect.stringMatching(/^2\tdelivery\t500/),
      ]),
    );
    expect(await event.getByTestId('attempt').first().innerText()).toMatch(/t=\d+,s=/);
    expect(await event.getByTestId('next-retry').innerText()).toMatch(/^\d{4}-\d\d-\d\d /);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'webhooks');
    failing = false;
    await act(page, event.getByRole('button', { name: `Redeliver ${eventId}` }));
    await event.getByTestId('attempt').filter({ hasText: 'redelivery' }).waitFor();
    expect(await event.getByTestId('attempt').filter({ hasText: 'redelivery' }).innerText()).toContain('200');
    await event.locator('h3 .badge', { hasText: 'delivered' }).waitFor();

    // The journal tail shows a request made while the page is open, with its bodies.
    await page.goto(`${s.url}/_mock/ui#/journal`);
    await page.getByTestId('journal-entry').first().waitFor();
    await page.getByLabel('Path contains').fill('/users');
    await s.api('POST', '/users', { identifier: 'made-while-watching' });
    const entry = page.getByTestId('journal-entry').filter({ hasText: 'POST' }).filter({ hasText: '/users' });
    await entry.nth(1).waitFor();
    await entry.first().locator('summary').click();
    await entry.first().locator('pre', { hasText: 'made-while-watching' }).first().waitFor();
    await page.getByLabel('Method').selectOption('GET');
    await entry.first().waitFor({ state: 'detached' });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'journal');

    // A fault added in the console is what the next API request meets.
    await page.goto(`${s.url}/_mock/ui#/`);
    await page.getByLabel('Path', { exact: true }).fill('/organisation');
    await page.getByLabel('Status').fill('503');
    await act(page, page.getByRole('button', { name: 'Add fault' }));
    await page.getByTestId('fault').filter({ hasText: '/organisation' }).waitFor();
    expect((await s.api('GET', '/organisation')).status).toBe(503);
    expect((await s.api('GET', '/organisation')).status).toBe(200);
    await page.locator('.card', { hasText: 'Recent errors' }).getByText('503').first().waitFor();
    await screenshot(page, 'overview');
    // The dark theme follows the system, and keeps its contrast.
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(13, 17, 23)',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(b.errors).toEqual([]);
  });
});

async function current(page: Browser['page'], machine: string, state: string): Promise<void> {
  await page.locator(`svg[data-machine="${machine}"] [data-current="true"][data-state="${state}"]`).waitFor();
}
