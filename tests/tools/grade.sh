#!/usr/bin/env bash
# grade.sh: builds and grades lessons listed in the manifest, one test per process.
#
#   tests/tools/grade.sh [options] LESSON...     LESSON: 1, 01, 01-process or "all"
#
# Options:
#   --src DIR        where the lesson files come from: lessons (default), solutions, or any
#                    folder laid out the same way
#   --format F       text (default), gradescope (also writes results.json) or junit (also
#                    writes build/junit/NN-slug.xml); gradescope and junit may be combined: F=gradescope,junit
#   --table          print one line per lesson (make grade) instead of one per test
#   --progress       print a progress bar per lesson (make progress)
#   --summary-line   end with "grade: N passed, N failed, N skipped, N compiler warning(s)"
#   --first TEST     run TEST before the lesson's other tests (the mutant runner runs the test
#                    a mutant names in its Kills: line first)
#   --first-fail     stop grading a lesson at its first test that neither passes nor skips
#
# Environment: MANIFEST (default tests/manifest), TESTS_ROOT (default tests: the folder holding
# NN-slug/ test folders), TIMEOUT_SCALE (default 1), SEED (random inputs; default a fresh one,
# printed), SAN=1, WERROR=1, NO_COLOR, BUILD_JOBS (parallel compiles; default nproc),
# OUT_ROOT (default build), COMMON_OUT (the shared code's objects; default OUT_ROOT/common,
# -san and -werror variants), REF_OUT (where the reference
# archives are built; default OUT_ROOT/ref, or OUT_ROOT/ref-san with SAN=1), RESULTS_JSON
# (default results.json).
#
# Exit status: 0 when every graded lesson has full marks, 1 otherwise, 2 on a usage error.
# Each lesson's results are also written as TSV to OUT/results/summary.tsv:
#   name, status, points, max, message (one line), and for a failure which help was shown:
#   "nudge" (its code is not written yet: the TODO and README task to read) or "hint"
set -u

src=lessons
format=text
mode=tests
summary_line=0
first_test=""
first_fail=0
manifest=${MANIFEST:-tests/manifest}
scale=${TIMEOUT_SCALE:-1}
out_root=${OUT_ROOT:-build}
tests_root=${TESTS_ROOT:-tests}
# The grader reads cmocka's plain output: never let the environment switch it to XML or TAP.
unset CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE CMOCKA_TEST_ABORT
lessons=()

die() {
	echo "grade: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--src) src=${2:?}; shift 2 ;;
	--format) format=${2:?}; shift 2 ;;
	--table) mode=table; shift ;;
	--progress) mode=progress; shift ;;
	--summary-line) summary_line=1; shift ;;
	--first) first_test=${2:?}; shift 2 ;;
	--first-fail) first_fail=1; shift ;;
	-h | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) lessons+=("$1"); shift ;;
	esac
done
[ -f "$manifest" ] || die "no manifest at $manifest"
[ -d "$src" ] || die "no folder $src (in a handout, solutions/ is not included)"
case "$scale" in '' | *[!0-9.]*) die "TIMEOUT_SCALE must be a number, not '$scale'" ;; esac
[ ${#lessons[@]} -gt 0 ] || die "which lesson? e.g. grade.sh 01"

# ---- colours only for a terminal, and never with NO_COLOR ----
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	c_pass=$'\e[32m' c_fail=$'\e[31m' c_skip=$'\e[33m' c_dim=$'\e[2m' c_bold=$'\e[1m' c_off=$'\e[0m'
else
	c_pass='' c_fail='' c_skip='' c_dim='' c_bold='' c_off=''
fi

# ---- the manifest ----
all_slugs() { awk '$1 == "lesson" { print $2 }' "$manifest"; }

resolve() { # 1 | 01 | 01-process -> 01-process
	local want=$1 s
	case "$want" in
	[0-9]) want=0$want ;;
	esac
	for s in $(all_slugs); do
		if [ "$s" = "$want" ] || [ "${s%%-*}" = "$want" ]; then
			echo "$s"
			return 0
		fi
	done
	return 1
}

lesson_field() { # slug key -> value of key=value on the lesson line
	awk -v s="$1" -v k="$2" '$1 == "lesson" && $2 == s {
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
	}' "$manifest"
}

lesson_tests() { # slug -> "name<TAB>points<TAB>hint" lines
	awk -v s="$1" '
		$1 == "lesson" { on = ($2 == s); next }
		on && $1 == "test" {
			hint = $0; sub(/^[ \t]*test[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", hint)
			print $2 "\t" $3 "\t" hint
		}' "$manifest" | awk -F'\t' -v first="$first_test" '
		$1 == first { print; next } { rest[++n] = $0 } END { for (i = 1; i <= n; i++) print rest[i] }'
}

task_for() { # slug test -> "N<TAB>FILE<TAB>FUNCTION" of the first task line naming the test
	awk -v s="$1" -v t="$2" '
		$1 == "lesson" { on = ($2 == s); next }
		on && $1 == "task" {
			for (i = 4; i <= NF; i++) {
				re = $i; gsub(/[][.+?(){}|^$\\]/, "\\\\&", re); gsub(/\*/, ".*", re)
				if (t ~ ("^" re "$")) { split($3, f, ":"); print $2 "\t" f[1] "\t" f[2]; exit }
			}
		}' "$manifest"
}

todo_line() { # file function -> line number of the first TODO( after the function begins
	awk -v fn="$2" '
		!found && /^[a-zA-Z]/ && !/;[ \t]*$/ && match($0, "(^|[^a-zA-Z0-9_])" fn "\\(") { found = 1 }
		found && /TODO\(/ { print NR; exit }' "$1" 2>/dev/null
}

# Is lessons/SLUG/FILE as the starter handed it out? (mkstarter.sh records checksums.)
untouched() { # slug file
	local sums=lessons/$1/.starter.sha256 want
	[ -f "$sums" ] && [ -f "$src/$1/$2" ] || return 1
	want=$(awk -v f="$2" '$2 == f { print $1 }' "$sums")
	[ -n "$want" ] && [ "$(sha256sum <"$src/$1/$2" | cut -d' ' -f1)" = "$want" ]
}

# A test's code counts as not written yet while its task's file is untouched, or when the
# failure says so (a -ENOSYS, "not implemented yet").
unwritten() { # slug test msg
	local task file fn f
	printf '%s\n' "$3" | grep -q -E -- "-ENOSYS|Function not implemented|not implemented yet|not written yet|(returned|got) -38\b" && return 0
	IFS=$'\t' read -r task file fn < <(task_for "$1" "$2")
	if [ -n "$file" ]; then
		untouched "$1" "$file"
		return
	fi
	for f in ${edit//,/ }; do untouched "$1" "$f" || return 1; done
	[ -n "$edit" ]
}

# The nudge for a test whose code is not written yet: where to read, not what to write.
nudge() { # slug test
	local slug=$1 nn=${1%%-*} task file fn line where
	IFS=$'\t' read -r task file fn < <(task_for "$slug" "$2")
	if [ -z "$task" ]; then
		echo "not written yet: read the TODO($nn) comments in $src/$slug/ and the tasks in lessons/$slug/README.md"
		return
	fi
	line=$(todo_line "$src/$slug/$file" "$fn")
	where="$src/$slug/$file${line:+:$line}"
	echo "not written yet: read the TODO($nn) in $fn() ($where) and task $task in lessons/$slug/README.md"
}

if [ "${lessons[0]}" = all ]; then
	mapfile -t lessons < <(all_slugs)
else
	resolved=()
	for l in "${lessons[@]}"; do
		s=$(resolve "$l") || die "no lesson '$l' in this copy of the course (lessons here: $(all_slugs | tr '\n' ' ' | sed 's/ $//'); the README's table marks the ones still planned)"
		resolved+=("$s")
	done
	lessons=("${resolved[@]}")
fi

# ---- escaping for the machine-readable formats ----
json_str() { # stdin -> a JSON string literal
	LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/\r//g' \
		-e 's/[[:cntrl:]]/?/g' | awk 'BEGIN { ORS = "" ; print "\"" } NR > 1 { print "\\n" } { print } END { print "\"" }'
}
xml_esc() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' | LC_ALL=C tr -d '\000-\010\013\014\016-\037'; }

seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# Compile in parallel (BUILD_JOBS, default: the number of CPUs); tests still run one at a time.
build_jobs=${BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}
san_suffix=${SAN:+-san}
src_name=$(basename "$src")

# Build the reference archives once (in a handout they ship prebuilt).
ref_dir=""
if [ -d solutions ]; then
	ref_out=${REF_OUT:-$out_root/ref$san_suffix}
	mkdir -p "$ref_out"
	exec {ref_lock}>"$ref_out/.lock"
	command -v flock >/dev/null && flock "$ref_lock"
	if ! make -s -j"$build_jobs" -f tests/tools/ref.mk OUT="$ref_out" SAN="${SAN:-}" WERROR="${WERROR:-}" >"$ref_out/build.log" 2>&1; then
		cat "$ref_out/build.log" >&2
		die "the reference library did not build (log: $ref_out/build.log)"
	fi
	exec {ref_lock}>&-
	ref_dir="$ref_out"
else
	ref_dir="lessons/common/prebuilt"
fi

results_json=${RESULTS_JSON:-results.json}
[[ ",$format," == *,gradescope,* ]] && rm -f "$results_json"
total=0 total_max=0 n_pass=0 n_fail=0 n_skip=0 all_warn=0
all_full=1
json_tests=()
[ "$mode" = table ] && printf '%s%-28s %7s  %s%s\n' "$c_bold" "lesson" "score" "result" "$c_off"

grade_lesson() {
	local slug=$1 nn=${1%%-*}
	local out="$out_root/$src_name$san_suffix/$slug"
	local res="$out/results"
	local timeout edit t_scaled score=0 max=0 log
	timeout=$(lesson_field "$slug" timeout)
	edit=$(lesson_field "$slug" edit)
	timeout=${timeout:-10}
	t_scaled=$(awk -v t="$timeout" -v s="$scale" 'BEGIN { printf "%d", t * s + 0.999 }')

	# Two runs of one lesson at once would relink each other's programs: the second waits.
	mkdir -p "$out"
	exec {lock_fd}>"$out/.lock"
	if command -v flock >/dev/null && ! flock -n "$lock_fd"; then
		echo "grade: another run is grading $slug from $src; waiting for it" >&2
		flock "$lock_fd"
	fi

	rm -rf "$res"
	mkdir -p "$res"
	: >"$res/summary.tsv"

	# The shared code and the harness are compiled once for every lesson built with the same
	# flags (COMMON_OUT), under a lock: two grade.sh runs at once take turns to build.
	local built=1 common_out=${COMMON_OUT:-$out_root/common$san_suffix${WERROR:+-werror}}
	mkdir -p "$common_out"
	exec {common_fd}>"$common_out/.lock"
	command -v flock >/dev/null && flock "$common_fd"
	if ! make -s -j"$build_jobs" -f tests/tools/lesson.mk LESSON="$slug" SRC="$src" OUT="$out" REF_DIR="$ref_dir" TESTS_DIR="$tests_root/$slug" \
		COMMON_OUT="$common_out" SAN="${SAN:-}" WERROR="${WERROR:-}" >"$res/build.log" 2>&1; then
		built=0
	fi
	exec {common_fd}>&-

	# The compiler's warnings about the lesson's own files (lesson.mk keeps them beside each
	# object, so they show on every run): often the quickest pointer to a bug.
	cat "$out"/obj/lesson/*.warn >"$res/warnings.txt" 2>/dev/null
	local n_warn
	n_warn=$(grep -c ': warning: ' "$res/warnings.txt")
	all_warn=$((all_warn + n_warn))

	if [ "$mode" = tests ]; then
		printf '%s%s%s (%s)\n' "$c_bold" "lesson $slug" "$c_off" "$src/$slug"
		if [ "$n_warn" -gt 0 ]; then
			printf '  %s%d compiler warning(s) in your code%s (each one is worth reading: they often name the bug):\n' "$c_skip" "$n_warn" "$c_off"
			head -n 40 "$res/warnings.txt" | sed 's/^/    /'
			[ "$(wc -l <"$res/warnings.txt")" -le 40 ] || printf '    %s... all of them: %s%s\n' "$c_dim" "$res/warnings.txt" "$c_off"
		fi
		if [ $built = 0 ]; then
			printf '  %syour code did not compile%s (every test scores 0); the first errors:\n' "$c_fail" "$c_off"
			grep -a -m 12 -E "error|undefined reference|No rule" "$res/build.log" | sed 's/^/    /'
			printf '  %sfull compiler output: %s%s\n' "$c_dim" "$res/build.log" "$c_off"
		fi
	fi
	local name points hint status msg ms
	while IFS=$'\t' read -r name points hint; do
		max=$((max + points))
		log="$res/$name.log"
		msg=""
		if [ $built = 0 ]; then
			status=BUILD
			msg="did not compile: see $res/build.log"
			cp "$res/build.log" "$log"
		else
			local token rc t0 t1 line
			token=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
			# Each test gets a temporary folder of its own (TMPDIR, where hako_tmpdir() makes
			# its folders), removed after the test however it ended: a test that crashed or
			# timed out never ran its own clean-up. --one-file-system: never into a mount
			# the code under test may have left there.
			local test_tmp
			test_tmp=$(mktemp -d "${TMPDIR:-/tmp}/hako-grade-XXXXXX")
			chmod 1777 "$test_tmp" # as /tmp: rootless tests' programs run as other users
			t0=$(date +%s%N)
			TMPDIR=$test_tmp HAKO_TOKEN=$token HAKO_SEED=$seed HAKO_OUT=$out HAKO_LESSON=$slug \
				HAKO_SRC_DIR="$src/$slug" timeout -k 2 "$t_scaled" "$out/tests" --run "$name" \
				</dev/null >"$log" 2>&1
			rc=$?
			t1=$(date +%s%N)
			rm -rf --one-file-system "$test_tmp" 2>/dev/null
			ms=$(((t1 - t0) / 1000000))
			printf '%s\t%s\n' "$name" "$ms" >>"$res/times.tsv"
			line=$(grep -a "^HAKO-RESULT $token " "$log" | tail -n 1)
			status=${line##* }
			if [ -z "$line" ]; then
				if [ $rc = 124 ] || { [ $rc = 137 ] && [ $(((t1 - t0) / 1000000)) -ge $((t_scaled * 1000)) ]; }; then
					status=TIMEOUT
					msg="still running after ${t_scaled}s (a hang, or a deadlock: TIMEOUT_SCALE=3 gives it longer)"
				elif [ $rc -gt 128 ]; then
					status=CRASH
					msg="killed by signal $((rc - 128)) (SIG$(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
				elif grep -q "no test named" "$log"; then
					status=NORUN
					msg="did not run: the test binary has no test named $name"
				else
					status=NORUN
					msg="did not report a result (the process exited with status $rc before the test finished; did the code call exit()?)"
				fi
			elif [ "$status" = FAIL ] && grep -q "Test failed with exception" "$log"; then
				status=CRASH
				msg=$(grep -a -m1 -o "Test failed with exception: .*" "$log")
			elif [ "$status" = FAIL ]; then
				msg=$(awk '/^ERROR: / { on = 1; sub(/^ERROR: /, "") } /\[   LINE   \]|\[  FAILED  \]|\[  ERROR   \]|^HAKO-RESULT/ { on = 0 } on' "$log" | head -n 6)
				[ -n "$msg" ] || msg=$(grep -a "error" "$log" | head -n 3)
				# How the last program the test ran ended, and its stderr's last lines.
				local prog
				prog=$(grep -a '^PROGRAM: ' "$log" | sed 's/^PROGRAM: //' | head -n 12)
				[ -z "$prog" ] || msg+=$'\n'$prog
			elif [ "$status" = SKIP ]; then
				msg=$(grep -a -m1 "^SKIP: " "$log" | sed 's/^SKIP: //')
			fi
		fi
		# Hints in levels: code still unwritten gets a pointer, a real attempt the hint.
		local shown_hint=$hint level=""
		if [ "$status" != PASS ] && [ "$status" != SKIP ] && [ "$status" != BUILD ]; then
			level=hint
			if unwritten "$slug" "$name" "$msg"; then
				shown_hint="$(nudge "$slug" "$name")"
				level=nudge
			fi
		fi
		local got=0
		case "$status" in
		PASS) got=$points; n_pass=$((n_pass + 1)) ;;
		SKIP) n_skip=$((n_skip + 1)) ;;
		*) n_fail=$((n_fail + 1)) ;;
		esac
		score=$((score + got))
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$got" "$points" "$(echo "$msg" | tr '\n\t' '  ')" "$level" >>"$res/summary.tsv"

		if [ "$mode" = tests ]; then
			local col=$c_fail
			case "$status" in PASS) col=$c_pass ;; SKIP) col=$c_skip ;; esac
			printf '  %s%-7s%s %2s/%-2s %s\n' "$col" "$status" "$c_off" "$got" "$points" "$name"
			if [ "$status" != PASS ] && [ "$status" != BUILD ]; then
				[ -n "$msg" ] && echo "$msg" | sed "s/^/            /"
				if [ "$status" != SKIP ]; then
					if [ "$shown_hint" != "$hint" ]; then
						printf '            %s%s%s\n' "$c_bold" "$shown_hint" "$c_off"
					elif [ -n "$hint" ]; then
						printf '            %shint:%s %s\n' "$c_bold" "$c_off" "$hint"
					fi
					printf '            %sfull output: %s%s\n' "$c_dim" "$log" "$c_off"
				fi
			fi
		fi
		local gs=failed
		[ "$status" = PASS ] && gs=passed
		json_tests+=("{\"name\": $(printf '%s: %s' "$slug" "$name" | json_str), \"score\": $got, \"max_score\": $points, \"status\": \"$gs\", \"output\": $( (printf '%s\n' "$status${msg:+: $msg}"; [ "$status" != PASS ] && [ "$status" != SKIP ] && [ -n "$shown_hint" ] && printf '%s%s\n' "$([ "$shown_hint" = "$hint" ] && echo 'hint: ')" "$shown_hint"; [ "$status" != PASS ] && tail -n 30 "$log") | json_str)}")
		{
			printf '  <testcase classname="%s" name="%s" time="%d.%03d">\n' "$slug" "$name" $((${ms:-0} / 1000)) $((${ms:-0} % 1000))
			case "$status" in
			PASS) ;;
			SKIP) printf '    <skipped message="%s"/>\n' "$(echo "$msg" | xml_esc)" ;;
			*) printf '    <failure message="%s" type="%s">%s</failure>\n' "$(echo "$msg" | xml_esc)" "$status" "$(tail -n 30 "$log" | xml_esc)" ;;
			esac
			printf '  </testcase>\n'
		} >>"$res/junit.part"
		if [ $first_fail = 1 ] && [ "$status" != PASS ] && [ "$status" != SKIP ]; then
			break
		fi
	done < <(lesson_tests "$slug")

	total=$((total + score))
	total_max=$((total_max + max))
	[ $score = $max ] || all_full=0

	if [[ ",$format," == *,junit,* ]]; then
		mkdir -p "$out_root/junit"
		local nt nf ns
		nt=$(wc -l <"$res/summary.tsv")
		nf=$(awk -F'\t' '$2 != "PASS" && $2 != "SKIP"' "$res/summary.tsv" | wc -l)
		ns=$(awk -F'\t' '$2 == "SKIP"' "$res/summary.tsv" | wc -l)
		{
			echo '<?xml version="1.0" encoding="UTF-8"?>'
			printf '<testsuites>\n<testsuite name="%s" tests="%s" failures="%s" errors="0" skipped="%s">\n' "$slug" "$nt" "$nf" "$ns"
			cat "$res/junit.part" 2>/dev/null
			printf '</testsuite>\n</testsuites>\n'
		} >"$out_root/junit/$slug.xml"
	fi

	case "$mode" in
	tests)
		local col=$c_fail
		[ $score = $max ] && col=$c_pass
		printf '%sScore: %s/%s%s%s  (seed %s: SEED=%s reproduces these inputs)\n' "$col" "$score" "$max" "$c_off" \
			"$([ "$n_warn" -gt 0 ] && echo ", $n_warn compiler warning(s) (above)")" "$seed" "$seed"
		local l_fail l_skip
		l_fail=$(awk -F'\t' '$2 != "PASS" && $2 != "SKIP"' "$res/summary.tsv" | wc -l)
		l_skip=$(awk -F'\t' '$2 == "SKIP"' "$res/summary.tsv" | wc -l)
		if [ "$l_fail" -gt 0 ] && [ "$src" = lessons ]; then
			local files="" f
			for f in ${edit//,/ }; do files+="${files:+, }lessons/$slug/$f"; done
			echo "Edit $files and run \`make lesson-$nn\` again."
		fi
		if [ "$l_skip" -gt 0 ]; then
			echo "$l_skip test(s) skipped, and a skipped test scores 0: the reasons above say what they need."
		fi
		echo
		;;
	table)
		local col=$c_fail
		[ $score = $max ] && col=$c_pass
		printf '%-28s %s%3s/%-3s%s  %s\n' "$slug" "$col" "$score" "$max" "$c_off" \
			"$(awk -F'\t' '{ c[$2]++ } END { for (s in c) printf "%s %d  ", s, c[s] }' "$res/summary.tsv")$([ "$n_warn" -gt 0 ] && echo "warnings $n_warn")"
		;;
	progress) print_progress "$slug" "$score" "$max" "" ;;
	esac
	exec {lock_fd}>&-
}

print_progress() { # slug score max note
	local width=30 filled bar col=$c_fail
	filled=$(($3 > 0 ? $2 * width / $3 : 0))
	bar=$(printf '%*s' "$filled" '' | tr ' ' '#')$(printf '%*s' $((width - filled)) '' | tr ' ' '.')
	[ "$2" = "$3" ] && col=$c_pass
	printf '%-28s %s[%s]%s %3s/%-3s %s%s\n' "$1" "$col" "$bar" "$c_off" "$2" "$3" \
		"$([ "$2" = "$3" ] && echo 'done ')" "$4"
}

# make progress re-grades only the lessons whose files changed since their last grading.
up_to_date() { # slug
	local sum="$out_root/$src_name$san_suffix/$1/results/summary.tsv"
	[ -s "$sum" ] && [ -z "$(find "$src/$1" lessons/common "$tests_root/$1" "$manifest" -newer "$sum" -print -quit 2>/dev/null)" ]
}

for slug in "${lessons[@]}"; do
	if [ "$mode" = progress ] && up_to_date "$slug"; then
		sum="$out_root/$src_name$san_suffix/$slug/results/summary.tsv"
		score=$(awk -F'\t' '{ s += $3 } END { print s + 0 }' "$sum")
		max=$(awk -F'\t' '{ s += $4 } END { print s + 0 }' "$sum")
		total=$((total + score))
		total_max=$((total_max + max))
		[ "$score" = "$max" ] || all_full=0
		print_progress "$slug" "$score" "$max" "$c_dim(unchanged since its last grading)$c_off"
		continue
	fi
	grade_lesson "$slug"
done

if [ "$mode" != tests ] && [ ${#lessons[@]} -gt 1 ]; then
	printf '%s%-28s %3s/%-3s%s\n' "$c_bold" "total" "$total" "$total_max" "$c_off"
	if [ "$mode" = progress ]; then
		done_n=0
		for slug in "${lessons[@]}"; do
			awk -F'\t' '$3 != $4 { bad = 1 } END { exit bad }' "$out_root/$src_name$san_suffix/$slug/results/summary.tsv" && done_n=$((done_n + 1))
		done
		echo "Lessons complete: $done_n of ${#lessons[@]}"
	fi
fi

if [[ ",$format," == *,gradescope,* ]]; then
	{
		printf '{\n  "score": %s,\n  "max_score": %s,\n  "visibility": "visible",\n  "tests": [\n' "$total" "$total_max"
		for i in "${!json_tests[@]}"; do
			printf '    %s%s\n' "${json_tests[$i]}" "$([ "$i" -lt $((${#json_tests[@]} - 1)) ] && echo ,)"
		done
		printf '  ]\n}\n'
	} >"$results_json"
	echo "wrote $results_json (Gradescope format): $total/$total_max"
fi
if [[ ",$format," == *,junit,* ]]; then
	echo "wrote JUnit XML to $out_root/junit/"
fi
# Under sudo, give the build folder back to the student so a later `make` without sudo works.
if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ]; then
	chown -R "$SUDO_USER": "$out_root" 2>/dev/null || true
	[ -f "${results_json}" ] && chown "$SUDO_USER": "$results_json" 2>/dev/null
fi
[ $summary_line = 1 ] && echo "grade: $n_pass passed, $n_fail failed, $n_skip skipped, $all_warn compiler warning(s)"
[ $all_full = 1 ]
