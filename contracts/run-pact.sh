#!/usr/bin/env bash
# The contract suite: consumer pacts first (they write contracts/pacts/), then the provider verification of
# those pacts against the mock, as two separate vitest runs so the verifier reads complete pact files.
set -euo pipefail
cd "$(dirname "$0")/.."
export PACT_DO_NOT_TRACK=true
# Pact files merge with what is already there: start from nothing so a removed interaction disappears.
rm -rf contracts/pacts
mkdir -p contracts/pacts
# Under CI (.ci/run sets CI_REPORT_DIR) each run also writes a JSON report that .ci/run sums into one line.
report() { if [ -n "${CI_REPORT_DIR:-}" ]; then echo "--reporter=default --reporter=json --outputFile.json=$CI_REPORT_DIR/pact-$1.json"; fi; }
# shellcheck disable=SC2046
npx vitest run --config contracts/vitest.config.ts $(report consumer) contracts/client contracts/consumer contracts/check-pacts.test.ts
# shellcheck disable=SC2046
npx vitest run --config contracts/vitest.config.ts $(report provider) contracts/provider-states.test.ts contracts/provider
