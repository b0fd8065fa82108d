# SPDX-License-Identifier: LGPL-2.1-or-later
# Security: symlinks in the rootfs must not lead mounts out of it, seccomp, capabilities, no_new_privs.

# copy_rootfs NAME: a private copy of the shared rootfs under TEST_TMP (small: busybox and symlinks)
copy_rootfs() {
        local dst=$TEST_TMP/$1
        cp -a "$ROOTFS" "$dst"
        echo "$dst"
}

# the host's /etc in this test host must not get a berth-escape entry, whatever the runtime does
_no_host_escape() {
        [ ! -e /etc/berth-escape ] || { rm -rf /etc/berth-escape; fail "the runtime created /etc/berth-escape on the host"; }
        [ ! -e /tmp/berth-escape ] || { rm -rf /tmp/berth-escape; fail "the runtime created /tmp/berth-escape on the host"; }
}

test_symlink_etc_to_absolute_etc() {
        local r id b
        r=$(copy_rootfs rootfs-evil)
        rm -rf "${r:?}/etc"
        ln -s /etc "$r/etc"
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.root.path = $r | .process.args = ["ls", "-la", "/etc/berth-escape"] |
                          .mounts += [{destination: "/etc/berth-escape", type: "tmpfs", source: "tmpfs"}]' --arg r "$r"
        rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || true
        _no_host_escape
        # if the container ran, the mount point was made inside the rootfs (/etc there is a loop to itself, so
        # refusing is fine too)
        assert_no_residue "$id" "$r"
}

test_symlink_relative_escape() {
        local r id b
        r=$(copy_rootfs rootfs-evil)
        # ../../../../../../tmp resolves to the rootfs' own /tmp when followed inside the rootfs
        ln -s ../../../../../../../../tmp "$r/mnt/escape"
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.root.path = $r | .process.args = ["true"] |
                          .mounts += [{destination: "/mnt/escape/berth-escape", type: "tmpfs", source: "tmpfs"}]' \
                --arg r "$r"
        rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || true
        _no_host_escape
        assert_no_residue "$id" "$r"
}

test_symlink_mount_destination_absolute() {
        local r id b target
        r=$(copy_rootfs rootfs-evil)
        target=$TEST_TMP/host-target
        mkdir -p "$target"
        # /mnt/link -> an absolute host path: inside the rootfs it means $r$target, never $target itself
        ln -s "$target" "$r/mnt/link"
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.root.path = $r | .root.readonly = false | .process.args = ["true"] |
                          .mounts += [{destination: "/mnt/link", type: "tmpfs", source: "tmpfs"}]' --arg r "$r"
        rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || true
        assert_no_residue "$id" "$r"
        assert_eq "$(ls -A "$target")" "" "the host directory the symlink names"
        # no mount ever appeared on it on the host (the runtime's mount namespace is gone with the container,
        # but a mount made in the host's namespace would still be here)
        if awk -v t="$target" '$5 == t' /proc/self/mountinfo | grep -q .; then fail "tmpfs mounted on the host at $target"; fi
}

test_bind_source_symlink() {
        local src out
        mkdir -p "$TEST_TMP/real"
        echo via-symlink > "$TEST_TMP/real/f"
        ln -s "$TEST_TMP/real" "$TEST_TMP/link"
        # the source is a host path: its symlinks are the host's to follow
        out=$(sh_ctr 'cat /mnt/f' '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["bind", "ro"]}]' \
                --arg s "$TEST_TMP/link")
        assert_eq "$out" via-symlink
}

test_symlink_to_proc_as_destination() {
        local r id b
        r=$(copy_rootfs rootfs-evil)
        # a mount destination that is a symlink into /proc (procfs tricks): must not end up on the host's /proc
        ln -s /proc/self/root "$r/mnt/selfroot"
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.root.path = $r | .process.args = ["true"] |
                          .mounts += [{destination: "/mnt/selfroot/tmp/berth-escape", type: "tmpfs", source: "tmpfs"}]' \
                --arg r "$r"
        rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || true
        _no_host_escape
        assert_no_residue "$id" "$r"
}

test_seccomp_errno() {
        local out
        # mkdir and mkdirat fail with EPERM-like errno 95 (EOPNOTSUPP); everything else is allowed
        out=$(sh_ctr 'mkdir /tmp/d 2>&1; echo "rc=$?"; touch /tmp/f && echo touch-ok' \
                '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}] |
                 .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                                   syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}')
        assert_contains "$out" "Operation not supported"
        assert_contains "$out" "rc=1"
        assert_contains "$out" touch-ok
}

test_seccomp_default_errno_and_status() {
        local out
        # a default-deny profile with an allow list; the kernel reports the filter in /proc/self/status
        out=$(sh_ctr 'grep -E "^Seccomp:" /proc/self/status; mkdir /tmp/d 2>&1; echo "rc=$?"' \
                '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}] |
                 .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                                   syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}')
        assert_match "$(grep Seccomp: <<< "$out")" 'Seccomp:[[:space:]]+2' "seccomp mode"
        # SCMP_ACT_ERRNO without errnoRet: EPERM
        assert_contains "$out" "Operation not permitted"
}

test_seccomp_kill() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" ".process.args = $(jargs sh -c 'mkdir /tmp/d; echo survived') |
                 .mounts += [{destination: \"/tmp\", type: \"tmpfs\", source: \"tmpfs\"}] |
                 .linux.namespaces |= map(select(.type != \"pid\")) |
                 .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\",
                                   syscalls: [{names: [\"mkdir\", \"mkdirat\"], action: \"SCMP_ACT_KILL_PROCESS\"}]}"
        local rc=0
        rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || rc=$?
        # the shell forks mkdir, which is killed with SIGSYS; the shell goes on
        assert_contains "$(cat "$TEST_TMP/out")" survived
        assert_eq "$rc" 0 "exit status"
}

# SCMP_ACT_NOTIFY with listenerPath: the agent gets the notification fd and the process state over the socket
# (the runtime spec's container process state) and answers the intercepted syscalls
test_seccomp_listener() {
        local out sock=$TEST_TMP/agent.sock msg=$TEST_TMP/agent.json
        [ -x "$HELPERS_BIN/seccomp-agent" ] || fail "tests/helpers/seccomp-agent.c was not compiled"
        "$HELPERS_BIN/seccomp-agent" "$sock" "$msg" 95 > "$TEST_TMP/agent.log" 2>&1 &
        local apid=$!
        for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
        out=$(sh_ctr 'mkdir /tmp/d 2>&1; echo "rc=$?"; touch /tmp/f && echo touch-ok' \
                '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}] |
                 .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock, listenerMetadata: "meta \"1\"\tx",
                                   syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' \
                --arg sock "$sock")
        wait "$apid" || fail "seccomp-agent: $(cat "$TEST_TMP/agent.log")"
        # the agent's answer (EOPNOTSUPP), not the kernel's
        assert_contains "$out" "Operation not supported"
        assert_contains "$out" "rc=1"
        assert_contains "$out" touch-ok
        assert_contains "$(cat "$TEST_TMP/agent.log")" "answered 1 notifications"
        assert_eq "$(jq -c .fds "$msg")" '["seccompFd"]' "fds"
        # escaped as JSON, control characters too
        assert_eq "$(jq -r .metadata "$msg")" $'meta "1"\tx' "metadata"
        assert_eq "$(jq -r .state.status "$msg")" creating "state.status"
        assert_match "$(jq -r .state.id "$msg")" "^$TEST_ID_PREFIX-" "state.id"
        assert_eq "$(jq -r '.pid == .state.pid and .pid > 0' "$msg")" true "pid"
}

test_seccomp_bad_profile_fails() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
                                            syscalls: [{names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
        assert_fail rt run --bundle "$b" "$id"
        assert_contains "$OUT" SCMP_ACT_BOGUS
        assert_no_residue "$id"
}

test_capabilities_dropped_chown_fails() {
        local out
        local f='.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}]'
        # the template's set has no CAP_CHOWN
        out=$(sh_ctr 'touch /tmp/f; chown 65534 /tmp/f 2>&1; echo "rc=$?"' "$f")
        assert_contains "$out" "Operation not permitted"
        assert_contains "$out" "rc=1"
        out=$(sh_ctr 'touch /tmp/f; chown 65534 /tmp/f 2>&1; echo "rc=$?"; stat -c %u /tmp/f' \
                "$f | .process.capabilities |= with_entries(.value += [\"CAP_CHOWN\"])")
        assert_contains "$out" "rc=0"
        assert_eq "$(tail -1 <<< "$out")" 65534 "owner after chown"
}

test_no_capabilities_at_all() {
        local out
        out=$(sh_ctr 'grep -E "^Cap(Bnd|Eff|Prm)" /proc/self/status | tr -s "\t" " "' '.process.capabilities = {}')
        assert_contains "$out" "CapBnd: 0000000000000000"
        assert_contains "$out" "CapEff: 0000000000000000"
}

test_proc_sys_and_sysrq_not_writable() {
        local out
        out=$(sh_ctr 'echo h > /proc/sysrq-trigger 2>&1; echo "rc=$?"')
        assert_contains "$out" "rc=1"
}
