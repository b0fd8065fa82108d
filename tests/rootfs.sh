#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/rootfs.sh [DIR] - build the busybox-static rootfs the tests and the benchmark run.
#
# Default DIR: tests/.cache/rootfs (gitignored). Idempotent: a stamp file records the busybox binary's hash and
# the layout version; when it matches, nothing is done. The tree is built next to DIR and renamed into place,
# so a concurrent reader never sees half a rootfs. Prints DIR.
#
# Layout: /bin/busybox plus one symlink per applet (bin/sh, bin/true, usr/bin/id, ...), /etc/passwd and
# /etc/group with root and nobody, /etc/hostname, and the empty directories a read-only rootfs needs as mount
# points (proc sys dev tmp mnt run ...).
set -euo pipefail

LAYOUT=3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dst=${1:-$here/.cache/rootfs}
busybox=${BUSYBOX:-/bin/busybox}

if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
        echo "rootfs.sh: $busybox is missing or not static (apt-get install -y busybox-static)" >&2
        exit 1
fi
stamp="layout=$LAYOUT busybox=$(sha256sum "$busybox" | cut -d' ' -f1)"
TOP=".berth-rootfs bin dev etc home linuxrc mnt opt proc root run sbin srv sys tmp usr var"
# reused only when the stamp matches and nothing was added at the top (a runtime creating mount points in it)
if [ -f "$dst/.berth-rootfs" ] && [ "$(cat "$dst/.berth-rootfs")" = "$stamp" ] &&
        [ "$(ls -A "$dst" | sort | tr '\n' ' ')" = "$TOP " ] && [ -z "$(ls -A "$dst/tmp" "$dst/mnt" "$dst/dev")" ]; then
        echo "$dst"
        exit 0
fi

mkdir -p "$(dirname "$dst")"
tmp=$(mktemp -d "$dst.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,mnt,opt,srv,run,var,home,root}
chmod 1777 "$tmp/tmp"
chmod 0700 "$tmp/root"
cp "$busybox" "$tmp/bin/busybox"
chmod 0755 "$tmp/bin/busybox"
# --list-full prints each applet's install path (bin/sh, usr/bin/id, ...)
"$busybox" --list-full | while read -r applet; do
        [ "$applet" = bin/busybox ] && continue
        [ -e "$tmp/$applet" ] || ln -s /bin/busybox "$tmp/$applet"
done
cat > "$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > "$tmp/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo berth-test > "$tmp/etc/hostname"
echo "$stamp" > "$tmp/.berth-rootfs"

# replace atomically enough: an old tree is renamed away first, then removed
if [ -e "$dst" ]; then
        old=$(mktemp -d "$dst.old.XXXXXX")
        mv "$dst" "$old/rootfs"
        rm -rf "$old"
fi
mv "$tmp" "$dst"
trap - EXIT
echo "$dst"
