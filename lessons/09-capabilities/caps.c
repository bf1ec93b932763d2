/* caps.c: lesson 09 — which capabilities a container keeps, and dropping the rest (libcap). */
#include "hako.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/*
 * A process has five capability sets, each a bit mask of CAP_* numbers (capabilities(7)):
 *
 *   bounding     the most it can ever have again; execve() cannot add outside it
 *   permitted    what it may switch on
 *   effective    what the kernel checks right now
 *   inheritable  what may pass to a program through its file capabilities
 *   ambient      what passes through execve() to a program without file capabilities
 *
 * /proc/self/status shows them as CapBnd, CapPrm, CapEff, CapInh and CapAmb.
 */

#define BIT(cap) (1ULL << (cap))

/* The highest capability number + 1 that this kernel knows (41 on Linux 6.1). */
static int cap_count(void)
{
	int n = (int)cap_max_bits();

	return n > 0 && n <= 64 ? n : 64;
}

int caps_parse_name(const char *name)
{
	/// TODO(09): Turn NAME into a capability number as `docker run --cap-add` reads it: any
	///   case, with or without a leading "CAP_"; "ALL" (any case) is CAPS_ALL. Anything else,
	///   numbers included ("21"), is -EINVAL. libcap's cap_from_name(3) knows the names but
	///   wants them as "cap_sys_admin" and also takes numbers. README: task 1.
	return -ENOSYS;
}

/* Parse every name of LIST (the values of OPT) into a mask; *ALL says one was "ALL". */
static int parse_list(const char *opt, const char *const *list, size_t n, uint64_t *mask, bool *all)
{
	*mask = 0;
	*all = false;
	for (size_t i = 0; i < n; i++) {
		int cap = caps_parse_name(list[i]);

		if (cap == -EINVAL) {
			fprintf(stderr,
			        "hako: %s %s: unknown capability; valid names are listed by "
			        "`capsh --print` and in capabilities(7) (with or without CAP_, any "
			        "case, or ALL)\n",
			        opt, list[i]);
			return cap;
		}
		if (cap < 0)
			return cap;
		if (cap == CAPS_ALL)
			*all = true;
		else
			*mask |= BIT(cap);
	}
	return 0;
}

/* The capabilities in this process's own bounding set: the most it can hand on. */
static uint64_t own_bounding(void)
{
	uint64_t mask = 0;

	for (int cap = 0; cap < cap_count(); cap++)
		if (cap_get_bound(cap) == 1)
			mask |= BIT(cap);
	return mask;
}

int caps_resolve(const char *const *add, size_t nadd, const char *const *drop, size_t ndrop,
                 uint64_t *caps)
{
	uint64_t add_mask, drop_mask, have = own_bounding(), out;
	bool add_all, drop_all;
	int err;

	if ((err = parse_list("--cap-add", add, nadd, &add_mask, &add_all)) < 0)
		return err;
	if ((err = parse_list("--cap-drop", drop, ndrop, &drop_mask, &drop_all)) < 0)
		return err;

	/// TODO(09): Compute the set the workload keeps into OUT, by Docker's three rules (see
	///   caps_resolve in hako.h): ALL added, ALL dropped, or the default set adjusted. HAVE is
	///   what hako itself holds: "ALL" means all of HAVE. README: "Docker's default set".
	return -ENOSYS;

	/* A capability hako does not hold itself cannot be given: say so now, before anything
	 * is made, rather than fail inside the container. */
	if (out & ~have) {
		for (int cap = 0; cap < 64; cap++) {
			if (!(out & ~have & BIT(cap)))
				continue;
			char *name = cap_to_name(cap);
			fprintf(stderr,
			        "hako: --cap-add %s: hako itself does not hold this capability (it "
			        "is not in its bounding set), so it cannot give it\n",
			        name ? name : "?");
			cap_free(name);
			return -EPERM;
		}
	}
	*caps = out;
	return 0;
}

int caps_parse_user(const char *text, uid_t *uid, gid_t *gid)
{
	unsigned long u, g = 0;
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	u = strtoul(text, &end, 10);
	if (errno || u >= 0xffffffffUL)
		return -EINVAL;
	if (*end == ':') {
		const char *gtext = end + 1;
		if (!isdigit((unsigned char)gtext[0]))
			return -EINVAL;
		g = strtoul(gtext, &end, 10);
		if (errno || g >= 0xffffffffUL)
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

/* Print "hako: WHAT: reason" for the errno a call just set; returns -errno. */
static int fail(const char *what)
{
	int err = -errno;

	fprintf(stderr, "hako: %s: %s\n", what, strerror(errno));
	return err;
}

/* Shrink the bounding set to KEEP. Needs CAP_SETPCAP, so it comes before anything else. */
static int drop_bounding(uint64_t keep)
{
	/// TODO(09): Remove from the bounding set every capability this kernel knows that is not
	///   in KEEP (cap_count() of them). Once gone from the bounding set, a capability can never
	///   come back, not even through a setuid-root program. On failure return fail() naming
	///   the call. See cap_drop_bound(3); README: task 3.
	return -ENOSYS;
	return 0;
}

/* Become UID:GID with no supplementary groups, keeping the permitted set for set_caps(). */
static int switch_user(uid_t uid, gid_t gid, bool rootless)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail("prctl PR_SET_KEEPCAPS");
	/// TODO(09): Drop the supplementary groups, then set the real, effective and saved gid,
	///   then the uids: in that order, because changing the uid away from 0 takes away the
	///   right to change groups. A rootless container may not call setgroups (lesson 05
	///   wrote "deny"), so it keeps what it has there. Failures: return fail(). See
	///   setgroups(2), setresgid(2); README: task 4.
	return -ENOSYS;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return fail("prctl PR_SET_KEEPCAPS");
	return 0;
}

/* Permitted and effective become KEEP, inheritable empty. */
static int set_caps(uint64_t keep)
{
	cap_t c = cap_init(); /* all three sets empty */
	int err = 0;

	if (!c)
		return fail("cap_init");
	/// TODO(09): Raise each capability of KEEP in the permitted and effective sets of C
	///   (inheritable stays empty: since CVE-2022-24769, Docker gives none), then make C this
	///   process's sets. On failure set err = fail("cap_set_proc") (or the call that failed)
	///   and fall through to cap_free. See cap_set_flag(3), cap_set_proc(3); README: task 3.
	err = -ENOSYS;
	cap_free(c);
	return err;
}

int caps_apply(const struct hako_config *cfg)
{
	uint64_t keep = cfg->caps_set ? cfg->caps : CAPS_DOCKER_DEFAULT;
	uid_t uid = 0;
	gid_t gid = 0;
	int err;

	if (cfg->user && caps_parse_user(cfg->user, &uid, &gid) < 0) {
		fprintf(stderr, "hako: --user %s: not UID or UID:GID\n", cfg->user);
		return -EINVAL;
	}
	/* --privileged keeps whatever hako has. */
	if (cfg->privileged)
		keep = own_bounding();

	/* The order is runc's: the bounding set while CAP_SETPCAP is still held; the user
	 * switch with PR_SET_KEEPCAPS, so the permitted set survives it; then the sets. */
	if ((err = drop_bounding(keep)) < 0)
		return err;
	if (cfg->user && (err = switch_user(uid, gid, cfg->rootless)) < 0)
		return err;
	/* A user other than root gets nothing in permitted and effective: execve() would empty
	 * them anyway (the rules in capabilities(7)); hako's own init should not keep more. */
	if ((err = set_caps(uid == 0 ? keep : 0)) < 0)
		return err;

	/// TODO(09): Empty the ambient set (capabilities that would survive execve() into any
	///   program), and when CFG->no_new_privs is set, turn on no_new_privs: from then on no
	///   execve() can give more privileges (setuid bits and file capabilities are ignored).
	///   Failures: return fail(). See cap_reset_ambient(3), PR_SET_NO_NEW_PRIVS in prctl(2);
	///   README: task 5.
	return -ENOSYS;
	return 0;
}
