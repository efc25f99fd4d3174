#!/usr/bin/env bash
# The second half of the project's test command (README.md, .ci/run: `swift test -debug-info-format none && bash
# Tests/postgres-pass.sh`). After `swift test` has run every test with SQLite ledgers, this runs, with
# PostgreSQL ledgers, the suites in which the store takes part (locks, leases, numbering,
# reservations, projections read by a command, creation and refusals, secrets kept out of it) and
# the in-process step loop. The other suites check tools and files (buildah, the stand-ins, image
# bytes, the command line), or read the ledger through the calls StoreParityTests asks of both
# stores (audit, provenance, downloads); they run once. docs/testing.md says why;
# `CASA_RELEASE_TEST_LEDGER=postgres swift test --skip-build --filter EndToEndTests` runs them all
# on PostgreSQL, for a change to the store itself.
set -euo pipefail
cd "$(dirname "$0")/.."
postgres_suites=(
    # Store/
    FrozenHolderTests LedgerFixtureTests PostgresRefusalsTests SharedLedgerTests
    # Guarantees/
    CrashResumeTests LeaseTests LeftoverTests PIDNamespaceTests ConcurrentResumeTests CrashCampaignTests
    LedgerIntegrityTests ProjectionRebuildTests
    # Commands/ that refuse a ledger, or must keep secrets out of it
    BadInputTests LedgerContentTests LedgerLocationTests
    # Commands/: libpq loaded only when the ledger is PostgreSQL
    LibraryLoadingTests
    # Publication, import and docker pushes: numbers, reservations, logins kept out of the ledger
    SharedNumberingTests NetworkRollbackTests PublicationIdentityTests NetworkPublicationTests TransferLoginTests
    ImportTests PublishDockerTests PublishDockerResumeTests
    # Dashboard/: the browser's pages, and a run updated live by another process, on the store;
    # serve handing a postgres:// ledger (its password too) to the server it becomes
    DashboardBrowserTests DashboardProgramTests
)
# The step loop in process, on the store (the pipelines' tool sweeps in process run once, on SQLite).
driver_suites=(CrashPointTests SignedPublicationCrashPointTests SystemImageCrashPointTests DriverLeaseTests OperatorStepTests StepLoopTests)
# A name that matches no suite would leave that suite out of this pass without a word: refuse it.
for suite in "${postgres_suites[@]}"; do
    grep -rqE "struct ${suite}\b" Tests/EndToEndTests || { echo "Tests/postgres-pass.sh: no suite ${suite} in Tests/EndToEndTests" >&2; exit 2; }
done
for suite in "${driver_suites[@]}"; do
    grep -rqE "struct ${suite}\b" Tests/ReleaseDriverTests || { echo "Tests/postgres-pass.sh: no suite ${suite} in Tests/ReleaseDriverTests" >&2; exit 2; }
done
# Extra arguments go to swift test (`--event-stream-output-path FILE` to time the pass's tests).
CASA_RELEASE_TEST_LEDGER=postgres swift test -debug-info-format none --skip-build \
    "$@" --filter "EndToEndTests\.($(IFS='|'; echo "${postgres_suites[*]}"))/|ReleaseDriverTests\.($(IFS='|'; echo "${driver_suites[*]}"))/"
