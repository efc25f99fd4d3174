# Shared by performance.sh and postgres-ledger.sh (sourced, not run): a row of figures, casa-release
# next to its baseline, measured in interleaved rounds (baseline, casa-release, baseline, …),
# medians and their ratio printed. Needs: $work (a scratch directory), $rounds.

# seconds COMMAND...: the wall time of one run of COMMAND in microseconds, its output dropped.
seconds() {
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null 2> "$work/stderr" || { echo "failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
}

# row LABEL BASELINE-LABEL 'BASELINE COMMAND' 'CASA-RELEASE COMMAND' [PREPARE]: interleaved rounds,
# medians, ratio (casa-release's time over the baseline's). PREPARE runs (untimed) before each
# timed command.
row() {
    local label=$1 baseline_label=$2 baseline=$3 ours=$4 prepare=${5:-true}
    local -a mine=() theirs=()
    for _ in $(seq "$rounds"); do
        eval "$prepare"; theirs+=("$(seconds bash -c "$baseline")")
        eval "$prepare"; mine+=("$(seconds bash -c "$ours")")
    done
    python3 - "$label" "$baseline_label" "${theirs[*]}" "${mine[*]}" <<'PY'
import statistics, sys
label, baseline, theirs, mine = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split()], [int(x) for x in sys.argv[4].split()]
a, b = statistics.median(mine) / 1e6, statistics.median(theirs) / 1e6
unit = lambda s: f"{s * 1000:8.1f} ms" if s < 1 else f"{s:8.2f} s "
print(f"{label:<44} {unit(a)}   {baseline:<36} {unit(b)}   ratio {a / b:5.2f}")
PY
}
