#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/testhost/uml.sh [--] CMD [ARGS...] - the test host with real cgroup v2 controllers: a throw-away
# User-Mode Linux guest (systemd as PID 1, pure cgroup v2 with cpu io memory pids, system D-Bus). CMD runs inside
# as root (cwd TH_SHARE); its output and exit status are copied back; then everything is torn down.
#
# Why UML: /dev/kvm on this kind of machine is kvm_pvm, which runs only PVM-enabled guest kernels, and the
# machine's cgroup v1 controllers are owned by its PID 1, so nspawn cannot give a container v2 memory/pids.
# UML is a separate kernel running as ordinary host processes, with its own complete cgroup v2.
#
# Needs (Debian 12): user-mode-linux busybox-static kmod gcc. The guest sees the host's /usr and /etc read-only
# through hostfs, each under a tmpfs overlay. Guest limits: 1 vCPU (no cpuset), no time namespace, no PSI,
# ~10x syscall/fork overhead.
#
# FPU state: Debian 12's UML (6.1) moves the guest FPU state with a fixed 832-byte XSAVE buffer; hosts with a
# bigger XSAVE area (AVX-512, AMX) reject it with EFAULT and the guest dies at its first exec ("ptrace set fp
# regs failed, errno = 14"). uml-noxstate.c makes UML fall back to the 512-byte FXSAVE area, which only keeps
# x87/SSE state: AVX registers are wiped whenever the guest takes a page fault. So the guest's programs must not
# use AVX: glibc's string functions are steered to their SSE2 variants with GLIBC_TUNABLES and Go programs
# (runc) with GODEBUG, both set on the kernel command line for PID 1 and with systemd.setenv= for every unit.
# Containers get their environment from config.json: tests/lib.sh adds GLIBC_TUNABLES to its bundles when it is
# set, so a static busybox inside a container behaves too.
#
# Knobs: TH_SHARE (host dir mounted read-write at the same path, cwd of CMD; default the repository root),
# TH_ENV (names of environment variables to pass to CMD), TH_MEM (default 1G), TH_TIMEOUT (default 1800),
# TH_KEEP=1 (keep /tmp/th-uml/run.*), TH_CMDLINE (extra kernel command line).
# Exit status: CMD's; 124 on timeout; 125 if the guest never reported a result (the console log tail is printed).
set -euo pipefail

TH_MEM=${TH_MEM:-1G}
TH_TIMEOUT=${TH_TIMEOUT:-1800}
TH_KEEP=${TH_KEEP:-0}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TH_SHARE=${TH_SHARE:-$here/../..}
TH_CMDLINE=${TH_CMDLINE:-}
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || { echo "usage: $0 [--] CMD [ARGS...]" >&2; exit 2; }

UML=$(command -v linux.uml || true)
BUSYBOX=/bin/busybox
[ -n "$UML" ] || { echo "linux.uml missing: apt-get install -y user-mode-linux" >&2; exit 2; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "need a static busybox: apt-get install -y busybox-static" >&2; exit 2
fi
# the FXSAVE fallback wrapper (see the header), compiled once into tests/.cache/bin
NOX=$here/../.cache/bin/uml-noxstate
if [ ! -x "$NOX" ] || [ "$here/uml-noxstate.c" -nt "$NOX" ]; then
  mkdir -p "$(dirname "$NOX")"
  cc -O2 -Wall -o "$NOX.$$" "$here/uml-noxstate.c" && mv -f "$NOX.$$" "$NOX" \
    || { echo "uml.sh: cannot compile $here/uml-noxstate.c (apt-get install -y gcc)" >&2; exit 2; }
fi
TUNABLES=glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX_Fast_Unaligned_Load,-RTM
GODEBUGV=cpu.avx=off,cpu.avx2=off
TH_SHARE=$(readlink -f "$TH_SHARE")
case "$TH_SHARE" in
  /|/usr|/usr/*|/etc|/etc/*|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/run|/run/*|/mnt/th|/mnt/th/*)
    echo "TH_SHARE=$TH_SHARE not allowed (would shadow guest system dirs)" >&2; exit 2;;
  *[[:space:],]*) echo "TH_SHARE must not contain spaces or commas" >&2; exit 2;;
esac

t0=$(date +%s.%N)
mkdir -p /tmp/th-uml
RUN=$(mktemp -d /tmp/th-uml/run.XXXXXX)
CTL=$RUN/ctl            # mounted at /mnt/th in the guest
IR=$RUN/initramfs
mkdir -p "$CTL" "$IR"/{bin,proc,newroot,hostetc,etcrw,lowerusr,usrrw}

# ------------------------------------------------------------ guest files ---
# skeleton of the guest's / (copied into a tmpfs by /init)
SK=$IR/skel
mkdir -p "$SK"/{usr,etc,var/tmp,var/log,root,tmp,dev,proc,sys,run,home,srv,opt,mnt/th}
chmod 1777 "$SK/tmp" "$SK/var/tmp"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$SK/$d"; done
# additions on top of the host's /etc (copied into the /etc overlay by /init)
EX=$IR/etcextra
mkdir -p "$EX/systemd/system/multi-user.target.wants" "$EX/systemd/journald.conf.d"
echo th-uml > "$EX/hostname"
echo "# th-uml: no fstab entries" > "$EX/fstab"
printf '[Journal]\nStorage=volatile\n' > "$EX/systemd/journald.conf.d/th.conf"
# Units that are pointless, failing or slow in the guest (every guest syscall
# is expensive under UML, so each one saves ~0.3-2 s of boot).  None of them
# is needed for PID1's D-Bus API, transient units or cgroup delegation.
for u in systemd-timesyncd.service postgresql.service postgresql@.service \
    e2scrub_reap.service apt-daily.timer apt-daily-upgrade.timer man-db.timer \
    dpkg-db-backup.timer e2scrub_all.timer fstrim.timer getty@tty1.service \
    systemd-pstore.service ssh.service cron.service uml-utilities.service \
    proc-sys-fs-binfmt_misc.automount systemd-sysusers.service \
    systemd-remount-fs.service systemd-logind.service \
    systemd-user-sessions.service systemd-update-utmp.service \
    systemd-update-utmp-runlevel.service systemd-journal-flush.service \
    systemd-random-seed.service systemd-modules-load.service \
    kmod-static-nodes.service modprobe@.service systemd-sysctl.service \
    systemd-tmpfiles-setup-dev.service sys-kernel-debug.mount \
    sys-kernel-tracing.mount sys-kernel-config.mount \
    sys-fs-fuse-connections.mount systemd-hwdb-update.service \
    ldconfig.service systemd-firstboot.service \
    systemd-machine-id-commit.service systemd-journal-catalog-update.service \
    systemd-update-done.service systemd-udevd.service \
    systemd-udev-trigger.service systemd-udev-settle.service \
    systemd-udevd-control.socket systemd-udevd-kernel.socket \
    systemd-boot-system-token.service systemd-ask-password-console.path \
    systemd-ask-password-wall.path; do
  ln -s /dev/null "$EX/systemd/system/$u"
done
# the unit that runs the command; Type=simple so the boot transaction
# finishes as soon as it forks ("running" state), then it powers off.
cat > "$EX/systemd/system/th-run.service" <<'EOF'
[Unit]
Description=th: run test command
After=multi-user.target dbus.service
Wants=dbus.service
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=simple
ExecStart=/bin/bash /mnt/th/run.sh
StandardOutput=journal+console
StandardError=journal+console
EOF
ln -s ../th-run.service "$EX/systemd/system/multi-user.target.wants/th-run.service"

{
  for v in ${TH_ENV:-}; do
    [ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf '%q ' "$@"; echo
} > "$CTL/cmd"
cat > "$CTL/run.sh" <<EOF
#!/bin/bash
systemctl is-system-running --wait > /mnt/th/sysstate 2>&1
date +%s.%N > /mnt/th/t_ready
cd '$TH_SHARE'
bash /mnt/th/cmd > /mnt/th/out.log 2>&1 < /dev/null
echo \$? > /mnt/th/rc
date +%s.%N > /mnt/th/t_done
sync
EOF

cp "$BUSYBOX" "$IR/bin/busybox"
cat > "$IR/init" <<'INIT'
#!/bin/busybox sh
# PID 1 of the UML guest: tmpfs root = skeleton + host /usr and /etc
# (hostfs, read-only) each under a tmpfs overlay, mount the shares, then
# switch_root to systemd.  Few processes: each fork is slow under UML.
B=/bin/busybox
$B mount -t proc proc /proc
read -r UP _ < /proc/uptime; echo "th-init: start uptime=$UP"
read -r CMDLINE < /proc/cmdline
read -r KV < /proc/sys/kernel/osrelease
SHARE= CTL=
for w in $CMDLINE; do
  case "$w" in
    th.share=*) SHARE=${w#th.share=} ;;
    th.ctl=*)   CTL=${w#th.ctl=} ;;
  esac
done
N=/newroot
$B mount -t tmpfs -o mode=0755 tmpfs $N || exec $B sh
$B cp -a /skel/. $N/
$B mount -t hostfs -o ro,/usr none /lowerusr
$B mount -t hostfs -o ro,/etc none /hostetc
$B mount -t tmpfs -o mode=0755 tmpfs /usrrw
$B mount -t tmpfs -o mode=0755 tmpfs /etcrw
$B mkdir -p /usrrw/u/lib/modules /usrrw/w /etcrw/u /etcrw/w
$B insmod /lowerusr/lib/uml/modules/$KV/kernel/fs/overlayfs/overlay.ko
# /usr/lib/modules/$KV -> UML modules, so modprobe works in the guest
$B ln -s /usr/lib/uml/modules/$KV /usrrw/u/lib/modules/$KV
$B mount -t overlay overlay -o lowerdir=/lowerusr,upperdir=/usrrw/u,workdir=/usrrw/w $N/usr \
  || $B mount -t hostfs -o ro,/usr none $N/usr
if ! $B mount -t overlay overlay -o lowerdir=/hostetc,upperdir=/etcrw/u,workdir=/etcrw/w $N/etc; then
  $B cp -a /hostetc/. $N/etc/
fi
$B rm -rf $N/etc/systemd/system/*.wants
$B cp -a /etcextra/. $N/etc/
read -r U < /proc/sys/kernel/random/uuid
echo "${U//-/}" > $N/etc/machine-id     # non-empty: no ConditionFirstBoot units
[ -n "$CTL" ] && $B mount -t hostfs -o $CTL none $N/mnt/th
[ -n "$SHARE" ] && $B mkdir -p $N$SHARE && $B mount -t hostfs -o $SHARE none $N$SHARE
read -r UP _ < /proc/uptime; echo "th-init: exec systemd uptime=$UP"
$B umount /proc
exec $B switch_root $N /lib/systemd/systemd
INIT
chmod 755 "$IR/init"
(cd "$IR" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) > "$RUN/initrd.gz"
rm -rf "$IR"

# ------------------------------------------------------------------ boot ----
CONSOLE=$RUN/console.log
# con0 (the console) -> console.log; other consoles/serial lines off.
# UML's guest RAM is a (deleted) file in TMPDIR or /dev/shm.
setsid "$NOX" "$UML" mem="$TH_MEM" initrd="$RUN/initrd.gz" \
  con=null ssl=null con0=null,fd:1 uml_dir="$RUN" umid=th \
  quiet panic=-1 systemd.show_status=0 \
  th.share="$TH_SHARE" th.ctl="$CTL" \
  GLIBC_TUNABLES=$TUNABLES systemd.setenv=GLIBC_TUNABLES=$TUNABLES \
  GODEBUG=$GODEBUGV systemd.setenv=GODEBUG=$GODEBUGV $TH_CMDLINE \
  > "$CONSOLE" 2>&1 < /dev/null &
UPID=$!
# all UML host processes are in the process group we just created
trap 'kill -KILL -- -$UPID 2>/dev/null || true' EXIT INT TERM

# stream CMD's output (hostfs writes land in $CTL/out.log on the host as they happen)
off=0
flush_out() {
  [ -f "$CTL/out.log" ] || return 0
  local n; n=$(stat -c %s "$CTL/out.log")
  if [ "$n" -gt "$off" ]; then tail -c +$((off + 1)) "$CTL/out.log" | head -c $((n - off)); off=$n; fi
}
deadline=$(( $(date +%s) + TH_TIMEOUT ))
rc=
tick=0
while kill -0 $UPID 2>/dev/null; do
  tick=$((tick + 1)); [ $((tick % 5)) = 0 ] && flush_out
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "th: timeout after ${TH_TIMEOUT}s, killing guest (pgid $UPID)" >&2
    kill -KILL -- -$UPID 2>/dev/null || true
    rc=124; break
  fi
  sleep 0.1
done
wait $UPID 2>/dev/null || true
# UML's helper/ptraced host processes share our process group; make sure
# they are all gone before returning (SIGKILLed ptrace children take a moment)
for _ in $(seq 50); do
  pgrep -g "$UPID" >/dev/null 2>&1 || break
  kill -KILL -- -$UPID 2>/dev/null || true
  sleep 0.1
done
trap - EXIT INT TERM
t1=$(date +%s.%N)

flush_out
if [ -z "$rc" ]; then
  if [ -f "$CTL/rc" ]; then rc=$(cat "$CTL/rc"); else rc=125; fi
fi
ready=NA
[ -f "$CTL/t_ready" ] && ready=$(awk -v a="$(cat "$CTL/t_ready")" -v b="$t0" 'BEGIN{printf "%.2f", a-b}')
echo "th: uml rc=$rc boot-to-ready=${ready}s total=$(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.2f", a-b}')s run_dir=$RUN" >&2
if [ "$rc" = 125 ] || [ "$rc" = 124 ]; then
  echo "th: ---- last console lines ($CONSOLE) ----" >&2; tail -40 "$CONSOLE" >&2
fi
[ "$TH_KEEP" = 1 ] || [ "$rc" = 125 ] || [ "$rc" = 124 ] || rm -rf "$RUN"
exit "$rc"
