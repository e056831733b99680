// A valid webhook config for tests that need one (subscriptions do): a real receiver, closed when the test ends.
import { expect, onTestFinished } from 'vitest';
import type { TestMock } from './api.ts';
import { type Receiver, startReceiver } from './receiver.ts';

/**
 * Starts a receiver that answers 200, creates a webhook config aimed at it and lets its test pass on the clock, so
 * the organisation (or the key of `token`) has a `valid` webhook config; the receiver closes when the test ends.
 * Requests the receiver got while validating (the `webhook_config.test` event) are cleared.
 * @example const r = await validWebhookConfig(t); await t.post('/subscriptions', {...});
 */
export async function validWebhookConfig(
  t: TestMock,
  token?: string,
): Promise<{ receiver: Receiver; config: { id: string; url: string; state: string } }> {
  const receiver = await startReceiver(() => 200);
  onTestFinished(() => receiver.close());
  const o = token ? { token } : {};
  const created = await t.post('/configs/webhook', { url: receiver.url }, o);
  expect(created.status).toBe(201);
  await t.advance(1);
  const config = (await t.get(`/configs/webhook/${created.body.id}`, o)).body;
  expect(config.state).toBe('valid');
  receiver.requests.length = 0;
  return { receiver, config };
}
