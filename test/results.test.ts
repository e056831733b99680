import { describe, expect, it } from 'vitest';
import { createOrganisation } from '../server/domain/presets.ts';
import { type TestMock, testMock } from './helpers/api.ts';

/** An active +no2fa session and a completed poll of the given data types; returns the poll's results. */
async function completedPoll(t: TestMock, dataTypes = ['callkit.calls', 'ios_notes.notes']) {
  const user = await t.post('/users', { identifier: 'end-user' });
  const s = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
    payload: { password: 'pw' },
  });
  await t.advance(10);
  const p = await t.post('/polls', { session: s.body.id, payload: { data_types: dataTypes } });
  expect(p.status).toBe(201);
  await t.advance(30);
  const poll = (await t.get(`/polls/${p.body.id}`)).body;
  expect(poll.state).toBe('completed');
  return { poll, results: poll.results.data as { id: string; task: string; url: string }[] };
}

const ids = (body: { data: { id: string }[] }) => body.data.map((r) => r.id).sort();

describe('GET /results', () => {
  it('lists available results newest first, filtered by task and poll', async () => {
    const t = testMock();
    const { poll, results } = await completedPoll(t);
    const all = await t.get('/results');
    expect(all.status).toBe(200);
    expect(all.body.total_count).toBe(2);
    expect(all.body.data.map((r: { id: string }) => r.id)).toEqual(results.map((r) => r.id));
    const [first] = results;
    expect(ids((await t.get(`/results?task=${first?.task}`)).body)).toEqual([first?.id]);
    expect((await t.get(`/results?poll=${poll.id}`)).body.total_count).toBe(2);
    expect((await t.get('/results?poll=00000000-0000-4000-8000-000000000000')).body.total_count).toBe(0);
  });

  it('retrieves a result; another organisation gets the same 404 as a missing id', async () => {
    const t = testMock();
    const { results } = await completedPoll(t, ['callkit.calls']);
    const id = results[0]?.id as string;
    const res = await t.get(`/results/${id}`);
    expect(res.body).toMatchObject({
      id,
      resource: 'result',
      state: 'available',
      identifier: 'data:callkit.calls',
    });
    const other = createOrganisation(t.mock.ctx, { name: 'Other', storageUrl: 's3://o/r' });
    const foreign = await t.get(`/results/${id}`, { token: other.key.token });
    const missing = await t.get('/results/00000000-0000-4000-8000-000000000000');
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body.error).toBe(missing.body.error);
  });
});

describe('ack', () => {
  it('GET and POST /results/{id}/ack mark consumed; twice is fine; consumed results leave the default list', async () => {
    const t = testMock();
    const { results } = await completedPoll(t);
    const [a, b] = results.map((r) => r.id) as [string, string];
    const first = await t.get(`/results/${a}/ack`);
    expect(first.status).toBe(200);
    expect(first.body.state).toBe('consumed');
    expect(first.body.date_consumed).not.toBeNull();
    await t.advance(5);
    const again = await t.post(`/results/${a}/ack`);
    expect(again.status).toBe(200);
    expect(again.body.date_consumed).toBe(first.body.date_consumed);
    expect((await t.post(`/results/${b}/ack`)).body.state).toBe('consumed');

    expect((await t.get('/results')).body.total_count).toBe(0);
    expect(ids((await t.get('/results?state=consumed')).body)).toEqual([a, b].sort());
    expect((await t.get('/results/00000000-0000-4000-8000-000000000000/ack')).status).toBe(404);
  });

  it('POST /results/ack acks a batch; one unknown id is a 404 that changes nothing', async () => {
    const t = testMock();
    const { results } = await completedPoll(t);
    const list = results.map((r) => r.id);
    const bad = await t.post('/results/ack', { ids: [...list, '00000000-0000-4000-8000-000000000000'] });
    expect(bad.status).toBe(404);
    expect((await t.get('/results')).body.total_count).toBe(2);

    const other = createOrganisation(t.mock.ctx, { name: 'Other', storageUrl: 's3://o/r' });
    const foreign = await t.post('/results/ack', { ids: list }, { token: other.key.token });
    expect(foreign.status).toBe(404);
    expect((await t.get('/results')).body.total_count).toBe(2);

    const ok = await t.post('/results/ack', { ids: list });
    expect(ok.status).toBe(200);
    expect(ok.body.resource).toBe('list');
    expect(ok.body.data.map((r: { state: string }) => r.state)).toEqual(['consumed', 'consumed']);
    expect((await t.get('/results')).body.total_count).toBe(0);
    expect((await t.post('/results/ack', { ids: [] })).status).toBe(400);
  });
});

describe('retention', () => {
  it('expires results on the clock when configured: expired, date_deleted, bytes gone, hidden', async () => {
    const t = testMock({ timings: { resultRetentionMs: 60_000 } });
    const { poll, results } = await completedPoll(t, ['callkit.calls']);
    const url = results[0]?.url as string;
    const org = t.mock.ctx.world.orgs.get(1);
    expect(org?.blobs.has(url)).toBe(true);
    await t.advance(61);
    const r = (await t.get(`/results/${results[0]?.id}`)).body;
    expect(r.state).toBe('expired');
    expect(r.date_deleted).not.toBeNull();
    expect(org?.blobs.has(url)).toBe(false);
    expect((await t.get('/results')).body.total_count).toBe(0);
    expect((await t.get('/results?state=expired')).body.total_count).toBe(1);
    expect((await t.get(`/polls/${poll.id}`)).body.results.total_count).toBe(0);
    // Acking an expired result leaves it expired.
    expect((await t.post(`/results/${r.id}/ack`)).body.state).toBe('expired');
  });

  it('keeps results forever by default', async () => {
    const t = testMock();
    const { results } = await completedPoll(t, ['callkit.calls']);
    await t.advance(30 * 86400);
    expect((await t.get(`/results/${results[0]?.id}`)).body.state).toBe('available');
  });
});
