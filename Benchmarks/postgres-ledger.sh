#!/usr/bin/env bash
# The PostgreSQL ledger next to psql, on a server this script starts on 127.0.0.1 (initdb into a
# temporary directory, as the postgres user when run as root, synchronous_commit on), interleaved
# in one run:
# - durable appends, 1 and BATCH per transaction: psql inserting the event rows alone into a bare
#   table, and psql running the very statements casa-release sends for the same appends (captured
#   with CASA_RELEASE_SQL_TRACE) (ledger-append-benchmark);
# - `ledger copy` of a SQLite ledger of RUNS runs (built by provenance-benchmark) into a new
#   database, with and without the check of the source's projections (--no-projection-check):
#   psql's COPY of the same event rows into a bare table;
# - `audit image=` of a run image on the copy: the same command on the SQLite ledger; then the
#   floor of any client of the server (Benchmarks/pq-connect.c: libpq's login and SELECT 1, in C)
#   next to the same SQLite audit, and both audits in process (provenance-benchmark): what is
#   left of a PostgreSQL command once its login is paid.
# Prints figures; asserts nothing.
#
#   Benchmarks/postgres-ledger.sh [EVENTS] [BATCH] [ROUNDS] [RUNS]     (defaults: 2000 100 3 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-2000}
batch=${2:-100}
rounds=${3:-3}
runs=${4:-2000}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/casa-release-pg-bench.XXXXXX)
as_postgres=()
if [ "$(id -u)" = 0 ]; then as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups); chown postgres "$dir"; fi
echo bench > "$dir/password"
"${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U casa --auth=scram-sha-256 --pwfile="$dir/password" -E UTF8 >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_postgres[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 -c synchronous_commit=on >"$dir/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
until PGPASSWORD=bench psql -X -q -h 127.0.0.1 -p "$port" -U casa -d postgres -c 'SELECT 1' >/dev/null 2>&1; do sleep 0.1; done
bash Packaging/build-release.sh casa-release ledger-append-benchmark provenance-benchmark >/dev/null
server_url="postgres://casa:bench@127.0.0.1:$port"
CASA_RELEASE_BENCH_POSTGRES="$server_url/postgres" .build/release/ledger-append-benchmark "$events" "$batch" "$dir/appends" "$rounds"

# --- ledger copy, and audit image= on the copy ---------------------------------------------------
work=$dir
binary=$PWD/.build/release/casa-release
source Benchmarks/rows.sh
ledger=$dir/ledger.sqlite
.build/release/provenance-benchmark "$runs" "$ledger" > /dev/null
count=$(sqlite3 "$ledger" "SELECT count(*) FROM events")
sqlite3 -csv "$ledger" "SELECT sequence, stream_id, stream_version, type, payload, recorded_at, actor, prev_hash, hash FROM events ORDER BY sequence" > "$dir/events.csv"
psql_() { PGPASSWORD=bench psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U casa "$@"; }
fresh() { psql_ -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>/dev/null; }
export -f psql_ fresh
export port
table="CREATE TABLE events (sequence BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (stream_id, stream_version))"
echo
echo "ledger copy of $runs runs ($count events), audit image= on the copy, $rounds interleaved rounds, medians"
row "ledger copy, SQLite to PostgreSQL" "psql: COPY of the event rows" \
    "psql_ -d bare -c '$table' && psql_ -d bare -c '\\copy events FROM $dir/events.csv CSV'" \
    "$binary ledger copy --from $ledger --to $server_url/copied" \
    "fresh bare; fresh copied"
row "ledger copy --no-projection-check" "psql: COPY of the event rows" \
    "psql_ -d bare -c '$table' && psql_ -d bare -c '\\copy events FROM $dir/events.csv CSV'" \
    "$binary ledger copy --from $ledger --to $server_url/copied --no-projection-check" \
    "fresh bare; fresh copied"
image=$(sqlite3 "$ledger" "SELECT name FROM run_inputs WHERE role = 'run-image' LIMIT 1")
dependents=$("$binary" audit "image=$image" --ledger "$ledger" --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["images"]))')
row "audit image=$image ($dependents images), PostgreSQL" "the same, SQLite" \
    "$binary audit image=$image --ledger $ledger" "$binary audit image=$image --ledger $server_url/copied"
cc -O2 -I"$(pg_config --includedir)" Benchmarks/pq-connect.c -lpq -o "$dir/pq-connect"
row "libpq's login + SELECT 1 (pq-connect.c)" "audit image=$image, SQLite" \
    "$binary audit image=$image --ledger $ledger" "$dir/pq-connect $server_url/copied"
echo "in process (provenance-benchmark, medians):"
for store in "SQLite $ledger" "PostgreSQL $server_url/copied"; do
    set -- $store
    printf '  %-11s' "$1"
    .build/release/provenance-benchmark "$runs" "$2" | grep "^audit image" | sed 's/  */ /g'
done
