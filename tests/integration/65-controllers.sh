# SPDX-License-Identifier: LGPL-2.1-or-later
# Resource limits with real cgroup v2 controllers. Runs only where they exist: tests/run-all.sh starts this file
# in the UML test host (tests/testhost/uml.sh), or directly on a systemd host that has them.

CG_PARENT=berth-test # limited_sleeper's parent cgroup (tests/lib.sh)

test_memory_limits_cgroupfs() {
        need_controller memory
        local id cg
        id=$(limited_sleeper cgroupfs '{"memory": {"limit": 67108864, "reservation": 33554432}}')
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        assert_eq "$(cat "$cg/memory.max")" 67108864 "memory.max"
        assert_eq "$(cat "$cg/memory.low")" 33554432 "memory.low"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_pids_limit_cgroupfs() {
        need_controller pids
        local id cg
        id=$(limited_sleeper cgroupfs '{"pids": {"limit": 32}}')
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        assert_eq "$(cat "$cg/pids.max")" 32 "pids.max"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_cpu_limits_cgroupfs() {
        need_controller cpu
        local id cg w
        id=$(limited_sleeper cgroupfs '{"cpu": {"quota": 50000, "period": 100000, "shares": 1024}}')
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        assert_eq "$(cat "$cg/cpu.max")" "50000 100000" "cpu.max"
        # shares 1024 -> weight: runc's linear formula gives 39, the newer systemd-aligned one 100
        w=$(cat "$cg/cpu.weight")
        [ "$w" = 39 ] || [ "$w" = 100 ] || fail "cpu.weight for shares 1024: $w"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_cpuset_cgroupfs() {
        need_controller cpuset
        local id cg
        id=$(limited_sleeper cgroupfs '{"cpu": {"cpus": "0", "mems": "0"}}')
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        assert_eq "$(cat "$cg/cpuset.cpus")" 0 "cpuset.cpus"
        assert_eq "$(cat "$cg/cpuset.mems")" 0 "cpuset.mems"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_io_max_cgroupfs() {
        need_controller io
        [ -e /sys/block/loop0/dev ] || modprobe loop 2> /dev/null || true
        [ -e /sys/block/loop0/dev ] || skip "no block device to throttle (modprobe loop failed)"
        local id cg majmin
        majmin=$(cat /sys/block/loop0/dev)
        id=$(limited_sleeper cgroupfs "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": ${majmin%:*}, \"minor\": ${majmin#*:}, \"rate\": 1048576}],
                                                      \"throttleWriteIOPSDevice\": [{\"major\": ${majmin%:*}, \"minor\": ${majmin#*:}, \"rate\": 100}]}}")
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        assert_contains "$(cat "$cg/io.max")" "$majmin rbps=1048576 wbps=max riops=max wiops=100" "io.max"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_unified_cgroupfs() {
        need_controller memory pids
        local id cg
        id=$(limited_sleeper cgroupfs '{"unified": {"memory.high": "52428800", "pids.max": "17"}}')
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        assert_eq "$(cat "$cg/memory.high")" 52428800 "memory.high"
        assert_eq "$(cat "$cg/pids.max")" 17 "pids.max"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_limits_systemd_manager() {
        need_controller memory pids cpu
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        local id cg
        id=$(limited_sleeper systemd '{"memory": {"limit": 67108864}, "pids": {"limit": 40}, "cpu": {"quota": 20000, "period": 100000}}')
        cg=$(cgroup_dir_of "$(state_of "$id" .pid)")
        # the scope carries the limits, or the cgroup below it that the init sits in
        local scope=/sys/fs/cgroup/system.slice/berthtest-$id.scope d
        [ -d "$scope" ] || fail "no scope $scope (init in $cg)"
        d=$scope
        [ "$(cat "$d/memory.max")" != max ] || d=$cg
        assert_eq "$(cat "$d/memory.max")" 67108864 "memory.max of $d"
        assert_eq "$(cat "$d/pids.max")" 40 "pids.max of $d"
        assert_eq "$(cat "$d/cpu.max")" "20000 100000" "cpu.max of $d"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_memory_limit_enforced() {
        need_controller memory
        local id out
        id=$(new_id)
        defer rmdir "/sys/fs/cgroup/$CG_PARENT"
        # tmpfs pages are charged to the writer's cgroup: writing 96M into /dev/shm with a 32M limit OOM-kills
        make_bundle "$TEST_TMP/b" ".process.args = $(jargs sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=96 2>&1; echo "dd rc=$?"') |
                .linux.cgroupsPath = \$p | .linux.resources.memory = {limit: 33554432, swap: 33554432} |
                .mounts |= map(if .destination == \"/dev/shm\" then .options = [\"nosuid\", \"nodev\", \"size=200m\"] else . end)" \
                --arg p "/$CG_PARENT/$id"
        out=$(rt_cgfs run --bundle "$TEST_TMP/b" "$id" < /dev/null 2>&1) || true
        # dd is killed (or the write fails): it never completes 96 blocks
        assert_not_contains "$out" "96+0 records out" "dd under a 32M limit"
        assert_no_residue "$id"
}

test_pids_limit_enforced() {
        need_controller pids
        local id out
        id=$(new_id)
        defer rmdir "/sys/fs/cgroup/$CG_PARENT"
        make_bundle "$TEST_TMP/b" ".process.args = $(jargs sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; echo started') |
                .linux.cgroupsPath = \$p | .linux.resources.pids = {limit: 4}" --arg p "/$CG_PARENT/$id"
        out=$(rt_cgfs run --bundle "$TEST_TMP/b" "$id" < /dev/null 2>&1) || true
        assert_contains "$out" "fork" "forks beyond pids.max"
        assert_no_residue "$id"
}
