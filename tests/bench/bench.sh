#!/usr/bin/env bash
# bench.sh: `make bench` — how fast hakovm starts a VM and hako starts a container, each side
# by side with a floor and the established tool.
#
#   tests/bench/bench.sh            environment: RUNS (default 40), HAKOVM (default: the
#                                   reference build/ref-hako/hakovm; HAKOVM=build/student/hakovm
#                                   measures your own), HAKO (likewise, build/ref-hako/hako),
#                                   QEMU (default qemu-system-x86_64), RUNC (default runc),
#                                   ONLY=vm or ONLY=containers for one half
#
# Virtual machines. Three programs run the same 16-bit guest (lesson 15's hello.S, built with
# DEBUG_EXIT so it ends with a write to the debug-exit port 0x501, then hlt), RUNS rounds,
# interleaved:
#
#   floor   tests/bench/floor.c: only the ioctls a KVM program must make, nothing else
#   hakovm  the course's VMM: options, image checks, devices on a bus, the UART, the run loop
#   qemu    qemu-system-x86_64 -M microvm with the guest as its -bios ROM and isa-debug-exit
#           (skipped when QEMU is not installed: apt-get install qemu-system-x86)
#
# Targets: hakovm within 1.5x of the floor, at least 10x faster than QEMU, and a peak RSS at
# most 2 MiB above the guest memory it touches.
#
# Containers (needs root). busybox's /bin/true in the same root filesystem, RUNS rounds,
# interleaved:
#
#   floor     unshare -fpmuin chroot ROOTFS /bin/true: new namespaces and a chroot, no more
#   hako      hako run with every default protection: namespaces (--net none), pivot_root
#             and its mounts, a cgroup with limits, the capabilities lesson 09 keeps, the
#             seccomp filter (built, compiled to BPF and loaded on every run)
#   hako-nsc  the same with --security-opt seccomp=unconfined: no filter at all
#   hako-cc   the same as hako with HAKO_SECCOMP_CACHE=0 (through env(1)): the filter
#             compiled on every run, as it was before hako cached it
#   runc      runc run on an OCI bundle of the same rootfs (`runc spec`'s default config, with
#             the same limits; skipped when runc is not installed: apt-get install runc)
#
# Targets: hako within 1.5x of the floor, and at most 0.25x of runc's time.
#
# Detached containers (lesson 14, needs root), RUNS rounds, interleaved:
#
#   nsenter   nsenter -t PID -a /bin/true into a running `hako run -d` container: the floor
#   exec      hako exec NAME /bin/true into the same container
#   cycle     hako run -d --name N ROOTFS true, then hako rm -f N
#   runc      runc run -d + runc delete -f of a bundle of the same rootfs
#
# Targets: exec within 1.5x of nsenter; hako's cycles at least 4x runc's throughput.
#
# Each time is from fork() to the end of wait4(): the whole process, as a user sees it.
set -eu
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-40}
HAKOVM=${HAKOVM:-build/ref-hako/hakovm}
HAKO=${HAKO:-build/ref-hako/hako}
QEMU=${QEMU:-qemu-system-x86_64}
RUNC=${RUNC:-runc}
ONLY=${ONLY:-}
OUT=build/bench
CC=${CC:-cc}
failed=0

mkdir -p "$OUT"
if [ "$HAKOVM" = build/ref-hako/hakovm ] || [ "$HAKO" = build/ref-hako/hako ]; then
	make -s -f tests/tools/program.mk SRC=solutions OUT=build/ref-hako
fi
$CC -O2 -Wall -o "$OUT/timeit" tests/bench/timeit.c
. tests/bench/lib.sh

bench_vm() {
if [ ! -e /dev/kvm ]; then
	echo "bench: virtual machines skipped: needs /dev/kvm (KVM): run \`make doctor\` to see how to get it" >&2
	return 0
fi

# ---- build: the programs, the guest, QEMU's ROM ----
[ -x "$HAKOVM" ] || { echo "bench: no $HAKOVM (build it with \`make hako\`)" >&2; exit 2; }
$CC -O2 -Wall -o "$OUT/floor" tests/bench/floor.c
$CC -m32 -DDEBUG_EXIT -c tests/15-kvm-hello/guests/hello.S -o "$OUT/hello.o"
ld -m elf_i386 -Ttext=0x1000 -e _start -o "$OUT/hello.elf" "$OUT/hello.o"
objcopy -O binary "$OUT/hello.elf" "$OUT/hello.bin"
# A 64 KiB BIOS ROM: the guest at its start, and at the reset vector (offset 0xfff0, where a
# PC's CPU begins) a near jump back to offset 0 (e9 0d 00: 0xfff3 + 0x000d wraps to 0).
# The guest uses only relative jumps, so it runs there as well as at 0x1000.
head -c 65536 /dev/zero >"$OUT/rom.bin"
dd if="$OUT/hello.bin" of="$OUT/rom.bin" conv=notrunc status=none
printf '\xe9\x0d\x00' | dd of="$OUT/rom.bin" bs=1 seek=$((0xfff0)) conv=notrunc status=none

# ---- check that each one really runs the guest (it prints "0 + 0" = "0") ----
check() { # name expected-code command...
	local name=$1 code=$2 out rc
	shift 2
	out=$("$@" 2>"$OUT/$name.err") && rc=0 || rc=$?
	if [ "$out" != 0 ] || [ "$rc" != "$code" ]; then
		echo "bench: $name did not run the guest (output '$out', exit $rc, expected '0' and $code):" >&2
		cat "$OUT/$name.err" >&2
		exit 1
	fi
}
floor_cmd=("$OUT/floor" "$OUT/hello.bin")
hakovm_cmd=("$HAKOVM" "$OUT/hello.bin")
check floor 0 "${floor_cmd[@]}"
check hakovm 0 "${hakovm_cmd[@]}"
qemu_path=$(command -v "$QEMU" || true)
qemu_cmd=()
if [ -n "$qemu_path" ]; then
	# microvm: no PCI, no firmware tables, no option ROMs: QEMU's fastest-booting machine.
	qemu_cmd=("$qemu_path" -M microvm,x-option-roms=off,pit=off,pic=off,rtc=off -accel kvm
		-m 16M -bios "$OUT/rom.bin" -nodefaults -no-user-config -display none
		-serial stdio -device isa-debug-exit,iobase=0x501,iosize=1 -no-reboot)
	check qemu 1 "${qemu_cmd[@]}" # isa-debug-exit: QEMU exits with (0 << 1) | 1
fi

# ---- measure, side by side ----
echo "bench: $RUNS rounds of: floor, hakovm${qemu_path:+, qemu} (the hello guest; ms from fork to exit)"
if [ -n "$qemu_path" ]; then
	mapfile -t res < <("$OUT/timeit" "$RUNS" 0 "${floor_cmd[@]}" -- 0 "${hakovm_cmd[@]}" -- 1 "${qemu_cmd[@]}")
else
	mapfile -t res < <("$OUT/timeit" "$RUNS" 0 "${floor_cmd[@]}" -- 0 "${hakovm_cmd[@]}")
fi
read -r f_med f_min f_rss f_bad <<<"${res[0]}"
read -r h_med h_min h_rss h_bad <<<"${res[1]}"

printf '\n  %-8s %10s %10s %12s %s\n' program "median ms" "min ms" "peak RSS" "failed runs"
printf '  %-8s %10s %10s %9s KiB %s\n' floor "$(ms "$f_med")" "$(ms "$f_min")" "$f_rss" "$f_bad"
printf '  %-8s %10s %10s %9s KiB %s\n' hakovm "$(ms "$h_med")" "$(ms "$h_min")" "$h_rss" "$h_bad"
if [ -n "$qemu_path" ]; then
	read -r q_med q_min q_rss q_bad <<<"${res[2]}"
	printf '  %-8s %10s %10s %9s KiB %s\n' qemu "$(ms "$q_med")" "$(ms "$q_min")" "$q_rss" "$q_bad"
fi
echo

r_floor=$(awk -v h="$h_med" -v f="$f_med" 'BEGIN { printf "%.2f", h / f }')
echo "  hakovm / floor = ${r_floor}x   (target <= 1.5x: $(verdict "$(awk -v r="$r_floor" 'BEGIN { print (r <= 1.5) }')"))"
if [ -n "$qemu_path" ]; then
	r_qemu=$(awk -v h="$h_med" -v q="$q_med" 'BEGIN { printf "%.1f", q / h }')
	echo "  qemu / hakovm  = ${r_qemu}x   (target >= 10x: $(verdict "$(awk -v r="$r_qemu" 'BEGIN { print (r >= 10) }')"))"
else
	echo "  qemu not installed: skipped (apt-get install qemu-system-x86)"
fi
# The hello guest touches two 4 KiB pages of its memory: 0x0000-0x0fff (the sum at 0x500 and
# its stack below 0x1000) and 0x1000-0x1fff (its code). The rest of the RSS is hakovm's own.
guest_kib=8
own=$((h_rss - guest_kib))
echo "  hakovm peak RSS = $h_rss KiB, of which guest memory $guest_kib KiB: $own KiB beyond it (target < 2048 KiB: $(verdict $((own < 2048))))"
echo "  (floor's peak RSS is $f_rss KiB: hakovm uses $((h_rss - f_rss)) KiB more than the minimum.)"
[ "$f_bad$h_bad${q_bad:-0}" = 000 ] || { echo "bench: some VM runs failed: the times above are suspect" >&2; failed=1; }
}


bench_containers() {
	if [ "$(id -u)" != 0 ]; then
		echo "bench: containers skipped: namespaces, pivot_root and cgroups need root: run \`sudo make bench\`" >&2
		return 0
	fi
	[ -x "$HAKO" ] || { echo "bench: no $HAKO (build it with \`make hako\`)" >&2; exit 2; }
	local rootfs bundle state limits
	rootfs=$(realpath -m "$OUT/rootfs")
	tests/tools/mkrootfs.sh "$rootfs"
	# The same limits for hako and runc: memory, pids (and CPU: one whole CPU).
	limits=(--memory 256m --pids-limit 64 --cpus 1)

	local floor_cmd hako_cmd nsc_cmd cc_cmd runc_cmd=()
	floor_cmd=("$(command -v unshare)" -fpmuin "$(command -v chroot)" "$rootfs" /bin/true)
	# --rm and a store of the benchmark's own: since lesson 11 a container's layer is kept
	# (in /var/lib/hako) unless asked otherwise.
	export HAKO_ROOT
	HAKO_ROOT=$(realpath -m "$OUT/store")
	hako_cmd=("$HAKO" run --rm --net none "${limits[@]}" "$rootfs" /bin/true)
	nsc_cmd=("$HAKO" run --rm --net none "${limits[@]}" --security-opt seccomp=unconfined "$rootfs" /bin/true)
	cc_cmd=("$(command -v env)" HAKO_SECCOMP_CACHE=0 "${hako_cmd[@]}")

	local runc_path
	runc_path=$(command -v "$RUNC" || true)
	if [ -n "$runc_path" ]; then
		# `runc spec`'s bundle of our rootfs, with the same limits as hako.
		bundle=$(realpath -m "$OUT/bundle")
		state=$(realpath -m "$OUT/runc-state")
		mkdir -p "$state"
		runc_bundle "$runc_path" "$bundle" "$rootfs" \
			'{"memory": {"limit": 268435456}, "pids": {"limit": 64}, "cpu": {"quota": 100000, "period": 100000}}'
		runc_cmd=("$runc_path" --root "$state" run --bundle "$bundle" "hako-bench-$$")
	fi

	# ---- check that each one really runs /bin/true in the rootfs ----
	check_runs_true "" floor hako nsc cc runc
	if grep -q "warning" "$OUT/hako.out"; then
		echo "bench: hako runs with a protection missing:" >&2
		cat "$OUT/hako.out" >&2
	fi

	# ---- measure, side by side ----
	echo
	echo "bench: $RUNS rounds of: floor, hako, hako-nsc, hako-cc${runc_path:+, runc} (busybox /bin/true; ms from fork to exit)"
	local res
	if [ -n "$runc_path" ]; then
		mapfile -t res < <("$OUT/timeit" "$RUNS" 0 "${floor_cmd[@]}" -- 0 "${hako_cmd[@]}" -- 0 "${nsc_cmd[@]}" -- 0 "${cc_cmd[@]}" -- 0 "${runc_cmd[@]}")
	else
		mapfile -t res < <("$OUT/timeit" "$RUNS" 0 "${floor_cmd[@]}" -- 0 "${hako_cmd[@]}" -- 0 "${nsc_cmd[@]}" -- 0 "${cc_cmd[@]}")
	fi
	local f_med f_min f_rss f_bad h_med h_min h_rss h_bad n_med n_min n_rss n_bad c_med c_min c_rss c_bad r_med r_min r_rss r_bad
	read -r f_med f_min f_rss f_bad <<<"${res[0]}"
	read -r h_med h_min h_rss h_bad <<<"${res[1]}"
	read -r n_med n_min n_rss n_bad <<<"${res[2]}"
	read -r c_med c_min c_rss c_bad <<<"${res[3]}"
	printf '\n  %-9s %10s %10s %s\n' program "median ms" "min ms" "failed runs"
	printf '  %-9s %10s %10s %s\n' floor "$(ms "$f_med")" "$(ms "$f_min")" "$f_bad"
	printf '  %-9s %10s %10s %s\n' hako "$(ms "$h_med")" "$(ms "$h_min")" "$h_bad"
	printf '  %-9s %10s %10s %s\n' hako-nsc "$(ms "$n_med")" "$(ms "$n_min")" "$n_bad"
	printf '  %-9s %10s %10s %s\n' hako-cc "$(ms "$c_med")" "$(ms "$c_min")" "$c_bad"
	if [ -n "$runc_path" ]; then
		read -r r_med r_min r_rss r_bad <<<"${res[4]}"
		printf '  %-9s %10s %10s %s\n' runc "$(ms "$r_med")" "$(ms "$r_min")" "$r_bad"
	fi
	echo
	# Medians decide; the ratio of the fastest runs is printed too, since a busy machine
	# (a shared CI runner) spreads container starts far more than the floor's.
	local r_floor r_runc
	r_floor=$(awk -v h="$h_med" -v f="$f_med" 'BEGIN { printf "%.2f", h / f }')
	echo "  hako / floor = ${r_floor}x   (target <= 1.5x: $(verdict "$(awk -v r="$r_floor" 'BEGIN { print (r <= 1.5) }')"); fastest runs: $(awk -v h="$h_min" -v f="$f_min" 'BEGIN { printf "%.2f", h / f }')x)"
	if [ -n "$runc_path" ]; then
		r_runc=$(awk -v h="$h_med" -v r="$r_med" 'BEGIN { printf "%.2f", h / r }')
		echo "  hako / runc  = ${r_runc}x   (target <= 0.25x: $(verdict "$(awk -v r="$r_runc" 'BEGIN { print (r <= 0.25) }')"); fastest runs: $(awk -v h="$h_min" -v r="$r_min" 'BEGIN { printf "%.2f", h / r }')x)"
	else
		echo "  runc not installed: skipped (apt-get install runc)"
	fi
	echo "  the seccomp filter, cached:   hako - hako-nsc    = $(awk -v h="$h_med" -v n="$n_med" 'BEGIN { printf "%.2f ms", (h - n) / 1000 }') of the medians"
	echo "  compiling it on every run:    hako-cc - hako     = $(awk -v h="$h_med" -v c="$c_med" 'BEGIN { printf "%.2f ms", (c - h) / 1000 }') more"
	[ "$f_bad$h_bad$n_bad$c_bad${r_bad:-0}" = 00000 ] || { echo "bench: some container runs failed: the times above are suspect" >&2; failed=1; }
}

bench_lifecycle() {
	[ "$(id -u)" = 0 ] || return 0 # bench_containers said why
	local rootfs pid runc_path res sh
	sh=$(command -v sh)
	rootfs=$(realpath -m "$OUT/rootfs")
	[ -x "$rootfs/bin/true" ] || tests/tools/mkrootfs.sh "$rootfs"
	# Globals (not local): the EXIT trap uses them after this function has returned.
	ct=$(mktemp -d /tmp/hako-bench-XXXXXX)
	name=bench$$
	export HAKO_STATE=$ct/state HAKO_ROOT=$ct
	trap '"$HAKO" rm -f "$name" >/dev/null 2>&1; rm -rf "$ct"' EXIT
	"$HAKO" run -d --name "$name" "$rootfs" sleep 100000 >/dev/null
	pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$ct/state/$name/state.json")
	local cmds=(0 "$(command -v nsenter)" -t "$pid" -a /bin/true
		-- 0 "$HAKO" exec "$name" /bin/true
		-- 0 "$sh" -c "n=c\$\$; '$HAKO' run -d --name \$n '$rootfs' true >/dev/null && '$HAKO' rm -f \$n >/dev/null")
	runc_path=$(command -v "$RUNC" || true)
	if [ -n "$runc_path" ] && [ -f "$OUT/bundle/config.json" ]; then
		# bench_containers' bundle, run detached: no terminal, stdio to /dev/null.
		cmds+=(-- 0 "$sh" -c "n=hako-bench-d\$\$; '$runc_path' --root '$ct/runc' run -d --bundle '$OUT/bundle' \$n </dev/null >/dev/null 2>&1 && '$runc_path' --root '$ct/runc' delete -f \$n")
	else
		runc_path=
	fi
	echo
	echo "bench: $RUNS rounds of: nsenter, hako exec (into one container), hako run -d + rm -f${runc_path:+, runc run -d + delete -f}"
	mapfile -t res < <("$OUT/timeit" "$RUNS" "${cmds[@]}")
	local n_med n_min n_rss n_bad e_med e_min e_rss e_bad c_med c_min c_rss c_bad u_med u_min u_rss u_bad
	read -r n_med n_min n_rss n_bad <<<"${res[0]}"
	read -r e_med e_min e_rss e_bad <<<"${res[1]}"
	read -r c_med c_min c_rss c_bad <<<"${res[2]}"
	printf '\n  %-9s %10s %10s %s\n' program "median ms" "min ms" "failed runs"
	printf '  %-9s %10s %10s %s\n' nsenter "$(ms "$n_med")" "$(ms "$n_min")" "$n_bad"
	printf '  %-9s %10s %10s %s\n' exec "$(ms "$e_med")" "$(ms "$e_min")" "$e_bad"
	printf '  %-9s %10s %10s %s\n' cycle "$(ms "$c_med")" "$(ms "$c_min")" "$c_bad"
	if [ -n "$runc_path" ]; then
		read -r u_med u_min u_rss u_bad <<<"${res[3]}"
		printf '  %-9s %10s %10s %s\n' runc "$(ms "$u_med")" "$(ms "$u_min")" "$u_bad"
	fi
	echo
	local r_exec
	r_exec=$(awk -v e="$e_med" -v n="$n_med" 'BEGIN { printf "%.2f", e / n }')
	echo "  hako exec / nsenter = ${r_exec}x   (target <= 1.5x: $(verdict "$(awk -v r="$r_exec" 'BEGIN { print (r <= 1.5) }')"))"
	echo "  hako run -d + rm -f: $(awk -v c="$c_med" 'BEGIN { printf "%.1f", 1e6 / c }') per second"
	if [ -n "$runc_path" ]; then
		local r_cyc
		r_cyc=$(awk -v c="$c_med" -v u="$u_med" 'BEGIN { printf "%.2f", u / c }')
		echo "  runc run -d + delete -f: $(awk -v u="$u_med" 'BEGIN { printf "%.1f", 1e6 / u }') per second: hako does ${r_cyc}x as many (target >= 4x: $(verdict "$(awk -v r="$r_cyc" 'BEGIN { print (r >= 4) }')"))"
	else
		echo "  runc not installed: skipped (apt-get install runc)"
	fi
	[ "$n_bad$e_bad$c_bad${u_bad:-0}" = 0000 ] || { echo "bench: some detached-container runs failed: the times above are suspect" >&2; failed=1; }
}

[ "$ONLY" = containers ] || bench_vm
[ "$ONLY" = vm ] || bench_containers
[ "$ONLY" = vm ] || bench_lifecycle
exit $failed
