# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/lib.sh - helpers for the integration tests (sourced; bash).
#
# The runner (tests/integration/run.sh) sources this file and one tests/integration/NN-name.sh, then calls one
# test_* function in a fresh bash with `set -eE -o pipefail`, a fresh TEST_TMP directory and a per-test
# --root (TEST_ROOT). A failing command or assertion ends the test.
#
# Environment:
#   RUNTIME   the runtime under test: a path or a command name (default build/runtime/berth)
#   ROOTFS    the shared busybox rootfs (default tests/.cache/rootfs, built by tests/rootfs.sh)
# Set by the runner for each test: TEST_TMP, TEST_ROOT, TEST_ID_PREFIX, TEST_NAME.

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_DIR/.." && pwd)
RUNTIME=${RUNTIME:-$REPO_DIR/build/runtime/berth}
if [[ $RUNTIME != */* ]]; then
        RUNTIME=$(command -v "$RUNTIME" || echo "$RUNTIME")
fi
# berth, crun, runc: some tests check runtime-specific details (messages, flags only some runtimes have)
RT_KIND=$(basename "$RUNTIME")
case "$RT_KIND" in berth* | crun | runc) RT_KIND=${RT_KIND%%[-.]*} ;; *) RT_KIND=other ;; esac
ROOTFS=${ROOTFS:-$TESTS_DIR/.cache/rootfs}
TEST_TIMEOUT=${TEST_TIMEOUT:-60}

# ---------------------------------------------------------------------------------------------- runtime --

# rt ARGS...: the runtime with the test's own --root
rt() {
        "$RUNTIME" --root "$TEST_ROOT" "$@"
}

# rt_cgfs ARGS...: like rt, with the cgroupfs cgroup manager (runc has no flag: cgroupfs is its default)
rt_cgfs() {
        case "$RT_KIND" in
        runc) rt "$@" ;;
        *) rt --cgroup-manager=cgroupfs "$@" ;;
        esac
}

# new_id [NAME]: a container ID unique on this host, remembered for the cleanup after the test
new_id() {
        local n=0
        [ -f "$TEST_TMP/.ids" ] && n=$(wc -l < "$TEST_TMP/.ids")
        local id="$TEST_ID_PREFIX-${1:-c}$n"
        echo "$id" >> "$TEST_TMP/.ids"
        echo "$id"
}

# defer CMD...: run CMD (quoted as given) after the test, newest first, whatever the outcome
defer() {
        printf '%q ' "$@" >> "$TEST_TMP/.defer"
        echo >> "$TEST_TMP/.defer"
}

# jargs WORD...: a JSON array of strings, for jq filters: ".process.args = $(jargs sh -c 'exit 7')"
jargs() {
        jq -cn '$ARGS.positional' --args -- "$@"
}

# jstr WORD: a JSON string
jstr() {
        jq -cn --arg s "$1" '$s'
}

# ----------------------------------------------------------------------------------------------- bundles --

# The template config.json: busybox rootfs read-only, args ["true"], namespaces pid ipc uts mount network, the
# standard mounts, runc's default masked/readonly paths and capability set, no linux.resources.
_template_filter='{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: {uid: 0, gid: 0},
    args: ["true"],
    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "HOME=/root"],
    cwd: "/",
    capabilities: {
      bounding: $caps, effective: $caps, permitted: $caps
    },
    rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
    noNewPrivileges: true
  },
  root: {path: $rootfs, readonly: true},
  hostname: "berth-test",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {destination: "/dev/pts", type: "devpts", source: "devpts",
     options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]},
    {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]}
  ],
  linux: {
    namespaces: [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "network"}],
    maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}'
RUNC_DEFAULT_CAPS='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'

# make_bundle DIR [JQ-FILTER [JQ-ARGS...]]: DIR/config.json from the template, then the filter applied to it.
make_bundle() {
        local dir=$1 filter=${2:-.}
        shift $(($# >= 2 ? 2 : 1))
        mkdir -p "$dir"
        local extra='.'
        # crun 1.8.1 raises RLIMIT_MEMLOCK before loading its eBPF device filter, which fails on machines
        # without CAP_SYS_RESOURCE; an allow-all device rule makes it skip the filter.
        [ "$RT_KIND" = crun ] && extra='.linux.resources.devices = [{allow: true, access: "rwm"}]'
        # tests/testhost/uml.sh: glibc in the UML guest must not use AVX (see there), containers included
        [ -n "${GLIBC_TUNABLES:-}" ] && extra="$extra | .process.env += [\"GLIBC_TUNABLES=$GLIBC_TUNABLES\"]"
        jq -n --arg rootfs "$ROOTFS" --argjson caps "$RUNC_DEFAULT_CAPS" "$@" \
                "$_template_filter | $extra | $filter" > "$dir/config.json"
}

# bundle_set DIR JQ-FILTER [JQ-ARGS...]: edit DIR/config.json in place
bundle_set() {
        local dir=$1 filter=$2
        shift 2
        jq "$@" "$filter" "$dir/config.json" > "$dir/config.json.new"
        mv "$dir/config.json.new" "$dir/config.json"
}

# run_ctr [JQ-FILTER [JQ-ARGS...]]: run a fresh container in the foreground (rt run) from a template bundle;
# prints its stdout and stderr, returns its exit status.
run_ctr() {
        local id b
        id=$(new_id r)
        b=$TEST_TMP/b-$id
        make_bundle "$b" "$@"
        local rc=0
        rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1 || rc=$?
        cat "$TEST_TMP/$id.out"
        # for the log, in case the caller did not expect it
        [ "$rc" = 0 ] || { echo "(run_ctr $id: exit status $rc: $(head -c 1000 "$TEST_TMP/$id.out"))" >&9; } 2> /dev/null
        return "$rc"
}

# sh_ctr SCRIPT [JQ-FILTER [JQ-ARGS...]]: run_ctr with process.args = ["sh", "-c", SCRIPT]
sh_ctr() {
        local script=$1
        shift
        local f=${1:-.}
        [ $# -gt 0 ] && shift
        run_ctr ".process.args = $(jargs sh -c "$script") | $f" "$@"
}

# create_ctr ID BUNDLE [CREATE-OPTIONS...]: rt create with the container's stdio in $TEST_TMP/ID.out (stdout and
# stderr); the runtime's own messages go there too (they share the fds). Returns the runtime's exit status.
create_ctr() {
        local id=$1 b=$2
        shift 2
        rt create --bundle "$b" "$@" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1
}

# start_sleeper [JQ-FILTER [JQ-ARGS...]]: create and start a container running `sleep 600`; prints its ID
start_sleeper() {
        local id b
        id=$(new_id s)
        b=$TEST_TMP/b-$id
        make_bundle "$b" ".process.args = [\"sleep\", \"600\"] | ${1:-.}" "${@:2}"
        create_ctr "$id" "$b" || { cat "$TEST_TMP/$id.out" >&2; return 1; }
        rt start "$id" >> "$TEST_TMP/$id.out" 2>&1 || { cat "$TEST_TMP/$id.out" >&2; return 1; }
        echo "$id"
}

# state_of ID [JQ-PATH]: a field of `rt state` (default .status)
state_of() {
        rt state "$1" | jq -r "${2:-.status}"
}

# wait_status ID STATUS [SECONDS]: poll `rt state` until status is STATUS
wait_status() {
        local id=$1 want=$2 n=$((${3:-10} * 20)) s=
        while [ "$n" -gt 0 ]; do
                s=$(rt state "$id" 2>/dev/null | jq -r .status 2>/dev/null || true)
                [ "$s" = "$want" ] && return 0
                sleep 0.05
                n=$((n - 1))
        done
        fail "container $id: status \"$s\", expected \"$want\""
}

# --------------------------------------------------------------------------------------------- assertions --

# messages go to fd 9, the test's stderr saved by _run_one: an ERR trap or a fail inside a function whose
# output is redirected must still reach the log
fail() {
        if { true >&9; } 2> /dev/null; then echo "FAIL: $*" >&9; else echo "FAIL: $*" >&2; fi
        exit 1
}

# skip REASON: end the test as skipped
skip() {
        echo "$*" > "$TEST_TMP/.skip"
        exit 77
}

# skip_unless_kind KIND... : skip when the runtime under test is none of KINDs
skip_unless_kind() {
        local k
        for k; do [ "$RT_KIND" = "$k" ] && return 0; done
        skip "needs runtime $* (testing $RT_KIND)"
}

assert_eq() { # ACTUAL EXPECTED [WHAT]
        [ "$1" = "$2" ] || fail "${3:-value}: expected \"$2\", got \"$1\""
}

assert_ne() { # ACTUAL UNEXPECTED [WHAT]
        [ "$1" != "$2" ] || fail "${3:-value}: expected something other than \"$2\""
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
        [[ $1 == *"$2"* ]] || fail "${3:-output} does not contain \"$2\": $(printf '%s' "$1" | head -c 2000)"
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
        [[ $1 != *"$2"* ]] || fail "${3:-output} contains \"$2\": $(printf '%s' "$1" | head -c 2000)"
}

assert_match() { # STRING ERE [WHAT]
        [[ $1 =~ $2 ]] || fail "${3:-output} does not match /$2/: $(printf '%s' "$1" | head -c 2000)"
}

# The assertions that run a command keep its output (stdout+stderr) in $OUT. The output goes through a file,
# not a pipe: a container the command leaves running may hold its stdio open.
_capture() { # CMD... -> sets OUT, returns CMD's status
        local rc=0
        "$@" > "$TEST_TMP/.capture" 2>&1 < /dev/null || rc=$?
        OUT=$(cat "$TEST_TMP/.capture")
        return "$rc"
}

# assert_fail CMD...: CMD must fail
assert_fail() {
        local rc=0
        _capture "$@" || rc=$?
        [ "$rc" -ne 0 ] || fail "expected failure, succeeded: $* -> $(printf '%s' "$OUT" | head -c 2000)"
        return 0
}

# assert_ok CMD...: CMD must succeed
assert_ok() {
        local rc=0
        _capture "$@" || rc=$?
        [ "$rc" -eq 0 ] || fail "exit status $rc: $* -> $(printf '%s' "$OUT" | head -c 2000)"
        return 0
}

# assert_exit N CMD...: CMD must exit with status N
assert_exit() {
        local want=$1 rc=0
        shift
        _capture "$@" || rc=$?
        [ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want: $* -> $(printf '%s' "$OUT" | head -c 2000)"
        return 0
}

# assert_berth_msg OUTPUT CMD ID DETAIL: for berth, a line "berth: CMD ID: ...DETAIL..." (ID may be empty);
# for other runtimes only that DETAIL's key words appear is not checked (their wording differs).
assert_berth_msg() {
        [ "$RT_KIND" = berth ] || return 0
        local out=$1 cmd=$2 id=$3 detail=$4 prefix
        prefix="berth: $cmd${id:+ $id}: "
        local line
        line=$(printf '%s\n' "$out" | grep -F -- "$prefix" | head -1 || true)
        [ -n "$line" ] || fail "no \"$prefix\" line in: $out"
        assert_contains "$line" "$detail" "error message"
}

# json_valid TEXT: TEXT is one JSON value
json_valid() {
        printf '%s' "$1" | jq -e . > /dev/null 2>&1 || fail "not JSON: $1"
}

# assert_no_residue ID [PATH...]: nothing of container ID is left: no state under --root, no cgroup directory
# with ID in its name, no mount under the test's directory or inside the rootfs (or PATHs), no process whose
# root is the rootfs (or a PATH) or whose cgroup names ID. Retries for a moment (unit/cgroup removal by
# systemd is asynchronous).
assert_no_residue() {
        local id=$1 i r=
        shift
        for i in $(seq 40); do
                r=$(_residue "$id" "$@")
                [ -z "$r" ] && return 0
                sleep 0.1
        done
        fail "residue of $id: $r"
}

_residue() {
        local id=$1 p d
        shift
        local roots=("$ROOTFS" "$@")
        if [ -d "$TEST_ROOT" ] && [ -n "$(find "$TEST_ROOT" -name "*$id*" 2>/dev/null | head -1)" ]; then
                echo "state: $(find "$TEST_ROOT" -name "*$id*" | head -3 | tr '\n' ' ')"
        fi
        d=$(find /sys/fs/cgroup -type d -name "*$id*" 2>/dev/null | head -3 | tr '\n' ' ')
        [ -z "$d" ] || echo "cgroup: $d"
        # mount points (field 5) under the test dir, the rootfs or PATHs; the rootfs itself may be a mount
        d=$(awk -v t="$TEST_TMP" -v r="${roots[*]}" '
                BEGIN { n = split(r, rs, " ") }
                { mp = $5; if (index(mp, t "/") == 1 || mp == t) { print mp; next }
                  for (i = 1; i <= n; i++) if (index(mp, rs[i] "/") == 1) { print mp; next } }' \
                /proc/self/mountinfo | head -3 | tr '\n' ' ')
        [ -z "$d" ] || echo "mounts: $d"
        # processes: root inside a rootfs (path or same inode), or cgroup naming the ID (a few commands for all
        # processes at once: forks are expensive in the UML test host)
        local ino=() r
        for r in "${roots[@]}"; do ino+=("$(stat -L -c %d:%i "$r" 2>/dev/null)"); done
        { find /proc/[0-9]*/root -maxdepth 0 -printf '%p %l\n' 2>/dev/null || true; } | while read -r p d; do
                for r in "${roots[@]}"; do
                        if [ "$d" = "$r" ] || [[ $d == "$r"/* ]]; then echo "process ${p//[^0-9]/} (root $d)"; fi
                done
        done
        { stat -L -c '%n %d:%i' /proc/[0-9]*/root 2>/dev/null || true; } | while read -r p d; do
                for r in "${ino[@]}"; do
                        if [ "$d" = "$r" ]; then echo "process ${p//[^0-9]/} (root inode $d)"; fi
                done
        done
        { grep -lF -- "$id" /proc/[0-9]*/cgroup 2>/dev/null || true; } | while read -r p; do
                echo "process ${p//[^0-9]/} (cgroup $(tr '\n' ' ' < "$p" 2>/dev/null))"
        done
        return 0
}

# --------------------------------------------------------------------------------------------- host facts --

# the cgroup v2 controllers available at the cgroup root
cgroup_controllers() {
        cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null || true
}

# cgroup_dir_of PID: the process's cgroup v2 directory
cgroup_dir_of() {
        echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
}

# need_controller NAME...: skips the test unless the cgroup root has these controllers
need_controller() {
        local c
        for c; do
                [[ " $(cgroup_controllers) " == *" $c "* ]] || skip "no $c controller on this host"
        done
}

# limited_sleeper MANAGER RESOURCES-JSON (the controller tests, 6x-controllers*.sh): a started `sleep` container
# with linux.resources, in $CG_PARENT for the cgroupfs manager; prints its ID
limited_sleeper() {
        local mgr=$1 res=$2 id path
        id=$(new_id)
        if [ "$mgr" = systemd ]; then
                path="system.slice:berthtest:$id"
        else
                path="/$CG_PARENT/$id"
                defer rmdir "/sys/fs/cgroup/$CG_PARENT"
        fi
        make_bundle "$TEST_TMP/b-$id" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p |
                                       .linux.resources = ((.linux.resources // {}) + $r)' \
                --arg p "$path" --argjson r "$res"
        if [ "$mgr" = systemd ]; then
                rt --systemd-cgroup create --bundle "$TEST_TMP/b-$id" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1 ||
                        fail "create: $(cat "$TEST_TMP/$id.out")"
        else
                rt_cgfs create --bundle "$TEST_TMP/b-$id" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1 ||
                        fail "create: $(cat "$TEST_TMP/$id.out")"
        fi
        rt start "$id"
        echo "$id"
}

# host_ns NS: this shell's namespace link (e.g. "net:[4026531840]")
host_ns() {
        readlink "/proc/self/ns/$1"
}

# in_uml: true inside the tests/testhost/uml.sh guest
in_uml() {
        grep -q 'th\.ctl=' /proc/cmdline 2>/dev/null
}

# ------------------------------------------------------------------------------------ used by the runner --

# _run_isolated FILE TEST: the runner calls this in a mount namespace of the test's own (unshare -m, slave to
# the test host's and shared inside), so a runtime that gets its mounts wrong damages only this test's view.
# Runs the test under TEST_TIMEOUT with its output in $TEST_TMP/.log, then the cleanup in the same namespace.
_run_isolated() {
        local rc=0
        mount --make-rshared / 2> /dev/null || true
        timeout -k 5 "$TEST_TIMEOUT" bash -c '. "$1"; . "$2"; _run_one "$2" "$3"' _ "$TESTS_DIR/lib.sh" "$1" "$2" \
                > "$TEST_TMP/.log" 2>&1 < /dev/null || rc=$?
        _cleanup_test > /dev/null 2>&1 < /dev/null
        return "$rc"
}

_run_one() { # FILE TEST
        exec 9>&2
        set -eE -o pipefail
        trap '_on_err $? "$BASH_COMMAND" "${BASH_SOURCE[0]}" $LINENO' ERR
        cd "$TEST_TMP"
        "$2"
}

_on_err() {
        trap - ERR
        echo "FAIL: exit status $1 of: $2 (${3##*/}:$4)" >&9
        exit 1
}

# the cleanup after each test: deferred commands, then `delete --force` of every container of the test
_cleanup_test() {
        local line id
        if [ -f "$TEST_TMP/.defer" ]; then
                tac "$TEST_TMP/.defer" | while read -r line; do
                        [ -n "$line" ] && eval "timeout -k 5 20 $line" > /dev/null 2>&1 < /dev/null
                done
        fi
        {
                [ -d "$TEST_ROOT" ] && timeout 20 "$RUNTIME" --root "$TEST_ROOT" list -q 2>/dev/null
                [ -f "$TEST_TMP/.ids" ] && cat "$TEST_TMP/.ids"
        } | sort -u | while read -r id; do
                [ -n "$id" ] || continue
                timeout -k 5 20 "$RUNTIME" --root "$TEST_ROOT" delete --force "$id" > /dev/null 2>&1 < /dev/null
                # containers the engine-style tests made in the runtime's default root
                timeout -k 5 20 "$RUNTIME" delete --force "$id" > /dev/null 2>&1 < /dev/null
        done
        return 0
}
