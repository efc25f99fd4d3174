#!/usr/bin/env bash
# Builds casa-release_<version>_<arch>.deb from this checkout, with dpkg-deb:
#   /usr/bin/casa-release                       the release build, Swift's libraries linked in
#   /usr/lib/casa-release/casa-release-dashboard the dashboard's server, which `serve` becomes
#   /usr/share/casa-release/docker              the docker definitions it ships (create-docker finds them)
#   /usr/share/casa-release/examples            example recipes, a dev environment, a casa-distro tree
#   /usr/share/bash-completion/completions/     bash, zsh (vendor-completions) and fish
#     (vendor_completions.d) completion, from the binary itself
#   /usr/share/man/man1/casa-release*.1.gz      a page per command (swift-argument-parser's generate-manual)
#   /usr/share/doc/casa-release/                copyright (CeCILL-B), changelog, README and docs
# Depends are the shared libraries the binaries link, as dpkg-shlibdeps finds them, and libpq,
# libcurl and libcrypto, which casa-release loads when first used; Recommends
# are the tools some commands run. The version is the binary's own (--version).
# Usage: bash Packaging/build-deb.sh [OUTPUT-DIRECTORY]    (default: .build/deb)
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-.build/deb}"
mkdir -p "$output"
output="$(cd "$output" && pwd)"

# The man pages: swift-argument-parser's plugin builds every product, then asks the binary to
# describe itself. It builds them as the test command does (debug, no debug information), so
# that after the tests it builds nothing; the pages are the same from any build. Dated by the
# last commit, so that the same checkout makes the same pages.
date="$(git log -1 --format=%cs 2>/dev/null || date -u +%F)"
swift package -debug-info-format none --allow-writing-to-package-directory generate-manual \
    --configuration debug --multi-page --date "$date" --authors 'BrainVISA team<contact@brainvisa.info>'
pages=.build/plugins/GenerateManual/outputs/casa-release
bash Packaging/build-release.sh casa-release casa-release-dashboard
binary=.build/release/casa-release
server=.build/release/casa-release-dashboard

version="$("$binary" --version)"
architecture="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/casa-release_${version}_${architecture}"
umask 022

install -D -m 755 "$binary" "$root/usr/bin/casa-release"
strip --strip-unneeded "$root/usr/bin/casa-release"
install -D -m 755 "$server" "$root/usr/lib/casa-release/casa-release-dashboard"
strip --strip-unneeded "$root/usr/lib/casa-release/casa-release-dashboard"
mkdir -p "$root/usr/share/casa-release"
cp -R share/docker "$root/usr/share/casa-release/docker"
cp -R Examples "$root/usr/share/casa-release/examples"

install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
"$binary" --generate-completion-script bash > "$root/usr/share/bash-completion/completions/casa-release"
"$binary" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_casa-release"
"$binary" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/casa-release.fish"

# The generator names a command's page casa-release.keys.rotate; man-db looks for
# casa-release-keys-rotate (`man casa-release keys rotate` too), as for git's pages.
install -d "$root/usr/share/man/man1"
for page in "$pages"/*.1; do
    name="$(basename "$page" .1)"
    sed -E -e 's/^(\.Xr casa-release|\.Dt CASA-RELEASE)\.([^ .]+)\.([^ ]+)/\1-\2-\3/' \
        -e 's/^(\.Xr casa-release|\.Dt CASA-RELEASE)\.([^ ]+)/\1-\2/' "$page" |
        gzip -9n > "$root/usr/share/man/man1/${name//./-}.1.gz"
done

doc="$root/usr/share/doc/casa-release"
install -d "$doc/docs"
gzip -9n < CHANGELOG.md > "$doc/changelog.gz"
cp README.md "$doc/"
cp docs/*.md "$doc/docs/"
{
    cat <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: casa-release
Upstream-Contact: BrainVISA team <contact@brainvisa.info>

Files: *
Copyright: BrainVISA team
License: CeCILL-B
 The licence of casa-distro, whose release job casa-release does. Its full text follows.
 .
COPYRIGHT
    sed -e 's/^$/./' -e 's/^/ /' LICENSE
} > "$doc/copyright"

# Every file readable, directories and the binary executable, whatever the checkout's modes.
find "$root" -type d -exec chmod 755 {} +
find "$root" -type f -exec chmod 644 {} +
chmod 755 "$root/usr/bin/casa-release" "$root/usr/lib/casa-release/casa-release-dashboard"

install -d "$stage/debian" "$root/DEBIAN"
printf 'Source: casa-release\n\nPackage: casa-release\nArchitecture: any\n' > "$stage/debian/control"
# libpq, libcurl and libcrypto (libssl3) are loaded when first used (dlopen), so dpkg-shlibdeps
# cannot see them in casa-release (the dashboard's server links libcurl).
depends="$(cd "$stage" && dpkg-shlibdeps -O "$root/usr/bin/casa-release" "$root/usr/lib/casa-release/casa-release-dashboard" |
    sed -n 's/^shlibs:Depends=//p')"
for library in "libpq5" "libcurl4" "libssl3"; do
    case ", $depends" in *", ${library%% *}"*) ;; *) depends="$depends, $library" ;; esac
done
cat > "$root/DEBIAN/control" <<CONTROL
Package: casa-release
Version: $version
Architecture: $architecture
Maintainer: BrainVISA team <contact@brainvisa.info>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: apptainer, buildah, skopeo, graphviz
Section: utils
Priority: optional
Description: builds, publishes and audits BrainVISA's container and VM images
 casa-release does the release job of casa-distro's casa_distro_admin (Apptainer .sif,
 VirtualBox .ova and docker images) as an event-sourced release ledger: an interrupted
 release resumes where it stopped, the ledger records the provenance of every published
 image, a publication never shows half an image and can be rolled back, and what it
 publishes can be signed and checked with the public key alone.
CONTROL
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$root" "$output/" > /dev/null
echo "$output/casa-release_${version}_${architecture}.deb"
