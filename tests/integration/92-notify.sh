# SPDX-License-Identifier: LGPL-2.1-or-later
# sd_notify: with NOTIFY_SOCKET set, the container gets /run/notify/notify.sock and berth forwards what it says
# to systemd. Checked against real Type=notify services (systemd-run) where PID 1 is systemd: the unit stays
# "activating" until the container says READY=1, MainPID becomes the container's init, STATUS= reaches
# StatusText, for `run` in the foreground, `run -d` and `create` + `start`. Without systemd: the socket and
# mount in the container, no proxy without NOTIFY_SOCKET, the error when the container exits before READY=1,
# and a read-only rootfs without /run.

# notify_helper: the static notify-send (tests/helpers/notify-send.c) in $TEST_TMP/opt, which the bundles from
# notify_bundle bind-mount at /opt (with the control directory /opt/ctl). Every test here checks berth's proxy
# (crun's and runc's differ: MAINPID, exit status, messages).
notify_helper() {
        skip_unless_kind berth
        local src=$TESTS_DIR/helpers/notify-send.c bin=$TESTS_DIR/.cache/bin/notify-send.static
        if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
                mkdir -p "$(dirname "$bin")"
                cc -static -O2 -o "$bin.$$" "$src" || skip "cannot build a static binary (cc -static: libc6-dev)"
                mv -f "$bin.$$" "$bin"
        fi
        mkdir -p "$TEST_TMP/opt/ctl"
        cp "$bin" "$TEST_TMP/opt/notify-send"
}

# notify_bundle DIR SCRIPT [JQ-FILTER [JQ-ARGS...]]: a bundle running sh -c SCRIPT with /opt (helper, ctl) and a tmpfs at /run
notify_bundle() {
        local dir=$1 script=$2
        make_bundle "$dir" ".process.args = $(jargs sh -c "$script") |
                .mounts += [{destination: \"/run\", type: \"tmpfs\", source: \"tmpfs\", options: [\"nosuid\", \"nodev\", \"mode=755\"]},
                            {destination: \"/opt\", type: \"bind\", source: \$opt, options: [\"rbind\", \"rw\"]}] | ${3:-.}" \
                --arg opt "$TEST_TMP/opt" "${@:4}"
}

# wait for /opt/ctl/NAME, then run the rest; SIGTERM ends the container with status 0
WAIT_FOR='w() { while [ ! -e /opt/ctl/$1 ]; do sleep 0.05; done; }; trap "exit 0" TERM;'

need_systemd() {
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        command -v systemd-run > /dev/null || skip "no systemd-run"
}

# new_unit: the transient service name of this test; stopped and reset after it
new_unit() {
        local u=berth-notify-test-$TEST_ID_PREFIX.service
        defer systemctl reset-failed "$u"
        defer systemctl stop "$u"
        echo "$u"
}

# unit_start UNIT NOTIFYACCESS SCRIPT-FILE: runs bash SCRIPT-FILE as a Type=notify service (not waiting for it)
unit_start() {
        systemd-run --no-block --quiet --unit="$1" -p Type=notify -p NotifyAccess="$2" -p TimeoutStartSec=60 \
                -p TimeoutStopSec=20 /bin/bash "$3"
}

prop() { # UNIT PROPERTY
        systemctl show -P "$2" "$1"
}

# wait_prop UNIT PROPERTY VALUE [SECONDS]
wait_prop() {
        local n=$((${4:-10} * 20)) v=
        while [ "$n" -gt 0 ]; do
                v=$(prop "$1" "$2")
                [ "$v" = "$3" ] && return 0
                sleep 0.05
                n=$((n - 1))
        done
        fail "$1: $2 is \"$v\", expected \"$3\" ($(systemctl status --no-pager "$1" 2>&1 | tail -5))"
}

# assert_unit_gone UNIT: stopped and garbage-collected
assert_unit_gone() {
        systemctl stop "$1" 2> /dev/null || true
        systemctl reset-failed "$1" 2> /dev/null || true
        wait_prop "$1" LoadState not-found
}

test_notify_run_foreground() {
        need_systemd
        notify_helper
        local id u pid
        id=$(new_id)
        u=$(new_unit)
        notify_bundle "$TEST_TMP/b" "$WAIT_FOR"' echo "$NOTIFY_SOCKET" > /opt/ctl/env; ls -l /run/notify/ > /opt/ctl/ls
                w go; /opt/notify-send "STATUS=up and running" READY=1 MAINPID=1 || exit 9
                w go2; /opt/notify-send "STATUS=second message" || exit 9
                sleep 600 & wait'
        printf 'exec %q --root %q run --bundle %q %q\n' "$RUNTIME" "$TEST_ROOT" "$TEST_TMP/b" "$id" > "$TEST_TMP/unit.sh"
        unit_start "$u" main "$TEST_TMP/unit.sh"
        wait_status "$id" running
        pid=$(state_of "$id" .pid)
        # the container is up, but has not said READY=1
        sleep 0.3
        assert_eq "$(prop "$u" ActiveState)" activating "ActiveState before READY=1"
        [ -S "$TEST_ROOT/$id/notify/notify.sock" ] || fail "no socket $TEST_ROOT/$id/notify/notify.sock"
        assert_eq "$(cat "$TEST_TMP/opt/ctl/env")" /run/notify/notify.sock "NOTIFY_SOCKET in the container"
        assert_match "$(cat "$TEST_TMP/opt/ctl/ls")" "srwxrwxrwx .* notify\.sock" "/run/notify in the container"
        touch "$TEST_TMP/opt/ctl/go"
        wait_prop "$u" ActiveState active
        # MAINPID=1 from the container is dropped: the main PID is the init as the host sees it
        assert_eq "$(prop "$u" MainPID)" "$pid" "MainPID"
        assert_eq "$(prop "$u" StatusText)" "up and running" "StatusText"
        # after READY=1 (berth is no longer the main PID): still accepted with NotifyAccess=main
        touch "$TEST_TMP/opt/ctl/go2"
        wait_prop "$u" StatusText "second message"
        systemctl stop "$u"
        assert_unit_gone "$u"
        assert_no_residue "$id"
}

test_notify_run_foreground_exit_status() {
        need_systemd
        notify_helper
        local id u pid
        id=$(new_id)
        u=$(new_unit)
        notify_bundle "$TEST_TMP/b" "$WAIT_FOR"' /opt/notify-send READY=1 || exit 9; w go; exit 3'
        printf 'exec %q --root %q run --bundle %q %q\n' "$RUNTIME" "$TEST_ROOT" "$TEST_TMP/b" "$id" > "$TEST_TMP/unit.sh"
        unit_start "$u" main "$TEST_TMP/unit.sh"
        wait_prop "$u" ActiveState active
        pid=$(state_of "$id" .pid)
        assert_eq "$(prop "$u" MainPID)" "$pid" "MainPID"
        # the container fails: berth, main PID again, exits with its status, and systemd sees that
        touch "$TEST_TMP/opt/ctl/go"
        wait_prop "$u" ActiveState failed
        assert_eq "$(prop "$u" Result)" exit-code "Result"
        assert_eq "$(prop "$u" ExecMainStatus)" 3 "ExecMainStatus"
        assert_ne "$(prop "$u" ExecMainPID)" "$pid" "ExecMainPID"
        assert_unit_gone "$u"
        assert_no_residue "$id"
}

test_notify_run_detached_exit_status() {
        need_systemd
        notify_helper
        local id u pid
        id=$(new_id)
        u=$(new_unit)
        notify_bundle "$TEST_TMP/b" "$WAIT_FOR"' w go; /opt/notify-send READY=1 || exit 9; w go2; exit 3'
        printf 'exec %q --root %q run -d --bundle %q %q\n' "$RUNTIME" "$TEST_ROOT" "$TEST_TMP/b" "$id" > "$TEST_TMP/unit.sh"
        unit_start "$u" main "$TEST_TMP/unit.sh"
        wait_status "$id" running
        sleep 0.3
        assert_eq "$(prop "$u" ActiveState)" activating "ActiveState before READY=1"
        touch "$TEST_TMP/opt/ctl/go"
        wait_prop "$u" ActiveState active
        pid=$(state_of "$id" .pid)
        assert_eq "$(prop "$u" MainPID)" "$pid" "MainPID"
        # `run -d` has exited: systemd adopted the init and sees its exit status
        touch "$TEST_TMP/opt/ctl/go2"
        wait_prop "$u" ActiveState failed
        assert_eq "$(prop "$u" ExecMainStatus)" 3 "ExecMainStatus"
        assert_eq "$(state_of "$id")" stopped "container status"
        rt delete "$id"
        assert_unit_gone "$u"
        assert_no_residue "$id"
}

test_notify_create_start_notifyaccess_all() {
        need_systemd
        notify_helper
        local id u pid
        id=$(new_id)
        u=$(new_unit)
        notify_bundle "$TEST_TMP/b" "$WAIT_FOR"' w go; /opt/notify-send "STATUS=created and started" READY=1 || exit 9
                sleep 600 & wait'
        # bash stays the unit's main process: berth start's messages need NotifyAccess=all
        printf '%q --root %q create --bundle %q %q && %q --root %q start %q\n' "$RUNTIME" "$TEST_ROOT" \
                "$TEST_TMP/b" "$id" "$RUNTIME" "$TEST_ROOT" "$id" > "$TEST_TMP/unit.sh"
        unit_start "$u" all "$TEST_TMP/unit.sh"
        wait_status "$id" running
        sleep 0.3
        # `start` waits for READY=1
        assert_eq "$(prop "$u" ActiveState)" activating "ActiveState before READY=1"
        pgrep -f -- "--root $TEST_ROOT start $id" > /dev/null || fail "berth start is not waiting for READY=1"
        touch "$TEST_TMP/opt/ctl/go"
        wait_prop "$u" ActiveState active
        pid=$(state_of "$id" .pid)
        assert_eq "$(prop "$u" MainPID)" "$pid" "MainPID"
        assert_eq "$(prop "$u" StatusText)" "created and started" "StatusText"
        ! pgrep -f -- "--root $TEST_ROOT start $id" > /dev/null || fail "berth start still runs after READY=1"
        # stopping the unit stops the container (SIGTERM to the main PID)
        systemctl stop "$u"
        wait_status "$id" stopped
        rt delete "$id"
        assert_unit_gone "$u"
        assert_no_residue "$id"
}

test_notify_create_exec_start_notifyaccess_main() {
        need_systemd
        notify_helper
        local id u
        id=$(new_id)
        u=$(new_unit)
        notify_bundle "$TEST_TMP/b" "$WAIT_FOR"' /opt/notify-send READY=1 || exit 9; sleep 600 & wait'
        # `exec berth start`: start is the main process, so NotifyAccess=main is enough
        printf '%q --root %q create --bundle %q %q && exec %q --root %q start %q\n' "$RUNTIME" "$TEST_ROOT" \
                "$TEST_TMP/b" "$id" "$RUNTIME" "$TEST_ROOT" "$id" > "$TEST_TMP/unit.sh"
        unit_start "$u" main "$TEST_TMP/unit.sh"
        wait_prop "$u" ActiveState active
        assert_eq "$(prop "$u" MainPID)" "$(state_of "$id" .pid)" "MainPID"
        systemctl stop "$u"
        wait_status "$id" stopped
        rt delete "$id"
        assert_unit_gone "$u"
        assert_no_residue "$id"
}

# Without systemd: NOTIFY_SOCKET names a socket nobody reads.

test_notify_socket_in_container_nonroot_user() {
        notify_helper
        local id out
        id=$(new_id)
        # process.env's NOTIFY_SOCKET is replaced; a non-root user may send
        notify_bundle "$TEST_TMP/b" 'echo "sock=$NOTIFY_SOCKET"; id -u; /opt/notify-send READY=1 && echo sent' \
                '.process.env += ["NOTIFY_SOCKET=/from/config"] | .process.user = {uid: 1000, gid: 1000}'
        out=$(NOTIFY_SOCKET=$TEST_TMP/nobody.sock rt run --bundle "$TEST_TMP/b" "$id" 2>&1 < /dev/null) ||
                fail "run: $out"
        assert_contains "$out" "sock=/run/notify/notify.sock"
        assert_contains "$out" $'\n1000\n'
        assert_contains "$out" $'\nsent'
        assert_not_contains "$out" "/from/config"
        # berth could not pass it on (nobody at NOTIFY_SOCKET): a warning, not a failure
        assert_contains "$out" "notify: send to NOTIFY_SOCKET=$TEST_TMP/nobody.sock"
        assert_no_residue "$id"
}

test_notify_no_notify_socket_no_proxy() {
        notify_helper
        local id out
        id=$(new_id)
        notify_bundle "$TEST_TMP/b" 'exec sleep 600' '.process.env += ["NOTIFY_SOCKET=/from/config"]'
        env -u NOTIFY_SOCKET "$RUNTIME" --root "$TEST_ROOT" create --bundle "$TEST_TMP/b" "$id" < /dev/null
        [ ! -e "$TEST_ROOT/$id/notify" ] || fail "$TEST_ROOT/$id/notify exists without NOTIFY_SOCKET"
        assert_not_contains "$(rt exec "$id" cat /proc/self/mountinfo)" " /run/notify " "mounts in the container"
        # start does not wait for anything
        timeout 10 env -u NOTIFY_SOCKET "$RUNTIME" --root "$TEST_ROOT" start "$id"
        assert_eq "$(state_of "$id")" running
        # the config's own NOTIFY_SOCKET is left alone
        assert_contains "$(tr '\0' '\n' < "/proc/$(state_of "$id" .pid)/environ")" "NOTIFY_SOCKET=/from/config"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_notify_exits_before_ready() {
        notify_helper
        local id
        id=$(new_id)
        notify_bundle "$TEST_TMP/b" 'exit 1'
        export NOTIFY_SOCKET=$TEST_TMP/nobody.sock
        rt create --bundle "$TEST_TMP/b" "$id" < /dev/null
        [ -d "$TEST_ROOT/$id/notify" ] || fail "no $TEST_ROOT/$id/notify"
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "container exited before it sent READY=1"
        assert_eq "$(state_of "$id")" stopped
        rt delete "$id"
        assert_no_residue "$id"
        # run -d the same
        id=$(new_id)
        assert_fail rt run -d --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" run "$id" "container exited before it sent READY=1"
        rt delete --force "$id" 2> /dev/null || true
        assert_no_residue "$id"
}

test_notify_rootfs_without_run() {
        notify_helper
        local id out r=$TEST_TMP/rootfs
        cp -a "$ROOTFS" "$r"
        rm -rf "$r/run"
        # a writable rootfs gets the mount point, like any other
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.root.path = $r | .process.args = ["sh", "-c", "echo sock=$NOTIFY_SOCKET; ls -l /run/notify"]' \
                --arg r "$r"
        out=$(NOTIFY_SOCKET=$TEST_TMP/nobody.sock rt run --bundle "$TEST_TMP/b" "$id" 2>&1 < /dev/null) ||
                fail "run: $out"
        assert_contains "$out" "sock=/run/notify/notify.sock"
        assert_match "$out" "srwxrwxrwx .* notify\.sock"
        [ -d "$r/run/notify" ] || fail "no mount point $r/run/notify"
        assert_no_residue "$id" "$r"
        # a read-only filesystem without /run: a warning, and the container runs without the proxy
        rm -rf "$r/run"
        mount --bind "$r" "$r"
        defer umount "$r"
        mount -o remount,bind,ro "$r"
        id=$(new_id)
        out=$(NOTIFY_SOCKET=$TEST_TMP/nobody.sock rt run --bundle "$TEST_TMP/b" "$id" 2>&1 < /dev/null) &&
                fail "ls /run/notify succeeded: $out"
        assert_contains "$out" "berth: warning: NOTIFY_SOCKET is set, but the read-only rootfs $r has no /run/notify"
        grep -qx "sock=" <<< "$out" || fail "NOTIFY_SOCKET set in the container: $out"
        umount "$r"
        assert_no_residue "$id" "$r"
}

test_notify_user_namespace() {
        notify_helper
        local id out userns='.linux.namespaces += [{type: "user"}] |
                .linux.uidMappings = [{containerID: 0, hostID: $h, size: 65536}] |
                .linux.gidMappings = [{containerID: 0, hostID: $h, size: 65536}]'
        export NOTIFY_SOCKET=$TEST_TMP/nobody.sock
        chmod 0755 "$TEST_TMP"
        # the container's root is host uid 100000: it may not search the state directories (0700)
        id=$(new_id)
        notify_bundle "$TEST_TMP/b" 'echo "sock=$NOTIFY_SOCKET"' "$userns" --argjson h 100000
        out=$(rt run --bundle "$TEST_TMP/b" "$id" 2>&1 < /dev/null) || fail "run: $out"
        assert_contains "$out" "berth: warning: NOTIFY_SOCKET is set, but the container's root (host uid 100000 in its user namespace) may not search $TEST_ROOT"
        grep -qx "sock=" <<< "$out" || fail "NOTIFY_SOCKET set in the container: $out"
        assert_no_residue "$id"
        # mapped to host root: the proxy works
        id=$(new_id)
        notify_bundle "$TEST_TMP/b" 'echo "sock=$NOTIFY_SOCKET"; /opt/notify-send READY=1 && echo sent' "$userns" --argjson h 0
        out=$(rt run --bundle "$TEST_TMP/b" "$id" 2>&1 < /dev/null) || fail "run: $out"
        assert_contains "$out" "sock=/run/notify/notify.sock"
        assert_contains "$out" $'\nsent'
        assert_no_residue "$id"
}
