/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3", "SIGRTMAX-1" -> signal number; -EINVAL if unknown. */
int signal_from_string(const char *s);
/* 15 -> "SIGTERM" (NULL when unknown). */
const char *signal_to_name(int sig);
