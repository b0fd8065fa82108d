# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/testhost/deps.sh - sourced by tests/run-all.sh, tests/quickstart.sh and bench/bench.sh.
#
# ensure_deps [PACKAGE...]: install the Debian packages the build, the tests and the test hosts need (plus
# PACKAGEs) that are missing. dpkg is asked first, so a machine that has everything costs nothing; otherwise
# apt-get update, then apt-get install -y of the missing ones. Needs root for the install.

BERTH_DEPS=(meson ninja-build pkg-config gcc libc6-dev clang-format scdoc libjson-glib-dev libseccomp-dev
        libsystemd-dev busybox-static systemd-container user-mode-linux kmod jq iproute2 crun runc procps
        util-linux)
BERTH_DEPS+=(containernetworking-plugins)  # tests/integration/96-net-plugins.sh: CNI bridge, host-local, sbr

ensure_deps() {
        local missing=() p
        for p in "${BERTH_DEPS[@]}" "$@"; do
                dpkg-query -W -f='${Status}\n' "$p" 2> /dev/null | grep -q '^install ok installed$' || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        echo "deps: installing ${missing[*]}" >&2
        if [ "$(id -u)" != 0 ]; then
                echo "deps: need root to install ${missing[*]}" >&2
                return 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; return 1; }
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
                { echo "deps: apt-get install ${missing[*]} failed" >&2; return 1; }
}
