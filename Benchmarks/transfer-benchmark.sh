#!/usr/bin/env bash
# Publishing throughput on loopback: casa-release (libcurl) next to `curl -T` of the same file to the
# same server, for sftp:// (OpenSSH's sshd) and WebDAV (nginx), with casa-release's peak memory.
# Usage: Benchmarks/transfer-benchmark.sh [MiB] [work directory]   (default 1024 MiB, /tmp)
# Needs: openssh-server, nginx, curl, time (GNU), and a release build (bash Packaging/build-release.sh casa-release).
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
work=$(mktemp -d "${2:-/tmp}/casa-release-bench.XXXXXX")
binary=$PWD/.build/release/casa-release
[ -x "$binary" ] || { echo "build first: bash Packaging/build-release.sh casa-release provenance-benchmark ledger-append-benchmark" >&2; exit 69; }
trap 'kill $(cat "$work"/sshd.pid "$work"/nginx.pid 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$work"/{home/.ssh,base,srv/pub,srv/curl,nginx/body,www/pub,www/curl} /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/home/.ssh/id_ed25519"
cp "$work/home/.ssh/id_ed25519.pub" "$work/authorized_keys"
ssh_port=$(free_port); http_port=$(free_port)
echo "[127.0.0.1]:$ssh_port $(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/home/.ssh/known_hosts"
cat > "$work/sshd_config" <<CONF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PasswordAuthentication no
PermitRootLogin yes
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
CONF
/usr/sbin/sshd -f "$work/sshd_config"
cat > "$work/nginx.conf" <<CONF
user root; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path $work/nginx/body;
  server { listen 127.0.0.1:$http_port; root $work/www; client_max_body_size 0;
    location / { dav_methods PUT DELETE MKCOL COPY MOVE; create_full_put_path on; autoindex on; } } }
CONF
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log"
sleep 0.5

echo "making a $mib MiB image..." >&2
head -c $((mib << 20)) /dev/urandom > "$work/base/ubuntu-24.04.sif"
export CASA_BASE_DIRECTORY=$work/base HOME=$work/home SSH_AUTH_SOCK=
"$binary" create_base_image type=system image_version=ubuntu-24.04 --quiet > /dev/null 2>&1
image=$work/base/casa-system-ubuntu-24.04.sif
bytes=$(stat -c %s "$image")

measure() { # label, command...: prints seconds, MB/s and peak RSS
    local label=$1; shift
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$work/rss" "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    end=$(date +%s.%N)
    python3 -c "import sys; s=float('$end')-float('$start'); print(f'{sys.argv[1]:<34} {s:7.2f} s {$bytes/s/1e6:8.1f} MB/s  peak RSS {int(open(sys.argv[2]).read().split()[-1])/1024:6.1f} MiB')" "$label" "$work/rss"
}

printf '%-34s %9s %13s  %s\n' "$((bytes >> 20)) MiB, loopback" time throughput memory
measure "casa-release publish (sftp)" "$binary" publish-base-image type=system "target=sftp://root@127.0.0.1:$ssh_port$work/srv/pub/" --quiet
measure "curl -T (sftp)" curl -sS --key "$work/home/.ssh/id_ed25519" -T "$image" "sftp://root@127.0.0.1:$ssh_port$work/srv/curl/x.sif"
measure "casa-release publish (WebDAV)" "$binary" publish-base-image type=system "target=http://127.0.0.1:$http_port/pub/" --quiet
measure "curl -T (WebDAV)" curl -sS -T "$image" "http://127.0.0.1:$http_port/curl/x.sif"
cmp "$image" "$work/srv/pub/casa-system-ubuntu-24.04-1.sif" && cmp "$image" "$work/www/pub/casa-system-ubuntu-24.04-1.sif" && echo "published bytes identical" >&2
