#!/usr/bin/env bash
# make initramfs: lesson 19's initramfs, an uncompressed cpio archive (newc format) with a
# static busybox and tests/19-boot-linux/initramfs/init.
#   tests/19-boot-linux/initramfs/build.sh [OUT]     (OUT defaults to build/initramfs.cpio)
# Uncompressed on purpose: gunzip runs inside the guest, which on emulated KVM took ~35 s.
# Needs root for one device node, /dev/console: Linux opens it as /init's stdin and stdout
# before devtmpfs exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
out=${1:-build/initramfs.cpio}
start=$(date +%s%N)
if [ "$(id -u)" != 0 ]; then
	echo "make initramfs: needs root for /dev/console in the archive: run sudo make initramfs" >&2
	exit 2
fi
command -v cpio >/dev/null || {
	echo "make initramfs: cpio is missing: sudo apt-get install cpio" >&2
	exit 2
}
mkdir -p "$(dirname "$out")"
root=$(mktemp -d "${TMPDIR:-/tmp}/hako-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
"$repo/tests/tools/mkrootfs.sh" "$root/root" >/dev/null
# Without the applet links (ls -> busybox, ...): Linux unpacks every file of the archive in
# its instruction emulator, where each of the ~280 links cost about 10 ms. Busybox's shell
# runs its applets without them; /bin/sh stays, for /init's first line.
find "$root/root" -type l -lname '*busybox' ! -path "$root/root/bin/sh" -delete
install -m 0755 "$here/init" "$root/root/init"
mkdir -p "$root/root/dev"
mknod -m 0600 "$root/root/dev/console" c 5 1
(cd "$root/root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
ms=$((($(date +%s%N) - start) / 1000000))
echo "make initramfs: $out ($(stat -c %s "$out") bytes, uncompressed cpio) in $ms ms"
