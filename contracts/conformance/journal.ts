// Reading the mock's request journal (GET /_mock/requests) the way the checks judge it: oldest first, one line each.
import type { JournalEntry } from '../../server/index.ts';

/** A journal entry as the control API serves it (`time` is ISO 8601 on the mock's clock). */
export type Line = Omit<JournalEntry, 'at'> & { at?: number };

/** Mock-clock milliseconds of an entry, microseconds kept (`2026-01-01T00:00:01.000250Z` → …1000.25). */
export function timeMs(line: Pick<Line, 'time'>): number {
  const ms = Date.parse(line.time);
  const micros = /\.\d{3}(\d{1,3})Z$/.exec(line.time)?.[1];
  return micros ? ms + Number(micros.padEnd(3, '0')) / 1000 : ms;
}

/** `#12 00:00:01.250 GET /organisation?limit=10 → 503 server-error [fault_1]`: what a failing check prints. */
export function describe(line: Line, origin?: number): string {
  const query = Object.entries(line.query)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const when =
    origin === undefined ? line.time : `+${((timeMs(line) - origin) / 1000).toFixed(3)}s`.padStart(9);
  const error = line.error ? ` ${line.error}` : '';
  const faults = line.faults.length ? ` [${line.faults.join(', ')}]` : '';
  return `#${line.seq} ${when} ${line.method} ${line.path}${query ? `?${query}` : ''} → ${line.status}${error}${faults}`;
}

/** The response body the journal kept (the kit's mocks record bodies), as an object. */
export function responseOf(line: Line): Record<string, unknown> | undefined {
  const body = line.response_body;
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}
