/** @jsxImportSource preact */
/// <reference lib="dom" />
// One organisation: its collections as paged, filtered lists, and the steering that targets it.
import { useState } from 'preact/hooks';
import { control, type Page, query, type Row } from './api.ts';
import { Button, Card, ErrorNote, Short, StateBadge, Time, useAction, useControl } from './ui.tsx';

const COLLECTIONS = [
  'sessions',
  'polls',
  'tasks',
  'results',
  'sources',
  'users',
  'keys',
  'subscriptions',
  'events',
  'storage_configs',
  'webhook_configs',
  'permissions',
] as const;

const PAGE = 50;

/** Columns per collection (besides id and state); a value that is a record id links to it. */
const COLUMNS: Record<string, string[]> = {
  sessions: ['source', 'error', 'date_created'],
  polls: ['session', 'tasks_succeeded', 'tasks_failed', 'date_created'],
  tasks: ['poll', 'type', 'target', 'error', 'date_created'],
  results: ['poll', 'identifier', 'type', 'size', 'date_created'],
  sources: ['type', 'identifier', 'user', 'parent', 'children', 'date_created'],
  users: ['identifier', 'date_created'],
  keys: ['name', 'date_created'],
  subscriptions: ['source', 'session', 'date_created'],
  events: ['type', 'action', 'date_created'],
  storage_configs: ['url', 'date_created'],
  webhook_configs: ['url', 'date_created'],
  permissions: ['date_created'],
};

const DETAIL = new Set(['sessions', 'polls']);

function Cell(props: { org: number; field: string; value: unknown }) {
  const { field, value } = props;
  if (field.startsWith('date_')) return <Time value={value} />;
  if ((field === 'session' || field === 'poll') && typeof value === 'string')
    return (
      <a href={`#/org/${props.org}/${field}s/${value}`}>
        <Short value={value} />
      </a>
    );
  if (field === 'children' && value !== null && typeof value === 'object') {
    const list = value as { data?: { identifier?: unknown }[]; total_count?: number };
    const names = (list.data ?? []).map((c) => String(c.identifier ?? '?')).join(', ');
    return (
      <span>
        {list.total_count ?? 0}
        {names ? ` (${names})` : ''}
      </span>
    );
  }
  if (value !== null && typeof value === 'object')
    return <Short value={(value as { id?: unknown }).id ?? '…'} />;
  return <Short value={value} />;
}

function RecordTable(props: { org: number; collection: string; page: Page | undefined }) {
  const { org, collection } = props;
  const cols = COLUMNS[collection] ?? [];
  const act = useAction();
  return (
    <table class="table" aria-label={collection}>
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">State</th>
          {cols.map((c) => (
            <th scope="col" key={c}>
              {c.replace(/_/g, ' ')}
            </th>
          ))}
          {collection === 'subscriptions' ? <th scope="col">Actions</th> : null}
        </tr>
      </thead>
      <tbody>
        {(props.page?.data ?? []).map((r: Row) => (
          <tr key={r.id}>
            <td>
              {DETAIL.has(collection) ? (
                <a href={`#/org/${org}/${collection}/${r.id}`}>
                  <Short value={r.id} />
                </a>
              ) : (
                <Short value={r.id} />
              )}
            </td>
            <td>
              <StateBadge state={r.state} />
            </td>
            {cols.map((c) => (
              <td key={c}>
                <Cell org={org} field={c} value={r[c]} />
              </td>
            ))}
            {collection === 'subscriptions' ? (
              <td>
                {r.state === 'pending' ? (
                  <Button
                    label={`Allow subscription ${r.id}`}
                    onClick={() =>
                      act(`Allow subscription ${r.id}`, () =>
                        control(`/subscriptions/${r.id}/allow`, { method: 'POST' }),
                      )
                    }
                  >
                    Allow
                  </Button>
                ) : null}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The errors a forced session outcome can fail with: openapi/control.yaml's SessionFailureError enum, put in when the
 * console is bundled (scripts/console-assets.ts, esbuild's `define`).
 */
declare const SESSION_FAILURE_ERRORS: readonly string[];

function Steering(props: { org: number }) {
  const act = useAction();
  const [source, setSource] = useState('');
  const [outcome, setOutcome] = useState(`failed:${SESSION_FAILURE_ERRORS[0] ?? 'service-unavailable'}`);
  const [taskType, setTaskType] = useState('*');
  const [taskError, setTaskError] = useState('service-unavailable');
  const [state, error] = outcome.split(':');
  return (
    <Card title="Steer this organisation" id="steer">
      <form
        class="toolbar"
        aria-label="Force the next session outcome"
        onSubmit={(e) => {
          e.preventDefault();
          void act('Force next session outcome', () =>
            control('/scenarios/sessions', {
              method: 'POST',
              body: {
                organisation: props.org,
                source_identifier: source,
                state,
                ...(error ? { error } : {}),
              },
            }),
          );
        }}
      >
        <label>
          Source identifier{' '}
          <input value={source} required onInput={(e) => setSource(e.currentTarget.value)} />
        </label>
        <label for="session-outcome">Outcome</label>{' '}
        <select id="session-outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
          {SESSION_FAILURE_ERRORS.map((code) => (
            <option key={code} value={`failed:${code}`}>
              failed: {code}
            </option>
          ))}
          <option value="active">active</option>
        </select>
        <button type="submit">Force next session outcome</button>
      </form>
      <form
        class="toolbar"
        aria-label="Force a task failure"
        onSubmit={(e) => {
          e.preventDefault();
          void act('Force task failure', () =>
            control('/scenarios/tasks', {
              method: 'POST',
              body: { organisation: props.org, type: taskType, error: taskError },
            }),
          );
        }}
      >
        <label>
          Task type <input value={taskType} required onInput={(e) => setTaskType(e.currentTarget.value)} />
        </label>
        <label>
          Error <input value={taskError} onInput={(e) => setTaskError(e.currentTarget.value)} />
        </label>
        <button type="submit">Force task failure</button>
      </form>
    </Card>
  );
}

export function OrgPage(props: { org: number; collection: string }) {
  const { org } = props;
  const collection = (COLLECTIONS as readonly string[]).includes(props.collection)
    ? props.collection
    : 'sessions';
  const [filters, setFilters] = useState({ state: '', q: '', offset: 0, collection });
  // A new collection starts a new query (filters belong to one list).
  const f = filters.collection === collection ? filters : { state: '', q: '', offset: 0, collection };
  const counts = useControl<{ counts: Record<string, number> }>(`/organisations/${org}/records`);
  const page = useControl<Page>(
    `/organisations/${org}/records/${collection}${query({ state: f.state, q: f.q, offset: f.offset, limit: PAGE })}`,
  );
  const total = page.data?.total_count ?? 0;
  // The range shown is the one of the page loaded (not of the one asked for, until it arrives).
  const shownFrom = page.data?.offset ?? 0;
  const shownCount = page.data?.data.length ?? 0;
  const set = (patch: Partial<typeof f>) => setFilters({ ...f, offset: 0, ...patch });
  return (
    <div>
      <h1>Organisation {org}</h1>
      <nav class="tabs" aria-label="Collections">
        {COLLECTIONS.map((c) => (
          <a key={c} href={`#/org/${org}/${c}`} aria-current={c === collection ? 'page' : undefined}>
            {c.replace(/_/g, ' ')} <span class="count">{counts.data?.counts[c] ?? 0}</span>
          </a>
        ))}
      </nav>
      <Card title={collection.replace(/_/g, ' ')} id="records">
        <form class="toolbar" aria-label={`Filter ${collection}`} onSubmit={(e) => e.preventDefault()}>
          <label>
            State <input value={f.state} size={10} onInput={(e) => set({ state: e.currentTarget.value })} />
          </label>
          <label>
            Search <input type="search" value={f.q} onInput={(e) => set({ q: e.currentTarget.value })} />
          </label>
          <span data-testid="range" aria-live="polite">
            {shownCount === 0 ? '0' : `${shownFrom + 1}–${shownFrom + shownCount}`} of {total}
          </span>
          <button
            type="button"
            disabled={f.offset === 0}
            onClick={() => setFilters({ ...f, offset: f.offset - PAGE })}
          >
            Previous page
          </button>
          <button
            type="button"
            disabled={f.offset + PAGE >= total}
            onClick={() => setFilters({ ...f, offset: f.offset + PAGE })}
          >
            Next page
          </button>
        </form>
        <ErrorNote error={page.error} />
        <RecordTable org={org} collection={collection} page={page.data} />
      </Card>
      <Steering org={org} />
    </div>
  );
}
