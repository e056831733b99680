// Consumer pact: storage and webhook configs, and a Relay subscription awaiting the app user.
import { MatchersV3 } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { authHeader, clientFor, jsonHeaders, newPact, seqId } from './pact.ts';

const { like, regex, uuid, fromProviderState } = MatchersV3;

const CONFIG_STATES = '^(new|valid|invalid|deactivated)$';

describe('configs and subscriptions (reference client → ricloud)', () => {
  const pact = newPact();

  it('creates a storage config, which starts as new', async () => {
    const body = {
      url: 's3://my-bucket/results',
      credentials: { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'example-secret' },
    };
    await pact
      .addInteraction()
      .given('an organisation exists')
      .uponReceiving('a request to create a storage config')
      .withRequest('POST', '/configs/storage', (b) => b.headers(jsonHeaders).jsonBody(body))
      .willRespondWith(201, (b) =>
        b.jsonBody({
          id: seqId('2'),
          resource: 'storage_config',
          url: 's3://my-bucket/results',
          state: 'new',
        }),
      )
      .executeTest(async (server) => {
        const config = await clientFor(server.url).configs.storage.create(body);
        expect(config.state).toBe('new');
      });
  });

  it('reads a valid storage config', async () => {
    await pact
      .addInteraction()
      .given('a valid storage config')
      .uponReceiving('a request for a valid storage config')
      .withRequest(
        'GET',
        fromProviderState(`/configs/storage/\${storageConfigId}`, '/configs/storage/2'),
        (b) => b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({ id: seqId('2'), resource: 'storage_config', state: 'valid', credentials: null }),
      )
      .executeTest(async (server) => {
        const config = await clientFor(server.url).configs.storage.retrieve('2');
        expect(config.state).toBe('valid');
      });
  });

  it('creates a webhook config and keeps its secret', async () => {
    await pact
      .addInteraction()
      .given('an organisation exists')
      .uponReceiving('a request to create a webhook config')
      .withRequest('POST', '/configs/webhook', (b) =>
        b.headers(jsonHeaders).jsonBody({ url: 'http://127.0.0.1:9/webhooks' }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          id: seqId(),
          resource: 'webhook_config',
          secret: like('whsec-example'),
          state: regex(CONFIG_STATES, 'new'),
        }),
      )
      .executeTest(async (server) => {
        const config = await clientFor(server.url).configs.webhook.create({
          url: 'http://127.0.0.1:9/webhooks',
        });
        expect(config.secret).toBeTruthy();
      });
  });

  it('reads a webhook config', async () => {
    await pact
      .addInteraction()
      .given('a webhook config {webhookConfigId}', { webhookConfigId: '1' })
      .uponReceiving('a request for a webhook config')
      .withRequest(
        'GET',
        fromProviderState(`/configs/webhook/\${webhookConfigId}`, '/configs/webhook/1'),
        (b) => b.headers(authHeader),
      )
      .willRespondWith(200, (b) =>
        b.jsonBody({
          id: fromProviderState(`\${webhookConfigId}`, '1'),
          resource: 'webhook_config',
          url: like('http://127.0.0.1:9/webhooks'),
          state: regex(CONFIG_STATES, 'invalid'),
        }),
      )
      .executeTest(async (server) => {
        const config = await clientFor(server.url).configs.webhook.retrieve('1');
        expect(config.resource).toBe('webhook_config');
      });
  });

  it('sees a Relay subscription waiting for the app user', async () => {
    const id = '9b2f3c44-5e6d-4f70-8a91-b2c3d4e5f607';
    await pact
      .addInteraction()
      .given('a relay subscription awaiting approval')
      .uponReceiving('a request for a pending subscription')
      .withRequest(
        'GET',
        fromProviderState(`/subscriptions/\${subscriptionId}`, `/subscriptions/${id}`),
        (b) => b.headers(authHeader),
      )
      .willRespondWith(200, (b) => b.jsonBody({ id: uuid(id), resource: 'subscription', state: 'pending' }))
      .executeTest(async (server) => {
        const subscription = await clientFor(server.url).subscriptions.retrieve(id);
        expect(subscription.state).toBe('pending');
      });
  });
});
