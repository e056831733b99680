// Shared set-up of the consumer pacts: one pact between the reference client and the ricloud provider.
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { createClient } from '../client/client.ts';

const { regex, datetime } = MatchersV3;

/** Where pact files go (cleared by run-pact.sh before each consumer run). */
export const PACT_DIR = fileURLToPath(new URL('../pacts', import.meta.url));

/** The provider name the pacts are written against (`ricloud-mock verify --provider`). */
export const PROVIDER = 'ricloud';

/** A new pact for one test file. */
export function newPact(consumer = 'ricloud-reference-client'): PactV4 {
  return new PactV4({ consumer, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });
}

/** The token the consumer sends; the provider swaps in each interaction's tenant token. */
export const CONSUMER_TOKEN = 'consumer-test-token';

/** Any `Token <x>` header: the verifier replaces the token with its tenant's own. */
export const authHeader = { Authorization: regex('^Token \\S+$', `Token ${CONSUMER_TOKEN}`) };
export const jsonHeaders = { ...authHeader, 'Content-Type': 'application/json' };

/** The mock's datetimes: ISO 8601 UTC with microseconds. */
export const isoDate = (example = '2018-11-22T14:20:52.211618Z') =>
  datetime("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX", example);

/** A decimal-string sequential id (users, sources, configs). */
export const seqId = (example = '1') => regex('^[0-9]+$', example);

/**
 * A fetch over node:http with a fresh connection per request: Pact starts a mock server per interaction,
 * and a pooled keep-alive socket to a finished one makes the next request vanish.
 */
export function freshConnectionFetch(input: string, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = { ...(init.headers as Record<string, string>), Connection: 'close' };
    const req = request(input, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, String(v));
        resolve(
          new Response(chunks.length ? Buffer.concat(chunks) : null, {
            status: res.statusCode,
            headers: out,
          }),
        );
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      console.error(`consumer request to ${input} failed:`, e);
      reject(e);
    });
    if (typeof init.body === 'string') req.write(init.body);
    req.end();
  });
}

/** The reference client pointed at Pact's mock server (no waiting). */
export function clientFor(url: string) {
  return createClient({
    baseUrl: url,
    token: CONSUMER_TOKEN,
    fetch: freshConnectionFetch,
    sleep: async () => {},
  });
}
