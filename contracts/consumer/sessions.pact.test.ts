// Consumer pact: sessions beyond the happy path — 2FA, expiry and ending a session.
import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { authHeader, clientFor, isoDate, jsonHeaders, newPact, seqId } from './pact.ts';

const { like, uuid, fromProviderState } = MatchersV3;

const SESSION_ID = '0b5e6f0a-8d8e-4d6c-9d55-0a2d1f1f6c11';

describe('sessions (reference client → ricloud)', () => {
  const pact = newPact();

  it('sees a session fail with code-required when the account has 2FA', async () => {
    await pact
      .addInteraction()
      .given('an iCloud session requiring a 2FA code')
      .uponReceiving('a request for a session that needs a 2FA code')
      .withRequest('GET', fromProviderState(`/sessions/\${sessionId}`, `/sessions/${SESSION_ID}`), (b) =>
        b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({ id: uuid(SESSION_ID), resource: 'session', state: 'failed', error: 'code-required' }),
      )
      .executeTest(async (server) => {
        const session = await clientFor(server.url).sessions.retrieve(SESSION_ID);
        expect(session.error).toBe('code-required');
      });
  });

  it('retries the session with the 2FA code', async () => {
    await pact
      .addInteraction()
      .given('an iCloud session requiring a 2FA code')
      .uponReceiving('a request to create a session with a 2FA code')
      .withRequest('POST', '/sessions', (b) =>
        b.headers(jsonHeaders).jsonBody({
          source: {
            user: fromProviderState(`\${userId}`, '1'),
            type: 'icloud.account',
            identifier: 'jane@example.com',
          },
          payload: { password: 'app-specific-password', code: '123456' },
        }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          id: uuid(SESSION_ID),
          resource: 'session',
          state: 'pending',
          source: like({ id: seqId(), identifier: 'jane@example.com' }),
        }),
      )
      .executeTest(async (server) => {
        const session = await clientFor(server.url).sessions.create({
          source: { user: '1', type: 'icloud.account', identifier: 'jane@example.com' },
          payload: { password: 'app-specific-password', code: '123456' },
        });
        expect(session.state).toBe('pending');
      });
  });

  it('sees an expired session with its date of expiry', async () => {
    await pact
      .addInteraction()
      .given('an expired session')
      .uponReceiving('a request for an expired session')
      .withRequest('GET', fromProviderState(`/sessions/\${sessionId}`, `/sessions/${SESSION_ID}`), (b) =>
        b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          id: uuid(SESSION_ID),
          state: 'expired',
          error: 'organisation',
          date_expired: isoDate('2018-11-22T15:00:00.000000Z'),
        }),
      )
      .executeTest(async (server) => {
        const session = await clientFor(server.url).sessions.retrieve(SESSION_ID);
        expect(session.state).toBe('expired');
      });
  });

  it('ends an active session', async () => {
    await pact
      .addInteraction()
      .given('an active session {sessionId}', { sessionId: SESSION_ID })
      .uponReceiving('a request to delete a session')
      .withRequest('DELETE', fromProviderState(`/sessions/\${sessionId}`, `/sessions/${SESSION_ID}`), (b) =>
        b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({ id: uuid(SESSION_ID), resource: 'session', state: 'expired', error: 'organisation' }),
      )
      .executeTest(async (server) => {
        const session = await clientFor(server.url).sessions.delete(SESSION_ID);
        expect(session.state).toBe('expired');
      });
  });

  it('gets a 404 for a session it does not know', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    await pact
      .addInteraction()
      .given('an organisation exists')
      .uponReceiving('a request for an unknown session')
      .withRequest('GET', `/sessions/${unknown}`, (b) => b.headers(authHeader))
      .willRespondWith(404, (b) =>
        b.jsonBody({ error: 'not-found', message: like('No session with id ...') }),
      )
      .executeTest(async (server) => {
        await expect(clientFor(server.url).sessions.retrieve(unknown)).rejects.toMatchObject({
          status: 404,
          code: 'not-found',
        });
      });
  });
});
