#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# boot-test.sh NAME PLATFORM ESPDIR RESULTS TIMEOUT_S [OPTION | CHECK]...
#
# Boot ESPDIR on PLATFORM (scripts/run.sh), then judge the serial log:
# one "PASS: NAME/LABEL" or "FAIL: NAME/LABEL (...)" line per check, to the
# terminal and to RESULTS (overwritten).  The serial log and run files go
# next to ESPDIR (ESPDIR/../serial.log).  Checks:
#   LABEL=REGEX          some serial line matches the extended REGEX
#   --once LABEL=REGEX   exactly one serial line matches
#   --status N           the run ends with exactly one end line, status=N,
#                        and the runner's exit status is N
#   --qemu-rc N          QEMU's own exit code was N (isa-debug-exit)
# Serial lines are compared without CRs and terminal escapes.  On any
# failure the serial log's tail follows.  TV_STREAM=1 streams the boot.
# Exit status: 0 when every check passed, 1 otherwise.
set -euo pipefail
TV_NAME="boot-test"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -lt 5 ]]; then
	echo "usage: $0 NAME PLATFORM ESPDIR RESULTS TIMEOUT_S [--once] LABEL=REGEX... [--status N] [--qemu-rc N]" >&2
	exit 2
fi
name=$1 platform=$2 esp=$3 results=$4 timeout=$5
shift 5
esp=$(cd "$esp" && pwd)
log=$(dirname "$esp")/serial.log
run=${log%.log}.run
mkdir -p "$(dirname "$results")"
: >"$results"

rc=0
TV_STREAM=${TV_STREAM:-0} "$TV_SCRIPTS_DIR/run.sh" "$platform" "$esp" "$log" "$timeout" || rc=$?
clean=$(mktemp)
trap 'rm -f "$clean"' EXIT
tv_clean <"$log" >"$clean"

failed=0
report() {	# report OK LABEL [WHY]
	local line
	if (($1)); then
		line="PASS: $name/$2"
	else
		line="FAIL: $name/$2${3:+ ($3)}"
		failed=1
	fi
	echo "$line"
	echo "$line" >>"$results"
}

while (($#)); do
	case "$1" in
	--status)
		want=$2
		shift 2
		n=$(tv_count_end_lines "$clean")
		got=$(tv_end_status "$clean" || echo none)
		ok=0
		[[ $n == 1 && $got == "$want" && $rc == "$want" ]] && ok=1
		report "$ok" "end-status-$want" "$n end line(s), status=$got, runner exit $rc"
		;;
	--qemu-rc)
		want=$2
		shift 2
		got=$(cat "$run/qemu.rc" 2>/dev/null || echo none)
		ok=0
		[[ $got == "$want" ]] && ok=1
		report "$ok" "qemu-exit-$want" "QEMU exit code $got"
		;;
	--once)
		label=${2%%=*}
		re=${2#*=}
		shift 2
		n=$(grep -a -c -E -- "$re" "$clean" || true)
		ok=0
		((n == 1)) && ok=1
		report "$ok" "$label" "$n lines match '$re', expected exactly 1"
		;;
	*=*)
		label=${1%%=*}
		re=${1#*=}
		shift
		ok=0
		grep -a -q -E -- "$re" "$clean" && ok=1
		report "$ok" "$label" "no line matches '$re'"
		;;
	*)
		tv_die "bad check '$1'"
		;;
	esac
done

if ((failed)); then
	tv_tail "$log" 40
	exit 1
fi
exit 0
