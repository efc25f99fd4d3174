#!/usr/bin/env bash
# Writes a ledger fixture: one history holding a run of every pipeline and every kind of event,
# intent and outcome (imports, retractions, rollbacks, reservations, operator confirmations and a
# failed operator check, a failed step and its resume, a reconciled step, docker pushes and a
# docker rollback, signed publications: a signed provenance, a TUF mirror kept, a verified
# download, a signed create-and-publish retracted, a signed docker push), as a SQLite ledger and as a PostgreSQL dump, with what `runs`, `status`, `log`,
# `verify`, `provenance` and `audit` print of it. Tests/EndToEndTests/Store/LedgerFixtureTests
# reads it with the current code and compares.
#
# A fixture is written once per format (the day the format changes, by a migration or a new kind)
# and never rewritten: the ones already committed are what users' ledgers look like.
#   bash Tests/Fixtures/make-ledger-fixture.sh Tests/Fixtures/ledger-<name>
# Needs a debug build, the Debian packages of .ci/run, and root (the PostgreSQL server runs as
# the postgres user).
set -euo pipefail
cd "$(dirname "$0")/../.."
package=$PWD
out=$(realpath -m "${1:?usage: make-ledger-fixture.sh OUTPUT-DIRECTORY}")
[ ! -e "$out" ] || { echo "$out exists: a fixture is never rewritten" >&2; exit 64; }
cr=$package/.build/debug/casa-release
# A fixed place, so that the paths the ledger records are the same in every fixture.
root=/tmp/casa-release-fixture
rm -rf "$root"
mkdir -p "$root"/{casa,mirror,old,downloads,registry,pg}
export CASA_BASE_DIRECTORY=$root/casa CASA_RELEASE_PUBLISH_URL=file://$root/mirror/
export PATH=$package/Tests/StandIns:$PATH VBOX_STANDIN_HOME=$root/casa/vbox
export CASA_RELEASE_HOST=fixture-host
unset CASA_RELEASE_LEDGER
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Runs casa-release, which must end with the exit code given first.
expect() {
    local want=$1; shift
    set +e; "$@" >/dev/null 2>"$root/last.err"; local got=$?; set -e
    [ "$got" = "$want" ] || { echo "exit $got, not $want: $*" >&2; cat "$root/last.err" >&2; exit 1; }
}
latest_run() { "$cr" runs --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["runID"])'; }

# System image, published; up to date; killed after its upload and resumed (a reconciled step).
head -c 200000 /dev/urandom > "$root/casa/ubuntu-24.04.sif"
expect 0 "$cr" create_base_image type=system image_version=ubuntu-24.04
expect 0 "$cr" publish_base_image type=system
expect 0 "$cr" publish_base_image type=system
expect 137 env CASA_RELEASE_FAILPOINT=upload-image:after "$cr" create_base_image type=system image_version=ubuntu-24.04 force=yes publish=yes
expect 0 "$cr" resume

# A run image from a recipe: its build fails once, then the run resumes.
expect 1 env STANDIN_APPTAINER_FAIL_BUILD=1 "$cr" create_base_image type=run image_version=5.4 recipes=Examples/image-recipes
expect 0 "$cr" resume

# Images made before casa-release.
cp "$root/casa/casa-run-5.4.sif" "$root/old/casa-run-5.3.sif"
printf '{"name": "casa-run-5.3", "type": "run", "origin": "ubuntu-22.04.sif", "image_id": "c7d6042e-f4f2-4a56-86ea-258a10c087c3", "build_number": 2}' > "$root/old/casa-run-5.3.sif.json"
for n in 1 2; do ln -sf "$root/old/casa-run-5.3.sif" "$root/old/casa-run-5.3-$n.sif"; ln -sf "$root/old/casa-run-5.3.sif.json" "$root/old/casa-run-5.3-$n.sif.json"; done
expect 0 "$cr" import "$root/old"

# A dev image, a user image from the example environment (zip and upload), downloads, a retraction.
expect 0 "$cr" create_base_image type=dev image_version=5.4 recipes=Examples/image-recipes casa_distro=Examples/casa-distro
cp -r Examples/dev-environment/brainvisa-master-5.4 "$root/casa/"
expect 0 "$cr" create_user_image version=5.4.0 casa_distro=Examples/casa-distro zip=yes upload=yes
expect 0 "$cr" download_image type=system image_version=ubuntu-24.04 url="$root/mirror" output="$root/downloads/system.sif"
expect 0 "$cr" rollback casa-system-ubuntu-24.04-2.sif --yes

# A publication stopped after its upload, then rolled back instead of resumed.
expect 137 env CASA_RELEASE_FAILPOINT=upload-image:after "$cr" publish_base_image type=run
expect 0 "$cr" rollback "$(latest_run)" --yes

# Docker images: built, converted to .sif and published, pushed to a registry twice, the second
# push rolled back (its tags put back).
expect 0 "$cr" create-docker casa_version=5.4
expect 0 "$cr" create-singularity
expect 0 "$cr" publish-singularity
port=$(free_port)
cat > "$root/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $root/registry/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: fixture
EOF
/usr/bin/docker-registry serve "$root/registry/config.yml" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
expect 0 "$cr" publish-docker registry="http://127.0.0.1:$port"
expect 0 "$cr" publish-docker registry="http://127.0.0.1:$port" force=yes
expect 0 "$cr" rollback "$(latest_run)" --yes

# Signed releases: a release key (with a passphrase); a signed publication, which starts the
# mirror's TUF metadata, and a download verified against it (its root pinned); a signed
# create-and-publish, then retracted (its entries taken out of the metadata); a signed docker push.
export CASA_RELEASE_KEY_PASSPHRASE=fixture
mkdir -p "$root/keys"
expect 0 "$cr" keys generate "$root/keys/release.key"
expect 0 "$cr" publish_base_image type=run signing_key="$root/keys/release.key"
expect 0 "$cr" download_image type=run image_version=5.4 url="$root/mirror" output="$root/downloads/run.sif"
expect 0 "$cr" create_base_image type=system image_version=ubuntu-24.04 force=yes publish=yes signing_key="$root/keys/release.key"
expect 0 "$cr" rollback "$(latest_run)" --yes
expect 0 "$cr" publish-docker registry="http://127.0.0.1:$port" force=yes signing_key="$root/keys/release.key"
unset CASA_RELEASE_KEY_PASSPHRASE

# A VirtualBox base image: operator steps confirmed, one check failed first.
head -c 100000 /dev/urandom > "$root/casa/ubuntu-22.04.4-desktop-amd64.iso"
expect 2 "$cr" create_base_image type=system container_type=vbox image_version=ubuntu-22.04
run=$(latest_run)
expect 0 "$cr" confirm "$run" install-ubuntu --note "minimal install, autologin brainvisa"
expect 2 "$cr" resume "$run"
expect 0 "$cr" confirm "$run" update-system
expect 2 "$cr" resume "$run"
expect 0 "$cr" confirm "$run" set-root-password
expect 2 "$cr" resume "$run"
expect 2 "$cr" confirm "$run" install-guest-additions
VBoxManage guestproperty set casa-system-ubuntu-22.04 /VirtualBox/GuestAdd/Version 7.0.14
expect 0 "$cr" confirm "$run" install-guest-additions
expect 0 "$cr" resume "$run"

# A VirtualBox user image, from a run appliance made with the stand-in (as the tests make one).
VBoxManage createvm --name seed --ostype Ubuntu_64 --register >/dev/null
VBoxManage guestproperty set seed /VirtualBox/GuestAdd/Version 7.0.14
seed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"]["seed"]["uuid"])' "$VBOX_STANDIN_HOME/registry.json")
mkdir -p "$VBOX_STANDIN_HOME/guests/$seed/home/brainvisa"
VBoxManage export seed -o "$root/casa/casa-run-5.4.ova" --ovf20 >/dev/null
VBoxManage unregistervm seed --delete >/dev/null
printf '{"name": "casa-run-5.4", "type": "run", "system": "ubuntu-24.04", "container_type": "vbox", "image_version": "5.4", "image_id": "5f0c2b8e-8d0e-4a57-9a43-0c3f1d2e7b61"}' > "$root/casa/casa-run-5.4.ova.json"
expect 2 "$cr" create_user_image version=5.4.0 container_type=vbox upload=no
run=$(latest_run)
expect 0 "$cr" confirm "$run" set-up-desktop --note "icons allowed"
expect 0 "$cr" resume "$run"
expect 0 "$cr" verify

# The fixture: the SQLite ledger and its anchor, and the same history in PostgreSQL, dumped.
mkdir -p "$out/expected"
# Everything into the main file (a ledger is in WAL mode): the fixture is one file and its anchor.
sqlite3 "$root/casa/casa-release.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
cp "$root/casa/casa-release.sqlite" "$root/casa/casa-release.sqlite.head" "$out/"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
chown postgres "$root/pg"
printf 'fixture' > "$root/pg/password"
setpriv --reuid=postgres --regid=postgres --init-groups "$pgbin/initdb" -D "$root/pg/data" -U casa --auth=scram-sha-256 --pwfile="$root/pg/password" --no-sync -E UTF8 >/dev/null
pgport=$(free_port)
setpriv --reuid=postgres --regid=postgres --init-groups "$pgbin/postgres" -D "$root/pg/data" -p "$pgport" -k "$root/pg" -c listen_addresses=127.0.0.1 >/dev/null 2>&1 &
pids+=($!)
export PGPASSWORD=fixture
for _ in $(seq 100); do psql -X -q -h 127.0.0.1 -p "$pgport" -U casa -d postgres -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
psql -X -q -h 127.0.0.1 -p "$pgport" -U casa -d postgres -c 'CREATE DATABASE fixture'
expect 0 "$cr" ledger copy --from "$root/casa/casa-release.sqlite" --to "postgres://casa:fixture@127.0.0.1:$pgport/fixture"
pg_dump --no-owner --no-privileges -h 127.0.0.1 -p "$pgport" -U casa fixture > "$out/postgres.sql"

# What the commands print of it, read as the test reads it: a copy of the ledger, the base
# directory gone. Each line of commands.txt is one command; expected/<n>.txt its exit code and output.
rm -rf "$root/casa" "$root/mirror" "$root/old" "$root/downloads"
scratch=$(mktemp -d)
cp "$out/casa-release.sqlite" "$out/casa-release.sqlite.head" "$scratch/"
ids=$(python3 - "$out/casa-release.sqlite" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (run,) in db.execute("SELECT run_id FROM runs ORDER BY started_at, run_id"):
    print(run)
EOF
)
{
    echo "runs"
    echo "verify"
    for id in $ids; do echo "status $id"; echo "log $id"; done
    echo "provenance $root/casa/casa-run-5.4.sif"
    echo "provenance casa-system-ubuntu-24.04-2.sif"
    echo "provenance brainvisa-5.4.0-1.sif"
    echo "provenance $root/casa/brainvisa-5.4.0.ova"
    echo "provenance c7d6042e-f4f2-4a56-86ea-258a10c087c3"
    echo "provenance casa-run-5.3-2.sif"
    echo "provenance $root/casa/cati_casa-test_5.4-scratch.sif"
    echo "provenance $root/casa/casa-system-ubuntu-22.04.ova"
    echo "provenance $root/casa/casa-run-5.4.sif --format json"
    echo "provenance $root/casa/casa-run-5.4.sif --format slsa"
    echo "audit environment=brainvisa-master-5.4"
    echo "audit image=$root/casa/casa-system-ubuntu-24.04.sif"
    echo "status --json $(echo "$ids" | head -1)"
} > "$out/commands.txt"
n=0
while read -r line; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    set +e; output=$(cd / && "$cr" --ledger "$scratch/casa-release.sqlite" $line 2>&1); status=$?; set -e
    { echo "exit $status"; printf '%s\n' "${output//$scratch\/casa-release.sqlite/<ledger>}"; } > "$out/expected/$n.txt"
done < "$out/commands.txt"
rm -rf "$scratch" "$root"
echo "wrote $out: $(wc -l < "$out/commands.txt") commands"
