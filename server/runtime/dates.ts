// The one parser of dates and date-times that come from outside (query filters, bodies, the control API, imported
// state). Strict and timezone-free: exactly the spec's grammars, impossible dates rejected, UTC when no offset is
// given. It never calls `new Date(string)` or `Date.parse`, whose results depend on the engine and on the
// machine's TZ; instants are computed from the fields with integer calendar arithmetic.
// DIVERGENCE(requests.date-grammars): the docs name a "datetime filter" without its grammar; the mock takes the spec's
// two grammars below (docs/divergences.md).

/**
 * The two grammars the spec uses. Each has a pattern in the spec and a format of the same name, checked by
 * `isDateInput`, in the mock's ajv setup (server/spec/compile.ts), so that the validator and the handlers agree.
 * - `date-time`: RFC 3339 §5.6 `date-time` — `2018-11-22T12:59:57.168354Z`; `T`/`Z` in either case; an offset
 *   (`Z` or `±HH:MM`) is required; no leap seconds (`:60`).
 * - `date-or-date-time` (list filters, `/_mock/requests?since=`): `YYYY-MM-DD`, or that followed by `T` or a
 *   space, `HH:MM`, optional `:SS` and fraction, and an optional offset `Z`, `±HH`, `±HHMM` or `±HH:MM`. A date
 *   alone is its midnight UTC; a date-time without an offset is UTC.
 */
export type DateGrammar = 'date-time' | 'date-or-date-time';

const GRAMMARS: Record<DateGrammar, RegExp> = {
  'date-time':
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/,
  'date-or-date-time':
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?)?$/,
};

const DAY_MS = 86_400_000;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in a month of the proleptic Gregorian calendar (month 1..12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a civil date (H. Hinnant's days_from_civil). Unlike Date.UTC it reads years 0..99 as
 * themselves, not as 1900..1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Parses a date or date-time in one of the spec's grammars to milliseconds since the epoch (with a fraction for
 * microseconds, as the mock's clock keeps them), or undefined when it does not match the grammar or names an
 * impossible date or time (`2024-02-30`, month 13, hour 24, offset hour 24).
 * @example parseDateInput('2024-02-29T10:00+01', 'date-or-date-time') === Date.UTC(2024, 1, 29, 9, 0)
 */
export function parseDateInput(value: string, grammar: DateGrammar): number | undefined {
  const m = GRAMMARS[grammar].exec(value);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, z, sign, ohs, oms] = m;
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs ?? 0);
  const minute = Number(mis ?? 0);
  const second = Number(ss ?? 0);
  const offsetHour = Number(ohs ?? 0);
  const offsetMinute = Number(oms ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return undefined;
  // DIVERGENCE(requests.dates-no-offset-utc): no offset means UTC (the API's own times are all UTC); the docs do not say.
  const offsetMs = z || !sign ? 0 : (sign === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute) * 60_000;
  const digits = (frac ?? '').padEnd(6, '0');
  const fractionMs = Number(digits.slice(0, 3)) + Number(digits.slice(3, 6)) / 1000;
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    fractionMs -
    offsetMs
  );
}

/** Whether a string is valid in a grammar: the ajv format of the same name. */
export function isDateInput(value: string, grammar: DateGrammar): boolean {
  return parseDateInput(value, grammar) !== undefined;
}

/** Parses an RFC 3339 date-time (the API's own `date_*` fields, `date_start`/`date_end`, imported state). */
export function parseDateTime(value: string): number | undefined {
  return parseDateInput(value, 'date-time');
}
