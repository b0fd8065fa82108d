#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/testhost/enter.sh nspawn|uml [--] CMD [ARGS...] - run CMD where the tests can run: directly when PID 1
# is systemd (a systemd machine is its own test host), otherwise in the test host named (tests/testhost/nspawn.sh
# or uml.sh). CMD's exit status is ours. TH_FORCE=1 boots the test host even on a systemd machine.
# The environment variables named in TH_ENV reach CMD either way.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kind=${1:-}
shift || true
[ "${1:-}" = "--" ] && shift
case "$kind" in
nspawn | uml) ;;
*)
        echo "usage: $0 nspawn|uml [--] CMD [ARGS...]" >&2
        exit 2
        ;;
esac
[ $# -ge 1 ] || { echo "usage: $0 nspawn|uml [--] CMD [ARGS...]" >&2; exit 2; }
if [ "$(cat /proc/1/comm 2> /dev/null)" = systemd ] && [ "${TH_FORCE:-0}" != 1 ]; then
        cd "${TH_SHARE:-$here/../..}"
        exec "$@"
fi
exec bash "$here/$kind.sh" "$@"
