#!/usr/bin/env bash
# A larger crash campaign than CI's, on both stores: ITERATIONS runs (default 300) on a SQLite
# ledger, then as many on a PostgreSQL ledger, each SIGKILLed at one to three random points and
# resumed, or (one in four) its holder stopped with SIGSTOP, taken over by another host once its
# heartbeat aged and then woken; every guarantee is checked after each iteration (see
# Tests/EndToEndTests/Guarantees/CrashCampaignTests.swift). Prints the campaign's figures per store.
#   bash Benchmarks/crash-campaign.sh [ITERATIONS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export CASA_RELEASE_CAMPAIGN_ITERATIONS="${1:-300}"
export CASA_RELEASE_CAMPAIGN_SEED="${2:-$(date +%s)}"
swift build --build-tests >/dev/null
log="$(mktemp)"
status=0
for store in sqlite postgres; do
    if [ "$store" = postgres ]; then export CASA_RELEASE_TEST_LEDGER=postgres; else unset CASA_RELEASE_TEST_LEDGER; fi
    swift test --skip-build --filter CrashCampaignTests >"$log" 2>&1 || status=$?
    grep -E "crash campaign:|recorded an issue|Test run with" "$log" | cut -c1-400
done
rm -f "$log"
exit "$status"
