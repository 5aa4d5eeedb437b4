#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# test-steps.sh BUILD MAKE STEP...
#
# make test's step runner: runs `MAKE --no-print-directory STEP` for each
# step, in order, whatever the earlier ones gave.  Before the first step it
# prints the expected total from the last complete run in this build folder
# (BUILD/test-times); each step starts with a line naming it (and its time
# last run) and ends with one giving its elapsed wall time; a step silent for
# a minute gets a "still running" line each minute, so a long Bochs boot is
# never mistaken for a hang.  A step that fails without writing a FAIL: line
# of its own gets one in BUILD/results/steps.log, so nothing fails silently.
# Exit status: 0 when every step succeeded, 1 otherwise.
set -u

if (($# < 3)); then
	echo "usage: $0 BUILD MAKE STEP..." >&2
	exit 2
fi
build=$1
make=$2
shift 2
times=$build/test-times
declare -A last=()

fmt_secs() {
	local s=$1
	if ((s >= 60)); then
		printf '%dm%02ds' $((s / 60)) $((s % 60))
	else
		printf '%ds' "$s"
	fi
}

if [[ -r $times ]]; then
	total=0
	while read -r step secs; do
		[[ $step && $secs =~ ^[0-9]+$ ]] || continue
		last[$step]=$secs
		total=$((total + secs))
	done <"$times"
	echo "make test: $# steps; the last complete run in $build took $(fmt_secs "$total")" \
		"($(date -r "$times" '+%Y-%m-%d %H:%M'); more when the host is busy)"
else
	echo "make test: $# steps; no earlier run in $build to time them by: expect 10-20 minutes" \
		"on a 2-core machine (docs/testing.md)"
fi

mkdir -p "$build/results"
rc=0
start_all=$SECONDS
new_times=$(mktemp)
trap 'rm -f "$new_times"' EXIT
for step in "$@"; do
	hint=""
	[[ -n ${last[$step]:-} ]] && hint=" (last time $(fmt_secs "${last[$step]}"))"
	echo "=== make $step$hint"
	t0=$SECONDS
	# A heartbeat for the steps that run an emulator for minutes.
	(
		while sleep 60 </dev/null >/dev/null 2>&1; do
			echo "... make $step still running ($(fmt_secs $((SECONDS - t0))))"
		done
	) &
	beat=$!
	if "$make" --no-print-directory "$step"; then
		verdict=ok
	else
		verdict=FAILED
		rc=1
		echo "FAIL: make/$step (the step failed; its output is above)" >>"$build/results/steps.log"
	fi
	kill "$beat" 2>/dev/null
	wait "$beat" 2>/dev/null
	secs=$((SECONDS - t0))
	echo "--- make $step: $verdict in $(fmt_secs "$secs")"
	echo "$step $secs" >>"$new_times"
done
echo "make test: all steps done in $(fmt_secs $((SECONDS - start_all)))"
cp "$new_times" "$times"
exit $rc
