#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/testhost/nspawn.sh [--] CMD [ARGS...] - the fast test host: systemd booted by systemd-nspawn in pure
# cgroup v2 (SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1), ~1 s to boot. CMD runs inside as root, as a transient service
# with Delegate=yes (systemd-run --wait --pipe), cwd TH_SHARE; its exit status is ours. Then the host powers off.
#
# Limits: the cgroup2 tree has no controllers on a machine whose controllers are bound to v1 hierarchies, so
# resource limits cannot be tested here (tests/testhost/uml.sh can). D-Bus, transient units, scopes, delegation,
# cgroup.freeze/kill/events all work.
#
# Knobs: TH_SHARE (directory bind-mounted read-write at the same path; default the repository root),
# TH_ENV (names of environment variables to pass to CMD), TH_TIMEOUT (seconds, default 1800; 124 on timeout),
# TH_KEEP=1 (keep the run directory). 125: the host did not come up.
#
# SYSTEMD_SECCOMP=0 and --capability=all: nspawn's own syscall filter and capability drop would otherwise block
# what a container runtime needs (keyrings, mounts). Only cgroups this script creates and the processes in them
# are ever touched.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TH_TIMEOUT=${TH_TIMEOUT:-1800}
TH_SHARE=$(readlink -f "${TH_SHARE:-$here/../..}")
TH_KEEP=${TH_KEEP:-0}
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || { echo "usage: $0 [--] CMD [ARGS...]" >&2; exit 2; }
case "$TH_SHARE" in /|/usr|/usr/*|/etc|/etc/*|/proc*|/sys*|/dev*|/run|/run/*|/tmp)
  echo "nspawn.sh: TH_SHARE=$TH_SHARE not allowed" >&2; exit 2;; esac
command -v systemd-nspawn >/dev/null || { echo "nspawn.sh: apt-get install -y systemd-container" >&2; exit 2; }
t0=$(date +%s.%N)

RUN=$(mktemp -d /tmp/th-nspawn.XXXXXX)
R=$RUN/root
mkdir -p "$R"/{usr,etc,var,root,tmp,dev,proc,sys,run,home,srv,opt,mnt}
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$R/$d"; done
cp -a /etc/. "$R/etc/"
rm -f "$R/etc/os-release"; cp -L /etc/os-release "$R/etc/os-release"  # nspawn checks it before /usr is bound
: > "$R/etc/machine-id"
rm -rf "$R"/etc/systemd/system/*.wants
for u in postgresql.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
         man-db.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer e2scrub_reap.service \
         console-getty.service systemd-logind.service systemd-user-sessions.service ssh.service cron.service \
         uml-utilities.service; do
  ln -sf /dev/null "$R/etc/systemd/system/$u"
done
NAME=th-$$
# The command goes into a file: systemd would otherwise apply its own $VAR and %-specifier expansion to the
# ExecStart= line built by systemd-run. TH_ENV variables are exported by the same file.
mkdir -p "$R/th"
{
  for v in ${TH_ENV:-}; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'cd %q || exit 125\n' "$TH_SHARE"
  printf '%q ' "$@"; echo
} > "$R/th/cmd"

# Own cgroups (named after this shell's pid) so concurrent runs don't share nspawn's /payload and /supervisor.
CGU=/sys/fs/cgroup/unified/$NAME
CGS=/sys/fs/cgroup/systemd/$NAME
if [ ! -d /sys/fs/cgroup/unified ]; then  # pure v2 machine
  CGU=/sys/fs/cgroup/$NAME CGS=
fi
mkdir "$CGU"; [ -z "$CGS" ] || mkdir "$CGS"
NSPID= INIT=
cg_pids() { find "$CGU" -name cgroup.procs -exec cat {} + 2>/dev/null; }
cleanup() {
  set +e
  if [ -n "$NSPID" ] && kill -0 "$NSPID" 2>/dev/null; then
    [ -n "$INIT" ] && nsenter -t "$INIT" -a systemctl poweroff --no-block >/dev/null 2>&1
    for _ in $(seq 100); do kill -0 "$NSPID" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$NSPID" 2>/dev/null; sleep 1
    for p in $(cg_pids); do kill -KILL "$p" 2>/dev/null; done   # only our own cgroup tree
    wait "$NSPID" 2>/dev/null
  fi
  for _ in $(seq 30); do [ -z "$(cg_pids)" ] && break; sleep 0.1; done
  for cg in "$CGU" $CGS; do [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  # never delete the root while a process might still use it (deleting a mount point detaches its bind mount)
  if [ -z "$(cg_pids)" ] && [ "$TH_KEEP" != 1 ]; then rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
(
  echo $BASHPID > "$CGU/cgroup.procs"; [ -z "$CGS" ] || echo $BASHPID > "$CGS/cgroup.procs"
  # --private-network: whatever the tests do to networking (bridges, veths, routes, sysctls) stays in the
  # test host's own network namespace, never on this machine's
  SYSTEMD_SECCOMP=0 SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec systemd-nspawn --capability=all --quiet \
     --private-network --register=no --keep-unit -D "$R" --bind-ro=/usr --bind="$TH_SHARE" -M "$NAME" -b
) > "$RUN/console.log" 2>&1 < /dev/null &
NSPID=$!

for _ in $(seq 300); do    # container init = nspawn's child running systemd with its private socket up
  c=$(ps -o pid= --ppid "$NSPID" 2>/dev/null | head -1 | tr -d ' ' || true)
  if [ -n "$c" ] && [ "$(cat /proc/$c/comm 2>/dev/null)" = systemd ] && [ -S /proc/$c/root/run/systemd/private ]; then
    INIT=$c; break
  fi
  sleep 0.1
done
[ -n "$INIT" ] || { echo "nspawn.sh: the test host's systemd did not come up"; cat "$RUN/console.log"; exit 125; } >&2
state=$(timeout 60 nsenter -t "$INIT" -a systemctl is-system-running --wait 2>&1 || true)
t_ready=$(date +%s.%N)
set +e
timeout -k 10 "$TH_TIMEOUT" nsenter -t "$INIT" -a systemd-run --quiet --wait --pipe --collect \
  --service-type=exec -p Delegate=yes -- /bin/bash /th/cmd < /dev/null
rc=$?
set -e
cleanup; trap - EXIT
t1=$(date +%s.%N)
echo "th: nspawn rc=$rc system-state=$state boot-to-ready=$(awk -v a="$t_ready" -v b="$t0" 'BEGIN{printf "%.2f",a-b}')s total=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.2f",a-b}')s" >&2
exit $rc
