#!/usr/bin/env bash
# run.sh: the grader's own tests. Grades each fixture submission in tests/grader/submissions/
# against the fixture lesson and checks that the grader scores it as it must.
set -u
cd "$(dirname "$0")/../.." || exit 2
out=build/grader
rm -rf "$out"
mkdir -p "$out"
passed=0 failed=0

export MANIFEST=tests/grader/manifest TESTS_ROOT=tests/grader/tests NO_COLOR=1
# Every run links the same reference archives: build them once, not once per OUT_ROOT.
export REF_OUT=build/ref
# ... and the shared code once, not once per fixture run.
export COMMON_OUT=build/grader/common
summary() { cat "$out/$1/$(basename "$2")/99-fixture/results/summary.tsv" 2>/dev/null; }

# expect NAME SUBMISSION_DIR WANT_EXIT WANT_SCORE STATUS_REGEX [EXTRA_GREP]
# Grades the submission; checks the exit status, the total score, that every test's status
# matches STATUS_REGEX, and (when given) that the summary contains EXTRA_GREP.
expect() {
	local name=$1 sub=$2 want_rc=$3 want_score=$4 want_status=$5 extra=${6:-}
	local rc score bad
	OUT_ROOT="$out/$name" tests/tools/grade.sh --src "$sub" 99 >"$out/$name.txt" 2>&1
	rc=$?
	score=$(summary "$name" "$sub" | awk -F'\t' '{ s += $3 } END { print s + 0 }')
	bad=$(summary "$name" "$sub" | awk -F'\t' -v re="^($want_status)$" '$2 !~ re { print $1 " was " $2 }')
	local why=""
	[ "$rc" = "$want_rc" ] || why+=" exit status $rc, expected $want_rc;"
	[ "$score" = "$want_score" ] || why+=" score $score, expected $want_score;"
	[ "$(summary "$name" "$sub" | wc -l)" = 3 ] || why+=" expected 3 results;"
	[ -z "$bad" ] || why+=" $(echo "$bad" | tr '\n' ';')"
	if [ -n "$extra" ] && ! summary "$name" "$sub" | grep -q -- "$extra"; then
		why+=" no '$extra' in the results;"
	fi
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		echo "  ok      $name"
	else
		failed=$((failed + 1))
		echo "  FAILED  $name:$why (output: $out/$name.txt)"
	fi
}

s=tests/grader/submissions
echo "grader self-test"
expect correct      $s/good      0 4 PASS
expect hang         $s/hang      1 0 TIMEOUT
expect segfault     $s/crash     1 0 CRASH "Segmentation fault"
expect skip-all     $s/skip      1 0 SKIP "needs a ready fixture"
expect constant     $s/constant  1 0 "FAIL|PASS"
expect no-compile   $s/nocompile 1 0 BUILD
expect fake-result  $s/fake      1 0 NORUN
expect exit-early   $s/exits     1 0 NORUN
# The constant submission may pass the identity test only by chance (a == 42): the two sum
# tests must fail.
if summary constant $s/constant | awk -F'\t' '$1 ~ /positive|negative/ && $2 == "PASS"' | grep -q .; then
	failed=$((failed + 1)); echo "  FAILED  constant: a hard-coded answer passed a randomised test"
fi

# Compiler warnings about the student's file are shown and counted, on every run (the second
# run compiles nothing), and never about the harness's files.
expect warnings $s/warns 0 4 PASS
for run in first second; do
	OUT_ROOT="$out/warnings" tests/tools/grade.sh --src $s/warns 99 >"$out/warnings-$run.txt" 2>&1
	if grep -q "1 compiler warning(s) in your code" "$out/warnings-$run.txt" &&
		grep -q "add.c:4:.*warning: unused variable" "$out/warnings-$run.txt" &&
		grep -q "^Score: 4/4, 1 compiler warning(s)" "$out/warnings-$run.txt" &&
		! grep -q "test_fixture.c.*warning" "$out/warnings-$run.txt"; then
		passed=$((passed + 1)); echo "  ok      warnings-$run (shown and counted)"
	else
		failed=$((failed + 1)); echo "  FAILED  warnings-$run: not shown or not counted (output: $out/warnings-$run.txt)"
	fi
done

# The harness's messages (tests/grader/tests/98-harness: every test fails on purpose).
OUT_ROOT="$out/harness" tests/tools/grade.sh --src $s/good 98 >"$out/harness.txt" 2>&1
hmsg() { awk -F'\t' -v n="$1" '$1 == n { print $5 }' "$out/harness/good/98-harness/results/summary.tsv" 2>/dev/null; }
harness_expect() { # test text
	if hmsg "$1" | grep -q -F -- "$2"; then
		passed=$((passed + 1)); echo "  ok      harness: $1"
	else
		failed=$((failed + 1)); echo "  FAILED  harness: $1 does not say '$2' (output: $out/harness.txt)"
	fi
}
harness_expect test_harness_escape 'expected "a\nb", got "a\nb\x01"'
harness_expect test_harness_minus_one 'expected 5, got -1'
if hmsg test_harness_minus_one | grep -q EPERM; then
	failed=$((failed + 1)); echo "  FAILED  harness: a -1 was called EPERM"
fi
harness_expect test_harness_errno 'expected -2 (-ENOENT: No such file or directory), got -38 (-ENOSYS: Function not implemented)'
harness_expect test_harness_enum 'expected TWO (2), got ONE (1)'
harness_expect test_harness_fails_with 'expected -1 with errno EACCES (Permission denied), got -1 with errno ENOENT'
harness_expect test_harness_timeout 'got no answer in time (timed out)'
harness_expect test_harness_sock_timeout 'connect: timed out (no answer in time)'
harness_expect test_harness_program 'it exited with status 3 its stderr ended with:   | first   | the reason'
harness_expect test_harness_background 'still running when the test failed its stderr ended with:   | bg reason'

# cmocka's environment must not change what the grader reads.
CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$out/cmocka.xml" expect cmocka-xml-env $s/good 0 4 PASS

# Stale results: a submission that passed and then stops compiling scores nothing.
tmp="$out/stale-src"
mkdir -p "$tmp/99-fixture"
cp $s/good/99-fixture/add.c "$tmp/99-fixture/add.c"
expect stale-before "$tmp" 0 4 PASS
sleep 1 # make sees the newer file
cp $s/nocompile/99-fixture/add.c "$tmp/99-fixture/add.c"
expect stale-after "$tmp" 1 0 BUILD

# A lesson is never linked with its own reference code: a submission of lesson 01 whose
# process.c lacks process_run() must fail to build, not borrow the reference's.
tmp="$out/missing-src"
mkdir -p "$tmp/01-process"
awk '/^int process_run\(/ { skip = 1 } !skip { print } skip && /^}/ { skip = 0 }' \
	lessons/01-process/process.c >"$tmp/01-process/process.c"
if grep -q "^int process_run(" "$tmp/01-process/process.c"; then
	failed=$((failed + 1)); echo "  FAILED  missing-function: could not remove process_run"
elif MANIFEST=tests/manifest TESTS_ROOT=tests OUT_ROOT="$out/missing" tests/tools/grade.sh \
	--src "$tmp" 01 >"$out/missing.txt" 2>&1; then
	failed=$((failed + 1)); echo "  FAILED  missing-function: scored full marks (output: $out/missing.txt)"
elif awk -F'\t' '$2 != "BUILD" { bad = 1 } END { exit !bad }' "$out/missing/missing-src/01-process/results/summary.tsv"; then
	failed=$((failed + 1)); echo "  FAILED  missing-function: a test did not score BUILD (output: $out/missing.txt)"
else
	passed=$((passed + 1)); echo "  ok      missing-function (links without borrowing the reference)"
fi

# Hints in levels, on lesson 01: the untouched starter gets nudges only; a real attempt at
# process_exit_code (a wrong one) gets that test's hint, while the still-unwritten process_run
# keeps its nudge.
MANIFEST=tests/manifest TESTS_ROOT=tests OUT_ROOT="$out/levels" tests/tools/grade.sh --src lessons 01 >"$out/levels-starter.txt" 2>&1
tmp="$out/attempt-src"
mkdir -p "$tmp/01-process"
sed '0,/return -ENOSYS;/s//return 0;/' lessons/01-process/process.c >"$tmp/01-process/process.c"
MANIFEST=tests/manifest TESTS_ROOT=tests OUT_ROOT="$out/levels" tests/tools/grade.sh --src "$tmp" 01 >"$out/levels-attempt.txt" 2>&1
level() { awk -F'\t' -v n="$2" '$1 == n { print $6 }' "$out/levels/$1/01-process/results/summary.tsv" 2>/dev/null; }
why=""
[ "$(awk -F'\t' '$6 != "nudge"' "$out/levels/lessons/01-process/results/summary.tsv" | wc -l)" = 0 ] || why+=" the starter got a hint;"
grep -q "hint:" "$out/levels-starter.txt" && why+=" the starter's output shows a hint;"
grep -q "read the TODO(01) in process_exit_code() (lessons/01-process/process.c:[0-9]*) and task 1" "$out/levels-starter.txt" || why+=" no nudge to process_exit_code's TODO and task 1;"
[ "$(level attempt-src test_process_exit_code_exited)" = hint ] || why+=" a wrong attempt got no hint;"
[ "$(level attempt-src test_process_run_returns_code)" = nudge ] || why+=" an unwritten function lost its nudge;"
if [ -z "$why" ]; then
	passed=$((passed + 1)); echo "  ok      hint-levels (nudges for unwritten code, hints for attempts)"
else
	failed=$((failed + 1)); echo "  FAILED  hint-levels:$why (output: $out/levels-*.txt)"
fi

# Machine-readable results: Gradescope's results.json and JUnit XML parse and say the same.
OUT_ROOT="$out/formats" RESULTS_JSON="$out/results.json" tests/tools/grade.sh --src $s/constant \
	--format gradescope,junit 99 >"$out/formats.txt" 2>&1
if python3 - "$out/results.json" "$out/formats/junit/99-fixture.xml" <<'PY'; then
import json, sys, xml.dom.minidom
r = json.load(open(sys.argv[1]))
assert set(r) >= {"score", "max_score", "tests"}, r.keys()
assert r["max_score"] == 4 and len(r["tests"]) == 3
for t in r["tests"]:
    assert set(t) >= {"name", "score", "max_score", "status", "output"}, t
    assert t["status"] in ("passed", "failed")
assert r["score"] == sum(t["score"] for t in r["tests"])
doc = xml.dom.minidom.parse(sys.argv[2])
cases = doc.getElementsByTagName("testcase")
assert len(cases) == 3
fails = sum(1 for c in cases if c.getElementsByTagName("failure"))
assert fails == sum(1 for t in r["tests"] if t["status"] == "failed")
PY
	passed=$((passed + 1)); echo "  ok      formats (results.json and JUnit XML)"
else
	failed=$((failed + 1)); echo "  FAILED  formats: see $out/formats.txt"
fi

# The mutant runner: tests/grader/tests/99-fixture/mutants/ holds one mutant of each kind,
# against the correct submission.
verdict() { # mutant -> its verdict and the test that killed it
	awk -F'\t' '{ print $1 " " $2 }' "$out/mutants/mutants/99-fixture/results/$1" 2>/dev/null
}
tree_sum() { find $s tests/grader/tests -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum; }
before=$(tree_sum)
SOLUTIONS_ROOT=$s/good OUT_ROOT="$out/mutants" tests/tools/mutants.sh --jobs 2 99 >"$out/mutants.txt" 2>&1
rc=$?
why=""
[ $rc = 1 ] || why+=" exit status $rc, expected 1;"
[ "$(verdict killed)" = "killed test_fixture_add_positive" ] || why+=" killed: $(verdict killed);"
[ "$(verdict survives)" = "SURVIVED -" ] || why+=" survives: $(verdict survives);"
[ "$(verdict equivalent)" = "equivalent -" ] || why+=" equivalent: $(verdict equivalent);"
for m in nocompile noapply outside; do
	[ "$(verdict $m)" = "INVALID -" ] || why+=" $m: $(verdict $m);"
done
grep -q "^99-fixture: 1/5 killed, 1 equivalent$" "$out/mutants.txt" || why+=" no score line '99-fixture: 1/5 killed, 1 equivalent';"
grep -q "addition of ints commutes" "$out/mutants.txt" || why+=" the equivalent mutant's reason is not listed;"
grep -q "its Kills: line names test_fixture_add_identity" "$out/mutants.txt" || why+=" no note that the Kills: test passed;"
[ "$(tree_sum)" = "$before" ] || why+=" a patch changed the real files;"
if [ -z "$why" ]; then
	passed=$((passed + 1)); echo "  ok      mutants (killed, survived, equivalent, invalid)"
else
	failed=$((failed + 1)); echo "  FAILED  mutants:$why (output: $out/mutants.txt)"
fi
# A lesson without mutants: a warning, or with --require a failure.
mkdir -p "$out/no-mutants/99-fixture"
if TESTS_ROOT="$out/no-mutants" SOLUTIONS_ROOT=$s/good OUT_ROOT="$out/mutants-none" tests/tools/mutants.sh 99 >"$out/mutants-none.txt" 2>&1 &&
	grep -q "warning: no mutants yet" "$out/mutants-none.txt" &&
	! TESTS_ROOT="$out/no-mutants" SOLUTIONS_ROOT=$s/good OUT_ROOT="$out/mutants-none" tests/tools/mutants.sh --require 99 >>"$out/mutants-none.txt" 2>&1; then
	passed=$((passed + 1)); echo "  ok      mutants-none (a warning, a failure with --require)"
else
	failed=$((failed + 1)); echo "  FAILED  mutants-none (output: $out/mutants-none.txt)"
fi

echo "grader self-test: $passed passed, $failed failed"
[ $failed = 0 ]
