/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.seccomp through libseccomp. The filter is built the way runc and crun build it, so profiles written
 * for them (Docker's and Podman's defaults) behave the same:
 *  - unknown syscall names are skipped (the profile may name syscalls newer than this libseccomp);
 *  - a rule whose action equals the default action is skipped (libseccomp refuses it);
 *  - all argument conditions of a rule are AND-ed in one libseccomp rule, except when an argument index
 *    appears more than once: then each condition becomes a rule of its own (OR), as runc does;
 *  - SCMP_CMP_MASKED_EQ compares (arg & value) == valueTwo.
 * no_new_privs is left to the caller (SCMP_FLTATR_CTL_NNP = 0).
 *
 * libseccomp is opened on first use (most commands never build a filter), by seccomp_check(), which
 * container_create and exec call on the host before any process enters the container. seccomp_apply() runs
 * inside the container, where a library path would resolve in the container's root: it never loads the
 * library, and fails if nothing loaded it before.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>

#include "dlopen-util.h"
#include "log.h"
#include "seccomp.h"

#define SECCOMP_LAZY_FUNCTIONS(X)                                                                            \
        X(seccomp_init)                                                                                      \
        X(seccomp_release)                                                                                   \
        X(seccomp_load)                                                                                      \
        X(seccomp_arch_add)                                                                                  \
        X(seccomp_attr_set)                                                                                  \
        X(seccomp_rule_add_array)                                                                            \
        X(seccomp_syscall_resolve_name)                                                                      \
        X(seccomp_notify_fd)                                                                                 \
        X(seccomp_api_get)

#define SECCOMP_LAZY_DEFINE(f) static __typeof__(f) *sym_##f;
SECCOMP_LAZY_FUNCTIONS(SECCOMP_LAZY_DEFINE)
#undef SECCOMP_LAZY_DEFINE
static void *libseccomp;

/* Opens libseccomp.so.2 once, on the host side (see above). */
static int seccomp_lazy_load(berth_error **err)
{
        if (libseccomp)
                return 0;
#define SECCOMP_LAZY_SYMBOL(f) {#f, (void **)&sym_##f},
        static const struct dlopen_symbol syms[] = {SECCOMP_LAZY_FUNCTIONS(SECCOMP_LAZY_SYMBOL)};
#undef SECCOMP_LAZY_SYMBOL
        return dlopen_symbols("linux.seccomp", "libseccomp.so.2", syms, ELEMENTSOF(syms), &libseccomp, err);
}

/* Calls below this point go through the pointers. */
#define seccomp_init(...)                 sym_seccomp_init(__VA_ARGS__)
#define seccomp_release(...)              sym_seccomp_release(__VA_ARGS__)
#define seccomp_load(...)                 sym_seccomp_load(__VA_ARGS__)
#define seccomp_arch_add(...)             sym_seccomp_arch_add(__VA_ARGS__)
#define seccomp_attr_set(...)             sym_seccomp_attr_set(__VA_ARGS__)
#define seccomp_rule_add_array(...)       sym_seccomp_rule_add_array(__VA_ARGS__)
#define seccomp_syscall_resolve_name(...) sym_seccomp_syscall_resolve_name(__VA_ARGS__)
#define seccomp_notify_fd(...)            sym_seccomp_notify_fd(__VA_ARGS__)
#define seccomp_api_get(...)              sym_seccomp_api_get(__VA_ARGS__)

#define LIBSECCOMP_AT_LEAST(maj, min)                                                                        \
        (SCMP_VER_MAJOR > (maj) || (SCMP_VER_MAJOR == (maj) && SCMP_VER_MINOR >= (min)))

/* Maximum number of syscall arguments a condition can name. */
#define SECCOMP_MAX_ARGS 6

static const struct {
        const char *name;
        uint32_t token;
} arch_table[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
    {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

static const char *const action_names[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY", NULL,
};

static const char *const operator_names[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const enum scmp_compare op_table[_SECCOMP_OP_MAX] = {
    [SECCOMP_OP_NE] = SCMP_CMP_NE,
    [SECCOMP_OP_LT] = SCMP_CMP_LT,
    [SECCOMP_OP_LE] = SCMP_CMP_LE,
    [SECCOMP_OP_EQ] = SCMP_CMP_EQ,
    [SECCOMP_OP_GE] = SCMP_CMP_GE,
    [SECCOMP_OP_GT] = SCMP_CMP_GT,
    [SECCOMP_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

static const char *action_name(enum seccomp_action a)
{
        if ((unsigned)a < _SECCOMP_ACT_MAX)
                return action_names[a];
        return "?";
}

/* The libseccomp action for a spec action. field is the JSON path for errors ("...action"). */
static int action_value(enum seccomp_action a, bool has_errno_ret, uint32_t errno_ret, const char *field,
                        uint32_t *ret, berth_error **err)
{
        uint32_t data = has_errno_ret ? errno_ret : EPERM;
        if ((a == SECCOMP_ACT_ERRNO || a == SECCOMP_ACT_TRACE) && data > 0xffff)
                return berth_err(err, 0, "%s: errnoRet %" PRIu32 " is out of range (0-65535)", field, data);
        switch (a) {
        case SECCOMP_ACT_KILL:
        case SECCOMP_ACT_KILL_THREAD:
                *ret = SCMP_ACT_KILL_THREAD;
                return 0;
        case SECCOMP_ACT_KILL_PROCESS:
                *ret = SCMP_ACT_KILL_PROCESS;
                return 0;
        case SECCOMP_ACT_TRAP:
                *ret = SCMP_ACT_TRAP;
                return 0;
        case SECCOMP_ACT_ERRNO:
                *ret = SCMP_ACT_ERRNO(data);
                return 0;
        case SECCOMP_ACT_TRACE:
                *ret = SCMP_ACT_TRACE(data);
                return 0;
        case SECCOMP_ACT_ALLOW:
                *ret = SCMP_ACT_ALLOW;
                return 0;
        case SECCOMP_ACT_LOG:
                *ret = SCMP_ACT_LOG;
                return 0;
        case SECCOMP_ACT_NOTIFY:
                *ret = SCMP_ACT_NOTIFY;
                return 0;
        default:
                return berth_err(err, 0, "%s: unknown action %d", field, (int)a);
        }
}

static int add_arch(scmp_filter_ctx ctx, const struct spec_seccomp *sc, size_t i, berth_error **err)
{
        const char *name = sc->architectures[i];
        for (size_t j = 0; j < ELEMENTSOF(arch_table); j++) {
                if (!STREQ(arch_table[j].name, name))
                        continue;
                int r = seccomp_arch_add(ctx, arch_table[j].token);
                if (r == -EDOM)
                        return berth_err_plain(
                            err, EINVAL,
                            "linux.seccomp.architectures[%zu]: %s cannot be combined with the "
                            "other architectures of the filter (different byte order)",
                            i, name);
                if (r < 0 && r != -EEXIST)
                        return berth_err(err, r, "linux.seccomp.architectures[%zu]: adding %s", i, name);
                return 0;
        }
        return berth_err(err, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, name);
}

static int set_flag(scmp_filter_ctx ctx, const struct spec_seccomp *sc, size_t i, berth_error **err)
{
        const char *name = sc->flags[i];
        enum scmp_filter_attr attr;
        if (STREQ(name, "SECCOMP_FILTER_FLAG_TSYNC"))
                attr = SCMP_FLTATR_CTL_TSYNC;
        else if (STREQ(name, "SECCOMP_FILTER_FLAG_LOG"))
                attr = SCMP_FLTATR_CTL_LOG;
        else if (STREQ(name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
                attr = SCMP_FLTATR_CTL_SSB;
        else if (STREQ(name, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) {
#if LIBSECCOMP_AT_LEAST(2, 6)
                attr = SCMP_FLTATR_CTL_WAITKILL;
#else
                return berth_err(err, EOPNOTSUPP,
                                 "linux.seccomp.flags[%zu]: %s needs libseccomp >= 2.6 (built with %d.%d.%d)",
                                 i, name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
#endif
        } else
                return berth_err(err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, name);

        int r = seccomp_attr_set(ctx, attr, 1);
        if (r < 0)
                return berth_err(err, r,
                                 "linux.seccomp.flags[%zu]: %s is not supported by the kernel or libseccomp",
                                 i, name);
        return 0;
}

/* Checks a rule's conditions and converts them; *ret_repeated: some argument index appears twice. */
static int build_conditions(const struct spec_seccomp_syscall *call, size_t i, struct scmp_arg_cmp *conds,
                            bool *ret_repeated, berth_error **err)
{
        unsigned counts[SECCOMP_MAX_ARGS] = {};
        bool repeated = false;
        for (size_t j = 0; j < call->n_args; j++) {
                const struct spec_seccomp_arg *a = &call->args[j];
                if (a->index >= SECCOMP_MAX_ARGS)
                        return berth_err(
                            err, 0, "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0-%d)",
                            i, j, a->index, SECCOMP_MAX_ARGS - 1);
                if ((unsigned)a->op >= _SECCOMP_OP_MAX)
                        return berth_err(err, 0,
                                         "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator %d", i,
                                         j, (int)a->op);
                if (++counts[a->index] > 1)
                        repeated = true;
                conds[j] = (struct scmp_arg_cmp){
                    .arg = a->index,
                    .op = op_table[a->op],
                    .datum_a = a->value,
                    .datum_b = a->value_two,
                };
        }
        *ret_repeated = repeated;
        return 0;
}

static int add_syscall_rule(scmp_filter_ctx ctx, const struct spec_seccomp *sc, size_t i,
                            uint32_t default_act, bool *has_notify, berth_error **err)
{
        const struct spec_seccomp_syscall *call = &sc->syscalls[i];
        _cleanup_free_ char *field = xasprintf("linux.seccomp.syscalls[%zu].action", i);
        uint32_t act;
        int r = action_value(call->action, call->has_errno_ret, call->errno_ret, field, &act, err);
        if (r < 0)
                return r;

        _cleanup_free_ struct scmp_arg_cmp *conds = xmalloc0(sizeof(*conds) * (call->n_args + 1));
        bool repeated = false;
        r = build_conditions(call, i, conds, &repeated, err);
        if (r < 0)
                return r;

        for (size_t k = 0; call->names && call->names[k]; k++) {
                const char *name = call->names[k];
                int nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("linux.seccomp.syscalls[%zu]: unknown syscall \"%s\" ignored", i, name);
                        continue;
                }
                if (act == default_act) {
                        log_debug("linux.seccomp.syscalls[%zu]: \"%s\" has the default action, skipped", i,
                                  name);
                        continue;
                }
                if (call->n_args == 0 || !repeated) {
                        r = seccomp_rule_add_array(ctx, act, nr, (unsigned)call->n_args, conds);
                } else {
                        /* The same argument compared twice cannot be AND-ed by libseccomp: one rule per
                         * condition (matching any of them), as runc does. */
                        r = 0;
                        for (size_t j = 0; j < call->n_args && r >= 0; j++)
                                r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[j]);
                }
                if (r < 0)
                        return berth_err(err, r, "linux.seccomp.syscalls[%zu]: adding the %s rule for \"%s\"",
                                         i, action_name(call->action), name);
                if (call->action == SECCOMP_ACT_NOTIFY)
                        *has_notify = true;
        }
        return 0;
}

static int build_filter(const struct spec_seccomp *sc, scmp_filter_ctx *ret, bool *ret_has_notify,
                        berth_error **err)
{
        if (sc->default_action == SECCOMP_ACT_NOTIFY)
                return berth_err(err, 0,
                                 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
        uint32_t default_act;
        int r = action_value(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
                             "linux.seccomp.defaultAction", &default_act, err);
        if (r < 0)
                return r;

        _cleanup_seccomp_ scmp_filter_ctx ctx = seccomp_init(default_act);
        if (!ctx)
                return berth_err(
                    err, 0, "linux.seccomp.defaultAction: %s is not supported by the kernel or libseccomp",
                    action_name(sc->default_action));
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return berth_err(err, r, "linux.seccomp: clearing SCMP_FLTATR_CTL_NNP");
        /* Report the kernel's errno from seccomp_load (EACCES...) instead of libseccomp's ECANCELED. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
        if (r < 0)
                log_debug("linux.seccomp: SCMP_FLTATR_API_SYSRAWRC not supported: %s", strerror(-r));

        for (size_t i = 0; sc->architectures && sc->architectures[i]; i++) {
                r = add_arch(ctx, sc, i, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; sc->flags && sc->flags[i]; i++) {
                r = set_flag(ctx, sc, i, err);
                if (r < 0)
                        return r;
        }
        bool has_notify = false;
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                r = add_syscall_rule(ctx, sc, i, default_act, &has_notify, err);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(ctx);
        *ret_has_notify = has_notify;
        return 0;
}

int seccomp_check(const struct spec_seccomp *sc, berth_error **err)
{
        if (!sc)
                return 0;
        int r = seccomp_lazy_load(err);
        if (r < 0)
                return r;
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        bool has_notify;
        return build_filter(sc, &ctx, &has_notify, err);
}

int seccomp_apply(const struct spec_seccomp *sc, int *ret_notify_fd, berth_error **err)
{
        if (ret_notify_fd)
                *ret_notify_fd = -1;
        if (!sc)
                return 0;
        if (!libseccomp)
                return berth_err_plain(
                    err, ELIBACC, "linux.seccomp: libseccomp was not loaded before entering the container");
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        bool has_notify;
        int r = build_filter(sc, &ctx, &has_notify, err);
        if (r < 0)
                return r;

        r = seccomp_load(ctx);
        if (r < 0)
                return berth_err(err, r, "linux.seccomp: loading the filter");

        if (!has_notify) {
                if (sc->listener_path)
                        log_debug("linux.seccomp.listenerPath is set but no SCMP_ACT_NOTIFY rule was added: "
                                  "no notification fd");
                return 0;
        }
        int fd = seccomp_notify_fd(ctx);
        if (fd < 0)
                return berth_err(err, fd, "linux.seccomp: getting the notification fd");
        if (!ret_notify_fd) {
                close(fd);
                return 0;
        }
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
                r = -errno;
                close(fd);
                return berth_err(err, r, "linux.seccomp: setting FD_CLOEXEC on the notification fd");
        }
        *ret_notify_fd = fd;
        return 0;
}

const char *const *seccomp_supported_actions(void)
{
        return action_names;
}

const char *const *seccomp_supported_operators(void)
{
        return operator_names;
}

const char *const *seccomp_supported_archs(void)
{
        static const char *list[ELEMENTSOF(arch_table) + 1];
        if (!list[0])
                for (size_t i = 0; i < ELEMENTSOF(arch_table); i++)
                        list[i] = arch_table[i].name;
        return list;
}

const char *const *seccomp_supported_flags(void)
{
        static const char *list[5];
        static bool done;
        if (done)
                return list;
        _cleanup_error_ berth_error *err = NULL;
        if (seccomp_lazy_load(&err) < 0) {
                log_warn("%s", err->msg);
                return list; /* empty: no flag can be set without libseccomp */
        }
        /* API levels (seccomp_api_get(3)): 2 TSYNC, 3 LOG, 4 SSB, 7 WAIT_KILLABLE_RECV. */
        unsigned api = seccomp_api_get();
        size_t n = 0;
        if (api >= 2)
                list[n++] = "SECCOMP_FILTER_FLAG_TSYNC";
        if (api >= 3)
                list[n++] = "SECCOMP_FILTER_FLAG_LOG";
        if (api >= 4)
                list[n++] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
#if LIBSECCOMP_AT_LEAST(2, 6)
        if (api >= 7)
                list[n++] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
#endif
        list[n] = NULL;
        done = true;
        return list;
}
