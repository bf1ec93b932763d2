/* spec.c: lesson 13 — read an OCI bundle's config.json into a struct hako_config. */
#include "hako.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * config.json, the parts hako reads (the runtime spec's config.md):
 *
 *   {
 *     "ociVersion": "1.0.2",
 *     "process": { "terminal": false, "user": {"uid": 0, "gid": 0},
 *                  "args": ["sh", "-c", "echo hi"], "env": ["PATH=/bin"], "cwd": "/",
 *                  "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}] },
 *     "root": { "path": "rootfs", "readonly": true },
 *     "hostname": "box",
 *     "mounts": [ {"destination": "/proc", "type": "proc", "source": "proc"},
 *                 {"destination": "/data", "type": "bind", "source": "/srv/data",
 *                  "options": ["rbind", "ro"]} ],
 *     "linux": { "namespaces": [{"type": "pid"}, {"type": "mount"}, ...],
 *                "resources": { "memory": {"limit": 67108864},
 *                               "cpu": {"quota": 50000, "period": 100000},
 *                               "pids": {"limit": 64} } }
 *   }
 *
 * Every object is checked against the list of keys hako knows: a key hako does not know is
 * an error that names it (silently ignoring "seccomp" would run a container without the
 * filter its author asked for).
 */

/* Say what is wrong into ERR; returns CODE (a negative errno). */
static int bad(char *err, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(char *err, size_t len, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return code;
}

/* The keys an object may have: each is either read, or accepted and ignored (IGNORED), or
 * known but not supported by hako (a reason, for the error). */
struct key_rule {
	const char *key;
	const char *unsupported; /* NULL: hako reads it */
};

/*
 * Check that every key of OBJ (the object at PATH, e.g. "process") is in RULES. -ENOTSUP for
 * a key hako knows but does not support, -EINVAL for one it does not know, naming it.
 */
static int check_keys(json_t *obj, const char *path, const struct key_rule *rules, size_t n,
                      char *err, size_t len)
{
	/// TODO(13): Walk OBJ's keys (json_object_foreach, jansson's docs). A key not in RULES
	///   is -EINVAL with ERR "PATH.KEY: unknown field"; a key whose rule has an
	///   `unsupported` reason is -ENOTSUP with ERR "PATH.KEY: not supported: REASON".
	///   Unknown fields must never be skipped silently (see the README's "Refusing what you
	///   do not know").
	return bad(err, len, -ENOSYS, "config.json: not implemented yet (lesson 13)");
}

/* OBJ[KEY] if OBJ has it and it has the type IS checks (a string, ...), else NULL; *BAD is
 * set when it is there with another type. */
static json_t *get_typed(json_t *obj, const char *key, int (*is)(const json_t *), bool *wrong)
{
	json_t *v = json_object_get(obj, key);

	if (v && !is(v)) {
		*wrong = true;
		return NULL;
	}
	return v;
}

/* jansson's type tests are macros: these are functions get_typed can take. */
static int is_object(const json_t *v)
{
	return json_is_object(v);
}
static int is_array(const json_t *v)
{
	return json_is_array(v);
}
static int is_string(const json_t *v)
{
	return json_is_string(v);
}
static int is_integer(const json_t *v)
{
	return json_is_integer(v);
}
static int is_bool(const json_t *v)
{
	return json_is_boolean(v);
}

#define GET(obj, key, type, path)                                                                  \
	({                                                                                         \
		bool wrong_ = false;                                                               \
		json_t *v_ = get_typed((obj), (key), is_##type, &wrong_);                          \
		if (wrong_)                                                                        \
			return bad(err, len, -EINVAL, "%s.%s: must be a%s %s", (path), (key),      \
			           #type[0] == 'a' || #type[0] == 'i' || #type[0] == 'o' ? "n"     \
			                                                                 : "",     \
			           #type);                                                         \
		v_;                                                                                \
	})

/* A JSON array of strings as a malloc'd NULL-terminated array of pointers into it. */
static GIVEN int string_array(json_t *arr, const char *path, char ***out, char *err, size_t len)
{
	size_t i, n = json_array_size(arr);
	char **v = calloc(n + 1, sizeof(*v));

	if (!v)
		return bad(err, len, -ENOMEM, "%s: out of memory", path);
	for (i = 0; i < n; i++) {
		json_t *item = json_array_get(arr, i);
		if (!json_is_string(item)) {
			free(v);
			return bad(err, len, -EINVAL, "%s[%zu]: must be a string", path, i);
		}
		v[i] = (char *)json_string_value(item);
	}
	*out = v;
	return 0;
}

/* ---- process ---- */

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_rlimits(json_t *arr, struct hako_spec *s, char *err, size_t len)
{
	size_t i;
	json_t *item;

	if (json_array_size(arr) > SPEC_MAX_RLIMITS)
		return bad(err, len, -E2BIG, "process.rlimits: more than %d", SPEC_MAX_RLIMITS);
	json_array_foreach(arr, i, item)
	{
		static const struct key_rule rules[] = {
		    {"type", NULL}, {"soft", NULL}, {"hard", NULL}};
		char path[64];
		size_t k;

		snprintf(path, sizeof(path), "process.rlimits[%zu]", i);
		if (!json_is_object(item))
			return bad(err, len, -EINVAL, "%s: must be an object", path);
		int e = check_keys(item, path, rules, 3, err, len);
		if (e < 0)
			return e;
		json_t *type = GET(item, "type", string, path);
		json_t *soft = GET(item, "soft", integer, path);
		json_t *hard = GET(item, "hard", integer, path);
		if (!type || !soft || !hard)
			return bad(err, len, -EINVAL, "%s: needs type, soft and hard", path);
		for (k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
			if (strcmp(rlimit_names[k].name, json_string_value(type)) == 0)
				break;
		if (k == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
			return bad(err, len, -EINVAL, "%s.type: unknown limit '%s'", path,
			           json_string_value(type));
		if (json_integer_value(soft) < 0 || json_integer_value(hard) < 0 ||
		    json_integer_value(soft) > json_integer_value(hard))
			return bad(err, len, -EINVAL, "%s: soft must be between 0 and hard", path);
		s->rlimits[i] = (struct hako_rlimit){rlimit_names[k].resource,
		                                     (unsigned long long)json_integer_value(soft),
		                                     (unsigned long long)json_integer_value(hard)};
	}
	s->cfg.rlimits = s->rlimits;
	s->cfg.nrlimits = json_array_size(arr);
	return 0;
}

/*
 * process.capabilities: hako keeps one set (lesson 09's cfg->caps: bounding, permitted and
 * effective alike), so it takes the capabilities that are in every one of "bounding",
 * "permitted" and "effective" the config lists. No "capabilities" at all means none, as the
 * runtime spec says (and runc does); Docker's default set is `hako run`'s, not a bundle's.
 */
static int parse_capabilities(json_t *caps, struct hako_spec *s, char *err, size_t len)
{
	static const struct key_rule rules[] = {
	    {"bounding", NULL},    {"effective", NULL}, {"permitted", NULL},
	    {"inheritable", NULL}, {"ambient", NULL},
	};
	static const char *const sets[] = {"bounding", "permitted", "effective"};
	uint64_t keep = ~0ULL;
	bool any = false;
	int e;

	s->cfg.caps_set = true;
	s->cfg.caps = 0;
	if (!caps)
		return 0;
	if ((e = check_keys(caps, "process.capabilities", rules, 5, err, len)) < 0)
		return e;
	for (size_t i = 0; i < 3; i++) {
		json_t *list = json_object_get(caps, sets[i]), *name;
		uint64_t mask = 0;
		size_t k;

		if (!list)
			continue;
		if (!json_is_array(list))
			return bad(err, len, -EINVAL, "process.capabilities.%s: must be an array",
			           sets[i]);
		json_array_foreach(list, k, name)
		{
			int n = json_is_string(name) ? caps_parse_name(json_string_value(name))
			                             : -EINVAL;
			if (n == -ENOSYS)
				return bad(err, len, -ENOSYS,
				           "process.capabilities: not implemented yet (lesson 09)");
			if (n < 0 || n == CAPS_ALL)
				return bad(err, len, -EINVAL,
				           "process.capabilities.%s[%zu]: not a "
				           "capability name",
				           sets[i], k);
			mask |= 1ULL << n;
		}
		keep &= mask;
		any = true;
	}
	s->cfg.caps = any ? keep : 0;
	return 0;
}

static int parse_process(json_t *proc, struct hako_spec *s, char *err, size_t len)
{
	static const struct key_rule rules[] = {
	    {"terminal", NULL},
	    {"user", NULL},
	    {"args", NULL},
	    {"env", NULL},
	    {"cwd", NULL},
	    {"rlimits", NULL},
	    {"consoleSize", NULL},
	    {"capabilities", NULL},
	    {"noNewPrivileges", NULL},
	    {"apparmorProfile", "hako has no AppArmor support"},
	    {"selinuxLabel", "hako has no SELinux support"},
	    {"oomScoreAdj", "not implemented"},
	    {"commandLine", "Windows only"},
	};
	json_t *v;
	int e;

	if ((e = check_keys(proc, "process", rules, sizeof(rules) / sizeof(rules[0]), err, len)) <
	    0)
		return e;
	/// TODO(13): Fill s->cfg from process: "args" (a non-empty array of strings, required:
	///   "process.args: missing" / "process.args: must not be empty"), "env" (an array of
	///   strings; set cfg.env_replace: the bundle's env is the whole environment), "cwd"
	///   (an absolute path), "terminal" (only false: hako create has no console socket),
	///   and "user" ({"uid": N, "gid": N}, written "UID:GID" into s->user for cfg.user).
	///   Use GET(obj, key, type, path): it returns NULL when the key is absent and returns
	///   -EINVAL from this function when its type is wrong. string_array() makes the arrays.
	return bad(err, len, -ENOSYS, "process: not implemented yet (lesson 13)");
	if ((v = GET(proc, "rlimits", array, "process")) && (e = parse_rlimits(v, s, err, len)) < 0)
		return e;
	if ((v = GET(proc, "noNewPrivileges", bool, "process")))
		s->cfg.no_new_privs = json_is_true(v);
	return parse_capabilities(GET(proc, "capabilities", object, "process"), s, err, len);
}

/* ---- root ---- */

/*
 * root.path: relative to the bundle (usually "rootfs") or absolute. A relative path must stay
 * inside the bundle: "../../etc" would make any folder of the host the container's /.
 */
static int parse_root(json_t *root, const char *bundle, struct hako_spec *s, char *err, size_t len)
{
	static const struct key_rule rules[] = {{"path", NULL}, {"readonly", NULL}};
	char real_bundle[PATH_MAX];
	json_t *v, *p;
	int e;

	if ((e = check_keys(root, "root", rules, 2, err, len)) < 0)
		return e;
	if (!(p = GET(root, "path", string, "root")))
		return bad(err, len, -EINVAL, "root.path: missing");
	if ((v = GET(root, "readonly", bool, "root")))
		s->cfg.readonly_root = json_is_true(v);

	if (!realpath(bundle, real_bundle))
		return bad(err, len, -errno, "%s: %s", bundle, strerror(errno));
	/// TODO(13): Make s->root the absolute, resolved path of the root filesystem
	///   (realpath(3)): PATH (the string P holds) itself if it is absolute, else
	///   BUNDLE/PATH. A relative PATH that resolves outside the bundle (REAL_BUNDLE and
	///   below) is -EINVAL with ERR
	///   "root.path: 'PATH' is outside the bundle". A root that does not exist is
	///   -ENOENT ("root.path: ..."). Careful: "/b/rootfs-other" is not inside "/b/root".
	return bad(err, len, -ENOSYS, "root: not implemented yet (lesson 13)");
	s->cfg.rootfs = s->root;
	s->cfg.keep_rootfs = true; /* as runc: the bundle's root is used as it is */
	return 0;
}

/* ---- mounts ---- */

int spec_mount_option(const char *opt, unsigned long *flags, char *data, size_t len)
{
	static GIVEN const struct {
		const char *name;
		unsigned long set, clear;
	} words[] = {
	    {"ro", MS_RDONLY, 0},
	    {"rw", 0, MS_RDONLY},
	    {"nosuid", MS_NOSUID, 0},
	    {"suid", 0, MS_NOSUID},
	    {"nodev", MS_NODEV, 0},
	    {"dev", 0, MS_NODEV},
	    {"noexec", MS_NOEXEC, 0},
	    {"exec", 0, MS_NOEXEC},
	    {"bind", MS_BIND, 0},
	    {"rbind", MS_BIND | MS_REC, 0},
	    {"private", 0, 0},
	    {"rprivate", 0, 0},
	    {"strictatime", MS_STRICTATIME, 0},
	    {"relatime", MS_RELATIME, 0},
	    {"noatime", MS_NOATIME, 0},
	};

	/// TODO(13): If OPT is one of WORDS, set its `set` bits in *FLAGS and clear its `clear`
	///   bits, and return 0. Anything else (size=64m, mode=755, newinstance, ...) belongs
	///   to the filesystem: append it to DATA, with a ',' before it unless DATA is empty;
	///   -E2BIG if it does not fit in LEN bytes with its NUL.
	return -ENOSYS;
}

static int parse_mounts(json_t *arr, const char *bundle, struct hako_spec *s, char *err, size_t len)
{
	static const char *const types[] = {"bind", "proc", "sysfs", "tmpfs", "devpts", "mqueue"};
	static const struct key_rule rules[] = {
	    {"destination", NULL},
	    {"type", NULL},
	    {"source", NULL},
	    {"options", NULL},
	    {"uidMappings", "idmapped mounts are not implemented"},
	    {"gidMappings", "idmapped mounts are not implemented"},
	};
	size_t i;
	json_t *m;

	if (json_array_size(arr) > SPEC_MAX_MOUNTS)
		return bad(err, len, -E2BIG, "mounts: more than %d", SPEC_MAX_MOUNTS);
	json_array_foreach(arr, i, m)
	{
		struct hako_mount *hm = &s->mounts[i];
		char path[64], data[512] = "";
		int e;

		snprintf(path, sizeof(path), "mounts[%zu]", i);
		if (!json_is_object(m))
			return bad(err, len, -EINVAL, "%s: must be an object", path);
		if ((e = check_keys(m, path, rules, 6, err, len)) < 0)
			return e;
		json_t *dst = GET(m, "destination", string, path);
		json_t *type = GET(m, "type", string, path);
		json_t *src = GET(m, "source", string, path);
		json_t *opts = GET(m, "options", array, path);
		if (!dst || json_string_value(dst)[0] != '/')
			return bad(err, len, -EINVAL, "%s.destination: must be an absolute path",
			           path);
		hm->target = json_string_value(dst);
		hm->type = type ? json_string_value(type) : "bind";
		hm->source = src ? json_string_value(src) : hm->type;
		for (size_t j = 0; opts && j < json_array_size(opts); j++) {
			json_t *o = json_array_get(opts, j);
			if (!json_is_string(o))
				return bad(err, len, -EINVAL, "%s.options[%zu]: must be a string",
				           path, j);
			if (spec_mount_option(json_string_value(o), &hm->flags, data,
			                      sizeof(data)) < 0)
				return bad(err, len, -E2BIG, "%s.options: too long", path);
		}
		/* runc's configs say type "none" with a "bind" option for a bind mount. */
		if (hm->flags & MS_BIND)
			hm->type = "bind";
		size_t t;
		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			if (strcmp(types[t], hm->type) == 0)
				break;
		if (t == sizeof(types) / sizeof(types[0]))
			return bad(err, len, -ENOTSUP,
			           "%s.type: '%s' is not supported (bind, proc, "
			           "sysfs, tmpfs, devpts, mqueue)",
			           path, hm->type);
		if (strcmp(hm->type, "bind") == 0) {
			hm->flags |= MS_BIND;
			if (!src)
				return bad(err, len, -EINVAL, "%s.source: a bind mount needs one",
				           path);
			/* A relative source is relative to the bundle, as runc reads it. */
			if (hm->source[0] != '/') {
				char *abs;
				if (asprintf(&abs, "%s/%s", bundle, hm->source) < 0)
					return bad(err, len, -ENOMEM, "%s: out of memory", path);
				json_object_set_new(m, "source", json_string(abs));
				free(abs);
				hm->source = json_string_value(json_object_get(m, "source"));
			}
		}
		if (data[0]) {
			json_object_set_new(m, "hako-data", json_string(data));
			hm->data = json_string_value(json_object_get(m, "hako-data"));
		}
	}
	s->cfg.mounts = s->mounts;
	s->cfg.nmounts = json_array_size(arr);
	return 0;
}

/* ---- linux ---- */

/*
 * hako always makes the same namespaces (hako.h's map): pid, mount, uts, ipc; network unless
 * the host's is asked for; user when rootless. A config must ask for the ones hako always
 * makes (a config without "pid" expects the host's PID namespace, which hako cannot give).
 */
static int parse_namespaces(json_t *arr, struct hako_spec *s, char *err, size_t len)
{
	static const char *const needed[] = {"pid", "mount", "uts", "ipc"};
	static GIVEN const char *const known[] = {"pid",     "mount", "uts",   "ipc",
	                                          "network", "user",  "cgroup"};
	bool seen[7] = {false};
	size_t i;
	json_t *ns;

	json_array_foreach(arr, i, ns)
	{
		char path[64];

		snprintf(path, sizeof(path), "linux.namespaces[%zu]", i);
		if (!json_is_object(ns))
			return bad(err, len, -EINVAL, "%s: must be an object", path);
		json_t *type = GET(ns, "type", string, path);
		if (!type)
			return bad(err, len, -EINVAL, "%s.type: missing", path);
		/// TODO(13): Find TYPE in KNOWN; a type that is not there is -EINVAL with ERR
		///   "PATH.type: unknown namespace type 'T'". A "path" key (join an existing
		///   namespace) is -ENOTSUP, naming it. Set SEEN[k].
		return bad(err, len, -ENOSYS, "linux.namespaces: not implemented yet (lesson 13)");
	}
	for (size_t k = 0; k < sizeof(needed) / sizeof(needed[0]); k++)
		if (!seen[k])
			return bad(err, len, -ENOTSUP,
			           "linux.namespaces: no '%s': hako always makes a new one",
			           needed[k]);
	s->cfg.net = seen[4] ? HAKO_NET_NONE : HAKO_NET_HOST;
	s->cfg.rootless = seen[5];
	return 0;
}

/* One uidMappings/gidMappings list: hako supports the rootless one, root inside mapped to
 * the caller (lesson 05): [{"containerID": 0, "hostID": OWN, "size": 1}]. */
static int parse_idmap(json_t *arr, const char *path, long long own, char *err, size_t len)
{
	json_t *m = json_array_get(arr, 0);

	if (json_array_size(arr) != 1 || !json_is_object(m))
		return bad(err, len, -ENOTSUP, "linux.%s: only one mapping is supported", path);
	json_t *c = json_object_get(m, "containerID");
	json_t *h = json_object_get(m, "hostID");
	json_t *n = json_object_get(m, "size");
	if (!json_is_integer(c) || !json_is_integer(h) || !json_is_integer(n))
		return bad(err, len, -EINVAL, "linux.%s[0]: needs containerID, hostID, size", path);
	if (json_integer_value(c) != 0 || json_integer_value(n) != 1 ||
	    json_integer_value(h) != own)
		return bad(
		    err, len, -ENOTSUP,
		    "linux.%s[0]: only root inside mapped to your own id (%lld) is supported", path,
		    own);
	return 0;
}

static int parse_resources(json_t *res, struct hako_spec *s, char *err, size_t len)
{
	static const struct key_rule rules[] = {
	    {"memory", NULL},
	    {"cpu", NULL},
	    {"pids", NULL},
	    {"devices", "device rules are lesson 09's"},
	    {"blockIO", "not implemented"},
	    {"hugepageLimits", "not implemented"},
	    {"network", "not implemented"},
	    {"rdma", "not implemented"},
	    {"unified", "not implemented"},
	};
	int e;

	if ((e = check_keys(res, "linux.resources", rules, 9, err, len)) < 0)
		return e;
	/// TODO(13): memory.limit (bytes) -> cfg.memory; cpu.quota and cpu.period -> cfg.cpu_max
	///   (hako's quota is per CGROUP_CPU_PERIOD: scale quota * 100000 / period, period
	///   defaults to 100000); pids.limit -> cfg.pids_limit (-1 or 0: no limit). A negative
	///   memory limit or quota, or a period of 0, is -EINVAL naming the field.
	return bad(err, len, -ENOSYS, "linux.resources: not implemented yet (lesson 13)");
	return 0;
}

static int parse_linux(json_t *lx, struct hako_spec *s, char *err, size_t len)
{
	static const struct key_rule rules[] = {
	    {"namespaces", NULL},
	    {"resources", NULL},
	    {"uidMappings", NULL},
	    {"gidMappings", NULL},
	    {"cgroupsPath", NULL},
	    {"maskedPaths", NULL},
	    {"readonlyPaths", NULL},
	    {"seccomp", NULL},
	    {"devices", "extra devices are not implemented"},
	    {"sysctl", "not implemented"},
	    {"rootfsPropagation", "not implemented"},
	    {"mountLabel", "hako has no SELinux support"},
	    {"intelRdt", "not implemented"},
	    {"personality", "not implemented"},
	    {"timeOffsets", "not implemented"},
	};
	json_t *v;
	int e;

	if ((e = check_keys(lx, "linux", rules, sizeof(rules) / sizeof(rules[0]), err, len)) < 0)
		return e;
	if (!(v = GET(lx, "namespaces", array, "linux")))
		return bad(err, len, -EINVAL, "linux.namespaces: missing");
	if ((e = parse_namespaces(v, s, err, len)) < 0)
		return e;
	if ((v = GET(lx, "resources", object, "linux")) &&
	    (e = parse_resources(v, s, err, len)) < 0)
		return e;
	json_t *um = GET(lx, "uidMappings", array, "linux");
	json_t *gm = GET(lx, "gidMappings", array, "linux");
	if ((um || gm) && !s->cfg.rootless)
		return bad(err, len, -EINVAL, "linux.uidMappings: needs a 'user' namespace");
	if (s->cfg.rootless && (!um || !gm))
		return bad(err, len, -EINVAL,
		           "linux.uidMappings, gidMappings: a 'user' namespace needs both");
	if (um && (e = parse_idmap(um, "uidMappings", (long long)getuid(), err, len)) < 0)
		return e;
	if (gm && (e = parse_idmap(gm, "gidMappings", (long long)getgid(), err, len)) < 0)
		return e;
	/* cgroupsPath: hako keeps every container under its "hako" parent; the path is read
	 * (it must be a string) and the container's id names the cgroup instead. */
	(void)GET(lx, "cgroupsPath", string, "linux");
	/* maskedPaths, readonlyPaths: lesson 09 hides and protects Docker's list (runc's
	 * default config lists the same paths) whatever the config says; they are checked to
	 * be lists of absolute paths. */
	static const char *const lists[] = {"maskedPaths", "readonlyPaths"};
	for (size_t i = 0; i < 2; i++) {
		json_t *l = GET(lx, lists[i], array, "linux"), *p;
		size_t k;
		json_array_foreach(
		    l, k, p) if (!json_is_string(p) ||
		                 json_string_value(p)[0] !=
		                     '/') return bad(err, len, -EINVAL,
		                                     "linux.%s[%zu]: must be an absolute path",
		                                     lists[i], k);
	}
	/*
	 * linux.seccomp is lesson 10's profile format (defaultAction, architectures,
	 * syscalls[].names/action/args): lesson 10 reads it from a file, so it is written to a
	 * memfd(2) that hako (which compiles the filter) reads as /proc/self/fd/N. No seccomp
	 * at all means no filter, as the runtime spec says.
	 */
	json_t *sc = GET(lx, "seccomp", object, "linux");
	if (!sc) {
		s->cfg.seccomp = "unconfined";
		return 0;
	}
	s->seccomp_fd = memfd_create("hako-seccomp", MFD_CLOEXEC);
	if (s->seccomp_fd < 0 || json_dumpfd(sc, s->seccomp_fd, 0) < 0)
		return bad(err, len, -errno, "linux.seccomp: memfd: %s", strerror(errno));
	snprintf(s->seccomp, sizeof(s->seccomp), "/proc/self/fd/%d", s->seccomp_fd);
	s->cfg.seccomp = s->seccomp;
	return 0;
}

/* ---- the document ---- */

int spec_load(const char *bundle, struct hako_spec *s, char *err, size_t len)
{
	static const struct key_rule rules[] = {
	    {"ociVersion", NULL},
	    {"process", NULL},
	    {"root", NULL},
	    {"hostname", NULL},
	    {"mounts", NULL},
	    {"linux", NULL},
	    {"annotations", NULL},
	    {"domainname", "not implemented"},
	    {"hooks", "hooks are not implemented"},
	    {"solaris", "Solaris only"},
	    {"windows", "Windows only"},
	    {"vm", "VM runtimes only"},
	};
	char path[PATH_MAX];
	json_t *doc, *v;
	int e;

	memset(s, 0, sizeof(*s));
	s->cfg.net = HAKO_NET_HOST;
	s->seccomp_fd = -1;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	/// TODO(13): Parse PATH with json_load_file (jansson). When it fails, ERR must say
	///   "config.json: line L: TEXT" (jerr.line, jerr.text) and the result is -EINVAL (-ENOENT
	///   if the file does not exist). The top level must be an object ("config.json: must be
	///   an object"). Keep the document in s->json: cfg's strings point into it.
	return bad(err, len, -ENOSYS, "config.json: not implemented yet (lesson 13)");

	if ((e = check_keys(doc, "config.json", rules, sizeof(rules) / sizeof(rules[0]), err,
	                    len)) < 0)
		return e;
	if (!(v = GET(doc, "ociVersion", string, "config.json")))
		return bad(err, len, -EINVAL, "ociVersion: missing");
	if (strncmp(json_string_value(v), "1.", 2) != 0)
		return bad(err, len, -ENOTSUP, "ociVersion: '%s': hako reads version 1.x",
		           json_string_value(v));
	if (!(v = GET(doc, "process", object, "config.json")))
		return bad(err, len, -EINVAL, "process: missing");
	if ((e = parse_process(v, s, err, len)) < 0)
		return e;
	if (!(v = GET(doc, "root", object, "config.json")))
		return bad(err, len, -EINVAL, "root: missing");
	if ((e = parse_root(v, bundle, s, err, len)) < 0)
		return e;
	if ((v = GET(doc, "hostname", string, "config.json"))) {
		s->cfg.hostname = json_string_value(v);
		if (uts_check_hostname(s->cfg.hostname) == -EINVAL)
			return bad(err, len, -EINVAL, "hostname: 1 to 64 bytes");
	}
	if ((v = GET(doc, "mounts", array, "config.json")) &&
	    (e = parse_mounts(v, bundle, s, err, len)) < 0)
		return e;
	if (!(v = GET(doc, "linux", object, "config.json")))
		return bad(err, len, -EINVAL, "linux: missing");
	if ((e = parse_linux(v, s, err, len)) < 0)
		return e;
	return 0;
}

void spec_free(struct hako_spec *s)
{
	free(s->argv);
	free(s->env);
	if (s->json)
		json_decref(s->json);
	if (s->seccomp_fd >= 0)
		close(s->seccomp_fd);
	s->seccomp_fd = -1;
	s->argv = s->env = NULL;
	s->json = NULL;
}

/* ---- checks shared by `hako run` and config.json (one code path) ---- */

int spec_check(const struct hako_config *cfg, char *err, size_t len)
{
	/// TODO(13): Refuse, before anything is made, what would only fail later with a
	///   confusing message (the README's "One configuration, one check"):
	///   - no command (cfg->argv NULL or empty): -EINVAL, "no command given";
	///   - an empty command word (argv[0] is ""): -ENOENT, "'': command not found";
	///   - a memory limit below SPEC_MIN_MEMORY (6 MiB, as docker): -EINVAL, the message
	///     saying the limit, the minimum, and why (the workload would be OOM-killed at once);
	///   - a rootfs that is the host's own / (realpath gives "/"): -EINVAL, saying so.
	return bad(err, len, -ENOSYS, "not implemented yet (lesson 13)");
}

int spec_parse_volume(const char *arg, struct hako_mount *m, char *buf, size_t len)
{
	/// TODO(13): `-v SRC:DST[:ro|:rw]` as docker reads it: SRC and DST absolute paths, an
	///   optional third field "ro" or "rw". Copy ARG into BUF (LEN bytes; -ENAMETOOLONG if it
	///   does not fit) and cut it at the ':'s so that M's strings point into BUF. M becomes
	///   a recursive bind mount (type "bind", MS_BIND | MS_REC, MS_RDONLY with "ro").
	///   -EINVAL for anything else: a missing DST, a relative path, a fourth field, another
	///   mode.
	return -ENOSYS;
}
