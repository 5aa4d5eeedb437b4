#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# compare-verdicts.sh LABEL=RESULTS_LOG...
#
# Issue 5's acceptance: every timer selftest gives the same verdict natively
# and under tickvisor with each timer backend and APIC path.  Each argument
# names one run (a label and its results log: the guests' own PASS:/FAIL:/
# SKIP: lines, as scripts/run-guests-tickvisor.sh writes them).  A check is
# keyed by its guest name and its rule text up to the first " (" (measured
# values differ from run to run), at most "face: group: rule".
#
# Prints one PASS:/FAIL: line for the comparison: FAIL when a check passes
# in one run and fails in another (a guest that crashed is already a FAIL of
# its own run); checks skipped in some runs only (the platform's own LAPIC
# deviates, e.g. Bochs natively) are listed, not counted as differences.
set -euo pipefail

if [[ $# -lt 2 ]]; then
	echo "usage: $0 LABEL=RESULTS_LOG LABEL=RESULTS_LOG..." >&2
	exit 2
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for arg in "$@"; do
	label=${arg%%=*}
	log=${arg#*=}
	if [[ ! -r $log ]]; then
		echo "FAIL: verdicts/identical (no results file $log for $label)"
		exit 1
	fi
	# verdict<TAB>key<TAB>label
	sed -E -n 's/^(\[[^]]*\] cpu[0-9]+ [A-Z]+ +)?(G[0-9]+: )?([A-Za-z0-9_.-]+: )?(PASS|FAIL|SKIP): (.*)$/\4\t\3\5/p' "$log" |
		grep -v -E $'\t(guest/|fuzz/|layering)' |
		awk -F'\t' -v l="$label" '{
			# The rule: up to the measured values " (...)" and at most
			# "guest: face: group: rule", so that a SKIP line'"'"'s reason
			# (": Bochs keeps ...") does not make it another check.
			k = $2; i = index(k, " ("); if (i > 0) k = substr(k, 1, i - 1)
			n = split(k, part, ": "); if (n > 4) { k = part[1]; for (j = 2; j <= 4; j++) k = k ": " part[j] }
			print $1 "\t" k "\t" l }' >> "$tmp"
done

awk -F'\t' -v nruns=$# '
{
	key = $2; v = $1; run = $3
	seen[key, run] = (seen[key, run] == "" ? v : (seen[key, run] == v ? v : "MIXED"))
	keys[key] = 1; runs[run] = 1
}
END {
	diff = 0; skipdiff = 0
	for (k in keys) {
		p = 0; f = 0; s = 0; m = 0; miss = ""
		for (r in runs) {
			v = seen[k, r]
			if (v == "PASS") p++; else if (v == "FAIL") f++; else if (v == "SKIP") s++
			else if (v == "MIXED") m++; else miss = miss " " r
		}
		if (f > 0 || m > 0) {
			diff++
			printf "  differs: %s (pass %d, fail %d, skip %d, mixed %d)\n", k, p, f, s, m
		} else if (s > 0 && p > 0) {
			skipdiff++
			printf "  skipped in %d of %d runs (the platform deviates): %s\n", s, p + s, k
		}
	}
	n = 0; for (k in keys) n++
	if (diff)
		printf "FAIL: verdicts/identical (%d of %d checks differ across %d runs)\n", diff, n, nruns
	else
		printf "PASS: verdicts/identical (%d checks, no pass/fail difference across %d runs; %d skipped on some platform)\n", n, nruns, skipdiff
	exit diff ? 1 : 0
}' "$tmp"
