#!/usr/bin/env bash
# How long a casa-release process takes to start, next to what bounds it: each command started
# directly (no shell between), STARTS times, interleaved (one of each, then again), medians:
#   - sqlite3 -version, and a static Swift program that prints one line with Foundation imported
#     (built here with the toolchain's swiftc): the floor of any program linked as casa-release is;
#   - casa-release --version;
#   - sqlite3 reading a run and its steps, and casa-release status RUN, on a RUNS-run ledger built
#     by provenance-benchmark.
#   Benchmarks/start-up.sh [STARTS] [RUNS]          (defaults: 200 starts, 2000 runs)
# Needs a release build (bash Packaging/build-release.sh with the products it runs), sqlite3 and python3. It
# prints figures; it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
starts=${1:-200}
runs=${2:-2000}
binary=$PWD/.build/release/casa-release
[ -x "$binary" ] || { echo "build first: bash Packaging/build-release.sh casa-release provenance-benchmark ledger-append-benchmark" >&2; exit 69; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo 'import Foundation
print("0.1.0 \(ProcessInfo.processInfo.arguments.count)")' > "$work/floor.swift"
swiftc -O -static-stdlib "$work/floor.swift" -o "$work/swift-foundation-floor" 2> /dev/null
echo "building a ledger of $runs runs (provenance-benchmark)..." >&2
.build/release/provenance-benchmark "$runs" "$work/ledger.sqlite" > /dev/null
run=$(sqlite3 "$work/ledger.sqlite" "SELECT run_id FROM runs WHERE pipeline = 'user-image' ORDER BY started_at DESC LIMIT 1")

/usr/bin/python3 - "$starts" "$(nproc)" <<PY
import statistics, subprocess, sys, time
starts, cores = int(sys.argv[1]), sys.argv[2]
ledger, run = "$work/ledger.sqlite", "$run"
commands = [
    ("sqlite3 -version", ["sqlite3", "-version"]),
    ("Swift + Foundation, static, prints a line", ["$work/swift-foundation-floor"]),
    ("casa-release --version", ["$binary", "--version"]),
    ("sqlite3: a run and its steps", ["sqlite3", ledger,
        f"SELECT * FROM runs WHERE run_id = '{run}'; SELECT * FROM steps WHERE run_id = '{run}' ORDER BY position"]),
    ("casa-release status RUN", ["$binary", "status", run, "--ledger", ledger]),
]
times = {label: [] for label, _ in commands}
for _ in range(starts):
    for label, command in commands:
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[label].append(time.perf_counter() - start)
median = {label: statistics.median(values) * 1000 for label, values in times.items()}
print(f"casa-release start-up, {cores} cores, medians of {starts} interleaved starts ($runs-run ledger)")
for label, _ in commands:
    print(f"  {label:<44} {median[label]:7.2f} ms")
floor = median["Swift + Foundation, static, prints a line"]
print(f"  --version over the Swift + Foundation floor: {median['casa-release --version'] / floor:5.2f}")
print(f"  status over sqlite3's query:                 {median['casa-release status RUN'] / median['sqlite3: a run and its steps']:5.2f}")
PY
