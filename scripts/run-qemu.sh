#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# run-qemu.sh ESPDIR SERIAL_LOG [TIMEOUT_S]
#
# Boot ESPDIR (EFI/BOOT/BOOTX64.EFI and its config) in QEMU q35 with OVMF,
# the folder given to the firmware as a `fat:rw:` drive, COM1 to
# SERIAL_LOG (streamed to the terminal) and the isa-debug-exit device the
# app powers off with.
#
# Environment: QEMU_ACCEL=tcg (default) or kvm (-cpu host,+vmx); QEMU_MEM
# (512M); QEMU_SMP (1); QEMU_EXTRA (more arguments, split on spaces);
# QEMU_GDB_PORT (a gdb stub on that TCP port, the CPU stopped until gdb
# continues); TV_STOP_RE (stop QEMU once a serial line matches it);
# QEMU (the binary); OVMF_FD (a combined OVMF image); TV_STREAM=0 (do not
# stream); TV_END_GRACE (5 s).
#
# Exit status: the end line's N, checked against QEMU's exit code
# (N << 1) | 1; 124 on timeout; 125 when there is no end line or the two
# disagree; 1 when QEMU could not start.  QEMU's own exit code is written
# to SERIAL_LOG minus .log plus .run/qemu.rc.
set -euo pipefail
TV_NAME="run-qemu"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -lt 2 || $# -gt 3 ]]; then
	echo "usage: $0 ESPDIR SERIAL_LOG [TIMEOUT_S]" >&2
	exit 2
fi
esp=$1
log=$2
timeout=${3:-300}
[[ $timeout =~ ^[0-9]+$ ]] || tv_die "TIMEOUT_S must be a number of seconds, not '$timeout'"
accel=${QEMU_ACCEL:-tcg}
qemu=${QEMU:-qemu-system-x86_64}

command -v "$qemu" >/dev/null 2>&1 || tv_die "QEMU not installed ($qemu not found): run scripts/deps.sh qemu"
[[ -f $esp/EFI/BOOT/BOOTX64.EFI ]] || tv_die "$esp/EFI/BOOT/BOOTX64.EFI missing"
esp=$(cd "$esp" && pwd)
[[ $esp == *[:,]* ]] && tv_die "QEMU's fat: drive cannot take a path with ':' or ',': $esp"
tv_find_ovmf

mkdir -p "$(dirname "$log")"
log=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")
run=${log%.log}.run
mkdir -p "$run"
: >"$log"
rm -f "$run/qemu.rc" "$run/qemu.err"

args=(-machine q35 -m "${QEMU_MEM:-512M}" -smp "${QEMU_SMP:-1}"
      -display none -no-reboot -monitor none -nic none
      -serial "file:$log"
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -drive "format=raw,file=fat:rw:$esp")
case "$accel" in
kvm) args+=(-enable-kvm -cpu host,+vmx) ;;
tcg) args+=(-accel tcg -cpu max) ;;
*) tv_die "QEMU_ACCEL must be kvm or tcg, not '$accel'" ;;
esac
if [[ -n $tv_ovmf_vars ]]; then
	cp -f "$tv_ovmf_vars" "$run/OVMF_VARS.fd"
	args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$tv_ovmf_code"
	       -drive "if=pflash,format=raw,unit=1,file=$run/OVMF_VARS.fd")
else
	args+=(-bios "$tv_ovmf_code")
fi
[[ -n ${QEMU_GDB_PORT:-} ]] && args+=(-gdb "tcp::$QEMU_GDB_PORT" -S)
# shellcheck disable=SC2206
[[ -n ${QEMU_EXTRA:-} ]] && args+=($QEMU_EXTRA)

qemu_pid=
cleanup() {
	tv_stream_stop
	[[ -n $qemu_pid ]] && kill -9 "$qemu_pid" 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "$TV_NAME: QEMU $accel, firmware $tv_ovmf_code, timeout ${timeout}s; serial log $log" >&2
printf '%q ' "$qemu" "${args[@]}" >"$run/cmdline"
echo >>"$run/cmdline"
tv_stream_start "$log"
"$qemu" "${args[@]}" </dev/null >"$run/qemu.err" 2>&1 &
qemu_pid=$!
tv_watch "$qemu_pid" "$log" "$timeout"
rc=0
wait "$qemu_pid" 2>/dev/null || rc=$?
qemu_pid=
tv_stream_stop
echo "$rc" >"$run/qemu.rc"

if ((tv_timed_out)); then
	echo "TIMEOUT after ${timeout}s" >&2
	tv_tail "$log" 40
	exit 124
fi
nend=$(tv_count_end_lines "$log")
if ! status=$(tv_end_status "$log"); then
	if ((rc & 1)); then
		tv_note "QEMU exit code $rc (isa-debug-exit status $((rc >> 1))) but no end line on the serial log"
	else
		tv_note "QEMU exited with $rc and no end line on the serial log"
	fi
	tv_tail "$log" 40
	if [[ -s $run/qemu.err ]]; then
		echo "----- QEMU said ($run/qemu.err) -----" >&2
		tail -n 15 "$run/qemu.err" >&2
	fi
	exit 125
fi
((nend > 1)) && tv_note "warning: $nend end lines in $log (expected exactly one); using the last"
if ((rc & 1)); then
	if ((rc >> 1 != status)); then
		tv_note "QEMU exit code $rc means status $((rc >> 1)), but the end line says status=$status"
		tv_tail "$log" 20
		exit 125
	fi
elif ((tv_killed)); then
	tv_note "warning: the app printed its end line but did not power off through isa-debug-exit"
else
	tv_note "warning: QEMU exited with $rc, not through isa-debug-exit"
fi
tv_note "end: status=$status ($(tv_status_name "$status")), QEMU exit code $rc"
exit "$status"
