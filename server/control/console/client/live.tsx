/** @jsxImportSource preact */
/// <reference lib="dom" />
// Webhooks (events with their deliveries, redeliver) and the request journal as a live tail.
import { useContext, useEffect, useState } from 'preact/hooks';
import {
  control,
  type DeliveryAttempt,
  type Job,
  type JournalEntry,
  type Page,
  query,
  type Tenant,
} from './api.ts';
import { Button, Card, LiveContext, Short, StateBadge, Time, useAction, useControl } from './ui.tsx';

function OrgEvents(props: { org: number; attempts: DeliveryAttempt[]; jobs: Job[] }) {
  const events = useControl<Page>(`/organisations/${props.org}/records/events?limit=50`);
  const act = useAction();
  return (
    <>
      {(events.data?.data ?? []).map((e) => {
        const attempts = props.attempts.filter((a) => a.event === e.id).reverse();
        const retry = props.jobs.find((j) => j.kind.includes('deliver') && j.args.event === e.id);
        return (
          <article class="event" key={e.id} data-testid="event" data-event={e.id}>
            <h3>
              <code>{e.id}</code> {String(e.type)}.{String(e.action)} <StateBadge state={e.state} />{' '}
              <span class="muted">organisation {props.org}</span>
            </h3>
            <p>
              Created <Time value={e.date_created} /> · next retry:{' '}
              <span data-testid="next-retry">{retry ? <Time value={retry.due} /> : 'none'}</span>
            </p>
            {attempts.length ? (
              <table class="table" aria-label={`Deliveries of ${e.id}`}>
                <thead>
                  <tr>
                    <th scope="col">Attempt</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Status</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Sent</th>
                    <th scope="col">Signature header</th>
                  </tr>
                </thead>
                <tbody>
                  {attempts.map((a) => (
                    <tr key={a.id} data-testid="attempt">
                      <td>{a.attempt}</td>
                      <td>{a.kind}</td>
                      <td class={a.ok ? 'ok' : 'bad'}>{a.status ?? a.error}</td>
                      <td>{a.duration_ms} ms</td>
                      <td>
                        <Time value={a.date} />
                      </td>
                      <td>
                        <Short value={a.signature} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No delivery attempt yet.</p>
            )}
            <Button
              label={`Redeliver ${e.id}`}
              onClick={() =>
                act(`Redeliver ${e.id}`, () => control(`/events/${e.id}/redeliver`, { method: 'POST' }))
              }
            >
              Redeliver
            </Button>
          </article>
        );
      })}
    </>
  );
}

export function WebhooksPage() {
  const orgs = useControl<{ data: Tenant[] }>('/organisations');
  const deliveries = useControl<{ data: DeliveryAttempt[] }>('/deliveries');
  const jobs = useControl<{ data: Job[] }>('/clock/jobs?limit=1000');
  return (
    <div>
      <h1>Webhooks</h1>
      <Card title="Events and deliveries">
        {(orgs.data?.data ?? []).map((t) => {
          const id = (t.organisation as unknown as { id: number }).id;
          return (
            <OrgEvents
              key={id}
              org={id}
              attempts={(deliveries.data?.data ?? []).filter((a) => a.organisation === id)}
              jobs={jobs.data?.data ?? []}
            />
          );
        })}
      </Card>
    </div>
  );
}

const KEEP = 500;

function matches(
  e: JournalEntry,
  f: { method: string; path: string; status: string; tenant: string },
): boolean {
  if (f.method && e.method !== f.method) return false;
  if (f.path && !e.path.includes(f.path)) return false;
  if (f.status && !String(e.status).startsWith(f.status.replace(/x+$/i, ''))) return false;
  if (f.tenant && String(e.organisation ?? '') !== f.tenant) return false;
  return true;
}

export function JournalPage() {
  const live = useContext(LiveContext);
  const [entries, setEntries] = useState<JournalEntry[]>([]);
  const [f, setF] = useState({ method: '', path: '', status: '', tenant: '' });
  useEffect(() => {
    let current = true;
    control<{ data: JournalEntry[] }>(`/requests${query({ limit: 200 })}`).then((r) => {
      if (current) setEntries((now) => mergeEntries(r.data, now));
    });
    const off = live.subscribe((change) => {
      if (change.kind === 'request' && change.request) {
        const req = change.request;
        setEntries((now) => mergeEntries([req], now));
      }
    });
    return () => {
      current = false;
      off();
    };
  }, [live.subscribe]);
  const shown = entries.filter((e) => matches(e, f));
  const input = (k: keyof typeof f, label: string, size: number) => (
    <label>
      {label} <input value={f[k]} size={size} onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })} />
    </label>
  );
  return (
    <div>
      <h1>Request journal</h1>
      <Card title="Live tail">
        <form class="toolbar" aria-label="Filter requests" onSubmit={(e) => e.preventDefault()}>
          <label for="journal-method">Method</label>{' '}
          <select
            id="journal-method"
            value={f.method}
            onChange={(e) => setF({ ...f, method: e.currentTarget.value })}
          >
            <option value="">any</option>
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          {input('path', 'Path contains', 16)}
          {input('status', 'Status', 4)}
          {input('tenant', 'Tenant', 4)}
          <span aria-live="polite">{shown.length} shown</span>
        </form>
        <ol class="journal" aria-label="Requests, newest first">
          {shown.map((e) => (
            <li key={e.seq} data-testid="journal-entry">
              <details>
                <summary>
                  <Time value={e.time} /> <strong class={e.status >= 400 ? 'bad' : 'ok'}>{e.status}</strong>{' '}
                  {e.method} <code>{e.path}</code> <span class="muted">org {e.organisation ?? '—'}</span>{' '}
                  <span class="muted">{e.duration_ms} ms</span>{' '}
                  {e.error ? <span class="bad">{e.error}</span> : null}
                </summary>
                <h4>Request body</h4>
                <pre>
                  {e.request_body === undefined ? 'not captured' : JSON.stringify(e.request_body, null, 2)}
                </pre>
                <h4>Response body</h4>
                <pre>
                  {e.response_body === undefined ? 'not captured' : JSON.stringify(e.response_body, null, 2)}
                </pre>
              </details>
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}

/** Newest first, one entry per seq, at most KEEP kept (the page's memory is bounded like the journal's). */
function mergeEntries(add: JournalEntry[], now: JournalEntry[]): JournalEntry[] {
  const bySeq = new Map<number, JournalEntry>();
  for (const e of [...add, ...now]) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, KEEP);
}
