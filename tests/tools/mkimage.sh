#!/usr/bin/env bash
# mkimage.sh: builds the course's OCI image from the busybox root filesystem, offline.
#
#   tests/tools/mkimage.sh DIR [ROOTFS]     (`make image`: DIR = build/image, ROOTFS = build/rootfs)
#
# DIR becomes an OCI image layout (oci-layout, index.json, blobs/sha256/) holding one image,
# tagged "latest", with two gzipped layers:
#   1. the busybox rootfs, plus /srv/data/{one,two}, a file with a hard link and a name of
#      more than 100 bytes (GNU tar's long-name header)
#   2. changes on top, written in the PAX format: adds /etc/hako-release and /srv/data/three,
#      changes /etc/hostname, deletes /usr/bin/wget (a whiteout) and hides what layer 1 had
#      in /srv/data (an opaque whiteout)
# and a config: Cmd /bin/sh, Env PATH and HAKO_IMAGE=course, WorkingDir /srv. The same
# rootfs always gives the same digests (fixed owners, times and order). Symlinks in the image
# are all relative (see below).
set -eu
out=${1:?usage: mkimage.sh DIR [ROOTFS]}
rootfs=${2:-build/rootfs}
[ -d "$rootfs" ] || tests/tools/mkrootfs.sh "$rootfs" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out/blobs/sha256"

long=usr/share/hako/a-name-longer-than-the-one-hundred-bytes-that-a-plain-ustar-header-has-room-for-so-it-needs-an-extra-header

# ---- layer 1: the rootfs and a few things worth checking ----
cp -a "$rootfs" "$work/l1"
# Absolute symlinks (busybox --install -s makes 267 to /bin/busybox) become relative ones:
# the image means the same, and an unpacker that wrongly follows a link (a chmod without
# AT_SYMLINK_NOFOLLOW, as the tests' mutants do, as root) stays inside its layer instead of
# reaching the host's /bin/busybox.
find "$work/l1" -type l -lname '/*' | while read -r link; do
	inside=${link#"$work/l1"}
	ln -sfn "$(realpath -ms --relative-to="$(dirname "$inside")" "$(readlink "$link")")" "$link"
done
mkdir -p "$work/l1/srv/data" "$work/l1/usr/share/hako"
echo one >"$work/l1/srv/data/one"
echo two >"$work/l1/srv/data/two"
echo "linked twice" >"$work/l1/usr/share/hako/first"
ln "$work/l1/usr/share/hako/first" "$work/l1/usr/share/hako/second"
echo long >"$work/l1/$long"
chmod 0640 "$work/l1/srv/data/two"

# ---- layer 2: changes, with OCI whiteouts (empty files named .wh.NAME) ----
mkdir -p "$work/l2/etc" "$work/l2/usr/bin" "$work/l2/srv/data"
echo "hako course image 1" >"$work/l2/etc/hako-release"
echo "hako-image" >"$work/l2/etc/hostname"
: >"$work/l2/usr/bin/.wh.wget"
: >"$work/l2/srv/data/.wh..wh..opq"
echo three >"$work/l2/srv/data/three"

# A tar with fixed owners, times and order, so the digests are the same every time.
tar_of() { # DIR FORMAT OUT
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 \
		--format="$2" -C "$1" -cf "$3" .
}
# Move FILE into the blobs, named by its digest; prints "sha256:HEX SIZE".
blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$out/blobs/sha256/$d"
	echo "sha256:$d $s"
}
layers="" diff_ids=""
for n in 1 2; do
	fmt=gnu
	[ $n = 2 ] && fmt=posix
	tar_of "$work/l$n" $fmt "$work/layer$n.tar"
	diff_id=sha256:$(sha256sum "$work/layer$n.tar" | cut -d' ' -f1)
	gzip -n -9 "$work/layer$n.tar"
	read -r digest size < <(blob "$work/layer$n.tar.gz")
	layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$digest\",\"size\":$size}"
	diff_ids+="${diff_ids:+,}\"$diff_id\""
done

printf '%s' "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\",\"HAKO_IMAGE=course\"],\"Cmd\":[\"/bin/sh\"],\"WorkingDir\":\"/srv\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diff_ids]},\"history\":[{\"created_by\":\"tests/tools/mkimage.sh: the busybox rootfs\"},{\"created_by\":\"tests/tools/mkimage.sh: changes\"}]}" >"$work/config"
read -r cdigest csize < <(blob "$work/config")
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$cdigest\",\"size\":$csize},\"layers\":[$layers]}" >"$work/manifest"
read -r mdigest msize < <(blob "$work/manifest")
printf '%s' "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$mdigest\",\"size\":$msize,\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}" >"$out/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
echo "mkimage: $out: image $mdigest (2 layers)"
