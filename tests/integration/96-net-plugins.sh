# SPDX-License-Identifier: LGPL-2.1-or-later
# The networking plugins bridge and cni (berth-plugins(7)): containers on a bridge reach each other and the host,
# leases and devices are released on delete (also after a failed or killed create); the cni plugin runs Debian's
# CNI plugins (containernetworking-plugins: bridge, host-local, sbr), ADD at create and DEL at delete.
#
# Every test body runs in a network namespace of its own (unshare --net, see in_netns): the bridges, veth pairs
# and routes made here exist only there and vanish with it. The test host's network (with systemd-nspawn, the
# machine's) is never touched. Subnets: 10.213.0.0/16, which nothing here uses.

NET_TEST_FILE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
CNI_BIN=/usr/lib/cni

# in_netns FUNCTION: runs the test body FUNCTION in a new network namespace with lo up (and a mount namespace of
# its own, see cni_setup); the test's containers are deleted inside it before it goes (their plugins' destroy
# must see the same network).
in_netns() {
        local rc=0
        unshare --net --mount -- bash -c '. "$1"; . "$2"; _netns_body "$3"' _ "$TESTS_DIR/lib.sh" "$NET_TEST_FILE" "$1" || rc=$?
        [ "$rc" = 0 ] || exit "$rc"
}

_netns_body() {
        set -eE -o pipefail
        trap '_on_err $? "$BASH_COMMAND" "${BASH_SOURCE[0]}" $LINENO' ERR
        trap _netns_cleanup EXIT
        cd "$TEST_TMP"
        [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ] || fail "not in a network namespace of its own"
        ip link set lo up
        "$1"
}

_netns_cleanup() {
        local id
        [ -f "$TEST_TMP/.ids" ] || return 0
        while read -r id; do
                timeout -k 5 20 "$RUNTIME" --root "$TEST_ROOT" delete --force "$id" > /dev/null 2>&1 < /dev/null || true
        done < "$TEST_TMP/.ids"
}

# use_net_plugins NAME...: a plugin directory of the test's own (root, 0755) with the built plugins, and berth's
# configuration file ($BERTH_CONFIG) pointing at it
use_net_plugins() {
        skip_unless_kind berth
        local build p
        build=$(cd "$(dirname "$RUNTIME")/.." && pwd)
        [ -f "$build/build.ninja" ] && [ -d "$build/plugins" ] || skip "$RUNTIME is not in a meson build directory with plugins"
        install -d -m 0755 -o root -g root "$TEST_TMP/plugins"
        for p; do
                [ -f "$build/plugins/$p.so" ] || skip "plugin $p was not built"
                install -m 0644 -o root -g root "$build/plugins/$p.so" "$TEST_TMP/plugins/$p.so"
        done
        export BERTH_CONFIG=$TEST_TMP/berth.conf
        printf 'plugin_dir = %s\n' "$TEST_TMP/plugins" > "$BERTH_CONFIG"
}

# ping needs CAP_NET_RAW in the container
NET_CAPS='.process.capabilities |= (.bounding += ["CAP_NET_RAW"] | .effective += ["CAP_NET_RAW"] | .permitted += ["CAP_NET_RAW"])'

# net_sleeper ANNOTATIONS-JSON [JQ-FILTER]: a started `sleep 600` container with those annotations; prints its ID
net_sleeper() {
        start_sleeper ".annotations = \$a | $NET_CAPS | ${2:-.}" --argjson a "$1"
}

# bridge_ann BRIDGE SUBNET [EXTRA-JSON]: the annotations selecting the bridge plugin
bridge_ann() {
        jq -cn --arg b "$1" --arg s "$2" --argjson x "${3:-{\}}" \
                '{"berth.plugins": "bridge", "berth.plugin.bridge.name": $b, "berth.plugin.bridge.subnet": $s} + $x'
}

# ctr_addr ID [IFNAME]: the container's IPv4 address with its prefix ("10.213.0.2/24")
ctr_addr() {
        rt exec "$1" ip -4 -o addr show dev "${2:-eth0}" | awk '{print $4}'
}

# settled EXPECTED CMD...: CMD's output once it is EXPECTED, else its last output after 3 s. The devices of a
# network namespace go with it asynchronously (in the kernel's clean-up work), not when its last process exits.
settled() {
        local want=$1 out i
        shift
        for i in $(seq 30); do
                out=$("$@")
                [ "$out" = "$want" ] && break
                sleep 0.1
        done
        printf '%s' "$out"
}

# cni_veths BRIDGE: the veths attached to the bridge
cni_veths() {
        ip -o link show master "$1" type veth | awk -F': ' '{print $2}' | sed 's/@.*//'
}

# host_veths: the bridge plugin's host ends here ("bv..."), one per line
host_veths() {
        ip -o link show type veth | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^bv' || true
}

# leases BRIDGE: the lease files of the bridge plugin's store under the test's --root
leases() {
        local f
        for f in "$TEST_ROOT/.plugins/bridge/$1"/*; do
                [[ ${f##*/} =~ ^[0-9.]+$ ]] && echo "${f##*/}"
        done
        return 0
}

# busybox ping from the host side (the test's network namespace)
host_ping() {
        busybox ping -c1 -W2 "$1" > /dev/null 2>&1 || fail "host cannot ping $1"
}

# ---------------------------------------------------------------------------------------------------- bridge --

test_bridge_two_containers_reach_each_other_and_the_host() { in_netns _bridge_two; }
_bridge_two() {
        use_net_plugins bridge
        local ann a b aa ab veth mac
        ann=$(bridge_ann bt96br0 10.213.0.0/24)
        a=$(net_sleeper "$ann")
        b=$(net_sleeper "$ann")
        aa=$(ctr_addr "$a")
        ab=$(ctr_addr "$b")
        assert_match "$aa" '^10\.213\.0\.[0-9]+/24$' "address of $a"
        assert_match "$ab" '^10\.213\.0\.[0-9]+/24$' "address of $b"
        assert_ne "$aa" "$ab" "addresses of the two containers"
        # lo up, the default route via the bridge's address
        assert_contains "$(rt exec "$a" ip -o link show lo)" "UP" "lo in $a"
        assert_contains "$(rt exec "$a" ip route)" "default via 10.213.0.1 dev eth0" "routes in $a"
        # the host side: the bridge with the gateway address, one veth per container attached to it
        assert_contains "$(ip -4 -o addr show dev bt96br0)" "10.213.0.1/24" "address of bt96br0"
        assert_eq "$(host_veths | wc -l)" 2 "host veths"
        for veth in $(host_veths); do
                assert_contains "$(ip -o link show "$veth")" "master bt96br0" "$veth"
                assert_contains "$(ip -d link show "$veth")" "alias berth container " "$veth"
        done
        # each reaches the other and the host; the host reaches each
        rt exec "$a" ping -c1 -W2 "${ab%/*}" > /dev/null || fail "$a cannot ping $b (${ab%/*})"
        rt exec "$b" ping -c1 -W2 "${aa%/*}" > /dev/null || fail "$b cannot ping $a (${aa%/*})"
        rt exec "$a" ping -c1 -W2 10.213.0.1 > /dev/null || fail "$a cannot ping the host (10.213.0.1)"
        host_ping "${aa%/*}"
        host_ping "${ab%/*}"
        # the leases hold the container ids
        assert_eq "$(leases bt96br0 | wc -l)" 2 "leases"
        assert_eq "$(cat "$TEST_ROOT/.plugins/bridge/bt96br0/${aa%/*}")" "$a" "owner of ${aa%/*}"

        # the bridge has an address of its own: it does not change when a port goes (ARP caches stay right)
        mac=$(ip -o link show bt96br0 | grep -o 'link/ether [0-9a-f:]*')
        rt delete --force "$a"
        assert_eq "$(ip -o link show bt96br0 | grep -o 'link/ether [0-9a-f:]*')" "$mac" "address of bt96br0 after $a went"
        assert_eq "$(host_veths | wc -l)" 1 "host veths after deleting $a"
        assert_eq "$(leases bt96br0)" "${ab%/*}" "leases after deleting $a"
        rt exec "$b" ping -c1 -W2 10.213.0.1 > /dev/null || fail "$b lost its network when $a went"
        rt delete --force "$b"
        assert_eq "$(host_veths)" "" "host veths after deleting both"
        assert_eq "$(leases bt96br0)" "" "leases after deleting both"
        # the plugin made the bridge: it goes with the last lease, and so does its store
        ip link show bt96br0 > /dev/null 2>&1 && fail "bridge bt96br0 is still there"
        [ ! -e "$TEST_ROOT/.plugins/bridge/bt96br0" ] || fail "the store of bt96br0 is still there"
        assert_no_residue "$a"
        assert_no_residue "$b"
}

test_bridge_released_address_is_reused() { in_netns _bridge_reuse; }
_bridge_reuse() {
        use_net_plugins bridge
        local ann a b c aa
        ann=$(bridge_ann bt96br1 10.213.1.0/24)
        a=$(net_sleeper "$ann")
        b=$(net_sleeper "$ann")
        aa=$(ctr_addr "$a")
        rt delete --force "$a"
        c=$(net_sleeper "$ann")
        assert_eq "$(ctr_addr "$c")" "$aa" "address of $c (the one $a released)"
        rt exec "$c" ping -c1 -W2 "$(ctr_addr "$b" | cut -d/ -f1)" > /dev/null || fail "$c cannot ping $b"
}

test_bridge_parallel_creates_get_distinct_addresses() { in_netns _bridge_parallel; }
_bridge_parallel() {
        use_net_plugins bridge
        local i ids=() pids=() addrs
        make_bundle "$TEST_TMP/b" ".process.args = [\"sleep\", \"600\"] | .annotations = \$a" \
                --argjson a "$(bridge_ann bt96br2 10.213.2.0/24)"
        for i in 1 2 3 4; do
                ids+=("$(new_id p)")
                rt create --bundle "$TEST_TMP/b" "${ids[-1]}" < /dev/null > "$TEST_TMP/p$i.out" 2>&1 &
                pids+=($!)
        done
        for i in "${!pids[@]}"; do
                wait "${pids[$i]}" || fail "create ${ids[$i]}: $(cat "$TEST_TMP/p$((i + 1)).out")"
        done
        addrs=$(for i in "${ids[@]}"; do ctr_addr "$i"; done | sort)
        assert_eq "$(sort -u <<< "$addrs" | wc -l)" 4 "distinct addresses: $addrs"
        assert_eq "$(leases bt96br2 | wc -l)" 4 "leases"
        for i in "${ids[@]}"; do rt delete --force "$i"; done
        assert_eq "$(host_veths)$(leases bt96br2)" "" "veths and leases after delete"
}

test_bridge_user_namespace_container() { in_netns _bridge_userns; }
_bridge_userns() {
        use_net_plugins bridge
        local a b
        # the network namespace belongs to the container's user namespace: the plugin, host root, still sets it up
        a=$(net_sleeper "$(bridge_ann bt96br13 10.213.13.0/24)" '.linux.namespaces += [{type: "user"}] |
                .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}] |
                .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]')
        b=$(net_sleeper "$(bridge_ann bt96br13 10.213.13.0/24)")
        assert_match "$(ctr_addr "$a")" '^10\.213\.13\.' "address of $a"
        rt exec "$a" ping -c1 -W2 "$(ctr_addr "$b" | cut -d/ -f1)" > /dev/null || fail "$a cannot ping $b"
        rt delete --force "$a"
        rt delete --force "$b"
        assert_eq "$(host_veths)$(leases bt96br13)" "" "veths and leases"
        assert_no_residue "$a"
}

test_bridge_full_subnet_fails_cleanly() { in_netns _bridge_full; }
_bridge_full() {
        use_net_plugins bridge
        local ann a id
        # a /30: the bridge's address and one more
        ann=$(bridge_ann bt96br3 10.213.3.0/30)
        a=$(net_sleeper "$ann")
        assert_eq "$(ctr_addr "$a")" 10.213.3.2/30 "address of $a"
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .annotations = $a' --argjson a "$ann"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "plugin bridge: no free address left in 10.213.3.0/30 on bridge bt96br3"
        [ ! -e "$TEST_ROOT/$id" ] || fail "state of $id left behind"
        assert_eq "$(host_veths | wc -l)" 1 "host veths (only $a's)"
        assert_eq "$(leases bt96br3)" 10.213.3.2 "leases (only $a's)"
        rt exec "$a" ping -c1 -W2 10.213.3.1 > /dev/null || fail "$a lost its network"
        rt delete --force "$a"
        assert_no_residue "$id"
}

test_bridge_bad_options() { in_netns _bridge_bad_options; }
_bridge_bad_options() {
        use_net_plugins bridge
        local id x
        for x in '{"berth.plugin.bridge.subnet": "10.213.4.1/24"}|berth.plugin.bridge.subnet: "10.213.4.1/24" has host bits set (the subnet is 10.213.4.0/24)' \
                '{"berth.plugin.bridge.subnet": "10.213.4.0/31"}|berth.plugin.bridge.subnet: "10.213.4.0/31": prefix length must be 8 to 30' \
                '{"berth.plugin.bridge.gateway": "10.213.5.1"}|berth.plugin.bridge.gateway: 10.213.5.1 is not a host address of the subnet' \
                '{"berth.plugin.bridge.name": "a-very-long-bridge-name"}|berth.plugin.bridge.name: "a-very-long-bridge-name" is not an interface name' \
                '{"berth.plugin.bridge.colour": "blue"}|berth.plugin.bridge.colour: unknown option'; do
                id=$(new_id)
                make_bundle "$TEST_TMP/b-$id" '.annotations = ({"berth.plugins": "bridge", "berth.plugin.bridge.name": "bt96br4",
                        "berth.plugin.bridge.subnet": "10.213.4.0/24"} + $x)' --argjson x "${x%%|*}"
                assert_fail rt create --bundle "$TEST_TMP/b-$id" "$id"
                assert_berth_msg "$OUT" create "$id" "plugin bridge: ${x#*|}"
                assert_no_residue "$id"
        done
        ip link show bt96br4 > /dev/null 2>&1 && fail "a bridge was made for a refused container"
        assert_eq "$(host_veths)" "" "host veths"
}

test_bridge_needs_a_network_namespace() { in_netns _bridge_no_netns; }
_bridge_no_netns() {
        use_net_plugins bridge
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.annotations = $a | .linux.namespaces |= map(select(.type != "network"))' \
                --argjson a "$(bridge_ann bt96br5 10.213.5.0/24)"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "plugin bridge: the container has no network namespace of its own"
        assert_no_residue "$id"
        assert_eq "$(host_veths)$(leases bt96br5)" "" "veths and leases"
}

test_bridge_subnet_conflict_on_one_bridge() { in_netns _bridge_conflict; }
_bridge_conflict() {
        use_net_plugins bridge
        local a id
        a=$(net_sleeper "$(bridge_ann bt96br6 10.213.6.0/24)")
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.annotations = $a' --argjson a "$(bridge_ann bt96br6 10.213.7.0/24)"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" \
                "bridge bt96br6 is in use with subnet 10.213.6.0/24 and gateway 10.213.6.1, not 10.213.7.0/24 and gateway 10.213.7.1"
        assert_eq "$(leases bt96br6 | wc -l)" 1 "leases (only $a's)"
        assert_eq "$(host_veths | wc -l)" 1 "host veths (only $a's)"
        rt delete --force "$a"
        assert_no_residue "$id"
}

test_bridge_existing_bridge_is_kept() { in_netns _bridge_existing; }
_bridge_existing() {
        use_net_plugins bridge
        local a
        ip link add bt96pre type bridge
        ip addr add 10.213.9.1/24 dev bt96pre
        a=$(net_sleeper "$(bridge_ann bt96pre 10.213.9.0/24)")
        assert_match "$(ctr_addr "$a")" '^10\.213\.9\.' "address of $a"
        rt exec "$a" ping -c1 -W2 10.213.9.1 > /dev/null || fail "$a cannot ping the host"
        rt delete --force "$a"
        # not made by the plugin: it stays, with its address
        assert_contains "$(ip -4 -o addr show dev bt96pre)" "10.213.9.1/24" "bt96pre after delete"
        assert_eq "$(host_veths)$(leases bt96pre)" "" "veths and leases"
        # a device of that name that is not a bridge is refused
        ip link add bt96notbr type veth peer name bt96notbrp
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.annotations = $a' --argjson a "$(bridge_ann bt96notbr 10.213.10.0/24)"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "plugin bridge: interface bt96notbr exists and is not a bridge (veth)"
        assert_no_residue "$id"
}

test_bridge_failing_hook_after_plugin_cleans_up() { in_netns _bridge_failing_hook; }
_bridge_failing_hook() {
        use_net_plugins bridge
        local id
        id=$(new_id)
        # createRuntime hooks run after the plugins' create: the veth and the lease exist when it fails
        make_bundle "$TEST_TMP/b" '.annotations = $a | .hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "ip -o link show type veth | grep -q bv && exit 3"]}]' \
                --argjson a "$(bridge_ann bt96br11 10.213.11.0/24)"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "createRuntime"
        assert_contains "$OUT" "status 3" "error message (the hook saw the veth)"
        assert_no_residue "$id"
        assert_eq "$(host_veths)$(leases bt96br11)" "" "veths and leases"
        ip link show bt96br11 > /dev/null 2>&1 && fail "bridge bt96br11 is still there"
        return 0
}

test_bridge_killed_create_then_delete_force() { in_netns _bridge_killed_create; }
_bridge_killed_create() {
        use_net_plugins bridge
        local id pid hook_pid i
        id=$(new_id)
        # a createRuntime hook (after the plugin's create) that waits: berth create is killed meanwhile
        make_bundle "$TEST_TMP/b" '.annotations = $a | .hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ > \($m).tmp && mv \($m).tmp \($m) && exec sleep 60"]}]' \
                --argjson a "$(bridge_ann bt96br12 10.213.12.0/24)" --arg m "$TEST_TMP/hook.pid"
        # the runtime itself (not the rt function's subshell): $! is its pid
        "$RUNTIME" --root "$TEST_ROOT" create --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/create.out" 2>&1 &
        pid=$!
        assert_eq "$(cat "/proc/$pid/comm")" "$(basename "$RUNTIME" | cut -c1-15)" "the process killed below"
        for i in $(seq 100); do [ -s "$TEST_TMP/hook.pid" ] && break; sleep 0.1; done
        [ -s "$TEST_TMP/hook.pid" ] || fail "the hook did not run: $(cat "$TEST_TMP/create.out")"
        hook_pid=$(cat "$TEST_TMP/hook.pid")
        defer kill -KILL "$hook_pid"
        assert_eq "$(leases bt96br12 | wc -l)" 1 "leases while create waits"
        assert_eq "$(host_veths | wc -l)" 1 "host veths while create waits"
        kill -KILL "$pid"
        wait "$pid" 2> /dev/null || true
        kill -KILL "$hook_pid" 2> /dev/null || true
        rt delete --force "$id"
        assert_eq "$(settled "" host_veths)" "" "host veths after delete --force"
        assert_eq "$(leases bt96br12)" "" "leases after delete --force"
        assert_no_residue "$id"
}

# ------------------------------------------------------------------------------------------------------- cni --

# cni_setup: skip without Debian's CNI plugins; a configuration directory of the test's own ($CNI_DIR)
cni_setup() {
        use_net_plugins cni
        [ -x "$CNI_BIN/bridge" ] && [ -x "$CNI_BIN/host-local" ] || skip "no CNI plugins in $CNI_BIN (apt-get install containernetworking-plugins)"
        CNI_DIR=$TEST_TMP/net.d
        CNI_DATA=$TEST_TMP/cni-data
        install -d -m 0755 -o root -g root "$CNI_DIR"
        # the bridge plugin (isGateway) sets net.ipv4.ip_forward of this network namespace; systemd-nspawn
        # mounts /proc/sys read-only: writable here, in the test's own mount namespace
        if ! touch /proc/sys/net/ipv4/ip_forward 2> /dev/null; then
                mount -o remount,bind,rw /proc/sys || skip "/proc/sys is read-only"
        fi
}

# cni_conflist FILE NAME BRIDGE SUBNET [EXTRA-PLUGINS-JSON]: a conflist with Debian's bridge + host-local
# (leases in $CNI_DATA), then the extra plugins
cni_conflist() {
        jq -n --arg n "$2" --arg b "$3" --arg s "$4" --arg d "$CNI_DATA" --argjson x "${5:-[]}" '{
                cniVersion: "1.0.0", name: $n,
                plugins: ([{type: "bridge", bridge: $b, isGateway: true,
                            ipam: {type: "host-local", ranges: [[{subnet: $s}]], dataDir: $d,
                                   routes: [{dst: "0.0.0.0/0"}]}}] + $x)}' > "$1"
}

cni_ann() { # [EXTRA-JSON]
        jq -cn --arg d "$CNI_DIR" --argjson x "${1:-{\}}" '{"berth.plugins": "cni", "berth.plugin.cni.confdir": $d} + $x'
}

test_cni_bridge_host_local_add_and_del() { in_netns _cni_add_del; }
_cni_add_del() {
        cni_setup
        local id addr result state veth
        cni_conflist "$CNI_DIR/10-test.conflist" bt96net bt96cni0 10.213.20.0/24
        id=$(net_sleeper "$(cni_ann)")
        # ADD: eth0 has an address of the range inside, the host side has the bridge and a veth on it
        addr=$(ctr_addr "$id")
        assert_match "$addr" '^10\.213\.20\.[0-9]+/24$' "eth0 in the container"
        assert_contains "$(rt exec "$id" ip route)" "default via 10.213.20.1" "routes in the container"
        veth=$(cni_veths bt96cni0)
        [ -n "$veth" ] || fail "no veth on bt96cni0: $(ip -o link)"
        rt exec "$id" ping -c1 -W2 10.213.20.1 > /dev/null || fail "the container cannot ping the bridge"
        host_ping "${addr%/*}"
        # host-local's lease names the container
        assert_contains "$(cat "$CNI_DATA/bt96net/${addr%/*}")" "$id" "host-local lease"
        # the result is saved, and shown by berth state once it is wired
        result=$TEST_ROOT/$id/plugins/cni/result.json
        [ -f "$result" ] || fail "no $result"
        assert_eq "$(jq -r '.ips[0].address' "$result")" "$addr" "address in result.json"
        assert_eq "$(jq -r '.cniVersion' "$result")" 1.0.0 "cniVersion of result.json"
        state=$(rt state "$id")
        if jq -e 'has("cni")' <<< "$state" > /dev/null; then
                assert_eq "$(jq -r '.cni.ips[0].address' <<< "$state")" "$addr" "berth state .cni"
        fi
        # DEL: the veth and host-local's lease are gone
        rt delete --force "$id"
        assert_eq "$(settled "" cni_veths bt96cni0)" "" "veths on bt96cni0 after delete (was $veth)"
        [ ! -e "$CNI_DATA/bt96net/${addr%/*}" ] || fail "host-local's lease ${addr%/*} is still there"
        assert_no_residue "$id"
}

test_cni_del_after_the_container_died() { in_netns _cni_del_dead; }
_cni_del_dead() {
        cni_setup
        local id addr
        cni_conflist "$CNI_DIR/10-test.conflist" bt96net bt96cni1 10.213.21.0/24
        id=$(net_sleeper "$(cni_ann)")
        addr=$(ctr_addr "$id")
        rt kill "$id" KILL
        wait_status "$id" stopped
        # the network namespace is gone: DEL runs without CNI_NETNS and must still release the lease
        rt delete "$id"
        [ ! -e "$CNI_DATA/bt96net/${addr%/*}" ] || fail "host-local's lease ${addr%/*} is still there"
        assert_eq "$(settled "" cni_veths bt96cni1)" "" "veths on bt96cni1"
        assert_no_residue "$id"
}

test_cni_chained_plugin_gets_prev_result() { in_netns _cni_chained; }
_cni_chained() {
        cni_setup
        [ -x "$CNI_BIN/sbr" ] || skip "no sbr plugin in $CNI_BIN"
        local id addr
        # sbr works only on a prevResult: source-based routing for the address the bridge plugin gave
        cni_conflist "$CNI_DIR/10-test.conflist" bt96net bt96cni2 10.213.22.0/24 '[{"type": "sbr"}]'
        id=$(net_sleeper "$(cni_ann)")
        addr=$(ctr_addr "$id")
        assert_contains "$(rt exec "$id" ip rule)" "from ${addr%/*}" "ip rule in the container (made by sbr)"
        # sbr's DEL fails without the network namespace (gone with the container): a warning, and bridge's DEL
        # (host-local's release) still runs
        rt kill "$id" KILL
        wait_status "$id" stopped
        assert_ok rt delete "$id"
        assert_contains "$OUT" "warning: plugin cni: CNI plugin sbr DEL (network bt96net)" "delete's warnings"
        [ ! -e "$CNI_DATA/bt96net/${addr%/*}" ] || fail "host-local's lease is still there"
        assert_no_residue "$id"
}

test_cni_network_selection() { in_netns _cni_selection; }
_cni_selection() {
        cni_setup
        local a b c id
        cni_conflist "$CNI_DIR/20-b.conflist" bt96netb bt96cnib 10.213.24.0/24
        cni_conflist "$CNI_DIR/10-a.conflist" bt96neta bt96cnia 10.213.23.0/24
        mkdir -m 0755 "$TEST_TMP/other"
        cni_conflist "$TEST_TMP/other/x.conflist" bt96netx bt96cnix 10.213.25.0/24
        # the first file in lexical order, by name, or a file named by the annotation
        a=$(net_sleeper "$(cni_ann)")
        assert_match "$(ctr_addr "$a")" '^10\.213\.23\.' "the first network (10-a.conflist)"
        b=$(net_sleeper "$(cni_ann '{"berth.plugin.cni.network": "bt96netb"}')")
        assert_match "$(ctr_addr "$b")" '^10\.213\.24\.' "network bt96netb"
        c=$(net_sleeper "$(cni_ann "$(jq -cn --arg f "$TEST_TMP/other/x.conflist" '{"berth.plugin.cni.conflist": $f}')")")
        assert_match "$(ctr_addr "$c")" '^10\.213\.25\.' "the conflist annotation"
        # a name that is in no file
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.annotations = $a' --argjson a "$(cni_ann '{"berth.plugin.cni.network": "nosuch"}')"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "plugin cni: no network named \"nosuch\" in $CNI_DIR"
        rt delete --force "$a"
        rt delete --force "$b"
        rt delete --force "$c"
        assert_no_residue "$id"
}

test_cni_configuration_errors() { in_netns _cni_conf_errors; }
_cni_conf_errors() {
        cni_setup
        local id
        # each a clear error before anything exists
        check_refused() { # ANNOTATIONS-JSON MESSAGE
                id=$(new_id)
                make_bundle "$TEST_TMP/b-$id" '.annotations = $a' --argjson a "$1"
                assert_fail rt create --bundle "$TEST_TMP/b-$id" "$id"
                assert_berth_msg "$OUT" create "$id" "plugin cni: $2"
                assert_no_residue "$id"
        }
        check_refused "$(cni_ann)" "no network configuration (*.conflist, *.conf, *.json) in $CNI_DIR"
        echo '{"cniVersion": "1.0.0", "name": "bt96net", "plugins": [{"type": "nosuchplugin"}]}' > "$CNI_DIR/10-x.conflist"
        check_refused "$(cni_ann)" "CNI plugin \"nosuchplugin\" not found in /usr/lib/cni:/opt/cni/bin"
        echo '{"cniVersion": "0.2.0", "name": "bt96net", "plugins": [{"type": "bridge"}]}' > "$CNI_DIR/10-x.conflist"
        check_refused "$(cni_ann)" "$CNI_DIR/10-x.conflist: cniVersion: \"0.2.0\" is not supported"
        echo '{"cniVersion": "1.0.0", "name": "bt96net", "plugins": [{"bridge": "x"}]}' > "$CNI_DIR/10-x.conflist"
        check_refused "$(cni_ann)" "$CNI_DIR/10-x.conflist: plugins[0].type: missing"
        echo '{"cniVersion": "1.0.0", "name": "bt96net", "plugins": [' > "$CNI_DIR/10-x.conflist"
        check_refused "$(cni_ann)" "$CNI_DIR/10-x.conflist:"
        cni_conflist "$CNI_DIR/10-x.conflist" bt96net bt96cni3 10.213.26.0/24
        check_refused "$(cni_ann '{"berth.plugin.cni.ifname": "a/b"}')" "berth.plugin.cni.ifname: \"a/b\" is not an interface name"
        check_refused "$(cni_ann '{"berth.plugin.cni.bindir": "/nonexistent"}')" "CNI plugin \"bridge\" not found in /nonexistent"
        check_refused "$(cni_ann '{"berth.plugin.cni.colour": "blue"}')" "berth.plugin.cni.colour: unknown option"
        # what root runs must be root's alone
        chmod 0777 "$CNI_DIR"
        check_refused "$(cni_ann)" "$CNI_DIR must be owned by root and writable by no one else (owner 0, mode 0777)"
        chmod 0755 "$CNI_DIR"
        ip link show bt96cni3 > /dev/null 2>&1 && fail "a CNI plugin ran for a refused container"
        return 0
}

test_cni_failed_add_runs_del() { in_netns _cni_failed_add; }
_cni_failed_add() {
        cni_setup
        local id
        # a plugin of the test's own after bridge: it fails ADD with a CNI error and logs each DEL
        install -d -m 0755 -o root -g root "$TEST_TMP/cnibin"
        cat > "$TEST_TMP/cnibin/failer" << EOF
#!/bin/sh
input=\$(cat)
echo "\$CNI_COMMAND netns=\${CNI_NETNS:+yes} prev=\$(printf '%s' "\$input" | grep -c prevResult)" >> "$TEST_TMP/failer.log"
if [ "\$CNI_COMMAND" = ADD ]; then
        echo '{"cniVersion": "1.0.0", "code": 999, "msg": "injected failure", "details": "by the test"}'
        exit 1
fi
EOF
        chmod 0755 "$TEST_TMP/cnibin/failer"
        cni_conflist "$CNI_DIR/10-test.conflist" bt96net bt96cni4 10.213.27.0/24 '[{"type": "failer"}]'
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .annotations = $a' \
                --argjson a "$(cni_ann "$(jq -cn --arg b "$TEST_TMP/cnibin:$CNI_BIN" '{"berth.plugin.cni.bindir": $b}')")"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" \
                "plugin cni: CNI plugin failer ADD (network bt96net): injected failure: by the test (CNI error 999)"
        # ADD got the bridge's result; the failed create ran DEL for the whole list (no result: no prevResult)
        assert_eq "$(head -1 "$TEST_TMP/failer.log")" "ADD netns=yes prev=1" "the failer's ADD"
        assert_eq "$(sed -n 2p "$TEST_TMP/failer.log" | cut -d' ' -f1)" DEL "the failer's DEL"
        assert_eq "$(ls "$CNI_DATA/bt96net" 2> /dev/null | grep -c '^10\.' || true)" 0 "host-local leases"
        assert_eq "$(settled "" cni_veths bt96cni4)" "" "veths"
        assert_no_residue "$id"
}

test_cni_exhausted_range_fails_cleanly() { in_netns _cni_exhausted; }
_cni_exhausted() {
        cni_setup
        local a id
        # host-local in a /30: the gateway and one address
        cni_conflist "$CNI_DIR/10-test.conflist" bt96net bt96cni5 10.213.28.0/30
        a=$(net_sleeper "$(cni_ann)")
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .annotations = $a' --argjson a "$(cni_ann)"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" \
                "plugin cni: CNI plugin bridge ADD (network bt96net): failed to allocate for range 0: no IP addresses available in range set"
        [ ! -e "$TEST_ROOT/$id" ] || fail "state of $id left behind"
        # the failed container's DEL released nothing of the other's
        assert_eq "$(settled 1 eval 'cni_veths bt96cni5 | wc -l')" 1 "veths on bt96cni5 (only $a's)"
        assert_eq "$(ls "$CNI_DATA/bt96net" | grep -c '^10\.')" 1 "host-local leases (only $a's)"
        rt exec "$a" ping -c1 -W2 10.213.28.1 > /dev/null || fail "$a lost its network"
        rt delete --force "$a"
        assert_eq "$(ls "$CNI_DATA/bt96net" | grep -c '^10\.' || true)" 0 "host-local leases after delete"
        assert_no_residue "$id"
}
