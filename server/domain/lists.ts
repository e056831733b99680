// List objects and pagination: every list response and every nested list goes through here.
import { Errors } from './errors.ts';

/** The wire list object (https://reincubate.com/support/ricloud/protocols/ "Pagination"). */
export interface ListObject<T> {
  resource: 'list';
  data: T[];
  has_more: boolean;
  total_count: number;
  url: string;
}

export interface PageQuery {
  limit?: number | string;
  after_id?: string | number;
  before_id?: string | number;
}

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1000;

/** A nested list that is never paginated (organisation.storage_configs, poll.results, ...). */
export function listOf<T>(data: T[], url: string): ListObject<T> {
  return { resource: 'list', data, has_more: false, total_count: data.length, url };
}

/**
 * Pages a filtered collection that is already newest first. `after_id` starts after that item, `before_id` stops
 * at it (exclusive); an id that is not in the filtered collection is a 400, as is a limit outside 1..1000.
 * @see https://reincubate.com/support/ricloud/protocols/ (Pagination)
 */
export function paginate<R extends { id: string | number }, T>(
  items: R[],
  query: PageQuery,
  url: string,
  present: (item: R) => T,
): ListObject<T> {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw Errors.invalidParameters({ limit: `must be an integer between 1 and ${MAX_LIMIT}` });
  }
  let start = 0;
  let end = items.length;
  if (query.after_id !== undefined) {
    const i = items.findIndex((it) => String(it.id) === String(query.after_id));
    // DIVERGENCE(requests.unknown-cursor): the docs do not say what an unknown after_id does; a 400 tells the client its cursor is stale.
    if (i < 0) throw Errors.invalidParameters({ after_id: 'is not an id in this list' });
    start = i + 1;
  }
  if (query.before_id !== undefined) {
    const i = items.findIndex((it) => String(it.id) === String(query.before_id));
    if (i < 0) throw Errors.invalidParameters({ before_id: 'is not an id in this list' });
    end = i;
  }
  const window = start < end ? items.slice(start, end) : [];
  const page = window.slice(0, limit);
  return {
    resource: 'list',
    data: page.map(present),
    has_more: window.length > page.length,
    total_count: items.length,
    url,
  };
}
