#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# summary.sh LOG...: count the PASS:, FAIL: and SKIP: result lines of the
# given logs and print "N passed, M failed" (plus ", K skipped" when K > 0)
# as the last line.  A result line starts with the word, possibly after the
# serial header "[sec.usec] cpuN LVL " and up to two "name: " prefixes
# (a guest such as "G0: ", a subsystem).  Each FAIL line is repeated above
# the total.  A missing log counts as one failure (the step that should
# have written it did not run).  Exit status: 0 when M = 0, else 1.
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 LOG..." >&2
	exit 2
fi

pass=0
fail=0
skip=0
re='^(\[[^]]*\] +cpu[0-9]+ +[A-Z]+ +)?([A-Za-z0-9_.-]+: ){0,2}(PASS|FAIL|SKIP):'
for f in "$@"; do
	if [[ ! -r $f ]]; then
		echo "FAIL: $f: log missing"
		fail=$((fail + 1))
		continue
	fi
	# Drop the firmware's terminal escapes and CRs, keep result lines.
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		case "${BASH_REMATCH[3]}" in
		PASS) pass=$((pass + 1)) ;;
		FAIL) fail=$((fail + 1)); echo "$(basename "$f"): $line" ;;
		SKIP) skip=$((skip + 1)) ;;
		esac
	done < <(sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\r//g' "$f" | grep -a -E '(PASS|FAIL|SKIP):' || true)
done

msg="$pass passed, $fail failed"
((skip > 0)) && msg+=", $skip skipped"
echo "$msg"
((fail == 0))
