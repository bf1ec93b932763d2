#!/usr/bin/env bash
# bench.sh: `make bench` — how fast hakovm starts a VM, side by side with a floor and QEMU;
# and (lesson 14, as root) hako exec next to nsenter, hako run -d + rm -f next to runc.
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
kvm_bad="$f_bad$h_bad${q_bad:-0}"

# ---- lesson 14: hako exec next to nsenter (the floor), and run -d + rm -f cycles next to
# runc run -d + delete -f of the same container (as root only) ----
ct_bad=0
if [ "$(id -u)" != 0 ]; then
	echo; echo "  containers: skipped (hako run -d and runc need root: sudo make bench)"
else
	CT=$(mktemp -d /tmp/hako-bench-XXXXXX)
	trap 'build/ref-hako/hako rm -f "$name" >/dev/null 2>&1; rm -rf "$CT"' EXIT
	tests/tools/mkrootfs.sh "$CT/bundle/rootfs" >/dev/null
	export HAKO_STATE=$CT/state HAKO_ROOT=$CT
	HAKO=build/ref-hako/hako
	name=bench$$
	"$HAKO" run -d --name "$name" "$CT/bundle/rootfs" sleep 100000 >/dev/null
	pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$CT/state/$name/state.json")
	cat >"$CT/bundle/config.json" <<JSON
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
             "env": ["PATH=/bin:/usr/bin:/sbin:/usr/sbin"], "cwd": "/"},
 "root": {"path": "rootfs"}, "hostname": "bench",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"},
                          {"type": "network"}], "cgroupsPath": "/hako/runc-bench$$"}}
JSON
	cycle_hako=(sh -c "n=c\$\$; $HAKO run -d --name \$n $CT/bundle/rootfs true >/dev/null && $HAKO rm -f \$n >/dev/null")
	cycle_runc=(sh -c "n=r\$\$; runc run -d --bundle $CT/bundle \$n </dev/null >/dev/null 2>&1 && runc delete -f \$n")
	cmds=(0 nsenter -t "$pid" -a /bin/true -- 0 "$HAKO" exec "$name" /bin/true -- 0 "${cycle_hako[@]}")
	command -v runc >/dev/null && cmds+=(-- 0 "${cycle_runc[@]}")
	echo; echo "bench: $RUNS rounds of: nsenter and hako exec into one container; hako run -d + rm -f$(command -v runc >/dev/null && echo ', runc run -d + delete -f')"
	mapfile -t res < <("$OUT/timeit" "$RUNS" "${cmds[@]}")
	read -r n_med n_min n_rss n_bad <<<"${res[0]}"
	read -r e_med e_min e_rss e_bad <<<"${res[1]}"
	read -r c_med c_min c_rss c_bad <<<"${res[2]}"
	printf '\n  %-18s %10s %10s %s\n' command "median ms" "min ms" "failed runs"
	printf '  %-18s %10s %10s %s\n' "nsenter true" "$(ms "$n_med")" "$(ms "$n_min")" "$n_bad"
	printf '  %-18s %10s %10s %s\n' "hako exec true" "$(ms "$e_med")" "$(ms "$e_min")" "$e_bad"
	printf '  %-18s %10s %10s %s\n' "hako run -d + rm" "$(ms "$c_med")" "$(ms "$c_min")" "$c_bad"
	r_exec=$(awk -v e="$e_med" -v n="$n_med" 'BEGIN { printf "%.2f", e / n }')
	echo
	echo "  hako exec / nsenter = ${r_exec}x   (target <= 1.5x: $(verdict "$(awk -v r="$r_exec" 'BEGIN { print (r <= 1.5) }')"))"
	echo "  hako run -d + rm -f: $(awk -v c="$c_med" 'BEGIN { printf "%.1f", 1e6 / c }') cycles per second"
	if command -v runc >/dev/null; then
		read -r u_med u_min u_rss u_bad <<<"${res[3]}"
		printf '  %-18s %10s %10s %s\n' "runc run -d + del" "$(ms "$u_med")" "$(ms "$u_min")" "$u_bad"
		r_runc=$(awk -v c="$c_med" -v u="$u_med" 'BEGIN { printf "%.1f", u / c }')
		echo "  hako cycles / runc cycles = ${r_runc}x   (target >= 4x: $(verdict "$(awk -v r="$r_runc" 'BEGIN { print (r >= 4) }')"))"
	else
		echo "  runc not installed: skipped (apt-get install runc)"
	fi
	ct_bad="$n_bad$e_bad$c_bad${u_bad:-0}"
	[ "$ct_bad" = 0000 ] && ct_bad=0
fi
[ "$kvm_bad" = 000 ] && [ "$ct_bad" = 0 ] || { echo "bench: some runs failed: the times above are suspect" >&2; exit 1; }
