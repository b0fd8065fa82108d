# SPDX-License-Identifier: LGPL-2.1-or-later
# The container process: args, env, cwd, user, umask, hostname, rlimits, noNewPrivileges, capabilities,
# oomScoreAdj, inherited fds (--preserve-fds, LISTEN_FDS, leaks), the console.

# the fd numbers open in the container's PID 1: a background find looks at it (a pipe or a redirection would
# add fds of the shell's own, busybox sh applies redirections before it forks); fd_list formats them
FD_SCRIPT='find /proc/1/fd -mindepth 1 -maxdepth 1 & wait'
fd_list() { # TEXT: "0 1 2 " from the /proc/1/fd/N lines of TEXT
        grep '^/proc/1/fd/' <<< "$1" | sed 's|.*/||' | sort -n | tr '\n' ' '
}

test_args_with_spaces_and_quotes() {
        local out
        out=$(run_ctr ".process.args = $(jargs sh -c 'printf "[%s]" "$@"' sh 'a b' 'c"d' '' "e'f")")
        assert_eq "$out" "[a b][c\"d][][e'f]" "args as seen inside"
}

test_args_path_lookup() {
        # args[0] without a slash is looked up in the PATH of process.env
        local out
        out=$(run_ctr '.process.args = ["echo", "found"]')
        assert_eq "$out" found
}

test_env_exact() {
        local out
        out=$(sh_ctr 'env | sort' '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]')
        assert_contains "$out" "FOO=bar baz"
        assert_contains "$out" "PATH=/bin:/usr/bin"
        assert_contains "$out" "EMPTY="
        # nothing of the caller's environment leaks in (the runner exports TEST_TMP)
        assert_not_contains "$out" "TEST_TMP"
        assert_not_contains "$out" "TEST_ROOT"
}

test_cwd() {
        local out
        out=$(sh_ctr 'pwd' '.process.cwd = "/etc"')
        assert_eq "$out" /etc
}

test_user_uid_gid() {
        local out
        out=$(sh_ctr 'id -u; id -g' '.process.user = {uid: 65534, gid: 65534}')
        assert_eq "$(echo $out)" "65534 65534" "uid gid"
}

test_user_additional_gids() {
        local out
        out=$(sh_ctr 'id -G; grep ^Groups: /proc/self/status' '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20, 30]}')
        assert_contains "$out" "Groups:"
        assert_match "$(grep ^Groups: <<< "$out")" '^Groups:[[:space:]]+10 20 30' "supplementary groups"
        assert_match "$(head -1 <<< "$out")" '^1000 10 20 30$|^1000 20 10 30$|^1000' "id -G"
}

test_user_no_additional_gids_clears_groups() {
        local out
        out=$(sh_ctr 'grep ^Groups: /proc/self/status' '.process.user = {uid: 1000, gid: 1000}')
        assert_match "$out" '^Groups:[[:space:]]*$' "supplementary groups"
}

test_umask() {
        local out
        out=$(sh_ctr 'umask' '.process.user.umask = 23')
        assert_eq "$out" "0027" "umask"
        out=$(sh_ctr 'umask' '.process.user.umask = 0')
        assert_eq "$out" "0000" "umask"
}

test_hostname_domainname() {
        local out
        out=$(sh_ctr 'hostname; cat /proc/sys/kernel/domainname' '.hostname = "h-test" | .domainname = "example.test"')
        assert_eq "$(echo $out)" "h-test example.test" "hostname and domainname"
}

test_rlimits() {
        local out
        out=$(sh_ctr 'grep -E "^Max (open files|processes|core file size)" /proc/self/limits' \
                '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
                                     {type: "RLIMIT_NPROC", soft: 50, hard: 60},
                                     {type: "RLIMIT_CORE", soft: 0, hard: 0}]')
        assert_match "$(grep 'open files' <<< "$out")" 'open files +100 +200 ' "RLIMIT_NOFILE"
        assert_match "$(grep 'processes' <<< "$out")" 'processes +50 +60 ' "RLIMIT_NPROC"
        assert_match "$(grep 'core file' <<< "$out")" 'core file size +0 +0 ' "RLIMIT_CORE"
}

test_no_new_privileges() {
        local out
        out=$(sh_ctr 'grep ^NoNewPrivs: /proc/self/status' '.process.noNewPrivileges = true')
        assert_match "$out" '^NoNewPrivs:[[:space:]]+1$' "with noNewPrivileges true"
        if grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status; then
                skip "the test process itself has no_new_privs set"
        fi
        out=$(sh_ctr 'grep ^NoNewPrivs: /proc/self/status' '.process.noNewPrivileges = false')
        assert_match "$out" '^NoNewPrivs:[[:space:]]+0$' "with noNewPrivileges false"
}

test_capabilities_sets() {
        local out
        # CAP_CHOWN is bit 0, CAP_KILL bit 5. For uid 0, execve makes the effective set the permitted one
        # (no SECBIT_NOROOT), so effective: [CAP_KILL] still shows both.
        out=$(sh_ctr 'grep ^Cap /proc/self/status' \
                '.process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL"], permitted: ["CAP_CHOWN", "CAP_KILL"],
                                          effective: ["CAP_KILL"], inheritable: []}')
        assert_match "$(grep CapBnd <<< "$out")" 'CapBnd:[[:space:]]+0000000000000021$' "CapBnd"
        assert_match "$(grep CapPrm <<< "$out")" 'CapPrm:[[:space:]]+0000000000000021$' "CapPrm"
        assert_match "$(grep CapEff <<< "$out")" 'CapEff:[[:space:]]+0000000000000021$' "CapEff"
        assert_match "$(grep CapInh <<< "$out")" 'CapInh:[[:space:]]+0000000000000000$' "CapInh"
        assert_match "$(grep CapAmb <<< "$out")" 'CapAmb:[[:space:]]+0000000000000000$' "CapAmb"
}

test_capabilities_default_set() {
        local out
        # the template's set: CAP_AUDIT_WRITE (29) CAP_KILL (5) CAP_NET_BIND_SERVICE (10)
        out=$(sh_ctr 'grep -E "^Cap(Bnd|Eff)" /proc/self/status')
        assert_match "$(grep CapBnd <<< "$out")" 'CapBnd:[[:space:]]+0000000020000420$' "CapBnd"
        assert_match "$(grep CapEff <<< "$out")" 'CapEff:[[:space:]]+0000000020000420$' "CapEff"
}

test_capabilities_ambient_non_root() {
        local out
        # CAP_NET_BIND_SERVICE is bit 10: an ambient capability survives execve for a non-root user
        out=$(sh_ctr 'id -u; grep -E "^Cap(Eff|Amb)" /proc/self/status' \
                '.process.user = {uid: 1000, gid: 1000} | .process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE"],
                   permitted: ["CAP_NET_BIND_SERVICE"], effective: ["CAP_NET_BIND_SERVICE"],
                   inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"]}')
        assert_eq "$(head -1 <<< "$out")" 1000 "uid"
        assert_match "$(grep CapAmb <<< "$out")" 'CapAmb:[[:space:]]+0000000000000400$' "CapAmb"
        assert_match "$(grep CapEff <<< "$out")" 'CapEff:[[:space:]]+0000000000000400$' "CapEff"
}

test_capabilities_non_root_without_ambient() {
        local out
        # without ambient capabilities a non-root user ends up with an empty effective set
        out=$(sh_ctr 'grep -E "^CapEff" /proc/self/status' '.process.user = {uid: 1000, gid: 1000}')
        assert_match "$out" 'CapEff:[[:space:]]+0000000000000000$' "CapEff"
}

test_oom_score_adj() {
        local out
        # only raise it: lowering needs CAP_SYS_RESOURCE, which some machines' bounding sets lack
        out=$(sh_ctr 'cat /proc/self/oom_score_adj' '.process.oomScoreAdj = 500')
        assert_eq "$out" 500 "oom_score_adj"
}

test_fds_no_leak() {
        local id b out
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" ".process.args = $(jargs sh -c "$FD_SCRIPT")"
        # fds 5 and 7 are open (without O_CLOEXEC) in the runtime: they must not reach the container
        out=$(rt run --bundle "$b" "$id" 5< /dev/null 7> /dev/null < /dev/null 2>&1)
        assert_eq "$(fd_list "$out")" "0 1 2 " "fds of the container's init"
}

test_preserve_fds() {
        local id b out
        id=$(new_id)
        b=$TEST_TMP/bundle
        echo three > "$TEST_TMP/f3"
        echo four > "$TEST_TMP/f4"
        make_bundle "$b" ".process.args = $(jargs sh -c "$FD_SCRIPT"'; cat <&3; cat <&4')"
        out=$(rt run --preserve-fds 2 --bundle "$b" "$id" 3< "$TEST_TMP/f3" 4< "$TEST_TMP/f4" 5< /dev/null \
                < /dev/null 2>&1)
        assert_eq "$(fd_list "$out")" "0 1 2 3 4 " "fds with --preserve-fds 2"
        assert_eq "$(grep -v ^/proc <<< "$out" | tr '\n' ' ')" "three four " "content of fds 3 and 4"
}

test_listen_fds() {
        local id b out
        id=$(new_id)
        b=$TEST_TMP/bundle
        echo socket-activated > "$TEST_TMP/f3"
        make_bundle "$b" ".process.args = $(jargs sh -c "$FD_SCRIPT"'; echo "LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID"; cat <&3')"
        # LISTEN_PID must name the runtime's own pid (sd_listen_fds semantics): exec from a shell that sets it
        out=$(LISTEN_FDS=1 bash -c 'export LISTEN_PID=$$; exec "$@"' _ "$RUNTIME" --root "$TEST_ROOT" \
                run --bundle "$b" "$id" 3< "$TEST_TMP/f3" < /dev/null 2>&1)
        assert_eq "$(fd_list "$out")" "0 1 2 3 " "fds with LISTEN_FDS=1"
        out=$(grep -v ^/proc <<< "$out")
        assert_eq "$(sed -n 1p <<< "$out")" "LISTEN_FDS=1 LISTEN_PID=1" "environment inside"
        assert_eq "$(sed -n 2p <<< "$out")" "socket-activated" "content of fd 3"
}

# console: run a container with a terminal (create + start, or with "run": run -d); recvtty receives the pty
# master; prints what the container wrote
_console_run() { # JQ-FILTER SCRIPT [run]
        local id b sock
        [ -x "$HELPERS_BIN/recvtty" ] || fail "tests/helpers/recvtty.c was not compiled"
        id=$(new_id)
        b=$TEST_TMP/bundle
        sock=$TEST_TMP/tty.sock
        make_bundle "$b" ".process.terminal = true | .process.args = $(jargs sh -c "$2") | $1"
        "$HELPERS_BIN/recvtty" "$sock" "$TEST_TMP/tty.out" > "$TEST_TMP/recvtty.log" 2>&1 &
        local rpid=$!
        for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
        if [ "${3:-}" = run ]; then
                rt run -d --bundle "$b" --console-socket "$sock" "$id" < /dev/null > "$TEST_TMP/create.out" 2>&1 ||
                        fail "run -d: $(cat "$TEST_TMP/create.out")"
        else
                rt create --bundle "$b" --console-socket "$sock" "$id" < /dev/null > "$TEST_TMP/create.out" 2>&1 ||
                        fail "create: $(cat "$TEST_TMP/create.out")"
                rt start "$id"
        fi
        wait "$rpid" || fail "recvtty: $(cat "$TEST_TMP/recvtty.log")"
        wait_status "$id" stopped
        rt delete "$id"
        assert_no_residue "$id"
        tr -d '\r' < "$TEST_TMP/tty.out"
}

test_console_socket() {
        local out
        out=$(_console_run '.process.consoleSize = {height: 30, width: 100}' \
                'tty; stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo "TERM=$TERM"')
        assert_match "$(sed -n 1p <<< "$out")" '^/dev/pts/[0-9]+$' "tty"
        assert_eq "$(sed -n 2p <<< "$out")" "30 100" "stty size"
        assert_eq "$(sed -n 3p <<< "$out")" "all-tty" "stdio"
        assert_eq "$(sed -n 4p <<< "$out")" "TERM=xterm" "TERM"
}

# run -d hands the pty over as create does (with the cgroupfs manager, from an init that shares berth's memory
# until it execs: run-all.sh's integration-cgroupfs stage)
test_console_socket_with_run() {
        local out
        out=$(_console_run '.process.consoleSize = {height: 24, width: 90}' \
                'tty; stty size; echo via-dev-tty > /dev/tty && echo ctty-ok' run)
        assert_match "$(sed -n 1p <<< "$out")" '^/dev/pts/[0-9]+$' "tty"
        assert_eq "$(sed -n 2p <<< "$out")" "24 90" "stty size"
        assert_contains "$out" via-dev-tty
        assert_contains "$out" ctty-ok
}

test_console_is_controlling_terminal() {
        local out
        # the terminal is the session's controlling terminal: /dev/tty opens
        out=$(_console_run '.' 'echo via-dev-tty > /dev/tty && echo ctty-ok')
        assert_contains "$out" via-dev-tty
        assert_contains "$out" ctty-ok
}

test_terminal_without_console_socket_fails_for_detached() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        make_bundle "$b" '.process.terminal = true'
        # create detaches: without --console-socket there is nobody to hand the terminal to
        assert_fail rt create --bundle "$b" "$id"
        assert_no_residue "$id"
}
