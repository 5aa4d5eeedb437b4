#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# run-bochs.sh ESPDIR SERIAL_LOG [TIMEOUT_S] [BOCHSRC_LINE...]
#
# Boot ESPDIR (EFI/BOOT/BOOTX64.EFI and its config) in Bochs with OVMF and
# stream COM1 to the terminal.  Extra arguments are appended to the
# generated bochsrc as lines (e.g. "port_e9_hack: enabled=1").
#
# Environment: BOCHS_MEGS (512), BOCHS_CPU (tigerlake), BOCHS_CPUS (1),
# BOCHS (the bochs command), OVMF_FD (combined OVMF image), TV_STREAM=0
# (do not stream), TV_END_GRACE (5 s).
#
# Exit status: N from the serial log's final ` end: status=N (` line
# (0 = ok; Bochs's own exit code is always 1 and means nothing), 124 on
# timeout, 125 when Bochs exited without an end line (crash, triple fault),
# 1 when it could not start.  Run files (bochsrc, Bochs log) go to
# SERIAL_LOG minus .log plus .run/.
set -euo pipefail
TV_NAME="run-bochs"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -lt 2 ]]; then
	echo "usage: $0 ESPDIR SERIAL_LOG [TIMEOUT_S] [BOCHSRC_LINE...]" >&2
	exit 2
fi
esp=$1
log=$2
timeout=${3:-300}
shift $(( $# < 3 ? $# : 3 ))
[[ $timeout =~ ^[0-9]+$ ]] || tv_die "TIMEOUT_S must be a number of seconds, not '$timeout'"

bochs=${BOCHS:-bochs}
command -v "$bochs" >/dev/null 2>&1 || tv_die "Bochs not installed ($bochs not found): run scripts/deps.sh bochs"
ovmf=${OVMF_FD:-/usr/share/ovmf/OVMF.fd}
[[ -r $ovmf ]] || tv_die "OVMF firmware $ovmf not found (Bochs needs the combined OVMF.fd): run scripts/deps.sh bochs"
vgabios=/usr/share/bochs/VGABIOS-lgpl-latest
[[ -r $vgabios ]] || vgabios=/usr/share/vgabios/vgabios.bin
[[ -r $vgabios ]] || tv_die "VGA BIOS not found (/usr/share/bochs/VGABIOS-lgpl-latest): run scripts/deps.sh bochs"
[[ -f $esp/EFI/BOOT/BOOTX64.EFI ]] || tv_die "$esp/EFI/BOOT/BOOTX64.EFI missing"

mkdir -p "$(dirname "$log")"
log=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
run=${log%.log}.run
mkdir -p "$run"
disk=$run/disk.img
: >"$log"
rm -f "$run/bochs.log" "$run/bochs.out"

bochs_pid=
cleanup() {
	tv_stream_stop
	[[ -n $bochs_pid ]] && kill -9 "$bochs_pid" 2>/dev/null
	rm -f "$disk"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$TV_SCRIPTS_DIR/mkimg.sh" "$esp" "$disk"

sub() { printf '%s' "$1" | sed -e 's/[\/&|]/\\&/g'; }
sed -e "s|@MEGS@|$(sub "${BOCHS_MEGS:-512}")|" \
    -e "s|@CPU@|$(sub "${BOCHS_CPU:-tigerlake}")|" \
    -e "s|@CPUS@|$(sub "${BOCHS_CPUS:-1}")|" \
    -e "s|@OVMF@|$(sub "$ovmf")|" \
    -e "s|@VGABIOS@|$(sub "$vgabios")|" \
    -e "s|@SERIAL@|$(sub "$log")|" \
    -e "s|@LOG@|$(sub "$run/bochs.log")|" \
    -e "s|@DISK@|$(sub "$disk")|" \
    "$TV_SCRIPTS_DIR/bochsrc.in" >"$run/bochsrc"
for line in "$@" ${BOCHS_EXTRA:+"$BOCHS_EXTRA"}; do
	printf '%s\n' "$line" >>"$run/bochsrc"
done
# The Debian build has the debugger compiled in: tell it to continue.
printf 'c\n' >"$run/cmds"

# Bochs 2.7's RFB display binds a port in 5900-5949 with SO_REUSEADDR and
# then calls listen(): two instances starting at the same moment can both
# bind the same port, the loser's listen() fails, its socket can then bind
# no other port, and it exits ("RFB could not bind any port between 5900
# and 5949") before the firmware runs.  Seen here in 8 of 80 simultaneous
# starts, and in CI as runs that "never started" under make test's two
# parallel Bochs runs.  So start-ups are serialized: a lock is held from the
# launch until Bochs says it listens (or has exited).  A program outside
# this project starting Bochs at the same moment can still collide; that
# exit is recognised by its message and the run restarted (TV_BOCHS_TRIES,
# default 3, tries in all), with a note on stderr.
rfb_lock=${TMPDIR:-/tmp}/tickvisor-bochs-rfb.$(id -u).lock
rfb_re='listening for connections on port|RFB could not bind'
start_bochs() {
	local lockfd='' t0=$SECONDS
	if ! { exec {lockfd}>>"$rfb_lock"; } 2>/dev/null; then
		tv_note "warning: cannot open the Bochs start-up lock $rfb_lock: starting unserialized"
		lockfd=
	elif ! flock -w 120 "$lockfd"; then
		tv_note "warning: no Bochs start-up lock after 120 s ($rfb_lock): starting anyway"
	fi
	# stdin must not be a terminal: a debugger stop would wait on it forever.
	(if [[ -n $lockfd ]]; then exec {lockfd}>&-; fi
	 cd "$run" && exec "$bochs" -q -f "$run/bochsrc" -rc "$run/cmds" </dev/null >"$run/bochs.out" 2>&1) &
	bochs_pid=$!
	while kill -0 "$bochs_pid" 2>/dev/null && ((SECONDS - t0 < 30)); do
		grep -a -q -E "$rfb_re" "$run/bochs.log" 2>/dev/null && break
		sleep 0.05
	done
	if [[ -n $lockfd ]]; then exec {lockfd}>&-; fi
}

echo "$TV_NAME: Bochs ${BOCHS_CPU:-tigerlake} x${BOCHS_CPUS:-1}, ${BOCHS_MEGS:-512} MiB, timeout ${timeout}s; serial log $log; bochsrc $run/bochsrc" >&2
tries=${TV_BOCHS_TRIES:-3}
[[ $tries =~ ^[1-9][0-9]*$ ]] || tv_die "TV_BOCHS_TRIES must be a positive number of tries, not '$tries'"
tv_stream_start "$log"
for ((try = 1; ; try++)); do
	start_bochs
	tv_watch "$bochs_pid" "$log" "$timeout"
	wait "$bochs_pid" 2>/dev/null || true
	bochs_pid=
	((tv_timed_out)) && break
	tv_end_status "$log" >/dev/null && break
	grep -a -q 'RFB could not bind any port' "$run/bochs.log" "$run/bochs.out" 2>/dev/null || break
	((try < tries)) || { tv_note "Bochs could not open its RFB display port in $tries tries"; break; }
	tv_note "Bochs exited at start-up: its RFB display found no free port (another Bochs starting at the same moment); restarting ($((try + 1)) of $tries)"
	: >"$log"
	rm -f "$run/bochs.log" "$run/bochs.out"
done
tv_stream_stop

nend=$(tv_count_end_lines "$log")
if ((tv_timed_out)); then
	echo "TIMEOUT after ${timeout}s" >&2
	tv_tail "$log" 40
	exit 124
fi
if ! status=$(tv_end_status "$log"); then
	tv_note "Bochs exited without an end line (crash or triple fault?)"
	tv_tail "$log" 40
	echo "----- what Bochs said ($run/bochs.log, $run/bochs.out) -----" >&2
	grep -a -E 'PANIC|ERROR|triple|shutdown|exception|>>' "$run/bochs.log" 2>/dev/null | tail -n 15 >&2 || true
	tail -n 10 "$run/bochs.out" >&2 || true
	exit 125
fi
((nend > 1)) && tv_note "warning: $nend end lines in $log (expected exactly one); using the last"
tv_note "end: status=$status ($(tv_status_name "$status"))"
exit "$status"
