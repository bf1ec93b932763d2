#!/usr/bin/env bash
# make kernel: build lesson 19's course kernel from Debian's linux-source-6.1 package.
#   tests/19-boot-linux/kernel/build.sh [OUT]        (OUT defaults to build/kernel)
# Leaves OUT/bzImage and OUT/vmlinux. Offline: everything comes from /usr/src.
# The configuration is `tinyconfig` plus hako.config (next to this script). On a machine whose
# /dev/kvm is nested, emulated KVM (the kvm_pvm module: see `make doctor`), emulated-kvm.patch
# is applied too; HAKO_KERNEL_PATCH=yes or =no overrides that guess.
# A second run with the same inputs does nothing (the inputs' checksum is kept in OUT/stamp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/kernel}
tarball=${HAKO_LINUX_TARBALL:-$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)}
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
	echo "make kernel: no /usr/src/linux-source-6.1.tar.xz; install it: sudo apt-get install linux-source-6.1" >&2
	exit 2
fi
for tool in make gcc flex bison bc patch xz; do
	command -v "$tool" >/dev/null || {
		echo "make kernel: $tool is missing; run: sudo make setup" >&2
		exit 2
	}
done
[ -f /usr/include/libelf.h ] || {
	echo "make kernel: libelf-dev is missing; run: sudo make setup" >&2
	exit 2
}

patch=${HAKO_KERNEL_PATCH:-auto}
if [ "$patch" = auto ]; then
	if [ -d /sys/module/kvm_pvm ]; then patch=yes; else patch=no; fi
fi
case $patch in yes | no) ;; *)
	echo "make kernel: HAKO_KERNEL_PATCH must be auto, yes or no" >&2
	exit 2
	;;
esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
stamp=$( (
	cat "$here/hako.config"
	[ "$patch" = yes ] && cat "$here/emulated-kvm.patch"
	echo "$tarball $(stat -c %s "$tarball")"
) | sha256sum | cut -c1-16)
if [ -f "$out/bzImage" ] && [ -f "$out/vmlinux" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "make kernel: $out/bzImage and vmlinux are up to date (emulated-KVM patch: $patch)"
	exit 0
fi

start=$(date +%s)
src="$out/src"
echo "make kernel: building Linux from $tarball in $src (emulated-KVM patch: $patch)"
echo "make kernel: this takes about 4-6 minutes on 2 cores and 1.5 GB of disk; it is done once"
rm -rf "$src" "$out/bzImage" "$out/vmlinux" "$out/stamp"
mkdir -p "$src"
tar -xf "$tarball" -C "$src" --strip-components=1
if [ "$patch" = yes ]; then
	echo "make kernel: applying emulated-kvm.patch (this machine's KVM is emulated: kvm_pvm)"
	patch -d "$src" -p1 --quiet <"$here/emulated-kvm.patch"
fi
jobs=$(nproc)
make -s -C "$src" ARCH=x86_64 tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" "$here/hako.config" >/dev/null
make -s -C "$src" ARCH=x86_64 olddefconfig >/dev/null
# Every line of the fragment must have survived olddefconfig (a typo or a missing dependency
# would otherwise give a kernel without, say, the serial console).
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$src/.config" || {
		echo "make kernel: $line did not stick in .config" >&2
		missing=1
	} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=[ym]" "$src/.config"; then
			echo "make kernel: $opt is still on in .config" >&2
			missing=1
		fi
		;;
	esac
done <"$here/hako.config"
[ "$missing" = 0 ] || exit 1
make -s -C "$src" ARCH=x86_64 -j"$jobs" bzImage >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "make kernel: the build failed; the whole log is $out/build.log" >&2
	exit 1
}
cp "$src/arch/x86/boot/bzImage" "$out/bzImage"
cp "$src/vmlinux" "$out/vmlinux"
echo "$stamp" >"$out/stamp"
echo "make kernel: $out/bzImage ($(stat -c %s "$out/bzImage") bytes) and $out/vmlinux in $(($(date +%s) - start)) s"
