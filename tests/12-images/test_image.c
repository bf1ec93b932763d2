/* test_image.c: graded tests for lesson 12's OCI side — blobs trusted only after their digest
 * and size match, the course image read and imported, a bad or hostile image refused with the
 * store left as it was, and the result compared with umoci's. */
#include "hako_test.h"
#include "hako.h"
#include "images_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* sha256 of DATA as "sha256:HEX" in OUT (72 bytes). */
static void digest_of(const void *data, size_t len, char *out)
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* Write DATA as a blob of the layout LAYOUT; fills B (digest, size). */
static void put_blob(const char *layout, const void *data, size_t len, struct oci_blob *b)
{
	char path[PATH_MAX];
	FILE *f;

	memset(b, 0, sizeof(*b));
	digest_of(data, len, b->digest);
	b->size = (long long)len;
	snprintf(path, sizeof(path), "%s/blobs/sha256", layout);
	mkdir(layout, 0755);
	snprintf(path, sizeof(path), "%s/blobs", layout);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/blobs/sha256", layout);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, b->digest + 7);
	check_that((f = fopen(path, "w")) != NULL, "%s: %s", path, strerror(errno));
	fwrite(data, 1, len, f);
	fclose(f);
}

static void blob_path(const char *layout, const struct oci_blob *b, char *path, size_t len)
{
	snprintf(path, len, "%s/blobs/sha256/%s", layout, b->digest + 7);
}

static int layout_fd(const char *layout)
{
	int fd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	check_that(fd >= 0, "open %s: %s", layout, strerror(errno));
	return fd;
}

/* A random blob of at least MIN bytes in a fresh layout. */
static char *random_blob(struct oci_blob *b, char *data, size_t *len, long min)
{
	char *layout = hako_tmpdir();

	*len = (size_t)hako_rand_range(min, 200000); /* often more than one read() */
	for (size_t i = 0; i < *len; i++)
		data[i] = (char)hako_rand();
	put_blob(layout, data, *len, b);
	return layout;
}

static char blob_data[200001];

/* This test checks that a blob whose size and digest match its descriptor is opened, and
 * that the fd reads it from its first byte. */
void test_blob_open_verified(void **state)
{
	struct oci_blob b;
	size_t len;
	char *layout = random_blob(&b, blob_data, &len, 70000); /* more than one read() */
	char *back = malloc(len + 1);
	int dfd = layout_fd(layout);
	int fd = oci_blob_open(dfd, &b);

	check_that(fd >= 0, "oci_blob_open of a good blob returned %d (%s)", fd,
	           fd < 0 ? strerror(-fd) : "");
	size_t got = 0;
	ssize_t n;
	while ((n = read(fd, back + got, len + 1 - got)) > 0)
		got += (size_t)n;
	check_int(got, len, "bytes read from the fd oci_blob_open returned (is it at offset 0?)");
	check_that(memcmp(back, blob_data, len) == 0, "the blob read back differs");
	close(fd);
	close(dfd);
	free(back);
}

/* This test checks that a blob whose content was changed (its size kept) is refused. */
void test_blob_digest_mismatch(void **state)
{
	struct oci_blob b;
	size_t len;
	char path[PATH_MAX];
	char *layout = random_blob(&b, blob_data, &len, 140000);

	/* In the second half: the whole blob must be hashed, not its first read(). */
	blob_data[hako_rand_range((long)len / 2, (long)len - 1)] ^= 0x20;
	blob_path(layout, &b, path, sizeof(path));
	FILE *f = fopen(path, "w");
	fwrite(blob_data, 1, len, f);
	fclose(f);
	int dfd = layout_fd(layout);
	int fds = tb_open_fds();
	check_int(oci_blob_open(dfd, &b), -EBADMSG,
	          "oci_blob_open of a blob with one byte changed");
	check_int(tb_open_fds(), fds,
	          "open fds after a refused blob (close the blob on every error)");
	close(dfd);
}

/* This test checks that a blob whose size differs from its descriptor's is refused (before
 * it is hashed: a descriptor's size bounds what is read). */
void test_blob_size_mismatch(void **state)
{
	struct oci_blob b;
	size_t len;
	char *layout = random_blob(&b, blob_data, &len, 1);
	int dfd = layout_fd(layout);

	int fds = tb_open_fds();
	b.size = (long long)len + 1;
	check_int(oci_blob_open(dfd, &b), -EMSGSIZE,
	          "oci_blob_open of a blob one byte shorter than its descriptor says");
	check_int(tb_open_fds(), fds,
	          "open fds after a refused blob (close the blob on every error)");
	b.size = (long long)len - 1;
	check_int(oci_blob_open(dfd, &b), -EMSGSIZE,
	          "oci_blob_open of a blob one byte longer than its descriptor says");
	b.size = (long long)len;
	int fd = oci_blob_open(dfd, &b);
	check_that(fd >= 0, "oci_blob_open with the right size returned %d", fd);
	close(fd);
	close(dfd);
}

/* This test checks that a digest is used as a file name only when it is "sha256:" and 64
 * lowercase hex digits: "sha256:../../x" must not open a file outside blobs/. */
void test_blob_digest_name(void **state)
{
	struct oci_blob b, bad;
	size_t len;
	char *layout = random_blob(&b, blob_data, &len, 1);
	int dfd = layout_fd(layout);
	const char *names[] = {"sha256:../../../../../../../etc/hostname", "sha512:abcd", "",
	                       "sha256:", "md5:d41d8cd98f00b204e9800998ecf8427e"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bad = b;
		snprintf(bad.digest, sizeof(bad.digest), "%s", names[i]);
		check_int(oci_blob_open(dfd, &bad), -EINVAL, names[i]);
	}
	bad = b;
	for (char *p = bad.digest + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	check_int(oci_blob_open(dfd, &bad), -EINVAL, "a digest in uppercase hex");
	int fd = oci_blob_open(dfd, &b);
	check_that(fd >= 0, "oci_blob_open of the good blob returned %d (%s)", fd,
	           fd < 0 ? strerror(-fd) : "");
	close(fd);
	close(dfd);
}

/* This test checks that a blob that is a FIFO or a symlink is refused without hanging: an
 * image is untrusted, and open() of a FIFO waits for a writer forever. */
void test_blob_fifo(void **state)
{
	struct oci_blob b;
	size_t len;
	char path[PATH_MAX], elsewhere[PATH_MAX];
	char *layout = random_blob(&b, blob_data, &len, 1);
	int dfd = layout_fd(layout);

	blob_path(layout, &b, path, sizeof(path));
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", layout);
	check_that(rename(path, elsewhere) == 0, "rename: %s", strerror(errno));
	check_that(symlink(elsewhere, path) == 0, "symlink: %s", strerror(errno));
	int err = oci_blob_open(dfd, &b);
	check_that(err < 0,
	           "oci_blob_open of a blob that is a symlink returned %d: refuse it "
	           "(O_NOFOLLOW)",
	           err);
	unlink(path);
	check_that(mkfifo(path, 0600) == 0, "mkfifo: %s", strerror(errno));
	/* In a child with an alarm: an open() that waits for a writer ends in 3 s, not never. */
	pid_t pid = fork();
	if (pid == 0) {
		alarm(3);
		_exit(oci_blob_open(dfd, &b) == -EMSGSIZE ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	check_that(!WIFSIGNALED(status),
	           "oci_blob_open of a blob that is a FIFO was still waiting after 3 s (open it "
	           "with O_NONBLOCK)");
	check_that(WEXITSTATUS(status) == 0,
	           "oci_blob_open of a blob that is a FIFO did not return -EMSGSIZE");
	close(dfd);
}

/* ---- the course image ---- */

/* The course image (tests/tools/mkimage.sh), built once per grading into the lesson's build
 * folder and copied into a fresh folder for each test, which may change its copy. */
static char *course_image(void)
{
	char cache[PATH_MAX], rootfs[PATH_MAX], tmp[PATH_MAX], *layout = malloc(PATH_MAX);
	struct hako_run r;

	struct stat tool, made;

	snprintf(cache, sizeof(cache), "%s/course-image", hako_out_dir());
	if (stat(cache, &made) == 0 && stat("tests/tools/mkimage.sh", &tool) == 0 &&
	    tool.st_mtime > made.st_mtime)
		hako_rm_rf(cache); /* made by an older mkimage.sh */
	if (access(cache, F_OK) != 0) {
		char *dir = hako_tmpdir();
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
		snprintf(tmp, sizeof(tmp), "%s.%d", cache, (int)getpid());
		char *argv[] = {"tests/tools/mkimage.sh", tmp, rootfs, NULL};
		check_that(
		    access(argv[0], X_OK) == 0,
		    "tests/tools/mkimage.sh is missing: run the tests from the top of the course");
		check_that(hako_run_argv(argv, NULL, 60000, &r) == 0 && r.exit_code == 0,
		           "tests/tools/mkimage.sh failed: %s", r.err ? r.err : "");
		hako_run_free(&r);
		if (rename(tmp, cache) != 0)
			hako_rm_rf(tmp); /* another test made it meanwhile */
	}
	snprintf(layout, PATH_MAX, "%s/image", hako_tmpdir());
	char *cp[] = {"/bin/cp", "-a", cache, layout, NULL};
	check_that(hako_run_argv(cp, NULL, 60000, &r) == 0 && r.exit_code == 0,
	           "cp -a %s %s failed", cache, layout);
	hako_run_free(&r);
	return layout;
}

/* A store of its own for this test: HAKO_ROOT for the hako it runs. */
static char *own_store(void)
{
	char *store = hako_tmpdir();
	setenv("HAKO_ROOT", store, 1);
	return store;
}

/* Number of entries (dot files too) in STORE/layers. */
static int layers_in(const char *store)
{
	char path[PATH_MAX];
	int n = 0;

	snprintf(path, sizeof(path), "%s/layers", store);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* This test checks that oci_image_read finds the course image's manifest, layers and config
 * through verified blobs, and refuses a name the index does not have. */
void test_image_read_course(void **state)
{
	char *layout = course_image();
	struct oci_image img;
	char err[512];
	int e = oci_image_read(layout, "latest", &img, err, sizeof(err));

	if (e < 0)
		fail_msg("oci_image_read(course image): %s (%s)", strerror(-e), err);
	check_int(img.nlayers, 2, "layers in the course image");
	check_that(img.layers[0].gzip && img.layers[1].gzip, "the layers are tar+gzip");
	check_that(img.cmd && img.cmd[0] && strcmp(img.cmd[0], "/bin/sh") == 0 && !img.cmd[1],
	           "the image's Cmd is not [\"/bin/sh\"]");
	check_that(img.env && img.env[0] && img.env[1] &&
	               strcmp(img.env[1], "HAKO_IMAGE=course") == 0,
	           "the image's Env lacks HAKO_IMAGE=course");
	check_str(img.workdir, "/srv", "the image's WorkingDir");
	oci_image_free(&img);
	check_int(oci_image_read(layout, "no-such-tag", &img, err, sizeof(err)), -ENOENT,
	          "oci_image_read of a name index.json does not have");
}

/* This test checks that `hako image import` unpacks each layer once: a second import of the
 * same image unpacks nothing and leaves the layers as they were. */
void test_image_import_twice(void **state)
{
	char *layout = course_image(), *store = own_store(), name[16], path[PATH_MAX];
	struct hako_run r;
	struct stat before, after;

	hako_rand_name(name, 10);
	hako_run_prog(&r, "hako", (const char *[]){"image", "import", layout, name, NULL}, NULL,
	              60000);
	check_exit(&r, 0, "hako image import (first)");
	check_contains(r.out, "2 unpacked", "what the first import says");
	hako_run_free(&r);
	check_int(layers_in(store), 2, "folders in STORE/layers after importing 2 layers");
	snprintf(path, sizeof(path), "%s/layers", store);
	stat(path, &before);
	hako_run_prog(&r, "hako", (const char *[]){"image", "import", layout, name, NULL}, NULL,
	              60000);
	check_exit(&r, 0, "hako image import (second)");
	check_contains(r.out, "0 unpacked", "what the second import says");
	hako_run_free(&r);
	stat(path, &after);
	check_that(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
	               before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
	           "STORE/layers changed during the second import");
	hako_run_prog(&r, "hako", (const char *[]){"images", NULL}, NULL, 10000);
	check_contains(r.out, name, "hako images");
	hako_run_free(&r);
}

/* This test checks that an image with one corrupted layer blob is refused before any layer
 * is unpacked: the store is left without a single layer. */
void test_image_bad_blob_refused(void **state)
{
	char *layout = course_image(), *store = own_store(), path[PATH_MAX];
	struct oci_image img;
	char err[512];
	struct hako_run r;

	check_int(oci_image_read(layout, "latest", &img, err, sizeof(err)), 0, "oci_image_read");
	/* Change one byte in the middle of the top layer: the bottom one is still good. */
	blob_path(layout, &img.layers[1], path, sizeof(path));
	int fd = open(path, O_RDWR);
	off_t at = (off_t)hako_rand_range(10, img.layers[1].size - 10);
	char c;
	pread(fd, &c, 1, at);
	c ^= 0x55;
	pwrite(fd, &c, 1, at);
	close(fd);
	oci_image_free(&img);
	hako_run_prog(&r, "hako", (const char *[]){"image", "import", layout, "bad", NULL}, NULL,
	              60000);
	check_that(r.exit_code != 0,
	           "hako image import of an image with a corrupted layer exited 0");
	check_contains(r.err, "layer 2", "the message names the layer");
	check_contains(r.err, "digest", "the message says the digest does not match");
	hako_run_free(&r);
	check_int(layers_in(store), 0,
	          "layers in the store after the refused import (the good layer too must not be "
	          "unpacked: check every blob before unpacking any)");
}

/* This test checks that an image whose layer has a "../" entry is refused naming the entry,
 * that nothing is written outside, and that no half-unpacked layer stays in the store. */
void test_image_hostile_layer(void **state)
{
	char *dir = hako_tmpdir(), *store = own_store(), layout[PATH_MAX], marker[PATH_MAX];
	char name[80], mname[12], secret[24], json[2048];
	struct tarbuf t = {0};
	struct oci_blob layer, config, manifest;
	struct hako_run r;
	struct stat st;

	snprintf(layout, sizeof(layout), "%s/layout", dir);
	hako_rand_name(mname, 10);
	hako_rand_name(secret, 20);
	/* The layer is unpacked in STORE/layers/.new-...: three ".." above it is STORE, where the
	 * test's marker is (so a careless unpacker hits the marker and nothing else). */
	snprintf(name, sizeof(name), "etc/../../../%s", mname);
	snprintf(marker, sizeof(marker), "%s/%s", store, mname);
	hako_write_file(marker, secret);
	tb_add(&t, &(struct tb_entry){.name = "etc/", .type = '5', .mode = 0755}, "");
	tb_add(&t, &(struct tb_entry){.name = "etc/ok", .type = '0', .mode = 0644, .size = 2},
	       "ok");
	tb_add(&t, &(struct tb_entry){.name = name, .type = '0', .mode = 0644, .size = 6},
	       "evil!\n");
	tb_end(&t);
	put_blob(layout, t.data, t.len, &layer);
	tb_free(&t);
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":"
	                  "[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	put_blob(layout, cfg, strlen(cfg), &config);
	snprintf(
	    json, sizeof(json),
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
	    "\"digest\":\"%s\",\"size\":%lld},\"layers\":[{\"mediaType\":"
	    "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%lld}]}",
	    config.digest, config.size, layer.digest, layer.size);
	put_blob(layout, json, strlen(json), &manifest);
	snprintf(
	    json, sizeof(json),
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
	    "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%lld}]}",
	    manifest.digest, manifest.size);
	char index[PATH_MAX];
	snprintf(index, sizeof(index), "%s/index.json", layout);
	hako_write_file(index, json);

	hako_run_prog(&r, "hako", (const char *[]){"image", "import", layout, "hostile", NULL},
	              NULL, 60000);
	char got[64] = "";
	int fd = open(marker, O_RDONLY | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
	got[n > 0 ? n : 0] = '\0';
	check_that(fd >= 0 && fstat(fd, &st) == 0 && st.st_nlink == 1 && strcmp(got, secret) == 0,
	           "the hostile layer changed %s, outside the layer", marker);
	close(fd);
	check_that(r.exit_code != 0, "hako image import of a layer with a \"..\" entry exited 0");
	check_contains(r.err, "etc/../../", "the message names the hostile entry");
	hako_run_free(&r);
	check_int(layers_in(store), 0, "layers (or half-unpacked folders) left in the store");
	snprintf(marker, sizeof(marker), "%s/layers/%s", store, mname);
	check_that(access(marker, F_OK) < 0, "the hostile layer wrote %s, outside the layer",
	           marker);
}

/* The layer folders of image NAME in STORE, bottom first, as "L2:L1" for overlay's lowerdir. */
static void lowerdir_of(const char *store, const char *name, char *out, size_t len)
{
	char path[PATH_MAX];
	json_t *j, *v;
	size_t i;

	snprintf(path, sizeof(path), "%s/images/%s.json", store, name);
	check_that((j = json_load_file(path, 0, NULL)) != NULL, "%s: cannot read", path);
	out[0] = '\0';
	json_array_foreach(json_object_get(j, "layers"), i, v)
	{
		char one[PATH_MAX + 80];
		snprintf(one, sizeof(one), "%s/layers/%s%s%s", store, json_string_value(v),
		         out[0] ? ":" : "", out);
		snprintf(out, len, "%s", one);
	}
	json_decref(j);
}

/* This test checks the unpacked course image against umoci, a real OCI tool: the overlay of
 * hako's layers shows the same files, types, modes, sizes, contents and link targets as the
 * root filesystem that `umoci unpack` makes. */
void test_image_matches_umoci(void **state)
{
	char *layout = course_image(), *store = own_store(), *dir = hako_tmpdir();
	char lower[8192], script[16384];
	struct hako_run r;

	hako_require_root();
	if (access("/usr/bin/umoci", X_OK) != 0 && access("/usr/local/bin/umoci", X_OK) != 0)
		hako_skip(
		    "needs umoci, the peer this test compares with: sudo apt-get install umoci");
	hako_run_prog(&r, "hako", (const char *[]){"image", "import", layout, "course", NULL}, NULL,
	              60000);
	check_exit(&r, 0, "hako image import");
	hako_run_free(&r);
	lowerdir_of(store, "course", lower, sizeof(lower));
	/* A listing of each tree, sorted: path, type, mode, size, link target; and the content
	 * of every file. The overlay is mounted in a mount namespace of its own (unshare -m). */
	snprintf(script, sizeof(script),
	         "set -e; umoci unpack --image %s:latest %s/bundle >/dev/null; mkdir %s/merged; "
	         "mount -t overlay overlay -o lowerdir=%s %s/merged; "
	         "list() { cd \"$1\" && find . -printf '%%p %%y %%m %%s %%l\\n' | LC_ALL=C sort && "
	         "find . -type f -exec sha256sum {} + | LC_ALL=C sort; }; "
	         "list %s/bundle/rootfs >%s/umoci.txt; list %s/merged >%s/hako.txt; "
	         "diff %s/umoci.txt %s/hako.txt | head -20",
	         layout, dir, dir, lower, dir, dir, dir, dir, dir, dir, dir);
	char *argv[] = {"/usr/bin/unshare", "-m", "--propagation", "private",
	                "/bin/sh",          "-c", script,          NULL};
	check_that(hako_run_argv(argv, NULL, 60000, &r) == 0, "could not run unshare");
	check_that(r.exit_code == 0 && r.out_len == 0,
	           "the course image unpacked by hako (left) differs from umoci's (right) "
	           "(exit %d):\n%s%s",
	           r.exit_code, r.out, r.err);
	hako_run_free(&r);
}

/* This test checks `hako run IMAGE`: the layers stacked with lesson 11's overlay, the image's
 * Env and WorkingDir applied, the whiteouts hiding what layer 2 deleted, and the image's Cmd
 * run when no command is given. */
void test_image_run(void **state)
{
	char *layout = course_image(), name[16], word[16], input[64];
	struct hako_run r;

	hako_require_root();
	own_store();
	hako_rand_name(name, 10);
	hako_rand_name(word, 10);
	hako_run_prog(&r, "hako", (const char *[]){"image", "import", layout, name, NULL}, NULL,
	              60000);
	check_exit(&r, 0, "hako image import");
	hako_run_free(&r);
	hako_run_prog(&r, "hako",
	              (const char *[]){"run", "--rm", "--net", "none", name, "/bin/sh", "-c",
	                               "cat /etc/hako-release /etc/hostname; ls /srv/data; "
	                               "test -e /usr/bin/wget || echo no-wget; "
	                               "echo env=$HAKO_IMAGE; pwd",
	                               NULL},
	              NULL, 60000);
	check_exit(&r, 0, "hako run IMAGE sh -c ...");
	check_str(r.out, "hako course image 1\nhako-image\nthree\nno-wget\nenv=course\n/srv\n",
	          "what the container printed (layer 2's files, whiteouts, Env, WorkingDir)");
	hako_run_free(&r);
	snprintf(input, sizeof(input), "echo said-%s\n", word);
	hako_run_prog(&r, "hako", (const char *[]){"run", "--rm", "--net", "none", name, NULL},
	              input, 60000);
	check_exit(&r, 0, "hako run IMAGE (the image's Cmd, /bin/sh, reading stdin)");
	char want[64];
	snprintf(want, sizeof(want), "said-%s", word);
	check_contains(r.out, want, "the output of the image's Cmd");
	hako_run_free(&r);
}
