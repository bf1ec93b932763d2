/* images.c: hako's local image store — `hako image import|ls|rm`, and images for `hako run`.
 *
 * Not an exercise: the store is bookkeeping around lesson 12's tar reader, unpacker and
 * digest checks, which do the work that matters.
 *
 *   STORE/                  /var/lib/hako as root, $XDG_DATA_HOME/hako (~/.local/share/hako)
 *   ├── layers/HEX/         rootless; $HAKO_ROOT if set. Each layer unpacked once, named by
 *   │                       the digest of its blob, shared read-only by every image and
 *   │                       container that uses it
 *   └── images/NAME.json    an image: its manifest digest, its layers, its config
 */
#include "hako.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* The store's folder (store_root, lesson 11's store.c) into BUF; with CREATE, its layers/
 * and images/ folders are made if missing. */
static int store_dir(char *buf, size_t len, bool create)
{
	char sub[PATH_MAX];
	int err = store_root(buf, len);

	if (err < 0 || !create)
		return err;
	for (const char *const *s = (const char *const[]){"", "/layers", "/images", NULL}; *s;
	     s++) {
		snprintf(sub, sizeof(sub), "%s%s", buf, *s);
		if (mkdir(sub, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

/* An image name as a file name: [a-z0-9._:-] and '/', which becomes '%'. */
static int name_file(const char *name, char *file, size_t len)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.' || name[0] == '/')
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._:-/", name[i]))
			return -EINVAL;
	snprintf(file, len, "%s.json", name);
	for (char *p = file; *p; p++)
		if (*p == '/')
			*p = '%';
	return 0;
}

/* A tar_reader source over zlib: gzread takes gzip and plain tar alike. */
static ssize_t gz_source(void *source, void *buf, size_t len)
{
	int n = gzread(source, buf, len > INT_MAX ? INT_MAX : (unsigned)len);
	return n < 0 ? -EIO : n;
}

/* Unpack the (verified) blob FD into DIR as a new folder; on failure nothing is left. */
static int unpack_blob(int fd, const char *dir, int flags, char *bad, size_t len)
{
	gzFile gz;
	int dirfd, err;

	if (mkdir(dir, 0755) < 0)
		return -errno;
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = -errno;
		goto bad;
	}
	if (!(gz = gzdopen(fd, "rb"))) {
		close(dirfd);
		err = -ENOMEM;
		goto bad;
	}
	struct tar_reader r = {.read = gz_source, .source = gz};
	err = layer_unpack(&r, dirfd, flags, bad, len);
	gzclose(gz); /* closes FD too */
	close(dirfd);
	if (err == 0)
		return 0;
bad:
	store_remove_tree(dir);
	return err;
}

/* `hako image import PATH[:REF] [NAME]` */
static int image_import(const char *arg, const char *name)
{
	char store[PATH_MAX], path[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	char err[512], bad[TAR_NAME_MAX], auto_name[256];
	const char *ref = NULL;
	struct oci_image img = {0};
	struct stat st;
	int e, layoutfd = -1, flags = geteuid() == 0 ? 0 : LAYER_ROOTLESS, unpacked = 0;
	char layout_tmp[PATH_MAX] = "";

	if ((e = store_dir(store, sizeof(store), true)) < 0) {
		fprintf(stderr, "hako image: store: %s (set HAKO_ROOT)\n", strerror(-e));
		return 1;
	}
	/* PATH, or PATH:REF as skopeo writes it (oci:DIR:REF). */
	snprintf(path, sizeof(path), "%s", arg);
	char *colon = strrchr(path, ':');
	if (stat(path, &st) < 0 && colon) {
		*colon = '\0';
		ref = arg + (colon - path) + 1;
	}
	if (stat(path, &st) < 0) {
		fprintf(stderr, "hako image import: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!name) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		snprintf(auto_name, sizeof(auto_name), "%.*s:%s", (int)strcspn(base, "."), base,
		         ref ? ref : "latest");
		name = auto_name;
	}
	if (name_file(name, file, sizeof(file)) < 0) {
		fprintf(stderr,
		        "hako image import: '%s': an image name is lowercase letters, digits, '.', "
		        "'_', ':', '-' and '/'\n",
		        name);
		return 1;
	}
	if (S_ISREG(st.st_mode)) {
		/* A tar of the layout: unpacked (safely, no whiteouts) to a folder first. */
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(layout_tmp, sizeof(layout_tmp), "%s/layout-%d", store, (int)getpid());
		if (fd < 0 || (e = unpack_blob(fd, layout_tmp, LAYER_ROOTLESS | LAYER_NO_WHITEOUT,
		                               bad, sizeof(bad))) < 0) {
			fprintf(stderr, "hako image import: %s: %s%s%s\n", path,
			        fd < 0 ? strerror(errno) : "entry '", fd < 0 ? "" : bad,
			        fd < 0 ? "" : "': cannot be unpacked");
			return 1;
		}
		snprintf(path, sizeof(path), "%s", layout_tmp);
	}

	if ((e = oci_image_read(path, ref, &img, err, sizeof(err))) < 0) {
		fprintf(stderr, "hako image import: %s\n",
		        e == -ENOSYS ? "not implemented yet (lesson 12)" : err);
		goto out;
	}
	layoutfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Every layer is checked before any is unpacked: a bad blob leaves the store untouched. */
	for (size_t i = 0; i < img.nlayers; i++) {
		int fd = oci_blob_open(layoutfd, &img.layers[i]);
		if (fd < 0) {
			fprintf(stderr, "hako image import: layer %zu (%s): %s\n", i + 1,
			        img.layers[i].digest,
			        fd == -EBADMSG    ? "its content does not match its digest"
			        : fd == -EMSGSIZE ? "its size is not the size the manifest gives"
			                          : strerror(-fd));
			e = fd;
			goto out;
		}
		close(fd);
	}
	json_t *layers = json_array();
	for (size_t i = 0; i < img.nlayers; i++) {
		const char *hex = img.layers[i].digest + 7;
		snprintf(final, sizeof(final), "%s/layers/%s", store, hex);
		json_array_append_new(layers, json_string(hex));
		if (stat(final, &st) == 0)
			continue; /* unpacked before, by this image or another */
		snprintf(tmp, sizeof(tmp), "%s/layers/.new-%s-%d", store, hex, (int)getpid());
		int fd = oci_blob_open(layoutfd, &img.layers[i]);
		if (fd < 0 || (e = unpack_blob(fd, tmp, flags, bad, sizeof(bad))) < 0) {
			e = fd < 0 ? fd : e;
			fprintf(
			    stderr, "hako image import: layer %zu (%s): entry '%s': %s\n", i + 1,
			    img.layers[i].digest, bad,
			    e == -ENOSYS ? "not implemented yet (lesson 12)"
			    : e == -EINVAL
			        ? "refused (a name that leads outside the layer, or a bad header)"
			    : e == -EPERM ? "refused (device nodes need root)"
			                  : strerror(-e));
			json_decref(layers);
			goto out;
		}
		if (rename(tmp, final) < 0)
			store_remove_tree(tmp); /* another import made it meanwhile */
		unpacked++;
	}
	json_t *cfg =
	    json_pack("{s:s, s:s, s:o}", "name", name, "manifest", img.manifest, "layers", layers);
	json_t *c = json_object();
	const struct {
		const char *key;
		char **v;
	} lists[] = {{"Entrypoint", img.entrypoint}, {"Cmd", img.cmd}, {"Env", img.env}};
	for (size_t i = 0; i < 3; i++)
		if (lists[i].v) {
			json_t *a = json_array();
			for (char **s = lists[i].v; *s; s++)
				json_array_append_new(a, json_string(*s));
			json_object_set_new(c, lists[i].key, a);
		}
	if (img.workdir)
		json_object_set_new(c, "WorkingDir", json_string(img.workdir));
	if (img.user)
		json_object_set_new(c, "User", json_string(img.user));
	json_object_set_new(cfg, "config", c);
	snprintf(final, sizeof(final), "%s/images/%s", store, file);
	snprintf(tmp, sizeof(tmp), "%s.new", final);
	if (json_dump_file(cfg, tmp, JSON_INDENT(2)) < 0 || rename(tmp, final) < 0) {
		fprintf(stderr, "hako image import: %s: cannot write\n", final);
		e = -EIO;
	} else {
		printf("%s %.19s %zu layers, %d unpacked\n", name, img.manifest, img.nlayers,
		       unpacked);
	}
	json_decref(cfg);
out:
	if (layoutfd >= 0)
		close(layoutfd);
	oci_image_free(&img);
	if (layout_tmp[0])
		store_remove_tree(layout_tmp);
	return e < 0 ? 1 : 0;
}

/* Load the record of image NAME. */
static json_t *image_load(const char *store, const char *name)
{
	char file[PATH_MAX], path[PATH_MAX];

	if (name_file(name, file, sizeof(file)) < 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/images/%s", store, file);
	return json_load_file(path, 0, NULL);
}

/* `hako images` */
static int image_list(void)
{
	char store[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (store_dir(store, sizeof(store), true) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/images", store);
	if (!(d = opendir(path)))
		return 1;
	printf("%-32s %-12s %s\n", "NAME", "IMAGE ID", "LAYERS");
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/images/%s", store, de->d_name);
		json_t *j = json_load_file(path, 0, NULL);
		const char *name = json_string_value(json_object_get(j, "name"));
		const char *id = json_string_value(json_object_get(j, "manifest"));
		if (name && id && strlen(id) > 19)
			printf("%-32s %.12s %zu\n", name, id + 7,
			       json_array_size(json_object_get(j, "layers")));
		json_decref(j);
	}
	closedir(d);
	return 0;
}

/* `hako image rm NAME`: the record, then every layer no image uses any more. */
static int image_remove(const char *name)
{
	char store[PATH_MAX], path[PATH_MAX], file[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (store_dir(store, sizeof(store), false) < 0 || name_file(name, file, sizeof(file)) < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/images/%s", store, file);
	if (unlink(path) < 0) {
		fprintf(stderr, "hako image rm: %s: no such image\n", name);
		return 1;
	}
	/* Which layers are still used? */
	json_t *used = json_object();
	snprintf(path, sizeof(path), "%s/images", store);
	if ((d = opendir(path))) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/images/%s", store, de->d_name);
			json_t *j = json_load_file(path, 0, NULL), *v;
			size_t i;
			json_array_foreach(json_object_get(j, "layers"), i, v)
			    json_object_set_new(used, json_string_value(v), json_true());
			json_decref(j);
		}
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/layers", store);
	if ((d = opendir(path))) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && !json_object_get(used, de->d_name)) {
				snprintf(path, sizeof(path), "%s/layers/%s", store, de->d_name);
				store_remove_tree(path);
			}
		closedir(d);
	}
	json_decref(used);
	printf("removed %s\n", name);
	return 0;
}

/* A NULL-terminated strdup'd copy of the JSON array of strings A. */
static char **string_array(json_t *a, size_t extra)
{
	size_t n = json_array_size(a), i;
	char **v = calloc(n + extra + 1, sizeof(char *));
	json_t *s;

	json_array_foreach(a, i, s) v[i] = strdup(json_string_value(s) ? json_string_value(s) : "");
	return v;
}

/* What images_resolve() allocated for the one image `hako run` starts; images_release()
 * frees it. (The command's own words, from ARGV, are not ours.) */
static struct {
	const char **layers;
	size_t nlayers;
	char **entry, **cmd, **all, **env;
	char *workdir, *user;
} resolved;

static void free_strings(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void images_release(struct hako_config *cfg)
{
	if (!resolved.all)
		return; /* no image: CFG's fields are the command line's */
	for (size_t i = 0; i < resolved.nlayers; i++)
		free((char *)resolved.layers[i]);
	free(resolved.layers);
	free_strings(resolved.entry);
	free_strings(resolved.cmd);
	free(resolved.all);
	free_strings(resolved.env);
	free(resolved.workdir);
	free(resolved.user);
	memset(&resolved, 0, sizeof(resolved));
	cfg->layers = NULL;
	cfg->nlayers = 0;
	cfg->argv = NULL;
	cfg->env = NULL;
	cfg->workdir = NULL;
}

int images_resolve(const char *name, struct hako_config *cfg, char **argv, int argc)
{
	char store[PATH_MAX], path[PATH_MAX];
	json_t *j, *v;
	size_t i, n;

	if (store_dir(store, sizeof(store), false) < 0 || !(j = image_load(store, name)))
		return -ENOENT;
	json_t *layers = json_object_get(j, "layers"), *c = json_object_get(j, "config");
	n = json_array_size(layers);
	const char **lower = calloc(n + 1, sizeof(char *));
	json_array_foreach(layers, i, v)
	{
		snprintf(path, sizeof(path), "%s/layers/%s", store, json_string_value(v));
		lower[n - 1 - i] = strdup(path); /* top first */
	}
	cfg->layers = resolved.layers = lower;
	cfg->nlayers = resolved.nlayers = n;
	/* As docker run: Entrypoint, then the command given or else the image's Cmd. */
	char **entry = resolved.entry = string_array(json_object_get(c, "Entrypoint"), 0);
	char **cmd = resolved.cmd = argc > 0 ? NULL : string_array(json_object_get(c, "Cmd"), 0);
	size_t ne = 0, nc = 0;
	while (entry[ne])
		ne++;
	while (cmd && cmd[nc])
		nc++;
	char **all = resolved.all = calloc(ne + (size_t)argc + nc + 1, sizeof(char *));
	memcpy(all, entry, ne * sizeof(char *));
	for (int k = 0; k < argc; k++)
		all[ne + (size_t)k] = argv[k];
	if (cmd)
		memcpy(all + ne, cmd, nc * sizeof(char *));
	cfg->argv = all;
	if (json_object_get(c, "Env"))
		cfg->env = resolved.env = string_array(json_object_get(c, "Env"), 0);
	const char *s = json_string_value(json_object_get(c, "WorkingDir"));
	cfg->workdir = resolved.workdir = s ? strdup(s) : NULL;
	s = json_string_value(json_object_get(c, "User"));
	if (s && !cfg->user)
		cfg->user = resolved.user = strdup(s);
	json_decref(j);
	return all[0] ? 0 : -ENOEXEC;
}

int images_main(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "images") == 0)
		return image_list();
	if (argc >= 3 && strcmp(argv[1], "import") == 0 && argc <= 4)
		return image_import(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc == 2 && strcmp(argv[1], "ls") == 0)
		return image_list();
	if (argc == 3 && strcmp(argv[1], "rm") == 0)
		return image_remove(argv[2]);
	fputs(
	    "usage: hako image import PATH[:REF] [NAME]   import an OCI image layout (a folder or "
	    "its tar)\n"
	    "       hako image ls                         list the images (also: hako images)\n"
	    "       hako image rm NAME                    remove an image and its unused layers\n",
	    stderr);
	return HAKO_EXIT_FAILED;
}
