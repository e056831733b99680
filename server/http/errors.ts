// The error funnel: how every thrown error and every unknown route becomes the documented `{error, message,
// params}` JSON. createMock installs it on the root app, so it answers for both planes (ricloud and /_mock) and
// for the signed-url routes; the catalogue that words each refusal is server/domain/errors.ts.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { ApiError, Errors } from '../domain/errors.ts';

/** A thrown ApiError answers its status, headers and body; a Hono 4xx a 400-style body; anything else a 500. */
export function errorHandler(logger: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(err.toBody(), err.status as 400);
    }
    if (err instanceof HTTPException && err.status < 500) {
      return c.json(Errors.malformedRequest(err.message || 'Bad request.').toBody(), err.status);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(Errors.serverError().toBody(), 500);
  };
}

/** A path no route answers: 404 route-not-found. */
export const notFoundHandler: NotFoundHandler = (c) =>
  c.json(Errors.routeNotFound(c.req.method, c.req.path).toBody(), 404);
