// The error catalogue and the only code that shapes error JSON: `{error, message, params}`.

import type { ErrorCode } from '../../openapi/types.ts';

/** Every error code the mock answers with: the spec's `Error.error` enum (docs/errors.md; requests.error-catalogue in the fidelity ledger). */
export type { ErrorCode };

export type ErrorParams = Record<string, unknown>;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  params: ErrorParams;
}

/** An error a handler throws; `onError` turns it into the documented body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly params: ErrorParams = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: this.code, message: this.message, params: this.params };
  }
}

/**
 * The catalogue: one constructor per error, so that messages are written once.
 * @see https://reincubate.com/support/ricloud/getting-started (the 401); the codes are the mock's (requests.error-catalogue in fidelity/ledger)
 */
export const Errors = {
  malformedRequest: (message: string, params: ErrorParams = {}) =>
    new ApiError(400, 'malformed-request', message, params),
  invalidParameters: (params: Record<string, string>, message?: string) =>
    new ApiError(
      400,
      'invalid-parameters',
      message ??
        `Invalid parameters: ${Object.entries(params)
          .map(([k, v]) => `${k} ${v}`)
          .join('; ')}.`,
      params,
    ),
  unauthorized: (message = 'Authentication credentials were not provided or are invalid.') =>
    new ApiError(401, 'unauthorized', message),
  permissionDenied: (scope: string, message?: string) =>
    new ApiError(403, 'permission-denied', message ?? `The key's permissions do not allow ${scope}.`, {
      scope,
    }),
  limitExceeded: (scope: string, level: string, value: number) =>
    new ApiError(403, 'limit-exceeded', `The limit of ${value} per ${level} for ${scope} is reached.`, {
      scope,
      level,
      value,
    }),
  notFound: (resource: string, id: string | number) =>
    new ApiError(404, 'not-found', `No ${resource} with id ${id}.`, { resource, id: String(id) }),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, 'not-found', `No route for ${method} ${path}.`, { path }),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new ApiError(
      405,
      'method-not-allowed',
      `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.`,
      { method, allowed },
      { Allow: allowed.join(', ') },
    ),
  invalidState: (resource: string, id: string, state: string, message?: string) =>
    new ApiError(409, 'invalid-state', message ?? `The ${resource} ${id} is ${state}.`, {
      resource,
      id,
      state,
    }),
  organisationUnconfigured: () =>
    new ApiError(
      409,
      'organisation-unconfigured',
      'No valid storage config applies to this key: create one (POST /configs/storage) and wait until it is valid.',
    ),
  /** POST /subscriptions with no valid webhook config for the key: its data would reach no receiver. */
  webhookUnconfigured: () =>
    new ApiError(
      409,
      'organisation-unconfigured',
      'No valid webhook config applies to this key: subscriptions need one (POST /configs/webhook, then wait until it is valid).',
      { webhook_config: 'none valid' },
    ),
  /** POST /polls on a Reincubate Relay source without a subscription. */
  relaySubscriptionRequired: (source: string) =>
    new ApiError(
      400,
      'invalid-parameters',
      `Source ${source} is on the Reincubate Relay service, which only retrieves data through a subscription: create one (POST /subscriptions) and poll with {"subscription": <id>}.`,
      { subscription: 'is required to poll a Reincubate Relay source' },
    ),
  payloadTooLarge: (limit: number) =>
    new ApiError(
      413,
      'payload-too-large',
      `The request body is larger than ${limit} bytes.`,
      { limit },
      // The rest of the body is never read: the connection closes after the answer.
      { Connection: 'close' },
    ),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      'unsupported-media-type',
      `Content-Type ${contentType || '(none)'} is not supported: send Content-Type: application/json.`,
      { content_type: contentType },
    ),
  rateLimited: (retryAfterSeconds: number, limit: number) =>
    new ApiError(
      429,
      'rate-limited',
      `Rate limit of ${limit} requests per hour reached; retry in ${retryAfterSeconds} s.`,
      { limit, retry_after: retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    ),
  // The mock's own guards (docs/security.md): a foreign Host (DNS rebinding) and a browser request from a
  // page of another site are refused before anything is read.
  hostNotAllowed: (host: string) =>
    new ApiError(
      403,
      'permission-denied',
      `The Host ${JSON.stringify(host)} is not one the mock answers (DNS rebinding guard): allow it with --allowed-host.`,
      { host },
    ),
  crossSiteRequest: (origin: string) =>
    new ApiError(
      403,
      'permission-denied',
      'The control API refuses requests from pages of another site: use the console at /_mock/ui, or a client that is not a browser.',
      { origin },
    ),
  serverError: (status = 500, message = 'Internal server error.') =>
    new ApiError(status, 'server-error', message),
} as const;
