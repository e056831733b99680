/** @jsxImportSource preact */
/// <reference lib="dom" />
// A state machine drawn as SVG from its edge list (GET /_mock/machines, enumerated from the engine's code).
import type { Machine } from './api.ts';

const W = 120;
const H = 36;
const COL = 220;
const ROW = 64;
const PAD = 24;

/** Column of each state: the longest path from the initial state (self-loops ignored), so arrows run rightwards. */
function columns(m: Machine): Map<string, number> {
  const depth = new Map<string, number>(m.states.map((s) => [s, 0]));
  // Bellman-Ford style relaxation, bounded by the number of states (the machines are acyclic apart from loops).
  for (let i = 0; i < m.states.length; i++) {
    for (const e of m.edges) {
      if (e.from === e.to) continue;
      const d = (depth.get(e.from) ?? 0) + 1;
      if (d > (depth.get(e.to) ?? 0) && d < m.states.length) depth.set(e.to, d);
    }
  }
  return depth;
}

/** The machine with `current` highlighted; one arrow per (from, to) pair labelled with its events. */
export function StateDiagram(props: { machine: Machine; current: string | undefined; name: string }) {
  const { machine, current } = props;
  const col = columns(machine);
  const rows = new Map<number, number>();
  const pos = new Map<string, { x: number; y: number }>();
  for (const s of machine.states) {
    const c = col.get(s) ?? 0;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    pos.set(s, { x: PAD + c * COL, y: PAD + 18 + r * ROW });
  }
  const width = PAD * 2 + Math.max(...[...col.values()].map((c) => c * COL)) + W;
  const height = PAD * 2 + 18 + Math.max(...rows.values()) * ROW;
  const pairs = new Map<string, { from: string; to: string; events: string[] }>();
  for (const e of machine.edges) {
    const k = `${e.from}>${e.to}`;
    const p = pairs.get(k) ?? { from: e.from, to: e.to, events: [] };
    p.events.push(e.event);
    pairs.set(k, p);
  }
  const label = `${props.name} state machine: ${machine.states.join(', ')}; current state ${current ?? 'unknown'}`;
  return (
    <svg
      class="diagram"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      data-machine={props.name}
    >
      <defs>
        <marker
          id={`arrow-${props.name}`}
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
        </marker>
      </defs>
      {[...pairs.values()].map((p) => {
        const a = pos.get(p.from);
        const b = pos.get(p.to);
        if (!a || !b) return null;
        const text = p.events.join(', ');
        if (p.from === p.to) {
          const x = a.x + W / 2;
          return (
            <g class="edge" key={`${p.from}>${p.to}`}>
              <path
                d={`M${x - 14},${a.y} C${x - 30},${a.y - 34} ${x + 30},${a.y - 34} ${x + 14},${a.y}`}
                marker-end={`url(#arrow-${props.name})`}
              />
              <text x={x} y={a.y - 26} text-anchor="middle">
                {text}
              </text>
            </g>
          );
        }
        const forward = b.x > a.x;
        const x1 = forward ? a.x + W : a.x + W / 2;
        const y1 = forward ? a.y + H / 2 : a.y + H;
        const x2 = forward ? b.x : b.x + W / 2;
        const y2 = forward ? b.y + H / 2 : b.y;
        return (
          <g class="edge" key={`${p.from}>${p.to}`}>
            <line x1={x1} y1={y1} x2={x2} y2={y2} marker-end={`url(#arrow-${props.name})`} />
            <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 5} text-anchor="middle">
              {text}
            </text>
          </g>
        );
      })}
      {machine.states.map((s) => {
        const p = pos.get(s) ?? { x: 0, y: 0 };
        const isCurrent = s === current;
        const cls = ['node', isCurrent ? 'current' : '', machine.final.includes(s) ? 'final' : ''].join(' ');
        return (
          <g class={cls} key={s} data-state={s} data-current={isCurrent ? 'true' : 'false'}>
            <rect x={p.x} y={p.y} width={W} height={H} rx={H / 2} />
            <text x={p.x + W / 2} y={p.y + H / 2 + 5} text-anchor="middle">
              {s}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
