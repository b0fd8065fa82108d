#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/run-all.sh - THE test command (CI runs it through .ci/run, as root, in a fresh clone).
#
# Stages: install missing Debian packages; build (meson, -Dwerror=true) in build/; the C unit tests; an
# ASan+UBSan build in build-asan/ and the unit tests there; the clang-format check; the busybox rootfs; the
# integration suite (tests/integration/run.sh) in the nspawn test host, or directly when PID 1 is systemd; the
# container tests of that suite again with the cgroupfs manager as berth's default (tests/berth-cgroupfs: `run`
# starts its init another way there, see runtime/lib/clone.h); the same suite again with the ASan+UBSan berth (any sanitizer report fails the command, so the test); the
# controller tests (65-controllers.sh) in the UML test host, or directly on a systemd machine that has the
# cgroup v2 controllers. Every stage runs even when an earlier one failed, as far as it can.
#
# Prints a summary table and, as the very last line, "N passed, N failed" over all stages (", N skipped"
# when tests were skipped with a reason). Exit status 0 only when nothing failed.
#
# Environment: RUNTIME (default build/runtime/berth), RUNALL_SKIP (space-separated stage names to leave out:
# deps build unit asan format integration integration-cgroupfs asan-integration controllers), TEST_FILTER (passed to the
# integration runner).
# Logs: tests/.cache/logs/<stage>.log.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 2
# shellcheck source=testhost/deps.sh
. tests/testhost/deps.sh
LOGS=$repo/tests/.cache/logs
mkdir -p "$LOGS"
RUNTIME=${RUNTIME:-$repo/build/runtime/berth}
export RUNTIME
t_start=$(date +%s)

names=() passes=() fails=() skips=() notes=()
record() { # NAME PASSED FAILED SKIPPED NOTE
        names+=("$1")
        passes+=("$2")
        fails+=("$3")
        skips+=("$4")
        notes+=("$5")
        printf '=== %s: %s passed, %s failed, %s skipped%s\n' "$1" "$2" "$3" "$4" "${5:+ ($5)}"
}
skipped_stage() { [[ " ${RUNALL_SKIP:-} " == *" $1 "* ]]; }
banner() { printf '\n=== %s (%ds)\n' "$1" $(($(date +%s) - t_start)); }

# unit_counts BUILDDIR: "passed failed skipped" over the TAP lines of meson's testlog.json (a test program that
# failed without TAP output counts as one failure)
unit_counts() {
        local log=$1/meson-logs/testlog.json
        [ -s "$log" ] || { echo "0 1 0"; return; }
        jq -rs '[ .[] | (.stdout // "" | split("\n")) as $l
                | { p: ([$l[] | select(test("^ok ") and (test("# *(SKIP|skip)") | not))] | length),
                    s: ([$l[] | select(test("^ok ") and test("# *(SKIP|skip)"))] | length),
                    f: ([$l[] | select(test("^not ok "))] | length), r: .result }
                | if (.r != "OK" and .r != "SKIP" and .r != "EXPECTEDFAIL" and .f == 0) then .f = 1 else . end
                | if (.p + .f + .s == 0) then (if .r == "OK" then .p = 1 elif .r == "SKIP" then .s = 1 else . end) else . end ]
                | "\(map(.p) | add // 0) \(map(.f) | add // 0) \(map(.s) | add // 0)"' "$log" 2> /dev/null || echo "0 1 0"
}

# suite_counts LOG: "passed failed skipped" from the runner's closing line
suite_counts() {
        local line
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
        [ -n "$line" ] || return 1
        local p f s=0
        p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<< "$line")
        f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<< "$line")
        [[ $line == *skipped* ]] && s=$(sed -E 's/.*, ([0-9]+) skipped.*/\1/' <<< "$line")
        echo "$p $f $s"
}

# ---------------------------------------------------------------------------------------------------- deps --
deps_ok=1
if ! skipped_stage deps; then
        banner deps
        if ensure_deps > "$LOGS/deps.log" 2>&1; then
                record deps 1 0 0 ""
        else
                cat "$LOGS/deps.log"
                record deps 0 1 0 "see $LOGS/deps.log"
                deps_ok=0
        fi
fi

# --------------------------------------------------------------------------------------------------- build --
build_ok=0
meson_build() { # DIR OPTIONS...
        local dir=$1
        shift
        if [ -f "$dir/build.ninja" ]; then
                meson configure "$dir" "$@" && ninja -C "$dir"
        else
                rm -rf "$dir"
                meson setup "$dir" "$@" && ninja -C "$dir"
        fi
}
if ! skipped_stage build; then
        banner build
        if meson_build build -Dwerror=true > "$LOGS/build.log" 2>&1; then
                record build 1 0 0 ""
                build_ok=1
        else
                tail -60 "$LOGS/build.log"
                record build 0 1 0 "see $LOGS/build.log"
        fi
else
        [ -x build/runtime/berth ] && build_ok=1
fi

# ---------------------------------------------------------------------------------------------- unit tests --
if ! skipped_stage unit; then
        banner "unit tests"
        if [ $build_ok = 1 ]; then
                meson test -C build --suite unit --print-errorlogs > "$LOGS/unit.log" 2>&1
                rc=$?
                read -r p f s <<< "$(unit_counts build)"
                [ $rc = 0 ] || [ "$f" -gt 0 ] || f=1
                [ "$f" = 0 ] || tail -80 "$LOGS/unit.log"
                record unit "$p" "$f" "$s" ""
        else
                record unit 0 1 0 "not run: the build failed"
        fi
fi

# ------------------------------------------------------------------------------------------------- sanitizers --
asan_ok=0
if ! skipped_stage asan; then
        banner "ASan+UBSan build and unit tests"
        if meson_build build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
                > "$LOGS/asan-build.log" 2>&1; then
                asan_ok=1
                meson test -C build-asan --suite unit --print-errorlogs > "$LOGS/asan.log" 2>&1
                rc=$?
                read -r p f s <<< "$(unit_counts build-asan)"
                [ $rc = 0 ] || [ "$f" -gt 0 ] || f=1
                [ "$f" = 0 ] || tail -80 "$LOGS/asan.log"
                record asan "$p" "$f" "$s" ""
        else
                tail -40 "$LOGS/asan-build.log"
                record asan 0 1 0 "the sanitizer build failed, see $LOGS/asan-build.log"
        fi
else
        [ -x build-asan/runtime/berth ] && asan_ok=1
fi

# ------------------------------------------------------------------------------------------------------ format --
if ! skipped_stage format; then
        banner "clang-format"
        if bash tests/check-format.sh > "$LOGS/format.log" 2>&1; then
                record format 1 0 0 "$(tail -1 "$LOGS/format.log")"
        else
                head -60 "$LOGS/format.log"
                record format 0 1 0 "$(tail -1 "$LOGS/format.log")"
        fi
fi

# ---------------------------------------------------------------------------------------------- integration --
pid1=$(cat /proc/1/comm 2> /dev/null)
where() { if [ "$pid1" = systemd ]; then echo "directly (PID 1 is systemd)"; else echo "in the $1 test host"; fi; }

run_suite() { # STAGE HOSTKIND RUNNER-ARGS...
        local stage=$1 kind=$2 rc
        shift 2
        TH_ENV="RUNTIME BERTH_UNDER_TEST TEST_FILTER TEST_TIMEOUT TEST_VERBOSE ASAN_OPTIONS UBSAN_OPTIONS" \
                bash tests/testhost/enter.sh "$kind" \
                bash tests/integration/run.sh "$@" 2>&1 | tee "$LOGS/$stage.log"
        rc=${PIPESTATUS[0]}
        local counts
        if counts=$(suite_counts "$LOGS/$stage.log"); then
                read -r p f s <<< "$counts"
                # the runner's verdict and the test host's exit status must agree
                if [ "$f" = 0 ] && [ "$rc" != 0 ]; then
                        record "$stage" "$p" 1 "$s" "exit status $rc $(where "$kind")"
                else
                        record "$stage" "$p" "$f" "$s" "$(where "$kind")"
                fi
        else
                record "$stage" 0 1 0 "no result (exit status $rc) $(where "$kind"), see $LOGS/$stage.log"
        fi
}

rootfs_ok=1
if ! skipped_stage integration || ! skipped_stage controllers; then
        banner rootfs
        if ! bash tests/rootfs.sh > "$LOGS/rootfs.log" 2>&1; then
                cat "$LOGS/rootfs.log"
                rootfs_ok=0
        fi
fi

if ! skipped_stage integration; then
        banner "integration tests $(where nspawn)"
        if [ $build_ok = 0 ] && [ ! -x "$RUNTIME" ]; then
                record integration 0 1 0 "not run: the build failed"
        elif [ $rootfs_ok = 0 ]; then
                record integration 0 1 0 "not run: tests/rootfs.sh failed"
        else
                run_suite integration nspawn
        fi
fi

if ! skipped_stage integration-cgroupfs; then
        banner "container tests with the cgroupfs manager $(where nspawn)"
        if [ $build_ok = 0 ] && [ ! -x "$RUNTIME" ]; then
                record integration-cgroupfs 0 1 0 "not run: the build failed"
        elif [ $rootfs_ok = 0 ]; then
                record integration-cgroupfs 0 1 0 "not run: tests/rootfs.sh failed"
        else
                BERTH_UNDER_TEST=$RUNTIME RUNTIME=$repo/tests/berth-cgroupfs run_suite integration-cgroupfs nspawn \
                        tests/integration/{10,20,30,40,50,70,80,85}-*.sh
        fi
fi

if ! skipped_stage asan-integration; then
        banner "integration tests with the ASan+UBSan berth $(where nspawn)"
        if [ $asan_ok = 0 ]; then
                record asan-integration 0 1 0 "not run: no sanitizer build (the asan stage)"
        elif [ $rootfs_ok = 0 ]; then
                record asan-integration 0 1 0 "not run: tests/rootfs.sh failed"
        else
                # a report ends the command (and fails its test); leaks are not counted: berth ends with _exit()
                RUNTIME=$repo/build-asan/runtime/berth ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
                        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run_suite asan-integration nspawn
        fi
fi

if ! skipped_stage controllers; then
        banner "controller tests $(where uml)"
        if [ $build_ok = 0 ] && [ ! -x "$RUNTIME" ]; then
                record controllers 0 1 0 "not run: the build failed"
        elif [ $rootfs_ok = 0 ]; then
                record controllers 0 1 0 "not run: tests/rootfs.sh failed"
        elif [ "$pid1" = systemd ] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2> /dev/null; then
                record controllers 0 0 1 "skipped: PID 1 is systemd but /sys/fs/cgroup has no memory controller"
        else
                run_suite controllers uml tests/integration/6[5-9]-controllers*.sh
        fi
fi

# ---------------------------------------------------------------------------------------------------- summary --
printf '\n=== summary (%ds)\n' $(($(date +%s) - t_start))
tp=0 tf=0 ts=0
for i in "${!names[@]}"; do
        printf '%-20s %5s passed %5s failed %5s skipped  %s\n' "${names[$i]}" "${passes[$i]}" "${fails[$i]}" \
                "${skips[$i]}" "${notes[$i]}"
        tp=$((tp + passes[i]))
        tf=$((tf + fails[i]))
        ts=$((ts + skips[i]))
done
[ $deps_ok = 1 ] || echo "(missing Debian packages: later stages may have failed because of that)"
line="$tp passed, $tf failed"
[ "$ts" -gt 0 ] && line="$line, $ts skipped"
echo "$line"
[ "$tf" -eq 0 ]
