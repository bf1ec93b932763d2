#!/usr/bin/env bash
# images.sh: `make bench`, lessons 11-12 — containers from an image, and importing it. Root.
#
#   tests/bench/images.sh          environment: RUNS (default 40), HAKO (default the reference
#                                  build/ref-hako/hako; HAKO=build/student/hako for your own),
#                                  RUNC (default runc), UMOCI (default umoci)
#
# Starting a container from an image in hako's store (the course image, `make image`), busybox's
# /bin/true, RUNS rounds, interleaved (tests/bench/timeit.c):
#
#   floor       unshare -fpmuin chroot ROOTFS /bin/true, on the same busybox files
#   hako-image  hako run --rm --net none IMAGE /bin/true: lesson 11's overlay of the image's two
#               layers plus a container layer, made and removed each run, and every default
#               protection of lessons 02-10
#   runc        runc run on an OCI bundle of the same rootfs (skipped without runc)
#
# Target: hako-image within 1.5x of the floor.
#
# Importing the course image, RUNS/4 rounds (at least 5), interleaved, each into an empty
# folder: `hako image import` (every blob's digest checked, both layers unpacked) next to
# `umoci unpack` of the same layout (skipped without umoci). Target: hako no slower than umoci.
set -eu
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-40}
HAKO=${HAKO:-build/ref-hako/hako}
RUNC=${RUNC:-runc}
UMOCI=${UMOCI:-umoci}
OUT=build/bench
CC=${CC:-cc}
failed=0

if [ "$(id -u)" != 0 ]; then
	echo "bench: images skipped: overlay mounts, namespaces and cgroups need root: run \`sudo make bench\`" >&2
	exit 0
fi
mkdir -p "$OUT"
[ "$HAKO" != build/ref-hako/hako ] || make -s -f tests/tools/program.mk SRC=solutions OUT=build/ref-hako
[ -x "$OUT/timeit" ] || $CC -O2 -Wall -o "$OUT/timeit" tests/bench/timeit.c
. tests/bench/lib.sh

rootfs=$(realpath -m "$OUT/rootfs")
image=$(realpath -m "$OUT/image")
tests/tools/mkrootfs.sh "$rootfs"
tests/tools/mkimage.sh "$image" "$rootfs" >/dev/null

# A store of the benchmark's own, so nothing lands in /var/lib/hako; removed at the end.
store=$(realpath -m "$OUT/store")
rm -rf "$store" "$OUT/import" "$OUT/umoci"
trap 'rm -rf "$store" "$OUT/import" "$OUT/umoci"' EXIT
export HAKO_ROOT="$store"
"$HAKO" image import "$image" bench-course >/dev/null

floor_cmd=("$(command -v unshare)" -fpmuin "$(command -v chroot)" "$rootfs" /bin/true)
hako_cmd=("$HAKO" run --rm --net none bench-course /bin/true)
runc_cmd=()
runc_path=$(command -v "$RUNC" || true)
if [ -n "$runc_path" ]; then
	bundle=$(realpath -m "$OUT/bundle-images")
	state=$(realpath -m "$OUT/runc-state")
	mkdir -p "$state"
	runc_bundle "$runc_path" "$bundle" "$rootfs"
	runc_cmd=("$runc_path" --root "$state" run --bundle "$bundle" "hako-bench-img-$$")
fi
check_runs_true -image floor hako runc

echo
echo "bench: $RUNS rounds of: floor, hako-image${runc_path:+, runc} (busybox /bin/true; ms from fork to exit)"
if [ -n "$runc_path" ]; then
	mapfile -t res < <("$OUT/timeit" "$RUNS" 0 "${floor_cmd[@]}" -- 0 "${hako_cmd[@]}" -- 0 "${runc_cmd[@]}")
else
	mapfile -t res < <("$OUT/timeit" "$RUNS" 0 "${floor_cmd[@]}" -- 0 "${hako_cmd[@]}")
fi
read -r f_med f_min _ f_bad <<<"${res[0]}"
read -r h_med h_min _ h_bad <<<"${res[1]}"
printf '\n  %-11s %10s %10s %s\n' program "median ms" "min ms" "failed runs"
printf '  %-11s %10s %10s %s\n' floor "$(ms "$f_med")" "$(ms "$f_min")" "$f_bad"
printf '  %-11s %10s %10s %s\n' hako-image "$(ms "$h_med")" "$(ms "$h_min")" "$h_bad"
if [ -n "$runc_path" ]; then
	read -r r_med r_min _ r_bad <<<"${res[2]}"
	printf '  %-11s %10s %10s %s\n' runc "$(ms "$r_med")" "$(ms "$r_min")" "$r_bad"
fi
r=$(awk -v h="$h_med" -v f="$f_med" 'BEGIN { printf "%.2f", h / f }')
echo
echo "  hako-image / floor = ${r}x   (target <= 1.5x: $(verdict "$(awk -v r="$r" 'BEGIN { print (r <= 1.5) }')"); fastest runs: $(awk -v h="$h_min" -v f="$f_min" 'BEGIN { printf "%.2f", h / f }')x)"
[ -z "$runc_path" ] || echo "  hako-image / runc  = $(awk -v h="$h_med" -v r="$r_med" 'BEGIN { printf "%.2f", h / r }')x"
[ "$f_bad$h_bad${r_bad:-0}" = 000 ] || { echo "bench: some runs failed: the times above are suspect" >&2; failed=1; }

# ---- importing: into an empty folder each time ----
rounds=$((RUNS / 4 > 5 ? RUNS / 4 : 5))
imp=$(realpath -m "$OUT/import")
import_cmd=(/bin/sh -c 'rm -rf "$1" && HAKO_ROOT="$1" "$2" image import "$3" course >/dev/null' import "$imp" "$(realpath "$HAKO")" "$image")
umoci_path=$(command -v "$UMOCI" || true)
echo
if [ -z "$umoci_path" ]; then
	mapfile -t res < <("$OUT/timeit" "$rounds" 0 "${import_cmd[@]}")
	read -r i_med i_min _ i_bad <<<"${res[0]}"
	echo "bench: hako image import of the course image: median $(ms "$i_med") ms (umoci not installed: apt-get install umoci)"
	exit $failed
fi
um=$(realpath -m "$OUT/umoci")
umoci_cmd=(/bin/sh -c 'rm -rf "$1" && "$2" unpack --image "$3:latest" "$1" >/dev/null' umoci "$um" "$umoci_path" "$image")
echo "bench: $rounds rounds of: hako image import, umoci unpack (the course image, into an empty folder)"
mapfile -t res < <("$OUT/timeit" "$rounds" 0 "${import_cmd[@]}" -- 0 "${umoci_cmd[@]}")
read -r i_med i_min _ i_bad <<<"${res[0]}"
read -r u_med u_min _ u_bad <<<"${res[1]}"
printf '\n  %-11s %10s %10s %s\n' program "median ms" "min ms" "failed runs"
printf '  %-11s %10s %10s %s\n' hako "$(ms "$i_med")" "$(ms "$i_min")" "$i_bad"
printf '  %-11s %10s %10s %s\n' umoci "$(ms "$u_med")" "$(ms "$u_min")" "$u_bad"
r=$(awk -v h="$i_med" -v u="$u_med" 'BEGIN { printf "%.2f", h / u }')
echo
echo "  hako import / umoci unpack = ${r}x   (target <= 1x: $(verdict "$(awk -v r="$r" 'BEGIN { print (r <= 1.0) }')"))"
[ "$i_bad$u_bad" = 00 ] || { echo "bench: some imports failed: the times above are suspect" >&2; failed=1; }
exit $failed
