#!/usr/bin/env bash
# The release build of casa-release's products, Swift's libraries linked in
# (--static-swift-stdlib), one product at a time: `swift build` of every product at once also
# links GRDB's dynamic library, which cannot be linked with Swift's static libraries.
#
# libstdc++, which Foundation's C++ parts need, stays a shared library. Linked in, a start saved
# the loader's look-ups of its 770 symbols (`--version` 3.95 -> 3.33 ms), but Debian 12's archive
# calls arc4random, so the binary then needs glibc 2.36, and Ubuntu 22.04 has 2.35
# (docs/decisions.md).
#
# Usage: bash Packaging/build-release.sh PRODUCT...    (e.g. casa-release casa-release-dashboard)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: bash Packaging/build-release.sh PRODUCT..." >&2; exit 64; }
for product in "$@"; do
    swift build -c release --static-swift-stdlib --product "$product"
done
