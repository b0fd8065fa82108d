# SPDX-License-Identifier: LGPL-2.1-or-later
# Namespaces: new ones, shared ones, joined by path, user namespace mappings, time namespace offsets, cgroup.

NS_SCRIPT='for n in cgroup ipc mnt net pid time user uts; do echo "$n $(readlink /proc/self/ns/$n)"; done'

ns_inside() { # OUTPUT NS: the ns link of NS printed by NS_SCRIPT
        awk -v n="$2" '$1 == n { print $2 }' <<< "$1"
}

test_new_namespaces() {
        local out n
        out=$(sh_ctr "$NS_SCRIPT" '.linux.namespaces = [{type: "pid"}, {type: "ipc"}, {type: "uts"}, {type: "mount"},
                                                         {type: "network"}, {type: "cgroup"}]')
        for n in cgroup ipc mnt net pid uts; do
                assert_match "$(ns_inside "$out" $n)" "^$n:\\[[0-9]+\\]$" "$n namespace inside"
                assert_ne "$(ns_inside "$out" $n)" "$(host_ns $n)" "$n namespace inside"
        done
        # not asked for: shared with the runtime's caller
        assert_eq "$(ns_inside "$out" user)" "$(host_ns user)" "user namespace inside"
}

test_shared_namespaces() {
        local out n
        # only a mount namespace: everything else is the host's
        out=$(sh_ctr "$NS_SCRIPT" '.linux.namespaces = [{type: "mount"}] | .hostname = null')
        for n in cgroup ipc net pid uts user; do
                assert_eq "$(ns_inside "$out" $n)" "$(host_ns $n)" "$n namespace inside"
        done
        assert_ne "$(ns_inside "$out" mnt)" "$(host_ns mnt)" "mnt namespace inside"
}

test_pid_namespace_init_is_pid1() {
        local out
        out=$(sh_ctr 'echo $$; cat /proc/1/cmdline | tr "\0" " "; echo')
        assert_eq "$(sed -n 1p <<< "$out")" 1 "pid of the init inside"
}

test_join_netns_by_path() {
        local ns out
        command -v ip > /dev/null || skip "ip (iproute2) is not installed"
        ns=bt-$TEST_ID_PREFIX
        ip netns add "$ns"
        defer ip netns del "$ns"
        ip netns exec "$ns" ip link set lo up
        local want
        want=$(ip netns exec "$ns" readlink /proc/self/ns/net)
        out=$(sh_ctr 'readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate' \
                '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/run/netns/$ns")
        assert_eq "$(sed -n 1p <<< "$out")" "$want" "net namespace inside"
        # the joined namespace's state is visible: lo is up there
        assert_eq "$(sed -n 2p <<< "$out")" unknown "lo operstate in the joined namespace"
}

test_join_uts_and_ipc_of_another_container() {
        local a pid out
        a=$(start_sleeper '.hostname = "first"')
        pid=$(state_of "$a" .pid)
        out=$(sh_ctr 'hostname; readlink /proc/self/ns/ipc' \
                '.hostname = null | .linux.namespaces |= map(if .type == "uts" then .path = $u
                                         elif .type == "ipc" then .path = $i else . end)' \
                --arg u "/proc/$pid/ns/uts" --arg i "/proc/$pid/ns/ipc")
        assert_eq "$(sed -n 1p <<< "$out")" first "hostname of the joined uts namespace"
        assert_eq "$(sed -n 2p <<< "$out")" "$(readlink "/proc/$pid/ns/ipc")" "joined ipc namespace"
}

test_join_bad_path_fails() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/netns" else . end)'
        assert_fail rt run --bundle "$b" "$id"
        assert_contains "$OUT" /nonexistent/netns
        assert_no_residue "$id"
        # a namespace file of the wrong type
        id=$(new_id)
        make_bundle "$b" '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/uts" else . end)'
        assert_fail rt run --bundle "$b" "$id"
        assert_no_residue "$id"
}

test_user_namespace_mappings() {
        local out
        out=$(sh_ctr 'cat /proc/self/uid_map /proc/self/gid_map; id -u; readlink /proc/self/ns/user' \
                '.linux.namespaces += [{type: "user"}] |
                 .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
                 .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 65536}]')
        assert_match "$(sed -n 1p <<< "$out")" '^ +0 +100000 +65536$' "uid_map"
        assert_match "$(sed -n 2p <<< "$out")" '^ +0 +200000 +65536$' "gid_map"
        assert_eq "$(sed -n 3p <<< "$out")" 0 "uid inside"
        assert_ne "$(sed -n 4p <<< "$out")" "$(host_ns user)" "user namespace"
}

test_user_namespace_host_view() {
        local id pid
        id=$(start_sleeper '.linux.namespaces += [{type: "user"}] |
                 .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
                 .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
                 .process.user = {uid: 1000, gid: 1000}')
        pid=$(state_of "$id" .pid)
        # seen from the host, uid 1000 inside is 101000
        assert_match "$(grep ^Uid: "/proc/$pid/status")" '^Uid:[[:space:]]+101000[[:space:]]' "host view of the uid"
        assert_match "$(grep ^Gid: "/proc/$pid/status")" '^Gid:[[:space:]]+101000[[:space:]]' "host view of the gid"
}

test_time_namespace_offsets() {
        [ -e /proc/self/ns/time ] || skip "this kernel has no time namespace"
        local out
        out=$(sh_ctr 'cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime' \
                '.linux.namespaces += [{type: "time"}] |
                 .linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}, boottime: {secs: 172800, nanosecs: 0}}')
        assert_match "$(grep ^monotonic <<< "$out")" '^monotonic +86400 +0$' "monotonic offset"
        assert_match "$(grep ^boottime <<< "$out")" '^boottime +172800 +0$' "boottime offset"
        # uptime follows the boottime offset
        local up host
        up=$(tail -1 <<< "$out" | cut -d. -f1)
        host=$(cut -d. -f1 /proc/uptime)
        [ $((up - host)) -ge 172790 ] && [ $((up - host)) -le 172810 ] || fail "uptime inside $up, host $host"
}

test_cgroup_namespace() {
        local out
        out=$(sh_ctr 'readlink /proc/self/ns/cgroup; grep "^0::" /proc/self/cgroup' \
                '.linux.namespaces += [{type: "cgroup"}]')
        assert_ne "$(sed -n 1p <<< "$out")" "$(host_ns cgroup)" "cgroup namespace"
        # the container's own cgroup is the root of its view
        assert_eq "$(sed -n 2p <<< "$out")" "0::/" "/proc/self/cgroup inside"
}

test_no_network_namespace_sees_host_interfaces() {
        local out
        out=$(sh_ctr 'ls /sys/class/net | sort | tr "\n" " "' \
                '.linux.namespaces |= map(select(.type != "network")) |
                 .mounts |= map(select(.destination != "/sys")) |
                 .mounts += [{destination: "/sys", type: "bind", source: "/sys", options: ["rbind", "ro"]}]')
        assert_eq "$out" "$(ls /sys/class/net | sort | tr '\n' ' ')" "interfaces without a network namespace"
}

test_new_network_namespace_has_only_lo() {
        local out
        out=$(sh_ctr 'ls /sys/class/net | tr "\n" " "')
        assert_eq "$out" "lo " "interfaces in a new network namespace"
}
