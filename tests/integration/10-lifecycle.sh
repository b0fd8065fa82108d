# SPDX-License-Identifier: LGPL-2.1-or-later
# Lifecycle: create, start, state, run, kill, delete, list, ps, --pid-file, --root.

test_create_start_state() {
        local id b st
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        st=$(rt state "$id")
        json_valid "$st"
        assert_eq "$(jq -r .id <<< "$st")" "$id" "state.id"
        assert_eq "$(jq -r .status <<< "$st")" created "state.status"
        assert_match "$(jq -r .ociVersion <<< "$st")" '^1\.' "state.ociVersion"
        assert_eq "$(jq -r .bundle <<< "$st")" "$(readlink -f "$b")" "state.bundle"
        local pid
        pid=$(jq -r .pid <<< "$st")
        assert_match "$pid" '^[1-9][0-9]*$' "state.pid"
        [ -d "/proc/$pid" ] || fail "state.pid $pid is not a process"
        rt start "$id"
        wait_status "$id" running
        assert_eq "$(state_of "$id" .pid)" "$pid" "pid after start"
        assert_eq "$(tr '\0' ' ' < "/proc/$pid/cmdline")" "sleep 600 " "the container's process"
        rt kill "$id" KILL
        wait_status "$id" stopped
        rt delete "$id"
        assert_fail rt state "$id"
        assert_no_residue "$id"
}

test_run_exit_code() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" ".process.args = $(jargs sh -c 'echo out; echo err >&2; exit 7')"
        assert_exit 7 rt run --bundle "$b" "$id"
        assert_contains "$OUT" out
        assert_contains "$OUT" err
        # run without -d deletes the container when it exits
        assert_fail rt state "$id"
        assert_no_residue "$id"
}

test_run_exit_code_zero_and_signal() {
        assert_exit 0 run_ctr '.process.args = ["true"]'
        # killed by a signal: the shell convention 128+N (without a PID namespace: its init ignores SIGKILL
        # sent from inside)
        assert_exit 137 run_ctr ".process.args = $(jargs sh -c 'kill -KILL $$') |
                .linux.namespaces |= map(select(.type != \"pid\"))"
}

test_run_bundle_relative_and_cwd_default() {
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/rel" ".process.args = $(jargs sh -c 'echo relative-ok')"
        # --bundle relative to the cwd, and no --bundle at all (the cwd is the bundle)
        (cd "$TEST_TMP" && rt run --bundle rel "$id" < /dev/null > "$TEST_TMP/o1" 2>&1)
        assert_contains "$(cat "$TEST_TMP/o1")" relative-ok
        id=$(new_id)
        (cd "$TEST_TMP/rel" && rt run "$id" < /dev/null > "$TEST_TMP/o2" 2>&1)
        assert_contains "$(cat "$TEST_TMP/o2")" relative-ok
        assert_no_residue "$id"
}

test_run_detach() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        rt run -d --bundle "$b" "$id" < /dev/null > "$id.out" 2>&1 || fail "run -d: $(cat "$id.out")"
        assert_eq "$(state_of "$id")" running "status after run -d"
        rt kill "$id" KILL
        wait_status "$id" stopped
        rt delete "$id"
        assert_no_residue "$id"
}

# `delete --force` from another command while `run` waits in the foreground: run ends with the container's
# status and leaves nothing, and a new container made under the same id meanwhile is not run's to delete.
# cgroupfs manager: to line the steps up, the test stops `run`, which then holds its killed init as a zombie;
# with the systemd manager the zombie would keep the old scope and machine until reaped.
test_run_deleted_by_another_command() {
        local id b rpid rc=0 pid2 cgfs=(--cgroup-manager=cgroupfs)
        [ "$RT_KIND" != runc ] || cgfs=() # (its default)
        id=$(new_id)
        b=$TEST_TMP/bundle
        # a poststart hook says when run has read the container's state back and is about to wait for it
        make_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks.poststart = [{path: "/bin/sh", args: ["sh", "-c", "touch \($f)"]}]' \
                --arg f "$TEST_TMP/poststart"
        # (not the rt function in the background: the test's error trap would go with it)
        "$RUNTIME" --root "$TEST_ROOT" "${cgfs[@]}" run --bundle "$b" "$id" < /dev/null \
                > "$TEST_TMP/run.out" 2>&1 &
        rpid=$!
        for _ in $(seq 300); do [ -e "$TEST_TMP/poststart" ] && break; sleep 0.02; done
        [ -e "$TEST_TMP/poststart" ] || fail "the poststart hook did not run: $(cat "$TEST_TMP/run.out")"
        kill -STOP "$rpid"
        rt delete --force "$id"
        make_bundle "$TEST_TMP/b2" '.process.args = ["sleep", "600"]'
        rt_cgfs run -d --bundle "$TEST_TMP/b2" "$id" < /dev/null > "$TEST_TMP/run2.out" 2>&1 ||
                fail "run -d: $(cat "$TEST_TMP/run2.out")"
        pid2=$(state_of "$id" .pid)
        kill -CONT "$rpid"
        wait "$rpid" || rc=$?
        assert_eq "$rc" 137 "exit status of the first run (its init was killed): $(cat "$TEST_TMP/run.out")"
        assert_eq "$(state_of "$id")" running "the second container"
        assert_eq "$(state_of "$id" .pid)" "$pid2" "the second container's init"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_kill_signal_forms() {
        local sig id
        for sig in TERM SIGTERM 15; do
                # PID 1 of a PID namespace only gets signals it handles: the trap makes TERM end it
                id=$(start_sleeper ".process.args = $(jargs sh -c 'trap "exit 3" TERM; while :; do sleep 0.05; done')")
                rt kill "$id" "$sig"
                wait_status "$id" stopped
                rt delete "$id"
                assert_no_residue "$id"
        done
}

test_kill_default_signal_is_term() {
        local id
        id=$(start_sleeper ".process.args = $(jargs sh -c 'trap "exit 3" TERM; while :; do sleep 0.05; done')")
        rt kill "$id"
        wait_status "$id" stopped
}

test_kill_stopped_container() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["true"]'
        create_ctr "$id" "$b"
        rt start "$id"
        wait_status "$id" stopped
        assert_fail rt kill "$id" TERM
        [[ $OUT == *"container not running"* || $OUT == *"no such process"* || $OUT == *"No such process"* ]] ||
                fail "kill of a stopped container: unexpected message: $OUT"
        assert_berth_msg "$OUT" kill "$id" ""
        rt delete "$id"
        assert_no_residue "$id"
}

test_stopped_on_its_own() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" ".process.args = $(jargs sh -c 'sleep 0.3; exit 4')"
        create_ctr "$id" "$b"
        rt start "$id"
        wait_status "$id" stopped
        # a stopped container has no pid any more (0 or absent)
        local pid
        pid=$(state_of "$id" '.pid // 0')
        [ "$pid" = 0 ] || [ ! -d "/proc/$pid" ] || [ "$(cat "/proc/$pid/stat" | awk '{print $3}')" = Z ] ||
                fail "stopped container still has a live pid $pid"
        rt delete "$id"
        assert_no_residue "$id"
}

test_delete_created() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        create_ctr "$id" "$b"
        local pid
        pid=$(state_of "$id" .pid)
        # delete of a created (never started) container kills its init
        rt delete --force "$id"
        assert_fail rt state "$id"
        for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        [ ! -d "/proc/$pid" ] || fail "init $pid of the deleted container still runs"
        assert_no_residue "$id"
}

test_delete_force_running() {
        local id pid
        id=$(start_sleeper)
        pid=$(state_of "$id" .pid)
        rt delete --force "$id"
        assert_fail rt state "$id"
        for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        [ ! -d "/proc/$pid" ] || fail "process $pid of the deleted container still runs"
        assert_no_residue "$id"
}

test_delete_force_kills_every_process() {
        local id pid
        # a container whose init forks a child that ignores TERM
        id=$(start_sleeper ".process.args = $(jargs sh -c 'trap "" TERM; sleep 600 & wait')")
        pid=$(state_of "$id" .pid)
        sleep 0.2
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_list() {
        local a b1 b st
        a=$(start_sleeper)
        b=$(new_id)
        b1=$TEST_TMP/b-list
        make_bundle "$b1" '.process.args = ["sleep", "600"]'
        create_ctr "$b" "$b1"
        # table: a header line, then one line per container with ID and STATUS
        local out
        out=$(rt list)
        assert_match "$(head -1 <<< "$out")" '^(ID|NAME) +PID +STATUS' "list header"
        assert_match "$(grep "^$a " <<< "$out")" "^$a +[0-9]+ +running" "list row of $a"
        assert_match "$(grep "^$b " <<< "$out")" "^$b +[0-9]+ +created" "list row of $b"
        # --format json: an array of objects with id, pid, status, bundle
        out=$(rt list --format json)
        json_valid "$out"
        assert_eq "$(jq -r --arg i "$a" '.[] | select(.id == $i) | .status' <<< "$out")" running "json status of $a"
        assert_eq "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .status' <<< "$out")" created "json status of $b"
        assert_eq "$(jq -r --arg i "$b" '.[] | select(.id == $i) | .bundle' <<< "$out")" "$b1" "json bundle of $b"
        # -q: the IDs only
        out=$(rt list -q | sort)
        assert_eq "$out" "$(printf '%s\n' "$a" "$b" | sort)" "list -q"
}

test_list_empty_root() {
        local out
        # an empty or not yet existing --root lists nothing
        out=$(rt list -q)
        assert_eq "$out" "" "list -q of an empty root"
        out=$(rt list --format json)
        [ -z "$out" ] || assert_eq "$(jq -r 'length' <<< "$out")" 0 "entries in list --format json of an empty root"
}

test_ps() {
        local id pid out
        id=$(start_sleeper ".process.args = $(jargs sh -c 'sleep 600 & wait')")
        pid=$(state_of "$id" .pid)
        for _ in $(seq 50); do [ -n "$(cat /proc/"$pid"/task/*/children 2>/dev/null)" ] && break; sleep 0.05; done
        out=$(rt ps --format json "$id")
        json_valid "$out"
        assert_eq "$(jq -r --argjson p "$pid" 'map(select(. == $p)) | length' <<< "$out")" 1 "init pid $pid in ps"
        assert_eq "$(jq -r 'length' <<< "$out")" 2 "number of processes in $out"
        # table form (runc runs ps(1)): mentions the init pid
        out=$(rt ps "$id")
        assert_contains "$out" "$pid"
}

test_pid_file() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        create_ctr "$id" "$b" --pid-file "$TEST_TMP/pidfile"
        # the file holds the pid (no newline required)
        assert_eq "$(cat "$TEST_TMP/pidfile")" "$(state_of "$id" .pid)" "pid file"
        # relative pid file paths are relative to the cwd
        local id2
        id2=$(new_id)
        make_bundle "$TEST_TMP/b2" '.process.args = ["sleep", "600"]'
        (cd "$TEST_TMP" && rt create --bundle b2 --pid-file rel.pid "$id2" < /dev/null > /dev/null 2>&1)
        assert_eq "$(cat "$TEST_TMP/rel.pid")" "$(state_of "$id2" .pid)" "relative pid file"
}

test_root_option_forms() {
        local id b r2
        id=$(new_id)
        b=$TEST_TMP/bundle
        r2=$TEST_TMP/root2
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        "$RUNTIME" --root="$r2" create --bundle "$b" "$id" < /dev/null > /dev/null 2>&1 || fail "create with --root=DIR"
        defer "$RUNTIME" --root "$r2" delete --force "$id"
        assert_eq "$("$RUNTIME" --root "$r2" state "$id" | jq -r .status)" created "state with --root DIR"
        # the per-test root does not know it
        assert_fail rt state "$id"
        "$RUNTIME" --root "$r2" delete --force "$id"
        assert_fail "$RUNTIME" --root="$r2" state "$id"
        assert_no_residue "$id"
}

test_state_unknown_id() {
        assert_fail rt state nosuch-container
        assert_contains "$OUT" "does not exist"
        assert_berth_msg "$OUT" state nosuch-container "does not exist"
}

test_delete_unknown_id() {
        assert_fail rt delete nosuch-container
        assert_contains "$OUT" "does not exist"
        # --force of an unknown container is not an error (engines clean up with it unconditionally)
        rt delete --force nosuch-container
}

test_version_and_help() {
        assert_ok "$RUNTIME" --version
        assert_match "$OUT" 'version'
        assert_ok "$RUNTIME" --help
        assert_contains "$OUT" create
}
