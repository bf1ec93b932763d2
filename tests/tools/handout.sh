#!/usr/bin/env bash
# handout.sh: `make handout` — the course as students get it, without solutions/.
#
# Writes build/hako-handout.tar.gz: everything tracked by git except solutions/, .ci/ and the
# mutants (tests/NN-slug/mutants/: each patch shows a piece of the solution), plus
# lessons/common/prebuilt/NN-slug.a, each lesson's reference code compiled into an archive
# (and libhako-ref.a, all of them, for `make doctor`). The grader links the archives of every
# lesson but the one being graded, so each lesson still builds and is graded on its own.
# Then it proves that: it unpacks the handout, copies each solution over its starter and
# grades every lesson there (which builds every lesson without solutions/). WERROR=1 (as
# `make check` sets it) builds with -Werror. `make check` takes its "every solution scores
# full marks" from this pass, so the solutions are graded once, where students will be.
set -eu
cd "$(dirname "$0")/../.."
out=$PWD/build/handout
rm -rf "$out"
mkdir -p "$out/hako/lessons/common/prebuilt"

make -s -j"$(nproc 2>/dev/null || echo 2)" -f tests/tools/ref.mk OUT=build/ref
cp build/ref/*.a "$out/hako/lessons/common/prebuilt/"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked files, and files not committed yet that git does not ignore.
	{ git ls-files -z; git ls-files -z --others --exclude-standard; }
else
	# Not a git checkout (an unpacked archive): every file but build output.
	find . -type f ! -path './.git/*' ! -path './build/*' ! -name results.json -printf '%P\0'
fi | grep -z -v -E '^(solutions/|\.ci/|build/|tests/[0-9][0-9]-[^/]*/mutants/)' | xargs -0 -r cp --parents -t "$out/hako"
tar -C "$out" -czf build/hako-handout.tar.gz hako
if tar -tzf build/hako-handout.tar.gz | grep -q -E '^hako/(solutions/|tests/[0-9][0-9]-[^/]*/mutants/)'; then
	echo "handout: it contains solutions or mutants" >&2
	exit 1
fi
echo "wrote build/hako-handout.tar.gz ($(du -h build/hako-handout.tar.gz | cut -f1))"

# Prove it: unpack into a fresh folder and build and grade there.
check=$out/check
mkdir -p "$check"
tar -C "$check" -xzf build/hako-handout.tar.gz
lessons=$(awk '$1 == "lesson" { print $2 }' tests/manifest)
# Every lesson's tests run there too: with each solution copied over its starter, every
# lesson scores what it scores in the full course.
for l in $lessons; do
	for f in solutions/"$l"/*; do
		[ "$(basename "$f")" = workbook.md ] || cp "$f" "$check/hako/lessons/$l/"
	done
done
# grade.sh's exit status counts a skipped test (a kernel feature this machine lacks) as a lost
# point; here a test may skip, as it does for the solution in the full course, but nothing
# else may fall short of PASS.
(cd "$check/hako" && NO_COLOR=1 tests/tools/grade.sh --table all >"$out/grade.txt" 2>&1) || true
short=""
for l in $lessons; do
	sum="$check/hako/build/lessons/$l/results/summary.tsv"
	if [ ! -s "$sum" ]; then
		short+=" $l:no-results"
		continue
	fi
	short+=$(awk -F'\t' -v l="$l" '$2 != "PASS" && $2 != "SKIP" { printf " %s:%s:%s", l, $1, $2 }' "$sum")
done
if [ -n "$short" ]; then
	if grep -q ':BUILD' <<<"$short"; then
		echo "handout: a lesson does not build without solutions/ (see $check/hako/build/lessons/*/results/build.log)" >&2
	fi
	echo "handout: with the solutions copied in, not every lesson scored full marks:$short" >&2
	cat "$out/grade.txt" >&2
	exit 1
fi
echo "handout: every lesson builds without solutions/, and with the solutions copied in scores full marks there (skips as in the course)"
