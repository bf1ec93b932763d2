/* seccomp_rules.h: lesson 10's inside — what seccomp.c and seccomp_profile.c share. */
#ifndef SECCOMP_RULES_H
#define SECCOMP_RULES_H

#include "hako.h"

#include <seccomp.h>
#include <stdint.h>

/*
 * A seccomp filter, as libseccomp builds it: a default action, a list of architectures
 * (system call numbers differ between them), and rules "this system call, maybe only with
 * these argument values, gets this action". libseccomp turns it into classic BPF.
 *
 *   action                   what the system call does            filter returns
 *   SCMP_ACT_ALLOW           runs                                 SECCOMP_RET_ALLOW
 *   SCMP_ACT_ERRNO(e)        fails at once with errno e           SECCOMP_RET_ERRNO | e
 *   SCMP_ACT_KILL_PROCESS    the process dies of SIGSYS           SECCOMP_RET_KILL_PROCESS
 *   SCMP_ACT_KILL(_THREAD)   the thread dies of SIGSYS            SECCOMP_RET_KILL_THREAD
 *   SCMP_ACT_TRAP            SIGSYS is sent (it can be handled)   SECCOMP_RET_TRAP
 *   SCMP_ACT_LOG             runs, and the kernel logs it         SECCOMP_RET_LOG
 */

/* The capability bit of CAP in a capability mask such as cfg->caps. */
#define CAPBIT(cap) (1ULL << (cap))

/* Docker's default capabilities (lesson 09), used when cfg->caps was not filled in:
 * CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW
 * SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP, CapBnd 00000000a80425fb. */
#define SECCOMP_DOCKER_CAPS 0xa80425fbULL

/* The capabilities a filter for CFG may count on: cfg->caps once hako.c filled it in. */
uint64_t seccomp_caps(const struct hako_config *cfg);

/* Read the Docker-format JSON profile at PATH into a new filter *OUT for a workload keeping
 * the capabilities CAPS. 0, or a negative errno after printing the field at fault and where
 * it is ("hako: PATH: syscalls[2].action: ..."). */
int seccomp_profile_load(const char *path, uint64_t caps, scmp_filter_ctx *out);

#endif
