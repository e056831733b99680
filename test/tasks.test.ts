import { describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

async function activeSession(t: TestMock, apple = 'jane+no2fa@example.com', user = 'u1') {
  const u = (await t.post('/users', { identifier: user })).body;
  const s = (
    await t.post('/sessions', {
      source: { user: u.id, type: 'icloud.account', identifier: apple },
      payload: { password: 'pw' },
    })
  ).body;
  await t.advance(10);
  return (await t.get(`/sessions/${s.id}`)).body;
}

const ids = (body: { data: { id: string }[] }) => body.data.map((x) => x.id);

describe('tasks', () => {
  it('POST /tasks is a 405: tasks are created by sessions, polls and config tests', async () => {
    const t = testMock();
    const res = await t.post('/tasks', { type: 'session.init' });
    expect(res.status).toBe(405);
    expect(res.body.error).toBe('method-not-allowed');
  });

  it("a session's set-up is a session.init task, listed and retrievable", async () => {
    const t = testMock();
    const session = await activeSession(t);
    const list = await t.get(`/tasks?session=${session.id}`);
    expect(list.status).toBe(200);
    expect(list.body.url).toBe('/tasks');
    expect(list.body.total_count).toBe(1);
    const task = list.body.data[0];
    expect(task).toMatchObject({
      resource: 'task',
      organisation: '1',
      session: session.id,
      source: session.source.id,
      source_type: 'icloud.account',
      type: 'session.init',
      state: 'succeeded',
      poll: null,
    });
    expect(task.results).toMatchObject({ resource: 'list', url: `/tasks/${task.id}/results` });
    expect((await t.get(`/tasks/${task.id}`)).body).toEqual(task);
  });

  it('filters by session, source, type, state and source_type', async () => {
    const t = testMock();
    const a = await activeSession(t, 'a+no2fa@example.com', 'u1');
    const b = await activeSession(t, 'b@example.com', 'u2'); // 2FA → failed
    const q = async (query: string) => ids((await t.get(`/tasks?limit=100&${query}`)).body);
    const all = await q('');
    expect(all).toHaveLength(2);
    const [taskB, taskA] = all;
    expect(await q(`session=${a.id}`)).toEqual([taskA]);
    expect(await q(`source=${b.source.id}`)).toEqual([taskB]);
    expect(await q('type=session.init')).toEqual([taskB, taskA]);
    expect(await q('type=icloud.account.data')).toEqual([]);
    expect(await q('state=failed')).toEqual([taskB]);
    expect(await q('state=succeeded')).toEqual([taskA]);
    expect(await q('source_type=icloud.account')).toEqual([taskB, taskA]);
    expect(await q('source_type=mocks.mock')).toEqual([]);
    expect(await q(`poll=${UNKNOWN}`)).toEqual([]);
  });

  it("filters by poll: a poll's tasks, one per requested type", async () => {
    const t = testMock();
    const session = await activeSession(t);
    const poll = await t.post('/polls', {
      session: session.id,
      payload: { info_types: ['account.info'], data_types: ['messages.sms', 'callkit.calls'] },
    });
    expect(poll.status).toBe(201);
    const tasks = await t.get(`/tasks?poll=${poll.body.id}`);
    expect(tasks.body.total_count).toBe(3);
    for (const task of tasks.body.data) expect(task.poll).toBe(poll.body.id);
    expect(tasks.body.data.map((x: { target: string }) => x.target).sort()).toEqual([
      'account.info',
      'callkit.calls',
      'messages.sms',
    ]);
    const data = await t.get(`/tasks?poll=${poll.body.id}&type=icloud.account.data`);
    expect(data.body.total_count).toBe(2);
  });

  it.each([
    ['poll=abc', 'poll'],
    ['session=1', 'session'],
    ['source=x', 'source'],
    ['state=done', 'state'],
    ['target=account.info', 'target'],
  ])('GET /tasks?%s is a 400 naming %s', async (query, field) => {
    const t = testMock();
    const res = await t.get(`/tasks?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.params[field]).toEqual(expect.any(String));
  });

  it('a config test task targets no user, source, session or poll; its type is <resource>.test', async () => {
    const t = testMock();
    const config = await t.post('/configs/webhook', { url: 'http://127.0.0.1:9/hooks' });
    const list = await t.get('/tasks?type=webhook_config.test');
    expect(list.body.total_count).toBe(1);
    expect(list.body.data[0]).toMatchObject({
      resource: 'task',
      type: 'webhook_config.test',
      target: config.body.id,
      user: null,
      source: null,
      session: null,
      poll: null,
      source_type: null,
      state: 'pending',
    });
  });

  it('an unknown or malformed task id is the same 404', async () => {
    const t = testMock();
    for (const id of [UNKNOWN, 'not-a-uuid', '1']) {
      const res = await t.get(`/tasks/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.params).toEqual({ resource: 'task', id });
    }
  });
});
