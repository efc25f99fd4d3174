#!/usr/bin/env bash
# create-singularity's figures against its baseline, in one run, interleaved: the conversion of
# an image of MiB (a random layer on a busybox base) to a .sif, against what a person would type
# for the same work: `skopeo copy oci:LAYOUT:REF oci-archive:TAR`, the build, then md5sum and
# sha256sum of the result. Apptainer cannot run here: on both sides its build is one `cp` of the
# archive to the output (a stand-in given as CASA_RELEASE_APPTAINER), so the figures are what
# casa-release adds around apptainer: blob checks, the archive, the record, the sidecar's hashes.
#
#   Benchmarks/singularity-convert.sh [MiB] [work directory]      (defaults: 500 MiB, /tmp)
#
# Needs a release build (bash Packaging/build-release.sh with the products it runs), buildah, skopeo,
# busybox-static, python3. It prints figures; it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-500}
work=$(mktemp -d "${2:-/tmp}/casa-release-singularity.XXXXXX")
binary=$PWD/.build/release/casa-release
[ -x "$binary" ] || { echo "build first: bash Packaging/build-release.sh casa-release provenance-benchmark ledger-append-benchmark" >&2; exit 69; }
trap 'rm -rf "$work"' EXIT
rounds=3
export CASA_BASE_DIRECTORY=$work/base
source Benchmarks/docker-fixture.sh

# apptainer's build as one copy: `build [flags] OUTPUT DEFINITION` copies the definition's From:.
cat > "$work/apptainer" <<'STANDIN'
#!/bin/sh
[ "$1" = --version ] && { echo "apptainer version 0-copy"; exit 0; }
[ "$1" = build ] || exit 1
for last; do :; done
output=$(eval echo "\${$(($# - 1))}")
case "$last" in oci-archive:*) source=${last#oci-archive:} ;; *) source=$(sed -n 's/^From: //p' "$last") ;; esac
exec cp "$source" "$output"
STANDIN
chmod +x "$work/apptainer"
export CASA_RELEASE_APPTAINER=$work/apptainer


make_big_image
"$binary" create-singularity image_names=casa-big:1 > /dev/null 2>&1    # the first, out of the figures

baseline() {
    rm -f "$work/by-hand.tar" "$work/by-hand.sif"
    skopeo copy -q "oci:$top/oci:cati/casa-big:1" "oci-archive:$work/by-hand.tar"
    "$work/apptainer" build "$work/by-hand.sif" "oci-archive:$work/by-hand.tar"
    rm -f "$work/by-hand.tar"
    md5sum "$work/by-hand.sif"; sha256sum "$work/by-hand.sif"
}
ours=() theirs=()
for round in $(seq $rounds); do
    ours+=("$(microseconds "$binary" create-singularity image_names=casa-big:1 force=yes)")
    theirs+=("$(microseconds baseline)")
done
size=$(stat -c %s "$CASA_BASE_DIRECTORY/cati_casa-big_1.sif")
o=$(median "${ours[@]}") t=$(median "${theirs[@]}")
echo "image: $mib MiB layer; .sif (here: the OCI archive) $size bytes; medians of $rounds rounds, interleaved"
echo "create-singularity force=yes:                         $(seconds "$o")"
echo "skopeo copy to oci-archive + build + md5sum + sha256sum: $(seconds "$t")"
python3 -c "print(f'ratio: {$o/$t:.2f}')"
