/* seccomp_profile.c: lesson 10 — read a seccomp profile in Docker's JSON format (jansson). */
#include "seccomp_rules.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/utsname.h>

/*
 * Docker's format (moby's profiles/seccomp/default.json is one), every field hako reads:
 *
 *   {
 *     "defaultAction": "SCMP_ACT_ERRNO",         what a call no rule matches gets
 *     "defaultErrnoRet": 1,                      its errno (EPERM when absent)
 *     "architectures": ["SCMP_ARCH_X86_64", ...] the ABIs the filter covers, or
 *     "archMap": [{"architecture": "SCMP_ARCH_X86_64",
 *                  "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}, ...],
 *     "syscalls": [{
 *         "names": ["mkdir", "mkdirat"],         (or "name": "mkdir", the old spelling)
 *         "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
 *         "args": [{"index": 0, "op": "SCMP_CMP_MASKED_EQ", "value": 2080505856,
 *                   "valueTwo": 0}],             every comparison must hold
 *         "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "4.8"},
 *         "excludes": {"caps": [...], "arches": [...]},  when the rule applies
 *         "comment": "..."
 *     }, ...]
 *   }
 *
 * Anything else is refused with the field's name and where it is, so a typo ("defaultActon")
 * cannot quietly give a filter the user did not write. A system call name this libseccomp
 * does not know is skipped, as runc does: profiles list calls newer than some libraries.
 */

/* The architecture hako runs on, in Docker's "arches" words and libseccomp's. */
#define NATIVE_GO_ARCH "amd64"

struct profile {
	const char *path;
	uint64_t caps;
	scmp_filter_ctx ctx;
	uint32_t default_action;
};

/* Print "hako: PATH: WHERE: MESSAGE" and return -EINVAL. */
static int fail(const struct profile *p, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const struct profile *p, const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hako: %s: %s: ", p->path, where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* Every key of the object OBJ (found at WHERE) must be one of KNOWN (NULL-terminated). */
static int check_keys(const struct profile *p, json_t *obj, const char *where,
                      const char *const *known)
{
	const char *key;
	json_t *value;
	char at[256];

	if (!json_is_object(obj))
		return fail(p, where, "expected an object");
	json_object_foreach(obj, key, value)
	{
		size_t i;
		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (!known[i]) {
			snprintf(at, sizeof(at), "%s%s%s", where, where[0] ? "." : "", key);
			return fail(p, at[0] ? at : key, "unknown field \"%s\"", key);
		}
	}
	return 0;
}

/* The integer at WHERE, which must be within [LO, HI]. */
static int get_uint(const struct profile *p, json_t *v, const char *where, unsigned long long hi,
                    unsigned long long *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) > hi)
		return fail(p, where, "expected a whole number from 0 to %llu", hi);
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

/* Docker's action name NAME (with ERRNO_RET for SCMP_ACT_ERRNO) as a libseccomp action. */
static int action_from_name(const char *name, unsigned errno_ret, uint32_t *action)
{
	/// TODO(10): Translate Docker's action names into libseccomp's actions (seccomp.h, and
	/// seccomp_rule_add(3) lists them): SCMP_ACT_ALLOW, SCMP_ACT_ERRNO (failing with
	/// ERRNO_RET), SCMP_ACT_KILL (Docker's name for killing the thread), SCMP_ACT_KILL_THREAD,
	/// SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG, and SCMP_ACT_TRACE (ERRNO_RET is
	/// then the value the tracer sees). 0, or -EINVAL for any other name (SCMP_ACT_NOTIFY
	/// included: it needs a listener hako does not have). README: "Docker's profile format".
	return -ENOSYS;
}

/* One of "args" as a libseccomp comparison: index, op, value and valueTwo are given. */
static int arg_compare(unsigned index, const char *op, uint64_t value, uint64_t value_two,
                       struct scmp_arg_cmp *cmp)
{
	/// TODO(10): Fill *CMP with the comparison of argument INDEX (0 to 5: a system call has
	/// at most six) that Docker's OP names: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ,
	/// SCMP_CMP_GE, SCMP_CMP_GT, and SCMP_CMP_MASKED_EQ, which holds when
	/// (argument & VALUE) == VALUE_TWO (for the others VALUE is the operand and VALUE_TWO is
	/// unused). 0, or -EINVAL for an index over 5 or an unknown op. struct scmp_arg_cmp is in
	/// seccomp.h. README: "Docker's profile format".
	return -ENOSYS;
}

/* An "action" (and "errnoRet") at WHERE into *ACTION. */
static int parse_action(const struct profile *p, json_t *name, json_t *errno_ret, const char *where,
                        uint32_t *action)
{
	unsigned long long e = EPERM;
	char at[256];
	int err;

	snprintf(at, sizeof(at), "%s%s", where, where[0] ? ".errnoRet" : "defaultErrnoRet");
	if (errno_ret && get_uint(p, errno_ret, at, 0xffff, &e) < 0)
		return -EINVAL;
	snprintf(at, sizeof(at), "%s%s", where, where[0] ? ".action" : "defaultAction");
	if (!json_is_string(name))
		return fail(p, at, "expected a string such as \"SCMP_ACT_ERRNO\"");
	err = action_from_name(json_string_value(name), (unsigned)e, action);
	if (err == -ENOSYS)
		return err;
	if (err < 0)
		return fail(p, at,
		            "unknown action \"%s\" (hako knows SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
		            "SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, "
		            "SCMP_ACT_TRAP, SCMP_ACT_LOG, SCMP_ACT_TRACE)",
		            json_string_value(name));
	return 0;
}

/* Add the architecture "SCMP_ARCH_X86_64" (NAME, found at WHERE) to the filter. */
static int add_arch(struct profile *p, json_t *name, const char *where)
{
	char lower[32];
	const char *s = json_string_value(name);
	uint32_t arch;
	int err;

	if (!s || strncmp(s, "SCMP_ARCH_", 10) != 0 || strlen(s + 10) >= sizeof(lower))
		return fail(p, where, "expected an architecture such as \"SCMP_ARCH_X86_64\"");
	for (size_t i = 0; i <= strlen(s + 10); i++)
		lower[i] = (char)tolower((unsigned char)s[10 + i]);
	arch = seccomp_arch_resolve_name(lower);
	if (arch == 0)
		return fail(p, where, "unknown architecture \"%s\"", s);
	err = seccomp_arch_add(p->ctx, arch);
	if (err < 0 && err != -EEXIST)
		return fail(p, where, "seccomp_arch_add %s: %s", s, strerror(-err));
	return 0;
}

/* "architectures" and "archMap": the filter covers the ABIs listed (native by default). */
static int parse_arches(struct profile *p, json_t *arches, json_t *map)
{
	static const char *const map_keys[] = {"architecture", "subArchitectures", NULL};
	char at[256];
	size_t i, j;
	json_t *v, *sub;

	if (arches && !json_is_array(arches))
		return fail(p, "architectures", "expected a list");
	json_array_foreach(arches, i, v)
	{
		snprintf(at, sizeof(at), "architectures[%zu]", i);
		if (add_arch(p, v, at) < 0)
			return -EINVAL;
	}
	if (map && !json_is_array(map))
		return fail(p, "archMap", "expected a list");
	json_array_foreach(map, i, v)
	{
		snprintf(at, sizeof(at), "archMap[%zu]", i);
		if (check_keys(p, v, at, map_keys) < 0)
			return -EINVAL;
		json_t *arch = json_object_get(v, "architecture");
		json_t *subs = json_object_get(v, "subArchitectures");
		if (!json_is_string(arch))
			return fail(p, at, "\"architecture\" is missing or not a string");
		if (subs && !json_is_array(subs))
			return fail(p, at, "\"subArchitectures\" is not a list");
		/* Only the entry for the architecture we run on counts (Docker's rule). */
		if (strcmp(json_string_value(arch), "SCMP_ARCH_X86_64") != 0)
			continue;
		snprintf(at, sizeof(at), "archMap[%zu].architecture", i);
		if (add_arch(p, arch, at) < 0)
			return -EINVAL;
		json_array_foreach(subs, j, sub)
		{
			snprintf(at, sizeof(at), "archMap[%zu].subArchitectures[%zu]", i, j);
			if (add_arch(p, sub, at) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* The running kernel is at least "MAJOR.MINOR". */
static bool kernel_at_least(const char *version)
{
	struct utsname u;
	int want_major, want_minor, major = 0, minor = 0;

	if (sscanf(version, "%d.%d", &want_major, &want_minor) != 2 || uname(&u) < 0 ||
	    sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > want_major || (major == want_major && minor >= want_minor);
}

/* Does an "includes" or "excludes" object (found at WHERE) match this container? Any
 * capability listed that the workload keeps, or our architecture listed, or a kernel at least
 * minKernel, matches. *MATCH is true for an empty object's "includes". */
static int parse_filter(const struct profile *p, json_t *obj, const char *where, bool includes,
                        bool *match)
{
	static const char *const keys[] = {"caps", "arches", "minKernel", NULL};
	json_t *caps, *arches, *min_kernel, *v;
	char at[320];
	size_t i;
	bool any_cap = false, any_arch = false;

	*match = includes;
	if (!obj)
		return 0;
	if (check_keys(p, obj, where, keys) < 0)
		return -EINVAL;
	caps = json_object_get(obj, "caps");
	arches = json_object_get(obj, "arches");
	min_kernel = json_object_get(obj, "minKernel");
	if ((caps && !json_is_array(caps)) || (arches && !json_is_array(arches)))
		return fail(p, where, "\"caps\" and \"arches\" must be lists");
	json_array_foreach(caps, i, v)
	{
		cap_value_t cap;
		char lower[64];
		const char *s = json_string_value(v);
		snprintf(at, sizeof(at), "%s.caps[%zu]", where, i);
		if (!s || strlen(s) >= sizeof(lower))
			return fail(p, at, "expected a capability name such as \"CAP_SYS_ADMIN\"");
		for (size_t k = 0; k <= strlen(s); k++)
			lower[k] = (char)tolower((unsigned char)s[k]);
		if (cap_from_name(lower, &cap) < 0 || cap < 0 || cap > 63)
			return fail(p, at, "unknown capability \"%s\"", s);
		if (p->caps & CAPBIT(cap))
			any_cap = true;
	}
	json_array_foreach(arches, i, v)
	{
		snprintf(at, sizeof(at), "%s.arches[%zu]", where, i);
		if (!json_is_string(v))
			return fail(p, at, "expected an architecture such as \"amd64\"");
		if (strcmp(json_string_value(v), NATIVE_GO_ARCH) == 0 ||
		    strcmp(json_string_value(v), "x86_64") == 0)
			any_arch = true;
	}
	if (min_kernel && !json_is_string(min_kernel)) {
		snprintf(at, sizeof(at), "%s.minKernel", where);
		return fail(p, at, "expected a version such as \"4.8\"");
	}
	if (includes)
		*match = (!caps || !json_array_size(caps) || any_cap) &&
		         (!arches || !json_array_size(arches) || any_arch) &&
		         (!min_kernel || kernel_at_least(json_string_value(min_kernel)));
	else
		*match = any_cap || any_arch;
	return 0;
}

/* One entry of "syscalls", at WHERE ("syscalls[3]"). */
static int parse_rule(struct profile *p, json_t *rule, const char *where)
{
	static const char *const keys[] = {"names",    "name",     "action",  "errnoRet", "args",
	                                   "includes", "excludes", "comment", NULL};
	static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};
	struct scmp_arg_cmp cmps[6];
	json_t *names, *name, *args, *v;
	uint32_t action = 0; /* parse_action sets it, or the rule is refused (GCC cannot tell) */
	char at[320];
	size_t i, ncmp = 0;
	bool included, excluded;
	int err;

	if (check_keys(p, rule, where, keys) < 0)
		return -EINVAL;
	names = json_object_get(rule, "names");
	name = json_object_get(rule, "name");
	if (names && !json_is_array(names)) {
		snprintf(at, sizeof(at), "%s.names", where);
		return fail(p, at, "expected a list of system call names");
	}
	if (!names && !json_is_string(name))
		return fail(p, where, "needs \"names\" (a list) or \"name\"");
	if ((err = parse_action(p, json_object_get(rule, "action"),
	                        json_object_get(rule, "errnoRet"), where, &action)) < 0)
		return err;

	snprintf(at, sizeof(at), "%s.includes", where);
	if (parse_filter(p, json_object_get(rule, "includes"), at, true, &included) < 0)
		return -EINVAL;
	snprintf(at, sizeof(at), "%s.excludes", where);
	if (parse_filter(p, json_object_get(rule, "excludes"), at, false, &excluded) < 0)
		return -EINVAL;

	args = json_object_get(rule, "args");
	if (args && !json_is_array(args)) {
		snprintf(at, sizeof(at), "%s.args", where);
		return fail(p, at, "expected a list");
	}
	if (json_array_size(args) > 6) {
		snprintf(at, sizeof(at), "%s.args", where);
		return fail(p, at, "at most 6 comparisons (a system call has 6 arguments)");
	}
	json_array_foreach(args, i, v)
	{
		unsigned long long index, value = 0, value_two = 0;
		json_t *op;

		snprintf(at, sizeof(at), "%s.args[%zu]", where, i);
		if (check_keys(p, v, at, arg_keys) < 0)
			return -EINVAL;
		snprintf(at, sizeof(at), "%s.args[%zu].index", where, i);
		if (get_uint(p, json_object_get(v, "index"), at, UINT32_MAX, &index) < 0)
			return -EINVAL;
		/* jansson holds integers as signed 64 bits: values up to 2^63 - 1. */
		snprintf(at, sizeof(at), "%s.args[%zu].value", where, i);
		if (json_object_get(v, "value") &&
		    get_uint(p, json_object_get(v, "value"), at, INT64_MAX, &value) < 0)
			return -EINVAL;
		snprintf(at, sizeof(at), "%s.args[%zu].valueTwo", where, i);
		if (json_object_get(v, "valueTwo") &&
		    get_uint(p, json_object_get(v, "valueTwo"), at, INT64_MAX, &value_two) < 0)
			return -EINVAL;
		snprintf(at, sizeof(at), "%s.args[%zu].op", where, i);
		op = json_object_get(v, "op");
		if (!json_is_string(op))
			return fail(p, at, "expected a comparison such as \"SCMP_CMP_EQ\"");
		err = arg_compare((unsigned)index, json_string_value(op), value, value_two,
		                  &cmps[ncmp]);
		if (err == -ENOSYS)
			return err;
		if (err < 0 && index > 5) {
			snprintf(at, sizeof(at), "%s.args[%zu].index", where, i);
			return fail(p, at, "argument %llu: a system call has six, 0 to 5", index);
		}
		if (err < 0)
			return fail(p, at,
			            "unknown comparison \"%s\" (SCMP_CMP_NE, _LT, _LE, _EQ, _GE, "
			            "_GT or _MASKED_EQ)",
			            json_string_value(op));
		ncmp++;
	}

	if (!included || excluded || action == p->default_action)
		return 0; /* not for this container, or what no rule would do anyway */
	size_t n = names ? json_array_size(names) : 1;
	for (i = 0; i < n; i++) {
		json_t *s = names ? json_array_get(names, i) : name;
		int nr;

		snprintf(at, sizeof(at), names ? "%s.names[%zu]" : "%s.name", where, i);
		if (!json_is_string(s))
			return fail(p, at, "expected a system call name");
		nr = seccomp_syscall_resolve_name(json_string_value(s));
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: skipped, as runc does */
		err = seccomp_rule_add_array(p->ctx, action, nr, (unsigned)ncmp, cmps);
		if (err < 0)
			return fail(p, at, "seccomp_rule_add %s: %s%s", json_string_value(s),
			            strerror(-err),
			            err == -EINVAL ? " (two comparisons of one argument?)" : "");
	}
	return 0;
}

int seccomp_profile_load(const char *path, uint64_t caps, scmp_filter_ctx *out)
{
	static const char *const keys[] = {"defaultAction",
	                                   "defaultErrnoRet",
	                                   "architectures",
	                                   "archMap",
	                                   "syscalls",
	                                   "comment",
	                                   NULL};
	struct profile p = {.path = path, .caps = caps};
	json_error_t jerr;
	json_t *root, *syscalls, *v;
	char at[64];
	size_t i;
	int err;

	/* JSON_REJECT_DUPLICATES: "action" given twice is a mistake, not "the last one wins". */
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line < 0) /* the file could not be read at all */
			fprintf(stderr, "hako: %s: %s\n", path, jerr.text);
		else
			fprintf(stderr, "hako: %s:%d:%d: %s\n", path, jerr.line, jerr.column,
			        jerr.text);
		return -EINVAL;
	}
	if ((err = check_keys(&p, root, "", keys)) < 0)
		goto out;
	if (!json_object_get(root, "defaultAction")) {
		err = fail(&p, "defaultAction", "missing (what a call no rule matches gets)");
		goto out;
	}
	if ((err = parse_action(&p, json_object_get(root, "defaultAction"),
	                        json_object_get(root, "defaultErrnoRet"), "", &p.default_action)) <
	    0)
		goto out;
	p.ctx = seccomp_init(p.default_action);
	if (!p.ctx) {
		err = fail(&p, "defaultAction", "seccomp_init refused it");
		goto out;
	}
	if ((err = parse_arches(&p, json_object_get(root, "architectures"),
	                        json_object_get(root, "archMap"))) < 0)
		goto out;
	syscalls = json_object_get(root, "syscalls");
	if (syscalls && !json_is_array(syscalls)) {
		err = fail(&p, "syscalls", "expected a list");
		goto out;
	}
	json_array_foreach(syscalls, i, v)
	{
		snprintf(at, sizeof(at), "syscalls[%zu]", i);
		if ((err = parse_rule(&p, v, at)) < 0)
			goto out;
	}
	*out = p.ctx;
	p.ctx = NULL;
	err = 0;
out:
	if (p.ctx)
		seccomp_release(p.ctx);
	json_decref(root);
	return err;
}
