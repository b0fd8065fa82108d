# SPDX-License-Identifier: LGPL-2.1-or-later
# Plugins (berth-plugins(7)): an out-of-tree plugin built against the installed SDK with pkg-config and loaded by
# berth; loading errors (missing file, wrong ABI version, no entry symbol, untrusted directory or file) and
# failing callbacks, each a clear error naming the plugin and leaving nothing behind; the loopback, landlock and
# mdwe plugins; a container that selects no plugin opens none.

# The plugins are berth's own: every test here needs berth and its meson build directory (RUNTIME is
# BUILD/runtime/berth; the plugins are in BUILD/plugins).
BUILD=
PLUGIN_DIR=

# use_plugins NAME...: a plugin directory of the test's own (owned by root, mode 0755) holding the built
# plugins NAMEs, and berth's configuration file ($BERTH_CONFIG) pointing at it
use_plugins() {
        skip_unless_kind berth
        BUILD=$(cd "$(dirname "$RUNTIME")/.." && pwd)
        if [ ! -f "$BUILD/build.ninja" ] || [ ! -d "$BUILD/plugins" ]; then
                skip "$RUNTIME is not in a meson build directory with plugins"
        fi
        PLUGIN_DIR=$TEST_TMP/plugins
        install -d -m 0755 -o root -g root "$PLUGIN_DIR"
        local p
        for p; do install -m 0644 -o root -g root "$BUILD/plugins/$p.so" "$PLUGIN_DIR/$p.so"; done
        export BERTH_CONFIG=$TEST_TMP/berth.conf
        printf '# test configuration\nplugin_dir = %s\n' "$PLUGIN_DIR" > "$BERTH_CONFIG"
}

# install_sdk: the plugin SDK (header and berth-plugin.pc) installed from the build directory into a staging
# directory, and pkg-config set up to find it there, as an outside author's build would
install_sdk() {
        meson install -C "$BUILD" --no-rebuild --quiet --destdir "$TEST_TMP/inst" --tags devel > "$TEST_TMP/install.log" 2>&1 ||
                fail "meson install of the SDK failed: $(cat "$TEST_TMP/install.log")"
        local pc
        pc=$(find "$TEST_TMP/inst" -name berth-plugin.pc | head -1)
        [ -n "$pc" ] || fail "berth-plugin.pc was not installed"
        export PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$TEST_TMP/inst
        assert_contains "$(pkg-config --cflags berth-plugin)" "-I$TEST_TMP/inst/" "pkg-config --cflags berth-plugin"
        [ -f "$(find "$TEST_TMP/inst" -path '*/include/berth/plugin.h' | head -1)" ] || fail "berth/plugin.h was not installed"
        assert_eq "$(pkg-config --variable=plugindir berth-plugin)" "$(pkg-config --variable=libdir berth-plugin)/berth/plugins" \
                "plugindir of berth-plugin.pc"
}

# The probe plugin: records each callback with what the host told it in the file named by its "log" option
# (a host path), creates a marker in its state directory, fails the callback named by its "fail" option.
# -DPROBE_ABI=N builds it for another ABI version, -DPROBE_NO_ENTRY without the entry symbol.
PROBE_C='
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <berth/plugin.h>

#ifndef PROBE_ABI
#define PROBE_ABI BERTH_PLUGIN_ABI_VERSION
#endif

static const struct berth_host *host;

static const char *str(const char *s)
{
        return s ? s : "-";
}

static int probe(berth_container *c, const char *stage)
{
        const char *log = host->option(c, "log"), *sd = host->state_dir(c), *key, *value;
        char opts[512] = "";
        for (size_t i = 0; BERTH_HOST_HAS(host, option_at) && (key = host->option_at(c, i, &value)); i++)
                snprintf(opts + strlen(opts), sizeof(opts) - strlen(opts), "%s%s", i ? "," : "", key);
        FILE *f = log && strcmp(stage, "setup_container") ? fopen(log, "ae") : stderr;
        if (f) {
                fprintf(f, "probe %s id=%s pid=%d net=%s mnt=%s state=%s root=%s rootfs=%s greeting=%s ann=%s "
                           "config=%s options=%s\n",
                        stage, host->id(c), (int)host->pid(c), str(host->ns_path(c, "net")),
                        str(host->ns_path(c, "mnt")), str(sd), str(host->state_root(c)), str(host->rootfs(c)),
                        str(host->option(c, "greeting")), str(host->annotation(c, "org.test.note")),
                        host->config_json(c) && strstr(host->config_json(c), "ociVersion") ? "yes" : "no", opts);
                if (f != stderr)
                        fclose(f);
        }
        if (sd) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", sd, stage);
                FILE *m = fopen(path, "we");
                if (m)
                        fclose(m);
        }
        host->log(c, BERTH_LOG_INFO, "probe %s", stage);
        const char *fail = host->option(c, "fail");
        if (fail && strcmp(fail, stage) == 0)
                return host->error(c, EPERM, "%s refused as asked", stage);
        return 0;
}

#define STAGE(s)                                                                                          \
        static int s##_cb(berth_container *c)                                                             \
        {                                                                                                 \
                return probe(c, #s);                                                                      \
        }
STAGE(validate)
STAGE(create)
STAGE(setup_container)
STAGE(started)
STAGE(destroy)

static const struct berth_plugin desc = {
        .abi_version = PROBE_ABI,
        .struct_size = sizeof(struct berth_plugin),
        .name = "probe",
        .description = "records its callbacks",
        .validate = validate_cb,
        .create = create_cb,
        .setup_container = setup_container_cb,
        .started = started_cb,
        .destroy = destroy_cb,
};

#ifdef PROBE_NO_ENTRY
const struct berth_plugin *berth_plugin_entri(const struct berth_host *h);
const struct berth_plugin *berth_plugin_entri(const struct berth_host *h)
#else
const struct berth_plugin *berth_plugin_entry(const struct berth_host *h)
#endif
{
        host = h;
        return &desc;
}
'

# build_probe FILE [CFLAGS...]: the probe plugin, compiled against the installed SDK (install_sdk first)
build_probe() {
        local out=$1
        shift
        printf '%s' "$PROBE_C" > "$TEST_TMP/probe.c"
        # shellcheck disable=SC2046
        cc -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden $(pkg-config --cflags berth-plugin) "$@" \
                -shared -o "$out" "$TEST_TMP/probe.c" 2> "$TEST_TMP/cc.log" || fail "probe.c: $(cat "$TEST_TMP/cc.log")"
        chmod 0644 "$out"
}

# probe_bundle DIR [JQ-FILTER [JQ-ARGS...]]: a bundle selecting the probe plugin, logging to $TEST_TMP/probe.log
probe_bundle() {
        local dir=$1 f=${2:-.}
        shift $(($# >= 2 ? 2 : 1))
        make_bundle "$dir" '.annotations = {"berth.plugins": "probe", "berth.plugin.probe.log": $log,
                            "berth.plugin.probe.greeting": "hi", "org.test.note": "n1"} | '"$f" \
                --arg log "$TEST_TMP/probe.log" "$@"
}

test_out_of_tree_plugin_lifecycle() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        nm -D --defined-only "$PLUGIN_DIR/probe.so" | grep -q ' T berth_plugin_entry$' || fail "no exported entry"
        local id b pid log
        id=$(new_id)
        b=$TEST_TMP/b
        probe_bundle "$b" '.process.args = ["sh", "-c", "echo container ran; exec sleep 600"]'
        create_ctr "$id" "$b" || fail "create: $(cat "$TEST_TMP/$id.out")"
        pid=$(state_of "$id" .pid)
        log=$(cat "$TEST_TMP/probe.log")
        # validate: nothing exists yet
        assert_match "$log" "probe validate id=$id pid=0 net=- mnt=- state=- root=$TEST_ROOT rootfs=$ROOTFS greeting=hi ann=n1 config=yes options=log,greeting" "validate"
        # create: the init exists, its namespaces (network and mount of its own) are named, the state dir is made
        assert_contains "$log" "probe create id=$id pid=$pid net=/proc/$pid/ns/net mnt=/proc/$pid/ns/mnt state=$TEST_ROOT/$id/plugins/probe root=$TEST_ROOT rootfs=$ROOTFS greeting=hi" "create"
        [ -f "$TEST_ROOT/$id/plugins/probe/create" ] || fail "no marker of create in the plugin's state directory"
        rt start "$id"
        local _
        for _ in $(seq 50); do grep -q "container ran" "$TEST_TMP/$id.out" && break; sleep 0.1; done
        log=$(cat "$TEST_TMP/probe.log")
        assert_contains "$log" "probe started id=$id pid=$pid" "started"
        # setup_container ran in the init, inside the container, and wrote to the container's stderr
        assert_contains "$(cat "$TEST_TMP/$id.out")" "probe setup_container id=$id pid=0 net=- mnt=- state=- root=$TEST_ROOT rootfs=/ greeting=hi"
        assert_contains "$(cat "$TEST_TMP/$id.out")" "container ran"
        assert_not_contains "$log" "probe destroy" "callbacks before delete"
        rt delete --force "$id"
        assert_contains "$(tail -1 "$TEST_TMP/probe.log")" "probe destroy id=$id pid=0 " "last callback"
        assert_eq "$(grep -c . "$TEST_TMP/probe.log")" 4 "callbacks on the host (validate create started destroy)"
        assert_no_residue "$id"
}

test_example_plugin_builds_with_its_makefile() {
        use_plugins
        install_sdk
        command -v make > /dev/null || skip "make is not installed"
        cp -r "$REPO_DIR/plugins/examples" "$TEST_TMP/example"
        make -s -C "$TEST_TMP/example" > "$TEST_TMP/make.log" 2>&1 || fail "make: $(cat "$TEST_TMP/make.log")"
        make -s -C "$TEST_TMP/example" install PLUGINDIR="$PLUGIN_DIR" > "$TEST_TMP/make.log" 2>&1 ||
                fail "make install: $(cat "$TEST_TMP/make.log")"
        local id b
        id=$(new_id)
        b=$TEST_TMP/b
        make_bundle "$b" '.process.args = ["sleep", "600"] |
                          .annotations = {"berth.plugins": "hello", "berth.plugin.hello.who": "tester"}'
        rt --log-level info create --bundle "$b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || fail "create: $(cat "$TEST_TMP/out")"
        assert_contains "$(cat "$TEST_ROOT/$id/plugins/hello/greeting")" "hello tester from container $id (init pid $(state_of "$id" .pid))"
        assert_contains "$(cat "$TEST_TMP/out")" "plugin hello: wrote $TEST_ROOT/$id/plugins/hello/greeting"
        assert_ok rt --log-level info delete --force "$id"
        assert_contains "$OUT" "plugin hello: goodbye from container $id"
        assert_no_residue "$id"
}

# expect_create_error BUNDLE DETAIL: create fails with DETAIL in berth's message and leaves nothing behind
expect_create_error() {
        local b=$1 detail=$2 id
        id=$(new_id)
        assert_fail rt create --bundle "$b" "$id"
        assert_berth_msg "$OUT" create "$id" "$detail"
        assert_no_residue "$id"
}

test_missing_plugin_fails_only_its_containers() {
        use_plugins loopback
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "loopback,nosuch"}'
        expect_create_error "$TEST_TMP/b" "plugin nosuch: $PLUGIN_DIR/nosuch.so: No such file or directory"
        make_bundle "$TEST_TMP/bad" '.annotations = {"berth.plugins": "../evil"}'
        expect_create_error "$TEST_TMP/bad" 'annotation berth.plugins: invalid plugin name "../evil"'
        # a container that does not select it is not affected
        assert_eq "$(sh_ctr 'echo fine')" fine "a container without plugins"
        assert_eq "$(sh_ctr 'echo fine' '.annotations = {"berth.plugins": "loopback"}')" fine "a container with loopback"
}

test_wrong_abi_version() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so" -DPROBE_ABI=99
        probe_bundle "$TEST_TMP/b"
        expect_create_error "$TEST_TMP/b" "plugin probe: built for plugin ABI version 99, berth has 1"
        [ ! -e "$TEST_TMP/probe.log" ] || fail "a plugin of the wrong ABI version was called: $(cat "$TEST_TMP/probe.log")"
}

test_missing_entry_symbol() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so" -DPROBE_NO_ENTRY
        probe_bundle "$TEST_TMP/b"
        expect_create_error "$TEST_TMP/b" "plugin probe: $PLUGIN_DIR/probe.so does not export berth_plugin_entry"
        # not a shared object at all
        echo garbage > "$PLUGIN_DIR/probe.so"
        expect_create_error "$TEST_TMP/b" "plugin probe: $PLUGIN_DIR/probe.so: "
        # a plugin whose descriptor has another name than its file
        install -m 0644 "$BUILD/plugins/loopback.so" "$PLUGIN_DIR/probe.so"
        expect_create_error "$TEST_TMP/b" "plugin probe: $PLUGIN_DIR/probe.so calls itself \"loopback\""
}

test_failing_validate() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        probe_bundle "$TEST_TMP/b" '.annotations["berth.plugin.probe.fail"] = "validate"'
        expect_create_error "$TEST_TMP/b" "plugin probe: validate refused as asked"
        # nothing existed: no other callback, not even destroy
        assert_eq "$(cut -d' ' -f2 "$TEST_TMP/probe.log" | tr '\n' ' ')" "validate " "callbacks"
}

test_failing_create_calls_destroy() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        probe_bundle "$TEST_TMP/b" '.annotations["berth.plugin.probe.fail"] = "create"'
        expect_create_error "$TEST_TMP/b" "plugin probe: create refused as asked"
        assert_eq "$(cut -d' ' -f2 "$TEST_TMP/probe.log" | tr '\n' ' ')" "validate create destroy " "callbacks"
}

test_failing_started_stops_the_container() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        local id
        id=$(new_id)
        probe_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .annotations["berth.plugin.probe.fail"] = "started"'
        create_ctr "$id" "$TEST_TMP/b" || fail "create: $(cat "$TEST_TMP/$id.out")"
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "plugin probe: started refused as asked"
        wait_status "$id" stopped
        rt delete "$id"
        assert_contains "$(tail -1 "$TEST_TMP/probe.log")" "probe destroy id=$id"
        assert_no_residue "$id"
}

test_failing_setup_container_fails_start() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        local id
        id=$(new_id)
        probe_bundle "$TEST_TMP/b" '.process.args = ["sh", "-c", "echo user process ran"] |
                                     .annotations["berth.plugin.probe.fail"] = "setup_container"'
        create_ctr "$id" "$TEST_TMP/b" || fail "create: $(cat "$TEST_TMP/$id.out")"
        assert_fail rt start "$id"
        assert_berth_msg "$OUT" start "$id" "plugin probe: setup_container refused as asked"
        assert_not_contains "$(cat "$TEST_TMP/$id.out")" "user process ran"
        # the container is gone, as after a failed create: the plugins' destroy ran
        assert_contains "$(tail -1 "$TEST_TMP/probe.log")" "probe destroy id=$id"
        assert_no_residue "$id"
        # run: the same error
        id=$(new_id)
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" run "$id" "plugin probe: setup_container refused as asked"
        assert_not_contains "$OUT" "user process ran"
        assert_no_residue "$id"
}

test_untrusted_plugin_dir_or_file() {
        use_plugins loopback
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "loopback"}'
        chmod 0777 "$PLUGIN_DIR"
        expect_create_error "$TEST_TMP/b" "plugin directory: $PLUGIN_DIR must be owned by root and writable by no one else (owner 0, mode 0777)"
        chmod 0755 "$PLUGIN_DIR"
        chmod 0666 "$PLUGIN_DIR/loopback.so"
        expect_create_error "$TEST_TMP/b" "plugin loopback: $PLUGIN_DIR/loopback.so must be owned by root and writable by no one else (owner 0, mode 0666)"
        chmod 0644 "$PLUGIN_DIR/loopback.so"
        chown 65534 "$PLUGIN_DIR/loopback.so"
        expect_create_error "$TEST_TMP/b" "plugin loopback: $PLUGIN_DIR/loopback.so must be owned by root and writable by no one else (owner 65534, mode 0644)"
        chown 0 "$PLUGIN_DIR/loopback.so"
        # a symbolic link is not followed
        mv "$PLUGIN_DIR/loopback.so" "$TEST_TMP/loopback.so"
        ln -s "$TEST_TMP/loopback.so" "$PLUGIN_DIR/loopback.so"
        expect_create_error "$TEST_TMP/b" "plugin loopback: $PLUGIN_DIR/loopback.so: "
}

test_config_file_default_list() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        echo 'plugins = probe' >> "$BERTH_CONFIG"
        # no berth.plugins annotation: the configuration file's list applies
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugin.probe.log": $log}' --arg log "$TEST_TMP/probe.log"
        sh_ctr true '.annotations = {"berth.plugin.probe.log": $log}' --arg log "$TEST_TMP/probe.log" > /dev/null
        assert_contains "$(head -1 "$TEST_TMP/probe.log")" "probe validate"
        # an empty annotation selects none
        rm "$TEST_TMP/probe.log"
        sh_ctr true '.annotations = {"berth.plugins": "", "berth.plugin.probe.log": $log}' --arg log "$TEST_TMP/probe.log" > /dev/null
        [ ! -e "$TEST_TMP/probe.log" ] || fail "berth.plugins=\"\" still called: $(cat "$TEST_TMP/probe.log")"
        # a bad name in the configuration file names the file
        echo 'plugins = probe, Bad!' >> "$BERTH_CONFIG"
        expect_create_error "$TEST_TMP/b" "$BERTH_CONFIG: invalid plugin name \"Bad!\""
}

test_plugins_recorded_at_create() {
        use_plugins
        install_sdk
        build_probe "$PLUGIN_DIR/probe.so"
        echo 'plugins = probe' >> "$BERTH_CONFIG"
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" '.process.args = ["sleep", "600"] | .annotations = {"berth.plugin.probe.log": $log}' \
                --arg log "$TEST_TMP/probe.log"
        create_ctr "$id" "$TEST_TMP/b" || fail "create: $(cat "$TEST_TMP/$id.out")"
        # the configuration changes while the container exists: start and delete still call the plugins it
        # was created with
        sed -i 's/^plugins = .*/plugins = loopback/' "$BERTH_CONFIG"
        rt start "$id"
        rt delete --force "$id"
        assert_eq "$(cut -d' ' -f2 "$TEST_TMP/probe.log" | tr '\n' ' ')" "validate create started destroy " "callbacks"
        assert_no_residue "$id"
}

# plugins_mapped PID: the plugin files mapped by process PID
plugins_mapped() {
        grep -oF "$PLUGIN_DIR/" "/proc/$1/maps" > /dev/null || return 0
        grep -o "$PLUGIN_DIR/[a-z0-9_-]*\.so" "/proc/$1/maps" | sort -u | sed 's,.*/,,' | tr '\n' ' '
}

test_only_selected_plugins_are_opened() {
        use_plugins loopback landlock mdwe
        local a b pa pb
        # created, not started: the init is still berth (a fork of it), with whatever berth had loaded
        a=$(new_id)
        make_bundle "$TEST_TMP/ba" '.process.args = ["true"]'
        create_ctr "$a" "$TEST_TMP/ba" || fail "create: $(cat "$TEST_TMP/$a.out")"
        b=$(new_id)
        make_bundle "$TEST_TMP/bb" '.process.args = ["true"] | .annotations = {"berth.plugins": "loopback"}'
        create_ctr "$b" "$TEST_TMP/bb" || fail "create: $(cat "$TEST_TMP/$b.out")"
        pa=$(state_of "$a" .pid)
        pb=$(state_of "$b" .pid)
        assert_eq "$(plugins_mapped "$pa")" "" "plugins mapped by the init of a container that selects none"
        assert_eq "$(plugins_mapped "$pb")" "loopback.so " "plugins mapped by the init of a container that selects loopback"
        rt delete --force "$a"
        rt delete --force "$b"
        assert_no_residue "$a"
        assert_no_residue "$b"
}

test_loopback_brings_lo_up() {
        use_plugins loopback
        local out
        out=$(sh_ctr 'cat /sys/class/net/lo/operstate; ip link show lo; ip addr show lo' \
                '.annotations = {"berth.plugins": "loopback"}')
        # lo reports "unknown" when up (it has no carrier), "down" otherwise
        assert_eq "$(sed -n 1p <<< "$out")" unknown "lo operstate"
        assert_match "$(sed -n 2p <<< "$out")" '<LOOPBACK,UP,LOWER_UP>' "ip link show lo"
        assert_contains "$out" "inet 127.0.0.1/8" "ip addr show lo"
        # without the plugin a new network namespace has lo down
        assert_eq "$(sh_ctr 'cat /sys/class/net/lo/operstate')" down "lo operstate without the plugin"
        # a container in the host's network namespace is left alone
        out=$(sh_ctr 'readlink /proc/self/ns/net' '.linux.namespaces |= map(select(.type != "network")) |
                                                  .annotations = {"berth.plugins": "loopback"}')
        assert_eq "$out" "$(host_ns net)" "net namespace of a container without one of its own"
        # it takes no options
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "loopback", "berth.plugin.loopback.mtu": "9000"}'
        expect_create_error "$TEST_TMP/b" "plugin loopback: unknown option berth.plugin.loopback.mtu (it takes none)"
}

# need_landlock: skips the test when the kernel has no Landlock, after checking that the landlock plugin says so
# clearly (its validate asks the kernel) and leaves nothing behind
need_landlock() {
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/ll-probe" '.annotations = {"berth.plugins": "landlock", "berth.plugin.landlock.ro": "/"}'
        if _capture rt create --bundle "$TEST_TMP/ll-probe" "$id"; then
                rt delete --force "$id"
                return 0
        fi
        assert_berth_msg "$OUT" create "$id" "plugin landlock: "
        assert_match "$OUT" "(the kernel has no Landlock|Landlock is disabled)" "error without Landlock"
        assert_no_residue "$id"
        skip "the kernel has no Landlock (LSMs: $(cat /sys/kernel/security/lsm 2> /dev/null || echo unknown)); its error was checked"
}

# landlock_bundle DIR EXTRA-ANNOTATIONS-JQ SCRIPT: a container confined by landlock running SCRIPT, with a tmpfs on /tmp
landlock_bundle() {
        make_bundle "$1" '.process.args = ["sh", "-c", $s] |
                .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]}] |
                .annotations = ({"berth.plugins": "landlock", "berth.plugin.landlock.ro": "/",
                                 "berth.plugin.landlock.exec": "/bin", "berth.plugin.landlock.rw": "/tmp"} + '"$2"')' \
                --arg s "$3"
}

test_landlock_confines_writes() {
        use_plugins landlock
        need_landlock
        local id out rc=0
        id=$(new_id)
        landlock_bundle "$TEST_TMP/b" '{}' '
                echo inside > /tmp/f && cat /tmp/f
                echo outside > /dev/shm/f || echo "write outside: $?"
                head -c 4 /etc/passwd; echo
                cp /bin/busybox /tmp/bb && { /tmp/bb true || echo "exec from rw: $?"; }'
        rt run --bundle "$TEST_TMP/b" "$id" < /dev/null > "$TEST_TMP/out" 2>&1 || rc=$?
        out=$(cat "$TEST_TMP/out")
        assert_eq "$rc" 0 "exit status ($out)"
        assert_contains "$out" "inside" "write inside the rw hierarchy"
        assert_match "$out" "can't create /dev/shm/f: Permission denied" "write outside"
        assert_contains "$out" "write outside: " "write outside"
        assert_contains "$out" "root" "read under ro"
        assert_match "$out" "/tmp/bb: Permission denied" "exec under rw only"
        assert_no_residue "$id"
        # without the plugin the same writes work
        assert_eq "$(sh_ctr 'echo outside > /dev/shm/f && cat /dev/shm/f')" outside "write without landlock"
}

test_landlock_confines_exec_processes() {
        use_plugins landlock
        need_landlock
        local id
        landlock_bundle "$TEST_TMP/b" '{"berth.plugins": "landlock"}' 'exec sleep 600'
        id=$(new_id)
        create_ctr "$id" "$TEST_TMP/b" || fail "create: $(cat "$TEST_TMP/$id.out")"
        rt start "$id"
        # a process started by `berth exec` is confined like the container's own
        assert_ok rt exec "$id" sh -c 'echo inside > /tmp/f && cat /tmp/f'
        assert_eq "$OUT" inside "write inside the rw hierarchy from exec"
        assert_fail rt exec "$id" sh -c 'echo outside > /dev/shm/f'
        assert_contains "$OUT" "can't create /dev/shm/f: Permission denied" "write outside from exec"
        rt delete --force "$id"
        assert_no_residue "$id"
}

test_landlock_bad_options() {
        use_plugins landlock
        need_landlock
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "landlock", "berth.plugin.landlock.rw": "tmp"}'
        expect_create_error "$TEST_TMP/b" 'plugin landlock: berth.plugin.landlock.rw: "tmp" is not an absolute path'
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "landlock", "berth.plugin.landlock.rx": "/bin"}'
        expect_create_error "$TEST_TMP/b" 'plugin landlock: unknown option berth.plugin.landlock.rx'
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "landlock"}'
        expect_create_error "$TEST_TMP/b" 'plugin landlock: no filesystem rule'
        make_bundle "$TEST_TMP/b" '.annotations = {"berth.plugins": "landlock", "berth.plugin.landlock.ro": "/",
                                                   "berth.plugin.landlock.tcp-bind": "80:http"}'
        expect_create_error "$TEST_TMP/b" 'plugin landlock: berth.plugin.landlock.tcp-bind: "80:http" is not a list of TCP ports'
        # a path missing in the container: start (here run) fails before the user process, naming the path
        local id
        id=$(new_id)
        landlock_bundle "$TEST_TMP/b" '{"berth.plugin.landlock.rw": "/tmp:/nonexistent"}' 'echo user process ran'
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" run "$id" "plugin landlock: berth.plugin.landlock.rw: /nonexistent: No such file or directory"
        assert_not_contains "$OUT" "user process ran"
        assert_no_residue "$id"
        # without no_new_privs (and without CAP_SYS_ADMIN) Landlock cannot be applied: said clearly
        id=$(new_id)
        landlock_bundle "$TEST_TMP/b" '{}' 'echo user process ran'
        bundle_set "$TEST_TMP/b" '.process.noNewPrivileges = false'
        assert_fail rt run --bundle "$TEST_TMP/b" "$id"
        assert_berth_msg "$OUT" run "$id" "plugin landlock: Landlock needs process.noNewPrivileges set to true"
        assert_not_contains "$OUT" "user process ran"
        assert_no_residue "$id"
}

test_landlock_tcp_and_scope() {
        use_plugins loopback landlock
        need_landlock
        local out
        # connect to an allowed port: refused (nothing listens); to another port: denied by Landlock
        landlock_bundle "$TEST_TMP/b" '{"berth.plugins": "loopback,landlock", "berth.plugin.landlock.tcp-connect": "8080"}' \
                'nc 127.0.0.1 8080 < /dev/null; nc 127.0.0.1 8081 < /dev/null; true'
        if ! out=$(rt run --bundle "$TEST_TMP/b" "$(new_id)" < /dev/null 2>&1); then
                assert_contains "$out" "TCP port rules need Landlock ABI 4"
                skip "the kernel's Landlock has no TCP rules (ABI < 4; the clear error was checked)"
        fi
        assert_match "$out" "nc: can't connect to remote host \(127\.0\.0\.1\): Connection refused" "allowed port"
        assert_match "$out" "nc: can't connect to remote host \(127\.0\.0\.1\): Permission denied" "denied port"
        # signal scope: a container in the host's pid namespace cannot signal a process outside its domain
        sleep 600 &
        local pid=$!
        defer kill "$pid"
        landlock_bundle "$TEST_TMP/b2" '{"berth.plugin.landlock.scope": "signal"}' "kill -0 $pid && echo signalled; true"
        bundle_set "$TEST_TMP/b2" '.linux.namespaces |= map(select(.type != "pid"))'
        if ! out=$(rt run --bundle "$TEST_TMP/b2" "$(new_id)" < /dev/null 2>&1); then
                assert_contains "$out" "scope needs Landlock ABI 6"
                return 0
        fi
        assert_contains "$out" "Operation not permitted" "kill -0 of a host process under scope=signal"
        assert_not_contains "$out" signalled
}

# wx_helper: a static program that maps writable+executable memory and makes writable memory executable, in
# $TEST_TMP/wx (bind it to /mnt)
wx_helper() {
        mkdir -p "$TEST_TMP/wx"
        cat > "$TEST_TMP/wx.c" << 'EOF'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void)
{
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("wx mmap: %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
        void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mprotect exec: %s\n", mprotect(q, 4096, PROT_READ | PROT_EXEC) ? strerror(errno) : "ok");
        return 0;
}
EOF
        cc -static -O2 -o "$TEST_TMP/wx/wx" "$TEST_TMP/wx.c" 2> "$TEST_TMP/cc.log" || skip "cannot build a static program: $(head -3 "$TEST_TMP/cc.log")"
}

test_mdwe_denies_write_execute() {
        use_plugins mdwe
        wx_helper
        local out mounts='.mounts += [{destination: "/mnt", type: "bind", source: $d, options: ["bind", "ro"]}]'
        out=$(run_ctr ".process.args = [\"/mnt/wx\"] | $mounts" --arg d "$TEST_TMP/wx")
        assert_eq "$out" $'wx mmap: ok\nmprotect exec: ok' "without the plugin"
        local id
        id=$(new_id)
        make_bundle "$TEST_TMP/b" ".process.args = [\"/mnt/wx\"] | $mounts | .annotations = {\"berth.plugins\": \"mdwe\"}" \
                --arg d "$TEST_TMP/wx"
        if ! out=$(rt run --bundle "$TEST_TMP/b" "$id" < /dev/null 2>&1); then
                assert_berth_msg "$out" run "$id" "plugin mdwe: the kernel has no memory-deny-write-execute"
                assert_no_residue "$id"
                skip "the kernel has no PR_SET_MDWE (the clear error was checked)"
        fi
        assert_eq "$out" $'wx mmap: Permission denied\nmprotect exec: Permission denied' "with the mdwe plugin"
        # inherited by every process of the container, exec or not
        out=$(run_ctr ".process.args = [\"sh\", \"-c\", \"/mnt/wx; sh -c /mnt/wx\"] | $mounts | .annotations = {\"berth.plugins\": \"mdwe\"}" \
                --arg d "$TEST_TMP/wx")
        assert_eq "$(grep -c 'Permission denied' <<< "$out")" 4 "denials in child processes: $out"
        assert_no_residue "$id"
}
