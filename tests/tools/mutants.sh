#!/usr/bin/env bash
# mutants.sh: proves that each lesson's tests catch plausible mistakes (mutation testing).
#
#   tests/tools/mutants.sh [--jobs N] [--require] [--keep] [LESSON...]   (default: every lesson)
#
# A mutant is tests/NN-slug/mutants/NAME.patch: header lines, then a git-style diff against
# solutions/NN-slug/ (see tests/README.md, "Mutants"):
#
#   Mutant: forgets MS_PRIVATE, so mounts propagate back to the host
#   Kills: test_mount_not_propagated      (run first; grading stops at the first lost test)
#   Equivalent: <why no test can tell it apart>          (optional, rare)
#
# For each one, the runner copies the lesson's solution (and its compiled objects) to a scratch
# tree under build/mutants/, applies the patch, rebuilds what it changed and grades it with the
# lesson's tests, its Kills: test first, stopping at the first test that does not pass.
# Verdicts:
#   killed      some test failed, crashed or timed out: the tests notice the mistake
#   SURVIVED    every test passed: the tests miss a plausible mistake (a failure)
#   equivalent  marked with a reason: applied and compiled, not graded, listed with its reason
#   INVALID     the patch does not apply, touches a file outside solutions/NN-slug/, has no
#               Mutant: line, or does not compile (a failure)
#   unproven    every test that ran passed, but some skipped on this machine (no root, no KVM):
#               a warning, listed
#
# Options:
#   --jobs N    grade N mutants at once (default 1; see tests/README.md for what was measured)
#   --require   a lesson without mutants is a failure (default: a warning)
#   --keep      keep each mutant's scratch tree (default: removed once it is killed)
#
# Environment: MANIFEST, TESTS_ROOT (as grade.sh), SOLUTIONS_ROOT (default solutions: the folder
# holding NN-slug/ solutions), OUT_ROOT (default build), REF_OUT (as grade.sh), SEED (default a fresh one, printed),
# SAN, WERROR, TIMEOUT_SCALE. Exit status: 0 when nothing survived and nothing is invalid.
set -u
cd "$(dirname "$0")/../.." || exit 2
top=$PWD

jobs=1 require=0 keep=0
lessons=()
manifest=${MANIFEST:-tests/manifest}
tests_root=${TESTS_ROOT:-tests}
sol_root=${SOLUTIONS_ROOT:-solutions}
out_root=${OUT_ROOT:-build}
san_suffix=${SAN:+-san}
export SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export NO_COLOR=1

die() {
	echo "mutants: $*" >&2
	exit 2
}

# A mutant is wrong code run as root: one that forgets CLONE_NEWUTS renames the machine, one
# that forgets MS_PRIVATE leaves mounts behind. As root, each is graded in namespaces of its
# own (hostname, IPC, mounts, network with a loopback that is up), so whatever it changes
# there goes away with it.
jail=()
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	jail=(unshare --uts --ipc --net --mount --propagation private --fork --kill-child --
		sh -c 'ip link set lo up 2>/dev/null; exec "$@"' mutant)
fi
while [ $# -gt 0 ]; do
	case "$1" in
	--jobs) jobs=${2:?}; shift 2 ;;
	--jobs=*) jobs=${1#--jobs=}; shift ;;
	--require) require=1; shift ;;
	--keep) keep=1; shift ;;
	-h | --help) sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) lessons+=("$1"); shift ;;
	esac
done
case "$jobs" in '' | *[!0-9]* | 0) die "--jobs needs a positive number, not '$jobs'" ;; esac
[ -f "$manifest" ] || die "no manifest at $manifest"
[ -d "$sol_root" ] || die "no $sol_root/ here: mutants need the solutions (not in a handout)"

all_slugs() { awk '$1 == "lesson" { print $2 }' "$manifest"; }
resolve() { # 1 | 01 | 01-process -> 01-process
	local want=$1 s
	case "$want" in [0-9]) want=0$want ;; esac
	for s in $(all_slugs); do
		if [ "$s" = "$want" ] || [ "${s%%-*}" = "$want" ]; then echo "$s"; return 0; fi
	done
	return 1
}
if [ ${#lessons[@]} = 0 ] || [ "${lessons[0]}" = all ]; then
	mapfile -t lessons < <(all_slugs)
else
	r=()
	for l in "${lessons[@]}"; do s=$(resolve "$l") || die "no lesson '$l' in $manifest"; r+=("$s"); done
	lessons=("${r[@]}")
fi

mroot="$out_root/mutants$san_suffix"
mkdir -p "$mroot"
ref_out=${REF_OUT:-$out_root/ref$san_suffix}
# The shared code's objects: the same folder as grade.sh's (built once, never copied).
export COMMON_OUT=${COMMON_OUT:-$out_root/common$san_suffix${WERROR:+-werror}}

header() { # patch key -> the value of the first "Key:" line before the diff
	awk -v k="$2:" '/^diff --git / { exit } index($0, k) == 1 { sub(k "[ \t]*", ""); print; exit }' "$1"
}

# Paths a patch touches must all lie inside solutions/SLUG/ (no "..", nothing else).
bad_paths() { # patch slug -> the offending paths, one a line
	awk -v pre="solutions/$2/" '
		/^diff --git / { for (i = 3; i <= 4; i++) { p = $i; sub(/^[ab]\//, "", p); check(p) } ; next }
		/^(---|\+\+\+) / { p = $2; if (p == "/dev/null") next; sub(/^[ab]\//, "", p); check(p); next }
		/^(rename|copy) (from|to) / { check($3) }
		function check(p) { if (index(p, pre) != 1 || p ~ /(^|\/)\.\.(\/|$)/ || length(p) == length(pre)) print p }
	' "$1" | sort -u
}

# Build the lesson's solution once, into a tree each mutant copies: its sources under
# BASE/solutions/SLUG and its objects where grade.sh puts them for that source.
prepare_base() { # slug -> 0 if built
	local slug=$1 base="$mroot/$1/base"
	rm -rf "$base"
	mkdir -p "$base/solutions"
	cp -a "$sol_root/$slug" "$base/solutions/$slug"
	mkdir -p "$COMMON_OUT"
	flock "$COMMON_OUT/.lock" make -s -j"${BUILD_JOBS:-$(nproc)}" -f tests/tools/lesson.mk LESSON="$slug" SRC="$base/solutions" OUT="$base/build/solutions/$slug" \
		COMMON_OUT="$COMMON_OUT" REF_DIR="$ref_out" TESTS_DIR="$tests_root/$slug" SAN="${SAN:-}" WERROR="${WERROR:-}" \
		>"$mroot/$slug/base.log" 2>&1
}

# Grade one mutant; writes one line to RESULT: verdict<TAB>test<TAB>seconds<TAB>detail.
run_mutant() { # slug patch result seed
	local slug=$1 patch=$2 result=$3 seed=$4 name
	name=$(basename "$patch" .patch)
	local patch_abs=$patch
	[ "${patch#/}" != "$patch" ] || patch_abs=$top/$patch
	local m="$mroot/$slug/$name" t0=$SECONDS
	local kills equiv bad
	kills=$(header "$patch" Kills | awk '{ print $1 }')
	equiv=$(header "$patch" Equivalent)
	say() { printf '%s\t%s\t%s\t%s\n' "$1" "${2:--}" $((SECONDS - t0)) "$3" >"$result"; }

	[ -n "$(header "$patch" Mutant)" ] || { say INVALID "" "no 'Mutant:' line says what mistake it plants"; return; }
	grep -q '^diff --git ' "$patch" || { say INVALID "" "no git-style diff in it"; return; }
	bad=$(bad_paths "$patch" "$slug")
	[ -z "$bad" ] || { say INVALID "" "touches files outside solutions/$slug/: $(echo $bad)"; return; }

	rm -rf "$m"
	cp -a "$mroot/$slug/base" "$m"
	# The copied objects' dependency files name the base's paths: point them at this copy, so a
	# patched header rebuilds what includes it.
	find "$m/build" -name '*.d' -exec sed -i "s|$mroot/$slug/base/|$m/|g" {} +
	# Apply outside any git repository (a ceiling just above the scratch tree), so git apply
	# behaves like patch(1) here and never touches the real solutions/.
	if ! (cd "$m" && GIT_CEILING_DIRECTORIES="$(cd .. && pwd)" git apply --whitespace=nowarn "$patch_abs") >"$m.apply.txt" 2>&1; then
		say INVALID "" "does not apply to solutions/$slug: $(head -n 2 "$m.apply.txt" | tr '\n' ' ')"
		return
	fi
	if ! flock "$COMMON_OUT/.lock" make -s -f tests/tools/lesson.mk LESSON="$slug" SRC="$m/solutions" OUT="$m/build/solutions/$slug" \
		COMMON_OUT="$COMMON_OUT" REF_DIR="$ref_out" TESTS_DIR="$tests_root/$slug" SAN="${SAN:-}" WERROR="${WERROR:-}" \
		>"$m.build.txt" 2>&1; then
		say INVALID "" "does not compile: $(grep -a -m 2 -E 'error' "$m.build.txt" | tr '\n' ' ') (log: $m.build.txt)"
		return
	fi
	if [ -n "$equiv" ]; then
		say equivalent "" "$equiv"
		[ $keep = 1 ] || rm -rf "$m"
		return
	fi
	SEED=$seed OUT_ROOT="$m/build" REF_OUT="$ref_out" "${jail[@]}" tests/tools/grade.sh --src "$m/solutions" \
		${kills:+--first "$kills"} --first-fail "$slug" >"$m.grade.txt" 2>&1
	local sum="$m/build/solutions/$slug/results/summary.tsv" lost skipped
	lost=$(awk -F'\t' '$2 != "PASS" && $2 != "SKIP" { print $1 "\t" $2; exit }' "$sum" 2>/dev/null)
	skipped=$(awk -F'\t' '$2 == "SKIP"' "$sum" 2>/dev/null | wc -l)
	if [ ! -s "$sum" ]; then
		say INVALID "" "the grader gave no results (output: $m.grade.txt)"
	elif [ -n "$lost" ]; then
		local t=${lost%%$'\t'*} st=${lost##*$'\t'} note=""
		if [ "$st" = BUILD ]; then
			say INVALID "" "does not link or build: see $m/build/solutions/$slug/results/build.log"
			return
		fi
		if [ -n "$kills" ] && [ "$t" != "$kills" ]; then
			if awk -v s="$slug" -v t="$kills" '$1 == "lesson" { on = ($2 == s) } on && $1 == "test" && $2 == t { f = 1 } END { exit !f }' "$manifest"; then
				note="; its Kills: line names $kills, which passed"
			else
				note="; its Kills: line names $kills, which is not a test of $slug"
			fi
		fi
		say killed "$t" "$st$note"
		[ $keep = 1 ] || rm -rf "$m"
	elif [ "$skipped" -gt 0 ]; then
		say unproven "" "every test that ran passed, $skipped skipped here: $(awk -F'\t' '$2 == "SKIP" { print $5; exit }' "$sum")"
	else
		say SURVIVED "" "every test passed (SEED=$seed; output: $m.grade.txt)"
	fi
}

echo "mutants: seed $SEED (mutant number i of the run uses SEED + i), $jobs job(s)"
# The reference archives every mutant links, built once before the jobs start.
make -s -j"${BUILD_JOBS:-$(nproc)}" -f tests/tools/ref.mk OUT="$ref_out" SAN="${SAN:-}" WERROR="${WERROR:-}" >"$mroot/ref.log" 2>&1 ||
	die "the reference library did not build (log: $mroot/ref.log)"

failed=0 warned=0 total_killed=0 total_n=0 total_eq=0
declare -A count
queue=() # "slug<TAB>patch<TAB>result"
for slug in "${lessons[@]}"; do
	shopt -s nullglob
	patches=("$tests_root/$slug"/mutants/*.patch)
	shopt -u nullglob
	count[$slug]=${#patches[@]}
	rm -rf "${mroot:?}/$slug"
	[ ${#patches[@]} = 0 ] && continue
	mkdir -p "$mroot/$slug/results"
	if ! prepare_base "$slug"; then
		echo "mutants: $slug: the solution itself does not build (log: $mroot/$slug/base.log)" >&2
		failed=$((failed + 1))
		count[$slug]=base
		continue
	fi
	for p in "${patches[@]}"; do
		queue+=("$slug"$'\t'"$p"$'\t'"$mroot/$slug/results/$(basename "$p" .patch)")
	done
done

# Each mutant gets its own seed (SEED + its place in the queue): tests draw the names of what
# they create (interfaces, folders, cgroups) from it, so two mutants graded at once never pick
# the same names.
t_start=$SECONDS
# A mutant may skip a clean-up (that is often the mistake it plants) and leave an empty cgroup
# under a controller's hako/ parent. Note which are there now; those made during the run and
# left empty are removed at the end (rmdir removes only an empty cgroup with no children).
hako_cgroups() { find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path '*/hako/*' 2>/dev/null | sort; }
cgroups_before=$(hako_cgroups)
i=0
for item in "${queue[@]}"; do
	IFS=$'\t' read -r slug p res <<<"$item"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run_mutant "$slug" "$p" "$res" $(((SEED + i) % 4294967296)) &
	i=$((i + 1))
done
wait

for slug in "${lessons[@]}"; do
	n=${count[$slug]}
	if [ "$n" = base ]; then
		echo "$slug: not run: the solution does not build"
		continue
	fi
	if [ "$n" = 0 ]; then
		if [ $require = 1 ]; then
			echo "$slug: FAILED: no mutants (tests/$slug/mutants/*.patch)"
			failed=$((failed + 1))
		else
			echo "$slug: warning: no mutants yet (tests/$slug/mutants/*.patch)"
			warned=$((warned + 1))
		fi
		continue
	fi
	killed=0 eq=0 graded=0 lines=""
	for res in "$mroot/$slug/results"/*; do
		name=$(basename "$res")
		IFS=$'\t' read -r verdict test secs detail <"$res"
		case "$verdict" in
		killed) killed=$((killed + 1)); graded=$((graded + 1))
			lines+=$(printf '  killed      %-36s by %s (%s) %ss' "$name" "$test" "$detail" "$secs")$'\n' ;;
		equivalent) eq=$((eq + 1))
			lines+=$(printf '  equivalent  %-36s %s' "$name" "$detail")$'\n' ;;
		unproven) graded=$((graded + 1)); warned=$((warned + 1))
			lines+=$(printf '  unproven    %-36s %s %ss' "$name" "$detail" "$secs")$'\n' ;;
		*) graded=$((graded + 1)); failed=$((failed + 1))
			lines+=$(printf '  %-11s %-36s %s %ss' "$verdict" "$name" "$detail" "$secs")$'\n' ;;
		esac
	done
	printf '%s' "$lines"
	printf '%s: %d/%d killed%s\n' "$slug" "$killed" "$graded" "$([ $eq -gt 0 ] && echo ", $eq equivalent")"
	total_killed=$((total_killed + killed))
	total_n=$((total_n + graded))
	total_eq=$((total_eq + eq))
done
left=0
while read -r d; do
	[ -n "$d" ] && rmdir "$d" 2>/dev/null && left=$((left + 1))
done < <(comm -13 <(echo "$cgroups_before") <(hako_cgroups))
[ $left = 0 ] || echo "mutants: removed $left empty cgroup(s) that mutants left under hako/"
printf 'mutants: %d/%d killed, %d equivalent, in %ds; %d failure(s), %d warning(s)\n' \
	"$total_killed" "$total_n" "$total_eq" $((SECONDS - t_start)) "$failed" "$warned"
[ $failed = 0 ]
