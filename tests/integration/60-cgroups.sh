# SPDX-License-Identifier: LGPL-2.1-or-later
# Cgroups without controllers: placement with the cgroupfs and systemd managers, --cgroup-manager=disabled,
# pause/resume, and limits refused cleanly where the controllers are missing. Limits themselves are checked by
# 65-controllers.sh in a host that has the controllers (tests/testhost/uml.sh).

CG_PARENT=berth-test

# cgroup_of PID: the cgroup v2 path of PID ("/a/b")
cgroup_of() {
        sed -n 's/^0:://p' "/proc/$1/cgroup"
}

test_cgroupfs_path_matches() {
        local id pid cg inside
        id=$(new_id)
        defer rmdir "/sys/fs/cgroup/$CG_PARENT"
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p' --arg p "/$CG_PARENT/$id"
        rt_cgfs create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "$(cat "$TEST_TMP/out")"
        rt_cgfs start "$id"
        pid=$(state_of "$id" .pid)
        cg=$(cgroup_of "$pid")
        assert_eq "$cg" "/$CG_PARENT/$id" "cgroup of the container's init"
        [ -d "/sys/fs/cgroup$cg" ] || fail "no directory /sys/fs/cgroup$cg"
        grep -qx "$pid" "/sys/fs/cgroup$cg/cgroup.procs" || fail "$pid not in /sys/fs/cgroup$cg/cgroup.procs"
        # seen from inside (no cgroup namespace): the same path
        inside=$(rt exec "$id" cat /proc/self/cgroup | sed -n 's/^0:://p')
        assert_eq "$inside" "$cg" "/proc/self/cgroup inside"
        rt_cgfs delete --force "$id"
        assert_no_residue "$id"
}

test_cgroupfs_default_path_contains_id() {
        local id pid
        id=$(start_sleeper)
        pid=$(state_of "$id" .pid)
        assert_contains "$(cgroup_of "$pid")" "$id" "cgroup of a container without cgroupsPath"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_systemd_cgroup_scope() {
        [ "$(cat /proc/1/comm)" = systemd ] || skip "PID 1 is not systemd"
        local id pid cg
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .linux.cgroupsPath = $p' \
                --arg p "system.slice:berthtest:$id"
        rt --systemd-cgroup create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "$(cat "$TEST_TMP/out")"
        rt --systemd-cgroup start "$id"
        pid=$(state_of "$id" .pid)
        cg=$(cgroup_of "$pid")
        # the scope itself, or a cgroup below it (a runtime may keep the init in a leaf of its own)
        assert_match "$cg" "^/system\.slice/berthtest-$id\.scope(/.*)?\$" "cgroup of the container's init"
        assert_eq "$(systemctl show -P ActiveState "berthtest-$id.scope")" active "state of the scope unit"
        rt --systemd-cgroup delete --force "$id"
        assert_no_residue "$id"
        [ "$(systemctl show -P ActiveState "berthtest-$id.scope")" != active ] || fail "the scope is still active"
}

test_cgroup_manager_disabled() {
        skip_unless_kind berth crun
        local out
        out=$(rt --cgroup-manager=disabled run --bundle "$(make_bundle "$TEST_TMP/b" \
                '.process.args = ["cat", "/proc/self/cgroup"]'; echo "$TEST_TMP/b")" "$(new_id)" < /dev/null 2>&1)
        # no cgroup of its own: it stays in the caller's
        assert_eq "$(sed -n 's/^0:://p' <<< "$out")" "$(cgroup_of $$)" "cgroup with --cgroup-manager=disabled"
}

test_cgroup_manager_unknown_fails() {
        skip_unless_kind berth crun
        assert_fail rt --cgroup-manager=bogus list
        assert_contains "$OUT" bogus
}

test_pause_resume() {
        local id pid cg
        id=$(start_sleeper)
        pid=$(state_of "$id" .pid)
        cg=/sys/fs/cgroup$(cgroup_of "$pid")
        rt pause "$id"
        assert_eq "$(state_of "$id")" paused "status after pause"
        assert_eq "$(cat "$cg/cgroup.freeze")" 1 "cgroup.freeze"
        grep -q '^frozen 1' "$cg/cgroup.events" || fail "cgroup.events: $(cat "$cg/cgroup.events")"
        rt resume "$id"
        assert_eq "$(state_of "$id")" running "status after resume"
        assert_eq "$(cat "$cg/cgroup.freeze")" 0 "cgroup.freeze"
        # a paused container can be deleted with --force
        rt pause "$id"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_cgroup_namespace_with_cgroup_mount() {
        local out
        out=$(sh_ctr 'cat /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.procs | tr "\n" " "' \
                '.linux.namespaces += [{type: "cgroup"}] |
                 .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                              options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]')
        assert_contains "$out" "0::/"
        # the mounted cgroup tree is the container's own: its init (pid 1) is in it
        assert_match "$(tail -1 <<< "$out")" '(^| )1( |$)' "cgroup.procs of the container's root cgroup"
}

test_limits_without_controllers_fail_cleanly() {
        local missing=
        for c in memory pids; do
                [[ " $(cgroup_controllers) " == *" $c "* ]] || missing="$missing $c"
        done
        [ -n "$missing" ] || skip "this host has the memory and pids controllers (see 65-controllers.sh)"
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        defer rmdir "/sys/fs/cgroup/$CG_PARENT"
        make_bundle "$b" '.linux.cgroupsPath = $p | .linux.resources.memory = {limit: 67108864} |
                          .linux.resources.pids = {limit: 50}' --arg p "/$CG_PARENT/$id"
        assert_fail rt_cgfs run --bundle "$b" "$id"
        # the message names what is missing
        [[ $OUT == *memory* || $OUT == *pids* ]] || fail "the error does not name the controller: $OUT"
        assert_berth_msg "$OUT" run "$id" "controller"
        assert_no_residue "$id"
}
