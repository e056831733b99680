/** @jsxImportSource preact */
/// <reference lib="dom" />
// Shared pieces of the console: the live change stream, data loading, the status line, small components.
import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { type Change, ControlError, control } from './api.ts';

/** What the change stream gives every page: a version that moves when the world changes, and raw changes. */
export interface Live {
  version: number;
  connected: boolean;
  subscribe(listener: (change: Change) => void): () => void;
}

export const LiveContext = createContext<Live>({ version: 0, connected: false, subscribe: () => () => {} });

/** Opens the one EventSource of the page (GET /_mock/changes) and turns its changes into a version counter. */
export function useChangeStream(): Live {
  const [version, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<(change: Change) => void>());
  useEffect(() => {
    const source = new EventSource('/_mock/changes');
    let pending = false;
    source.addEventListener('hello', () => setConnected(true));
    source.addEventListener('change', (e) => {
      const change = JSON.parse((e as MessageEvent<string>).data) as Change;
      for (const l of listeners.current) l(change);
      // Many changes in one burst (an advance runs many jobs) refresh the page once per frame.
      if (!pending) {
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          setVersion((v) => v + 1);
        });
      }
    });
    source.onerror = () => setConnected(false);
    return () => source.close();
  }, []);
  const subscribe = useCallback((listener: (change: Change) => void) => {
    listeners.current.add(listener);
    return () => listeners.current.delete(listener);
  }, []);
  return { version, connected, subscribe };
}

/** Loads `path` from the control API, again whenever the world changes or `path` does. */
export function useControl<T>(path: string | undefined): { data: T | undefined; error: string | undefined } {
  const { version } = useContext(LiveContext);
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (path === undefined) return;
    let current = true;
    control<T>(path).then(
      (d) => {
        if (!current) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => {
        if (current) setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      current = false;
    };
  }, [path, version]);
  return { data, error };
}

/** The status line (an ARIA live region): what the last action did or why it failed. */
export interface Status {
  text: string;
  error: boolean;
  seq: number;
}
export const StatusContext = createContext<(text: string, error?: boolean) => void>(() => {});

/** Runs a steering action and reports its outcome in the status line. */
export function useAction() {
  const report = useContext(StatusContext);
  return useCallback(
    async (label: string, run: () => Promise<unknown>) => {
      try {
        await run();
        report(`${label}: done`);
      } catch (e) {
        report(`${label}: ${e instanceof ControlError ? `${e.code}: ${e.message}` : String(e)}`, true);
      }
    },
    [report],
  );
}

export function Button(props: {
  onClick: () => unknown;
  children: ComponentChildren;
  kind?: 'danger' | 'primary';
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class={props.kind ?? ''}
      aria-label={props.label}
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await props.onClick();
        } finally {
          setBusy(false);
        }
      }}
    >
      {props.children}
    </button>
  );
}

export function Card(props: { title: string; children: ComponentChildren; id?: string }) {
  const id = props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section class="card" aria-labelledby={`h-${id}`}>
      <h2 id={`h-${id}`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function StateBadge(props: { state: string | undefined | null }) {
  const s = props.state ?? '—';
  return <span class={`badge state-${s}`}>{s}</span>;
}

/** Shows a short time (HH:MM:SS) with the full ISO value as its title. */
export function Time(props: { value: unknown }) {
  if (typeof props.value !== 'string') return <span class="muted">—</span>;
  return (
    <time dateTime={props.value} title={props.value}>
      {props.value
        .replace('T', ' ')
        .replace(/(?:\.(\d{3})\d*)?Z$/, (_m, ms?: string) => (ms && ms !== '000' ? `.${ms}` : ''))}
    </time>
  );
}

export function ErrorNote(props: { error: string | undefined }) {
  return props.error ? (
    <p class="error" role="alert">
      {props.error}
    </p>
  ) : null;
}

/** An id-like value shortened for tables (the full value stays in the title and for screen readers). */
export function Short(props: { value: unknown }) {
  const v = props.value === null || props.value === undefined ? '—' : String(props.value);
  return <code title={v}>{v}</code>;
}
