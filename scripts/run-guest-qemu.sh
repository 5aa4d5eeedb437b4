#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# Boot guest selftests natively on QEMU TCG with -kernel (Multiboot v1) and
# isa-debug-exit, and judge them by their exit status.
#
#   scripts/run-guest-qemu.sh [-a ARGS] [-i MODULE]... [-m MIB] [-t SECONDS]
#                             [-e CODE] [-l LOG] IMAGE.elf
#       one guest; prints its serial output from its START line, then
#       "RESULT: <name> PASS|FAIL|CRASH|TIMEOUT|ERROR (...)".
#   scripts/run-guest-qemu.sh --cfg tests/guests.cfg [--dir build/guests]
#                             [--group G] [NAME]...
#       every entry of the config (or the named ones / a group), then a
#       summary table.
#
# Exit status: 0 if every guest ended as expected, 1 otherwise, 2 on usage
# errors.
#
# QEMU's status: isa-debug-exit turns a guest write of C to port 0xf4 into
# process status (C << 1) | 1; 0 means QEMU stopped some other way (with
# -no-reboot a triple fault or reset ends it with 0); timeout(1) gives 124.
# The guests write 0 (all passed), 1 (failures), 2 (abort), 3 (unhandled
# exception): see tests/guest/lib/guest.h.
#
# Time: QEMU runs with -icount shift=0,sleep=off, so the guest's TSC, APIC
# timer and every other clock count executed instructions (one ns each) and a
# halted CPU skips straight to its next timer.  A guest's checks then see the
# same clock whatever else the host is doing: two runs are byte-identical, and
# no verdict depends on host load (without it, TCG's clocks follow host wall
# time, and a guest descheduled by a busy host sees timers "fire" between two
# reads).  It costs wall time (up to ~10x for timer-heavy guests), so the
# wall-clock timeout is the config's value times QEMU_TIMEOUT_SCALE (4).
# QEMU_ICOUNT=0 turns it off (then timing checks depend on host load).

set -u

QEMU=${QEMU:-qemu-system-x86_64}
QEMU_ICOUNT=${QEMU_ICOUNT:-1}
QEMU_TIMEOUT_SCALE=${QEMU_TIMEOUT_SCALE:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	sed -n '5,16p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

code_name() {
	case $1 in
	0) echo pass ;;
	1) echo "unexpected failures" ;;
	2) echo abort ;;
	3) echo "unhandled exception" ;;
	*) echo "code $1" ;;
	esac
}

# run_one NAME IMAGE ARGS MODULES(comma list) MEM TIMEOUT EXPECTED_CODE
# Sets RUN_RESULT, RUN_STATUS (QEMU's exit status) and RUN_SUMMARY; returns 0
# if the guest ended as expected.
run_one() {
	local name=$1 image=$2 args=$3 modules=$4 mem=$5 tmo=$6 expected=$7
	local log=${LOG_FILE:-} rc code summary
	local -a cmd

	RUN_STATUS="-"
	if [[ ! -f $image ]]; then
		RUN_RESULT="ERROR (no image $image)"
		RUN_SUMMARY="-"
		echo "RESULT: $name $RUN_RESULT"
		return 1
	fi
	[[ -n $log ]] || log=$(mktemp "${TMPDIR:-/tmp}/guest-$name.XXXXXX.log")
	: > "$log"
	cmd=("$QEMU" -machine q35 -cpu max -m "$mem" -nographic -no-reboot -net none
	     -monitor none -serial "file:$log"
	     -device isa-debug-exit,iobase=0xf4,iosize=0x04
	     -kernel "$image" -append "$args")
	[[ $QEMU_ICOUNT == 0 ]] || cmd+=(-icount shift=0,sleep=off)
	tmo=$((tmo * QEMU_TIMEOUT_SCALE))
	[[ -n $modules ]] && cmd+=(-initrd "$modules")

	echo "=== $name: ${cmd[*]}"
	timeout --foreground -k 5 "$tmo" "${cmd[@]}" < /dev/null > "$log.qemu" 2>&1
	rc=$?
	RUN_STATUS=$rc

	# The guest's output starts at its START line; firmware text before it
	# (SeaBIOS) is dropped.
	if grep -aq 'START: ' "$log"; then
		sed -n '/START: /,$p' "$log" | tr -d '\r' | sed 's/^.*\(START: \)/\1/'
	fi
	summary=$(grep -a '^SUMMARY: ' "$log" | tail -n 1)
	RUN_SUMMARY=${summary#SUMMARY: }
	[[ -n $RUN_SUMMARY ]] || RUN_SUMMARY="(no SUMMARY line)"

	if (( rc == 124 || rc == 137 )); then
		RUN_RESULT="TIMEOUT (after ${tmo}s; last serial lines follow)"
		echo "RESULT: $name $RUN_RESULT"
		tail -n 20 "$log" | tr -d '\r' | sed 's/^/  | /'
		[[ -n ${LOG_FILE:-} ]] || rm -f "$log" "$log.qemu"
		return 1
	fi
	if (( rc == 0 )); then
		RUN_RESULT="CRASH (QEMU status 0: reset or triple fault, no isa-debug-exit)"
	elif (( rc & 1 )); then
		code=$(( rc >> 1 ))
		if (( code == expected )); then
			# A guest that means to pass must also have said so.
			if (( expected == 0 )) && [[ -z $summary ]]; then
				RUN_RESULT="FAIL (status $rc, exit code $code, but no SUMMARY line)"
			else
				RUN_RESULT="PASS (status $rc, exit code $code: $(code_name "$code"))"
			fi
		else
			RUN_RESULT="FAIL (status $rc, exit code $code: $(code_name "$code"); expected $expected)"
		fi
	else
		RUN_RESULT="ERROR (QEMU status $rc: $(head -c 300 "$log.qemu" | tr '\n' ' '))"
	fi
	echo "RESULT: $name $RUN_RESULT"
	[[ -n ${LOG_FILE:-} ]] || rm -f "$log" "$log.qemu"
	[[ $RUN_RESULT == PASS* ]]
}

# --- one image -------------------------------------------------------------
run_single() {
	local args="" modules="" mem=128 tmo=30 expected=0 image name opt
	OPTIND=1
	while getopts "a:i:m:t:e:l:h" opt; do
		case $opt in
		a) args=$OPTARG ;;
		i) modules=${modules:+$modules,}$OPTARG ;;
		m) mem=$OPTARG ;;
		t) tmo=$OPTARG ;;
		e) expected=$OPTARG ;;
		l) LOG_FILE=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	(( $# == 1 )) || usage
	image=$1
	name=$(basename "$image" .elf)
	run_one "$name" "$image" "$args" "$modules" "$mem" "$tmo" "$expected"
}

# --- a tests/guests.cfg ----------------------------------------------------
declare -a CFG_NAMES=()
declare -A CFG=()

# Reads the kvm-unit-tests style config into CFG_NAMES / CFG[name.key].
parse_cfg() {
	local file=$1 line section="" key val lineno=0
	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		line=${line%%#*}
		line=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<< "$line")
		[[ -z $line ]] && continue
		if [[ $line =~ ^\[([A-Za-z0-9_.-]+)\]$ ]]; then
			section=${BASH_REMATCH[1]}
			CFG_NAMES+=("$section")
			continue
		fi
		if [[ -z $section || ! $line =~ ^([a-z_]+)[[:space:]]*=[[:space:]]*(.*)$ ]]; then
			echo "$file:$lineno: cannot parse: $line" >&2
			exit 2
		fi
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[2]}
		val=${val#\"}
		val=${val%\"}
		case $key in
		guest|args|mem|timeout|groups|exit|expect) CFG[$section.$key]=$val ;;
		module) CFG[$section.module]=${CFG[$section.module]:+${CFG[$section.module]},}$val ;;
		*) echo "$file:$lineno: unknown key '$key'" >&2; exit 2 ;;
		esac
	done < "$file"
}

run_cfg() {
	local cfg="" dir="$ROOT/build/guests" group="" name image modules mod i rc_all=0
	local -a only=() names=() results=() statuses=() summaries=() mods=()
	while (( $# )); do
		case $1 in
		--cfg) cfg=$2; shift 2 ;;
		--dir) dir=$2; shift 2 ;;
		--group) group=$2; shift 2 ;;
		-*) usage ;;
		*) only+=("$1"); shift ;;
		esac
	done
	[[ -f $cfg ]] || { echo "no config '$cfg'" >&2; exit 2; }
	parse_cfg "$cfg"

	for name in "${CFG_NAMES[@]}"; do
		if (( ${#only[@]} )) && [[ " ${only[*]} " != *" $name "* ]]; then
			continue
		fi
		if [[ -n $group && " ${CFG[$name.groups]:-} " != *" $group "* ]]; then
			continue
		fi
		image=${CFG[$name.guest]:-$name.elf}
		[[ $image == /* ]] || image=$dir/$image
		modules=""
		IFS=, read -ra mods <<< "${CFG[$name.module]:-}"
		for mod in "${mods[@]}"; do
			[[ $mod == /* ]] || mod=$ROOT/$mod
			modules=${modules:+$modules,}$mod
		done
		# expect=refused tests tickvisor's Multiboot loader; QEMU's
		# -kernel loader is another program: not run here, and said so.
		if [[ ${CFG[$name.expect]:-pass} == refused ]]; then
			echo "SKIP: $name: expect=refused tests tickvisor's loader, not QEMU's -kernel"
			echo
			continue
		fi
		# Natively there is no hypervisor to stop a guest: expect=stopped
		# guests run to their end here and must exit with exit=.
		run_one "$name" "$image" "${CFG[$name.args]:-}" "$modules" \
			"${CFG[$name.mem]:-64}" "${CFG[$name.timeout]:-30}" "${CFG[$name.exit]:-0}" ||
			rc_all=1
		names+=("$name")
		results+=("${RUN_RESULT%% *}")
		statuses+=("$RUN_STATUS")
		summaries+=("$RUN_SUMMARY")
		echo
	done

	echo "=== guests natively on QEMU TCG ($(basename "$cfg"))"
	printf '%-16s %-8s %-7s %s\n' guest result status summary
	for i in "${!names[@]}"; do
		printf '%-16s %-8s %-7s %s\n' "${names[$i]}" "${results[$i]}" "${statuses[$i]}" \
			"${summaries[$i]}"
	done
	(( ${#names[@]} )) || { echo "no guest selected"; rc_all=1; }
	return $rc_all
}

if [[ ${1:-} == --cfg ]]; then
	run_cfg "$@"
else
	run_single "$@"
fi
