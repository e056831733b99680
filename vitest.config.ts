import { configDefaults, defineConfig } from 'vitest/config';

// The test tiers. A test file's folder decides its tier, so a new file lands in the right one by where it is put:
//   unit     `npm test`              everything else: in one process (app.request(), in-process sockets), the fast loop
//   system   `npm run test:system`   test/system/: tests that spawn processes, start the real command or pack the
//                                     tarball; dist/ is built once before them (test/helpers/build-once.ts)
//   quality  `npm run test:quality`  test/quality/: the fuzzer, properties of both specs, isolation, memory, chaos
// `npx vitest run` runs the three, `npx vitest run --project <tier>` one. The browser (vitest.e2e.config.ts), Pact
// (contracts/run-pact.sh) and interop (scripts/interop.mjs, pytest) tiers have runners of their own; `npm run check`
// runs every tier.
//
// CI_REPORT_DIR (set by .ci/run) adds one JSON report per npm script (unit.json, system.json, quality.json, ...),
// which .ci/run sums into one closing line.
const reportDir = process.env.CI_REPORT_DIR;

// `npm run test:tz` (part of `npm test`) runs the date tests again in a process started with TZ=Asia/Tokyo
// (TZ must be set before the engine starts: assigning process.env.TZ inside a test is too late for some). Its
// guard file proves the zone took effect; the date tests prove that no date reads the machine's zone.
const tzRun = process.env.DATES_TZ_RUN === '1';
const TZ_FILES = ['server/runtime/dates.test.ts', 'test/dates.test.ts', 'test/dates-tz.test.ts'];

const SYSTEM = 'test/system/**/*.test.ts';
const QUALITY = 'test/quality/**/*.test.ts';
const script = process.env.npm_lifecycle_event ?? 'vitest';
const report = tzRun ? 'unit-tz' : script.replace(/^test(:|$)/, '') || 'unit';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    pool: 'forks',
    reporters: reportDir ? ['default', 'json'] : ['default'],
    outputFile: reportDir ? { json: `${reportDir}/${report}.json` } : undefined,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // One module graph per worker instead of one per file: importing the server (hono, ajv and both compiled
          // specs) again for each of ~60 files was most of the tier's time. Each test builds its own mock, and the
          // files pass in shuffled order too (--sequence.shuffle.files): none depends on another's leftovers.
          isolate: false,
          // The contract suite runs under its own config (run-pact.sh); the conformance kit's in-process proofs run here.
          include: tzRun
            ? TZ_FILES
            : [
                'test/**/*.test.ts',
                'server/**/*.test.ts',
                'fixtures/**/*.test.ts',
                'contracts/conformance/**/*.test.ts',
              ],
          exclude: [...configDefaults.exclude, SYSTEM, QUALITY, ...(tzRun ? [] : ['test/dates-tz.test.ts'])],
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: tzRun ? [] : [SYSTEM],
          // Tests that start the real command (`node dist/main.js`, `npm start`) need a fresh build.
          globalSetup: ['test/helpers/build-once.ts'],
        },
      },
      { extends: true, test: { name: 'quality', include: tzRun ? [] : [QUALITY] } },
    ],
  },
});
