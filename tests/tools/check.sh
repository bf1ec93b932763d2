#!/usr/bin/env bash
# check.sh: `make check`, what CI runs. Proves, for every lesson in the manifest:
#   1. the course is consistent (folders, unique file names, manifest = tests in the binaries)
#   2. the committed starters equal freshly generated ones
#   3. the C code is clang-format clean, and every diagram's SVG says what its .dot says
#   4. the student handout (no solutions/) builds, and every solution copied into it scores
#      full marks there, built with -Werror (graded once, where students will grade it)
#   5. every solution again under AddressSanitizer + UndefinedBehaviorSanitizer
#   6. every starter compiles without a warning and fails every test on an assertion (FAIL,
#      not a crash or hang), and each failure shows a nudge (the TODO and README task), not
#      the manifest's hint
#   7. the grader's own fixture tests pass; 7b. steps 4-7 left nothing behind on the host
#   8. every lesson's mutants (tests/NN-slug/mutants/*.patch) are killed by its tests, or
#      marked equivalent with a reason (a lesson without mutants is, for now, a warning)
# Each stage prints the time it took; the total comes before the last line. JOBS (default 3)
# is how many mutants are graded at once: a mutant's tests mostly wait (for a container, a
# timeout, a guest), so three share two cores well (here, at load 3-5: 250 s with 3 jobs; 422 s
# with 2 an hour earlier, before lessons 03, 05, 08 and 14's tests stopped sleeping).
# A test may SKIP (a kernel feature this machine lacks) only if it skips for both the solution
# and the starter; such tests are listed. The last line is "check: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
export NO_COLOR=1
manifest=${MANIFEST:-tests/manifest}
lessons=$(awk '$1 == "lesson" { print $2 }' "$manifest")
passed=0 failed=0 skipped_both=""
log=build/check
# Lesson 19's boot test finds the course kernel through HAKO_KERNEL_DIR, also in the handout.
if [ -z "${HAKO_KERNEL_DIR:-}" ] && [ -f build/kernel/vmlinux ]; then
	export HAKO_KERNEL_DIR=$PWD/build/kernel
fi
rm -rf "$log"
mkdir -p "$log"

ok() {
	passed=$((passed + 1))
	echo "  ok      $*"
}
bad() {
	failed=$((failed + 1))
	echo "  FAILED  $*"
}
# Each stage's time, printed as it ends and again in a table at the end.
timings="" stage="" stage_t0=$SECONDS check_t0=$SECONDS
end_stage() {
	[ -n "$stage" ] || return 0
	echo "  ($((SECONDS - stage_t0)) s)"
	timings+=$(printf '  %5d s  %s' $((SECONDS - stage_t0)) "$stage")$'\n'
	stage=""
}
step() {
	end_stage
	printf '\n== %s\n' "$*"
	stage=$*
	stage_t0=$SECONDS
}

step "1. the course is consistent"
for l in $lessons; do
	miss=""
	for d in lessons/$l solutions/$l tests/$l; do [ -d "$d" ] || miss+=" $d"; done
	[ -f "lessons/$l/README.md" ] || miss+=" lessons/$l/README.md"
	[ -f "diagrams/$l.dot" ] || miss+=" diagrams/$l.dot"
	[ -f "diagrams/$l.svg" ] || miss+=" diagrams/$l.svg"
	[ -f "solutions/$l/workbook.md" ] || miss+=" solutions/$l/workbook.md"
	grep -q -E "^## ${l%%-*} " workbook.md || miss+=" a '## ${l%%-*} ...' section in workbook.md"
	if [ -z "$miss" ]; then ok "$l has its folders, README, diagram and workbook"; else bad "$l lacks:$miss"; fi
done
# Hints in levels: every test names its task, and the task's TODO is where the manifest says.
for l in $lessons; do
	why=$(awk -v s="$l" '
		$1 == "lesson" { on = ($2 == s); next }
		on && $1 == "task" { nt++; tl[nt] = $0 }
		on && $1 == "test" { tests[++n] = $2 }
		END {
			for (i = 1; i <= n; i++) {
				hit = 0
				for (j = 1; j <= nt && !hit; j++) {
					k = split(tl[j], w, /[ \t]+/)
					for (m = 4; m <= k; m++) { re = w[m]; gsub(/\*/, ".*", re); if (tests[i] ~ ("^" re "$")) hit = 1 }
				}
				if (!hit) printf "%s has no task line; ", tests[i]
			}
			print ""
			for (j = 1; j <= nt; j++) { split(tl[j], w, /[ \t]+/); print "FN " w[2] " " w[3] }
		}' "$manifest")
	miss=$(echo "$why" | grep -v '^FN ' | tr -d '\n')
	while read -r _ n ff; do
		[ -n "$ff" ] || continue
		f=${ff%%:*} fn=${ff#*:}
		if ! awk -v fn="$fn" '!found && /^[a-zA-Z]/ && !/;[ \t]*$/ && match($0, "(^|[^a-zA-Z0-9_])" fn "\\(") { found = 1 }
			found && /TODO\(/ { ok = 1; exit } END { exit !ok }' "lessons/$l/$f" 2>/dev/null; then
			miss+="task $n: no TODO in $fn() of lessons/$l/$f; "
		fi
		grep -q -E "^ *$n\. |Task $n\b|task $n\b" "lessons/$l/README.md" || miss+="task $n is not in lessons/$l/README.md; "
	done < <(echo "$why" | grep '^FN ')
	if [ -z "$miss" ]; then ok "$l: every test has a task line, every task line a TODO"; else bad "$l task lines in $manifest: $miss"; fi
done
dups=$(find solutions -mindepth 2 -maxdepth 2 -name '*.c' -printf '%f\n' | sort | uniq -d)
if [ -z "$dups" ]; then ok "lesson file names are unique"; else bad "file names used by two lessons (the reference library needs unique ones): $dups"; fi

step "2. starters are generated from the solutions"
for l in $lessons; do
	gen="$log/starters/$l"
	if ! tests/tools/mkstarter.sh "solutions/$l" "$gen" 2>"$log/mkstarter-$l.txt"; then
		bad "$l: mkstarter failed: $(cat "$log/mkstarter-$l.txt")"
		continue
	fi
	diffs=""
	for f in "$gen"/* "$gen/.starter.sha256"; do
		cmp -s "$f" "lessons/$l/$(basename "$f")" || diffs+=" $(basename "$f")"
	done
	if [ -z "$diffs" ]; then ok "$l starter is fresh"; else bad "$l starter differs from its solution in:$diffs (run \`make starters\`)"; fi
	if grep -q "TODO(${l%%-*})" "$gen"/* 2>/dev/null; then ok "$l starter has TODO(${l%%-*}) markers"; else bad "$l starter has no TODO(${l%%-*}) marker"; fi
	# No dummy statement silences a warning in a starter (tests/README.md: an unused parameter
	# needs nothing, a given helper is GIVEN, a solution-only local is declared in the solution).
	voids=$(grep -nE '\(void\) *[A-Za-z_][A-Za-z0-9_]* *[;,]' "lessons/$l"/*.[ch] 2>/dev/null)
	if [ -z "$voids" ]; then ok "$l starter has no (void)name; statement"; else bad "$l starter silences a warning with (void)name; (mark the helper GIVEN or declare the variable in the solution): $(echo "$voids" | tr '\n' ' ')"; fi
done

step "3. clang-format"
if command -v clang-format >/dev/null; then
	unformatted=$(find lessons solutions tests -name '*.[ch]' ! -path 'tests/grader/submissions/*' -print0 |
		xargs -0 -n1 sh -c 'clang-format --dry-run -Werror "$0" >/dev/null 2>&1 || echo "$0"')
	if [ -z "$unformatted" ]; then ok "all C files are formatted"; else bad "not clang-format clean (run \`make format\`): $(echo $unformatted)"; fi
else
	bad "clang-format is not installed"
fi

step "3b. diagrams: each .svg is rendered from its .dot"
# Compared by what they say (node and edge titles, text), not by coordinates: the layout
# depends on the fonts installed, the words do not.
svg_words() { grep -o '<title>[^<]*</title>\|>[^<>]*</text>' "$1"; }
if command -v dot >/dev/null; then
	stale=""
	for d in diagrams/*.dot; do
		if ! dot -Tsvg "$d" -o "$log/diagram.svg" 2>/dev/null ||
			[ "$(svg_words "$log/diagram.svg")" != "$(svg_words "${d%.dot}.svg")" ]; then
			stale+=" $d"
		fi
	done
	if [ -z "$stale" ]; then ok "every diagram's SVG is fresh"; else bad "SVG not rendered from the current source (run \`make diagrams\`):$stale"; fi
else
	bad "graphviz (dot) is not installed"
fi

# Grade LESSONs from SRC; NAME labels the run. Leaves per-lesson summary.tsv files.
grade() {
	local name=$1 src=$2
	shift 2
	"$@" tests/tools/grade.sh --src "$src" --table all >"$log/$name.txt" 2>&1
	sed 's/^/    /' "$log/$name.txt"
}
# The solutions are graded in the handout (step 4), with each solution copied over its starter.
handout_tree=build/handout/check/hako
results() { # src-dir-name lesson -> summary.tsv path
	if [ "$1" = solutions ]; then
		echo "$handout_tree/build/lessons/$2/results/summary.tsv"
	else
		echo "build/$1/$2/results/summary.tsv"
	fi
}

# What tests leave behind on the host is checked after step 7: note what is there before.
leftovers() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path '*/hako/*' 2>/dev/null
	find "${TMPDIR:-/tmp}" -maxdepth 1 \( -name 'hako-test-*' -o -name 'hako-grade-*' \) 2>/dev/null
	awk '$5 ~ /\/hako-(test|grade)-/ { print "mount " $5 }' /proc/self/mountinfo
}
leftovers_before=$(leftovers | sort)

step "4. the handout: built without solutions/, every solution copied in scores full marks (-Werror)"
# handout.sh packs build/hako-handout.tar.gz, unpacks it, copies each solution over its starter
# and grades every lesson there: the one full-marks pass (a second one in this tree would
# prove nothing more and cost minutes).
WERROR=1 tests/tools/handout.sh >"$log/handout.txt" 2>&1
handout_rc=$?
sed 's/^/    /' "$log/handout.txt"
[ $handout_rc = 0 ] && sed 's/^/    /' build/handout/grade.txt # (a failure printed it above)
if [ $handout_rc = 0 ]; then ok "handout: $(tail -n 1 "$log/handout.txt" | sed 's/^handout: //')"; else bad "handout (see $log/handout.txt)"; fi
for l in $lessons; do
	r=$(results solutions "$l")
	[ -f "$r" ] || { bad "$l: no results"; continue; }
	notpass=$(awk -F'\t' '$2 != "PASS" && $2 != "SKIP" { print $1 " " $2 }' "$r")
	if [ -z "$notpass" ]; then ok "$l solution"; else bad "$l solution: $(echo "$notpass" | tr '\n' ';') (see ${r%/summary.tsv}/)"; fi
	listed=$(awk -v s="$l" '$1 == "lesson" { on = ($2 == s); next } on && $1 == "test" { print $2 }' "$manifest" | sort)
	built=$("$handout_tree/build/lessons/$l/tests" --list 2>/dev/null | sort)
	if [ "$listed" = "$built" ]; then ok "$l manifest lists exactly the tests in tests/$l"; else bad "$l: manifest and tests differ: $(diff <(echo "$listed") <(echo "$built") | grep '^[<>]' | tr '\n' ' ')"; fi
done

step "5. solutions under ASan + UBSan"
# Meanwhile, on the other core: the starters (step 6; their tests mostly fail at once) and then
# the grader's own tests (step 7). Their results are read in their own steps below.
mkdir -p "$log/starters"
(
	for l in $lessons; do
		tests/tools/grade.sh --src lessons --table "$l" >"$log/starters/$l.txt" 2>&1
	done
	tests/grader/run.sh >"$log/grader.txt" 2>&1
	echo $? >"$log/grader.rc"
) &
background=$!
grade solutions-san solutions env SAN=1 WERROR=1
for l in $lessons; do
	r=$(results solutions-san "$l")
	[ -f "$r" ] || { bad "$l: no sanitizer results"; continue; }
	notpass=$(awk -F'\t' '$2 != "PASS" && $2 != "SKIP" { print $1 " " $2 }' "$r")
	if [ -z "$notpass" ]; then ok "$l solution (sanitizers)"; else bad "$l solution under sanitizers: $(echo "$notpass" | tr '\n' ';') (see build/solutions-san/$l/results/)"; fi
done

step "6. starters compile (without warnings) and fail every test on an assertion"
# Graded in the background since step 5 began; wait for that to end.
wait "$background"
for l in $lessons; do sed -n 2p "$log/starters/$l.txt"; done | tee "$log/starters.txt" | sed 's/^/    /'
for l in $lessons; do
	r=$(results lessons "$l")
	s=$(results solutions "$l")
	[ -f "$r" ] || { bad "$l: no starter results"; continue; }
	wrong=""
	while IFS=$'\t' read -r name status _; do
		sol=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$s" 2>/dev/null)
		case "$status" in
		FAIL) ;;
		SKIP)
			if [ "$sol" = SKIP ]; then skipped_both+=" $l:$name"; else wrong+=" $name skipped on the starter but not the solution;"; fi
			;;
		*) wrong+=" $name is $status;" ;;
		esac
	done <"$r"
	if [ -z "$wrong" ]; then ok "$l starter fails every test"; else bad "$l starter:$wrong (see build/lessons/$l/results/)"; fi
	# Hints in levels: an untouched starter gets nudges (which TODO, which task), never hints.
	recipes=$(awk -F'\t' '$2 != "PASS" && $2 != "SKIP" && $6 != "nudge" { printf "%s ", $1 }' "$r")
	if [ -z "$recipes" ]; then ok "$l starter shows nudges, not hints"; else bad "$l starter shows a hint instead of a nudge for: $recipes"; fi
	# The grader counts the warnings in the student's files: an untouched starter has none,
	# or the count is noise from the first run on (a helper the stub does not call yet is
	# declared GIVEN: tests/README.md).
	w="$(dirname "$r")/warnings.txt"
	n_warn=$(grep -c ': warning: ' "$w" 2>/dev/null)
	if [ ! -f "$w" ]; then bad "$l starter: no $w"
	elif [ "$n_warn" = 0 ]; then ok "$l starter compiles without warnings"
	else bad "$l starter: $n_warn compiler warning(s) (see $w)"; fi
done

step "7. the grader's own tests"
# Run in the background after the starters (see step 5).
if [ "$(cat "$log/grader.rc" 2>/dev/null)" = 0 ]; then
	ok "grader self-test ($(tail -n 1 "$log/grader.txt"))"
else
	sed 's/^/    /' "$log/grader.txt"
	bad "grader self-test"
fi

step "7b. the tests leave nothing behind (cgroups under hako/, temporary folders, mounts)"
left=$(comm -13 <(echo "$leftovers_before") <(leftovers | sort))
if [ -z "$left" ]; then
	ok "steps 4-7 left no cgroup, temporary folder or mount behind"
else
	bad "left behind by steps 4-7 (removed now where empty): $(echo $left)"
	echo "$left" | grep '^/sys/fs/cgroup' | xargs -r rmdir 2>/dev/null
fi

step "8. mutants: each lesson's tests catch its planted mistakes"
# One fixed seed unless SEED is given: a mutant that only some random inputs catch would make
# CI pass or fail by chance; with a fixed seed the verdict is the same every run (mutant i
# uses SEED + i). To look for such weak tests, run `SEED=$RANDOM make mutants` now and then.
SEED=${SEED:-20261128} tests/tools/mutants.sh --jobs "${JOBS:-3}" >"$log/mutants.txt" 2>&1
[ $? -le 1 ] || bad "the mutant runner could not run: $(tail -n 1 "$log/mutants.txt")"
sed 's/^/    /' "$log/mutants.txt"
for l in $lessons; do
	r=build/mutants/$l/results
	if [ ! -d "$r" ]; then
		echo "  warning $l has no mutants yet (tests/$l/mutants/*.patch)"
		continue
	fi
	n=$(cat "$r"/* | wc -l)
	lost=$(awk -F'\t' '$1 != "killed" && $1 != "equivalent" && $1 != "unproven" { printf "%s %s; ", FILENAME, $1 }' "$r"/* | sed "s|$r/||g")
	eq=$(awk -F'\t' '$1 == "equivalent"' "$r"/* | wc -l)
	if [ -z "$lost" ]; then ok "$l: $((n - eq)) mutants killed$([ "$eq" -gt 0 ] && echo ", $eq equivalent")"; else bad "$l mutants: $lost(see $log/mutants.txt)"; fi
done
end_stage

echo
echo "Time per stage:"
printf '%s' "$timings"
echo "  total $((SECONDS - check_t0)) s"
echo
if [ -n "$skipped_both" ]; then
	echo "Skipped on this machine for solution and starter alike (not proven here):"
	for t in $skipped_both; do
		echo "  $t: $(awk -F'\t' -v n="${t#*:}" '$1 == n { print $5 }' "$(results solutions "${t%%:*}")")"
	done
	echo
fi
echo "check: $passed passed, $failed failed"
[ $failed = 0 ]
