// Which Host names the mock answers (DNS rebinding) and which Origins count as its own (cross-site requests), and a
// constant-time string comparison for secrets. Pure functions: the planes turn a "no" into their error shape.
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * The Host allow-list: `true` answers every name; else the loopback names (`localhost`, `*.localhost`), every IP
 * literal (a rebinding attack needs a DNS name it controls, so an address cannot be rebound), and `extra` (the
 * public url's host, the bound address, `--allowed-host`). An entry starting with `.` allows that domain and every
 * name under it (`.example.test`), as Vite's `server.allowedHosts` does.
 */
export type AllowedHosts = true | readonly string[];

/** The host name of a `Host` header value, lower-cased, without its port or IPv6 brackets; undefined if malformed. */
export function hostName(header: string): string | undefined {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    return value.slice(1, end);
  }
  const m = /^([a-z0-9._~-]+)(?::\d{1,5})?$/.exec(value);
  return m?.[1]?.replace(/\.$/, '');
}

/**
 * A checker of Host headers; it remembers its last answers (bounded), as each request asks it once.
 * @example const allowed = hostChecker(['mock.internal']); allowed('mock.internal:8787') // true
 */
export function hostChecker(allowed: AllowedHosts): (hostHeader: string | undefined) => boolean {
  if (allowed === true) return () => true;
  const exact = new Set<string>();
  const suffixes: string[] = ['.localhost'];
  for (const entry of allowed) {
    const e = entry.trim().toLowerCase();
    if (e === '*') return () => true;
    if (e.startsWith('.')) suffixes.push(e);
    else {
      const name = hostName(e) ?? e;
      exact.add(name);
    }
  }
  const cache = new Map<string, boolean>();
  const decide = (header: string): boolean => {
    const name = hostName(header);
    if (name === undefined || name === '') return false;
    if (name === 'localhost' || isIP(name) !== 0 || exact.has(name)) return true;
    return suffixes.some((s) => name.endsWith(s) || name === s.slice(1));
  };
  return (header) => {
    // In-process requests (`app.request()`) have no Host header: they cannot come from a browser.
    if (header === undefined) return true;
    const hit = cache.get(header);
    if (hit !== undefined) return hit;
    const answer = decide(header);
    if (cache.size >= 256) cache.clear();
    cache.set(header, answer);
    return answer;
  };
}

/** The host (with port) of a url, lower-cased, or undefined when it is not a url. */
function hostOfUrl(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a browser request comes from a page of another site: an `Origin` that is not the request's own
 * (`http://` + its Host), or `Sec-Fetch-Site: cross-site`/`same-site` on anything but a top-level navigation (a link
 * to the console from another page must still open it). Non-browser clients send neither header.
 */
export function isCrossSite(headers: {
  origin?: string | undefined;
  host?: string | undefined;
  fetchSite?: string | undefined;
  fetchMode?: string | undefined;
}): boolean {
  const { origin, host, fetchSite, fetchMode } = headers;
  if (origin !== undefined) {
    // `Origin: null` (a sandboxed frame, a file:// page, a redirect across origins) is never the mock's own page.
    if (origin === 'null') return true;
    const originHost = hostOfUrl(origin);
    const own = host?.trim().toLowerCase();
    if (!originHost || !own) return true;
    if (originHost !== own && originHost !== defaultPortless(own)) return true;
  }
  if ((fetchSite === 'cross-site' || fetchSite === 'same-site') && fetchMode !== 'navigate') return true;
  return false;
}

/** `host:80` as a browser writes it in an Origin (`http://host`, the default port dropped). */
function defaultPortless(host: string): string {
  return host.endsWith(':80') ? host.slice(0, -3) : host;
}

/** Compares two secrets in time that depends on their lengths only, never on where they first differ. */
export function safeEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths: compare the expected value with itself so that both paths cost the same.
  if (a.length !== b.length) return timingSafeEqual(b, b) && false;
  return timingSafeEqual(a, b);
}
