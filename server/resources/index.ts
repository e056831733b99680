// Mounts every ricloud resource's routes on the pipeline-guarded app (one line per URL segment).
import type { Hono } from 'hono';
import type { RicloudEnv } from '../context.ts';
import { organisationRoutes } from './organisation.ts';

/** Called once by createMock. */
export function registerResources(app: Hono<RicloudEnv>): void {
  app.route('/organisation', organisationRoutes);
}
