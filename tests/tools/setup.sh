#!/usr/bin/env bash
# setup.sh: installs what the course needs (`sudo make setup`).
#
#   tests/tools/setup.sh             install the packages (Debian/Ubuntu: apt-get; Fedora: dnf)
#   tests/tools/setup.sh --packages  print the Debian package names and exit
set -eu

# Debian/Ubuntu names. What each is for:
#   gcc make libc6-dev binutils   compiling lessons and guests (as, ld, objcopy for hakovm)
#   libcmocka-dev                 the graded tests
#   libcap-dev libseccomp-dev     lessons 09-10
#   busybox-static                the default root filesystem (make rootfs, lesson 04)
#   iproute2 procps               ip and ps, used in lessons 04-08 and their tests
#   clang-format graphviz         make check / make format / make diagrams (the diagrams
#   fonts-liberation2             are laid out with these fonts: other fonts, other SVGs)
#   python3                       make check validates results.json and JUnit XML with it
#   git                           make handout lists the course's files with it
debian="gcc make libc6-dev binutils libcmocka-dev libcap-dev libseccomp-dev busybox-static
iproute2 procps clang-format graphviz fonts-liberation2 python3 git"
fedora="gcc make glibc-devel binutils libcmocka-devel libcap-devel libseccomp-devel busybox
iproute procps-ng clang-tools-extra graphviz python3 git"
# What later lessons add, one line each (Debian names first, then Fedora's):
debian+=" libjansson-dev zlib1g-dev libssl-dev umoci"; fedora+=" jansson-devel zlib-devel openssl-devel umoci" # lesson 10: seccomp JSON profiles; 12: image JSON, gzip layers, sha256, and umoci, the peer in its tests
debian+=" linux-source-6.1 xz-utils patch bc flex bison libelf-dev cpio qemu-system-x86"; fedora+=" xz patch bc flex bison elfutils-libelf-devel cpio qemu-system-x86"   # lesson 19: make kernel (Debian's kernel source), make initramfs, QEMU microvm in make bench

if [ "${1:-}" = --packages ]; then
	echo $debian
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "setup: installing packages needs root: run \`sudo make setup\`" >&2
	exit 1
fi
if command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $debian
elif command -v dnf >/dev/null; then
	# shellcheck disable=SC2086
	dnf install -y $fedora
else
	echo "setup: no apt-get or dnf here. Install the equivalents of these Debian packages" >&2
	echo "with your distribution's package manager, then run \`make doctor\`:" >&2
	echo "  $debian" >&2
	exit 1
fi
echo "setup: packages installed"
