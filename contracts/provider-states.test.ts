// The shipped provider states: each sets up its world in a fresh tenant, unknown names fail naming the catalogue.
import { describe, expect, it } from 'vitest';
import { createMock } from '../server/app.ts';
import { verifyWebhookSignature } from './client/signature.ts';
import {
  PROVIDER_STATES,
  ProviderWorld,
  resolveProviderState,
  suggestProviderState,
  UnknownProviderStateError,
} from './provider-states.ts';

function world() {
  const mock = createMock({ seed: 'provider-states-test' });
  return { mock, world: new ProviderWorld(mock) };
}

async function get(mock: ReturnType<typeof createMock>, token: string, path: string) {
  const res = await mock.app.request(path, { headers: { Authorization: `Token ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('provider states', () => {
  it.each([
    ['an organisation exists', {}, 'organisationId'],
    ['a user with identifier {identifier} exists', { identifier: 'bob@example.com' }, 'userId'],
    ['an iCloud session requiring a 2FA code', {}, 'sessionId'],
    ['an active session {sessionId}', {}, 'sessionId'],
    ['a completed poll {pollId} with results for {dataTypes}', { dataTypes: 'callkit.calls' }, 'resultId'],
    ['a valid storage config', {}, 'storageConfigId'],
    ['a webhook config {webhookConfigId}', {}, 'webhookConfigId'],
    ['an expired session', {}, 'sessionId'],
    ['a relay subscription awaiting approval', {}, 'subscriptionId'],
  ])('"%s" (params %j) sets up its world and returns %s', async (name, params, key) => {
    const { world: w } = world();
    const values = await w.setup(name, params);
    expect(values[key as string]).toBeTruthy();
  });

  it('the table above covers the whole catalogue', () => {
    expect(PROVIDER_STATES).toHaveLength(9);
  });

  it('reads params out of a filled-in name', async () => {
    expect(resolveProviderState('a user with identifier bob@example.com exists').params).toEqual({
      identifier: 'bob@example.com',
    });
    const { mock, world: w } = world();
    const values = await w.setup('a user with identifier bob@example.com exists', undefined);
    const user = await get(mock, w.tenant().token, `/users/${values.userId}`);
    expect(user.body.identifier).toBe('bob@example.com');
  });

  it('leaves the session of "an iCloud session requiring a 2FA code" failed with code-required', async () => {
    const { mock, world: w } = world();
    const values = await w.setup('an iCloud session requiring a 2FA code', {});
    const session = await get(mock, w.tenant().token, `/sessions/${values.sessionId}`);
    expect(session.body).toMatchObject({ state: 'failed', error: 'code-required' });
  });

  it('starts each interaction in a fresh tenant that cannot see the previous one', async () => {
    const { mock, world: w } = world();
    const first = await w.setup('an active session {sessionId}', {});
    const firstToken = w.tenant().token;
    w.finishInteraction();
    await w.setup('an organisation exists', {});
    const secondToken = w.tenant().token;
    expect(secondToken).not.toBe(firstToken);
    expect((await get(mock, secondToken, `/sessions/${first.sessionId}`)).status).toBe(404);
    expect((await get(mock, firstToken, `/sessions/${first.sessionId}`)).status).toBe(200);
  });

  it('"an organisation exists" with configured false leaves the organisation unconfigured', async () => {
    const { mock, world: w } = world();
    await w.setup('an organisation exists', { configured: false });
    expect((await get(mock, w.tenant().token, '/organisation')).body.state).toBe('unconfigured');
  });

  it('fails loudly on an unknown state, in one line that says which state was likely meant', async () => {
    const { world: w } = world();
    const err = await w.setup('an expird session', {}).catch((e) => e);
    expect(err).toBeInstanceOf(UnknownProviderStateError);
    expect(err.message).toBe(
      `unknown provider state "an expird session" (did you mean "an expired session"?); ` +
        `\`ricloud-mock verify --list-states\` lists the ${PROVIDER_STATES.length} states ricloud-mock ships`,
    );
    expect(w.problems).toHaveLength(1);
  });

  it('suggests nothing for a name that is close to no state', () => {
    expect(suggestProviderState('zzzz')).toBeUndefined();
    expect(new UnknownProviderStateError('zzzz').message).not.toContain('did you mean');
  });

  it('signs webhook messages with the webhook config secret', async () => {
    const { world: w } = world();
    await w.setup('a completed poll {pollId} with results for {dataTypes}', {});
    const { secret } = await w.setup('a webhook config {webhookConfigId}', {});
    const message = await w.webhookMessage('a poll.completed webhook');
    expect(message.body).toMatchObject({ type: 'poll', action: 'completed' });
    const check = verifyWebhookSignature(
      String(secret),
      message.metadata['Ricloud-Signature'],
      JSON.stringify(message.body),
    );
    expect(check.ok).toBe(true); // against this machine's clock: the t is wall time, as the mock's deliveries
  });

  it('refuses a message description that names no event type', async () => {
    const { world: w } = world();
    await expect(w.webhookMessage('something happened')).rejects.toThrow(/names no event type/);
  });
});
