#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/bench-systemd.sh [-n N] [-r ROUNDS] [-i] [-m MANY] [--no-many] [-j JQ-FILTER] [RUNTIME...] - the
# systemd cgroup manager's cost, berth against crun and runc. -j applies a jq filter to the bundles, e.g.
# '.annotations["io.github.berth.machined"] = "false"' (no machined registration, which crun and runc skip).
#
# 1. run: for each round and runtime, N sequential `RT --root DIR --systemd-cgroup run --no-new-keyring ID` of
#    /bin/true (a transient scope per container), then the same with the cgroupfs manager (-i: the runtimes'
#    runs interleaved one by one); prints the time per container, the medians and best rounds, what the scope
#    costs (systemd - cgroupfs) and the ratios berth/crun, berth/runc.
# 2. many (berth only): the time of `create` + `delete --force` of one more container (sleep), with none and
#    then with MANY (default 500) containers running `sleep`, and the ratio of the two.
# Runs inside the nspawn test host (tests/testhost/nspawn.sh) unless PID 1 is systemd. See bench/README.md.
#
# RUNTIMEs: berth (build/runtime/berth, built if missing; BERTH=PATH for another build), crun, runc, or paths;
# default: berth crun runc.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
N=50 ROUNDS=3 MANY=500 INTERLEAVE=0 FILTER=. inhost=0
while [ $# -gt 0 ]; do
        case "$1" in
        -n) N=$2; shift 2 ;;
        -r) ROUNDS=$2; shift 2 ;;
        -m) MANY=$2; shift 2 ;;
        --no-many) MANY=0; shift ;;
        -i) INTERLEAVE=1; shift ;;
        -j) FILTER=$2; shift 2 ;;
        --in-host) inhost=1; shift ;;
        -h | --help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "bench-systemd.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
        esac
done
[ $# -gt 0 ] || set -- berth crun runc
BERTH=${BERTH:-$repo/build/runtime/berth}

if [ $inhost = 0 ]; then
        [ "$(id -u)" = 0 ] || { echo "bench-systemd.sh: needs root" >&2; exit 1; }
        . tests/testhost/deps.sh
        ensure_deps
        if [[ " $* " == *" berth "* ]] && [ ! -x "$BERTH" ]; then
                [ -f build/build.ninja ] || meson setup build > /dev/null
                ninja -C build > /dev/null
        fi
        bash tests/rootfs.sh > /dev/null
        export BERTH
        TH_ENV="${TH_ENV:-} BERTH ROOTFS" exec bash tests/testhost/enter.sh nspawn bash bench/bench-systemd.sh \
                --in-host -n "$N" -r "$ROUNDS" -m "$MANY" -j "$FILTER" $([ "$INTERLEAVE" = 0 ] || echo -i) "$@"
fi

# ---- inside the test host ----
. tests/lib.sh
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
cleanup() {
        # the containers of part 2, if it was interrupted
        if [ -d "$work/many" ]; then
                "${path[berth]:-$BERTH}" --root "$work/many" list -q 2> /dev/null | while read -r id; do
                        "${path[berth]:-$BERTH}" --root "$work/many" delete --force "$id" > /dev/null 2>&1 || true
                done
        fi
        rm -rf "$work"
}
declare -A path
trap cleanup EXIT
# crun 1.8.1 needs the allow-all device rule on machines without CAP_SYS_RESOURCE (tests/lib.sh); the same
# bundle for all three
RT_KIND=bench make_bundle "$work/bundle" '.process.args = ["/bin/true"] |
        .linux.resources = {devices: [{allow: true, access: "rwm"}]} | '"$FILTER"

names=()
for r; do
        case "$r" in
        berth) p=$BERTH ;;
        */*) p=$r ;;
        *) p=$(command -v "$r" || true) ;;
        esac
        [ -n "$p" ] && [ -x "$p" ] || { echo "bench-systemd.sh: runtime $r not found" >&2; exit 1; }
        n=$(basename "$r")
        [ -z "${path[$n]:-}" ] || n="$n-${#names[@]}" # the same runtime twice (two builds of berth)
        names+=("$n")
        path[$n]=$p
done

# manager_flags RUNTIME systemd|cgroupfs
manager_flags() {
        case "$(basename "${path[$1]}")" in
        berth* | crun*) [ "$2" = systemd ] && echo --systemd-cgroup || echo --cgroup-manager=cgroupfs ;;
        *) if [ "$2" = systemd ]; then echo --systemd-cgroup; fi ;; # runc: cgroupfs is its default
        esac
}

# run_round ROUND: N runs of each runtime with each manager, each runtime and manager in turn (a runtime's
# runs back to back, as a loop of `run` would go), or interleaved one by one with -i (so that what else the
# machine does weighs on all of them alike); adds each one's ms per container to results[RUNTIME-MANAGER]
declare -A results
run_round() {
        local round=$1 n mgr i t0 k
        local -A total=() fails=() flags=()
        local keys=()
        for n in "${names[@]}"; do
                for mgr in systemd cgroupfs; do
                        k=$n-$mgr
                        keys+=("$k")
                        flags[$k]=$(manager_flags "$n" "$mgr")
                        total[$k]=0 fails[$k]=0
                done
        done
        # one_run KEY I
        one_run() {
                local k=$1 n=${1%-*}
                t0=${EPOCHREALTIME/./}
                "${path[$n]}" --root "$work/root-$k" ${flags[$k]} run --no-new-keyring --bundle "$work/bundle" \
                        "b-$round-$2" < /dev/null > /dev/null 2>> "$work/$k.err" || fails[$k]=$((fails[$k] + 1))
                total[$k]=$((total[$k] + ${EPOCHREALTIME/./} - t0))
        }
        if [ "$INTERLEAVE" = 1 ]; then
                for k in "${keys[@]}"; do one_run "$k" warm; done
                for k in "${keys[@]}"; do total[$k]=0 fails[$k]=0; done
                for i in $(seq "$N"); do
                        for k in "${keys[@]}"; do one_run "$k" "$i"; done
                done
        else
                for k in "${keys[@]}"; do
                        one_run "$k" warm # untimed: page cache, the first scope in machine.slice
                        total[$k]=0 fails[$k]=0
                        for i in $(seq "$N"); do one_run "$k" "$i"; done
                done
        fi
        for k in "${keys[@]}"; do
                results[$k]="${results[$k]:-} $(awk -v t="${total[$k]}" -v n="$N" -v f="${fails[$k]}" \
                        'BEGIN { printf "%.2f%s", t / n / 1e3, f ? "(" f "!)" : "" }')"
        done
}

median() { tr ' ' '\n' | grep . | sed 's/(.*//' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "# 1. $N sequential 'run --no-new-keyring' of /bin/true per runtime, manager and round$([ "$INTERLEAVE" = 0 ] || echo ", interleaved")"
echo "# kernel $(uname -r), $(nproc) CPUs, systemd $(systemctl --version | awk 'NR == 1 { print $2 }')," \
        "cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
for n in "${names[@]}"; do
        echo "# $n: ${path[$n]} ($("${path[$n]}" --version 2> /dev/null | head -1))"
done
printf '%-8s' round
for n in "${names[@]}"; do printf '%18s%18s' "$n systemd ms" "$n cgroupfs ms"; done
echo
for round in $(seq "$ROUNDS"); do
        run_round "$round"
        printf '%-8s' "$round"
        for n in "${names[@]}"; do
                for mgr in systemd cgroupfs; do
                        printf '%18s' "$(awk '{ print $NF }' <<< "${results[$n-$mgr]}")"
                done
        done
        echo
done
declare -A med
printf '%-8s' median
for n in "${names[@]}"; do
        for mgr in systemd cgroupfs; do
                med[$n-$mgr]=$(median <<< "${results[$n-$mgr]}")
                printf '%18s' "${med[$n-$mgr]}"
        done
done
echo
# the best round: the least disturbed by whatever else the machine runs
printf '%-8s' best
for n in "${names[@]}"; do
        for mgr in systemd cgroupfs; do
                printf '%18s' "$(tr ' ' '\n' <<< "${results[$n-$mgr]}" | grep . | sed 's/(.*//' | sort -n | head -1)"
        done
done
echo
for n in "${names[@]}"; do
        echo "$n: the scope costs $(awk -v a="${med[$n-systemd]}" -v b="${med[$n-cgroupfs]}" \
                'BEGIN { printf "%.2f", a - b }') ms per container (systemd - cgroupfs)"
        for mgr in systemd cgroupfs; do
                if [ -s "$work/$n-$mgr.err" ]; then
                        echo "# $n $mgr: $(grep -c . "$work/$n-$mgr.err") error lines, first: $(head -1 "$work/$n-$mgr.err")"
                fi
        done
done
if [ -n "${med[berth-systemd]:-}" ]; then
        for other in crun runc; do
                [ -n "${med[$other-systemd]:-}" ] || continue
                echo "berth/$other with --systemd-cgroup: $(ratio "${med[berth-systemd]}" "${med[$other-systemd]}")"
        done
fi

# ---- 2. create latency with many containers alive ----
[ "$MANY" -gt 0 ] && [ -n "${path[berth]:-}" ] || exit 0
echo
echo "# 2. berth create + delete --force of one container (sleep), 40 times (medians), with 0 and $MANY containers running"
RT_KIND=bench make_bundle "$work/sleeper" '.process.args = ["sleep", "3600"] |
        .linux.resources = {devices: [{allow: true, access: "rwm"}]} | '"$FILTER"
B=${path[berth]}
root=$work/many
# one_more TAG: the medians of 40 create + delete of one more container and of the create alone, in ms (medians:
# one create now and then waits for an RCU grace period, see bench/README.md)
one_more() {
        local i a b c both=() create=()
        for i in $(seq 40); do
                a=${EPOCHREALTIME/./}
                "$B" --root "$root" --systemd-cgroup create --no-new-keyring --bundle "$work/sleeper" "one-$1-$i" \
                        < /dev/null > /dev/null 2>> "$work/many.err" || echo "# create one-$1-$i failed" >&2
                b=${EPOCHREALTIME/./}
                "$B" --root "$root" delete --force "one-$1-$i" 2>> "$work/many.err" || echo "# delete one-$1-$i failed" >&2
                c=${EPOCHREALTIME/./}
                both+=($((c - a))) create+=($((b - a)))
        done
        echo "$(printf '%s\n' "${both[@]}" | median | awk '{ printf "%.2f", $1 / 1e3 }')" \
                "$(printf '%s\n' "${create[@]}" | median | awk '{ printf "%.2f", $1 / 1e3 }')"
}
read -r none none_c <<< "$(one_more none)"
echo "0 alive: create+delete $none ms, create $none_c ms"
t0=$(date +%s%N)
for i in $(seq "$MANY"); do
        "$B" --root "$root" --systemd-cgroup create --no-new-keyring --bundle "$work/sleeper" "alive-$i" \
                < /dev/null > /dev/null 2>> "$work/many.err" || echo "# create alive-$i failed"
        "$B" --root "$root" start "alive-$i" 2>> "$work/many.err" || echo "# start alive-$i failed"
done
t1=$(date +%s%N)
echo "# $MANY created and started in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s;" \
        "$(systemctl list-units --all --no-legend 'berth-alive-*' | wc -l) scopes"
read -r many many_c <<< "$(one_more many)"
echo "$MANY alive: create+delete $many ms, create $many_c ms"
t0=$(date +%s%N)
for i in $(seq "$MANY"); do
        "$B" --root "$root" delete --force "alive-$i" 2>> "$work/many.err" || echo "# delete alive-$i failed"
done
t1=$(date +%s%N)
echo "# $MANY deleted in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"
echo "create+delete with $MANY alive / with none: $(ratio "$many" "$none"); create alone: $(ratio "$many_c" "$none_c")"
[ -s "$work/many.err" ] && echo "# $(grep -c . "$work/many.err") error lines, first: $(head -1 "$work/many.err")"
exit 0
