# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd cgroup manager end to end, where PID 1 is systemd (the nspawn test host: no controllers, so
# limits are recorded by systemd, not enforced; 68-controllers-systemd.sh checks them in the UML host): the
# scope and its properties as `systemctl show` reports them, every cgroupsPath form, the
# org.systemd.property.* annotations, freeze/thaw, what `systemctl stop/kill/freeze` of the scope does to
# `berth state`, kill --all, exec, delete, and the failures (systemd unreachable, a failing or hanging job,
# bad input), each of which must leave no unit, cgroup or state behind.

# need_scope: berth, with systemd as PID 1 (the default manager is then systemd)
need_scope() {
        skip_unless_kind berth
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
}

# scope_of ID: the unit of a container created with an empty cgroupsPath
scope_of() {
        echo "berth-$1.scope"
}

# prop UNIT NAME: one property as `systemctl show` prints it
prop() {
        systemctl show -P "$2" "$1"
}

# units_matching TEXT: the units (any state) whose name contains TEXT
units_matching() {
        systemctl list-units --all --no-legend --plain 2> /dev/null | awk '{ print $1 }' | grep -F -- "$1" || true
}

# assert_no_unit TEXT: no unit whose name contains TEXT; systemd collects a stopped unit asynchronously
assert_no_unit() {
        local i u
        for i in $(seq 50); do
                u=$(units_matching "$1")
                [ -z "$u" ] && return 0
                sleep 0.1
        done
        fail "unit left behind: $u ($(systemctl show -P ActiveState "$u" 2>&1))"
}

# assert_nothing_left ID: no unit, cgroup, state or process of container ID
assert_nothing_left() {
        assert_no_unit "$1"
        assert_no_residue "$1"
}

# sd_create ID BUNDLE [OPTIONS...]: create with the systemd manager; the output is in $TEST_TMP/ID.out
sd_create() {
        local id=$1 b=$2
        shift 2
        rt --systemd-cgroup create --bundle "$b" "$@" "$id" < /dev/null > "$TEST_TMP/$id.out" 2>&1 ||
                fail "create $id: $(cat "$TEST_TMP/$id.out")"
}

# sd_sleeper [JQ-FILTER [JQ-ARGS...]]: a started container (systemd manager) running `sleep 600`; prints its ID
sd_sleeper() {
        local id b
        id=$(new_id s)
        b=$TEST_TMP/b-$id
        make_bundle "$b" ".process.args = [\"sleep\", \"600\"] | ${1:-.}" "${@:2}"
        sd_create "$id" "$b"
        rt start "$id"
        echo "$id"
}

# sh_sleeper SCRIPT [JQ-FILTER [JQ-ARGS...]]: like sd_sleeper with process.args = ["sh", "-c", SCRIPT]
sh_sleeper() {
        local script=$1
        shift
        sd_sleeper ".process.args = $(jargs sh -c "$script") | ${1:-.}" "${@:2}"
}

# cgroup_of PID
cgroup_of() {
        sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# ------------------------------------------------------------------------------------------ the scope --

test_default_scope_and_properties() {
        need_scope
        local id unit pid
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        # no --systemd-cgroup: systemd is the default where PID 1 is systemd
        rt create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "$(cat "$TEST_TMP/out")"
        rt start "$id"
        unit=$(scope_of "$id")
        pid=$(state_of "$id" .pid)
        assert_eq "$(cgroup_of "$pid")" "/machine.slice/$unit" "cgroup of the init"
        assert_eq "$(prop "$unit" ActiveState)" active "ActiveState"
        assert_eq "$(prop "$unit" Slice)" machine.slice "Slice"
        assert_eq "$(prop "$unit" ControlGroup)" "/machine.slice/$unit" "ControlGroup"
        assert_eq "$(prop "$unit" Description)" "berth container $id (bundle $TEST_TMP/b)" "Description"
        assert_eq "$(prop "$unit" Delegate)" yes "Delegate"
        assert_eq "$(prop "$unit" CollectMode)" inactive-or-failed "CollectMode"
        assert_eq "$(prop "$unit" DefaultDependencies)" no "DefaultDependencies"
        assert_eq "$(prop "$unit" TimeoutStopUSec)" 10s "TimeoutStopUSec"
        local a
        for a in MemoryAccounting TasksAccounting CPUAccounting IOAccounting; do
                assert_eq "$(prop "$unit" "$a")" yes "$a"
        done
        assert_eq "$(prop "$unit" Transient)" yes "Transient"
        # systemd sees the container's init as the scope's process
        systemctl status --no-pager "$unit" > "$TEST_TMP/status" 2>&1 || true
        assert_contains "$(cat "$TEST_TMP/status")" "$pid sleep 600" "systemctl status $unit"
        # the state records the manager and the unit: commands without --systemd-cgroup find them
        assert_eq "$(jq -r .cgroupManager "$TEST_ROOT/$id/state.json")" systemd "state.json cgroupManager"
        assert_eq "$(jq -r .cgroupUnit "$TEST_ROOT/$id/state.json")" "$unit" "state.json cgroupUnit"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

# path_form ID CGROUPS-PATH EXPECTED-UNIT EXPECTED-CGROUP [JQ-FILTER]: a container with that cgroupsPath is in
# that unit
path_form() {
        local id=$1 path=$2 unit=$3 cg=$4
        make_bundle "$TEST_TMP/b-$id" ".process.args = [\"sleep\", \"600\"] | .linux.cgroupsPath = \$p | ${5:-.}" \
                --arg p "$path"
        sd_create "$id" "$TEST_TMP/b-$id"
        rt start "$id"
        assert_eq "$(prop "$unit" ActiveState)" active "ActiveState of $unit ($path)"
        assert_eq "$(prop "$unit" ControlGroup)" "$cg" "ControlGroup of $unit ($path)"
        assert_eq "$(cgroup_of "$(state_of "$id" .pid)")" "$cg" "cgroup of the init ($path)"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

test_cgroups_path_podman() {
        need_scope
        local id
        id=$(new_id)
        path_form "$id" "machine.slice:libpod:$id" "libpod-$id.scope" "/machine.slice/libpod-$id.scope"
}

test_cgroups_path_containerd() {
        need_scope
        local id
        id=$(new_id)
        path_form "$id" "system.slice:k8s.io:$id" "k8s.io-$id.scope" "/system.slice/k8s.io-$id.scope"
}

test_cgroups_path_empty_slice_and_prefix() {
        need_scope
        local id
        id=$(new_id)
        # runc's rules: an empty slice is system.slice, an empty prefix leaves the name alone
        path_form "$id" "::$id" "$id.scope" "/system.slice/$id.scope"
}

test_cgroups_path_crio_nested_slice() {
        need_scope
        local id uid pod s
        id=$(new_id)
        # CRI-O: the pod's slice; systemd creates it and its parents (kubepods.slice,
        # kubepods-besteffort.slice) on demand. The ones that did not exist before the test are stopped after it.
        uid=${id//[^a-z0-9]/_}
        pod=kubepods-besteffort-pod$uid.slice
        for s in kubepods.slice kubepods-besteffort.slice "$pod"; do
                [ "$(prop "$s" ActiveState)" = active ] || defer systemctl stop "$s"
        done
        path_form "$id" "$pod:crio:$id" "crio-$id.scope" \
                "/kubepods.slice/kubepods-besteffort.slice/$pod/crio-$id.scope"
        assert_eq "$(prop "$pod" ActiveState)" active "the pod's slice (it is the pod's, not the container's)"
}

test_cgroups_path_slice_unit() {
        need_scope
        local id unit
        id=$(new_id)
        # "slice:prefix:name.slice": the container's unit is a slice of its own (as runc)
        unit=bertht${id//[^a-z0-9]/}.slice
        # (machined takes the leaders of scopes and services, not of slices: berth does not register it)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p' \
                --arg p "machine.slice:x:$unit"
        sd_create "$id" "$TEST_TMP/b"
        rt start "$id"
        assert_eq "$(prop "$unit" ActiveState)" active "ActiveState of $unit"
        assert_eq "$(cgroup_of "$(state_of "$id" .pid)")" "/$unit" "cgroup of the init"
        ! machinectl show "$id" > /dev/null 2>&1 || fail "a container in a slice unit was registered with machined"
        rt delete --force "$id"
        assert_nothing_left "$id"

}

test_cgroups_path_malformed() {
        need_scope
        local id p
        for p in "machine.slice" "a:b" "a:b:c:d" "notaslice:x:y" "machine.slice:x:" "machine.slice:x:a/b" \
                "-bad.slice:x:y" "a--b.slice:x:y"; do
                id=$(new_id)
                make_bundle "$TEST_TMP/b-$id" '.linux.cgroupsPath = $p' --arg p "$p"
                assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b-$id" "$id"
                assert_berth_msg "$OUT" create "$id" "linux.cgroupsPath"
                assert_contains "$OUT" "\"$p\"" "the message quotes the path"
                assert_nothing_left "$id"
        done
}

# ------------------------------------------------------------------------------------- annotations --

test_annotation_forms() {
        need_scope
        local id unit
        id=$(sd_sleeper '.annotations = {
                "org.systemd.property.RuntimeMaxUSec": "uint64 3600000000",
                "org.systemd.property.SendSIGHUP": "true",
                "org.systemd.property.Description": "'"'"'a described container'"'"'",
                "org.systemd.property.After": "['"'"'berth-test-nothing.service'"'"']",
                "org.systemd.property.Documentation": "[\"https://example.org/berth\"]",
                "org.systemd.property.TimeoutStopSec": "uint64 7"}')
        unit=$(scope_of "$id")
        assert_eq "$(prop "$unit" RuntimeMaxUSec)" 1h "RuntimeMaxUSec (\"uint64 3600000000\")"
        assert_eq "$(prop "$unit" SendSIGHUP)" yes "SendSIGHUP (\"true\")"
        assert_eq "$(prop "$unit" Description)" "a described container" "Description (a quoted string)"
        assert_contains " $(prop "$unit" After) " " berth-test-nothing.service " "After (a string array)"
        assert_eq "$(prop "$unit" Documentation)" "https://example.org/berth" "Documentation"
        # *Sec: seconds, turned into the *USec property; the annotation overrides berth's 10 s
        assert_eq "$(prop "$unit" TimeoutStopUSec)" 7s "TimeoutStopUSec (from TimeoutStopSec)"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

test_annotation_bad_value_fails_cleanly() {
        need_scope
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.annotations = {"org.systemd.property.TasksMax": "uint64 -3"}'
        assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" 'annotations["org.systemd.property.TasksMax"]'
        assert_nothing_left "$id"
}

test_annotation_unknown_property_fails_cleanly() {
        need_scope
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.annotations = {"org.systemd.property.NoSuchThing": "true"}'
        assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        # systemd's own word, with the unit named
        assert_berth_msg "$OUT" create "$id" "$(scope_of "$id")"
        assert_contains "$OUT" NoSuchThing
        assert_nothing_left "$id"
}

# ------------------------------------------------------------------------------------------- resources --

test_resources_as_properties() {
        need_scope
        local id unit
        id=$(sd_sleeper '.linux.resources = {
                memory: {limit: 67108864, reservation: 33554432, swap: 100663296},
                pids: {limit: 40},
                cpu: {shares: 2048, quota: 20000, period: 100000, cpus: "0"},
                blockIO: {weight: 500},
                unified: {"memory.high": "50331648"},
                devices: [{allow: false, access: "rwm"},
                          {allow: true, type: "c", major: 1, minor: 3, access: "rwm"},
                          {allow: true, type: "c", major: 136, access: "rw"}]}')
        unit=$(scope_of "$id")
        assert_eq "$(prop "$unit" MemoryMax)" 67108864 "MemoryMax"
        assert_eq "$(prop "$unit" MemoryLow)" 33554432 "MemoryLow"
        assert_eq "$(prop "$unit" MemoryHigh)" 50331648 "MemoryHigh"
        assert_eq "$(prop "$unit" MemorySwapMax)" 33554432 "MemorySwapMax (swap - limit)"
        assert_eq "$(prop "$unit" TasksMax)" 40 "TasksMax"
        assert_eq "$(prop "$unit" CPUWeight)" "$(cpu_weight_of_shares 2048)" "CPUWeight"
        assert_eq "$(prop "$unit" CPUQuotaPerSecUSec)" 200ms "CPUQuotaPerSecUSec"
        assert_eq "$(prop "$unit" CPUQuotaPeriodUSec)" 100ms "CPUQuotaPeriodUSec"
        assert_eq "$(prop "$unit" AllowedCPUs)" 0 "AllowedCPUs"
        assert_eq "$(prop "$unit" IOWeight)" "$((1 + (500 - 10) * 9999 / 990))" "IOWeight"
        assert_eq "$(prop "$unit" DevicePolicy)" strict "DevicePolicy"
        assert_eq "$(prop "$unit" DeviceAllow | sort | tr '\n' ' ')" "/dev/char/1:3 rwm char-136 rw " "DeviceAllow"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

# cpu_weight_of_shares SHARES: what berth's cgroupfs manager writes for cpu.shares (the same conversion)
cpu_weight_of_shares() {
        echo $((1 + (($1 - 2) * 9999) / 262142))
}

# ------------------------------------------------------------------------------------------ lifecycle --

test_pause_resume_through_the_unit() {
        need_scope
        local id unit
        id=$(sd_sleeper)
        unit=$(scope_of "$id")
        rt pause "$id"
        assert_eq "$(prop "$unit" FreezerState)" frozen "FreezerState after berth pause"
        assert_eq "$(state_of "$id")" paused "status after pause"
        rt resume "$id"
        assert_eq "$(prop "$unit" FreezerState)" running "FreezerState after berth resume"
        assert_eq "$(state_of "$id")" running "status after resume"
        # delete of a paused container
        rt pause "$id"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

test_external_freeze_is_paused() {
        need_scope
        local id unit
        id=$(sd_sleeper)
        unit=$(scope_of "$id")
        systemctl freeze "$unit"
        assert_eq "$(state_of "$id")" paused "status after systemctl freeze"
        assert_contains "$(rt list)" paused "berth list"
        systemctl thaw "$unit"
        assert_eq "$(state_of "$id")" running "status after systemctl thaw"
        # berth resume undoes an external freeze too
        systemctl freeze "$unit"
        rt resume "$id"
        assert_eq "$(prop "$unit" FreezerState)" running "FreezerState after berth resume"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

test_external_stop_is_stopped() {
        need_scope
        local id unit
        # a PID 1 that exits on SIGTERM (a PID 1 without a handler ignores it)
        id=$(sh_sleeper 'trap "exit 0" TERM; sleep 600 & wait')
        unit=$(scope_of "$id")
        systemctl stop "$unit"
        wait_status "$id" stopped 5
        assert_no_unit "$id"
        rt delete "$id"
        assert_nothing_left "$id"
}

test_external_stop_kills_after_timeout() {
        need_scope
        local id unit t0 t1
        # sleep as PID 1 ignores SIGTERM: systemd kills it after TimeoutStopSec
        id=$(sd_sleeper '.annotations = {"org.systemd.property.TimeoutStopSec": "uint64 1"}')
        unit=$(scope_of "$id")
        t0=$(date +%s)
        systemctl stop "$unit"
        t1=$(date +%s)
        [ $((t1 - t0)) -lt 5 ] || fail "systemctl stop took $((t1 - t0)) s with TimeoutStopSec=1"
        wait_status "$id" stopped 5
        rt delete "$id"
        assert_nothing_left "$id"
}

test_external_kill_is_stopped() {
        need_scope
        local id unit
        id=$(sd_sleeper)
        unit=$(scope_of "$id")
        systemctl kill --signal=KILL "$unit"
        wait_status "$id" stopped 5
        assert_contains "$(rt list)" stopped "berth list"
        rt delete "$id"
        assert_nothing_left "$id"
}

test_kill_all_reaches_every_process() {
        need_scope
        local id cg sig
        # TERM through systemd (KillUnit), KILL through cgroup.kill
        for sig in TERM KILL; do
                # no pid namespace: the other processes would outlive the init
                id=$(sh_sleeper 'sleep 600 & sleep 600 & exec sleep 600' '.linux.namespaces |= map(select(.type != "pid"))')
                cg=/sys/fs/cgroup$(prop "$(scope_of "$id")" ControlGroup)
                for _ in $(seq 50); do
                        [ "$(wc -l < "$cg/cgroup.procs")" -ge 3 ] && break
                        sleep 0.05
                done
                assert_eq "$(wc -l < "$cg/cgroup.procs")" 3 "processes in the scope"
                rt kill --all "$id" "$sig"
                for _ in $(seq 50); do
                        [ -s "$cg/cgroup.procs" ] 2> /dev/null || break
                        sleep 0.05
                done
                [ ! -s "$cg/cgroup.procs" ] 2> /dev/null || fail "left in the scope after $sig: $(cat "$cg/cgroup.procs")"
                wait_status "$id" stopped 5
                rt delete "$id"
                assert_nothing_left "$id"
        done
}

test_exec_lands_in_the_scope() {
        need_scope
        local id out
        id=$(sd_sleeper)
        out=$(rt exec "$id" cat /proc/self/cgroup)
        assert_contains "$out" "0::/machine.slice/$(scope_of "$id")" "/proc/self/cgroup of an exec'd process"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

test_delete_running_stops_the_scope() {
        need_scope
        local id unit
        id=$(sh_sleeper 'sleep 600 & sleep 600 & wait')
        unit=$(scope_of "$id")
        assert_eq "$(prop "$unit" ActiveState)" active "ActiveState"
        rt delete --force "$id"
        assert_nothing_left "$id"
        [ ! -e "$TEST_ROOT/$id" ] || fail "state directory left"
}

test_delete_exited_is_fast() {
        need_scope
        local id t0 t1
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["true"]'
        sd_create "$id" "$TEST_TMP/b"
        rt start "$id"
        wait_status "$id" stopped 5
        t0=$(date +%s%N)
        rt delete "$id"
        t1=$(date +%s%N)
        [ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "delete of a stopped container took $(((t1 - t0) / 1000000)) ms"
        assert_nothing_left "$id"
}

test_run_twice_with_the_same_id() {
        need_scope
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["true"]'
        # the second scope of that name is started right after the first one stopped
        for _ in 1 2 3; do
                assert_ok rt --systemd-cgroup run --bundle "$TEST_TMP/b" "$id"
        done
        assert_nothing_left "$id"
}

test_stale_failed_unit_is_replaced() {
        need_scope
        local id unit
        id=$(new_id)
        unit=$(scope_of "$id")
        # a failed unit of that name (its stop timed out) that is not collected
        systemd-run --quiet --scope --unit="$unit" -p CollectMode=inactive -p TimeoutStopSec=0.2 \
                sh -c 'trap "" TERM; sleep 600' > /dev/null 2>&1 &
        defer systemctl reset-failed "$unit"
        for _ in $(seq 50); do
                [ "$(prop "$unit" ActiveState)" = active ] && break
                sleep 0.05
        done
        systemctl stop "$unit" || true
        assert_eq "$(prop "$unit" ActiveState)" failed "ActiveState of the leftover"
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        sd_create "$id" "$TEST_TMP/b"
        rt start "$id"
        assert_eq "$(prop "$unit" ActiveState)" active "ActiveState of the new scope"
        assert_eq "$(prop "$unit" Description)" "berth container $id (bundle $TEST_TMP/b)" "Description"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

test_unit_in_use_is_left_alone() {
        need_scope
        local id unit
        id=$(new_id)
        unit=$(scope_of "$id")
        systemd-run --quiet --scope --unit="$unit" sleep 600 > /dev/null 2>&1 &
        defer systemctl stop "$unit"
        for _ in $(seq 50); do
                [ "$(prop "$unit" ActiveState)" = active ] && break
                sleep 0.05
        done
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "unit $unit exists already"
        assert_eq "$(prop "$unit" ActiveState)" active "the other scope is still running"
        [ ! -e "$TEST_ROOT/$id" ] || fail "state directory left"
}

test_containerd_and_podman_delete_without_flag() {
        need_scope
        local id slice prefix slice_prefix
        for slice_prefix in system.slice:containerd machine.slice:libpod; do
                id=$(new_id)
                slice=${slice_prefix%%:*} prefix=${slice_prefix#*:}
                make_bundle "$TEST_TMP/b-$id" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p' \
                        --arg p "$slice:$prefix:$id"
                rt --systemd-cgroup create --bundle "$TEST_TMP/b-$id" --pid-file "$TEST_TMP/$id.pid" "$id" \
                        < /dev/null > "$TEST_TMP/$id.out" 2>&1 || fail "$(cat "$TEST_TMP/$id.out")"
                rt --systemd-cgroup start "$id"
                assert_eq "$(units_matching "$id")" "$prefix-$id.scope" "the unit"
                assert_eq "$(prop "$prefix-$id.scope" Slice)" "$slice" "its slice"
                # the engines call kill and delete without --systemd-cgroup
                rt kill "$id" KILL
                wait_status "$id" stopped 5
                rt delete --force "$id"
                assert_nothing_left "$id"
        done
}

test_state_needs_no_dbus() {
        need_scope
        local id
        id=$(sd_sleeper)
        # state and list read the kernel's word: they work when systemd cannot be reached
        assert_eq "$(BERTH_SYSTEMD_ADDRESS=unix:path=/nonexistent rt state "$id" | jq -r .status)" running "status"
        rt delete --force "$id"
        assert_nothing_left "$id"
}

# ------------------------------------------------------------------------------------------- failures --

test_dbus_unreachable() {
        need_scope
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"]'
        assert_fail env BERTH_SYSTEMD_ADDRESS=unix:path=/nonexistent/bus "$RUNTIME" --root "$TEST_ROOT" \
                --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "$(scope_of "$id")"
        assert_contains "$OUT" "unix:path=/nonexistent/bus"
        assert_nothing_left "$id"
}

test_job_failure() {
        need_scope
        local id dep
        id=$(new_id)
        dep=bt-fail-$TEST_ID_PREFIX.service # (no container ID in it: assert_nothing_left looks for that)
        # a dependency whose start fails: the scope's start job ends with "dependency"
        systemd-run --quiet --unit="$dep" -p Type=oneshot /bin/false > /dev/null 2>&1 || true
        defer systemctl reset-failed "$dep"
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] |
                .annotations = {"org.systemd.property.Requires": $d, "org.systemd.property.After": $d}' \
                --arg d "['$dep']"
        assert_fail rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "start transient unit $(scope_of "$id")"
        assert_contains "$OUT" '"dependency"'
        assert_nothing_left "$id"
}

test_job_timeout() {
        need_scope
        local id blocker t0 t1
        id=$(new_id)
        blocker=bt-block-$TEST_ID_PREFIX.service
        # a start job that waits for another one that takes 30 s
        systemd-run --quiet --no-block --unit="$blocker" -p Type=oneshot sleep 30
        defer systemctl stop "$blocker"
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] |
                .annotations = {"org.systemd.property.After": $d}' --arg d "['$blocker']"
        t0=$(date +%s)
        assert_fail env BERTH_SYSTEMD_TIMEOUT_MS=700 "$RUNTIME" --root "$TEST_ROOT" --systemd-cgroup create \
                --bundle "$TEST_TMP/b" "$id"
        t1=$(date +%s)
        [ $((t1 - t0)) -lt 10 ] || fail "the timeout took $((t1 - t0)) s"
        assert_berth_msg "$OUT" create "$id" "start transient unit $(scope_of "$id")"
        assert_contains "$OUT" "within 700 ms"
        assert_nothing_left "$id"
        assert_eq "$(prop "$blocker" ActiveState)" activating "the other unit is left alone"
}
