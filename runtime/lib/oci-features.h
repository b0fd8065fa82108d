/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The OCI runtime-spec "features" document (features.md, v1.1+) for what this build supports, as a
 * pretty-printed JSON string. CRI-O and containerd read it. */
char *features_json(void);
