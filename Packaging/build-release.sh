#!/usr/bin/env bash
# The release build of casa-release's products: Swift's libraries linked in
# (--static-swift-stdlib), and libstdc++ too, which Foundation's C++ parts need.
#
# Why libstdc++: linked as a shared library, its 770 symbols the binary names in its data
# (vtables, __cxa_pure_virtual) were looked up by the loader at every start, a sixth of
# `casa-release --version` (3.95 -> 3.33 ms, docs/benchmarks.md). Swift's driver links it by
# name (-lstdc++, last on the line); a directory searched first that holds only the archive
# makes that name the archive. Where no archive is found, libstdc++ stays shared (said so).
#
# Usage: bash Packaging/build-release.sh PRODUCT...    (e.g. casa-release casa-release-dashboard)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: bash Packaging/build-release.sh PRODUCT..." >&2; exit 64; }
archive="$(clang -print-file-name=libstdc++.a 2>/dev/null || true)"
flags=()
if [ -f "$archive" ]; then
    mkdir -p .build/static-libstdc++
    ln -sf "$archive" .build/static-libstdc++/libstdc++.a
    flags=(-Xlinker "-L$PWD/.build/static-libstdc++")
else
    echo "build-release: no libstdc++.a (clang -print-file-name): libstdc++ stays a shared library" >&2
fi
for product in "$@"; do
    swift build -c release --static-swift-stdlib "${flags[@]}" --product "$product"
done
