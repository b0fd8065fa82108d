# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input: every refusal leaves nothing behind and, for berth, says "berth: CMD ID: <where>: <why>".

# create_fails JQ-FILTER [JQ-ARGS...]: a bundle from the template plus FILTER must fail to create; sets OUT and ID
create_fails() {
        ID=$(new_id)
        make_bundle "$TEST_TMP/b" "$@"
        assert_fail rt create --bundle "$TEST_TMP/b" "$ID"
        assert_no_residue "$ID"
}

test_missing_config_json() {
        local id
        id=$(new_id)
        mkdir -p "$TEST_TMP/empty"
        assert_fail rt create --bundle "$TEST_TMP/empty" "$id"
        assert_contains "$OUT" config.json
        assert_berth_msg "$OUT" create "$id" "config.json"
        assert_no_residue "$id"
}

test_missing_bundle_dir() {
        local id
        id=$(new_id)
        assert_fail rt create --bundle "$TEST_TMP/nonexistent" "$id"
        assert_contains "$OUT" "$TEST_TMP/nonexistent"
        assert_no_residue "$id"
}

test_unreadable_config_json() {
        local id
        id=$(new_id)
        # root reads files whatever their mode: a directory named config.json is unreadable for everyone
        mkdir -p "$TEST_TMP/b/config.json"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_contains "$OUT" config.json
        assert_berth_msg "$OUT" create "$id" "config.json"
        assert_no_residue "$id"
}

test_invalid_json() {
        local id
        id=$(new_id)
        mkdir -p "$TEST_TMP/b"
        printf '{"ociVersion": "1.0.2", "process": {' > "$TEST_TMP/b/config.json"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "config.json"
        assert_no_residue "$id"
}

test_empty_config_json() {
        local id
        id=$(new_id)
        mkdir -p "$TEST_TMP/b"
        : > "$TEST_TMP/b/config.json"
        assert_fail rt create --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" create "$id" "config.json"
        assert_no_residue "$id"
}

test_wrong_type() {
        create_fails '.process.terminal = "yes"'
        assert_contains "$OUT" terminal
        assert_berth_msg "$OUT" create "$ID" "config.json: process.terminal"
}

test_wrong_type_args() {
        create_fails '.process.args = "true"'
        assert_contains "$OUT" args
        assert_berth_msg "$OUT" create "$ID" "process.args"
}

test_missing_process_args() {
        create_fails '.process.args = []'
        assert_berth_msg "$OUT" create "$ID" "process.args"
}

test_unknown_namespace() {
        create_fails '.linux.namespaces += [{type: "foo"}]'
        assert_contains "$OUT" foo
        assert_berth_msg "$OUT" create "$ID" 'config.json: linux.namespaces[5].type: unknown namespace "foo"'
}

test_duplicate_namespace() {
        create_fails '.linux.namespaces += [{type: "pid"}]'
        assert_berth_msg "$OUT" create "$ID" "linux.namespaces[5]"
}

test_unknown_capability() {
        create_fails '.process.capabilities.bounding += ["CAP_FOO"]'
        assert_contains "$OUT" CAP_FOO
        assert_berth_msg "$OUT" create "$ID" "process.capabilities.bounding[3]"
}

test_unknown_rlimit() {
        create_fails '.process.rlimits += [{type: "RLIMIT_FOO", soft: 1, hard: 1}]'
        assert_contains "$OUT" RLIMIT_FOO
        assert_berth_msg "$OUT" create "$ID" "process.rlimits[1]"
}

test_missing_rootfs() {
        create_fails '.root.path = $p' --arg p "$TEST_TMP/no-rootfs"
        assert_contains "$OUT" "no-rootfs"
        assert_berth_msg "$OUT" create "$ID" "no-rootfs"
}

test_rootfs_is_a_file() {
        : > "$TEST_TMP/rootfs-file"
        create_fails '.root.path = $p' --arg p "$TEST_TMP/rootfs-file"
        assert_berth_msg "$OUT" create "$ID" rootfs-file
}

test_unknown_mount_option() {
        create_fails '.mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["bogus-option=1", "rbogus"]}]'
}

test_relative_mount_destination() {
        create_fails '.mounts += [{destination: "mnt", type: "tmpfs", source: "tmpfs"}]'
}

test_missing_binary() {
        local id b rc=0
        id=$(new_id)
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["/nonexistent/bin/tool", "arg"]'
        # exec fails (at create or at start, depending on the runtime): the message names the path
        create_ctr "$id" "$b" || rc=$?
        if [ "$rc" = 0 ]; then
                rt start "$id" >> "$TEST_TMP/$id.out" 2>&1 || rc=$?
                [ "$rc" != 0 ] || wait_status "$id" stopped
        fi
        assert_contains "$(cat "$TEST_TMP/$id.out")" /nonexistent/bin/tool
        rt delete --force "$id" > /dev/null 2>&1 || true
        assert_no_residue "$id"
}

test_missing_binary_run() {
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["no-such-command"]'
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_contains "$OUT" no-such-command
        assert_no_residue "$id"
}

test_binary_not_executable() {
        local r id
        r=$TEST_TMP/rootfs-noexec
        cp -a "$ROOTFS" "$r"
        echo 'not a program' > "$r/bin/notexec"
        chmod 644 "$r/bin/notexec"
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.root.path = $r | .process.args = ["/bin/notexec"]' --arg r "$r"
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_contains "$OUT" /bin/notexec
        assert_no_residue "$id" "$r"
}

test_bad_cwd() {
        local id r
        id=$(new_id)
        # a private rootfs: a runtime that creates a missing cwd would write into it
        r=$TEST_TMP/rootfs-cwd
        cp -a "$ROOTFS" "$r"
        make_bundle "$TEST_TMP/b" '.root.path = $r | .process.cwd = "relative/dir"' --arg r "$r"
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_no_residue "$id" "$r"
}

test_duplicate_id() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        create_ctr "$id" "$b"
        assert_fail rt create --bundle "$b" "$id"
        assert_berth_msg "$OUT" create "$id" "already exists"
        # the first one is untouched
        assert_eq "$(state_of "$id")" created "status of the first container"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_bad_ids() {
        local id b
        b=$TEST_TMP/b
        make_bundle "$b"
        for id in "a/b" ".." "../escape-$TEST_ID_PREFIX" "." "" "with space" "x/../../y"; do
                assert_fail rt create --bundle "$b" "$id"
        done
        # nothing was created beside or above the root
        [ ! -e "$TEST_TMP/escape-$TEST_ID_PREFIX" ] || fail "a container state was created outside --root"
        [ -z "$(ls -A "$TEST_ROOT" 2>/dev/null)" ] || fail "state left in --root: $(ls -A "$TEST_ROOT")"
}

test_start_running_container() {
        local id
        id=$(start_sleeper)
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "running"
        assert_eq "$(state_of "$id")" running "status after a second start"
}

test_start_stopped_container() {
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b"
        create_ctr "$id" "$TEST_TMP/b"
        rt start "$id"
        wait_status "$id" stopped
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "stopped"
}

test_delete_running_without_force() {
        local id
        id=$(start_sleeper)
        assert_fail rt delete "$id"
        assert_berth_msg "$OUT" delete "$id" "--force"
        assert_eq "$(state_of "$id")" running "status after a refused delete"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_unknown_signal() {
        local id
        id=$(start_sleeper)
        for sig in FOO SIGFOO 0x9 99999 -9; do
                assert_fail rt kill "$id" "$sig"
        done
        assert_fail rt kill "$id" FOO
        assert_contains "$OUT" FOO
        assert_berth_msg "$OUT" kill "$id" 'unknown signal "FOO"'
        assert_eq "$(state_of "$id")" running "status after bad kills"
}

test_unknown_command_and_option() {
        assert_fail "$RUNTIME" no-such-command
        assert_contains "$OUT" no-such-command
        assert_fail "$RUNTIME" --no-such-global-option list
        assert_fail rt create --no-such-option --bundle "$TEST_TMP" x
        assert_fail rt state
}

test_commands_on_unknown_id() {
        local cmd
        for cmd in start kill pause resume ps; do
                assert_fail rt $cmd "nosuch-$TEST_ID_PREFIX"
                assert_berth_msg "$OUT" "$cmd" "nosuch-$TEST_ID_PREFIX" "does not exist"
        done
}

test_bad_hook_path() {
        create_fails '.hooks = {prestart: [{path: "relative/hook"}]}'
}

test_uid_mappings_without_user_namespace() {
        create_fails '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000}]'
}

test_sysctl_unknown() {
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.linux.sysctl = {"kernel.no_such_sysctl_bt": "1"}'
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_contains "$OUT" no_such_sysctl_bt
        assert_no_residue "$id"
}
