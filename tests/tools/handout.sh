#!/usr/bin/env bash
# handout.sh: `make handout` — the course as students get it, without solutions/.
#
# Writes build/hako-handout.tar.gz: everything tracked by git except solutions/ and .ci/, plus
# lessons/common/prebuilt/libhako-ref.a, the reference code compiled into a library. The
# grader links it for every lesson but the one being graded, so each lesson still builds and
# is graded on its own. Then it proves that: it unpacks the handout, builds every lesson's
# tests there, and grades the starter of lesson 01 and the same lesson with its solution
# copied in.
set -eu
cd "$(dirname "$0")/../.."
out=$PWD/build/handout
rm -rf "$out"
mkdir -p "$out/hako/lessons/common/prebuilt"

make -s -f tests/tools/ref.mk OUT=build/ref
cp build/ref/libhako-ref.a "$out/hako/lessons/common/prebuilt/"
git ls-files -z | grep -z -v -E '^(solutions/|\.ci/)' | xargs -0 cp --parents -t "$out/hako"
# Files not committed yet still belong in a handout made from a working tree.
git ls-files -z --others --exclude-standard | grep -z -v -E '^(solutions/|\.ci/|build/)' |
	xargs -0 -r cp --parents -t "$out/hako"
tar -C "$out" -czf build/hako-handout.tar.gz hako
echo "wrote build/hako-handout.tar.gz ($(du -h build/hako-handout.tar.gz | cut -f1))"

# Prove it: unpack into a fresh folder and build and grade there.
check=$out/check
mkdir -p "$check"
tar -C "$check" -xzf build/hako-handout.tar.gz
lessons=$(awk '$1 == "lesson" { print $2 }' tests/manifest)
for l in $lessons; do
	if ! make -s -C "$check/hako" -f tests/tools/lesson.mk LESSON="$l" SRC=lessons \
		OUT="build/lessons/$l" >"$out/build-$l.txt" 2>&1; then
		echo "handout: lesson $l does not build without solutions/ (see $out/build-$l.txt)" >&2
		exit 1
	fi
done
echo "handout: every lesson builds without solutions/"
first=$(echo "$lessons" | grep -m1 '^01-' || echo "$lessons" | head -n1)
if (cd "$check/hako" && NO_COLOR=1 tests/tools/grade.sh "$first" >/dev/null 2>&1); then
	echo "handout: the untouched starter of $first scored full marks" >&2
	exit 1
fi
cp solutions/"$first"/*.c "$check/hako/lessons/$first/"
if ! (cd "$check/hako" && NO_COLOR=1 tests/tools/grade.sh "$first" >"$out/grade-$first.txt" 2>&1); then
	echo "handout: $first with its solution copied in did not score full marks (see $out/grade-$first.txt)" >&2
	exit 1
fi
echo "handout: $first fails as a starter and scores full marks once solved"
