/// <reference lib="dom" />
// The console's only way to the mock: the documented control API (/_mock, openapi/control.yaml).
import type { components } from '../../../../openapi/control.d.ts';

export type Job = components['schemas']['Job'];
export type Machine = components['schemas']['Machine'];
export type Change = components['schemas']['Change'];
export type JournalEntry = components['schemas']['JournalEntry'];
export type DeliveryAttempt = components['schemas']['DeliveryAttempt'];
export type Tenant = components['schemas']['Tenant'];
export type FaultRule = components['schemas']['FaultRule'];
export type ClockInfo = components['schemas']['ClockInfo'];

/** A record as ricloud presents it (the console reads a few fields generically). */
export type Row = { id: string; state?: string; [key: string]: unknown };
export interface Page {
  data: Row[];
  total_count: number;
  offset: number;
  limit: number;
}
export interface HistoryStep {
  state: string;
  time: string;
}

/** A control API error in the mock's `{error, message, params}` shape. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls `/_mock<path>`; a JSON body is sent as JSON; a non-2xx answer throws a ControlError. */
export async function control<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/_mock${path}`, {
    method: init.method ?? 'GET',
    credentials: 'same-origin',
    headers: init.body === undefined ? {} : { 'Content-Type': 'application/json' },
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string };
    throw new ControlError(res.status, e.error ?? 'error', e.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** Builds a query string from the defined values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The url of a result's bytes (previews and download). */
export const contentUrl = (org: number, result: string): string =>
  `/_mock/organisations/${org}/records/results/${encodeURIComponent(result)}/content`;
