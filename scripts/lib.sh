# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
# shellcheck shell=bash
#
# Shared helpers for the runner scripts.  Sourced, never run: every caller
# sets `set -euo pipefail` and TV_NAME (its name, for messages) first.

TV_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TV_REPO_DIR=$(cd "$TV_SCRIPTS_DIR/.." && pwd)

# The final line of every run (include/tv/status.h); group 1 is the status.
# Anchored to tickvisor's own log header: a guest's line has "Gn: " after the
# header, so a guest printing "end: status=0 (" can neither end the run early
# (tv_watch) nor give its status (issue 12 item 6).
TV_END_RE='^\[[^]]*\] +cpu[0-9]+ +[A-Z]+ +end: status=([0-9]+) \('

tv_die() {
	echo "$TV_NAME: error: $*" >&2
	exit 1
}

tv_note() {
	echo "$TV_NAME: $*" >&2
}

# Name of a status from include/tv/status.h, for messages.
tv_status_name() {
	case "$1" in
	0) echo "ok" ;;
	1) echo "no VT-x" ;;
	2) echo "config error" ;;
	3) echo "VMM exception" ;;
	4) echo "VMX failure" ;;
	5) echo "guest failure" ;;
	6) echo "boot failure" ;;
	7) echo "panic" ;;
	124) echo "timeout" ;;
	125) echo "no end line" ;;
	*) echo "unknown" ;;
	esac
}

# Print the number of end lines in LOG.
tv_count_end_lines() {
	grep -a -c -E "$TV_END_RE" "$1" 2>/dev/null || true
}

# Print N from LOG's end line (the last one if there are several); fail
# when there is none.
tv_end_status() {
	local line
	line=$(grep -a -E "$TV_END_RE" "$1" 2>/dev/null | tail -n 1) || return 1
	[[ $line =~ $TV_END_RE ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# Print the last N (default 40) lines of a serial log without the
# firmware's terminal escape sequences and carriage returns.
tv_clean() {
	sed -u -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\r//g'
}

tv_tail() {
	local n=${2:-40}
	echo "----- last $n lines of $1 -----" >&2
	tail -n "$n" "$1" 2>/dev/null | tv_clean | awk 1 >&2 || true
	echo "----- end of $1 -----" >&2
}

# tv_stream_start LOG: copy LOG to stdout as it grows (unless TV_STREAM=0).
# tv_stream_stop ends it once the last bytes are out.
tv_stream_pid=
tv_stream_tailpid_file=
tv_stream_start() {
	[[ ${TV_STREAM:-1} == 0 ]] && return 0
	tv_stream_tailpid_file=$(mktemp)
	local pidf=$tv_stream_tailpid_file
	{
		tail -n +1 -s 0.2 -f "$1" 2>/dev/null &
		echo $! >"$pidf"
		wait
	} | tv_clean &
	tv_stream_pid=$!
}

tv_stream_stop() {
	[[ -n $tv_stream_pid ]] || return 0
	local tpid=
	sleep 0.4	# tail polls every 0.2 s: let it print the last bytes
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		tpid=$(cat "$tv_stream_tailpid_file" 2>/dev/null || true)
		[[ -n $tpid ]] && break
		sleep 0.1
	done
	if [[ -n $tpid ]]; then kill "$tpid" 2>/dev/null || true; fi
	wait "$tv_stream_pid" 2>/dev/null || true
	rm -f "$tv_stream_tailpid_file"
	tv_stream_pid=
}

# tv_bochs_exit_msg RUNDIR: the message Bochs gave when it stopped itself
# ("Bochs is exiting with the following message:" in RUNDIR/bochs.out, a
# panic such as a triple fault or no free display port), empty if none.
tv_bochs_exit_msg() {
	sed -n '/Bochs is exiting with the following message:/{n;p;q;}' "$1/bochs.out" 2>/dev/null |
		tr -d '\r' || true
}

# tv_kill_emulator PID: SIGTERM, up to 3 s to exit, then SIGKILL.
tv_kill_emulator() {
	kill "$1" 2>/dev/null || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.3
	done
	kill -9 "$1" 2>/dev/null || true
}

# tv_watch PID LOG TIMEOUT_S: wait for the emulator PID to exit.  Stop it
# (tv_kill_emulator) when LOG has its end line and PID has not
# exited TV_END_GRACE (default 5) seconds later, or when TIMEOUT_S passes.
# Sets tv_timed_out=1 on timeout and tv_killed=1 when it stopped the run.
# TV_STOP_RE (an extended regex): stop the run as soon as a line matches.
tv_timed_out=0
tv_killed=0
tv_watch() {
	local pid=$1 log=$2 timeout=$3 grace=${TV_END_GRACE:-5}
	local start=$SECONDS end_seen=
	tv_timed_out=0
	tv_killed=0
	while kill -0 "$pid" 2>/dev/null; do
		if [[ -n ${TV_STOP_RE:-} ]] && grep -a -q -E "$TV_STOP_RE" "$log" 2>/dev/null; then
			tv_killed=1
			tv_kill_emulator "$pid"
			return 0
		fi
		if [[ -z $end_seen ]] && grep -a -q -E "$TV_END_RE" "$log" 2>/dev/null; then
			end_seen=$SECONDS
		fi
		if [[ -n $end_seen ]] && ((SECONDS - end_seen >= grace)); then
			tv_note "end line seen but the emulator did not exit within ${grace}s: stopping it"
			tv_killed=1
			tv_kill_emulator "$pid"
			return 0
		fi
		if ((SECONDS - start >= timeout)); then
			tv_timed_out=1
			tv_killed=1
			tv_kill_emulator "$pid"
			return 0
		fi
		sleep 0.2
	done
}

# OVMF under its Debian names.  Sets tv_ovmf_code (the firmware or its code
# part) and tv_ovmf_vars (the matching variable store, empty for the
# combined OVMF.fd).  OVMF_FD overrides the search (a combined image), as
# do OVMF_CODE with OVMF_VARS (a split pair).
tv_find_ovmf() {
	tv_ovmf_code=
	tv_ovmf_vars=
	if [[ -n ${OVMF_CODE:-} || -n ${OVMF_VARS:-} ]]; then
		[[ -r ${OVMF_CODE:-} && -r ${OVMF_VARS:-} ]] ||
			tv_die "OVMF_CODE and OVMF_VARS must both name readable firmware files"
		tv_ovmf_code=$OVMF_CODE
		tv_ovmf_vars=$OVMF_VARS
		return 0
	fi
	if [[ -n ${OVMF_FD:-} ]]; then
		[[ -r $OVMF_FD ]] || tv_die "OVMF firmware $OVMF_FD (from OVMF_FD) not found"
		tv_ovmf_code=$OVMF_FD
		return 0
	fi
	if [[ -r /usr/share/ovmf/OVMF.fd ]]; then
		tv_ovmf_code=/usr/share/ovmf/OVMF.fd
		return 0
	fi
	local c
	for c in OVMF_CODE_4M OVMF_CODE; do
		if [[ -r /usr/share/OVMF/$c.fd && -r /usr/share/OVMF/${c/CODE/VARS}.fd ]]; then
			tv_ovmf_code=/usr/share/OVMF/$c.fd
			tv_ovmf_vars=/usr/share/OVMF/${c/CODE/VARS}.fd
			return 0
		fi
	done
	tv_die "OVMF firmware not found (no /usr/share/ovmf/OVMF.fd or /usr/share/OVMF/OVMF_CODE*.fd): run scripts/deps.sh qemu"
}

# Print "PLATFORM REASON" for PLATFORM=auto: QEMU+KVM when it can nest VMX,
# else Bochs when installed, else QEMU TCG.
tv_pick_platform() {
	local why=
	if ! { : <>/dev/kvm; } 2>/dev/null; then
		why="/dev/kvm cannot be opened"
	elif ! grep -q -w vmx /proc/cpuinfo; then
		why="host CPU has no vmx flag (not an Intel VT-x host)"
	else
		local nested
		nested=$(cat /sys/module/kvm_intel/parameters/nested 2>/dev/null || echo missing)
		case "$nested" in
		Y | y | 1) echo "qemu KVM with nested VMX (kvm_intel nested=$nested)"; return 0 ;;
		missing) why="kvm_intel is not loaded" ;;
		*) why="kvm_intel nested=$nested" ;;
		esac
	fi
	if command -v "${BOCHS:-bochs}" >/dev/null 2>&1; then
		echo "bochs $why, so Bochs (software VMX)"
	else
		echo "qemu-tcg $why and Bochs is not installed, so QEMU TCG (no VMX: expect the no-VT-x report)"
	fi
}

# tv_guests_cfg_parse FILE: read a tests/guests.cfg (kvm-unit-tests style;
# its header documents the keys) into the globals TV_GCFG_NAMES (section
# names in file order) and TV_GCFG[name.key]; repeated module= lines are
# joined with commas.  Dies on a line it cannot parse, an unknown key, a
# repeated section or a bad number / expect= value.
tv_guests_cfg_parse() {
	local file=$1 line section="" key val lineno=0
	declare -g -a TV_GCFG_NAMES=()
	declare -g -A TV_GCFG=()
	[[ -r $file ]] || tv_die "guest config $file not found"
	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		line=${line%%#*}
		line=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$line")
		[[ -z $line ]] && continue
		if [[ $line =~ ^\[([A-Za-z0-9_.-]+)\]$ ]]; then
			section=${BASH_REMATCH[1]}
			[[ -z ${TV_GCFG[$section.defined]:-} ]] ||
				tv_die "$file:$lineno: section [$section] repeated"
			TV_GCFG[$section.defined]=1
			TV_GCFG_NAMES+=("$section")
			continue
		fi
		[[ -n $section && $line =~ ^([a-z_]+)[[:space:]]*=[[:space:]]*(.*)$ ]] ||
			tv_die "$file:$lineno: cannot parse: $line"
		key=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[2]}
		val=${val#\"}
		val=${val%\"}
		case $key in
		mem | timeout | exit)
			[[ $val =~ ^[0-9]+$ ]] || tv_die "$file:$lineno: $key=$val is not a number"
			TV_GCFG[$section.$key]=$val ;;
		expect)
			[[ $val == pass || $val == stopped || $val == refused || $val == timeout ]] ||
				tv_die "$file:$lineno: expect=$val (expected pass, stopped, refused or timeout)"
			TV_GCFG[$section.$key]=$val ;;
		unmapped)
			[[ $val == bus || $val == stop ]] ||
				tv_die "$file:$lineno: unmapped=$val (expected bus or stop)"
			TV_GCFG[$section.$key]=$val ;;
		guest | args | groups | cpuid_hide | why | canary) TV_GCFG[$section.$key]=$val ;;
		module) TV_GCFG[$section.module]=${TV_GCFG[$section.module]:+${TV_GCFG[$section.module]},}$val ;;
		*) tv_die "$file:$lineno: unknown key '$key'" ;;
		esac
	done <"$file"
}

# tv_image_args ESPDIR OUT: the arguments of mkimg.sh and mkusb.sh, checked
# (usage line and exit 2 when wrong; a one-line cause when the ESP is not one).
tv_image_args() {
	[[ $# -eq 2 ]] || { echo "usage: $0 ESPDIR OUT" >&2; exit 2; }
	[[ -d $1 ]] || tv_die "ESP folder $1 does not exist"
	[[ -f $1/EFI/BOOT/BOOTX64.EFI ]] || tv_die "$1/EFI/BOOT/BOOTX64.EFI missing"
}
