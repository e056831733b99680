// Consumer pact: the getting-started walkthrough as the reference client performs it, one interaction a step.
import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { authHeader, clientFor, isoDate, jsonHeaders, newPact, seqId } from './pact.ts';

const { like, eachLike, regex, uuid, fromProviderState, integer } = MatchersV3;

const SESSION_ID = 'ed855b07-f72b-4983-ac1d-980fafee8a0b';
const POLL_ID = 'f1447e76-59f1-486b-942f-6b90e3570c63';

describe('getting started (reference client → ricloud)', () => {
  const pact = newPact();

  it('retrieves its organisation', async () => {
    await pact
      .addInteraction()
      .given('an organisation exists')
      .uponReceiving('a request for the organisation')
      .withRequest('GET', '/organisation', (b) => b.headers(authHeader))
      .willRespondWith(200, (b) =>
        b.jsonBody({
          id: integer(1),
          resource: 'organisation',
          name: like('Pact Organisation'),
          state: regex('^(unconfigured|active|deactivated|blocked)$', 'active'),
          // The nested set is resource `permissions`: the official client builds nested objects by their resource
          // name and has no class for the getting-started page's `organisation_permissions`.
          permissions: like({
            id: integer(1),
            resource: regex('^permissions$', 'permissions'),
            identifier: like('default'),
          }),
        }),
      )
      .executeTest(async (server) => {
        const org = await clientFor(server.url).organisation.retrieve();
        expect(org.resource).toBe('organisation');
        expect(org.state).toBe('active');
        expect(org.permissions.resource).toBe('permissions');
      });
  });

  it('creates a user', async () => {
    await pact
      .addInteraction()
      .given('an organisation exists')
      .uponReceiving('a request to create a user')
      .withRequest('POST', '/users', (b) =>
        b.headers(jsonHeaders).jsonBody({ identifier: 'end-user@example.com' }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          id: seqId(),
          resource: 'user',
          identifier: 'end-user@example.com',
          state: 'active',
          date_created: isoDate(),
        }),
      )
      .executeTest(async (server) => {
        const user = await clientFor(server.url).users.create({ identifier: 'end-user@example.com' });
        expect(user.identifier).toBe('end-user@example.com');
      });
  });

  it('opens a session for an iCloud account', async () => {
    await pact
      .addInteraction()
      .given('a user with identifier {identifier} exists', { identifier: 'jane+no2fa@example.com' })
      .uponReceiving('a request to create an iCloud session')
      .withRequest('POST', '/sessions', (b) =>
        b.headers(jsonHeaders).jsonBody({
          source: {
            user: fromProviderState(`\${userId}`, '1'),
            type: 'icloud.account',
            identifier: 'jane+no2fa@example.com',
          },
          payload: { password: 'app-specific-password' },
        }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          id: uuid(SESSION_ID),
          resource: 'session',
          state: 'pending',
          error: null,
          source: like({
            id: seqId(),
            type: 'icloud.account',
            identifier: 'jane+no2fa@example.com',
          }),
        }),
      )
      .executeTest(async (server) => {
        const session = await clientFor(server.url).sessions.create({
          source: { user: '1', type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
          payload: { password: 'app-specific-password' },
        });
        expect(session.state).toBe('pending');
      });
  });

  it('sees the session become active', async () => {
    await pact
      .addInteraction()
      .given('an active session {sessionId}', { sessionId: SESSION_ID })
      .uponReceiving('a request for an active session')
      .withRequest('GET', fromProviderState(`/sessions/\${sessionId}`, `/sessions/${SESSION_ID}`), (b) =>
        b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          id: fromProviderState(`\${sessionId}`, SESSION_ID),
          resource: 'session',
          state: 'active',
          error: null,
          source: like({ id: seqId(), type: 'icloud.account', state: 'active' }),
        }),
      )
      .executeTest(async (server) => {
        const session = await clientFor(server.url).sessions.retrieve(SESSION_ID);
        expect(session.state).toBe('active');
      });
  });

  it('creates a poll for data', async () => {
    await pact
      .addInteraction()
      .given('an active session {sessionId}', { sessionId: SESSION_ID })
      .uponReceiving('a request to create a poll')
      .withRequest('POST', '/polls', (b) =>
        b.headers(jsonHeaders).jsonBody({
          session: fromProviderState(`\${sessionId}`, SESSION_ID),
          payload: { data_types: ['callkit.calls'] },
        }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          id: uuid(POLL_ID),
          resource: 'poll',
          session: fromProviderState(`\${sessionId}`, SESSION_ID),
          state: regex('^(pending|processing|completed)$', 'pending'),
        }),
      )
      .executeTest(async (server) => {
        const poll = await clientFor(server.url).polls.create({
          session: SESSION_ID,
          payload: { data_types: ['callkit.calls'] },
        });
        expect(poll.id).toBe(POLL_ID);
      });
  });

  it('waits for the poll to complete and reads its results', async () => {
    await pact
      .addInteraction()
      .given('a completed poll {pollId} with results for {dataTypes}', {
        pollId: POLL_ID,
        dataTypes: 'callkit.calls',
      })
      .uponReceiving('a request for a completed poll')
      .withRequest('GET', fromProviderState(`/polls/\${pollId}`, `/polls/${POLL_ID}`), (b) =>
        b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          id: fromProviderState(`\${pollId}`, POLL_ID),
          resource: 'poll',
          state: 'completed',
          results: like({
            resource: 'list',
            data: eachLike({
              id: uuid('754cfef0-7576-44c0-acfe-8b0d8d0dd32f'),
              resource: 'result',
              identifier: 'data:callkit.calls',
              type: 'json',
              url: like('s3://ricloud-mock/results/f1447e76/754cfef0.json'),
              checksum: regex('^[0-9a-f]{32}$', '2668324d21a20301ce71c28bc5e621d4'),
              size: integer(12345),
              state: 'available',
            }),
          }),
          errors: like({ resource: 'list', data: [] }),
        }),
      )
      .executeTest(async (server) => {
        const poll = await clientFor(server.url).polls.waitForCompletion(POLL_ID);
        expect(poll.state).toBe('completed');
        expect(poll.results.data[0]?.type).toBe('json');
      });
  });
});
