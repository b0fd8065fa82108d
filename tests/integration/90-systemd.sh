# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd cgroup manager's extras in a host where PID 1 is systemd (tests/testhost/nspawn.sh): machined
# registration, `update` through unit properties, `events`. Scopes, freeze and state reconciliation are in
# 91-systemd-scope.sh; limits that need enforcing controllers are in 67-controllers-update.sh (UML host).

need_systemd() {
        skip_unless_kind berth
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
}

need_machined() {
        need_systemd
        command -v machinectl > /dev/null || skip "no machinectl (package systemd-container)"
        systemctl cat systemd-machined.service > /dev/null 2>&1 || skip "systemd-machined is not installed"
}

# sd_sleeper [JQ-FILTER [JQ-ARGS...]]: a started `sleep 600` container in its own scope (systemd manager, the
# default cgroupsPath: berth-ID.scope in machine.slice); prints its ID
sd_sleeper() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/b-$id
        make_bundle "$b" ".process.args = [\"sleep\", \"600\"] | ${1:-.}" "${@:2}"
        rt --systemd-cgroup create --bundle "$b" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1 ||
                fail "create: $(cat "$TEST_TMP/$id.out")"
        rt start "$id"
        echo "$id"
}

machine_registered() { # ID
        machinectl show "$1" > /dev/null 2>&1
}

# ------------------------------------------------------------------------------------------------ machined --

test_machined_registers_container() {
        need_machined
        local id pid
        id=$(sd_sleeper)
        pid=$(state_of "$id" .pid)
        machine_registered "$id" || fail "machinectl show $id: not registered"
        assert_contains "$(machinectl list --no-legend)" "$id" "machinectl list"
        assert_eq "$(machinectl show "$id" -p Leader --value)" "$pid" "machine Leader (the container init)"
        assert_eq "$(machinectl show "$id" -p Class --value)" container "machine Class"
        assert_eq "$(machinectl show "$id" -p Service --value)" berth "machine Service"
        assert_eq "$(machinectl show "$id" -p RootDirectory --value)" "$ROOTFS" "machine RootDirectory"
        assert_eq "$(machinectl show "$id" -p Unit --value)" "berth-$id.scope" "machine Unit"
        assert_ok machinectl status "$id" --no-pager
        assert_contains "$OUT" "Leader: $pid"
        assert_contains "$OUT" "Service: berth; class container"
        rt delete --force "$id"
        ! machine_registered "$id" || fail "machine $id still registered after delete"
        assert_no_residue "$id"
}

test_machined_unregister_keeps_processes() {
        # UnregisterMachine, not TerminateMachine: until delete kills it, the container lives on
        need_machined
        local id
        id=$(sd_sleeper)
        machine_registered "$id" || fail "not registered"
        rt kill "$id" KILL
        wait_status "$id" stopped
        rt delete "$id"
        ! machine_registered "$id" || fail "machine $id still registered after delete"
        assert_no_residue "$id"
}

test_machined_create_failure_unregisters() {
        # a failure after the registration (here: the pid file cannot be written) takes the machine back
        need_machined
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        assert_fail rt --debug --systemd-cgroup create --bundle "$TEST_TMP/b" --pid-file "$TEST_TMP/no/such/dir/pid" "$id"
        assert_contains "$OUT" "machined: registered $id"
        assert_berth_msg "$OUT" create "$id" "$TEST_TMP/no/such/dir"
        ! machine_registered "$id" || fail "machine $id still registered after the failed create"
        assert_no_residue "$id"
}

test_machined_annotation_off() {
        need_machined
        local id
        id=$(sd_sleeper '.annotations["io.github.berth.machined"] = "false"')
        assert_eq "$(state_of "$id")" running "status"
        ! machine_registered "$id" || fail "registered despite io.github.berth.machined=false"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_machined_annotation_invalid() {
        need_machined
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .annotations["io.github.berth.machined"] = "maybe"'
        assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" 'annotations.io.github.berth.machined: "maybe" must be "true" or "false"'
        assert_no_residue "$id"
        # the same with the cgroupfs manager, which never registers
        assert_fail rt_cgfs create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" 'annotations.io.github.berth.machined: "maybe"'
        assert_no_residue "$id"
}

test_machined_not_with_cgroupfs() {
        need_machined
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        rt_cgfs create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "$(cat "$TEST_TMP/out")"
        rt start "$id"
        ! machine_registered "$id" || fail "a cgroupfs container was registered with machined"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_machined_invalid_name_skipped() {
        # "_" is valid in a container ID, not in a machine name (a hostname): skipped, with a debug message
        need_machined
        local id
        id=$(new_id u_)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        rt --debug --systemd-cgroup create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 ||
                fail "$(cat "$TEST_TMP/out")"
        assert_contains "$(cat "$TEST_TMP/out")" "is not a valid machine name"
        assert_eq "$(state_of "$id")" created "status"
        ! machinectl list --no-legend | grep -qF -- "$id" || fail "$id listed by machinectl"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_machined_no_system_bus() {
        # no bus daemon: no machined either, so the container is simply not registered
        need_machined
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus rt --debug --systemd-cgroup create --bundle "$TEST_TMP/b" \
                "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "$(cat "$TEST_TMP/out")"
        assert_contains "$(cat "$TEST_TMP/out")" "machined: register: no system bus"
        ! machine_registered "$id" || fail "registered without a system bus"
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/bus rt delete --force "$id"
        assert_no_residue "$id"
}

test_machined_masked() {
        # a host where machined cannot be activated (masked): skipped, debug log
        need_machined
        local id
        id=$(new_id)
        defer systemctl unmask --runtime systemd-machined.service
        systemctl mask --runtime systemd-machined.service > /dev/null 2>&1
        systemctl stop systemd-machined.service
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        rt --debug --systemd-cgroup create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 ||
                fail "$(cat "$TEST_TMP/out")"
        assert_contains "$(cat "$TEST_TMP/out")" "machined: org.freedesktop.systemd1.UnitMasked"
        rt start "$id"
        assert_eq "$(state_of "$id")" running "status"
        rt delete --force "$id"
        assert_no_residue "$id"
        systemctl unmask --runtime systemd-machined.service > /dev/null 2>&1
        ! machine_registered "$id" || fail "registered while machined was masked"
}

test_machined_name_taken_fails_cleanly() {
        # another machine already has the name: create fails, names machined's error, leaves nothing, and does
        # not unregister the other machine (it is not ours)
        need_machined
        local id other unit
        id=$(new_id)
        unit=othermachine-$$-$RANDOM.scope
        systemd-run --quiet --scope --unit="$unit" sleep 600 < /dev/null > /dev/null 2>&1 &
        other=$!
        defer systemctl stop "$unit"
        defer kill "$other"
        for _ in $(seq 50); do
                [ "$(systemctl show -P ActiveState "$unit")" = active ] && break
                sleep 0.1
        done
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                RegisterMachine sayssus "$id" 0 berth-test container "$other" / > /dev/null
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "register machine $id with systemd-machined: org.freedesktop.machine1.MachineExists"
        assert_contains "$OUT" "io.github.berth.machined=false"
        assert_eq "$(machinectl show "$id" -p Service --value)" berth-test "the other machine, after the failure"
        [ "$(systemctl show -P ActiveState "berth-$id.scope")" != active ] || fail "berth-$id.scope left active"
        assert_no_residue "$id"

        # run takes machined's answer once the process runs: the same error, the container stopped and gone
        make_bundle "$TEST_TMP/r" '.process.args = ["sleep", "600"]'
        assert_fail rt --systemd-cgroup run --bundle "$TEST_TMP/r" "$id"
        assert_berth_msg "$OUT" run "$id" "register machine $id with systemd-machined: org.freedesktop.machine1.MachineExists"
        assert_eq "$(machinectl show "$id" -p Service --value)" berth-test "the other machine, after run failed"
        [ "$(systemctl show -P ActiveState "berth-$id.scope")" != active ] || fail "berth-$id.scope left active"
        assert_no_residue "$id"
}

# ------------------------------------------------------------------------------------------------- update --

test_update_unit_properties() {
        need_systemd
        local id
        id=$(sd_sleeper '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}')
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" 67108864 "MemoryMax before"
        rt update --memory 100m --pids-limit 50 --cpu-quota 50000 --cpu-period 100000 "$id"
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" 104857600 "MemoryMax"
        assert_eq "$(systemctl show -P TasksMax "berth-$id.scope")" 50 "TasksMax"
        assert_eq "$(systemctl show -P CPUQuotaPerSecUSec "berth-$id.scope")" 500ms "CPUQuotaPerSecUSec"
        # what the update did not name stays
        rt update --pids-limit 60 "$id"
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" 104857600 "MemoryMax after a pids update"
        assert_eq "$(systemctl show -P TasksMax "berth-$id.scope")" 60 "TasksMax"
        # the properties are the unit's own (a drop-in), so they survive a daemon-reload
        systemctl daemon-reload
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" 104857600 "MemoryMax after daemon-reload"
        assert_eq "$(systemctl show -P TasksMax "berth-$id.scope")" 60 "TasksMax after daemon-reload"
        assert_eq "$(state_of "$id")" running "status after the updates"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_update_resources_file_and_stdin() {
        need_systemd
        local id
        id=$(sd_sleeper)
        echo '{"memory": {"limit": 209715200}, "cpu": {"shares": 2048}, "pids": {"limit": 30}}' > "$TEST_TMP/r.json"
        rt update --resources "$TEST_TMP/r.json" "$id"
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" 209715200 "MemoryMax from --resources FILE"
        assert_eq "$(systemctl show -P TasksMax "berth-$id.scope")" 30 "TasksMax from --resources FILE"
        assert_ne "$(systemctl show -P CPUWeight "berth-$id.scope")" "[not set]" "CPUWeight from cpu.shares"
        # stdin; an option overrides the same member; -1 and 0 lift limits
        echo '{"memory": {"limit": 1048576}, "pids": {"limit": 0}}' | rt update -r - --memory -1 "$id"
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" infinity "MemoryMax after --memory -1"
        assert_eq "$(systemctl show -P TasksMax "berth-$id.scope")" infinity "TasksMax after pids.limit 0"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_update_errors() {
        need_systemd
        local id
        id=$(sd_sleeper '.linux.resources = {memory: {limit: 67108864}}')
        echo '{"memory": {"limit": "lots"}}' > "$TEST_TMP/bad.json"
        assert_exit 1 rt update --resources "$TEST_TMP/bad.json" "$id"
        assert_berth_msg "$OUT" update "$id" "--resources $TEST_TMP/bad.json: memory.limit"
        echo '{"memory": ' > "$TEST_TMP/broken.json"
        assert_exit 1 rt update -r "$TEST_TMP/broken.json" "$id"
        assert_berth_msg "$OUT" update "$id" "invalid JSON"
        assert_exit 1 rt update -r "$TEST_TMP/missing.json" "$id"
        assert_berth_msg "$OUT" update "$id" "--resources $TEST_TMP/missing.json: No such file or directory"
        assert_exit 1 rt update --memory lots "$id"
        assert_berth_msg "$OUT" update "$id" '--memory: "lots" is not a size'
        assert_exit 1 rt update "$id"
        assert_berth_msg "$OUT" update "$id" "nothing to update"
        assert_exit 2 rt update --memory 1g
        assert_exit 2 rt update --bogus 1 "$id"
        # none of these changed anything
        assert_eq "$(systemctl show -P MemoryMax "berth-$id.scope")" 67108864 "MemoryMax after failed updates"
        assert_exit 1 rt update --memory 1g "$(new_id nonexistent)"
        assert_contains "$OUT" "berth: update"
        rt kill "$id" KILL
        wait_status "$id" stopped
        assert_exit 1 rt update --memory 1g "$id"
        assert_berth_msg "$OUT" update "$id" "container is stopped"
        rt delete "$id"
        assert_no_residue "$id"
}

test_update_cgroupfs_without_controllers() {
        need_systemd
        [[ " $(cgroup_controllers) " != *" memory "* ]] || skip "this host has the memory controller (see 67-controllers-update.sh)"
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        rt_cgfs create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "$(cat "$TEST_TMP/out")"
        assert_exit 1 rt update --memory 10m "$id"
        assert_berth_msg "$OUT" update "$id" "memory controller is not available"
        assert_eq "$(state_of "$id")" created "status after the failed update"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_update_cgroup_manager_disabled() {
        skip_unless_kind berth
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        rt --cgroup-manager=disabled create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 ||
                fail "$(cat "$TEST_TMP/out")"
        assert_exit 1 rt update --pids-limit 10 "$id"
        assert_berth_msg "$OUT" update "$id" "the container has no cgroup"
        assert_exit 1 rt events --stats "$id"
        assert_berth_msg "$OUT" events "$id" "the container has no cgroup"
        rt delete --force "$id"
        assert_no_residue "$id"
}

# ------------------------------------------------------------------------------------------------- events --

test_events_stats() {
        need_systemd
        local id out
        id=$(sd_sleeper)
        out=$(rt events --stats "$id")
        assert_eq "$(printf '%s\n' "$out" | wc -l)" 1 "lines of events --stats"
        json_valid "$out"
        assert_eq "$(jq -r .type <<< "$out")" stats "type"
        assert_eq "$(jq -r .id <<< "$out")" "$id" "id"
        [ "$(jq -r .data.pids.current <<< "$out")" -ge 1 ] || fail "pids.current: $out"
        jq -e '.data.cpu.usage.total | type == "number"' <<< "$out" > /dev/null || fail "cpu.usage.total: $out"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_events_stats_counts_exec() {
        need_systemd
        local id out
        id=$(sd_sleeper)
        rt exec --detach "$id" sleep 600
        out=$(rt events --stats "$id")
        [ "$(jq -r .data.pids.current <<< "$out")" -ge 2 ] || fail "pids.current with an exec'd process: $out"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_events_stream_until_stopped() {
        need_systemd
        local id evpid rc=0 n
        id=$(sd_sleeper)
        rt events --interval 200ms "$id" > "$TEST_TMP/ev" 2>&1 &
        evpid=$!
        for _ in $(seq 50); do
                [ "$(wc -l < "$TEST_TMP/ev")" -ge 3 ] && break
                sleep 0.1
        done
        n=$(wc -l < "$TEST_TMP/ev")
        [ "$n" -ge 3 ] || fail "$n events after 5 s at a 200ms interval: $(cat "$TEST_TMP/ev")"
        # the state directory is not held locked meanwhile
        assert_eq "$(state_of "$id")" running "status while events runs"
        rt kill "$id" KILL
        wait "$evpid" || rc=$?
        assert_eq "$rc" 0 "events exit status once the container stopped"
        jq -se 'all(.[]; .type == "stats" and .id == $id)' --arg id "$id" "$TEST_TMP/ev" > /dev/null ||
                fail "not all stats events of $id: $(cat "$TEST_TMP/ev")"
        rt delete "$id"
        assert_no_residue "$id"
}

test_events_errors() {
        skip_unless_kind berth
        local id
        assert_exit 2 rt events --interval 0s x
        assert_contains "$OUT" '--interval: "0s" is not a positive duration'
        assert_exit 2 rt events --interval 5 --stats
        assert_exit 1 rt events --stats "$(new_id nonexistent)"
        assert_contains "$OUT" "berth: events"
        id=$(start_sleeper)
        rt kill "$id" KILL
        wait_status "$id" stopped
        assert_exit 1 rt events --stats "$id"
        assert_berth_msg "$OUT" events "$id" "container is stopped"
        assert_exit 1 rt events "$id"
        assert_berth_msg "$OUT" events "$id" "container is stopped"
        rt delete "$id"
        assert_no_residue "$id"
}
