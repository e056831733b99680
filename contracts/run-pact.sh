#!/usr/bin/env bash
# The contract suite: consumer pacts first (they write contracts/pacts/), then the provider verification of
# those pacts against the mock, as two separate vitest runs so the verifier reads complete pact files.
set -euo pipefail
cd "$(dirname "$0")/.."
export PACT_DO_NOT_TRACK=true
# Pact files merge with what is already there: start from nothing so a removed interaction disappears.
rm -rf contracts/pacts
mkdir -p contracts/pacts
npx vitest run --config contracts/vitest.config.ts contracts/client contracts/consumer contracts/check-pacts.test.ts
npx vitest run --config contracts/vitest.config.ts contracts/provider-states.test.ts contracts/provider
