// Mounts every ricloud resource's routes on the pipeline-guarded app (one line per URL segment).
import type { Hono } from 'hono';
import type { RicloudEnv } from '../../domain/context.ts';
import { storageConfigsRoutes } from './configs-storage.ts';
import { webhookConfigRoutes } from './configs-webhook.ts';
import { eventsRoutes } from './events.ts';
import { currentKeyRoutes, keysRoutes } from './keys.ts';
import { organisationRoutes } from './organisation.ts';
import { permissionsRoutes } from './permissions.ts';
import { pollsRoutes } from './polls.ts';
import { resultsRoutes } from './results.ts';
import { sessionRoutes } from './sessions.ts';
import { sourcesRoutes } from './sources.ts';
import { subscriptionsRoutes } from './subscriptions.ts';
import { tasksRoutes } from './tasks.ts';
import { usersRoutes } from './users.ts';

/** Called once by createMock. */
export function registerResources(app: Hono<RicloudEnv>): void {
  app.route('/organisation', organisationRoutes);
  app.route('/polls', pollsRoutes);
  app.route('/results', resultsRoutes);
  app.route('/configs/storage', storageConfigsRoutes);
  app.route('/keys', keysRoutes);
  app.route('/key', currentKeyRoutes);
  app.route('/users', usersRoutes);
  app.route('/sources', sourcesRoutes);
  app.route('/tasks', tasksRoutes);
  app.route('/permissions', permissionsRoutes);
  app.route('/sessions', sessionRoutes);
  app.route('/events', eventsRoutes);
  app.route('/configs/webhook', webhookConfigRoutes);
  app.route('/subscriptions', subscriptionsRoutes);
}
