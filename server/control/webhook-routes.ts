// /_mock control routes for webhooks: the delivery log, redelivery, Relay consent and a signature checker.
import { deliveryLog, redeliverEvent } from '../domain/delivery.ts';
import { Errors } from '../domain/errors.ts';
import { applicableWebhookConfig } from '../domain/events.ts';
import { presentSubscription } from '../domain/presenters.ts';
import type { EventRecord, OrgState, SubscriptionRecord } from '../domain/store.ts';
import { allowSubscription } from '../domain/subscription.ts';
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, verifySignature } from '../runtime/signature.ts';
import { input } from '../spec/input.ts';
import type { ControlHandlers } from './input.ts';
import type { ControlHost } from './state.ts';

/**
 * How a receiver verifies a delivery in TypeScript: served by `GET /_mock/webhooks/verify`, copied into
 * docs/webhooks.md by `npm run gen` (checked by gen:check), and run against real signed deliveries by
 * test/verify-snippet.test.ts.
 */
export const VERIFY_SNIPPET = `import { createHmac, timingSafeEqual } from 'node:crypto';

/** Verifies a ricloud webhook: header = the Ricloud-Signature header, rawBody = the exact request body. */
export function verifyRicloudSignature(header: string, rawBody: string, secret: string, toleranceSeconds = 600): boolean {
  // Split each part at its first '=' only: the base64 signature may end in '=' padding.
  const parts = Object.fromEntries(header.split(',').map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1)]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.s) return false;
  // t is wall time in every clock mode (the mock's manual clock included), so compare it with this machine's clock.
  if (Math.floor(Date.now() / 1000) - t > toleranceSeconds) return false; // replayed or stale
  const expected = createHmac('sha256', secret).update(\`\${t}.\${rawBody}\`).digest();
  const given = Buffer.from(parts.s, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}`;

function findEvent(mock: ControlHost, id: string): { org: OrgState; event: EventRecord } {
  for (const org of mock.ctx.world.orgs.values()) {
    const event = org.events.get(id);
    if (event) return { org, event };
  }
  throw Errors.notFound('event', id);
}

function findSubscription(mock: ControlHost, id: string): { org: OrgState; sub: SubscriptionRecord } {
  for (const org of mock.ctx.world.orgs.values()) {
    const sub = org.subscriptions.get(id);
    if (sub) return { org, sub };
  }
  throw Errors.notFound('subscription', id);
}

/** Keyed by operationId, mounted from control/routes.ts: `GET /deliveries`, `POST /events/{id}/redeliver`, `POST /subscriptions/{id}/allow`, `/webhooks/verify`. */
export function webhookHandlers(mock: ControlHost) {
  return {
    listDeliveries: (c) => {
      const event = c.req.query('event') || undefined;
      const status = c.req.query('status') || undefined;
      const log = deliveryLog(mock.ctx);
      const data = log.list({ event, status });
      return c.json({ data, total_count: data.length, capacity: log.capacity });
    },

    // The control API is global: the event is looked up in every organisation.
    redeliverEvent: async (c) => {
      const { org, event } = findEvent(mock, c.req.param('id') ?? '');
      const config = org.webhookConfigs.get(event.x?.config) ?? applicableWebhookConfig(org, event.x?.key);
      if (!config || config.state === 'deactivated') {
        throw Errors.invalidState('event', event.id, event.state, 'No webhook config applies to this event.');
      }
      const attempt = await redeliverEvent(mock.ctx, org, event, config);
      return c.json(attempt);
    },

    allowSubscription: (c) => {
      const { org, sub } = findSubscription(mock, c.req.param('id') ?? '');
      if (sub.state !== 'pending' && sub.state !== 'active') {
        throw Errors.invalidState('subscription', sub.id, sub.state);
      }
      allowSubscription(mock.ctx, org, sub);
      return c.json(presentSubscription(mock.ctx, sub));
    },

    describeWebhookSignature: (c) =>
      c.json({
        header: SIGNATURE_HEADER,
        scheme: 't=<unix seconds>,s=<base64 of HMAC-SHA256(key = secret, message = "<t>.<raw body>")>',
        tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
        usage:
          'POST {"header", "body", "secret", "tolerance_seconds"?} here to check a delivery. t is wall time in every clock mode (dates in the body are mock time), so it is checked against wall time, as a receiver does.',
        snippet: VERIFY_SNIPPET,
      }),

    verifyWebhookSignature: (c) => {
      // The control pipeline has already validated the body against openapi/control.yaml: header, body and secret
      // are strings, and tolerance_seconds, when given, a number of seconds at or above 0.
      const { body } = input(c);
      const result = verifySignature(body.header, body.body, body.secret, {
        // Wall time, as the signer's t and as a receiver's clock: moving the mock clock never ages a signature.
        nowSeconds: Math.floor(mock.ctx.wallNow() / 1000),
        toleranceSeconds: body.tolerance_seconds ?? DEFAULT_TOLERANCE_SECONDS,
      });
      return c.json(result);
    },
  } satisfies ControlHandlers;
}
