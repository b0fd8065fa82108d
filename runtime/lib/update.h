/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth update`: the pure part (container-update.c). The options of struct berth_update_opts -> the
 * linux.resources to apply, with messages that name the option or the JSON member.
 */
#pragma once

#include <stdint.h>

#include "berth/berth.h"
#include "spec.h"

/* A size as runc's update flags take it: "1048576", "100m", "1.5g", "512KiB" (k m g t p, powers of 1024,
 * an optional "i" and "b", any case), or "-1" (no limit). -EINVAL when it is none of these. */
int update_parse_size(const char *s, int64_t *ret);
/* The resources an update asks for: o->resources_json parsed as a linux.resources object, then the single
 * value options on top of it. -EINVAL with a message naming the option when a value is invalid or when
 * nothing at all is asked for. */
int update_build_resources(const struct berth_update_opts *o, struct spec_resources *ret, berth_error **err);
