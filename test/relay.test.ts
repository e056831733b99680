import { describe, expect, it } from 'vitest';
import { deriveRelayPairing } from '../fixtures/index.ts';
import { type TestMock, testMock } from './helpers/api.ts';

async function pair(t: TestMock, code: string, user?: string) {
  const u = user ?? (await t.post('/users', { identifier: 'relay-user' })).body.id;
  const res = await t.post('/sessions', { source: { user: u, type: 'rirelay.instance' }, payload: { code } });
  expect(res.status).toBe(201);
  return { user: u as string, session: res.body };
}

describe('Relay pairing (rirelay.instance)', () => {
  it('a code pairs the instance derived from it, with 1–3 active child devices carrying info', async () => {
    const t = testMock({ seed: 'relay-seed' });
    const { session } = await pair(t, 'PAIR-42');
    const expected = deriveRelayPairing('relay-seed', 'PAIR-42');
    // The instance exists from POST on, identified by the code's instance id, unvalidated and childless.
    expect(session.state).toBe('pending');
    expect(session.source).toMatchObject({
      type: 'rirelay.instance',
      identifier: expected.instanceIdentifier,
      state: 'unvalidated',
      parent: null,
    });
    expect(session.source.children.total_count).toBe(0);

    await t.advance(2);
    const done = await t.get(`/sessions/${session.id}`);
    expect(done.body.state).toBe('active');
    expect(done.body.source.state).toBe('active');

    const children = await t.get(`/sources/${session.source.id}/children`);
    expect(children.status).toBe(200);
    expect(children.body.total_count).toBeGreaterThanOrEqual(1);
    expect(children.body.total_count).toBeLessThanOrEqual(3);
    expect(children.body.total_count).toBe(expected.devices.length);
    const byIdentifier = new Map(expected.devices.map((d) => [d.identifier, d.info]));
    for (const child of children.body.data) {
      expect(child).toMatchObject({ type: 'rirelay.source', parent: session.source.id, state: 'active' });
      expect(child.info).toEqual(byIdentifier.get(child.identifier));
      expect(Object.keys(child.info).sort()).toEqual(
        ['apple_model_id', 'apple_serial', 'ios_version', 'is_encrypted', 'name'].sort(),
      );
    }
    const filtered = await t.get(`/sources?parent=${session.source.id}`);
    expect(filtered.body.total_count).toBe(expected.devices.length);
  });

  it('pairing the same code again reuses the instance and its devices', async () => {
    const t = testMock();
    const first = await pair(t, 'SAME');
    await t.advance(2);
    const second = await pair(t, 'SAME', first.user);
    await t.advance(2);
    expect(second.session.source.id).toBe(first.session.source.id);
    const all = await t.get('/sources?limit=100');
    const expected = deriveRelayPairing('test-seed', 'SAME').devices.length;
    expect(all.body.total_count).toBe(1 + expected);
  });

  it('different codes pair different instances', async () => {
    const t = testMock();
    const a = await pair(t, 'CODE-A');
    const b = await pair(t, 'CODE-B', a.user);
    expect(a.session.source.identifier).not.toBe(b.session.source.identifier);
  });

  it('code 000000 fails with code-invalid and pairs no device', async () => {
    const t = testMock();
    const { session } = await pair(t, '000000');
    await t.advance(2);
    const done = await t.get(`/sessions/${session.id}`);
    expect(done.body).toMatchObject({ state: 'failed', error: 'code-invalid' });
    expect(done.body.source.state).toBe('unvalidated');
    const children = await t.get(`/sources/${session.source.id}/children`);
    expect(children.body.total_count).toBe(0);
    expect(t.mock.ctx.world.orgs.get(1)!.sources.size).toBe(1);
  });

  it('an identifier in the request is ignored: the instance id comes from the code', async () => {
    const t = testMock();
    const user = (await t.post('/users', { identifier: 'u' })).body.id;
    const res = await t.post('/sessions', {
      source: { user, type: 'rirelay.instance', identifier: 'client-chosen' },
      payload: { code: 'XYZ' },
    });
    expect(res.body.source.identifier).toBe(deriveRelayPairing('test-seed', 'XYZ').instanceIdentifier);
  });
});
