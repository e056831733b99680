import { describe, expect, it } from 'vitest';
import { DATA_TYPES, INFO_TYPES, infoTypesFor } from '../fixtures/index.ts';
import { createOrganisation, PERMISSIVE_SCOPES } from '../server/domain/presets.ts';
import { type TestMock, testMock } from './helpers/api.ts';
import { validWebhookConfig } from './helpers/webhook.ts';

const NO2FA = 'jane+no2fa@example.com';

/** A user with an active icloud.account session (the +no2fa test account), through the API. */
async function activeSession(t: TestMock, token?: string, identifier = NO2FA) {
  const o = token ? { token } : {};
  const user = await t.post('/users', { identifier: 'end-user' }, o);
  const s = await t.post(
    '/sessions',
    { source: { user: user.body.id, type: 'icloud.account', identifier }, payload: { password: 'pw' } },
    o,
  );
  expect(s.status).toBe(201);
  await t.advance(10);
  const got = await t.get(`/sessions/${s.body.id}`, o);
  expect(got.body.state).toBe('active');
  return { user: user.body.id as string, session: s.body.id as string, source: s.body.source.id as string };
}

/**
 * A Relay session, its first device and an allowed subscription on that device: the only way to poll a Relay
 * source ("a subscription is required before the API can start retrieving data from a Reincubate Relay source").
 */
async function relaySubscription(t: TestMock) {
  const user = await t.post('/users', { identifier: 'relay-user' });
  const s = await t.post('/sessions', {
    source: { user: user.body.id, type: 'rirelay.instance' },
    payload: { code: 'PAIR-1' },
  });
  expect(s.status).toBe(201);
  await t.advance(10);
  const instance = (await t.get(`/sources/${s.body.source.id}`)).body;
  const device = instance.children.data[0];
  await validWebhookConfig(t);
  const sub = await t.post('/subscriptions', {
    session: s.body.id,
    source: device.id,
    poll_payload: { data_types: ['callkit.calls'] },
  });
  expect(sub.status).toBe(201);
  expect((await t.post(`/_mock/subscriptions/${sub.body.id}/allow`)).body.state).toBe('active');
  return { session: s.body.id as string, instance, device, subscription: sub.body.id as string };
}

function org1(t: TestMock) {
  const org = t.mock.ctx.world.orgs.get(1);
  if (!org) throw new Error('no org 1');
  return org;
}

describe('POST /polls', () => {
  it('completes a poll with an empty files list at once, with no tasks or results (the official cascade)', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const before = org1(t).tasks.values().length;
    const res = await t.post('/polls', { session, payload: { files: [] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      state: 'completed',
      tasks_pending: [],
      tasks_processing: [],
      tasks_succeeded: [],
      tasks_failed: [],
    });
    expect(res.body.date_started).toBe(res.body.date_created);
    expect(res.body.date_completed).toBe(res.body.date_created);
    expect(org1(t).tasks.values().length).toBe(before);
    const results = await t.get(`/results?poll=${res.body.id}`);
    expect(results.status).toBe(200);
    expect(results.body.data).toEqual([]);
  });

  it('creates a pending poll with one pending task per info type, data type and file', async () => {
    const t = testMock();
    const { session, source, user } = await activeSession(t);
    const res = await t.post('/polls', {
      session,
      type: 'data',
      payload: {
        info_types: ['account.info'],
        data_types: ['callkit.calls', 'callkit.calls'],
        files: ['abc123'],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'poll',
      organisation: '1',
      key: '1',
      user,
      source,
      session,
      subscription: null,
      requestor: 'user',
      state: 'pending',
      date_started: null,
      date_completed: null,
      tasks_processing: [],
      results: { resource: 'list', data: [], total_count: 0 },
      errors: { resource: 'list', data: [], total_count: 0 },
    });
    expect(res.body.tasks_pending).toHaveLength(3);
    const tasks = res.body.tasks_pending.map((id: string) => org1(t).tasks.get(id));
    expect(tasks.map((x: { type: string; target: string }) => [x.type, x.target])).toEqual([
      ['icloud.account.info', 'account.info'],
      ['icloud.account.data', 'callkit.calls'],
      ['icloud.account.files', 'abc123'],
    ]);
    for (const task of tasks)
      expect(task).toMatchObject({ state: 'pending', poll: res.body.id, session, source });
  });

  it('expands "*" to every info type of the source type', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const res = await t.post('/polls', { session, payload: { info_types: ['*'] } });
    expect(res.status).toBe(201);
    const targets = res.body.tasks_pending.map((id: string) => org1(t).tasks.get(id)?.target);
    expect(targets).toEqual([...infoTypesFor('icloud.account')]);
    await t.advance(30);
    const done = await t.get(`/polls/${res.body.id}`);
    expect(done.body.state).toBe('completed');
    expect(done.body.results.data.map((r: { identifier: string }) => r.identifier).sort()).toEqual(
      infoTypesFor('icloud.account')
        .map((i) => `info:${i}`)
        .sort(),
    );
  });

  it('runs pending → processing → completed on the clock, results appearing before it completes', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const created = await t.post('/polls', {
      session,
      payload: { data_types: ['callkit.calls', 'ios_contacts.contacts', 'ios_notes.notes'] },
    });
    const id = created.body.id as string;
    const { taskStartMs, taskProcessMs } = t.mock.ctx.options.timings;

    await t.advance(taskStartMs / 1000);
    let poll = (await t.get(`/polls/${id}`)).body;
    expect(poll.state).toBe('processing');
    expect(poll.date_started).not.toBeNull();
    expect(poll.tasks_processing).toHaveLength(1);
    expect(poll.tasks_pending).toHaveLength(2);

    await t.advance(taskProcessMs / 1000);
    poll = (await t.get(`/polls/${id}`)).body;
    expect(poll.state).toBe('processing');
    expect(poll.tasks_succeeded).toHaveLength(1);
    expect(poll.results.total_count).toBe(1);
    expect(poll.results.data[0]).toMatchObject({ identifier: 'data:callkit.calls', state: 'available' });

    await t.advance(60);
    poll = (await t.get(`/polls/${id}`)).body;
    expect(poll.state).toBe('completed');
    expect(poll.date_completed).not.toBeNull();
    expect(poll.tasks_pending).toEqual([]);
    expect(poll.tasks_processing).toEqual([]);
    expect(poll.tasks_succeeded).toHaveLength(3);
    expect(poll.results.total_count).toBe(3);
    for (const taskId of poll.tasks_succeeded) {
      const task = await t.get(`/tasks/${taskId}`);
      expect(task.body).toMatchObject({ state: 'succeeded', error: null });
      expect(task.body.date_started).not.toBeNull();
      expect(task.body.results.total_count).toBe(1);
    }
  });

  it('records poll.created, task.created, task.succeeded, task.failed and poll.completed events', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const before = org1(t).events.size;
    const p = await t.post('/polls', {
      session,
      payload: { data_types: ['callkit.calls'], files: ['does-not-exist'] },
    });
    await t.advance(30);
    const events = org1(t)
      .events.values()
      .slice(before)
      .map((e) => `${e.type}.${e.action}`);
    expect(events).toEqual([
      'poll.created',
      'task.created',
      'task.created',
      'task.succeeded',
      'task.failed',
      'poll.completed',
    ]);
    const completed = org1(t).events.values().at(-1);
    expect(completed?.data).toMatchObject({ id: p.body.id, state: 'completed' });
  });

  it('refuses a data or info type outside the catalogue with a 400 naming the valid types, creating nothing', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const before = org1(t).polls.size;
    const res = await t.post('/polls', {
      session,
      payload: { data_types: ['callkit.call'], info_types: ['acount.info'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(res.body.params['payload.data_types.0']).toBe(
      `must be one of ${DATA_TYPES.map((d) => `"${d}"`).join(', ')}`,
    );
    expect(res.body.params['payload.info_types.0']).toBe(
      `must be one of "*", ${INFO_TYPES.map((d) => `"${d}"`).join(', ')}`,
    );
    expect(res.body.message).toContain('"callkit.calls"');
    expect(org1(t).polls.size).toBe(before);
  });

  it('lists failed tasks in errors: unsupported-type (a type the service lacks), file-not-found', async () => {
    const t = testMock();
    const { subscription } = await relaySubscription(t);
    // A relay device has no iCloud backups: account.backups is in the catalogue but not its service's.
    const p = await t.post('/polls', {
      subscription,
      payload: {
        info_types: ['account.backups'],
        data_types: ['callkit.calls'],
        files: ['does-not-exist'],
      },
    });
    expect(p.status).toBe(201);
    await t.advance(60);
    const poll = (await t.get(`/polls/${p.body.id}`)).body;
    expect(poll.state).toBe('completed');
    expect(poll.tasks_failed).toHaveLength(2);
    expect(poll.tasks_succeeded).toHaveLength(1);
    const byTask = Object.fromEntries(
      poll.errors.data.map((e: { task: string; error: string }) => [
        org1(t).tasks.get(e.task)?.target,
        e.error,
      ]),
    );
    expect(byTask).toEqual({
      'account.backups': 'unsupported-type',
      'does-not-exist': 'file-not-found',
    });
    for (const e of poll.errors.data) {
      expect(e.message.length).toBeGreaterThan(0);
      expect((await t.get(`/tasks/${e.task}`)).body).toMatchObject({ state: 'failed', error: e.error });
    }
  });

  it('fails a task with permission-denied when the scopes do not allow the data type', async () => {
    const t = testMock();
    const { ['data_type:*']: _all, ...rest } = PERMISSIVE_SCOPES;
    const { key } = createOrganisation(t.mock.ctx, {
      name: 'Narrow',
      scopes: { ...rest, 'data_type:messages.sms': [] },
      storageUrl: 's3://narrow/results',
    });
    const { session } = await activeSession(t, key.token);
    const p = await t.post(
      '/polls',
      { session, payload: { data_types: ['messages.sms', 'callkit.calls'] } },
      { token: key.token },
    );
    expect(p.status).toBe(201);
    await t.advance(60);
    const poll = (await t.get(`/polls/${p.body.id}`, { token: key.token })).body;
    expect(poll.state).toBe('completed');
    expect(poll.results.data.map((r: { identifier: string }) => r.identifier)).toEqual(['data:messages.sms']);
    expect(poll.errors.data).toHaveLength(1);
    expect(poll.errors.data[0].error).toBe('permission-denied');
  });

  it('fails tasks with session-expired when the session expires before they run', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const p = await t.post('/polls', { session, payload: { data_types: ['callkit.calls'] } });
    expect((await t.del(`/sessions/${session}`)).body.state).toBe('expired');
    await t.advance(60);
    const poll = (await t.get(`/polls/${p.body.id}`)).body;
    expect(poll.state).toBe('completed');
    expect(poll.results.total_count).toBe(0);
    expect(poll.errors.data.map((e: { error: string }) => e.error)).toEqual(['session-expired']);
  });

  it('answers 409 invalid-state for a session that is not active, and creates nothing', async () => {
    const t = testMock();
    const user = await t.post('/users', { identifier: 'u' });
    const s = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: NO2FA },
      payload: { password: 'pw' },
    });
    const res = await t.post('/polls', { session: s.body.id, payload: { data_types: ['callkit.calls'] } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'invalid-state', params: { state: 'pending' } });
    expect(org1(t).polls.size).toBe(0);
    expect(org1(t).tasks.filter((x) => x.poll !== null)).toHaveLength(0);
    expect((await t.get(`/sessions/${s.body.id}`)).body.state).toBe('pending');
  });

  it('answers 409 organisation-unconfigured without a valid storage config, and creates nothing', async () => {
    const t = testMock({ preset: 'getting-started' });
    const { session } = await activeSession(t);
    const events = org1(t).events.size;
    const res = await t.post('/polls', { session, payload: { info_types: ['account.info'] } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('organisation-unconfigured');
    expect(org1(t).polls.size).toBe(0);
    expect(org1(t).events.size).toBe(events);
    expect((await t.get('/organisation')).body.state).toBe('unconfigured');
  });

  it('answers 409 organisation-unconfigured when the key override is not valid', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const cfg = await t.post('/configs/storage', { url: 'gs://b/r', credentials: { type: 'x' } });
    await t.advance(5);
    expect((await t.get(`/configs/storage/${cfg.body.id}`)).body.state).toBe('invalid');
    org1(t).keys.get('1')!.storage_config = cfg.body.id;
    const res = await t.post('/polls', { session, payload: { info_types: ['account.info'] } });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('organisation-unconfigured');
  });

  it('answers 400 when nothing is requested, 404 for unknown or foreign sessions', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const empty = await t.post('/polls', { session, payload: { info_types: [], data_types: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe('invalid-parameters');
    const unknown = await t.post('/polls', {
      session: '00000000-0000-4000-8000-000000000000',
      payload: { info_types: ['*'] },
    });
    expect(unknown.status).toBe(404);
    const other = createOrganisation(t.mock.ctx, { name: 'Other', storageUrl: 's3://o/r' });
    const foreign = await t.post(
      '/polls',
      { session, payload: { info_types: ['*'] } },
      { token: other.key.token },
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ error: 'not-found', params: { resource: 'session' } });
    const sub = await t.post('/polls', {
      subscription: '00000000-0000-4000-8000-000000000001',
      payload: { info_types: ['*'] },
    });
    expect(sub.status).toBe(404);
    expect(org1(t).polls.size).toBe(0);
  });

  it('refuses a direct poll of a Relay source with a 400 naming subscription, creating nothing', async () => {
    const t = testMock();
    const { session, instance, device } = await relaySubscription(t);
    for (const source of [undefined, device.id, Number(instance.id)]) {
      const res = await t.post('/polls', { session, source, payload: { data_types: ['callkit.calls'] } });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
      expect(Object.keys(res.body.params)).toEqual(['subscription']);
    }
    expect(org1(t).polls.size).toBe(0);
    expect(
      org1(t)
        .tasks.values()
        .filter((task) => task.poll !== null),
    ).toEqual([]);
  });

  it('polls a child source of a Relay session through its subscription; another source is a 400, an unknown one a 404', async () => {
    const t = testMock();
    const { session, subscription, device: child } = await relaySubscription(t);
    const s = { body: { id: session } };
    expect(child.type).toBe('rirelay.source');
    const ok = await t.post('/polls', {
      subscription,
      source: Number(child.id),
      payload: { data_types: ['callkit.calls'] },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.source).toBe(child.id);
    expect(org1(t).tasks.get(ok.body.tasks_pending[0])?.type).toBe('rirelay.source.data');
    await t.advance(30);
    expect((await t.get(`/polls/${ok.body.id}`)).body.tasks_succeeded).toHaveLength(1);

    const other = await activeSession(t, undefined, 'other+no2fa@example.com');
    const wrong = await t.post('/polls', {
      session: s.body.id,
      source: other.source,
      payload: { info_types: ['*'] },
    });
    expect(wrong.status).toBe(400);
    const missing = await t.post('/polls', {
      session: s.body.id,
      source: '9999',
      payload: { info_types: ['*'] },
    });
    expect(missing.status).toBe(404);
  });
});

describe('GET /polls', () => {
  it('lists newest first with filters, and retrieves by id (404 otherwise)', async () => {
    const t = testMock();
    const a = await activeSession(t);
    const b = await activeSession(t, undefined, 'bob+no2fa@example.com');
    const p1 = await t.post('/polls', { session: a.session, payload: { info_types: ['account.info'] } });
    await t.advance(30);
    const p2 = await t.post('/polls', { session: b.session, payload: { info_types: ['account.info'] } });

    const all = await t.get('/polls');
    expect(all.body.data.map((p: { id: string }) => p.id)).toEqual([p2.body.id, p1.body.id]);
    expect((await t.get(`/polls?session=${a.session}`)).body.data.map((p: { id: string }) => p.id)).toEqual([
      p1.body.id,
    ]);
    expect((await t.get(`/polls?source=${b.source}`)).body.data.map((p: { id: string }) => p.id)).toEqual([
      p2.body.id,
    ]);
    expect((await t.get('/polls?state=completed')).body.total_count).toBe(1);
    expect((await t.get('/polls?state=pending')).body.total_count).toBe(1);
    expect((await t.get('/polls?requestor=user')).body.total_count).toBe(2);
    expect((await t.get('/polls?requestor=subscription')).body.total_count).toBe(0);
    expect((await t.get('/polls?state=bogus')).status).toBe(400);

    expect((await t.get(`/polls/${p1.body.id}`)).body.id).toBe(p1.body.id);
    const missing = await t.get('/polls/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });
});

describe('POST /polls with a subscription', () => {
  it('polls through the subscription: its session and source, subscription set, requestor user', async () => {
    const t = testMock();
    const { session, source } = await activeSession(t);
    await validWebhookConfig(t);
    const sub = await t.post('/subscriptions', { session, poll_payload: { info_types: ['account.info'] } });
    expect(sub.status).toBe(201);
    expect(sub.body.state).toBe('active');
    const res = await t.post('/polls', {
      subscription: sub.body.id,
      payload: { data_types: ['callkit.calls'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ session, source, subscription: sub.body.id, requestor: 'user' });
    expect(
      (await t.get(`/polls?subscription=${sub.body.id}`)).body.data.map((p: { id: string }) => p.id),
    ).toEqual([res.body.id]);
    const mismatch = await t.post('/polls', {
      subscription: sub.body.id,
      session: '00000000-0000-4000-8000-000000000000',
      payload: { info_types: ['*'] },
    });
    expect(mismatch.status).toBe(400);
  });
});

describe('the catalogue in the spec', () => {
  it("the spec's DataType and InfoTypeRequest enums are the fixtures' catalogue, so the spec rejects what the engine lacks", async () => {
    const { readFileSync } = await import('node:fs');
    const spec = JSON.parse(readFileSync(new URL('../openapi/ricloud-v3.json', import.meta.url), 'utf8'));
    expect(spec.components.schemas.DataType.enum).toEqual([...DATA_TYPES]);
    expect(spec.components.schemas.InfoTypeRequest.enum).toEqual(['*', ...INFO_TYPES]);
  });
});

describe('nested lists at their url', () => {
  it("answers a poll's results and errors lists at the url they name, paginated, with the nested list's items", async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const p = await t.post('/polls', {
      session,
      payload: { info_types: ['account.info'], data_types: ['callkit.calls'], files: ['no-such-file'] },
    });
    await t.advance(60);
    const poll = (await t.get(`/polls/${p.body.id}`)).body;
    expect(poll.state).toBe('completed');
    expect(poll.results.url).toBe(`/polls/${poll.id}/results`);
    expect(poll.errors.url).toBe(`/polls/${poll.id}/errors`);

    const results = await t.get(poll.results.url);
    expect(results.status).toBe(200);
    expect(results.body).toEqual({ ...poll.results, total_count: 2 });
    const page = await t.get(`${poll.results.url}?limit=1`);
    expect(page.body).toMatchObject({ has_more: true, total_count: 2, url: poll.results.url });
    expect(page.body.data).toEqual([poll.results.data[0]]);
    const next = await t.get(`${poll.results.url}?limit=1&after_id=${poll.results.data[0].id}`);
    expect(next.body.data).toEqual([poll.results.data[1]]);

    const errors = await t.get(poll.errors.url);
    expect(errors.status).toBe(200);
    expect(errors.body).toEqual(poll.errors);
    expect(errors.body.data).toEqual([
      {
        id: poll.tasks_failed[0],
        resource: 'task',
        task: poll.tasks_failed[0],
        error: 'file-not-found',
        message: 'No file no-such-file in the data of this source.',
      },
    ]);
  });

  it("answers a task's results list at the url it names", async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const p = await t.post('/polls', { session, payload: { data_types: ['callkit.calls'] } });
    await t.advance(60);
    const task = (await t.get(`/tasks/${p.body.tasks_pending[0]}`)).body;
    expect(task.results.url).toBe(`/tasks/${task.id}/results`);
    expect(task.results.total_count).toBe(1);
    const res = await t.get(task.results.url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(task.results);
  });

  it('answers 404 for an unknown poll or task, and 400 for a bad page', async () => {
    const t = testMock();
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/polls/${unknown}/results`,
      `/polls/${unknown}/errors`,
      `/tasks/${unknown}/results`,
    ]) {
      const res = await t.get(path);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not-found');
    }
    const { session } = await activeSession(t);
    const p = await t.post('/polls', { session, payload: { data_types: ['callkit.calls'] } });
    expect((await t.get(`/polls/${p.body.id}/errors?limit=0`)).status).toBe(400);
    expect((await t.get(`/polls/${p.body.id}/results?after_id=nope`)).status).toBe(400);
  });

  it('gives every item of every nested list a resource (the official client builds each item by it)', async () => {
    const t = testMock();
    const { session } = await activeSession(t);
    const p = await t.post('/polls', {
      session,
      payload: { data_types: ['callkit.calls'], files: ['no-such-file'] },
    });
    await t.advance(60);
    const poll = (await t.get(`/polls/${p.body.id}`)).body;
    const events = (await t.get('/events?limit=100')).body.data;
    const nested: { resource: string; data: { resource?: string }[] }[] = [];
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o['resource'] === 'list') nested.push(o as never);
      for (const v of Object.values(o)) walk(v);
    };
    walk([poll, events, (await t.get('/organisation')).body, (await t.get(`/tasks?poll=${poll.id}`)).body]);
    const items = nested.flatMap((l) => l.data);
    expect(items.length).toBeGreaterThan(5);
    expect(items.filter((i) => typeof i.resource !== 'string')).toEqual([]);
    expect(poll.errors.data.map((e: { resource: string }) => e.resource)).toEqual(['task']);
  });
});
