// The getting-started walkthrough over HTTP on the manual clock: storage config, user, 2FA session, code, poll,
// results downloaded from the local folder, ack.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('walkthrough', () => {
  it('user → 2FA session → code → active → poll callkit.calls → results → ack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-walkthrough-'));
    dirs.push(dir);
    const t = testMock();

    // A storage config of our own: new, tested on the clock, then the organisation's default.
    const cfg = await t.post('/configs/storage', { url: `local://${dir}/results` });
    expect(cfg.body.state).toBe('new');
    await t.advance(1);
    expect((await t.get(`/configs/storage/${cfg.body.id}`)).body.state).toBe('valid');
    const org = await t.post('/organisation', { storage_config_default: Number(cfg.body.id) });
    expect(org.body).toMatchObject({ state: 'active', storage_config_default: cfg.body.id });

    const user = await t.post('/users', { identifier: 'walkthrough-user' });
    expect(user.status).toBe(201);
    const source = { user: user.body.id, type: 'icloud.account', identifier: 'john@icloud.com' };

    // First attempt: 2FA is required.
    const first = await t.post('/sessions', { source, payload: { password: 'secret' } });
    expect(first.body.state).toBe('pending');
    await t.advance(2);
    const failed = (await t.get(`/sessions/${first.body.id}`)).body;
    expect(failed).toMatchObject({ state: 'failed', error: 'code-required' });
    const refused = await t.post('/polls', {
      session: first.body.id,
      payload: { data_types: ['callkit.calls'] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'invalid-state', params: { state: 'failed' } });

    // Second attempt with the code.
    const second = await t.post('/sessions', { source, payload: { password: 'secret', code: '123456' } });
    await t.advance(2);
    const session = (await t.get(`/sessions/${second.body.id}`)).body;
    expect(session.state).toBe('active');
    expect(session.source.id).toBe(failed.source.id);

    const created = await t.post('/polls', {
      session: session.id,
      type: 'data',
      payload: { data_types: ['callkit.calls'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('pending');
    await t.advance(0.5);
    expect((await t.get(`/polls/${created.body.id}`)).body.state).toBe('processing');
    await t.advance(1.5);
    const poll = (await t.get(`/polls/${created.body.id}`)).body;
    expect(poll).toMatchObject({ state: 'completed', tasks_failed: [], errors: { total_count: 0 } });
    expect(poll.tasks_succeeded).toHaveLength(1);
    expect(poll.results.total_count).toBe(1);

    const [result] = poll.results.data;
    expect(result).toMatchObject({
      resource: 'result',
      poll: poll.id,
      task: poll.tasks_succeeded[0],
      identifier: 'data:callkit.calls',
      type: 'json',
      state: 'available',
      url: `local://${dir}/results/${poll.id}/${result.id}.json`,
    });
    const bytes = readFileSync(result.url.slice('local://'.length));
    expect(createHash('md5').update(bytes).digest('hex')).toBe(result.checksum);
    expect(bytes.byteLength).toBe(result.size);
    const content = JSON.parse(bytes.toString('utf8'));
    expect(content.metadata.count).toBe(content.data.length);
    expect(content.data.length).toBeGreaterThan(0);

    expect((await t.get('/results')).body.data.map((r: { id: string }) => r.id)).toEqual([result.id]);
    const acked = await t.post(`/results/${result.id}/ack`);
    expect(acked.body).toMatchObject({ id: result.id, state: 'consumed' });
    expect((await t.get('/results')).body.total_count).toBe(0);
    expect((await t.get('/results?state=consumed')).body.total_count).toBe(1);
  });
});
