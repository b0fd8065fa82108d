#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/quickstart.sh - the first command of the README: install what is missing, build berth, build the busybox
# rootfs and run a real container with it, showing its output. The container runs on this machine when PID 1
# is systemd, otherwise in a throw-away systemd test host (tests/testhost/nspawn.sh, about a second to boot).
# Needs root.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [ "${1:-}" != --in-host ]; then
        [ "$(id -u)" = 0 ] || { echo "quickstart: run me as root (containers need it)" >&2; exit 1; }
        . tests/testhost/deps.sh
        echo "==> checking Debian packages"
        ensure_deps
        echo "==> building (meson + ninja, in build/)"
        [ -f build/build.ninja ] || meson setup build > /dev/null
        ninja -C build > /dev/null || { ninja -C build | tail -30; exit 1; }
        echo "    $(build/runtime/berth --version | head -1)"
        echo "==> building the busybox rootfs"
        echo "    $(bash tests/rootfs.sh)"
        if [ "$(cat /proc/1/comm)" = systemd ]; then
                echo "==> PID 1 is systemd: running the container here"
        else
                echo "==> PID 1 is not systemd: booting a systemd test host (systemd-nspawn) to run the container in"
        fi
        exec bash tests/testhost/enter.sh nspawn bash tests/quickstart.sh --in-host
fi

# ---- inside the test host (or on a systemd machine) ----
. tests/lib.sh
RUNTIME=$repo/build/runtime/berth
RT_KIND=berth
dir=$(mktemp -d /tmp/berth-quickstart.XXXXXX)
trap 'rm -rf "$dir"' EXIT
id=quickstart-$$
make_bundle "$dir/bundle" ".hostname = \"quickstart\" | .process.args = $(jargs sh -c '
echo "hello from berth"
echo "hostname: $(hostname)"
echo "cgroup:   $(grep ^0:: /proc/self/cgroup)"
echo "id:       $(id)"
echo "pid:      $$ (PID 1 of its own PID namespace)"')"
echo "==> bundle $dir/bundle: config.json + the busybox rootfs at $ROOTFS (read-only)"
echo "==> $RUNTIME --root /run/berth-quickstart run --bundle $dir/bundle $id"
echo
rc=0
"$RUNTIME" --root /run/berth-quickstart run --bundle "$dir/bundle" "$id" < /dev/null || rc=$?
echo
echo "==> exit status $rc"
exit "$rc"
