/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the systemd cgroup manager and its unit test. cgroup-systemd.c: property values and lists, unit
 * naming (cgroupsPath), the D-Bus side; cgroup-systemd-props.c: the pure resources, devices and annotations
 * mappings. Only the D-Bus side needs systemd.
 *
 * Every container is a transient scope unit. The pure parts turn what the bundle asks for into unit
 * properties: linux.cgroupsPath -> slice and unit name, linux.resources -> properties (plus what only cgroup
 * files can express, left to the cgroupfs code), org.systemd.property.<Name> annotations (GVariant text) ->
 * properties. Properties are kept as typed values, so tests can read them back without D-Bus.
 */
#pragma once

#include <stdint.h>

#include "cgroup-internal.h"

/* Where a container goes when linux.cgroupsPath is empty: berth-<id>.scope in machine.slice. */
#define SYSTEMD_DEFAULT_SLICE  "machine.slice"
#define SYSTEMD_DEFAULT_PREFIX "berth"
/* The slice of "slice:prefix:name" when the slice part is empty (as runc). */
#define SYSTEMD_EMPTY_SLICE_DEFAULT "system.slice"
/* TimeoutStopUSec of a container's scope: `systemctl stop` sends SIGTERM, then SIGKILL after 10 s. */
#define SYSTEMD_STOP_TIMEOUT_USEC (UINT64_C(10) * 1000000)

/*
 * A D-Bus value: a basic type (y b n q i u x t d s), an array or a struct. sig is the complete signature of
 * the value ("t", "as", "a(st)"), so an empty array still knows its element type.
 */
struct unit_value {
        char *sig;
        union {
                uint64_t u; /* y q u t */
                int64_t i;  /* n i x */
                double d;
                bool b;
        };
        char *s;                  /* s */
        struct unit_value *items; /* a: the elements; (..): the fields */
        size_t n_items;
};

void unit_value_done(struct unit_value *v);
void unit_value_copy(struct unit_value *dst, const struct unit_value *src);
struct unit_value unit_value_u64(uint64_t u);
struct unit_value unit_value_string(const char *s);
/* An empty array of elements of type elem_sig; unit_value_push() appends, taking over *item. */
struct unit_value unit_value_array(const char *elem_sig);
void unit_value_push(struct unit_value *v, struct unit_value *item);
/* The struct (s<second's type>): ("/dev/sda", 100). second is copied. */
struct unit_value unit_value_pair(const char *s, const struct unit_value *second);
/* GVariant-like text, for messages and tests: 1048576, true, 'x', ['a', 'b'], [('/dev/sda', 100)]. */
char *unit_value_to_string(const struct unit_value *v);

struct unit_prop {
        char *name;
        struct unit_value value;
};

/* An ordered list of properties; systemd applies them in order, so a later one overrides an earlier one. */
struct unit_props {
        struct unit_prop *v;
        size_t n;
};

void unit_props_done(struct unit_props *p);
/* The last property called name, or NULL. */
const struct unit_prop *unit_props_find(const struct unit_props *p, const char *name);
/* "<signature> <value text>" of the last property called name (tests and debug logs); NULL if absent. */
char *unit_props_describe(const struct unit_props *p, const char *name);
void unit_props_add_u64(struct unit_props *p, const char *name, uint64_t v);
void unit_props_add_bool(struct unit_props *p, const char *name, bool v);
void unit_props_add_string(struct unit_props *p, const char *name, const char *v);
/* "as" */
void unit_props_add_strv(struct unit_props *p, const char *name, char *const *v);
/* Takes over *v (left empty). */
void unit_props_add_value(struct unit_props *p, const char *name, struct unit_value *v);
/* Appends copies of all of src. */
void unit_props_extend(struct unit_props *p, const struct unit_props *src);

/* ---- names ---- */

/* A systemd unit name (name.suffix, at most 255 characters of [A-Za-z0-9:_.\-]; no template "@"). */
bool systemd_unit_name_valid(const char *name, const char *suffix);
/* A slice name -> its cgroup path: "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "". */
int systemd_slice_path(const char *slice, char **ret, berth_error **err);
/*
 * linux.cgroupsPath for the systemd manager (runc, crun, CRI-O and podman conventions):
 *   ""                          -> berth-<id>.scope in machine.slice
 *   "slice:prefix:name"         -> prefix-name.scope in slice ("name.scope" when prefix is empty; a name
 *                                  that ends in ".scope" already keeps it)
 *   ":prefix:name"              -> the same in system.slice
 *   "slice:prefix:name.slice"   -> the unit is the slice name.slice itself (prefix ignored), a child of slice
 * *ret_slice is the parent slice, *ret_unit the unit, *ret_path the cgroup path ("/machine.slice/x.scope").
 * Anything else is an error naming linux.cgroupsPath.
 */
int systemd_resolve_cgroups_path(const char *cgroups_path, const char *id, char **ret_slice, char **ret_unit,
                                 char **ret_path, berth_error **err);

/* ---- resources ---- */

/*
 * CPUQuotaPerSecUSec from OCI cpu.quota/period (period 0: the kernel default 100000). systemd keeps whole
 * percents, so the value is rounded up to a multiple of 10 ms per second, as runc does; quota <= 0 means
 * no limit (UINT64_MAX). *ret_inexact tells that the cpu.max systemd will write differs from quota.
 */
uint64_t systemd_cpu_quota_per_sec(int64_t quota, uint64_t period, bool *ret_inexact);
/* A cpuset list ("0-3,8") -> the byte-array bit mask "ay" of AllowedCPUs/AllowedMemoryNodes (byte 0 holds
 * CPUs 0-7, lowest bit first). what names the JSON path for errors. */
int systemd_cpuset_to_mask(const char *what, const char *list, struct unit_value *ret, berth_error **err);

/* A block device's node for the IO*Device* properties: "/dev/sda" for 8:0. NULL when there is none. */
typedef char *(*systemd_block_dev_fn)(int64_t major, int64_t minor);
/* The default resolver: /sys/dev/block/M:m -> /dev/<name>. */
char *systemd_block_device_node(int64_t major, int64_t minor);

/*
 * linux.resources.devices -> DevicePolicy/DeviceAllow. The rules are evaluated like cgroup-devices.c (the
 * last matching rule decides, a rule matching everything resets). A deny-all default gives
 * DevicePolicy=strict and the allowed devices ("/dev/char/1:3", "char-5", "block-*"); an allow-all default
 * gives DevicePolicy=auto with no list. systemd's list is never narrower than the rules: *ret_inexact is set
 * when it is wider (deny rules inside an allow-all default, "*:n" rules, partial denies), and the exact eBPF
 * filter of cgroup-devices.c must then be attached as well.
 */
int systemd_devices_to_props(const struct spec_device_cgroup *rules, size_t n, struct unit_props *props,
                             bool *ret_inexact, berth_error **err);

/*
 * linux.resources -> unit properties, plus the rest (left): what only cgroup files can express (hugepage
 * limits, cpu burst/idle, unified keys without a property, an exact cpu.max when systemd would round it,
 * devices when inexact), for the cgroupfs code to write into the delegated cgroup once the unit exists.
 * left points into r (only its unified array is owned). devpath NULL: systemd_block_device_node.
 */
struct systemd_resources {
        struct unit_props props;
        struct spec_resources left;
        bool has_left;
};
int systemd_resources_to_props(const struct spec_resources *r, systemd_block_dev_fn devpath,
                               struct systemd_resources *ret, berth_error **err);
void systemd_resources_done(struct systemd_resources *s);

/* ---- annotations ---- */

/*
 * A GVariant text value: true/false; integers, bare (int32, or double with a fraction or exponent) or
 * typed ("uint64 30000000", "int64 -5", "uint32 3", "byte 7", "int16", "uint16", "int32", "double 1.5");
 * "@t 5" (a type annotation); 'quoted' or "quoted" strings with backslash escapes; arrays of these
 * (['a', 'b'] -> "as", [uint64 1, 2] -> "at", "@as []"). Errors describe the problem (no context).
 */
int systemd_parse_gvariant(const char *text, struct unit_value *ret, berth_error **err);
/*
 * The org.systemd.property.<Name> annotations -> properties, in order. Names are letters only, at least
 * three (as runc); a name ending in "<lowercase>Sec" becomes "...USec" with its number of seconds turned
 * into microseconds (TimeoutStopSec=uint64 5 -> TimeoutStopUSec=t 5000000), as runc does. Errors name the
 * annotation.
 */
int systemd_annotations_to_props(const struct spec_kv *annotations, size_t n, struct unit_props *props,
                                 berth_error **err);
