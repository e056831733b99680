/** @jsxImportSource preact */
/// <reference lib="dom" />
// A session or a poll: its state machine, its history, and for a poll its tasks on a timeline and its results.
import { useEffect, useState } from 'preact/hooks';
import { contentUrl, control, type HistoryStep, type Machine, type Page, type Row } from './api.ts';
import { StateDiagram } from './diagram.tsx';
import { Button, Card, ErrorNote, Short, StateBadge, Time, useAction, useControl } from './ui.tsx';

type Machines = Record<'session' | 'poll' | 'task', Machine>;

function History(props: { steps: HistoryStep[] }) {
  return (
    <ol class="history" aria-label="History of transitions">
      {props.steps.map((s) => (
        <li key={`${s.state}-${s.time}`}>
          <Time value={s.time} /> → <StateBadge state={s.state} />
        </li>
      ))}
    </ol>
  );
}

function Fields(props: { row: Row; fields: string[] }) {
  return (
    <dl class="facts">
      {props.fields.map((f) => [
        <dt key={`t-${f}`}>{f.replace(/_/g, ' ')}</dt>,
        <dd key={`d-${f}`}>
          {f.startsWith('date_') ? <Time value={props.row[f]} /> : <Short value={props.row[f]} />}
        </dd>,
      ])}
    </dl>
  );
}

export function SessionPage(props: { org: number; id: string }) {
  const machines = useControl<Machines>('/machines');
  const rec = useControl<{ data: Row; history: HistoryStep[] }>(
    `/organisations/${props.org}/records/sessions/${encodeURIComponent(props.id)}`,
  );
  const polls = useControl<Page>(
    `/organisations/${props.org}/records/polls?session=${encodeURIComponent(props.id)}`,
  );
  const act = useAction();
  const s = rec.data?.data;
  return (
    <div>
      <h1>
        Session <code>{props.id}</code> <StateBadge state={s?.state} />
      </h1>
      <ErrorNote error={rec.error} />
      <Card title="State machine">
        {machines.data ? (
          <StateDiagram machine={machines.data.session} current={s?.state} name="session" />
        ) : null}
        <History steps={rec.data?.history ?? []} />
      </Card>
      {s ? (
        <Card title="Details">
          <Fields row={s} fields={['state', 'error', 'user', 'date_created', 'date_expired']} />
          <Button
            kind="danger"
            onClick={() =>
              act('Expire session', () =>
                control(`/sessions/${encodeURIComponent(props.id)}/expire`, { method: 'POST' }),
              )
            }
          >
            Expire session
          </Button>
        </Card>
      ) : null}
      <Card title="Polls">
        <ul class="plain">
          {(polls.data?.data ?? []).map((p) => (
            <li key={p.id}>
              <a href={`#/org/${props.org}/polls/${p.id}`}>
                <code>{p.id}</code>
              </a>{' '}
              <StateBadge state={p.state} />
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}

/** The tasks of a poll as bars from creation through start to completion, on the mock clock. */
function Timeline(props: { tasks: Row[] }) {
  const times = props.tasks.flatMap((t) =>
    ['date_created', 'date_started', 'date_completed']
      .map((f) => (typeof t[f] === 'string' ? Date.parse(t[f] as string) : undefined))
      .filter((x): x is number => x !== undefined),
  );
  if (!times.length) return null;
  const t0 = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - t0);
  const W = 520;
  const L = 190;
  const x = (v: unknown) => L + (((typeof v === 'string' ? Date.parse(v) : t0 + span) - t0) / span) * W;
  return (
    <svg
      class="timeline"
      role="img"
      aria-label={`Timeline of ${props.tasks.length} tasks over ${span / 1000} s of mock time`}
      viewBox={`0 0 ${L + W + 20} ${props.tasks.length * 24 + 24}`}
      width={L + W + 20}
      height={props.tasks.length * 24 + 24}
    >
      {props.tasks.map((t, i) => {
        const y = 8 + i * 24;
        return (
          <g key={t.id} class={`task state-${t.state}`}>
            <text x={4} y={y + 13}>
              {String(t.target ?? t.type ?? t.id).slice(0, 26)}
            </text>
            <rect
              class="waiting"
              x={x(t.date_created)}
              y={y + 4}
              width={Math.max(1, x(t.date_started) - x(t.date_created))}
              height={10}
            />
            {t.date_started ? (
              <rect
                class="running"
                x={x(t.date_started)}
                y={y}
                width={Math.max(2, x(t.date_completed) - x(t.date_started))}
                height={18}
              />
            ) : null}
          </g>
        );
      })}
      <text x={L} y={props.tasks.length * 24 + 20}>
        0 s
      </text>
      <text x={L + W} y={props.tasks.length * 24 + 20} text-anchor="end">
        {span / 1000} s
      </text>
    </svg>
  );
}

/** A JSON value folded into <details> at every level; `filter` keeps the paths whose key or value matches. */
function JsonTree(props: { value: unknown; name: string; filter: string; depth?: number }) {
  const { value, filter } = props;
  const depth = props.depth ?? 0;
  const matches = (v: unknown, k: string): boolean =>
    !filter ||
    k.toLowerCase().includes(filter) ||
    (v !== null && typeof v === 'object'
      ? Object.entries(v as object).some(([kk, vv]) => matches(vv, kk))
      : String(v).toLowerCase().includes(filter));
  if (value === null || typeof value !== 'object') {
    return (
      <div class="leaf">
        <span class="key">{props.name}</span>: <span class="value">{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Object.entries(value as object).filter(([k, v]) => matches(v, k));
  return (
    <details open={depth === 0 || Boolean(filter)}>
      <summary>
        <span class="key">{props.name}</span>{' '}
        {Array.isArray(value) ? `[${(value as unknown[]).length}]` : '{…}'}
      </summary>
      <div class="children">
        {entries.slice(0, 200).map(([k, v]) => (
          <JsonTree key={k} value={v} name={k} filter={filter} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

function ResultPreview(props: { org: number; result: Row }) {
  const { org, result } = props;
  const url = contentUrl(org, result.id);
  const ext =
    String(result.url ?? '')
      .split('.')
      .pop()
      ?.toLowerCase() ?? '';
  const [text, setText] = useState<string | undefined>(undefined);
  const [filter, setFilter] = useState('');
  const textual = ext === 'json' || ext === 'vcf' || ext === 'txt';
  useEffect(() => {
    if (!textual || result.state === 'expired') return;
    let current = true;
    fetch(url, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : undefined))
      .then((t) => {
        if (current) setText(t);
      });
    return () => {
      current = false;
    };
  }, [url, textual, result.state]);
  let preview = null;
  if (['jpg', 'jpeg', 'png', 'gif'].includes(ext)) {
    preview = (
      <img
        class="thumb"
        src={url}
        alt={`Preview of ${String(result.identifier ?? result.id)}`}
        loading="lazy"
      />
    );
  } else if (ext === 'json' && text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    preview = (
      <div class="json">
        <label>
          Search JSON{' '}
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter(e.currentTarget.value.toLowerCase())}
          />
        </label>
        <JsonTree value={parsed} name={String(result.identifier ?? 'result')} filter={filter} />
      </div>
    );
  } else if (text !== undefined) {
    preview = <pre class="text">{text.slice(0, 4000)}</pre>;
  }
  return (
    <li class="result" data-testid="result">
      <div class="result-head">
        <strong>{String(result.identifier ?? result.id)}</strong> <StateBadge state={result.state} />
        <span>
          md5 <code>{String(result.checksum ?? '—')}</code>
        </span>
        <span>{String(result.size ?? '?')} bytes</span>
        <a href={url} download={`${result.id}.${ext}`}>
          Download
        </a>
      </div>
      {preview}
    </li>
  );
}

export function PollPage(props: { org: number; id: string }) {
  const machines = useControl<Machines>('/machines');
  const id = encodeURIComponent(props.id);
  const rec = useControl<{ data: Row; history: HistoryStep[] }>(
    `/organisations/${props.org}/records/polls/${id}`,
  );
  const tasks = useControl<Page>(`/organisations/${props.org}/records/tasks?poll=${id}&limit=500`);
  const results = useControl<Page>(`/organisations/${props.org}/records/results?poll=${id}&limit=100`);
  const p = rec.data?.data;
  const taskRows = [...(tasks.data?.data ?? [])].reverse();
  return (
    <div>
      <h1>
        Poll <code>{props.id}</code> <StateBadge state={p?.state} />
      </h1>
      <ErrorNote error={rec.error} />
      <Card title="State machine">
        {machines.data ? <StateDiagram machine={machines.data.poll} current={p?.state} name="poll" /> : null}
        <History steps={rec.data?.history ?? []} />
        {p?.session ? (
          <p>
            Session: <a href={`#/org/${props.org}/sessions/${String(p.session)}`}>{String(p.session)}</a>
          </p>
        ) : null}
      </Card>
      <Card title="Tasks">
        <Timeline tasks={taskRows} />
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Type</th>
              <th scope="col">Target</th>
              <th scope="col">State</th>
              <th scope="col">Error</th>
              <th scope="col">Started</th>
              <th scope="col">Completed</th>
            </tr>
          </thead>
          <tbody>
            {taskRows.map((t) => (
              <tr key={t.id}>
                <td>
                  <Short value={t.id} />
                </td>
                <td>
                  <Short value={t.type} />
                </td>
                <td>
                  <Short value={t.target} />
                </td>
                <td>
                  <StateBadge state={t.state} />
                </td>
                <td>{String(t.error ?? '—')}</td>
                <td>
                  <Time value={t.date_started} />
                </td>
                <td>
                  <Time value={t.date_completed} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {machines.data ? <StateDiagram machine={machines.data.task} current={undefined} name="task" /> : null}
      </Card>
      <Card title="Results">
        <ul class="results">
          {(results.data?.data ?? []).map((r) => (
            <ResultPreview key={r.id} org={props.org} result={r} />
          ))}
        </ul>
      </Card>
    </div>
  );
}
