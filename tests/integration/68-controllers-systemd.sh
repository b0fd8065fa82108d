# SPDX-License-Identifier: LGPL-2.1-or-later
# Limits enforced through the systemd cgroup manager: the container's scope carries them as unit properties,
# systemd writes them to the cgroup files, and the kernel enforces them. Needs systemd as PID 1 and the cgroup
# v2 controllers: tests/run-all.sh runs this file in the UML test host (tests/testhost/uml.sh).
#   tests/testhost/enter.sh uml bash tests/integration/run.sh tests/integration/68-controllers-systemd.sh

# need_systemd_controllers CONTROLLER...: berth (crun 1.8 and runc 1.1 write the limits to the cgroup files
# themselves, not as unit properties: systemd does not know them), systemd as PID 1, the controllers
need_systemd_controllers() {
        skip_unless_kind berth
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        local c
        for c; do
                [[ " $(cgroup_controllers) " == *" $c "* ]] || skip "no $c controller on this host"
        done
}

# scope_sleeper SCRIPT RESOURCES-JSON [JQ-FILTER]: a started container (systemd manager, cgroupsPath
# system.slice:berthtest:ID) running sh -c SCRIPT; prints its ID. Its output is in $TEST_TMP/ID.out.
scope_sleeper() {
        local script=$1 res=$2 id
        id=$(new_id)
        make_bundle "$TEST_TMP/b-$id" ".process.args = $(jargs sh -c "$script") | .linux.cgroupsPath = \$p |
                .linux.resources = ((.linux.resources // {}) + \$r) | ${3:-.}" \
                --arg p "system.slice:berthtest:$id" --argjson r "$res"
        rt --systemd-cgroup create --bundle "$TEST_TMP/b-$id" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1 ||
                fail "create: $(cat "$TEST_TMP/$id.out")"
        rt start "$id"
        echo "$id"
}

unit_of() { # ID
        echo "berthtest-$1.scope"
}

cg_of() { # ID: the scope's cgroup directory
        echo "/sys/fs/cgroup/system.slice/$(unit_of "$1")"
}

# wait_output ID TEXT [SECONDS]: until the container's output contains TEXT
wait_output() {
        local n=$((${3:-20} * 10))
        while [ "$n" -gt 0 ]; do
                grep -qF -- "$2" "$TEST_TMP/$1.out" 2> /dev/null && return 0
                sleep 0.1
                n=$((n - 1))
        done
        fail "no \"$2\" in the output of $1: $(head -c 2000 "$TEST_TMP/$1.out")"
}

# delete_clean ID: delete --force, then nothing of it is left (unit included)
delete_clean() {
        rt delete --force "$1"
        assert_no_residue "$1"
        for _ in $(seq 30); do
                systemctl list-units --all --no-legend --plain | grep -qF -- "$1" || return 0
                sleep 0.1
        done
        fail "unit left: $(systemctl list-units --all --no-legend --plain | grep -F -- "$1")"
}

test_memory_limit_oom_kills() {
        need_systemd_controllers memory
        local id cg
        # tmpfs pages are charged to the writer's cgroup: 96M into /dev/shm under a 32M limit (no swap). dd is the
        # OOM killer's choice (oom_score_adj 1000), the shell survives to report.
        id=$(scope_sleeper '(echo 1000 > /proc/self/oom_score_adj; exec dd if=/dev/zero of=/dev/shm/fill bs=1M count=96 2>&1)
                echo "dd rc=$?"; rm -f /dev/shm/fill; exec sleep 600' \
                '{"memory": {"limit": 33554432, "swap": 33554432}}' \
                '.mounts |= map(if .destination == "/dev/shm" then .options = ["nosuid", "nodev", "size=200m"] else . end)')
        cg=$(cg_of "$id")
        assert_eq "$(systemctl show -P MemoryMax "$(unit_of "$id")")" 33554432 "MemoryMax"
        assert_eq "$(cat "$cg/memory.max")" 33554432 "memory.max"
        assert_eq "$(cat "$cg/memory.swap.max")" 0 "memory.swap.max"
        wait_output "$id" "dd rc="
        assert_contains "$(cat "$TEST_TMP/$id.out")" "dd rc=137" "dd under a 32M limit (SIGKILL)"
        local kills
        kills=$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events")
        [ "${kills:-0}" -ge 1 ] || fail "memory.events: $(tr '\n' ' ' < "$cg/memory.events")"
        delete_clean "$id"
}

test_pids_limit_blocks_fork() {
        need_systemd_controllers pids
        local id cg
        # (a failed fork ends a shell: the subshell's)
        id=$(scope_sleeper '(for i in 1 2 3 4 5 6 7 8 9 10; do sleep 600 & done) 2>&1; echo forked; exec sleep 600' \
                '{"pids": {"limit": 6}}')
        cg=$(cg_of "$id")
        assert_eq "$(systemctl show -P TasksMax "$(unit_of "$id")")" 6 "TasksMax"
        assert_eq "$(cat "$cg/pids.max")" 6 "pids.max"
        wait_output "$id" forked
        assert_contains "$(cat "$TEST_TMP/$id.out")" "fork" "forks beyond pids.max fail"
        [ "$(cat "$cg/pids.current")" -le 6 ] || fail "pids.current $(cat "$cg/pids.current") > 6"
        delete_clean "$id"
}

test_cpu_quota_throttles() {
        need_systemd_controllers cpu
        local id cg
        id=$(scope_sleeper 'while :; do :; done' '{"cpu": {"quota": 10000, "period": 100000}}')
        cg=$(cg_of "$id")
        assert_eq "$(systemctl show -P CPUQuotaPerSecUSec "$(unit_of "$id")")" 100ms "CPUQuotaPerSecUSec"
        assert_eq "$(cat "$cg/cpu.max")" "10000 100000" "cpu.max"
        for _ in $(seq 50); do
                [ "$(awk '$1 == "nr_throttled" { print $2 }' "$cg/cpu.stat")" -gt 0 ] && break
                sleep 0.1
        done
        [ "$(awk '$1 == "nr_throttled" { print $2 }' "$cg/cpu.stat")" -gt 0 ] ||
                fail "not throttled: $(tr '\n' ' ' < "$cg/cpu.stat")"
        delete_clean "$id"
}

test_inexact_cpu_quota_written_exactly() {
        need_systemd_controllers cpu
        local id cg
        # systemd keeps whole percents (13%); berth writes the exact quota to cpu.max after it
        id=$(scope_sleeper 'exec sleep 600' '{"cpu": {"quota": 12345, "period": 100000}}')
        cg=$(cg_of "$id")
        assert_eq "$(systemctl show -P CPUQuotaPerSecUSec "$(unit_of "$id")")" 130ms "CPUQuotaPerSecUSec"
        assert_eq "$(cat "$cg/cpu.max")" "12345 100000" "cpu.max"
        delete_clean "$id"
}

test_denied_device_cannot_be_opened() {
        need_systemd_controllers
        local id out
        id=$(new_id)
        make_bundle "$TEST_TMP/b" ".process.args = $(jargs sh -c 'head -c 1 /dev/zero > /dev/null && echo zero-opened || echo zero-denied; echo x > /dev/null && echo null-ok') |
                .linux.cgroupsPath = \$p |
                .linux.resources.devices = [{allow: false, access: \"rwm\"}, {allow: true, type: \"c\", major: 1, minor: 3, access: \"rwm\"}]" \
                --arg p "system.slice:berthtest:$id"
        out=$(rt --systemd-cgroup run --bundle "$TEST_TMP/b" "$id" < /dev/null 2>&1) || true
        assert_contains "$out" zero-denied "/dev/zero outside DeviceAllow"
        assert_contains "$out" null-ok "/dev/null in DeviceAllow"
        assert_no_residue "$id"
}

test_limits_survive_daemon_reload() {
        need_systemd_controllers memory pids cpu
        local id cg unit
        id=$(scope_sleeper 'exec sleep 600' \
                '{"memory": {"limit": 67108864, "reservation": 33554432}, "pids": {"limit": 40}, "cpu": {"quota": 20000, "period": 100000, "shares": 2048}}')
        cg=$(cg_of "$id")
        unit=$(unit_of "$id")
        systemctl daemon-reload
        assert_eq "$(cat "$cg/memory.max")" 67108864 "memory.max after daemon-reload"
        assert_eq "$(cat "$cg/memory.low")" 33554432 "memory.low after daemon-reload"
        assert_eq "$(cat "$cg/pids.max")" 40 "pids.max after daemon-reload"
        assert_eq "$(cat "$cg/cpu.max")" "20000 100000" "cpu.max after daemon-reload"
        assert_eq "$(systemctl show -P MemoryMax "$unit")" 67108864 "MemoryMax after daemon-reload"
        assert_eq "$(systemctl show -P TasksMax "$unit")" 40 "TasksMax after daemon-reload"
        assert_eq "$(state_of "$id")" running "status after daemon-reload"
        delete_clean "$id"
}

test_exec_joins_a_leaf_when_the_scope_has_subcgroups() {
        need_systemd_controllers pids
        local id out
        # the container moves itself into a sub-cgroup and hands the pids controller down, as systemd in a
        # container does: the scope's own cgroup can then take no process (cgroup v2)
        id=$(scope_sleeper 'mkdir /sys/fs/cgroup/init && echo $$ > /sys/fs/cgroup/init/cgroup.procs &&
                echo +pids > /sys/fs/cgroup/cgroup.subtree_control && echo moved; exec sleep 600' '{}' \
                '.linux.namespaces += [{type: "cgroup"}] |
                 .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                              options: ["nosuid", "noexec", "nodev", "rw"]}]')
        wait_output "$id" moved
        out=$(rt exec "$id" cat /proc/self/cgroup)
        assert_contains "$out" "0::/init" "/proc/self/cgroup of an exec'd process"
        delete_clean "$id"
}
