#!/usr/bin/env bash
# mkrootfs.sh: builds the default root filesystem of hako, a small busybox system, in DIR.
#
#   tests/tools/mkrootfs.sh DIR          (`make rootfs` runs it with DIR = build/rootfs)
#
# No network: it copies the statically linked busybox that Debian's busybox-static package
# (Fedora: busybox) installs, adds one symlink per applet (sh, ls, ps, mount, ...), a minimal
# /etc and the empty folders that hako mounts over (/proc, /sys, /dev) plus /tmp and /root.
# Running it again on the same DIR is fast and changes nothing that is already right.
# BUSYBOX=/path/to/busybox picks another (static) busybox.
# Under the grader (HAKO_OUT set) it copies a template kept in HAKO_OUT/rootfs-template.
set -eu

die() {
	echo "mkrootfs: $*" >&2
	exit 1
}

dir=${1:?usage: mkrootfs.sh DIR}

# Under the grader (HAKO_OUT set), tests make many rootfs: build one template per lesson build
# (under a lock, and checked again each time, which is quick) and copy it, which is one process
# instead of one per applet.
if [ -n "${HAKO_OUT:-}" ] && [ -z "${MKROOTFS_TEMPLATE:-}" ] && [ -d "$HAKO_OUT" ] && command -v flock >/dev/null; then
	tmpl=$HAKO_OUT/rootfs-template
	(
		flock 9
		# Built after this script and the busybox it copies: nothing to check.
		if [ ! "$tmpl/.built" -nt "$0" ] || [ ! "$tmpl/.built" -nt "${BUSYBOX:-/bin/busybox}" ]; then
			rm -f "$tmpl/.built"
			MKROOTFS_TEMPLATE=1 "$0" "$tmpl" && touch "$tmpl/.built"
		fi
	) 9>"$HAKO_OUT/.rootfs.lock" || exit 1
	mkdir -p "$dir"
	cp -a "$tmpl/." "$dir/"
	rm -f "$dir/.built"
	exit 0
fi

# ---- find a busybox that runs with no libraries around it ----
busybox=${BUSYBOX:-}
if [ -z "$busybox" ]; then
	for b in /bin/busybox /usr/bin/busybox /usr/sbin/busybox /sbin/busybox; do
		if [ -x "$b" ]; then
			busybox=$b
			break
		fi
	done
fi
[ -n "$busybox" ] && [ -x "$busybox" ] ||
	die "no busybox found${BUSYBOX:+ at $BUSYBOX}: install the static one (Debian/Ubuntu: sudo apt-get install busybox-static; Fedora: sudo dnf install busybox)"

# A dynamically linked busybox names its loader (ld-linux, ld-musl) in an INTERP header; it
# would find no loader and no libc inside the container.
if command -v readelf >/dev/null 2>&1; then
	readelf -l "$busybox" 2>/dev/null | grep -q 'INTERP' && dynamic=1 || dynamic=0
else
	LC_ALL=C grep -qa -e '/ld-linux' -e '/ld-musl' "$busybox" && dynamic=1 || dynamic=0
fi
[ $dynamic = 0 ] ||
	die "$busybox is dynamically linked: install the static one (Debian/Ubuntu: sudo apt-get install busybox-static, which replaces busybox)"

# ---- the tree ----
mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc root proc sys dev tmp
chmod 1777 tmp
chmod 0700 root
cmp -s "$busybox" bin/busybox || cp "$busybox" bin/busybox
chmod 0755 bin/busybox

# One symlink per applet, where busybox says it belongs (bin/sh, usr/bin/awk, sbin/mount ...).
# The links are absolute, as a real install makes them: "/bin/busybox" means the container's
# own busybox once hako has made this folder the container's /.
for applet in $(bin/busybox --list-full); do
	case "$applet" in
	bin/busybox | linuxrc) continue ;; # linuxrc: an initrd's /init, not a command
	esac
	[ -L "$applet" ] || [ -e "$applet" ] || ln -s /bin/busybox "$applet"
done

write() { # write FILE TEXT: only when different, so a rebuild keeps timestamps
	[ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && return 0
	printf '%s\n' "$2" >"$1"
}
write etc/passwd 'root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false'
write etc/group 'root:x:0:
tty:x:5:
nogroup:x:65534:'
write etc/hostname 'hako'
write etc/hosts '127.0.0.1	localhost
::1	localhost'
exit 0
