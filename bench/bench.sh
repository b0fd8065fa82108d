#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/bench.sh [-n N] [-r ROUNDS] [RUNTIME...] - container start-to-exit time, berth against crun and runc.
#
# For each round and each runtime: N sequential `RT --root DIR run --no-new-keyring ID` of /bin/true from the
# same bundle (the busybox rootfs of tests/rootfs.sh), cgroupfs cgroup manager. Prints the time per container
# for each round, the median over the rounds and the ratios berth/crun and berth/runc. Runs inside the nspawn
# test host (tests/testhost/nspawn.sh) unless PID 1 is systemd. See bench/README.md.
#
# RUNTIMEs: berth (build/runtime/berth, built if missing), crun, runc, or paths; default: berth crun runc.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
N=50 ROUNDS=3 inhost=0
while [ $# -gt 0 ]; do
        case "$1" in
        -n) N=$2; shift 2 ;;
        -r) ROUNDS=$2; shift 2 ;;
        --in-host) inhost=1; shift ;;
        -h | --help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
done
[ $# -gt 0 ] || set -- berth crun runc

if [ $inhost = 0 ]; then
        [ "$(id -u)" = 0 ] || { echo "bench.sh: needs root" >&2; exit 1; }
        . tests/testhost/deps.sh
        ensure_deps
        if [[ " $* " == *" berth "* ]] && [ ! -x build/runtime/berth ]; then
                [ -f build/build.ninja ] || meson setup build > /dev/null
                ninja -C build > /dev/null
        fi
        bash tests/rootfs.sh > /dev/null
        exec bash tests/testhost/enter.sh nspawn bash bench/bench.sh --in-host -n "$N" -r "$ROUNDS" "$@"
fi

# ---- inside the test host ----
. tests/lib.sh
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# crun 1.8.1 needs the allow-all device rule on machines without CAP_SYS_RESOURCE (tests/lib.sh); the same
# bundle for all three
RT_KIND=bench make_bundle "$work/bundle" '.process.args = ["/bin/true"] |
        .linux.resources = {devices: [{allow: true, access: "rwm"}]}'

declare -A path flags
names=()
for r; do
        case "$r" in
        berth) p=$repo/build/runtime/berth ;;
        */*) p=$r ;;
        *) p=$(command -v "$r" || true) ;;
        esac
        [ -n "$p" ] && [ -x "$p" ] || { echo "bench.sh: runtime $r not found" >&2; exit 1; }
        n=$(basename "$r")
        names+=("$n")
        path[$n]=$p
        case "$(basename "$p")" in
        berth* | crun) flags[$n]="--cgroup-manager=cgroupfs" ;;
        *) flags[$n]="" ;;
        esac
done

echo "# $N sequential 'run --no-new-keyring' of /bin/true per runtime and round, cgroupfs manager"
echo "# kernel $(uname -r), $(nproc) CPUs, cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
for n in "${names[@]}"; do
        echo "# $n: ${path[$n]} ($("${path[$n]}" --version 2> /dev/null | head -1))"
done
declare -A results
printf '%-8s' round
for n in "${names[@]}"; do printf '%14s' "$n ms"; done
echo
for round in $(seq "$ROUNDS"); do
        printf '%-8s' "$round"
        for n in "${names[@]}"; do
                root=$work/root-$n
                # one untimed warm-up run (page cache, first cgroup creation)
                "${path[$n]}" --root "$root" ${flags[$n]} run --no-new-keyring --bundle "$work/bundle" "warm-$n-$round" \
                        < /dev/null > /dev/null 2>&1 || true
                fails=0
                t0=$(date +%s%N)
                for i in $(seq "$N"); do
                        "${path[$n]}" --root "$root" ${flags[$n]} run --no-new-keyring --bundle "$work/bundle" \
                                "b-$n-$round-$i" < /dev/null > /dev/null 2>> "$work/$n.err" || fails=$((fails + 1))
                done
                t1=$(date +%s%N)
                ms=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) / n / 1e6 }')
                results[$n]="${results[$n]:-} $ms"
                if [ $fails -gt 0 ]; then
                        printf '%14s' "$ms($fails!)"
                else
                        printf '%14s' "$ms"
                fi
        done
        echo
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-8s' median
declare -A med
for n in "${names[@]}"; do
        med[$n]=$(median <<< "${results[$n]}")
        printf '%14s' "${med[$n]}"
done
echo
for n in "${names[@]}"; do
        if [ -s "$work/$n.err" ]; then
                echo "# $n: $(grep -c . "$work/$n.err") error lines, first: $(head -1 "$work/$n.err")"
        fi
done
if [ -n "${med[berth]:-}" ]; then
        for other in crun runc; do
                [ -n "${med[$other]:-}" ] || continue
                echo "berth/$other: $(awk -v a="${med[berth]}" -v b="${med[$other]}" 'BEGIN { printf "%.2f", a / b }')"
        done
fi
