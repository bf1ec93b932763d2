#!/usr/bin/env bash
# bench.sh: `make bench` — how fast hakovm starts a VM, side by side with a floor and QEMU.
#
#   tests/bench/bench.sh            environment: RUNS (default 40), HAKOVM (default: the
#                                   reference build/ref-hako/hakovm; HAKOVM=build/student/hakovm
#                                   measures your own), QEMU (default qemu-system-x86_64)
#
# Three programs run the same 16-bit guest (lesson 15's hello.S, built with DEBUG_EXIT so it
# ends with a write to the debug-exit port 0x501, then hlt), RUNS rounds, interleaved:
#
#   floor   tests/bench/floor.c: only the ioctls a KVM program must make, nothing else
#   hakovm  the course's VMM: options, image checks, devices on a bus, the UART, the run loop
#   qemu    qemu-system-x86_64 -M microvm with the guest as its -bios ROM and isa-debug-exit
#           (skipped when QEMU is not installed: apt-get install qemu-system-x86)
#
# Each time is from fork() to the end of wait4(): the whole process, as a user sees it.
# Targets: hakovm within 1.5x of the floor, at least 10x faster than QEMU, and a peak RSS at
# most 2 MiB above the guest memory it touches.
set -eu
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-40}
HAKOVM=${HAKOVM:-build/ref-hako/hakovm}
QEMU=${QEMU:-qemu-system-x86_64}
OUT=build/bench
CC=${CC:-cc}

if [ ! -e /dev/kvm ]; then
	echo "bench: needs /dev/kvm (KVM): run \`make doctor\` to see how to get it" >&2
	exit 2
fi
mkdir -p "$OUT"

# ---- build: the programs, the guest, QEMU's ROM ----
if [ "$HAKOVM" = build/ref-hako/hakovm ]; then
	make -s -f tests/tools/program.mk SRC=solutions OUT=build/ref-hako
fi
[ -x "$HAKOVM" ] || { echo "bench: no $HAKOVM (build it with \`make hako\`)" >&2; exit 2; }
$CC -O2 -Wall -o "$OUT/floor" tests/bench/floor.c
$CC -O2 -Wall -o "$OUT/timeit" tests/bench/timeit.c
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

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
printf '\n  %-8s %10s %10s %12s %s\n' program "median ms" "min ms" "peak RSS" "failed runs"
printf '  %-8s %10s %10s %9s KiB %s\n' floor "$(ms "$f_med")" "$(ms "$f_min")" "$f_rss" "$f_bad"
printf '  %-8s %10s %10s %9s KiB %s\n' hakovm "$(ms "$h_med")" "$(ms "$h_min")" "$h_rss" "$h_bad"
if [ -n "$qemu_path" ]; then
	read -r q_med q_min q_rss q_bad <<<"${res[2]}"
	printf '  %-8s %10s %10s %9s KiB %s\n' qemu "$(ms "$q_med")" "$(ms "$q_min")" "$q_rss" "$q_bad"
fi
echo

verdict() { awk -v ok="$1" 'BEGIN { print (ok ? "target met" : "target MISSED") }'; }
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
[ "$f_bad$h_bad${q_bad:-0}" = 000 ] || { echo "bench: some runs failed: the times above are suspect" >&2; exit 1; }
