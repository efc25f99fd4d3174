# Shared by the docker benchmarks (sourced, not run): timing helpers, and the image they measure,
# cati/casa-big:1, a random layer of $mib MiB on a busybox base, built by create-docker.
# Needs: $work, $binary, $mib, and CASA_BASE_DIRECTORY exported.

top=$CASA_BASE_DIRECTORY/casa-release-docker
buildah_() { buildah --root "$top/storage" --runroot "$top/run" --storage-driver vfs "$@"; }

# How long a command takes, in microseconds; its output goes to $work/out and $work/err.
microseconds() {
    local start end
    start=$(date +%s%N); "$@" > "$work/out" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }; end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
seconds() { python3 -c "print(f'{$1/1e6:.2f} s')"; }

# cati/busybox-base:1 committed with buildah, then cati/casa-big:1 built on it by create-docker.
make_big_image() {
    mkdir -p "$work/rootfs/bin" "$CASA_BASE_DIRECTORY/share/docker/casa-big/busybox"
    cp /bin/busybox "$work/rootfs/bin/"; ln -s busybox "$work/rootfs/bin/sh"
    local container
    container=$(buildah_ from scratch); buildah_ copy "$container" "$work/rootfs" / > /dev/null
    buildah_ commit --quiet --timestamp 0 "$container" cati/busybox-base:1 > /dev/null; buildah_ rm "$container" > /dev/null
    printf 'image_sources:\n  - name: casa-big\n    tags: ["1"]\n' > "$CASA_BASE_DIRECTORY/share/docker/casa-big/busybox/casa_distro_docker.yaml"
    printf 'FROM cati/busybox-base:1\nCOPY big.bin /big.bin\n' > "$CASA_BASE_DIRECTORY/share/docker/casa-big/busybox/Dockerfile"
    head -c $((mib << 20)) /dev/urandom > "$CASA_BASE_DIRECTORY/share/docker/casa-big/busybox/big.bin"
    "$binary" create-docker --quiet image_names='casa-big:*' > /dev/null
}
