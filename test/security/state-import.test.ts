// An imported state is not trusted: PUT /_mock/state (and --state-file, test/system/security-startup.test.ts) checks it
// whole against the control spec's MockState schema and the mock's invariants; a refusal is a 400 that names where
// the state is wrong and changes nothing.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MockState } from '../../server/domain/snapshot.ts';
import { type TestMock, testMock } from '../helpers/api.ts';

const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-state-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A mock whose preset publishes to a local folder, with one completed poll (two results on disk). */
async function withResults(): Promise<TestMock> {
  const storage = mkdtempSync(join(dir, 'storage-'));
  const t = testMock({ storageUrl: `local://${storage}` });
  const user = await t.post('/users', { identifier: 'end-user' });
  const s = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
    payload: { password: 'pw' },
  });
  await t.advance(10);
  await t.post('/polls', { session: s.body.id, payload: { data_types: ['callkit.calls'] } });
  await t.advance(30);
  return t;
}

// biome-ignore lint/suspicious/noExplicitAny: a snapshot's records are the mock's own JSON, spoilt freely here.
type Org = Record<string, any>;
const exported = async (t: TestMock) =>
  (await t.get('/_mock/state')).body as MockState & { organisations: Org[] };

/** PUT a state; the answer, and whether the mock's export is still what it was. */
async function importRefused(t: TestMock, state: unknown) {
  const before = (await t.get('/_mock/state')).text;
  const res = await t.api('PUT', '/_mock/state', { body: state });
  const after = (await t.get('/_mock/state')).text;
  return { res, unchanged: before === after };
}

describe('PUT /_mock/state refuses a state it did not export', () => {
  it('refuses a result url outside the storage roots, and neither serves nor deletes that file', async () => {
    const t = await withResults();
    const secretDir = join(dir, 'home', 'projects');
    mkdirSync(secretDir, { recursive: true });
    const secret = join(secretDir, 'secret.json');
    writeFileSync(secret, '{"password":"hunter2"}');
    const state = await exported(t);
    const org = state.organisations[0] as Org;
    expect(org.results.length).toBeGreaterThan(0);
    org.results[0].url = `local://${join(dir, 'home')}/projects/secret.json`;
    const { res, unchanged } = await importRefused(t, state);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-parameters', params: { state: expect.any(String) } });
    expect(res.body.params.state).toContain(
      "organisations[0].results[0].url is outside the organisation's local storage configs",
    );
    expect(unchanged).toBe(true);
    const content = await t.get(`/_mock/organisations/1/records/results/${org.results[0].id}/content`);
    expect(content.text).not.toContain('hunter2');
    await t.advance(400 * 24 * 3600);
    expect(existsSync(secret)).toBe(true);
  });

  it.each<[string, (s: MockState & { organisations: Org[] }) => unknown, RegExp]>([
    [
      'a table that is not a list',
      (s) => ((s.organisations[0] as Org).users = 'notalist'),
      /organisations\.0\.users must be array/,
    ],
    [
      'a token used by two tenants',
      (s) =>
        s.organisations.push({
          ...structuredClone(s.organisations[0]),
          id: 2,
          organisation: { ...s.organisations[0]?.organisation, id: 2 },
        }),
      /organisations\[1\]\.keys\[0\]\.token is already used by organisations\[0\]\.keys\[0\]/,
    ],
    [
      'an unknown state',
      (s) => ((s.organisations[0] as Org).sessions[0].state = 'hacked'),
      /organisations\[0\]\.sessions\[0\]\.state "hacked" is not a known state/,
    ],
    [
      'a reference to nothing',
      (s) => ((s.organisations[0] as Org).sessions[0].source = 'no-such-source'),
      /organisations\[0\]\.sessions\[0\]\.source no-such-source is not a record of sources/,
    ],
    [
      'a job of an organisation the state does not have',
      (s) => s.scheduler.jobs.push({ id: 999, due: 0, kind: 'poll.run', org: 42, args: {} }),
      /scheduler\.jobs\[\d+\]\.org 42 is not an organisation of the state/,
    ],
    [
      'a token with spaces',
      (s) => ((s.organisations[0] as Org).keys[0].token = 'a b c'),
      /keys\[0\]\.token must be printable ASCII without spaces/,
    ],
  ])('refuses %s with a 400 naming where, and changes nothing', async (_name, spoil, where) => {
    const t = await withResults();
    const state = await exported(t);
    spoil(state);
    const { res, unchanged } = await importRefused(t, state);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    const said = Object.entries(res.body.params as Record<string, string>).map(([k, v]) => `${k} ${v}`);
    expect(said.join('; ')).toMatch(where);
    expect(unchanged).toBe(true);
  });

  it('refuses a state that is a list, and still imports its own export', async () => {
    const t = await withResults();
    const list = await importRefused(t, []);
    expect(list.res.status).toBe(400);
    expect(list.unchanged).toBe(true);
    const own = await t.api('PUT', '/_mock/state', { body: await exported(t) });
    expect(own.status).toBe(200);
  });
});
