// The web console at /_mock/ui: one HTML page and its bundled assets; the page itself talks only to /_mock.
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { safeEqual } from '../../runtime/host-check.ts';
import { CONTROL_COOKIE, controlGuard } from '../routes.ts';
import { consoleAssets } from './assets.ts';

/** Where the console is mounted. */
export const CONSOLE_PATH = '/_mock/ui';

/** Options of the console: the control token, when the control plane has one. */
export interface ConsoleOptions {
  token?: string;
}

const page = (hash: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>ricloud-mock console</title>
<link rel="stylesheet" href="${CONSOLE_PATH}/app.css?v=${hash}">
</head>
<body>
<div id="app"><p>Loading the ricloud-mock console…</p></div>
<noscript>The console needs JavaScript; the same data is at <a href="/_mock/clock">/_mock</a>.</noscript>
<script type="module" src="${CONSOLE_PATH}/app.js?v=${hash}"></script>
</body>
</html>
`;

/**
 * The console's routes, mounted at /_mock/ui before the control API. Same access rule as /_mock (the control
 * guard). With a control token, `GET /_mock/ui?token=<token>` stores it in an HttpOnly, SameSite=Strict cookie
 * scoped to /_mock and redirects to the clean url, so the token leaves the address bar and every later request of
 * the page (fetch and EventSource alike) carries it.
 */
export function consoleRoutes(options: ConsoleOptions = {}): Hono {
  const app = new Hono({ strict: false });
  app.get('/', async (c, next) => {
    const given = c.req.query('token');
    if (options.token && safeEqual(given, options.token)) {
      setCookie(c, CONTROL_COOKIE, options.token, { path: '/_mock', httpOnly: true, sameSite: 'Strict' });
      return c.redirect(CONSOLE_PATH, 303);
    }
    return next();
  });
  app.use('*', controlGuard(options.token));
  const headers = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
  app.get('/', async (c) =>
    c.html(page((await consoleAssets()).hash), 200, {
      ...headers,
      // Everything is same-origin: no CDN, no inline script, nothing else to talk to.
      'Content-Security-Policy':
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    }),
  );
  app.get('/app.js', async (c) => {
    const { js, hash } = await consoleAssets();
    return c.body(js, 200, {
      ...headers,
      'Content-Type': 'text/javascript; charset=utf-8',
      ETag: `"${hash}"`,
    });
  });
  app.get('/app.css', async (c) => {
    const { css, hash } = await consoleAssets();
    return c.body(css, 200, { ...headers, 'Content-Type': 'text/css; charset=utf-8', ETag: `"${hash}"` });
  });
  return app;
}
