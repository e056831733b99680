// Memory: no request retains heap once it is answered (in-process, measured after forced garbage collections).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createMock, type MockOptions } from '../../server/app.ts';

// vitest workers run without --expose-gc: turn the flag on, then fetch gc() from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const REQUESTS = 5_000;
/** Generous: the leak this guards against retained ~4,700 bytes a request; a flat path measures ~0. */
const MAX_BYTES_PER_REQUEST = 500;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes retained per request after a warm-up (so that caches and compiled validators are not counted). */
async function retainedPerRequest(
  options: MockOptions,
  send: (mock: ReturnType<typeof createMock>) => Response | Promise<Response>,
): Promise<number> {
  const mock = createMock({ seed: 'memory', ...options });
  for (let i = 0; i < 500; i++) await (await send(mock)).text();
  const before = heapUsed();
  for (let i = 0; i < REQUESTS; i++) await (await send(mock)).text();
  const grown = heapUsed() - before;
  mock.close();
  return grown / REQUESTS;
}

const auth = (mock: ReturnType<typeof createMock>) => ({ Authorization: `Token ${mock.token}` });

describe('memory: heap retained per request', () => {
  it.each([
    ['an unknown route (404 route-not-found)', '/nope'],
    ['an id of the wrong shape (404 not-found)', '/users/nope'],
    ['a known list (200)', '/users?limit=5'],
  ])('%s stays flat', async (_name, path) => {
    const perRequest = await retainedPerRequest({}, (mock) =>
      mock.app.request(path, { headers: auth(mock) }),
    );
    expect(perRequest).toBeLessThan(MAX_BYTES_PER_REQUEST);
  });

  it('a request without credentials (401) stays flat', async () => {
    const perRequest = await retainedPerRequest({}, (mock) => mock.app.request('/organisation'));
    expect(perRequest).toBeLessThan(MAX_BYTES_PER_REQUEST);
  });

  it('with journal bodies on, rejected POST bodies stay flat (the journal is a capped ring)', async () => {
    const perRequest = await retainedPerRequest(
      { control: { journal: { size: 10, bodies: true } } },
      (mock) =>
        mock.app.request('/users', {
          method: 'POST',
          headers: { ...auth(mock), 'Content-Type': 'application/json' },
          body: JSON.stringify({ identifier: 42 }),
        }),
    );
    expect(perRequest).toBeLessThan(MAX_BYTES_PER_REQUEST);
  });
});
