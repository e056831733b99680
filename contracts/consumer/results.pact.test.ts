// Consumer pact: polls, results and acknowledging them, and the events they leave behind.
import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { authHeader, clientFor, isoDate, newPact } from './pact.ts';

const { like, eachLike, regex, uuid, fromProviderState, integer } = MatchersV3;

const POLL_ID = 'f1447e76-59f1-486b-942f-6b90e3570c63';
const RESULT_ID = '754cfef0-7576-44c0-acfe-8b0d8d0dd32f';
const STATE = 'a completed poll {pollId} with results for {dataTypes}';
const PARAMS = { pollId: POLL_ID, dataTypes: 'callkit.calls' };

describe('results and events (reference client → ricloud)', () => {
  const pact = newPact();

  it("lists a poll's results", async () => {
    await pact
      .addInteraction()
      .given(STATE, PARAMS)
      .uponReceiving("a request for a poll's results")
      .withRequest('GET', '/results', (b) =>
        b.headers(authHeader).query({ poll: fromProviderState(`\${pollId}`, POLL_ID) }),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          resource: 'list',
          data: eachLike({
            id: uuid(RESULT_ID),
            poll: fromProviderState(`\${pollId}`, POLL_ID),
            identifier: regex('^(info|data|file):.+$', 'data:callkit.calls'),
            type: 'json',
            checksum: regex('^[0-9a-f]{32}$', '2668324d21a20301ce71c28bc5e621d4'),
            size: integer(12345),
            state: 'available',
          }),
          has_more: like(false),
        }),
      )
      .executeTest(async (server) => {
        const list = await clientFor(server.url).results.list({ poll: POLL_ID });
        expect(list.data[0]?.state).toBe('available');
      });
  });

  it('acknowledges a result', async () => {
    await pact
      .addInteraction()
      .given(STATE, PARAMS)
      .uponReceiving('a request to acknowledge a result')
      .withRequest('POST', fromProviderState(`/results/\${resultId}/ack`, `/results/${RESULT_ID}/ack`), (b) =>
        b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          id: fromProviderState(`\${resultId}`, RESULT_ID),
          resource: 'result',
          state: 'consumed',
          date_consumed: isoDate(),
        }),
      )
      .executeTest(async (server) => {
        const result = await clientFor(server.url).results.ack(RESULT_ID);
        expect(result.state).toBe('consumed');
      });
  });

  it('lists poll.completed events', async () => {
    await pact
      .addInteraction()
      .given(STATE, PARAMS)
      .uponReceiving('a request for poll.completed events')
      .withRequest('GET', '/events', (b) =>
        b.headers(authHeader).query({ type: 'poll', action: 'completed' }),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          resource: 'list',
          data: eachLike({
            id: uuid('3f2b0c7e-1d7a-4a39-9b54-2f0a7c1d9e21'),
            resource: 'event',
            type: 'poll',
            action: 'completed',
            data: like({
              id: fromProviderState(`\${pollId}`, POLL_ID),
              resource: 'poll',
              state: 'completed',
            }),
            date_created: isoDate(),
          }),
        }),
      )
      .executeTest(async (server) => {
        const events = await clientFor(server.url).events.list({ type: 'poll', action: 'completed' });
        expect(events.data[0]?.action).toBe('completed');
      });
  });
});
