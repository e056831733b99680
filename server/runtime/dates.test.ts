import { describe, expect, it } from 'vitest';
import { type DateGrammar, daysInMonth, parseDateInput, parseDateTime } from './dates.ts';

const utc = Date.UTC;

describe('parseDateInput: date-or-date-time (list filters, /_mock/requests since)', () => {
  const cases: { given: string; want: number | undefined }[] = [
    // dates alone: midnight UTC
    { given: '2026-01-01', want: utc(2026, 0, 1) },
    { given: '2024-02-29', want: utc(2024, 1, 29) },
    { given: '2000-02-29', want: utc(2000, 1, 29) },
    { given: '0001-01-01', want: -62_135_596_800_000 },
    { given: '0000-01-01', want: -62_167_219_200_000 },
    { given: '0099-12-31', want: -59_011_545_600_000 },
    { given: '9999-12-31', want: utc(9999, 11, 31) },
    // no offset: UTC, whatever the machine's TZ
    { given: '2026-01-01T10:20', want: utc(2026, 0, 1, 10, 20) },
    { given: '2026-01-01 10:20', want: utc(2026, 0, 1, 10, 20) },
    { given: '2026-01-01T10:20:30', want: utc(2026, 0, 1, 10, 20, 30) },
    { given: '2026-01-01T10:20:30.5', want: utc(2026, 0, 1, 10, 20, 30, 500) },
    { given: '2026-01-01T10:20:30.123456', want: utc(2026, 0, 1, 10, 20, 30, 123) + 0.456 },
    { given: '2026-01-01T10:20:30.1234569', want: utc(2026, 0, 1, 10, 20, 30, 123) + 0.456 },
    // every offset form the spec's pattern allows
    { given: '2026-01-01T10:00Z', want: utc(2026, 0, 1, 10) },
    { given: '2026-01-01T10:00:00+01', want: utc(2026, 0, 1, 9) },
    { given: '2026-01-01T10:00:00+0100', want: utc(2026, 0, 1, 9) },
    { given: '2026-01-01T10:00:00+01:00', want: utc(2026, 0, 1, 9) },
    { given: '2026-01-01T10:00:00-0530', want: utc(2026, 0, 1, 15, 30) },
    { given: '2026-01-01T00:30:00+01:00', want: utc(2025, 11, 31, 23, 30) },
    { given: '2026-01-01T23:59:59.999999-23:59', want: utc(2026, 0, 2, 23, 58, 59, 999) + 0.999 },
    { given: '2026-01-01T00:00+00', want: utc(2026, 0, 1) },
    // impossible dates and times
    { given: '0000-00-00', want: undefined },
    { given: '2024-02-30', want: undefined },
    { given: '2023-02-29', want: undefined },
    { given: '1900-02-29', want: undefined },
    { given: '2026-04-31', want: undefined },
    { given: '2026-13-01', want: undefined },
    { given: '2026-00-10', want: undefined },
    { given: '2026-01-32', want: undefined },
    { given: '2026-01-00', want: undefined },
    { given: '2026-01-01T24:00', want: undefined },
    { given: '2026-01-01T10:60', want: undefined },
    { given: '2026-01-01T23:59:60Z', want: undefined },
    { given: '2026-01-01T10:00+24', want: undefined },
    { given: '2026-01-01T10:00+01:60', want: undefined },
    // not the grammar
    { given: '', want: undefined },
    { given: 'yesterday', want: undefined },
    { given: '2026-1-01', want: undefined },
    { given: '20260101', want: undefined },
    { given: '2026-01-01T10', want: undefined },
    { given: '2026-01-01T10:00:00+1', want: undefined },
    { given: '2026-01-01T10:00:00+01:0', want: undefined },
    { given: '2026-01-01Z', want: undefined },
    { given: '2026-01-01t10:00', want: undefined },
    { given: '2026-01-01T10:00z', want: undefined },
    { given: '2026-01-01T10:00:00.', want: undefined },
    { given: '2026-01-01T10:00:00 01:00', want: undefined },
    { given: ' 2026-01-01', want: undefined },
    { given: '2026-01-01\n', want: undefined },
    { given: '+002026-01-01', want: undefined },
    { given: 'Thu, 01 Jan 2026 00:00:00 GMT', want: undefined },
    { given: '1767225600000', want: undefined },
  ];
  it.each(cases)('$given → $want', ({ given, want }) => {
    expect(parseDateInput(given, 'date-or-date-time')).toBe(want);
  });
});

describe('parseDateInput: date-time (RFC 3339, bodies and the API’s own dates)', () => {
  const cases: { given: string; want: number | undefined }[] = [
    { given: '2018-11-22T12:59:57.168354Z', want: utc(2018, 10, 22, 12, 59, 57, 168) + 0.354 },
    { given: '2026-01-01T00:00:00Z', want: utc(2026, 0, 1) },
    { given: '2026-01-01t00:00:00z', want: utc(2026, 0, 1) },
    { given: '2026-01-01T10:00:00+01:00', want: utc(2026, 0, 1, 9) },
    { given: '2026-01-01T10:00:00-00:30', want: utc(2026, 0, 1, 10, 30) },
    { given: '2024-02-29T00:00:00Z', want: utc(2024, 1, 29) },
    { given: '2024-02-30T00:00:00Z', want: undefined },
    { given: '2023-02-29T00:00:00Z', want: undefined },
    { given: '0000-00-00T00:00:00Z', want: undefined },
    { given: '2026-13-01T00:00:00Z', want: undefined },
    { given: '2026-01-01T24:00:00Z', want: undefined },
    { given: '2026-01-01T23:59:60Z', want: undefined },
    // RFC 3339 needs seconds, the T and an offset of ±HH:MM
    { given: '2026-01-01', want: undefined },
    { given: '2026-01-01T10:00Z', want: undefined },
    { given: '2026-01-01 10:00:00Z', want: undefined },
    { given: '2026-01-01T10:00:00', want: undefined },
    { given: '2026-01-01T10:00:00+01', want: undefined },
    { given: '2026-01-01T10:00:00+0100', want: undefined },
  ];
  it.each(cases)('$given → $want', ({ given, want }) => {
    expect(parseDateInput(given, 'date-time')).toBe(want);
    expect(parseDateTime(given)).toBe(want);
  });
});

describe('calendar arithmetic', () => {
  it('agrees with Date.UTC on every day from 1970 to 2100 (and on midnight of each)', () => {
    const grammar: DateGrammar = 'date-or-date-time';
    const mismatches: string[] = [];
    for (let y = 1970; y <= 2100; y++) {
      for (let m = 1; m <= 12; m++) {
        for (let d = 1; d <= daysInMonth(y, m); d++) {
          const text = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
          const got = parseDateInput(text, grammar);
          if (got !== utc(y, m - 1, d)) mismatches.push(`${text}: ${got}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });
});
