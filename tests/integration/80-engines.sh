# SPDX-License-Identifier: LGPL-2.1-or-later
# The command lines containerd (runc shim v2) and podman (conmon) use, as recorded in shared/clients.md: exact
# flag orders, numeric signals, exec --process, --log with --log-format json.

# check_json_log FILE: every line of FILE is one JSON object with level, time and msg
check_json_log() {
        local f=$1 n=0 line
        [ -s "$f" ] || fail "log file $f is empty"
        while IFS= read -r line; do
                n=$((n + 1))
                printf '%s' "$line" | jq -e 'type == "object" and has("level") and has("time") and has("msg")' > /dev/null 2>&1 ||
                        fail "line $n of $f is not a {level,time,msg} JSON object: $line"
        done < "$f"
}

# the ps/kill/delete tail both engines share, on a running container
_containerd_sequence() { # ID BUNDLE ROOT [--systemd-cgroup]
        local id=$1 b=$2 root=$3 sd=${4:-} out
        local g=(--root "$root" --log "$b/log.json" --log-format json)
        [ -n "$sd" ] && g+=("$sd")
        "$RUNTIME" "${g[@]}" create --bundle "$b" --pid-file "$b/init.pid" "$id" < /dev/null > "$b/stdio" 2>&1 ||
                fail "create: $(cat "$b/stdio" "$b/log.json" 2>/dev/null)"
        "$RUNTIME" "${g[@]}" start "$id"
        assert_eq "$(cat "$b/init.pid")" "$("$RUNTIME" --root "$root" state "$id" | jq -r .pid)" "init.pid"
        # exec --process FILE --detach --pid-file F
        jq -n '{args: ["sleep", "600"], cwd: "/", env: ["PATH=/bin:/usr/bin"], user: {uid: 0, gid: 0}}' > "$b/process.json"
        "$RUNTIME" "${g[@]}" exec --process "$b/process.json" --detach --pid-file "$b/e1.pid" "$id" \
                < /dev/null > "$b/exec.out" 2>&1 || fail "exec: $(cat "$b/exec.out" "$b/log.json" 2>/dev/null)"
        local epid
        epid=$(cat "$b/e1.pid")
        [ -d "/proc/$epid" ] || fail "exec pid $epid is not running"
        assert_eq "$(readlink "/proc/$epid/ns/pid")" "$(readlink "/proc/$(cat "$b/init.pid")/ns/pid")" \
                "pid namespace of the exec process"
        out=$("$RUNTIME" "${g[@]}" ps --format json "$id")
        assert_eq "$(jq -r --argjson p "$epid" 'map(select(. == $p)) | length' <<< "$out")" 1 "exec pid in ps"
        "$RUNTIME" "${g[@]}" pause "$id"
        assert_eq "$("$RUNTIME" --root "$root" state "$id" | jq -r .status)" paused "status after pause"
        "$RUNTIME" "${g[@]}" resume "$id"
        "$RUNTIME" "${g[@]}" kill "$id" 15
        "$RUNTIME" "${g[@]}" kill "$id" 9
        for _ in $(seq 100); do
                [ "$("$RUNTIME" --root "$root" state "$id" | jq -r .status)" = stopped ] && break
                sleep 0.05
        done
        assert_eq "$("$RUNTIME" --root "$root" state "$id" | jq -r .status)" stopped "status after kill 9"
        # delete, then delete --force, both without --systemd-cgroup
        "$RUNTIME" --root "$root" --log "$b/log.json" --log-format json delete "$id"
        "$RUNTIME" --root "$root" --log "$b/log.json" --log-format json delete --force "$id" > /dev/null 2>&1 || true
        assert_fail "$RUNTIME" --root "$root" state "$id"
        [ ! -s "$b/log.json" ] || check_json_log "$b/log.json"
}

test_containerd_cgroupfs() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        _containerd_sequence "$id" "$b" "$TEST_TMP/containerd-root"
        assert_no_residue "$id"
}

test_containerd_systemd_cgroup() {
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p' --arg p "system.slice:berthtest:$id"
        _containerd_sequence "$id" "$b" "$TEST_TMP/containerd-root" --systemd-cgroup
        # delete without --systemd-cgroup still removed the scope: the runtime remembered its manager
        assert_no_residue "$id"
        [ "$(systemctl show -P ActiveState "berthtest-$id.scope")" != active ] || fail "scope still active"
}

test_containerd_delete_force_running_without_cgroup_flag() {
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        local id b root=$TEST_TMP/containerd-root
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p' --arg p "system.slice:berthtest:$id"
        "$RUNTIME" --root "$root" --log "$b/log.json" --log-format json --systemd-cgroup create --bundle "$b" \
                --pid-file "$b/init.pid" "$id" < /dev/null > "$b/stdio" 2>&1 || fail "create: $(cat "$b/stdio")"
        "$RUNTIME" --root "$root" --log "$b/log.json" --log-format json --systemd-cgroup start "$id"
        "$RUNTIME" --root "$root" --log "$b/log.json" --log-format json delete --force "$id"
        assert_no_residue "$id"
}

test_podman_sequence() {
        local id b u
        id=$(new_id)
        u=$TEST_TMP/userdata
        mkdir -p "$u"
        make_bundle "$u" '.process.args = ["sleep", "600"]'
        # conmon: no --root (the default root), --log-format=json in the = form, before --log
        "$RUNTIME" --log-format=json --log "$u/oci-log" create --bundle "$u" --pid-file "$u/pidfile" "$id" \
                < /dev/null > "$u/stdio" 2>&1 || fail "create: $(cat "$u/stdio" "$u/oci-log" 2>/dev/null)"
        defer "$RUNTIME" delete --force "$id"
        "$RUNTIME" start "$id"
        assert_eq "$("$RUNTIME" state "$id" | jq -r .status)" running "status"
        assert_eq "$(cat "$u/pidfile")" "$("$RUNTIME" state "$id" | jq -r .pid)" "pidfile"
        jq -n '{args: ["sleep", "600"], cwd: "/", env: ["PATH=/bin"], user: {uid: 0, gid: 0}, terminal: false}' > "$u/exec-process-1"
        "$RUNTIME" --log-format=json --log "$u/oci-log" exec --pid-file "$u/exec_pid" --process "$u/exec-process-1" \
                --detach "$id" < /dev/null > "$u/exec.out" 2>&1 || fail "exec: $(cat "$u/exec.out" "$u/oci-log" 2>/dev/null)"
        [ -d "/proc/$(cat "$u/exec_pid")" ] || fail "the exec process is not running"
        "$RUNTIME" pause "$id"
        "$RUNTIME" resume "$id"
        "$RUNTIME" kill "$id" 15
        "$RUNTIME" kill "$id" 9
        "$RUNTIME" delete --force "$id"
        assert_fail "$RUNTIME" state "$id"
        assert_no_residue "$id"
}

test_failing_command_writes_json_log() {
        local id log
        id=$(new_id)
        log=$TEST_TMP/log.json
        assert_fail "$RUNTIME" --root "$TEST_ROOT" --log "$log" --log-format json create --bundle "$TEST_TMP/nonexistent" \
                --pid-file "$TEST_TMP/p" "$id"
        check_json_log "$log"
        jq -e 'select(.level == "error")' "$log" > /dev/null || fail "no error-level line in $(cat "$log")"
        assert_no_residue "$id"
        # the = form, and a second failure appends
        assert_fail "$RUNTIME" --log-format=json --log "$log" --root "$TEST_ROOT" state "nosuch-$TEST_ID_PREFIX"
        check_json_log "$log"
        [ "$(jq -s 'length' "$log")" -ge 2 ] || fail "the log was not appended to: $(cat "$log")"
        if [ "$RT_KIND" = berth ]; then
                jq -e --arg i "nosuch-$TEST_ID_PREFIX" 'select(.level == "error") | .msg | contains($i)' "$log" > /dev/null ||
                        fail "no error naming the container in $(cat "$log")"
        fi
}

test_text_log_file() {
        local log=$TEST_TMP/log.txt
        assert_fail "$RUNTIME" --root "$TEST_ROOT" --log "$log" state "nosuch-$TEST_ID_PREFIX"
        [ -s "$log" ] || [ -n "$OUT" ] || fail "the error went nowhere"
}

test_debug_accepted() {
        assert_ok "$RUNTIME" --root "$TEST_ROOT" --debug list
}

test_log_level_accepted() {
        skip_unless_kind berth
        assert_ok "$RUNTIME" --root "$TEST_ROOT" --log-level debug list -q
        assert_ok "$RUNTIME" --root "$TEST_ROOT" --log-level=warn list -q
}

test_exec_foreground_exit_code() {
        local id
        id=$(start_sleeper)
        assert_exit 5 rt exec "$id" sh -c 'exit 5'
        assert_ok rt exec --env FOO=bar --cwd /etc "$id" sh -c 'echo "$FOO $(pwd)"'
        assert_eq "$OUT" "bar /etc" "exec with --env and --cwd"
        assert_ok rt exec --user 65534:65534 "$id" id -u
        assert_eq "$OUT" 65534 "exec --user"
}

test_exec_in_stopped_container_fails() {
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b"
        create_ctr "$id" "$TEST_TMP/b"
        rt start "$id"
        wait_status "$id" stopped
        assert_fail rt exec "$id" true
        assert_berth_msg "$OUT" exec "$id" "not running"
}

test_rootless_flag_accepted() {
        skip_unless_kind berth runc
        assert_ok "$RUNTIME" --root "$TEST_ROOT" --rootless false list -q
}

test_features() {
        skip_unless_kind berth runc
        local out
        out=$("$RUNTIME" features)
        json_valid "$out"
        assert_match "$(jq -r .ociVersionMin <<< "$out")" '^1\.' "ociVersionMin"
        assert_match "$(jq -r .ociVersionMax <<< "$out")" '^1\.' "ociVersionMax"
        local ns
        for ns in cgroup ipc mount network pid user uts; do
                jq -e --arg n "$ns" '.linux.namespaces | index($n)' <<< "$out" > /dev/null || fail "namespace $ns not in features"
        done
        jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' <<< "$out" > /dev/null || fail "CAP_SYS_ADMIN not in features"
        jq -e '.hooks | index("prestart")' <<< "$out" > /dev/null || fail "hooks not in features"
        jq -e '.mountOptions | index("rro")' <<< "$out" > /dev/null || fail "rro not in mountOptions"
        if [ "$RT_KIND" = berth ]; then
                assert_eq "$(jq -r .ociVersionMax <<< "$out")" 1.3.0 "ociVersionMax of berth"
                jq -e '.linux.namespaces | index("time")' <<< "$out" > /dev/null || fail "time namespace not in features"
                jq -e '.linux.cgroup.systemd == true and .linux.cgroup.v2 == true' <<< "$out" > /dev/null ||
                        fail "cgroup features: $(jq -c .linux.cgroup <<< "$out")"
        fi
}

test_spec_generates_valid_bundle() {
        skip_unless_kind berth runc crun
        local b=$TEST_TMP/specb
        mkdir -p "$b"
        (cd "$b" && "$RUNTIME" spec) || fail "spec failed"
        json_valid "$(cat "$b/config.json")"
        assert_eq "$(jq -r .root.path "$b/config.json")" rootfs "root.path of the default spec"
        # it runs, given a rootfs
        cp -a "$ROOTFS" "$b/rootfs"
        bundle_set "$b" '.process.args = ["echo", "spec-ok"] | .process.terminal = false'
        [ "$RT_KIND" != crun ] || bundle_set "$b" '.linux.resources.devices = [{allow: true, access: "rwm"}]'
        assert_ok rt run --bundle "$b" "$(new_id)"
        assert_eq "$OUT" spec-ok
}
