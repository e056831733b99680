/**
 * The fidelity ledger (fidelity/README.md): the committed ledger obeys every rule, and each rule catches what it
 * names (proved on small in-memory ledgers run through the same check).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkLedger,
  codeMarkers,
  type LedgerInput,
  type Rule,
  readLedgerInput,
  sourceUrl,
  vitestTitles,
} from '../scripts/ledger.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Built from parts so that this file carries no marker of its own. */
const MARK = 'DIVER' + 'GENCE';

describe('the committed ledger', () => {
  const input = readLedgerInput(root);
  const problems = checkLedger(input);
  const broken = (rule: Rule): string[] => problems.filter((p) => p.rule === rule).map((p) => p.message);

  it('has well-formed entries with unique ids', () => {
    expect(broken('shape')).toEqual([]);
  });

  it('names only tests and spec pointers that exist', () => {
    expect(broken('references')).toEqual([]);
  });

  it('quotes each page verbatim where its copy is present', () => {
    expect(broken('quotes')).toEqual([]);
  });

  it('holds an entry for every divergence marker in the code and the spec, and no marker lacks an id', () => {
    expect(broken('markers')).toEqual([]);
  });

  it('covers every public page, with the page list matching the docs copies when they are present', () => {
    expect(broken('coverage')).toEqual([]);
    expect(input.pages.length).toBeGreaterThan(0);
  });
});

const TESTS: Record<string, string> = {
  'test/a.test.ts': [
    "it('answers 200 with the poll', () => {});",
    'it.each([1, 2])("refuses %s after the (first) one", () => {});',
    'describe("group", () => { test(`counts every item`, () => {}); });',
  ].join('\n'),
  'fixtures/x.test.ts': "it('seeds the same bytes', () => {});",
  'test/interop/test_x.py': 'def helper():\n    pass\n\n\ndef test_reads_a_poll(ricloud):\n    pass\n',
};
const SPEC = {
  paths: { '/polls': { post: { 'x-divergence': 'a note', 'x-divergence-id': 'polls.made-up' } } },
};

const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'polls.answers',
  quote: 'The poll is returned.',
  spec: ['openapi/ricloud-v3.yaml#/paths/~1polls/post'],
  tests: ['test/a.test.ts > answers 200'],
  status: 'matches',
  ...over,
});
const divergence = {
  id: 'polls.made-up',
  quote: 'Polls are created.',
  spec: [],
  tests: [],
  status: 'divergence',
  reason: 'The mock decides.',
  evidence: 'The page is silent: https://reincubate.com/support/ricloud/polls/',
};
/** The messages of every problem found. */
const check = (i: LedgerInput): string[] => checkLedger(i).map((p) => p.message);

const PAGES = [{ slug: 'polls', url: 'https://reincubate.com/support/ricloud/polls/', title: 'Polls' }];

/** A one-page ledger whose files are the given entries (as YAML via JSON, which YAML reads). */
function input(entries: unknown[], over: Partial<LedgerInput> = {}): LedgerInput {
  return {
    files: [{ slug: 'polls', text: JSON.stringify({ page: PAGES[0]!.url, entries }) }],
    pages: PAGES,
    docs: undefined,
    sources: [{ path: 'server/domain/poll.ts', text: `// ${MARK}(polls.made-up): the mock decides\n` }],
    specs: [{ path: 'openapi/ricloud-v3.yaml', doc: SPEC }],
    readTest: (file) => TESTS[file],
    ...over,
  };
}

describe('the ledger rules', () => {
  it('accepts a sound ledger', () => {
    expect(check(input([entry(), divergence]))).toEqual([]);
  });

  it('refuses an entry missing a field its status needs', () => {
    const problems = check(
      input([
        entry({ id: 'polls.no-test', tests: [] }),
        entry({ id: 'polls.no-quote', quote: '' }),
        { ...divergence, evidence: undefined },
        entry({ id: 'polls.not-modelled', status: 'not-modelled', tests: [] }),
        entry({ id: 'polls.odd-status', status: 'maybe' }),
        entry({ id: 'polls.no-spec', spec: undefined }),
      ]),
    );
    expect(problems.join('\n')).toMatch(/polls\.no-test.*names the test/);
    expect(problems.join('\n')).toMatch(/polls\.no-quote.*`quote` is required/);
    expect(problems.join('\n')).toMatch(/polls\.made-up.*needs `evidence`/);
    expect(problems.join('\n')).toMatch(/polls\.not-modelled.*needs a `reason`/);
    expect(problems.join('\n')).toMatch(/polls\.odd-status.*`status` must be one of/);
    expect(problems.join('\n')).toMatch(/polls\.no-spec.*`spec` must be a list/);
  });

  it('refuses duplicate ids, ids outside their file, and unknown keys', () => {
    const problems = check(
      input([entry(), entry(), entry({ id: 'tasks.elsewhere' }), entry({ id: 'polls.extra', note: 'x' })]),
    );
    expect(problems).toContain('duplicate id polls.answers (in polls.yaml and polls.yaml)');
    expect(problems.join('\n')).toMatch(/tasks\.elsewhere.*must start with `polls\.`/);
    expect(problems.join('\n')).toMatch(/polls\.extra.*unknown key `note`/);
  });

  it('refuses evidence that cites our own reference or a file outside the repo', () => {
    const problems = check(input([entry(), { ...divergence, evidence: '../shared/api/ricloud-v3.md D12' }]));
    expect(problems.join('\n')).toMatch(/polls\.made-up.*`evidence` cites a file outside the repo/);
  });

  it('refuses a named test that does not exist, for vitest and pytest', () => {
    const problems = check(
      input([
        entry({
          tests: [
            'test/a.test.ts > answers 404',
            'test/missing.test.ts > anything',
            'test/interop/test_x.py::test_gone',
            'test/interop/test_x.py::helper',
            'a free sentence',
          ],
        }),
        divergence,
      ]),
    );
    expect(problems).toEqual([
      'polls.answers: test "test/a.test.ts > answers 404": test/a.test.ts has no it()/test() titled "…answers 404…"',
      'polls.answers: test "test/missing.test.ts > anything": test file test/missing.test.ts does not exist',
      'polls.answers: test "test/interop/test_x.py::test_gone": test/interop/test_x.py has no function test_gone',
      'polls.answers: test "test/interop/test_x.py::helper": helper is not a pytest test (its name must start with "test")',
      'polls.answers: test "a free sentence": not a test reference: use `test/x.test.ts > <part of an it() title>` or `test/interop/x.py::test_name`',
    ]);
  });

  it('resolves tests that sit beside their code, outside test/', () => {
    expect(
      check(input([entry({ tests: ['fixtures/x.test.ts > seeds the same bytes'] }), divergence])),
    ).toEqual([]);
  });

  it('refuses a spec pointer that does not resolve', () => {
    const problems = check(
      input([entry({ spec: ['openapi/ricloud-v3.yaml#/paths/~1polls/get'] }), divergence]),
    );
    expect(problems).toEqual([
      'polls.answers: spec "openapi/ricloud-v3.yaml#/paths/~1polls/get": openapi/ricloud-v3.yaml#/paths/~1polls/get does not resolve (no `get`)',
    ]);
  });

  it('refuses a code marker or a spec x-divergence that has no divergence entry', () => {
    const problems = check(
      input([entry()], {
        sources: [
          { path: 'server/x.ts', text: `a\n// ${MARK}(polls.unknown): why\n// ${MARK}(polls.answers): why` },
        ],
      }),
    );
    expect(problems).toEqual([
      `server/x.ts:2: ${MARK}(polls.unknown) has no ledger entry`,
      `server/x.ts:3: ${MARK}(polls.answers) names an entry whose status is matches, not divergence`,
      'openapi/ricloud-v3.yaml#/paths/~1polls/post: x-divergence-id polls.made-up has no ledger entry',
    ]);
  });

  it('refuses a marker without an id, in the code and in the spec', () => {
    const spec = { paths: { '/polls': { post: { 'x-divergence': 'a note' } } } };
    const problems = check(
      input([entry(), divergence], {
        sources: [{ path: 'server/x.ts', text: `// ${MARK}(polls.made-up): ok\n// ${MARK}: no id\n` }],
        specs: [{ path: 'openapi/ricloud-v3.yaml', doc: spec }],
      }),
    );
    expect(problems).toEqual([
      `server/x.ts:2: a ${MARK} marker without an id: write ${MARK}(<ledger id>)`,
      'openapi/ricloud-v3.yaml#/paths/~1polls/post: x-divergence without an x-divergence-id naming its ledger entry',
    ]);
  });

  it('keeps a divergence whose marker is gone only while a test still shows it', () => {
    const bare = { sources: [], specs: [{ path: 'openapi/ricloud-v3.yaml', doc: {} }] };
    expect(check(input([{ ...divergence, tests: ['test/a.test.ts > answers 200'] }], bare))).toEqual([]);
    expect(check(input([divergence], bare))).toEqual([
      `polls.made-up: a divergence with no anchor: no ${MARK}(polls.made-up) in the code, no x-divergence-id in the spec, no test`,
    ]);
  });

  it('refuses a page without its ledger file, and a page list that differs from the docs copies', () => {
    const url = 'https://reincubate.com/support/ricloud/tasks';
    const pages = [...PAGES, { slug: 'tasks', url, title: 'Tasks' }];
    expect(check(input([entry(), divergence], { pages }))).toEqual([
      `page ${url} has no ledger file fidelity/ledger/tasks.yaml`,
    ]);
    const docs = [
      { slug: 'polls', url: 'https://reincubate.com/support/ricloud/polls' },
      { slug: 'events', url: 'https://reincubate.com/support/ricloud/events' },
    ];
    expect(check(input([entry(), divergence], { docs }))).toEqual([
      'docs page events (https://reincubate.com/support/ricloud/events) is missing from fidelity/pages.yaml',
    ]);
  });

  it('decides coverage from the committed page list alone when the docs copies are absent', () => {
    expect(check(input([entry(), divergence], { docs: undefined }))).toEqual([]);
    const other = {
      slug: 'polls',
      text: JSON.stringify({ page: 'https://example.com/x', entries: [entry(), divergence] }),
    };
    expect(check(input([], { files: [other], sources: [] }))).toEqual([
      'fidelity/ledger/polls.yaml: `page` must be https://reincubate.com/support/ricloud/polls/ (fidelity/pages.yaml)',
    ]);
  });
});

describe('the quote rule', () => {
  const docs = [
    {
      slug: 'polls',
      url: 'https://reincubate.com/support/ricloud/polls',
      text: 'Source: x\n# Polls\n\n- The poll is `returned`.\nPolls are\n  created. Then “more”.',
    },
  ];

  it('finds a quote on its page across Markdown marks, line breaks and "..." gaps', () => {
    expect(check(input([entry(), divergence], { docs }))).toEqual([]);
    expect(
      check(input([entry({ quote: 'The poll is returned. ... Then "more".' }), divergence], { docs })),
    ).toEqual([]);
  });

  it('refuses a quote that is not on its page, and leaves pages without a copy alone', () => {
    expect(check(input([entry({ quote: 'The poll is returned at once.' }), divergence], { docs }))).toEqual([
      'polls.answers: the quote is not on https://reincubate.com/support/ricloud/polls/ (not found: "The poll is returned at once.")',
    ]);
    const elsewhere = entry({
      quote: 'anything',
      page: 'https://github.com/reincubate/ricloud/blob/v3.2.0/x.py',
    });
    expect(check(input([elsewhere, divergence], { docs }))).toEqual([]);
  });
});

describe('the ledger readers', () => {
  it('reads it()/test() titles, with modifiers and .each tables', () => {
    expect(vitestTitles(TESTS['test/a.test.ts']!)).toEqual([
      'answers 200 with the poll',
      'refuses %s after the (first) one',
      'counts every item',
    ]);
  });

  it('finds markers with and without ids, with their lines', () => {
    expect(codeMarkers(`x\n// ${MARK}(a.b): y\n/** ${MARK}: z */\n// ${MARK} (decision)`)).toEqual({
      ids: [{ id: 'a.b', line: 2 }],
      bare: [3, 4],
    });
  });

  it('takes the English page URL from a docs copy Source line', () => {
    expect(
      sourceUrl(
        'Source: https://reincubate.com/zh/support/ricloud/storage-configuration (only the Chinese copy surfaced; English page is https://reincubate.com/support/ricloud/storage-configuration)',
      ),
    ).toBe('https://reincubate.com/support/ricloud/storage-configuration');
    expect(sourceUrl('Source: https://reincubate.com/support/ricloud/polls/  (also x)')).toBe(
      'https://reincubate.com/support/ricloud/polls/',
    );
  });
});
