#!/usr/bin/env bash
# Every performance figure of casa-release next to its baseline, measured in one run, interleaved
# (baseline, casa-release, baseline, casa-release, ...), medians printed with the ratio.
#
#   Benchmarks/performance.sh [RUNS] [GiB] [work directory]     (defaults: 10000 runs, 1 GiB, /tmp)
#
# Rows: verify of a RUNS-run ledger, full and from its checkpoint (against a Python walk of the
# same chain with hashlib); the read commands on it (against sqlite3 running their SQL); a system
# image of GiB (against md5sum, cp + md5sum + sha256sum, and its floor: tee into the copy and
# md5sum at once); a download over HTTP (against curl -o); ledger appends (against the sqlite3
# tool, by ledger-append-benchmark); publication over sftp and WebDAV (against curl -T, by
# transfer-benchmark.sh). Needs a release build (bash Packaging/build-release.sh with the
# products it runs), python3, sqlite3,
# nginx, openssh-server, curl. It prints figures; it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10000}
gib=${2:-1}
work=$(mktemp -d "${3:-/tmp}/casa-release-performance.XXXXXX")
binary=$PWD/.build/release/casa-release
[ -x "$binary" ] || { echo "build first: bash Packaging/build-release.sh casa-release provenance-benchmark ledger-append-benchmark" >&2; exit 69; }
trap 'kill $(cat "$work"/nginx.pid 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
rounds=3

source Benchmarks/rows.sh

echo "casa-release performance, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), medians of $rounds interleaved rounds"
printf '%-44s %11s   %-36s %11s\n' "casa-release" "time" "baseline" "time"

# --- A ledger of RUNS runs, built through the ledger's own API -----------------------------------
ledger=$work/ledger.sqlite
echo "building a ledger of $runs runs (provenance-benchmark)..." >&2
.build/release/provenance-benchmark "$runs" "$ledger" > "$work/provenance-benchmark.txt"
events=$(sqlite3 "$ledger" "SELECT count(*) FROM events")
bytes=$(( $(stat -c %s "$ledger") + $(stat -c %s "$ledger-wal" 2>/dev/null || echo 0) ))
printf '%-44s %s\n' "ledger size ($runs runs, $events events)" \
    "$(python3 -c "print(f'{$bytes / 1048576:.1f} MiB, {$bytes / $events / 1000:.2f} KB per event')")"
cat > "$work/walk.py" <<'PY'
# The hash chain walked as a reader with hashlib would: the same canonical bytes, the same checks.
import hashlib, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
previous, sequence = "0" * 64, 1
for row in db.execute("SELECT sequence, stream_id, stream_version, type, recorded_at, actor, payload, prev_hash, hash FROM events ORDER BY sequence"):
    assert row[0] == sequence and row[7] == previous
    canonical = b"".join(b"%d:%s" % (len(f), f) for f in (str(row[0]).encode(), row[1].encode(), str(row[2]).encode(), row[3].encode(), row[4].encode(), row[5].encode(), row[6].encode()))
    digest = hashlib.sha256(previous.encode() + canonical).hexdigest()
    assert digest == row[8], row[0]
    previous, sequence = digest, sequence + 1
print(sequence - 1)
PY
# verify --full replays every run; verify replays only the runs not as its last verification left
# them (VerificationCheckpoint.swift), kept in XDG_CACHE_HOME: none moved, then 1% of them (the
# checkpoint put back, before each round, without 1% of its runs: as if they were new since).
export XDG_CACHE_HOME=$work/cache
row "verify --full ($runs runs, $events events)" "python3 hashlib walk of the chain" "python3 $work/walk.py $ledger" "$binary verify --full --ledger $ledger"
checkpoint=$(ls "$XDG_CACHE_HOME"/casa-release/verified/*.sqlite)
row "verify, no run moved since the last" "python3 hashlib walk of the chain" "python3 $work/walk.py $ledger" "$binary verify --ledger $ledger"
cp "$checkpoint" "$work/checkpoint-all.sqlite"
sqlite3 "$work/checkpoint-all.sqlite" "DELETE FROM runs WHERE run_id IN (SELECT run_id FROM runs ORDER BY random() LIMIT $((runs / 100)))"
row "verify, $((runs / 100)) runs (1%) new since the last" "python3 hashlib walk of the chain" "python3 $work/walk.py $ledger" \
    "$binary verify --ledger $ledger" "cp $work/checkpoint-all.sqlite $checkpoint"
unset XDG_CACHE_HOME

run=$(sqlite3 "$ledger" "SELECT run_id FROM runs WHERE pipeline = 'user-image' ORDER BY started_at DESC LIMIT 1")
image=$(sqlite3 "$ledger" "SELECT path FROM run_outputs WHERE run_id = '$run'")
environment=$(sqlite3 "$ledger" "SELECT name FROM run_inputs WHERE run_id = '$run' AND role = 'environment'")
row "status RUN" "sqlite3: the run and its steps" \
    "sqlite3 $ledger \"SELECT * FROM runs WHERE run_id = '$run'; SELECT * FROM steps WHERE run_id = '$run' ORDER BY position\"" \
    "$binary status $run --ledger $ledger"
row "runs --limit 20" "sqlite3: the 20 latest runs" \
    "sqlite3 $ledger 'SELECT * FROM runs ORDER BY started_at DESC LIMIT 20'" "$binary runs --limit 20 --ledger $ledger"
row "provenance PATH" "sqlite3: the image and its inputs" \
    "sqlite3 $ledger \"SELECT * FROM run_outputs WHERE path = '$image'; SELECT * FROM run_inputs WHERE output_path = '$image'\"" \
    "$binary provenance $image --ledger $ledger"
row "audit environment=NAME" "sqlite3: the environment's images" \
    "sqlite3 $ledger \"SELECT o.* FROM run_inputs i JOIN run_outputs o ON o.run_id = i.run_id WHERE i.role = 'environment' AND i.name = '$environment'\"" \
    "$binary audit environment=$environment --ledger $ledger"
row "--version (start-up alone)" "sqlite3 -version" "sqlite3 -version" "$binary --version"

# --- A system image of GiB -----------------------------------------------------------------------
base=$work/base
mkdir -p "$base"
head -c $((gib << 30)) /dev/urandom > "$base/ubuntu-24.04.sif"
export CASA_BASE_DIRECTORY=$base
cat "$base/ubuntu-24.04.sif" > /dev/null   # in the page cache, for both
create="$binary create_base_image type=system image_version=ubuntu-24.04 force=yes --quiet --ledger $work/images.sqlite"
row "create_base_image type=system ($gib GiB)" "md5sum of the base" "md5sum $base/ubuntu-24.04.sif" "$create"
row "create_base_image type=system ($gib GiB)" "cp && md5sum && sha256sum" \
    "cp $base/ubuntu-24.04.sif $work/copy.sif && md5sum $work/copy.sif && sha256sum $work/copy.sif" "$create"
# The floor of what create_base_image does: one read of the base, written to the copy and fed
# to md5sum at once (the same work without SHA-256, which casa-release computes on another core).
row "create_base_image type=system ($gib GiB)" "tee COPY < base | md5sum" \
    "tee $work/copy.sif < $base/ubuntu-24.04.sif | md5sum" "$create"

# --- A download over HTTP ------------------------------------------------------------------------
mkdir -p "$work/www/download" "$work/nginx/body" "$work/downloads"
cp "$base/casa-system-ubuntu-24.04.sif" "$work/www/download/casa-system-ubuntu-24.04-1.sif"
cp "$base/casa-system-ubuntu-24.04.sif.json" "$work/www/download/casa-system-ubuntu-24.04-1.sif.json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
user root; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path $work/nginx/body;
  server { listen 127.0.0.1:$port; root $work/www; location / { autoindex on; } } }
CONF
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log"
sleep 0.3
url=http://127.0.0.1:$port/download/
row "download-image ($gib GiB, HTTP)" "curl -o" \
    "curl -sS -o $work/downloads/curl.sif ${url}casa-system-ubuntu-24.04-1.sif" \
    "$binary download-image filename=casa-system-ubuntu-24.04-1.sif url=$url output=$work/downloads/ours.sif --quiet --ledger $work/downloads.sqlite" \
    "rm -f $work/downloads/*.sif $work/downloads/*.json"

# --- Ledger appends, and publication: their own benchmarks print their baselines -----------------
echo
.build/release/ledger-append-benchmark 2000 100 "$work/appends"
echo
Benchmarks/transfer-benchmark.sh $((gib << 10)) "$work" 2>/dev/null
echo
echo "in-process query times (provenance-benchmark, $runs runs):"
grep -A20 "^in process" "$work/provenance-benchmark.txt" | tail -n +2 | grep -v "^casa-release commands" | head -8
