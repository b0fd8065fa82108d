#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/integration/run.sh [FILE...] - the integration test runner.
#
# Runs every test_* function of each tests/integration/NN-name.sh given (default: all of them except
# *controllers*, which need cgroup v2 controllers and run in tests/testhost/uml.sh), each in a fresh bash with
# its own TEST_TMP and --root, under a timeout (TEST_TIMEOUT, default 60 s). Prints one line per test:
#   ok FILE:TEST / not ok FILE:TEST (then the test's output, indented) / skip FILE:TEST: REASON
# and as the very last line "N passed, N failed" (", N skipped" when some were skipped).
# Exit status 0 when nothing failed.
#
# Environment: RUNTIME (default build/runtime/berth), TEST_TIMEOUT, TEST_FILTER (a regex; only matching
# FILE:TEST names run), TEST_VERBOSE=1 (print the output of passing tests too).
# Needs root, jq, busybox-static (tests/rootfs.sh), cc (for tests/helpers).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
export RUNTIME ROOTFS TEST_TIMEOUT

if [ $# -eq 0 ]; then
        for f in "$here"/[0-9][0-9]-*.sh; do
                case "$f" in *controllers*) continue ;; esac
                set -- "$@" "$f"
        done
fi

passed=0 failed=0 skipped=0
summary() {
        local s="$passed passed, $failed failed"
        [ "$skipped" -gt 0 ] && s="$s, $skipped skipped"
        echo "$s"
}

if [ ! -x "$RUNTIME" ]; then
        echo "not ok setup: runtime $RUNTIME not found (build it: meson setup build && ninja -C build)"
        failed=1
        summary
        exit 1
fi
if [ "$(id -u)" != 0 ]; then
        echo "not ok setup: the integration tests need root"
        failed=1
        summary
        exit 1
fi
if ! out=$(bash "$TESTS_DIR/rootfs.sh" 2>&1); then
        echo "not ok setup: tests/rootfs.sh failed"
        printf '%s\n' "$out" | sed 's/^/#   /'
        failed=1
        summary
        exit 1
fi
# helpers compiled once per run
HELPERS_BIN=$TESTS_DIR/.cache/bin
mkdir -p "$HELPERS_BIN"
for c in "$TESTS_DIR"/helpers/*.c; do
        [ -e "$c" ] || continue
        exe=$HELPERS_BIN/$(basename "$c" .c)
        if [ ! -x "$exe" ] || [ "$c" -nt "$exe" ]; then
                cc -O2 -Wall -Wextra -o "$exe.$$" "$c" && mv -f "$exe.$$" "$exe" || echo "# warning: cannot compile $c"
        fi
done
export HELPERS_BIN

echo "# runtime: $RUNTIME ($RT_KIND) $("$RUNTIME" --version 2>/dev/null | head -1)"
echo "# kernel: $(uname -r), cgroup controllers: $(cgroup_controllers), PID 1: $(cat /proc/1/comm)"
seq_no=0
for file in "$@"; do
        [ -f "$file" ] || file=$here/$file
        [ -f "$file" ] || { echo "not ok $file: no such file"; failed=$((failed + 1)); continue; }
        fname=$(basename "$file")
        tests=$(grep -oE '^test_[A-Za-z0-9_]+[[:space:]]*\(\)' "$file" | sed 's/[[:space:]]*()//')
        for t in $tests; do
                name="$fname:$t"
                if [ -n "${TEST_FILTER:-}" ] && ! [[ $name =~ $TEST_FILTER ]]; then continue; fi
                seq_no=$((seq_no + 1))
                TEST_TMP=$(mktemp -d /tmp/bt.XXXXXX)
                TEST_ROOT=$TEST_TMP/state
                TEST_ID_PREFIX=bt$$-$seq_no
                TEST_NAME=$name
                export TEST_TMP TEST_ROOT TEST_ID_PREFIX TEST_NAME
                t0=$(date +%s%N)
                : > "$TEST_TMP/.log"
                timeout -k 5 $((TEST_TIMEOUT + 60)) unshare -m --propagation slave \
                        bash -c '. "$1"; _run_isolated "$2" "$3"' _ "$TESTS_DIR/lib.sh" "$file" "$t" \
                        >> "$TEST_TMP/.log" 2>&1 < /dev/null
                rc=$?
                ms=$((($(date +%s%N) - t0) / 1000000))
                case $rc in
                0)
                        echo "ok $name (${ms} ms)"
                        passed=$((passed + 1))
                        [ "${TEST_VERBOSE:-0}" = 1 ] && sed 's/^/#   /' "$TEST_TMP/.log"
                        ;;
                77)
                        if [ -s "$TEST_TMP/.skip" ]; then
                                echo "skip $name: $(head -1 "$TEST_TMP/.skip")"
                                skipped=$((skipped + 1))
                        else
                                echo "not ok $name (exit status 77 without a reason)"
                                failed=$((failed + 1))
                        fi
                        ;;
                *)
                        [ $rc = 124 ] && echo "FAIL: timed out after ${TEST_TIMEOUT}s" >> "$TEST_TMP/.log"
                        echo "not ok $name (${ms} ms)"
                        sed 's/^/#   /' "$TEST_TMP/.log" | head -60
                        failed=$((failed + 1))
                        ;;
                esac
                # never follow a mount left behind into another filesystem
                if awk -v t="$TEST_TMP" 'index($5, t) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
                        echo "# warning: mounts left under $TEST_TMP; not removing it"
                else
                        rm -rf --one-file-system "$TEST_TMP"
                fi
        done
done
# the tests never write into the shared rootfs; a runtime that does (mount points made in a read-only rootfs)
# is worth knowing about. tests/rootfs.sh rebuilds it next time.
changed=$(find "$ROOTFS" -mindepth 1 -newer "$ROOTFS/.berth-rootfs" 2> /dev/null | head -5 | tr '\n' ' ')
[ -z "$changed" ] || echo "# warning: the shared rootfs was written to during the run: $changed"
summary
[ "$failed" -eq 0 ]
