# SPDX-License-Identifier: LGPL-2.1-or-later
# `update` and `events` where cgroup v2 controllers enforce limits: the UML test host (tests/testhost/uml.sh),
# or a systemd machine that has the controllers. Run like 65-controllers.sh (run.sh skips *controllers* files
# by default):
#   tests/testhost/enter.sh uml bash tests/integration/run.sh tests/integration/67-controllers-update.sh

CG_PARENT=berth-test # limited_sleeper's parent cgroup (tests/lib.sh)

need_systemd() {
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
}

# the directory that carries the limits: the systemd scope, else the init's cgroup
limits_dir() { # ID MANAGER
        if [ "$2" = systemd ]; then
                echo "/sys/fs/cgroup/system.slice/berthtest-$1.scope"
        else
                cgroup_dir_of "$(state_of "$1" .pid)"
        fi
}

_update_live() { # MANAGER
        local mgr=$1 id d
        id=$(limited_sleeper "$mgr" '{"memory": {"limit": 67108864}, "pids": {"limit": 32}, "cpu": {"quota": 20000, "period": 100000}}')
        d=$(limits_dir "$id" "$mgr")
        assert_eq "$(cat "$d/memory.max")" 67108864 "memory.max before"
        rt update --memory 32m --pids-limit 16 --cpu-quota 50000 "$id"
        assert_eq "$(cat "$d/memory.max")" 33554432 "memory.max after update"
        assert_eq "$(cat "$d/pids.max")" 16 "pids.max after update"
        assert_eq "$(cat "$d/cpu.max")" "50000 100000" "cpu.max after update (period kept)"
        echo '{"memory": {"limit": -1}, "pids": {"limit": 0}}' | rt update --resources - "$id"
        assert_eq "$(cat "$d/memory.max")" max "memory.max after limit -1"
        assert_eq "$(cat "$d/pids.max")" max "pids.max after limit 0"
        if [ "$mgr" = systemd ]; then
                assert_eq "$(systemctl show -P MemoryMax "berthtest-$id.scope")" infinity "MemoryMax"
                assert_eq "$(systemctl show -P TasksMax "berthtest-$id.scope")" infinity "TasksMax"
                assert_eq "$(systemctl show -P CPUQuotaPerSecUSec "berthtest-$id.scope")" 500ms "CPUQuotaPerSecUSec"
                # unit properties and files stay in step across a daemon-reload
                rt update --memory 48m "$id"
                systemctl daemon-reload
                assert_eq "$(cat "$d/memory.max")" 50331648 "memory.max after daemon-reload"
        fi
        assert_eq "$(state_of "$id")" running "status after the updates"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_update_live_cgroupfs() {
        need_controller memory pids cpu
        _update_live cgroupfs
}

test_update_live_systemd() {
        need_controller memory pids cpu
        need_systemd
        _update_live systemd
}

test_update_swap_keeps_memory_limit() {
        # memory+swap alone: the memory limit comes from memory.max, as it is now
        need_controller memory
        local id d
        id=$(limited_sleeper cgroupfs '{"memory": {"limit": 33554432}}')
        d=$(limits_dir "$id" cgroupfs)
        [ -e "$d/memory.swap.max" ] || skip "no swap accounting (memory.swap.max)"
        rt update --memory-swap 64m "$id"
        assert_eq "$(cat "$d/memory.max")" 33554432 "memory.max"
        assert_eq "$(cat "$d/memory.swap.max")" 33554432 "memory.swap.max (swap - limit)"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_update_pids_enforced() {
        need_controller pids
        local id out
        id=$(limited_sleeper cgroupfs '{"pids": {"limit": 64}}')
        rt update --pids-limit 3 "$id"
        out=$(rt exec "$id" sh -c 'for i in 1 2 3 4 5 6; do sleep 5 & done 2>&1; echo started' 2>&1) || true
        assert_contains "$out" "fork" "forks beyond the updated pids.max"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_events_stats_limits() {
        need_controller memory pids cpu
        local id out
        id=$(limited_sleeper cgroupfs '{"memory": {"limit": 67108864}, "pids": {"limit": 32}, "cpu": {"quota": 20000, "period": 100000}}')
        out=$(rt events --stats "$id")
        json_valid "$out"
        assert_eq "$(jq -r .data.memory.usage.limit <<< "$out")" 67108864 "memory.usage.limit"
        [ "$(jq -r .data.memory.usage.usage <<< "$out")" -gt 0 ] || fail "memory.usage.usage: $out"
        assert_eq "$(jq -r .data.pids.limit <<< "$out")" 32 "pids.limit"
        assert_eq "$(jq -r .data.pids.current <<< "$out")" 1 "pids.current"
        jq -e '.data.cpu.throttling.periods | type == "number"' <<< "$out" > /dev/null || fail "cpu.throttling: $out"
        jq -e '.data.memory.raw.anon | type == "number"' <<< "$out" > /dev/null || fail "memory.raw: $out"
        # an update shows in the next stats
        rt update --memory 32m "$id"
        assert_eq "$(rt events --stats "$id" | jq -r .data.memory.usage.limit)" 33554432 "limit after update"
        rt delete --force "$id"
        assert_no_residue "$id"
}

_events_oom() { # MANAGER
        local mgr=$1 id evpid rc=0 out
        id=$(limited_sleeper "$mgr" '{"memory": {"limit": 20971520, "swap": 20971520}}')
        rt events --interval 1s "$id" > "$TEST_TMP/ev" 2> "$TEST_TMP/ev.err" &
        evpid=$!
        for _ in $(seq 100); do
                [ -s "$TEST_TMP/ev" ] && break
                sleep 0.1
        done
        # a string doubled up to 64M (awk: fast, unlike growing it through a pipe in UML) passes 20M and the
        # kernel OOM-kills awk
        out=$(rt exec "$id" sh -c 'awk "BEGIN { s = \"x\"; while (length(s) < 67108864) s = s s; print length(s) }"
                                   echo "awk status $?"' 2>&1) || true
        assert_not_contains "$out" "awk status 0" "a 64M string under a 20M limit"
        for _ in $(seq 100); do
                grep -q '"type":"oom"' "$TEST_TMP/ev" && break
                sleep 0.1
        done
        grep -qx "{\"type\":\"oom\",\"id\":\"$id\"}" "$TEST_TMP/ev" ||
                fail "no oom event: $(cat "$TEST_TMP/ev" "$TEST_TMP/ev.err" | tail -5)"
        rt kill "$id" KILL
        wait "$evpid" || rc=$?
        assert_eq "$rc" 0 "events exit status once the container stopped"
        jq -se 'all(.[]; .id == $id and (.type == "stats" or .type == "oom"))' --arg id "$id" "$TEST_TMP/ev" > /dev/null ||
                fail "unexpected events: $(cat "$TEST_TMP/ev")"
        rt delete "$id"
        assert_no_residue "$id"
}

test_events_oom_cgroupfs() {
        need_controller memory
        _events_oom cgroupfs
}

test_events_oom_systemd() {
        need_controller memory
        need_systemd
        _events_oom systemd
}
