#!/usr/bin/env bash
# The PostgreSQL ledger's durable appends next to psql, on a server this script starts on
# 127.0.0.1 (initdb into a temporary directory, as the postgres user when run as root,
# synchronous_commit on), interleaved in one run: psql inserting the event rows alone into a bare
# table, and psql running the very statements casa-release sends for the same appends (captured
# with CASA_RELEASE_SQL_TRACE). Prints figures; asserts nothing.
#
#   Benchmarks/postgres-ledger.sh [EVENTS] [BATCH] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-2000}
batch=${2:-100}
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
swift build -c release --product ledger-append-benchmark >/dev/null
CASA_RELEASE_BENCH_POSTGRES="postgres://casa:bench@127.0.0.1:$port/postgres" .build/release/ledger-append-benchmark "$events" "$batch" "$dir/appends" "${3:-3}"
