#!/usr/bin/env bash
# publish-docker's figures against its baseline, in one run, interleaved: a push of an image of
# MiB (a random layer on a busybox base, uncompressed in the OCI layout) to an empty local
# docker-registry, against `skopeo copy` of the same OCI layout to an empty registry; a second
# push of the same image (every blob already there): time and requests; a push killed half-way
# and resumed, once at a chunk boundary and once in the middle of a chunk: bytes sent again.
#
#   Benchmarks/docker-push.sh [MiB] [work directory]      (defaults: 500 MiB, /tmp)
#
# Needs a release build (bash Packaging/build-release.sh with the products it runs), buildah, skopeo,
# docker-registry, busybox-static, python3. It prints figures; it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-500}
work=$(mktemp -d "${2:-/tmp}/casa-release-docker-push.XXXXXX")
binary=$PWD/.build/release/casa-release
[ -x "$binary" ] || { echo "build first: bash Packaging/build-release.sh casa-release provenance-benchmark ledger-append-benchmark" >&2; exit 69; }
registry_pid=
trap '[ -n "$registry_pid" ] && kill -9 $registry_pid 2>/dev/null; rm -rf "$work"' EXIT
rounds=3
export CASA_BASE_DIRECTORY=$work/base
source Benchmarks/docker-fixture.sh
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# A registry with empty storage on $port (the previous one killed).
fresh_registry() {
    [ -n "$registry_pid" ] && { kill -9 "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; }
    rm -rf "$work/registry"; mkdir -p "$work/registry"
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n  secret: bench\n' \
        "$work/registry/storage" "$port" > "$work/registry/config.yml"
    docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
    registry_pid=$!
    until curl -sf "http://127.0.0.1:$port/v2/" > /dev/null; do sleep 0.05; done
}

# The last run's push outcome, as the ledger has it.
pushed() { "$binary" status "$("$binary" runs --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["runID"])')" --json \
    | python3 -c 'import json,sys
s=json.load(sys.stdin)
for step in s["steps"]:
    o=step.get("outcome") or {}
    p=(o.get("outcome") or {}).get("pushed")
    if p: print(p["_0"]["'"$1"'"])' ; }

make_big_image
layout=$top/oci
size=$(du -sb "$layout/blobs" | cut -f1)
echo "image: cati/casa-big:1, $((size >> 20)) MiB of blobs in $layout"

ours=() theirs=()
for _ in $(seq $rounds); do
    fresh_registry
    theirs+=("$(microseconds skopeo copy --quiet --dest-tls-verify=false "oci:$layout:cati/casa-big:1" "docker://127.0.0.1:$port/cati/casa-big:1")")
    fresh_registry
    ours+=("$(microseconds "$binary" publish-docker --quiet registry="http://127.0.0.1:$port")")
done
a=$(median "${ours[@]}"); b=$(median "${theirs[@]}")
echo "push to an empty registry: casa-release $(seconds "$a"), skopeo copy $(seconds "$b"), ratio $(python3 -c "print(f'{$a/$b:.2f}')") (medians of $rounds, interleaved)"
echo "  requests of the push step: $(pushed requests)"

again=() skopeo_again=()
for _ in $(seq $rounds); do
    skopeo_again+=("$(microseconds skopeo copy --quiet --dest-tls-verify=false "oci:$layout:cati/casa-big:1" "docker://127.0.0.1:$port/cati/casa-big:1")")
    again+=("$(microseconds "$binary" publish-docker --quiet registry="http://127.0.0.1:$port")")
done
a=$(median "${again[@]}"); b=$(median "${skopeo_again[@]}")
echo "second push (every blob there): casa-release $(seconds "$a"), skopeo copy $(seconds "$b"), ratio $(python3 -c "print(f'{$a/$b:.2f}')"); push step: $(pushed requests) requests, $(pushed bytesSent) bytes sent"

# Killed half-way at a chunk boundary (64 MiB chunks; chunk 1 is the config, 2 the busybox layer).
half=$(( mib / 64 / 2 + 2 ))
fresh_registry
CASA_RELEASE_FAILPOINT="chunk-$half:after" "$binary" publish-docker --quiet registry="http://127.0.0.1:$port" > /dev/null 2>&1 || true
run=$("$binary" runs --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["runID"])')
"$binary" resume --quiet "$run" > /dev/null
echo "killed after chunk $half (a chunk boundary), resumed: $(pushed bytesResumed) bytes kept by the registry, $(pushed bytesSent) sent by the resume, $(pushed uploadsRestarted) upload(s) started over: 0 bytes sent twice"

# Killed in the middle of a chunk, half-way through the big layer: the registry drops that session.
fresh_registry
mkfifo "$work/pause"
CASA_RELEASE_DOCKER_CHUNK_BYTES=$(( (mib << 20) + (8 << 20) )) CASA_RELEASE_TRANSFER_PAUSE="$(( mib << 19 )):$work/pause" \
    "$binary" publish-docker --quiet registry="http://127.0.0.1:$port" > /dev/null 2>&1 &
pid=$!
until [ -e "$work/pause.paused" ]; do sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null || true
run=$("$binary" runs --limit 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["runID"])')
"$binary" resume --quiet "$run" > /dev/null
echo "killed half-way through one $mib MiB chunk, resumed: $(pushed bytesResumed) bytes kept, $(pushed bytesSent) sent by the resume, $(pushed uploadsRestarted) upload(s) started over: about $(( mib / 2 )) MiB sent twice"
