/** @jsxImportSource preact */
/// <reference lib="dom" />
// Overview: the clock and its queue, organisations with counts, recent errors, faults, scenarios and state.
import { useState } from 'preact/hooks';
import { type ClockInfo, control, type FaultRule, type Job, type JournalEntry, type Tenant } from './api.ts';
import { Button, Card, ErrorNote, Short, Time, useAction, useControl } from './ui.tsx';

/** The clock in the header of every page: now, and +1 min / +1 h. */
export function ClockBar() {
  const clock = useControl<ClockInfo>('/clock');
  const act = useAction();
  const advance = (seconds: number, label: string) =>
    act(label, () => control('/clock/advance', { method: 'POST', body: { seconds } }));
  return (
    <div class="clockbar">
      <span>
        {clock.data?.mode ?? '…'} clock{' '}
        <span data-testid="now">{clock.data ? <Time value={clock.data.now} /> : '…'}</span>
      </span>
      <Button onClick={() => advance(60, 'Advance +1 min')}>+1 min</Button>
      <Button onClick={() => advance(3600, 'Advance +1 h')}>+1 h</Button>
    </div>
  );
}

function ClockCard() {
  const clock = useControl<ClockInfo>('/clock');
  const jobs = useControl<{ data: Job[]; total_count: number }>('/clock/jobs?limit=50');
  const act = useAction();
  const [custom, setCustom] = useState('30');
  const advance = (seconds: number, label: string) =>
    act(label, () => control('/clock/advance', { method: 'POST', body: { seconds } }));
  // "Until idle": runs every job queued now (and whatever they schedule before the last one is due). Recurring
  // jobs (idle checks, subscription polls) keep a queue non-empty forever, so "empty" would never come.
  const untilIdle = () =>
    act('Advance until idle', async () => {
      const queue = await control<{ data: Job[]; total_count: number }>('/clock/jobs?limit=1000');
      const now = await control<ClockInfo>('/clock');
      // Only the main clock's jobs: a tenant with its own clock keeps its own time line.
      const own = new Set((now.tenants ?? []).filter((t) => t.own_clock).map((t) => t.organisation));
      const main = queue.data.filter((j) => j.organisation === null || !own.has(j.organisation));
      const last = Math.max(Date.parse(now.now), ...main.map((j) => Date.parse(j.due)));
      await control('/clock/advance', {
        method: 'POST',
        body: { seconds: Math.max(0, (last - Date.parse(now.now)) / 1000) },
      });
    });
  const c = clock.data;
  return (
    <Card title="Clock">
      <ErrorNote error={clock.error} />
      <dl class="facts">
        <dt>Mode</dt>
        <dd data-testid="clock-mode">{c?.mode ?? '…'}</dd>
        <dt>Now</dt>
        <dd data-testid="clock-now">{c ? <Time value={c.now} /> : '…'}</dd>
        <dt>Pending jobs</dt>
        <dd data-testid="clock-pending">{c?.pending_jobs ?? '…'}</dd>
        <dt>Next due</dt>
        <dd>{c ? <Time value={c.next_due} /> : '…'}</dd>
      </dl>
      <fieldset class="toolbar">
        <legend>Advance the clock</legend>
        <label>
          Seconds{' '}
          <input
            type="number"
            min="0"
            step="any"
            size={6}
            value={custom}
            onInput={(e) => setCustom(e.currentTarget.value)}
          />
        </label>
        <Button onClick={() => advance(Number(custom), `Advance ${custom} s`)}>Advance</Button>
        <Button onClick={untilIdle} kind="primary">
          Until idle
        </Button>
      </fieldset>
      <TenantClocks tenants={c?.tenants ?? []} />
      <h3>Due jobs ({jobs.data?.total_count ?? 0})</h3>
      <table class="table" aria-label="Due jobs">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Kind</th>
            <th scope="col">Due</th>
            <th scope="col">Organisation</th>
            <th scope="col">Subject</th>
          </tr>
        </thead>
        <tbody>
          {(jobs.data?.data ?? []).map((j) => (
            <tr key={j.id}>
              <td>{j.id}</td>
              <td class="nowrap">{j.kind}</td>
              <td>
                <Time value={j.due} />
              </td>
              <td>{j.organisation ?? '—'}</td>
              <td>
                <Short value={Object.values(j.args)[0]} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

/** Each organisation's clock: tenants keep their own time, mode and queue; the preset's share the main clock. */
function TenantClocks({ tenants }: { tenants: NonNullable<ClockInfo['tenants']> }) {
  const act = useAction();
  const own = tenants.filter((t) => t.own_clock);
  if (!own.length) return null;
  return (
    <>
      <h3>Tenant clocks ({own.length})</h3>
      <table class="table" aria-label="Tenant clocks">
        <thead>
          <tr>
            <th scope="col">Organisation</th>
            <th scope="col">Mode</th>
            <th scope="col">Now</th>
            <th scope="col">Pending jobs</th>
            <th scope="col">Awaiting</th>
            <th scope="col">Advance</th>
          </tr>
        </thead>
        <tbody>
          {own.map((t) => (
            <tr key={t.organisation} data-testid={`tenant-clock-${t.organisation}`}>
              <td>
                <a href={`#/org/${t.organisation}`}>{t.organisation}</a>
              </td>
              <td>{t.mode}</td>
              <td data-testid={`tenant-clock-now-${t.organisation}`}>
                <Time value={t.now} />
              </td>
              <td data-testid={`tenant-clock-pending-${t.organisation}`}>{t.pending}</td>
              <td>{t.awaiting}</td>
              <td>
                <Button
                  label={`Advance organisation ${t.organisation} by 1 min`}
                  onClick={() =>
                    act(`Advance organisation ${t.organisation} +1 min`, () =>
                      control('/clock/advance', {
                        method: 'POST',
                        body: { seconds: 60, organisation: t.organisation },
                      }),
                    )
                  }
                >
                  +1 min
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Organisations() {
  const orgs = useControl<{ data: Tenant[] }>('/organisations');
  const act = useAction();
  return (
    <Card title="Organisations">
      <ErrorNote error={orgs.error} />
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Name</th>
            <th scope="col">Counts</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(orgs.data?.data ?? []).map((t) => {
            const o = t.organisation as unknown as { id: number; name?: string };
            return (
              <tr key={o.id}>
                <td>
                  <a href={`#/org/${o.id}`}>{o.id}</a>
                </td>
                <td>{o.name ?? '—'}</td>
                <td>
                  <Counts org={o.id} />
                </td>
                <td>
                  <Button
                    label={`Reset organisation ${o.id}`}
                    onClick={() =>
                      act(`Reset organisation ${o.id}`, () =>
                        control(`/organisations/${o.id}/reset`, { method: 'POST' }),
                      )
                    }
                  >
                    Reset
                  </Button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Button
        kind="danger"
        onClick={() => act('Reset everything', () => control('/reset', { method: 'POST' }))}
      >
        Reset everything
      </Button>
    </Card>
  );
}

function Counts(props: { org: number }) {
  const counts = useControl<{ counts: Record<string, number> }>(`/organisations/${props.org}/records`);
  const entries = Object.entries(counts.data?.counts ?? {}).filter(([, n]) => n > 0);
  return (
    <ul class="counts" data-testid={`counts-${props.org}`}>
      {entries.map(([k, n]) => (
        <li key={k}>
          <a href={`#/org/${props.org}/${k}`}>
            {k} <strong>{n}</strong>
          </a>
        </li>
      ))}
    </ul>
  );
}

function RecentErrors() {
  const e4 = useControl<{ data: JournalEntry[] }>('/requests?status=4xx&limit=10');
  const e5 = useControl<{ data: JournalEntry[] }>('/requests?status=5xx&limit=10');
  const rows = [...(e4.data?.data ?? []), ...(e5.data?.data ?? [])]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 10);
  return (
    <Card title="Recent errors">
      {rows.length === 0 ? <p class="muted">No failed requests.</p> : null}
      <ul class="plain">
        {rows.map((r) => (
          <li key={r.seq}>
            <Time value={r.time} /> <strong>{r.status}</strong> {r.method} <code>{r.path}</code>{' '}
            <span class="muted">{r.error ?? ''}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Faults() {
  const faults = useControl<{ data: FaultRule[] }>('/faults');
  const act = useAction();
  const [path, setPath] = useState('/*');
  const [method, setMethod] = useState('');
  const [status, setStatus] = useState('503');
  const [count, setCount] = useState('1');
  const add = () =>
    act('Add fault', () =>
      control('/faults', {
        method: 'POST',
        body: {
          kind: 'error',
          path,
          status: Number(status),
          ...(method ? { method } : {}),
          ...(count ? { count: Number(count) } : {}),
        },
      }),
    );
  return (
    <Card title="Faults">
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          Path <input value={path} size={14} onInput={(e) => setPath(e.currentTarget.value)} />
        </label>
        <label for="fault-method">Method</label>{' '}
        <select id="fault-method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
          <option value="">any</option>
          {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
        <label>
          Status{' '}
          <input type="number" value={status} size={4} onInput={(e) => setStatus(e.currentTarget.value)} />
        </label>
        <label>
          Count{' '}
          <input
            type="number"
            min="1"
            value={count}
            size={3}
            onInput={(e) => setCount(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Add fault</button>
      </form>
      <ul class="plain" aria-label="Active faults">
        {(faults.data?.data ?? []).map((f) => (
          <li key={f.id} data-testid="fault">
            <code>{f.id}</code> {f.kind} {f.method ?? 'any'} <code>{f.path ?? '/*'}</code> {f.status ?? ''} ·
            hits {f.hits}, remaining {f.remaining ?? '∞'}{' '}
            <Button
              label={`Remove fault ${f.id}`}
              onClick={() =>
                act(`Remove fault ${f.id}`, () => control(`/faults/${f.id}`, { method: 'DELETE' }))
              }
            >
              Remove
            </Button>
          </li>
        ))}
      </ul>
      <Button onClick={() => act('Clear faults', () => control('/faults', { method: 'DELETE' }))}>
        Clear faults
      </Button>
    </Card>
  );
}

function Scenarios() {
  const list = useControl<{ data: { name: string; description: string }[] }>('/scenarios');
  const act = useAction();
  const [name, setName] = useState('');
  const chosen = name || list.data?.data[0]?.name || '';
  return (
    <Card title="Scenarios">
      <div class="toolbar">
        <label for="scenario-name">Scenario</label>{' '}
        <select id="scenario-name" value={chosen} onChange={(e) => setName(e.currentTarget.value)}>
          {(list.data?.data ?? []).map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
        <Button
          onClick={() =>
            act(`Load scenario ${chosen}`, () =>
              control('/scenarios/load', { method: 'POST', body: { name: chosen } }),
            )
          }
        >
          Load scenario
        </Button>
      </div>
      <p class="muted">{list.data?.data.find((s) => s.name === chosen)?.description}</p>
    </Card>
  );
}

function StateCard() {
  const act = useAction();
  return (
    <Card title="State">
      <div class="toolbar">
        <a class="button" href="/_mock/state" download="ricloud-mock-state.json">
          Export state
        </a>
        <label class="button">
          Import state{' '}
          <input
            type="file"
            accept="application/json,.json"
            class="visually-hidden-file"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file)
                void act('Import state', async () =>
                  control('/state', { method: 'PUT', body: await file.text() }),
                );
            }}
          />
        </label>
      </div>
    </Card>
  );
}

export function OverviewPage() {
  return (
    <div class="grid">
      <ClockCard />
      <Organisations />
      <RecentErrors />
      <Faults />
      <Scenarios />
      <StateCard />
    </div>
  );
}
