// Consumer message pact: what a webhook receiver built on the reference client expects ricloud to deliver.
import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../openapi/types.ts';
import { parseSignatureHeader } from '../client/signature.ts';
import { isoDate, newPact } from './pact.ts';

const { like, regex, uuid } = MatchersV3;

/** The receiver under test: reads the event and the signature header's parts (checked with the secret later). */
function receive(body: unknown, metadata: Record<string, unknown>): { event: Event; timestamp: number } {
  const header = String(metadata['Ricloud-Signature'] ?? '');
  const parsed = parseSignatureHeader(header);
  if (!parsed) throw new Error(`bad Ricloud-Signature ${header}`);
  return { event: body as Event, timestamp: parsed.timestamp };
}

const SIGNATURE = regex('^t=\\d+,s=[A-Za-z0-9+/]+={0,2}$', 't=1542896452,s=3q2+7w==');

describe('webhook deliveries (ricloud → a receiver)', () => {
  const pact = newPact('ricloud-reference-webhook-receiver');

  it('receives a signed poll.completed event', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('a completed poll {pollId} with results for {dataTypes}', { dataTypes: 'callkit.calls' })
      .given('a webhook config {webhookConfigId}')
      .expectsToReceive('a poll.completed webhook', (m) =>
        m
          .withJSONContent({
            id: uuid('3f2b0c7e-1d7a-4a39-9b54-2f0a7c1d9e21'),
            resource: 'event',
            type: 'poll',
            action: 'completed',
            data: like({
              id: uuid('f1447e76-59f1-486b-942f-6b90e3570c63'),
              resource: 'poll',
              state: 'completed',
            }),
            date_created: isoDate(),
          })
          .withMetadata({ 'Ricloud-Signature': SIGNATURE }),
      )
      .executeTest(async (message) => {
        const { event, timestamp } = receive(
          message.contents.content,
          message.metadata as Record<string, unknown>,
        );
        expect(event.action).toBe('completed');
        expect(timestamp).toBeGreaterThan(0);
      });
  });

  it('receives a signed session.expired event', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('an expired session')
      .given('a webhook config {webhookConfigId}')
      .expectsToReceive('a session.expired webhook', (m) =>
        m
          .withJSONContent({
            id: uuid('5a1e2b3c-4d5e-4f60-8a71-92b3c4d5e6f7'),
            resource: 'event',
            type: 'session',
            action: 'expired',
            data: like({ resource: 'session', state: 'expired', error: like('organisation') }),
          })
          .withMetadata({ 'Ricloud-Signature': SIGNATURE }),
      )
      .executeTest(async (message) => {
        const { event } = receive(message.contents.content, message.metadata as Record<string, unknown>);
        expect(event.type).toBe('session');
      });
  });
});
