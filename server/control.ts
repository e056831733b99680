// The /_mock control API: time, and (in later modules) reset, tenants, scenarios, faults, journal and snapshots.
import { Hono } from 'hono';
import type { Mock } from './app.ts';
import { toIso } from './engine/clock.ts';
import { Errors } from './errors.ts';

export type ControlEnv = Record<string, never>;

async function readJson(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw Errors.malformedRequest('The body must be a JSON object.');
}

/** The control API's routes, mounted at /_mock. */
export function controlRoutes(mock: Mock): Hono<ControlEnv> {
  const control = new Hono<ControlEnv>({ strict: false });

  control.get('/clock', (c) => {
    const { clock, scheduler } = mock.ctx;
    const next = scheduler.nextDue();
    return c.json({
      now: toIso(clock.now()),
      mode: clock.mode,
      scale: clock.scale,
      pending_jobs: scheduler.pending().length,
      next_due: next === undefined ? null : toIso(next),
    });
  });

  control.post('/clock/advance', async (c) => {
    const body = await readJson(c.req.raw);
    const seconds = body.seconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > 10 * 365 * 86400) {
      throw Errors.invalidParameters({ seconds: 'must be a number of seconds between 0 and 315360000' });
    }
    const report = await mock.advance(seconds);
    return c.json({
      now: toIso(report.to),
      from: toIso(report.from),
      ran: report.ran.map((j) => ({ id: j.id, kind: j.kind, due: toIso(j.due), organisation: j.org })),
    });
  });

  return control;
}
