#!/usr/bin/env bash
# A larger crash campaign than CI's: ITERATIONS runs (default 300), each SIGKILLed at one to three
# random points and resumed, with every guarantee checked after each iteration (see
# Tests/EndToEndTests/Guarantees/CrashCampaignTests.swift). Prints the campaign's figures.
#   bash Benchmarks/crash-campaign.sh [ITERATIONS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export CASA_RELEASE_CAMPAIGN_ITERATIONS="${1:-300}"
export CASA_RELEASE_CAMPAIGN_SEED="${2:-$(date +%s)}"
swift build --build-tests >/dev/null
log="$(mktemp)"
status=0
swift test --skip-build --filter CrashCampaignTests >"$log" 2>&1 || status=$?
grep -E "crash campaign:|recorded an issue|Test run with" "$log" | cut -c1-400
rm -f "$log"
exit "$status"
