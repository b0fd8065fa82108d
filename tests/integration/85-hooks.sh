# SPDX-License-Identifier: LGPL-2.1-or-later
# OCI hooks: every stage at its moment, in its namespaces, with its state document; the order within a stage;
# `run` and create+start alike; timeouts (the whole process group, a hook that never reads stdin, a daemon
# holding stdout); each failure semantic with residue checks; hooks.d (--hooks-dir) matching, order,
# override and invalid files.
#
# The probe hook (probe.sh STAGE TAG) records in $OUT: STAGE.state (its stdin), STAGE.ns (its mnt, pid, net
# namespaces), STAGE.cmdline (the container init's command line: berth's before the exec, the user
# process's after), and appends STAGE:TAG to $OUT/order. Host-side hooks use $TEST_TMP/h; the container sees
# the same directory at /mnt (startContainer resolves its path in the container).

HK=

hk_setup() {
        skip_unless_kind berth
        HK=$TEST_TMP/h
        mkdir -p "$HK/hooks" "$HK/out"
        cat > "$HK/hooks/probe.sh" << 'EOF'
#!/bin/sh
stage=$1 tag=$2
cat > "$OUT/$stage.state"
for ns in mnt pid net; do readlink /proc/self/ns/$ns; done > "$OUT/$stage.ns"
pid=$(sed -n 's/.*"pid" *: *\([0-9][0-9]*\).*/\1/p' "$OUT/$stage.state")
[ "$WHERE" = container ] && pid=1
if [ -n "$pid" ] && [ "$pid" != 0 ]; then tr '\0' ' ' < "/proc/$pid/cmdline" > "$OUT/$stage.cmdline"; fi
echo "$stage:$tag" >> "$OUT/order"
EOF
        cat > "$HK/hooks/fail.sh" << 'EOF'
#!/bin/sh
echo "$1:fail" >> "$OUT/order"
echo "hook $1 failing on purpose" >&2
exit "$2"
EOF
        chmod 755 "$HK/hooks/probe.sh" "$HK/hooks/fail.sh"
}

# jq helpers for bundles: hh/hc a probe on the host side / in the container, fh/fc a failing hook, sh a
# /bin/sh -c hook on the host side (OUT set), hkmount the bind mount of $HK at /mnt
HK_DEFS='def hh($s; $t): {path: $hp, args: ["probe.sh", $s, $t], env: (["PATH=/usr/bin:/bin", "OUT=\($out)"] + $tun)};
def hc($s; $t): {path: "/mnt/hooks/probe.sh", args: ["probe.sh", $s, $t],
                 env: (["PATH=/bin:/usr/bin", "OUT=/mnt/out", "WHERE=container"] + $tun)};
def fh($s; $c): {path: $fp, args: ["fail.sh", $s, $c], env: (["PATH=/usr/bin:/bin", "OUT=\($out)"] + $tun)};
def fc($s; $c): {path: "/mnt/hooks/fail.sh", args: ["fail.sh", $s, $c],
                 env: (["PATH=/bin:/usr/bin", "OUT=/mnt/out"] + $tun)};
def sh($script): {path: "/bin/sh", args: ["sh", "-c", $script], env: (["PATH=/usr/bin:/bin", "OUT=\($out)"] + $tun)};
def hkmount: .mounts += [{destination: "/mnt", type: "bind", source: $h, options: ["rbind", "rw"]}];
'

# $tun: GLIBC_TUNABLES for the hooks' environment when set (tests/testhost/uml.sh: no glibc program in the
# guest may use AVX, hooks included; see tests/testhost/README.md)
hk_tun() {
        if [ -n "${GLIBC_TUNABLES:-}" ]; then jq -cn --arg t "GLIBC_TUNABLES=$GLIBC_TUNABLES" '[$t]'; else echo '[]'; fi
}

# hk_bundle DIR FILTER [JQ-ARGS...]: make_bundle with the helpers above
hk_bundle() {
        make_bundle "$1" "$HK_DEFS $2" --arg hp "$HK/hooks/probe.sh" --arg fp "$HK/hooks/fail.sh" \
                --arg out "$HK/out" --arg h "$HK" --argjson tun "$(hk_tun)" "${@:3}"
}

# the calls recorded so far, on one line
hk_order() {
        [ -f "$HK/out/order" ] || return 0
        tr '\n' ' ' < "$HK/out/order" | sed 's/ $//'
}

hk_reset() {
        rm -f "$HK"/out/*
}

ns_of() { # PID|self
        local ns
        for ns in mnt pid net; do readlink "/proc/$1/ns/$ns"; done
}

# hk_pid_gone PID: the process is gone (or a zombie about to be reaped), within 3 s
hk_pid_gone() {
        local _
        for _ in $(seq 60); do
                [ -e "/proc/$1" ] || return 0
                grep -q '^State:.*Z' "/proc/$1/status" 2> /dev/null && return 0
                sleep 0.05
        done
        fail "process $1 still alive: $(tr '\0' ' ' < "/proc/$1/cmdline" 2> /dev/null)"
}

# The six stages of one container, as the probe recorded them. PID: the init's host pid (empty: only
# consistent between stages); CNS: the container's namespaces (empty: only "not the host's"); USER: the
# user process's command line.
hk_check_stages() {
        local id=$1 pid=$2 bundle=$3 cns=$4 user=$5 st want_status s hostns
        hostns=$(ns_of self)
        [ -n "$pid" ] || pid=$(jq -r .pid "$HK/out/createRuntime.state")
        for st in prestart createRuntime createContainer startContainer poststart poststop; do
                [ -f "$HK/out/$st.state" ] || fail "$st: the hook did not run"
                s=$(cat "$HK/out/$st.state")
                json_valid "$s"
                case $st in
                prestart | createRuntime | createContainer) want_status=creating ;;
                startContainer) want_status=created ;;
                poststart) want_status=running ;;
                poststop) want_status=stopped ;;
                esac
                assert_eq "$(jq -r .status <<< "$s")" "$want_status" "$st: state.status"
                assert_eq "$(jq -r .id <<< "$s")" "$id" "$st: state.id"
                assert_eq "$(jq -r .bundle <<< "$s")" "$(readlink -f "$bundle")" "$st: state.bundle"
                assert_match "$(jq -r .ociVersion <<< "$s")" '^1\.' "$st: state.ociVersion"
                assert_eq "$(jq -r '.annotations["org.example.hooks"]' <<< "$s")" yes "$st: state.annotations"
                # the init's pid as the host sees it (the spec's "as seen by the host"), none once stopped
                if [ "$st" = poststop ]; then
                        assert_match "$(jq -r '.pid // 0' <<< "$s")" '^0$' "$st: state.pid"
                else
                        assert_eq "$(jq -r .pid <<< "$s")" "$pid" "$st: state.pid"
                fi
                # namespaces: the runtime's for the runtime stages, the container's for the container stages
                case $st in
                createContainer | startContainer)
                        if [ -n "$cns" ]; then
                                assert_eq "$(cat "$HK/out/$st.ns")" "$cns" "$st: namespaces (mnt pid net)"
                        else
                                assert_eq "$(cat "$HK/out/$st.ns")" "$(cat "$HK/out/createContainer.ns")" \
                                        "$st: namespaces as createContainer's"
                                assert_ne "$(sed -n 1p "$HK/out/$st.ns")" "$(sed -n 1p <<< "$hostns")" "$st: mnt ns"
                                assert_ne "$(sed -n 2p "$HK/out/$st.ns")" "$(sed -n 2p <<< "$hostns")" "$st: pid ns"
                                assert_ne "$(sed -n 3p "$HK/out/$st.ns")" "$(sed -n 3p <<< "$hostns")" "$st: net ns"
                        fi
                        ;;
                *) assert_eq "$(cat "$HK/out/$st.ns")" "$hostns" "$st: namespaces (the runtime's)" ;;
                esac
                # the moment: before the user process for all but poststart (and poststop: it is gone)
                case $st in
                poststart) assert_eq "$(cat "$HK/out/$st.cmdline")" "$user" "$st: the init runs the user process" ;;
                poststop) [ ! -f "$HK/out/$st.cmdline" ] || fail "poststop: a pid to look at" ;;
                *)
                        [ -s "$HK/out/$st.cmdline" ] || fail "$st: no command line of the init recorded"
                        assert_ne "$(cat "$HK/out/$st.cmdline")" "$user" "$st: runs before the user process"
                        ;;
                esac
        done
}

HK_ALL_STAGES='.hooks = {prestart: [hh("prestart"; "1")],
        createRuntime: [hh("createRuntime"; "1"), hh("createRuntime"; "2")],
        createContainer: [hh("createContainer"; "1")],
        startContainer: [hc("startContainer"; "1")],
        poststart: [hh("poststart"; "1")],
        poststop: [hh("poststop"; "1")]} | .annotations = {"org.example.hooks": "yes"} | hkmount'

test_stages_create_start() {
        hk_setup
        local id b pid cns
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" "$HK_ALL_STAGES | .process.args = [\"sleep\", \"600\"]"
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        assert_eq "$(hk_order)" "prestart:1 createRuntime:1 createRuntime:2 createContainer:1" "hooks run by create"
        [ -s "$TEST_ROOT/$id/hooks.json" ] || fail "no hooks.json in the state directory"
        pid=$(state_of "$id" .pid)
        cns=$(ns_of "$pid")
        rt start "$id"
        assert_eq "$(hk_order)" \
                "prestart:1 createRuntime:1 createRuntime:2 createContainer:1 startContainer:1 poststart:1" \
                "hooks run by create and start"
        assert_eq "$(state_of "$id")" running "status after start"
        rt kill "$id" KILL
        wait_status "$id" stopped
        rt delete "$id"
        assert_eq "$(hk_order)" \
                "prestart:1 createRuntime:1 createRuntime:2 createContainer:1 startContainer:1 poststart:1 poststop:1" \
                "hooks run by create, start and delete"
        hk_check_stages "$id" "$pid" "$b" "$cns" "sleep 600 "
        assert_no_residue "$id"
}

test_stages_run() {
        hk_setup
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" "$HK_ALL_STAGES | .process.args = [\"sleep\", \"1\"]"
        assert_ok rt run --bundle "$b" "$id"
        assert_eq "$(hk_order)" \
                "prestart:1 createRuntime:1 createRuntime:2 createContainer:1 startContainer:1 poststart:1 poststop:1" \
                "hooks run by run"
        hk_check_stages "$id" "" "$b" "" "sleep 1 "
        assert_no_residue "$id"
}

test_hooks_json_only_with_hooks() {
        hk_setup
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        [ ! -e "$TEST_ROOT/$id/hooks.json" ] || fail "hooks.json written for a container without hooks"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_args_env_and_output_log() {
        hk_setup
        local id b log
        id=$(new_id)
        b=$TEST_TMP/b
        log=$TEST_TMP/berth.log
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks.createRuntime = [{path: "/usr/bin/env", env: (["HOOK_A=1", "HOOK_B=two words"] + $tun)},
                        {path: "/bin/sh", args: ["custom-argv0", "-c", "tr \"\\0\" \" \" < /proc/$$/cmdline; echo; echo to-stderr >&2", "x"],
                         env: $tun}] |
                if $tun == [] then .hooks.createRuntime += [{path: "/usr/bin/env", args: ["env"]}] else . end'
        rt --log "$log" --log-level info create --bundle "$b" "$id" < /dev/null > "$id.out" 2>&1 ||
                fail "create: $(cat "$id.out")"
        local l
        l=$(cat "$log")
        # env exactly as configured: these two and nothing of berth's environment; none at all when absent
        assert_contains "$l" "createRuntime hook #0 stdout: HOOK_A=1"
        assert_contains "$l" "createRuntime hook #0 stdout: HOOK_B=two words"
        assert_eq "$(grep 'createRuntime hook #0 stdout:' "$log" | grep -vc GLIBC_TUNABLES)" 2 "lines of env's output"
        # hook #2 has no env: it prints nothing (it is left out in the UML test host, where every glibc program
        # needs GLIBC_TUNABLES)
        assert_not_contains "$l" "createRuntime hook #2 stdout:"
        # args[0] is argv[0]; stdout and stderr both in the log, tagged
        assert_contains "$l" 'createRuntime hook #1 stdout: custom-argv0 -c tr'
        assert_contains "$l" "createRuntime hook #1 stderr: to-stderr"
        rt delete --force "$id"
        assert_no_residue "$id"
}

# A failing prestart, createRuntime or createContainer hook fails create: the error names the stage, the index
# and the path; nothing is left; the lifecycle goes on at delete (poststop runs).
test_fail_create_stages() {
        hk_setup
        local st id b
        for st in prestart createRuntime createContainer; do
                hk_reset
                id=$(new_id)
                b=$TEST_TMP/b-$st
                hk_bundle "$b" ".process.args = [\"sleep\", \"600\"] |
                        .hooks = {\"$st\": [hh(\"$st\"; \"1\"), fh(\"$st\"; \"3\"), hh(\"$st\"; \"never\")],
                                  poststop: [hh(\"poststop\"; \"1\")]}"
                assert_fail rt create --bundle "$b" "$id"
                assert_berth_msg "$OUT" create "$id" "$st hook #1 ($HK/hooks/fail.sh): exit status 3"
                assert_contains "$OUT" "$st hook #1 stderr: hook $st failing on purpose" "the hook's stderr"
                assert_fail rt state "$id"
                assert_no_residue "$id"
                assert_eq "$(hk_order)" "$st:1 $st:fail poststop:1" "$st: hooks run"
        done
}

test_fail_start_container() {
        hk_setup
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" '.process.args = ["sleep", "600"] | hkmount |
                .hooks = {startContainer: [fc("startContainer"; "4")], poststop: [hh("poststop"; "1")]}'
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "startContainer hook #0 (/mnt/hooks/fail.sh): exit status 4"
        # destroyed as when create fails: nothing left, poststop ran
        assert_fail rt state "$id"
        assert_no_residue "$id"
        assert_eq "$(hk_order)" "startContainer:fail poststop:1" "hooks run"
        # run: the same
        hk_reset
        id=$(new_id)
        assert_fail rt run --bundle "$b" "$id"
        assert_berth_msg "$OUT" run "$id" "startContainer hook #0 (/mnt/hooks/fail.sh): exit status 4"
        assert_fail rt state "$id"
        assert_no_residue "$id"
        assert_eq "$(hk_order)" "startContainer:fail poststop:1" "hooks run by run"
        # run with the cgroupfs manager: the init waits for neither SYNC_PARENT_READY nor SYNC_START, and its
        # failure still reaches run over the channel
        hk_reset
        id=$(new_id)
        assert_fail rt_cgfs run --bundle "$b" "$id"
        assert_berth_msg "$OUT" run "$id" "startContainer hook #0 (/mnt/hooks/fail.sh): exit status 4"
        assert_fail rt state "$id"
        assert_no_residue "$id"
        assert_eq "$(hk_order)" "startContainer:fail poststop:1" "hooks run by run (cgroupfs)"
}

test_poststart_hook_calls_state() {
        # start releases the container's lock once the init is released: a poststart hook may ask the runtime
        # about the container (within the hook's 5 s timeout, which would fail start otherwise)
        hk_setup
        local id b
        b=$TEST_TMP/b
        for how in start run; do
                hk_reset
                id=$(new_id)
                hk_bundle "$b" '.process.args = ["sleep", "600"] |
                        .hooks = {poststart: [sh("\($rt) --root \($root) state \($id) > \($out)/poststart.query") +
                                             {timeout: 5}]}' --arg rt "$RUNTIME" --arg root "$TEST_ROOT" --arg id "$id"
                if [ $how = start ]; then
                        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
                        assert_ok rt start "$id"
                else
                        assert_ok rt run -d --bundle "$b" "$id"
                fi
                assert_eq "$(jq -r .status "$HK/out/poststart.query")" running "the state a poststart hook read ($how)"
                rt delete --force "$id"
                assert_no_residue "$id"
        done
}

test_fail_poststart() {
        hk_setup
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks = {poststart: [fh("poststart"; "5"), hh("poststart"; "never")], poststop: [hh("poststop"; "1")]}'
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "poststart hook #0 ($HK/hooks/fail.sh): exit status 5"
        # stopped, not deleted: delete comes next and runs poststop
        wait_status "$id" stopped
        assert_eq "$(hk_order)" "poststart:fail" "hooks run by start"
        rt delete "$id"
        assert_eq "$(hk_order)" "poststart:fail poststop:1" "hooks run by start and delete"
        assert_no_residue "$id"
        # run: fails, and deletes
        hk_reset
        id=$(new_id)
        assert_fail rt run --bundle "$b" "$id"
        assert_berth_msg "$OUT" run "$id" "poststart hook #0 ($HK/hooks/fail.sh): exit status 5"
        assert_fail rt state "$id"
        assert_no_residue "$id"
        assert_eq "$(hk_order)" "poststart:fail poststop:1" "hooks run by run"
}

test_fail_poststop_is_a_warning() {
        hk_setup
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks = {poststop: [fh("poststop"; "6"), hh("poststop"; "after")]}'
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        rt start "$id"
        rt kill "$id" KILL
        wait_status "$id" stopped
        assert_ok rt delete "$id"
        assert_contains "$OUT" "poststop hook #0 ($HK/hooks/fail.sh): exit status 6" "delete's warning"
        assert_fail rt state "$id"
        assert_no_residue "$id"
        # the remaining poststop hooks run all the same
        assert_eq "$(hk_order)" "poststop:fail poststop:after" "poststop hooks run"
}

# The timeout kills the hook's whole process group: a child it forked goes too.
test_timeout_kills_process_group() {
        hk_setup
        local id b child
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks.createRuntime = [sh("sleep 600 & echo $! > \"$OUT/child\"; sleep 600") + {timeout: 1}]'
        SECONDS=0
        assert_fail rt create --bundle "$b" "$id"
        [ "$SECONDS" -le 10 ] || fail "create took $SECONDS s with a 1 s hook timeout"
        assert_berth_msg "$OUT" create "$id" "createRuntime hook #0 (/bin/sh): timed out after 1 s (process group killed)"
        child=$(cat "$HK/out/child")
        hk_pid_gone "$child"
        assert_no_residue "$id"
        # in the container init too (createContainer)
        id=$(new_id)
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks.createContainer = [sh("sleep 600 & sleep 600") + {timeout: 1}]'
        assert_fail rt create --bundle "$b" "$id"
        assert_berth_msg "$OUT" create "$id" "createContainer hook #0 (/bin/sh): timed out after 1 s (process group killed)"
        assert_no_residue "$id"
}

# A big state document (thousands of annotations, far more than a pipe holds) to hooks that never read
# stdin: berth is not blocked writing it.
test_stdin_never_read() {
        hk_setup
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .annotations = ([range(4000)] | map({key: "org.example.k\(.)", value: "value-\(.)-0123456789abcdef"}) | from_entries) |
                .hooks = {prestart: [sh("sleep 0.2")], createRuntime: [sh("read -r x; echo \"$x\" > \"$OUT/first\"")]}'
        SECONDS=0
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        [ "$SECONDS" -le 10 ] || fail "create took $SECONDS s"
        [ "$(wc -c < "$TEST_ROOT/$id/state.json")" -gt 150000 ] || fail "the state is not big"
        assert_eq "$(cat "$HK/out/first")" "{" "first line of the state a later hook read"
        rt delete --force "$id"
        assert_no_residue "$id"
        # and one that never reads, until its timeout
        id=$(new_id)
        bundle_set "$b" '.hooks = {poststart: [.hooks.prestart[0] | .args[2] = "sleep 600" | .timeout = 2]}'
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        SECONDS=0
        assert_fail rt start "$id"
        [ "$SECONDS" -le 10 ] || fail "start took $SECONDS s with a 2 s hook timeout"
        assert_berth_msg "$OUT" start "$id" "poststart hook #0 (/bin/sh): timed out after 2 s (process group killed)"
        wait_status "$id" stopped
        rt delete "$id"
        assert_no_residue "$id"
}

# A hook that leaves a daemon holding its stdout and stderr open: berth waits for the hook, not for EOF.
test_daemon_holding_output() {
        hk_setup
        local id b daemon
        id=$(new_id)
        b=$TEST_TMP/b
        hk_bundle "$b" '.process.args = ["sleep", "600"] |
                .hooks.createRuntime = [sh("sleep 600 & echo $! > \"$OUT/daemon\"; echo started")]'
        SECONDS=0
        create_ctr "$id" "$b" || fail "create: $(cat "$id.out")"
        [ "$SECONDS" -le 10 ] || fail "create took $SECONDS s"
        daemon=$(cat "$HK/out/daemon")
        defer kill -KILL "$daemon"
        [ -e "/proc/$daemon" ] || fail "the daemon is gone: it should outlive its hook"
        rt delete --force "$id"
        assert_no_residue "$id"
}

# hooks.d: one probe per file, tagged with the file's name, in the createRuntime stage
hk_hooksd_file() { # DIR NAME WHEN-JSON [STAGE]
        local st=${4:-createRuntime}
        jq -n --arg hp "$HK/hooks/probe.sh" --arg out "$HK/out" --arg tag "${2%.json}" --arg st "$st" \
                --argjson when "$3" \
                --argjson tun "$(hk_tun)" \
                '{version: "1.0.0", hook: {path: $hp, args: ["probe.sh", $st, $tag], env: (["PATH=/usr/bin:/bin", "OUT=\($out)"] + $tun)},
                  when: $when, stages: [$st]}' > "$1/$2"
}

test_hooksd_matching_and_order() {
        hk_setup
        local d1=$TEST_TMP/hd1 d2=$TEST_TMP/hd2 id b
        mkdir -p "$d1" "$d2"
        hk_hooksd_file "$d1" 10-always.json '{"always": true}'
        hk_hooksd_file "$d1" 15-stop.json '{"always": true}' poststop
        hk_hooksd_file "$d1" 20-ann.json '{"annotations": {"^org\\.example\\.gpu$": "^yes$"}}'
        hk_hooksd_file "$d1" 30-cmd.json '{"commands": ["^/bin/nope$", "^sleep$"]}'
        hk_hooksd_file "$d1" 40-bind.json '{"hasBindMounts": true}'
        hk_hooksd_file "$d1" 50-never.json '{"always": false}'
        hk_hooksd_file "$d1" 55-and.json '{"always": true, "commands": ["^true$"]}'
        hk_hooksd_file "$d1" 60-over.json '{"always": true}'
        hk_hooksd_file "$d2" 60-over.json '{"always": true}'
        sed -i 's/"60-over"/"60-over-d2"/' "$d2/60-over.json"
        # names compare case-insensitively: A before b whatever the directory
        hk_hooksd_file "$d1" 05-b.json '{"always": true}'
        hk_hooksd_file "$d2" 05-A.json '{"always": true}'
        echo 'not a hook file' > "$d1/README"

        # everything matches (annotation, command, bind mount)
        id=$(new_id)
        b=$TEST_TMP/b1
        hk_bundle "$b" 'hkmount | .process.args = ["sleep", "600"] | .annotations = {"org.example.gpu": "yes"} |
                .hooks.createRuntime = [hh("createRuntime"; "config")]'
        rt --hooks-dir "$d1" --hooks-dir "$d2" create --bundle "$b" "$id" < /dev/null > "$id.out" 2>&1 ||
                fail "create: $(cat "$id.out")"
        assert_eq "$(hk_order)" \
                "createRuntime:config createRuntime:05-A createRuntime:05-b createRuntime:10-always createRuntime:20-ann createRuntime:30-cmd createRuntime:40-bind createRuntime:60-over-d2" \
                "hooks run (config.json's first, then hooks.d's by name)"
        # poststop came from hooks.d too: saved at create, run by a delete without --hooks-dir
        rt delete --force "$id"
        assert_contains "$(hk_order)" "poststop:15-stop" "the hooks.d poststop hook"
        assert_no_residue "$id"

        # nothing but the unconditional ones: the annotation's value differs, another command, no bind mount
        hk_reset
        id=$(new_id)
        b=$TEST_TMP/b2
        hk_bundle "$b" '.process.args = ["/bin/sleep", "600"] | .annotations = {"org.example.gpu": "no", "x": "yes"}'
        rt --hooks-dir "$d1" --hooks-dir "$d2" create --bundle "$b" "$id" < /dev/null > "$id.out" 2>&1 ||
                fail "create: $(cat "$id.out")"
        assert_eq "$(hk_order)" "createRuntime:05-A createRuntime:05-b createRuntime:10-always createRuntime:60-over-d2" \
                "hooks run without annotation, command or bind mount"
        rt delete --force "$id"

        # the other directory order: d1's 60-over.json wins
        hk_reset
        id=$(new_id)
        rt --hooks-dir "$d2" --hooks-dir "$d1" create --bundle "$b" "$id" < /dev/null > "$id.out" 2>&1 ||
                fail "create: $(cat "$id.out")"
        assert_contains "$(hk_order)" "createRuntime:60-over" "the later directory's file"
        assert_not_contains "$(hk_order)" "60-over-d2" "the earlier directory's file"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_hooksd_invalid_file() {
        hk_setup
        local d=$TEST_TMP/hd id b
        mkdir -p "$d"
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["sleep", "600"]'
        hk_hooksd_file "$d" 10-ok.json '{"always": true}'
        jq -n '{version: "1.0.0", hook: {path: "/bin/true"}, when: {always: true}, stages: ["prestart", "bogus"]}' \
                > "$d/20-bad.json"
        id=$(new_id)
        assert_fail rt --hooks-dir "$d" create --bundle "$b" "$id"
        assert_berth_msg "$OUT" create "$id" "hooks.d file $d/20-bad.json: stages[1]: unknown stage \"bogus\""
        assert_no_residue "$id"
        assert_eq "$(hk_order)" "" "hooks run"
        jq -n '{version: "1.0.0", hook: {path: "/bin/true"}, when: {commands: ["("]}, stages: ["prestart"]}' \
                > "$d/20-bad.json"
        id=$(new_id)
        assert_fail rt --hooks-dir "$d" create --bundle "$b" "$id"
        assert_berth_msg "$OUT" create "$id" "hooks.d file $d/20-bad.json: when.commands[0]: invalid regular expression"
        assert_no_residue "$id"
        echo '{"version": "1.0.0", "hook": ' > "$d/20-bad.json"
        id=$(new_id)
        assert_fail rt --hooks-dir "$d" create --bundle "$b" "$id"
        assert_berth_msg "$OUT" create "$id" "hooks.d file $d/20-bad.json: invalid JSON"
        assert_no_residue "$id"
}
