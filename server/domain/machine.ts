// The one state-machine idiom of the domain: a pure `transition(state, event) → { state, effects }` per machine,
// exhaustive over its states and events (a `never` default), effects as data, and one runner per machine (beside it)
// that applies a transition's effects to the stored record. An illegal (state, event) pair keeps the state and has
// exactly one effect, `reject`, which the runner turns into "nothing changed".

/** What a transition function returns: the next state and the effects the runner applies, in order. */
export interface Transition<S, F> {
  state: S;
  effects: (F | Rejection)[];
}

/** The only effect of an illegal pair. */
export interface Rejection {
  type: 'reject';
  reason: string;
}

/** The transition of an illegal pair: the state is kept, nothing happens. */
export function reject<S>(state: S, reason: string): Transition<S, never> {
  return { state, effects: [{ type: 'reject', reason }] };
}

/** The reason of an illegal transition, or undefined when it is legal. */
export function rejection<S, F extends { type: string }>(t: Transition<S, F>): string | undefined {
  for (const effect of t.effects) if (effect.type === 'reject') return (effect as Rejection).reason;
  return undefined;
}

/**
 * A machine's states as data, in drawing order, from a record over the state type: the compiler refuses a state
 * left out, so the tables that check `states × events` cannot miss one.
 */
export function statesOf<S extends string>(all: Record<S, true>): readonly S[] {
  return Object.keys(all) as S[];
}

/** The exhaustiveness check of every switch over states, events and effects. */
export function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

/**
 * A machine as data, exported next to its transition function: its states, one example of each event (keyed by the
 * event's name) and the transition itself. Tests check their given/want tables against `states × events`; the
 * control plane's `GET /_mock/machines` draws the legal edges from it.
 */
export interface MachineDefinition<S extends string, E, F> {
  /** The state a record is created in (the first one a diagram draws). */
  initial: S;
  states: readonly S[];
  events: Readonly<Record<string, E>>;
  transition: (state: S, event: E) => Transition<S, F>;
}

/** One edge of a machine: `from` --event--> `to`. */
export interface MachineEdge {
  from: string;
  event: string;
  to: string;
}

/** A machine's diagram: its states, the final ones (no edge leaves them), and its legal edges. */
export interface MachineDiagram {
  initial: string;
  states: string[];
  final: string[];
  edges: MachineEdge[];
}

/** Calls the transition on every (state, event) pair and keeps the legal ones: the diagram is the code. */
export function diagramOf<S extends string, E, F extends { type: string }>(
  machine: MachineDefinition<S, E, F>,
): MachineDiagram {
  const edges: MachineEdge[] = [];
  for (const from of machine.states) {
    for (const [event, sample] of Object.entries(machine.events)) {
      const t = machine.transition(from, sample);
      if (rejection(t) === undefined) edges.push({ from, event, to: t.state });
    }
  }
  const states = [...machine.states];
  const final = states.filter((s) => !edges.some((e) => e.from === s && e.to !== s));
  return { initial: machine.initial, states, final, edges };
}
