/** @jsxImportSource preact */
/// <reference lib="dom" />
// The console's entry: a hash router, the layout, the live stream and the status line.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { JournalPage, WebhooksPage } from './live.tsx';
import { OrgPage } from './org.tsx';
import { ClockBar, OverviewPage } from './overview.tsx';
import { PollPage, SessionPage } from './record.tsx';
import { LiveContext, type Status, StatusContext, useChangeStream } from './ui.tsx';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** `#/`, `#/org/1[/sessions]`, `#/org/1/sessions/<id>`, `#/org/1/polls/<id>`, `#/webhooks`, `#/journal`. */
function Route(props: { hash: string }) {
  const parts = props.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [top, a, b, c] = parts;
  if (top === 'org' && a) {
    const org = Number(a);
    if (b === 'sessions' && c) return <SessionPage org={org} id={c} />;
    if (b === 'polls' && c) return <PollPage org={org} id={c} />;
    return <OrgPage org={org} collection={b ?? 'sessions'} />;
  }
  if (top === 'webhooks') return <WebhooksPage />;
  if (top === 'journal') return <JournalPage />;
  return (
    <>
      <h1>Overview</h1>
      <OverviewPage />
    </>
  );
}

const NAV: [string, string][] = [
  ['#/', 'Overview'],
  ['#/webhooks', 'Webhooks'],
  ['#/journal', 'Journal'],
];

function App() {
  const hash = useHash();
  const live = useChangeStream();
  const [status, setStatus] = useState<Status>({ text: '', error: false, seq: 0 });
  const report = useCallback(
    (text: string, error = false) => setStatus((s) => ({ text, error, seq: s.seq + 1 })),
    [],
  );
  const here = `#/${hash.replace(/^#\/?/, '').split('/')[0] ?? ''}`;
  useEffect(() => {
    document.title = `${NAV.find(([h]) => h === here)?.[1] ?? 'Organisation'} · ricloud-mock console`;
  }, [here]);
  return (
    <LiveContext.Provider value={live}>
      <StatusContext.Provider value={report}>
        <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
          Skip to content
        </button>
        <header class="top">
          <span class="brand">ricloud-mock</span>
          <nav aria-label="Pages">
            {NAV.map(([h, label]) => (
              <a key={h} href={h} aria-current={h === here ? 'page' : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <ClockBar />
          <span class={`live ${live.connected ? 'on' : 'off'}`} data-testid="live">
            {live.connected ? 'live' : 'offline'}
          </span>
        </header>
        <p
          class={`status ${status.error ? 'bad' : ''}`}
          role="status"
          data-testid="status"
          data-seq={status.seq}
        >
          {status.text}
        </p>
        <main id="main" tabIndex={-1}>
          <Route hash={hash} />
        </main>
      </StatusContext.Provider>
    </LiveContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
