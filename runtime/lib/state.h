/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container state under --root: one directory per container,
 *   <root>/<id>/state.json   berth's record (written atomically)
 *   <root>/<id>/config.json  the config as it was at create time
 *   <root>/<id>/exec.fifo    exists between create and start; start opens it to release the init
 * Commands on one ID are serialised by flock() on the directory.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

#define STATE_FILE  "state.json"
#define CONFIG_FILE "config.json"
#define EXEC_FIFO   "exec.fifo"

enum container_status {
        STATUS_CREATING = 0,
        STATUS_CREATED,
        STATUS_RUNNING,
        STATUS_PAUSED,
        STATUS_STOPPED,
};
const char *container_status_to_string(enum container_status s);

struct container_state {
        char *id;
        char *bundle;
        char *rootfs;
        pid_t pid;
        unsigned long long start_time; /* field 22 of /proc/<pid>/stat: detects a reused pid */
        char *created;                 /* RFC 3339, UTC */
        char *owner;
        enum cgroup_manager_type cgroup_manager;
        char *cgroup_path;
        char *cgroup_unit;
        struct spec_kv *annotations;
        size_t n_annotations;
};
void container_state_free(struct container_state *s);
static inline void container_state_freep(struct container_state **s)
{
        container_state_free(*s);
}
#define _cleanup_state_ _cleanup_(container_state_freep)

/* Creates <root>/<id> (mkdir: fails with "container <id> already exists") and locks it. Returns the dir fd.
 */
int state_dir_create(const char *root, const char *id, berth_error **err);
/* Opens and locks <root>/<id>; "container <id> does not exist" when missing. Returns the dir fd. */
int state_dir_open(const char *root, const char *id, berth_error **err);
/* Locks an open state directory again; "container <id> does not exist" (-ENOENT, not locked) when it was
 * removed meanwhile. */
int state_dir_lock(int fd, const char *id, berth_error **err);
/* Removes <root>/<id> and everything in it. */
int state_dir_remove(const char *root, const char *id);

int state_write(int dirfd, const struct container_state *s, berth_error **err);
int state_read(int dirfd, const char *id, struct container_state **ret, berth_error **err);
/* Serialises / parses berth's state.json (pure, unit-tested). */
char *state_to_json(const struct container_state *s);
int state_from_json(const char *json, struct container_state **ret, berth_error **err);
/* The OCI state document for a given status. */
char *state_to_oci_json(const struct container_state *s, enum container_status status);

/* The JSON object document with one more member whose value is the JSON text value_json; NULL when either
 * does not parse. */
char *state_json_add_member(const char *doc, const char *name, const char *value_json);
/* Start time of pid from /proc (0 if gone). Zombies count as gone. */
unsigned long long proc_start_time(pid_t pid);
/* Is the recorded init still the same live process? */
bool state_init_alive(const struct container_state *s);
/* The status: stopped when the init is gone, created while the exec fifo exists, paused when the cgroup is
 * frozen, else running. */
enum container_status state_status(int dirfd, const struct container_state *s, struct cgroup *cg);
