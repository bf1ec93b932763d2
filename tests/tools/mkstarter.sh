#!/usr/bin/env bash
# mkstarter.sh: generates a lesson's starter files from its solution.
#
#   tests/tools/mkstarter.sh solutions/01-process OUTDIR
#
# Every file of the solution folder except workbook.md is copied to OUTDIR with its solution
# regions removed:
#
#	/// TODO(01): what to do, and hints       <- kept (a comment in both)
#	/// BEGIN SOLUTION                         <- this line and everything up to
#	...the reference code...
#	/// END SOLUTION                           <- this one are dropped from the starter
#	/// STUB: return -ENOSYS;                  <- becomes `return -ENOSYS;` in the starter
#
# Markers nest nowhere; an unclosed region is an error. Runs of blank lines left where a
# region was removed are squeezed to one, as clang-format wants.
#
# OUTDIR/.starter.sha256 records each generated file's checksum: while a student's file still
# matches it, the grader knows the file is untouched and shows nudges, not hints.
set -eu
src=${1:?usage: mkstarter.sh SOLUTION_DIR OUTDIR}
dst=${2:?usage: mkstarter.sh SOLUTION_DIR OUTDIR}
mkdir -p "$dst"
sums=()
for f in "$src"/*; do
	[ -f "$f" ] || continue
	base=$(basename "$f")
	[ "$base" = workbook.md ] && continue
	awk -v file="$f" '
		/^[ \t]*\/\/\/ BEGIN SOLUTION[ \t]*$/ {
			if (inside) { print file ":" NR ": BEGIN SOLUTION inside a region" > "/dev/stderr"; exit 1 }
			inside = 1; next
		}
		/^[ \t]*\/\/\/ END SOLUTION[ \t]*$/ {
			if (!inside) { print file ":" NR ": END SOLUTION without BEGIN" > "/dev/stderr"; exit 1 }
			inside = 0; next
		}
		inside { next }
		/^[ \t]*\/\/\/ STUB: / { sub(/\/\/\/ STUB: /, ""); print; blank = 0; next }
		/^[ \t]*$/ { if (blank++) next; print; next }
		{ blank = 0; print }
		END { if (inside) { print file ": BEGIN SOLUTION is never closed" > "/dev/stderr"; exit 1 } }
	' "$f" >"$dst/$base"
	[ -x "$f" ] && chmod +x "$dst/$base"
	sums+=("$base")
done
(cd "$dst" && sha256sum -- "${sums[@]}") >"$dst/.starter.sha256"
exit 0
