import { describe, expect, it } from 'vitest';
import { emitEvent } from '../server/domain/events.ts';
import { createOrganisation } from '../server/domain/presets.ts';
import { testMock } from './helpers/api.ts';

function setup() {
  const t = testMock();
  const org = t.mock.ctx.world.findByToken(t.mock.token)!.org;
  const emit = (type: string, action: string, data: Record<string, unknown> = { id: 'x' }) =>
    emitEvent(t.mock.ctx, org, { type, action, data, keyId: '1' });
  return { t, org, emit };
}

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((e) => e.id);

describe('events', () => {
  it('retrieves an event with its data nested as it was at that moment', async () => {
    const { t, emit } = setup();
    const data = { id: 'p1', resource: 'poll', state: 'pending', nested: { a: [1, 2] } };
    const e = emit('poll', 'created', data);
    data.state = 'completed';
    const res = await t.get(`/events/${e.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: e.id,
      resource: 'event',
      type: 'poll',
      action: 'created',
      data: { id: 'p1', resource: 'poll', state: 'pending', nested: { a: [1, 2] } },
      state: 'pending',
      retries: 0,
      date_created: '2026-01-01T00:00:00.000000Z',
      date_delivered: null,
    });
    expect(res.body).not.toHaveProperty('x');
  });

  it('answers 404 for an unknown event, and for another organisation’s', async () => {
    const { t } = setup();
    const { org: otherOrg } = createOrganisation(t.mock.ctx, { name: 'Other' });
    const e = emitEvent(t.mock.ctx, otherOrg, { type: 'poll', action: 'created', data: {}, keyId: null });
    expect(otherOrg.events.get(e.id)).toBeDefined();
    const res = await t.get(`/events/${e.id}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not-found', params: { resource: 'event', id: e.id } });
  });

  it('lists newest first with type, action, state and date filters', async () => {
    const { t, emit } = setup();
    const a = emit('poll', 'created');
    await t.advance(10);
    const b = emit('task', 'created');
    await t.advance(10);
    const c = emit('task', 'succeeded');
    const d = emit('poll', 'completed');

    expect(ids(await t.get('/events'))).toEqual([d.id, c.id, b.id, a.id]);
    expect(ids(await t.get('/events?type=task'))).toEqual([c.id, b.id]);
    expect(ids(await t.get('/events?type=poll.completed'))).toEqual([d.id]);
    expect(ids(await t.get('/events?action=created'))).toEqual([b.id, a.id]);
    expect(ids(await t.get('/events?type=task&action=succeeded'))).toEqual([c.id]);
    expect(ids(await t.get('/events?state=delivered'))).toEqual([]);
    expect(ids(await t.get('/events?state=pending'))).toHaveLength(4);
    expect(ids(await t.get('/events?date_created=2026-01-01T00:00:10.000000Z'))).toEqual([b.id]);
    expect(ids(await t.get('/events?date_created=2026-01-01T00:00:10Z'))).toEqual([b.id]);
    expect(ids(await t.get('/events?date_created__gte=2026-01-01T00:00:10Z'))).toEqual([d.id, c.id, b.id]);
    expect(ids(await t.get('/events?date_created__lte=2026-01-01T00:00:10Z'))).toEqual([b.id, a.id]);
    expect(
      ids(
        await t.get(
          '/events?date_created__gte=2026-01-01T00:00:05%2B00:00&date_created__lte=2026-01-01T00:00:15Z',
        ),
      ),
    ).toEqual([b.id]);
    expect(ids(await t.get('/events?date_created__gte=2026-01-02'))).toEqual([]);
  });

  it('paginates with limit, after_id and before_id', async () => {
    const { t, emit } = setup();
    const all = Array.from({ length: 5 }, (_, i) => emit('task', 'created', { i }));
    const newest = [...all].reverse().map((e) => e.id);
    const page1 = await t.get('/events?limit=2');
    expect(page1.body).toMatchObject({ resource: 'list', has_more: true, total_count: 5, url: '/events' });
    expect(ids(page1)).toEqual(newest.slice(0, 2));
    const page2 = await t.get(`/events?limit=2&after_id=${newest[1]}`);
    expect(ids(page2)).toEqual(newest.slice(2, 4));
    expect(ids(await t.get(`/events?before_id=${newest[2]}`))).toEqual(newest.slice(0, 2));
  });

  it.each([
    ['an unknown filter', '/events?colour=red'],
    ['a bad date', '/events?date_created__gte=yesterday'],
    ['a bad state', '/events?state=lost'],
    ['a limit over 1000', '/events?limit=1001'],
  ])('rejects %s with a 400', async (_name, path) => {
    const { t } = setup();
    const res = await t.get(path);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
  });
});
