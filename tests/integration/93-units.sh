# SPDX-License-Identifier: LGPL-2.1-or-later
# berth@.service (units/): containers run as systemd services with --cgroup-manager=unit. The template built
# by meson is installed into the test host's /run/systemd/system with the berth under test in its Exec lines;
# each test points its instance at its own bundle with a drop-in (Environment=BERTH_BUNDLE=...).
#
# Layout checked: the unit's cgroup holds "supervisor" (berth run) and "container" (the container), no scope.

UNIT_SLICE_DIR=/sys/fs/cgroup/system.slice/system-berth.slice
UNIT_STATE_ROOT=/run/berth

# The configured template: the build's (next to the berth under test), else the source configured here.
_unit_template() {
        local built
        built=$(dirname "$RUNTIME")/../units/berth@.service
        if [ -f "$built" ]; then
                # the installed berth's path -> the berth under test
                sed -E "s#^(Exec[A-Za-z]*=[-@+!]*)[^ ]*/berth #\1$RUNTIME #" "$built"
        else
                sed -e "s#@BERTH@#$RUNTIME#g" -e "s#@BUNDLEDIR@#/var/lib/berth/bundles#g" \
                        "$REPO_DIR/units/berth@.service.in"
        fi
}

# unit_setup: skip where this cannot run, install the template (removed after the test)
unit_setup() {
        skip_unless_kind berth
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "/sys/fs/cgroup is not cgroup v2"
        _unit_template > /run/systemd/system/berth@.service
        grep -q "^ExecStart=$RUNTIME --cgroup-manager=unit run " /run/systemd/system/berth@.service ||
                fail "template without the berth under test: $(grep ^ExecStart= /run/systemd/system/berth@.service)"
        defer systemctl daemon-reload
        defer rm -f /run/systemd/system/berth@.service
        systemctl daemon-reload
}

# unit_instance ID BUNDLE [DROP-IN LINES...]: a drop-in for berth@ID pointing at BUNDLE, the unit stopped and
# forgotten after the test
unit_instance() {
        local id=$1 b=$2 d=/run/systemd/system/berth@$1.service.d
        shift 2
        mkdir -p "$d"
        {
                echo "[Service]"
                echo "Environment=BERTH_BUNDLE=$b"
                # fail fast instead of systemd's 90 s
                echo "TimeoutStartSec=20"
                printf '%s\n' "$@"
        } > "$d/test.conf"
        defer rm -rf "$d"
        defer systemctl reset-failed "berth@$id.service"
        defer systemctl stop "berth@$id.service"
        systemctl daemon-reload
}

# notify_helper: a static program that sends its argument to $NOTIFY_SOCKET (the rootfs has no sd_notify);
# prints the directory holding it, to bind-mount at /mnt
notify_helper() {
        local d=$TEST_TMP/helper
        mkdir -p "$d"
        cat > "$d/notify.c" << 'EOF'
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
int main(int argc, char **argv)
{
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (argc != 2 || !path || strlen(path) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "notify: no NOTIFY_SOCKET\n");
                return 2;
        }
        strcpy(sa.sun_path, path);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&sa,
                             offsetof(struct sockaddr_un, sun_path) + strlen(path)) < 0) {
                perror("notify");
                return 1;
        }
        return 0;
}
EOF
        cc -static -O2 -o "$d/notify" "$d/notify.c" || skip "cannot build a static program (cc -static)"
        rm "$d/notify.c"
        echo "$d"
}

# unit_bundle DIR SCRIPT [JQ-FILTER]: a bundle running sh -c SCRIPT, with the notify helper at /mnt/notify
unit_bundle() {
        local dir=$1 script=$2 f=${3:-.} h
        h=$(notify_helper)
        make_bundle "$dir" ".process.args = \$a | .mounts += [{destination: \"/mnt\", type: \"bind\", source: \$h,
                options: [\"bind\", \"ro\"]}] | $f" --argjson a "$(jargs sh -c "$script")" --arg h "$h"
}

# A container that says READY=1, logs, reports USR1 and HUP, and exits on TERM.
NOTIFY_SCRIPT='echo "hello from $(hostname)"; trap "echo got USR1" USR1; trap "echo got HUP" HUP
trap "echo got TERM; exit 0" TERM
/mnt/notify READY=1 || exit 1
while :; do sleep 600 & wait; done'

# berth's default root, where the unit's containers live
urt() {
        "$RUNTIME" "$@"
}

unit_active() { # ID
        systemctl show -P ActiveState "berth@$1.service"
}

unit_journal() { # ID
        journalctl --no-pager -o cat -u "berth@$1.service" 2> /dev/null || true
}

# wait_journal ID TEXT: the unit's journal shows TEXT within 5 s
wait_journal() {
        local i
        for i in $(seq 50); do
                [[ $(unit_journal "$1") == *"$2"* ]] && return 0
                sleep 0.1
        done
        fail "journal of berth@$1 has no \"$2\": $(unit_journal "$1" | tail -20)"
}

# unit_gone ID: the unit is inactive and nothing of the container is left (state, cgroups, processes)
unit_gone() {
        local id=$1 i
        for i in $(seq 50); do
                [ "$(unit_active "$id")" = inactive ] && break
                sleep 0.1
        done
        assert_eq "$(unit_active "$id")" inactive "state of berth@$id"
        [ ! -e "$UNIT_STATE_ROOT/$id" ] || fail "state directory $UNIT_STATE_ROOT/$id is left"
        [ ! -e "$UNIT_SLICE_DIR/berth@$id.service" ] || fail "cgroup $UNIT_SLICE_DIR/berth@$id.service is left"
        assert_no_residue "$id"
}

test_unit_notify_start_status_kill_stop() {
        unit_setup
        local id b cg pid bpid out
        id=$(new_id u)
        b=$TEST_TMP/b
        unit_bundle "$b" "$NOTIFY_SCRIPT"
        unit_instance "$id" "$b"
        # Type=notify: start returns once the container said READY=1
        systemctl start "berth@$id.service" || fail "start: $(unit_journal "$id" | tail -20)"
        assert_eq "$(unit_active "$id")" active "state of berth@$id"
        assert_eq "$(urt state "$id" | jq -r .status)" running "berth state"
        pid=$(urt state "$id" | jq -r .pid)
        # the container's init is the unit's main process (MAINPID from berth's notify proxy)
        assert_eq "$(systemctl show -P MainPID "berth@$id.service")" "$pid" "MainPID of berth@$id"

        # the layout: the container in <unit>/container, berth in <unit>/supervisor, no scope
        cg=$UNIT_SLICE_DIR/berth@$id.service
        grep -qx "$pid" "$cg/container/cgroup.procs" || fail "init $pid not in $cg/container: $(cat "$cg/container/cgroup.procs")"
        bpid=$(cat "$cg/supervisor/cgroup.procs")
        [ -n "$bpid" ] || fail "no process in $cg/supervisor"
        assert_eq "$(tr '\0' ' ' < "/proc/$bpid/cmdline")" "$RUNTIME --cgroup-manager=unit run --bundle $b $id " \
                "the process in supervisor"
        assert_eq "$(cat "$cg/cgroup.procs")" "" "processes in the unit's cgroup itself"
        # registered with machined, tied to the service (as systemd-nspawn@.service machines are)
        if systemctl is-enabled systemd-machined.service > /dev/null 2>&1 || [ -d /run/systemd/machines ]; then
                assert_eq "$(machinectl show "$id" -p Unit --value)" "berth@$id.service" "machinectl: the machine's unit"
                assert_eq "$(machinectl show "$id" -p Leader --value)" "$pid" "machinectl: the machine's leader"
        fi
        [ -z "$(find /sys/fs/cgroup -name "*$id*.scope")" ] || fail "a scope exists: $(find /sys/fs/cgroup -name "*$id*.scope")"
        assert_eq "$(urt exec "$id" cat /proc/self/cgroup | sed -n 's/^0:://p')" \
                "/system.slice/system-berth.slice/berth@$id.service/container" "cgroup of berth exec"
        out=$(systemctl status --no-pager -l "berth@$id.service" 2>&1 || true)
        assert_contains "$out" "Active: active (running)" "systemctl status"
        assert_contains "$out" "├─container" "systemctl status"
        assert_contains "$out" "$pid " "systemctl status"
        assert_contains "$out" "supervisor" "systemctl status"

        # the container's output is the unit's journal
        wait_journal "$id" "hello from berth-test"
        # systemctl kill reaches the container's processes
        systemctl kill -s USR1 --kill-whom=all "berth@$id.service"
        wait_journal "$id" "got USR1"
        assert_eq "$(urt state "$id" | jq -r .status)" running "berth state after SIGUSR1"
        # ExecReload= sends SIGHUP to the init
        systemctl reload "berth@$id.service"
        wait_journal "$id" "got HUP"

        systemctl stop "berth@$id.service"
        wait_journal "$id" "got TERM"
        unit_gone "$id"
        assert_eq "$(systemctl show -P Result "berth@$id.service")" success "Result of berth@$id"
        ! machinectl show "$id" > /dev/null 2>&1 || fail "machine $id left after the unit stopped"
}

# The container ends by itself after READY=1: the unit stops, nothing is left (berth deletes the container,
# or ExecStopPost= does when systemd stopped the unit first).
test_unit_container_exits() {
        unit_setup
        local id b i
        id=$(new_id u)
        b=$TEST_TMP/b
        unit_bundle "$b" '/mnt/notify READY=1; sleep 0.5; echo bye; exit 7'
        unit_instance "$id" "$b"
        systemctl start "berth@$id.service" || fail "start: $(unit_journal "$id" | tail -20)"
        for i in $(seq 50); do
                case $(unit_active "$id") in inactive | failed) break ;; esac
                sleep 0.1
        done
        wait_journal "$id" bye
        # inactive with systemd 252: the init was the main process (MAINPID), its exit status is not systemd's
        assert_match "$(unit_active "$id")" '^(inactive|failed)$' "state of berth@$id after the container exited"
        systemctl reset-failed "berth@$id.service" 2> /dev/null || true
        unit_gone "$id"
}

test_unit_restart() {
        unit_setup
        local id b pid1 pid2
        id=$(new_id u)
        b=$TEST_TMP/b
        unit_bundle "$b" "$NOTIFY_SCRIPT"
        unit_instance "$id" "$b"
        systemctl start "berth@$id.service" || fail "start: $(unit_journal "$id" | tail -20)"
        pid1=$(urt state "$id" | jq -r .pid)
        systemctl restart "berth@$id.service" || fail "restart: $(unit_journal "$id" | tail -20)"
        assert_eq "$(unit_active "$id")" active "state of berth@$id after restart"
        pid2=$(urt state "$id" | jq -r .pid)
        assert_ne "$pid2" "$pid1" "init pid after restart"
        [ ! -d "/proc/$pid1" ] || fail "the first container's init $pid1 is still alive"
        assert_eq "$(urt state "$id" | jq -r .status)" running "berth state after restart"
        grep -qx "$pid2" "$UNIT_SLICE_DIR/berth@$id.service/container/cgroup.procs" ||
                fail "init $pid2 not in the unit's container cgroup"
        systemctl stop "berth@$id.service"
        unit_gone "$id"
}

# A container that never notifies, with the documented drop-in: berth is the main process and forwards the
# stop signal.
test_unit_type_exec_dropin() {
        unit_setup
        local id b bpid
        id=$(new_id u)
        b=$TEST_TMP/b
        unit_bundle "$b" 'echo started; trap "echo got TERM; exit 0" TERM; while :; do sleep 600 & wait; done'
        unit_instance "$id" "$b" "Type=exec" "NotifyAccess=none"
        systemctl start "berth@$id.service"
        assert_eq "$(unit_active "$id")" active "state of berth@$id"
        wait_status_default "$id" running
        bpid=$(systemctl show -P MainPID "berth@$id.service")
        assert_eq "$(tr '\0' ' ' < "/proc/$bpid/cmdline" | cut -d' ' -f2-3)" "--cgroup-manager=unit run" "main process"
        wait_journal "$id" started
        # no NOTIFY_SOCKET reached the container
        assert_not_contains "$(urt exec "$id" env)" NOTIFY_SOCKET "the container's environment"
        systemctl stop "berth@$id.service"
        wait_journal "$id" "got TERM"
        unit_gone "$id"
}

# With berth as the main process (Type=exec), the container's exit status is the unit's: Restart=on-failure
# and ExecMainStatus= see it.
test_unit_exit_status() {
        unit_setup
        local id b i
        id=$(new_id u)
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["sh", "-c", "sleep 0.3; exit 3"]'
        unit_instance "$id" "$b" "Type=exec" "NotifyAccess=none"
        systemctl start "berth@$id.service"
        for i in $(seq 50); do
                [ "$(unit_active "$id")" = failed ] && break
                sleep 0.1
        done
        assert_eq "$(unit_active "$id")" failed "state of berth@$id after the container exited 3"
        assert_eq "$(systemctl show -P ExecMainStatus "berth@$id.service")" 3 "ExecMainStatus"
        systemctl reset-failed "berth@$id.service"
        unit_gone "$id"
}

wait_status_default() { # ID STATUS
        local s=
        for _ in $(seq 100); do
                s=$(urt state "$1" 2> /dev/null | jq -r .status 2> /dev/null || true)
                [ "$s" = "$2" ] && return 0
                sleep 0.05
        done
        fail "container $1: status \"$s\", expected \"$2\""
}

# The init ignores SIGTERM (pid 1 of its namespace, no handler): TimeoutStopSec= then SIGKILL for all, and
# ExecStopPost= (berth delete --force) removes what the killed berth left.
test_unit_stop_ignoring_sigterm() {
        unit_setup
        local id b
        id=$(new_id u)
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        unit_instance "$id" "$b" "Type=exec" "NotifyAccess=none" "TimeoutStopSec=2"
        systemctl start "berth@$id.service"
        wait_status_default "$id" running
        local t0=$SECONDS
        systemctl stop "berth@$id.service" || true
        [ $((SECONDS - t0)) -ge 1 ] || fail "stop returned before TimeoutStopSec"
        assert_contains "$(unit_journal "$id")" "State 'stop-sigterm' timed out" "journal"
        # the stop timed out: the unit failed (Result=timeout), and is reset
        assert_eq "$(unit_active "$id")" failed "state of berth@$id"
        assert_eq "$(systemctl show -P Result "berth@$id.service")" timeout "Result of berth@$id"
        systemctl reset-failed "berth@$id.service"
        unit_gone "$id"
}

# systemctl freeze/thaw of the unit is what berth state reports; berth pause freezes only the container
test_unit_freeze_reflected() {
        unit_setup
        local id b
        id=$(new_id u)
        b=$TEST_TMP/b
        unit_bundle "$b" "$NOTIFY_SCRIPT"
        unit_instance "$id" "$b"
        systemctl start "berth@$id.service" || fail "start: $(unit_journal "$id" | tail -20)"
        systemctl freeze "berth@$id.service"
        assert_eq "$(urt state "$id" | jq -r .status)" paused "berth state after systemctl freeze"
        systemctl thaw "berth@$id.service"
        assert_eq "$(urt state "$id" | jq -r .status)" running "berth state after systemctl thaw"
        urt pause "$id"
        assert_eq "$(urt state "$id" | jq -r .status)" paused "berth state after berth pause"
        assert_eq "$(cat "$UNIT_SLICE_DIR/berth@$id.service/supervisor/cgroup.freeze")" 0 "supervisor frozen"
        urt resume "$id"
        systemctl stop "berth@$id.service"
        unit_gone "$id"
}

# A bundle that cannot start: the unit fails with berth's message in its journal, and nothing is left.
test_unit_bad_bundle_fails_clean() {
        unit_setup
        local id
        id=$(new_id u)
        mkdir -p "$TEST_TMP/empty"
        unit_instance "$id" "$TEST_TMP/empty"
        assert_fail systemctl start "berth@$id.service"
        assert_eq "$(unit_active "$id")" failed "state of berth@$id"
        assert_contains "$(unit_journal "$id")" "berth: run $id: " "journal"
        assert_contains "$(unit_journal "$id")" "config.json" "journal"
        systemctl reset-failed "berth@$id.service"
        unit_gone "$id"
}

# Limits in unit mode go to <unit>/container; without the controller (nspawn host) a clear error and no
# residue. With the pids controller (tests/testhost/uml.sh) the limit is written.
test_unit_resources() {
        unit_setup
        local id b
        id=$(new_id u)
        b=$TEST_TMP/b
        unit_bundle "$b" "$NOTIFY_SCRIPT" '.linux.resources.pids = {limit: 42}'
        unit_instance "$id" "$b"
        if [[ " $(cgroup_controllers) " != *" pids "* ]]; then
                assert_fail systemctl start "berth@$id.service"
                assert_contains "$(unit_journal "$id")" "linux.resources.pids: the pids controller is not available" "journal"
                systemctl reset-failed "berth@$id.service"
                unit_gone "$id"
                return 0
        fi
        systemctl start "berth@$id.service" || fail "start: $(unit_journal "$id" | tail -20)"
        local cg=$UNIT_SLICE_DIR/berth@$id.service
        assert_eq "$(cat "$cg/container/pids.max")" 42 "pids.max of the container"
        assert_eq "$(cat "$cg/supervisor/pids.max")" max "pids.max of berth's own sub-cgroup"
        assert_contains " $(cat "$cg/cgroup.subtree_control") " " pids " "the unit's cgroup.subtree_control"
        systemctl stop "berth@$id.service"
        unit_gone "$id"
}

# --cgroup-manager=unit outside a delegated unit: a clear error, nothing created
test_unit_manager_needs_delegated_unit() {
        unit_setup
        local id b out
        id=$(new_id u)
        b=$TEST_TMP/b
        make_bundle "$b"
        # a service without Delegate=yes
        assert_fail systemd-run --quiet --wait --pipe --collect -p Delegate=no \
                "$RUNTIME" --root "$TEST_ROOT" --cgroup-manager=unit run --bundle "$b" "$id"
        assert_berth_msg "$OUT" run "$id" "is not delegated"
        assert_contains "$OUT" "Delegate=yes"
        assert_no_residue "$id"
        # a delegated unit, but berth is a control process there (ExecStartPost= runs in <unit>/.control)
        local u=$TEST_ID_PREFIX-post.service
        assert_fail systemd-run --quiet --wait --collect --unit "$u" -p Delegate=yes \
                -p "ExecStartPost=$RUNTIME --root $TEST_ROOT --cgroup-manager=unit run --bundle $b $id" sleep 5
        out=$(journalctl --no-pager -o cat -u "$u" 2> /dev/null | grep -F "run $id:" || true)
        assert_contains "$out" "berth runs as a control process" "journal of $u"
        assert_contains "$out" "ExecStart=" "journal of $u"
        assert_no_residue "$id"
        # a cgroup that is no unit's: a child cgroup of the root
        local cg=/sys/fs/cgroup/$TEST_ID_PREFIX-nounit
        mkdir -p "$cg"
        defer rmdir "$cg"
        assert_fail bash -c 'echo $$ > "$1/cgroup.procs" && exec "${@:2}"' _ "$cg" \
                "$RUNTIME" --root "$TEST_ROOT" --cgroup-manager=unit run --bundle "$b" "$id"
        assert_berth_msg "$OUT" run "$id" "is not the cgroup of a service or scope unit"
        assert_no_residue "$id"
}
