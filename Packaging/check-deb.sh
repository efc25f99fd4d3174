#!/usr/bin/env bash
# Checks a package made by build-deb.sh on this machine, as root: installs it with apt-get (its
# dependencies from the archive), then, as a user would with no casa-release variable set, runs
# a system image release and create-docker of the shipped definition with /usr/bin/casa-release,
# serves the dashboard and the mirror, finds its man pages and completions, and removes the package, checking that nothing of it is
# left. Usage: bash Packaging/check-deb.sh PATH/casa-release_<version>_<arch>.deb
set -euo pipefail
package="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y "$package"
files="$(dpkg -L casa-release)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A clean environment: only PATH and HOME, so that nothing points at a checkout.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" bash -euo pipefail -c '
    cd "$HOME"
    test "$(command -v casa-release)" = /usr/bin/casa-release
    casa-release --version
    mkdir -p casa_distro mirror
    head -c 20000000 /dev/urandom > casa_distro/ubuntu-24.04.sif
    casa-release create_base_image type=system image_version=ubuntu-24.04 publish=yes target="file://$HOME/mirror/"
    test -s mirror/casa-system-ubuntu-24.04-1.sif && test -s mirror/casa-system-ubuntu-24.04-1.sif.json
    casa-release verify
    casa-release create-docker image_names="casa-test:*" casa_version=5.4
    test -s casa_distro/casa-release-docker/oci/index.json
    grep -q "casa-test:5.4-scratch" casa_distro/casa-release-docker/oci/index.json
    casa-release runs
    # serve becomes /usr/lib/casa-release/casa-release-dashboard: the pages and the mirror answer.
    coproc served { exec casa-release serve --listen 127.0.0.1:0 --mirror mirror; }
    read -r line <&"${served[0]}"
    url="${line##* at }"
    runs="$(curl -sf "${url}runs.json")" && listing="$(curl -sf "${url}mirror/")"
    kill "$served_PID"
    grep -q system-base-image <<< "$runs"
    grep -q "casa-system-ubuntu-24.04-1.sif" <<< "$listing"
    man -w casa-release create-base-image >/dev/null
    man -w casa-release-create-base-image >/dev/null
    # (Read whole before grep: grep -q stops reading, and pipefail would count the writer killed.)
    page="$(man -P cat casa-release-create-base-image 2>/dev/null)"
    grep -q -- "--image-version" <<< "$page"
    registered="$(bash -c "source /usr/share/bash-completion/completions/casa-release && complete -p casa-release")"
    grep -q _casa_release_key_value <<< "$registered"
    offered="$(fish -c "complete -C\"casa-release create_base\"")"
    grep -q create_base_image <<< "$offered"
    test -s /usr/share/zsh/vendor-completions/_casa-release
    test -s /usr/share/doc/casa-release/copyright
'
echo "checked: $(grep -c . <<< "$files") paths installed, a release, create-docker and serve run from /usr/bin"

apt-get remove --purge -y casa-release
if dpkg -s casa-release >/dev/null 2>&1; then echo "casa-release is still installed" >&2; exit 1; fi
left=()
while read -r path; do
    [ -f "$path" ] && left+=("$path")
done <<< "$files"
for directory in /usr/share/casa-release /usr/lib/casa-release /usr/share/doc/casa-release; do [ -e "$directory" ] && left+=("$directory"); done
if [ "${#left[@]}" -gt 0 ]; then echo "left after removal: ${left[*]}" >&2; exit 1; fi
echo "removed: nothing of casa-release left"
