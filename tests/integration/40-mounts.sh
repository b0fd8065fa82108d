# SPDX-License-Identifier: LGPL-2.1-or-later
# Mounts: bind (ro, rro), tmpfs options, propagation, masked and readonly paths, the readonly rootfs, devices,
# /dev symlinks, sysctl.

# the options field (6th) and super options (last) of mountinfo lines for a mount point, from inside
MI_SCRIPT='awk -v m="$MP" '"'"'$5 == m { print $6, $NF }'"'"' /proc/self/mountinfo'

test_bind_ro() {
        local src out
        src=$TEST_TMP/src
        mkdir -p "$src"
        echo hello > "$src/file"
        out=$(sh_ctr 'cat /mnt/file; touch /mnt/new 2>&1; echo "rc=$?"' \
                '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["bind", "ro"]}]' --arg s "$src")
        assert_eq "$(sed -n 1p <<< "$out")" hello "file through the bind mount"
        assert_contains "$out" "Read-only file system"
        [ ! -e "$src/new" ] || fail "a read-only bind mount was written"
}

test_bind_rw() {
        local src out
        src=$TEST_TMP/src
        mkdir -p "$src"
        out=$(sh_ctr 'echo written > /mnt/new && echo ok' \
                '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "rw"]}]' --arg s "$src")
        assert_eq "$out" ok
        assert_eq "$(cat "$src/new")" written "file written through the bind mount"
}

test_bind_file() {
        local out
        echo file-content > "$TEST_TMP/single"
        # a file bind-mounted over a file of the rootfs
        out=$(sh_ctr 'cat /etc/hostname' \
                '.mounts += [{destination: "/etc/hostname", type: "bind", source: $s, options: ["bind", "ro"]}]' \
                --arg s "$TEST_TMP/single")
        assert_eq "$out" file-content
}

test_tmpfs_options() {
        local out
        out=$(sh_ctr 'MP=/tmp; '"$MI_SCRIPT"'; stat -c %a /tmp' \
                '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
                              options: ["nosuid", "nodev", "noexec", "size=1m", "mode=1770"]}]')
        local line
        line=$(sed -n 1p <<< "$out")
        assert_contains "$line" nosuid "mount flags"
        assert_contains "$line" nodev "mount flags"
        assert_contains "$line" noexec "mount flags"
        assert_contains "$line" size=1024k "tmpfs options"
        assert_contains "$line" mode=1770 "tmpfs options"
        assert_eq "$(sed -n 2p <<< "$out")" 1770 "mode of /tmp"
}

test_mount_under_tmpfs_creates_mountpoint() {
        local src out
        src=$TEST_TMP/src
        mkdir -p "$src"
        echo deep > "$src/f"
        # /tmp/a/b does not exist in the (read-only) rootfs: it is created in the tmpfs mounted before it
        out=$(sh_ctr 'cat /tmp/a/b/f' \
                '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"},
                             {destination: "/tmp/a/b", type: "bind", source: $s, options: ["bind"]}]' --arg s "$src")
        assert_eq "$out" deep
}

test_rro_recursive_readonly() {
        local src out
        src=$TEST_TMP/src
        mkdir -p "$src/sub"
        # a submount inside the source, made in a private mount namespace that also runs the runtime
        out=$(unshare -m --propagation private bash -c '
                mount -t tmpfs -o size=1m bt-sub "$1/sub" || exit 99
                . "$2"; make_bundle "$3" "$4" --arg s "$1"
                "$RUNTIME" --root "$TEST_ROOT" run --bundle "$3" "$5" < /dev/null 2>&1' _ \
                "$src" "$TESTS_DIR/lib.sh" "$TEST_TMP/b" \
                ".process.args = $(jargs sh -c 'touch /mnt/sub/x 2>&1; echo "rc=$?"') |
                 .mounts += [{destination: \"/mnt\", type: \"bind\", source: \$s, options: [\"rbind\", \"rro\"]}]" \
                "$(new_id)")
        assert_contains "$out" "Read-only file system" "touch in a submount of an rro bind mount"
        assert_contains "$out" "rc=1"
}

test_bind_not_recursive_without_rbind() {
        local src out
        src=$TEST_TMP/src
        mkdir -p "$src/sub"
        out=$(unshare -m --propagation private bash -c '
                mount -t tmpfs -o size=1m bt-sub "$1/sub" && touch "$1/sub/on-submount" || exit 99
                . "$2"; make_bundle "$3" "$4" --arg s "$1"
                "$RUNTIME" --root "$TEST_ROOT" run --bundle "$3" "$5" < /dev/null 2>&1' _ \
                "$src" "$TESTS_DIR/lib.sh" "$TEST_TMP/b" \
                ".process.args = $(jargs sh -c 'ls /mnt/sub; echo end') |
                 .mounts += [{destination: \"/mnt\", type: \"bind\", source: \$s, options: [\"bind\"]}]" \
                "$(new_id)")
        assert_not_contains "$out" on-submount "a plain bind mount does not carry submounts"
        assert_contains "$out" end
}

# propagation: a mount made on the host below the source after the container started shows up inside with
# rslave and does not with rprivate
_propagation() { # OPTION -> prints "seen" or "not seen"
        local src id pid
        src=$TEST_TMP/src-$1
        mkdir -p "$src/sub"
        id=$(start_sleeper '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", $o]}]' \
                --arg s "$src" --arg o "$1")
        pid=$(state_of "$id" .pid)
        mount -t tmpfs -o size=1m bt-prop "$src/sub"
        defer umount "$src/sub"
        sleep 0.1
        if awk '$5 == "/mnt/sub"' "/proc/$pid/mountinfo" | grep -q .; then echo seen; else echo "not seen"; fi
        rt delete --force "$id"
        umount "$src/sub"
}

test_propagation_rslave() {
        findmnt -no PROPAGATION --target "$TEST_TMP" | grep -q shared || skip "$TEST_TMP is not on a shared mount"
        assert_eq "$(_propagation rslave)" seen "host mount inside an rslave bind mount"
}

test_propagation_rprivate() {
        assert_eq "$(_propagation rprivate)" "not seen" "host mount inside an rprivate bind mount"
}

test_rootfs_propagation_private() {
        local out
        out=$(sh_ctr 'awk '"'"'$5 == "/" { for (i = 7; $i != "-"; i++) printf "%s ", $i; print "" }'"'"' /proc/self/mountinfo' \
                '.linux.rootfsPropagation = "private"')
        assert_not_contains "$out" shared: "propagation of / inside"
}

test_masked_paths() {
        local out
        # a masked file reads as empty (/dev/null over it), a masked directory is empty (a read-only tmpfs)
        out=$(sh_ctr 'echo "kcore=$(head -c 16 /proc/kcore | wc -c)"; echo "bus=$(ls -A /sys/bus | wc -l)"' \
                '.linux.maskedPaths += ["/sys/bus"]')
        assert_contains "$out" "kcore=0"
        assert_contains "$out" "bus=0"
}

test_masked_paths_missing_are_ignored() {
        local out
        out=$(sh_ctr 'echo ok' '.linux.maskedPaths += ["/proc/does-not-exist", "/sys/does/not/exist"]')
        assert_eq "$out" ok
}

test_readonly_paths() {
        local out
        out=$(sh_ctr 'echo 1 > /proc/sys/kernel/hostname 2>&1; echo "rc=$?"; cat /proc/sys/kernel/ostype')
        assert_contains "$out" "Read-only file system"
        assert_contains "$out" "rc=1"
        assert_contains "$out" Linux "a readonly path is still readable"
}

test_readonly_rootfs() {
        local out
        out=$(sh_ctr 'touch /newfile 2>&1; echo "rc=$?"; echo x > /dev/shm/w && echo shm-writable')
        assert_contains "$out" "Read-only file system"
        assert_contains "$out" "rc=1"
        assert_contains "$out" shm-writable "the mounts on a read-only rootfs stay writable"
        [ ! -e "$ROOTFS/newfile" ] || fail "the read-only rootfs was written"
}

test_writable_rootfs() {
        local copy out
        copy=$TEST_TMP/rootfs-rw
        cp -a "$ROOTFS" "$copy"
        out=$(sh_ctr 'echo data > /newfile && cat /newfile' '.root = {path: $r, readonly: false}' --arg r "$copy")
        assert_eq "$out" data
        assert_eq "$(cat "$copy/newfile")" data "file in the rootfs"
}

test_relative_root_path() {
        local b id
        id=$(new_id)
        b=$TEST_TMP/bundle
        mkdir -p "$b"
        cp -a "$ROOTFS" "$b/rootfs"
        make_bundle "$b" '.root.path = "rootfs" | .process.args = ["echo", "relative-root"]'
        # root.path relative to the bundle, whatever the cwd
        (cd / && rt run --bundle "$b" "$id" < /dev/null > "$TEST_TMP/o" 2>&1) || fail "$(cat "$TEST_TMP/o")"
        assert_eq "$(cat "$TEST_TMP/o")" relative-root
}

test_default_devices() {
        local out
        out=$(sh_ctr 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done
                      echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | wc -c')
        assert_contains "$out" "/dev/null character special file 1:3 666"
        assert_contains "$out" "/dev/zero character special file 1:5 666"
        assert_contains "$out" "/dev/full character special file 1:7 666"
        assert_contains "$out" "/dev/random character special file 1:8 666"
        assert_contains "$out" "/dev/urandom character special file 1:9 666"
        assert_contains "$out" "/dev/tty character special file 5:0 666"
        assert_contains "$out" null-ok
        assert_eq "$(tail -1 <<< "$out")" 3 "bytes read from /dev/zero"
}

test_linux_devices_entry() {
        local out
        out=$(sh_ctr 'stat -c "%F %t:%T %a %u:%g" /dev/bt-test /dev/bt-blk' \
                '.linux.devices = [{path: "/dev/bt-test", type: "c", major: 1, minor: 3, fileMode: 416, uid: 0, gid: 5},
                                   {path: "/dev/bt-blk", type: "b", major: 7, minor: 200, fileMode: 384}]')
        # fileMode 416 = 0640, 384 = 0600; stat prints majors/minors in hex
        assert_eq "$(sed -n 1p <<< "$out")" "character special file 1:3 640 0:5" "/dev/bt-test"
        assert_eq "$(sed -n 2p <<< "$out")" "block special file 7:c8 600 0:0" "/dev/bt-blk"
}

test_dev_symlinks() {
        local out
        out=$(sh_ctr 'for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done')
        assert_contains "$out" "fd /proc/self/fd"
        assert_contains "$out" "stdin /proc/self/fd/0"
        assert_contains "$out" "stdout /proc/self/fd/1"
        assert_contains "$out" "stderr /proc/self/fd/2"
        assert_contains "$out" "ptmx pts/ptmx"
}

test_devpts_and_shm_and_mqueue() {
        local out
        out=$(sh_ctr 'for m in /dev/pts /dev/shm /dev/mqueue /proc /sys; do awk -v m=$m '"'"'$5 == m { print m, $(NF-2) }'"'"' /proc/self/mountinfo; done')
        assert_contains "$out" "/dev/pts devpts"
        assert_contains "$out" "/dev/shm tmpfs"
        assert_contains "$out" "/dev/mqueue mqueue"
        assert_contains "$out" "/proc proc"
        assert_contains "$out" "/sys sysfs"
}

test_sysctl() {
        local out
        out=$(sh_ctr 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax' \
                '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}')
        assert_eq "$(echo $out)" "1 12345" "sysctls inside"
        # the host's values are untouched (new network and IPC namespaces)
        assert_ne "$(cat /proc/sys/kernel/msgmax)" 12345 "host kernel.msgmax"
}

test_sysctl_needs_namespace() {
        local id b
        id=$(new_id)
        b=$TEST_TMP/bundle
        # a net.* sysctl without a network namespace would change the host: refused
        make_bundle "$b" '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
        local before
        before=$(cat /proc/sys/net/ipv4/ip_forward)
        assert_fail rt run --bundle "$b" "$id"
        assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$before" "host ip_forward"
        assert_no_residue "$id"
}

test_tmpfs_tmpcopyup() {
        local out
        # /etc of the read-only rootfs, copied into a writable tmpfs mounted over it (podman's --tmpfs)
        out=$(sh_ctr 'cat /etc/passwd | head -1; echo x > /etc/new && echo writable; ls -l /etc/hostname >/dev/null && echo copied; '"MP=/etc; $MI_SCRIPT" \
                '.mounts += [{destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "size=1m"]}]')
        assert_eq "$(sed -n 1p <<< "$out")" "root:x:0:0:root:/root:/bin/sh" "a copied file"
        assert_contains "$out" writable
        assert_contains "$out" copied
        assert_contains "$out" size=1024k "the tmpfs mounted over /etc"
        [ ! -e "$ROOTFS/etc/new" ] || fail "tmpcopyup wrote into the rootfs"
}

test_recursive_nosuid_reaches_submounts() {
        local src out
        src=$TEST_TMP/src
        mkdir -p "$src/sub"
        # a tmpfs under the bind source (each test has a mount namespace of its own): rbind carries it along,
        # and rnosuid/rnodev must reach it, which plain nosuid would not
        mount -t tmpfs -o size=1m tmpfs "$src/sub" || fail "mount a tmpfs under the bind source"
        out=$(sh_ctr 'MP=/mnt/sub; '"$MI_SCRIPT" \
                '.mounts += [{destination: "/mnt", type: "bind", source: $s, options: ["rbind", "rnosuid", "rnodev"]}]' \
                --arg s "$src")
        assert_contains "$out" nosuid "flags of the tmpfs below the rbind"
        assert_contains "$out" nodev "flags of the tmpfs below the rbind"
}
