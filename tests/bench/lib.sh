# shellcheck shell=bash
# lib.sh: what the benchmark scripts share (bench.sh and images.sh source it): number
# formatting, the verdict on a target, the runc bundle, and the check that each program
# really runs /bin/true before it is timed. Needs OUT (the output folder) set.

# Microseconds (timeit's unit) as milliseconds with two decimals.
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# "target met" when OK is 1 (an awk comparison's result), else "target MISSED".
verdict() { awk -v ok="$1" 'BEGIN { print (ok ? "target met" : "target MISSED") }'; }

# An OCI bundle in BUNDLE (made afresh) for runc: `runc spec` writes a config.json with
# namespaces (pid, network, ipc, uts, mount, cgroup), masked paths and a capability set; the
# root becomes ROOTFS and the process /bin/true without a terminal. RESOURCES, when given, is
# the JSON of linux.resources (the same limits hako runs with).
runc_bundle() { # runc-path bundle rootfs [resources]
	local runc=$1 bundle=$2 rootfs=$3 resources=${4:-}
	rm -rf "$bundle"
	mkdir -p "$bundle"
	(cd "$bundle" && "$runc" spec)
	python3 - "$bundle/config.json" "$rootfs" "$resources" <<'PY'
import json, sys
path, rootfs, resources = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": False}
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
if resources:
    c["linux"]["resources"] = json.loads(resources)
json.dump(c, open(path, "w"), indent=1)
PY
}

# Run each program once before timing it: NAME_cmd is an array (empty: not installed,
# skipped), its output goes to $OUT/NAME$SUFFIX.out. One that fails stops the benchmark,
# since its times would measure an error.
check_runs_true() { # suffix name...
	local suffix=$1 name
	shift
	for name in "$@"; do
		local -n cmd_="${name}_cmd"
		if [ ${#cmd_[@]} -gt 0 ] && ! "${cmd_[@]}" >"$OUT/$name$suffix.out" 2>&1; then
			echo "bench: $name did not run /bin/true:" >&2
			cat "$OUT/$name$suffix.out" >&2
			exit 1
		fi
		unset -n cmd_
	done
}
