#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# run-guests-tickvisor.sh --mode vmx|native [--cfg FILE] [--dir DIR]
#       [--group G] [--out DIR] [--results FILE] [--efi FILE] [--jobs N]
#       [--msrs strict|lenient] [--bochsrc LINE]... [--rejudge] [NAME...]
#
# Run the selftest guests of tests/guests.cfg (all of them, the named ones,
# or one group) under tickvisor in Bochs, judge each against the config and
# print TAP 13 plus a summary table.
#
#   vmx     one ESP holding every guest, one Bochs boot: tickvisor runs them
#           one after another in their own VMs.  The serial log is split per
#           guest by tickvisor's "vmm: guest N" start and end lines.  A boot
#           takes at most 16 guests (vmm/config.h): more are run in several
#           boots (work folders boot1, boot2, ...), one after another.
#   native  tickvisor mode=native runs only the first guest of its config,
#           on the bare emulated machine: one Bochs boot per guest (--jobs N
#           of them at a time).
#
# Options: --cfg (tests/guests.cfg), --dir where the images are
# (build/guests), --out the work folder (build/test/guests-MODE: ESPs,
# serial logs, one split log per guest NAME.log, report.tap), --results the
# log for scripts/summary.sh (build/results/guests-bochs-MODE.log: each
# guest's own PASS/FAIL/SKIP lines as "NAME: PASS: ...", then one verdict
# line "PASS: guest/NAME/MODE" or "FAIL: guest/NAME/MODE (VERDICT: why)"),
# --efi the tickvisor image (build/tickvisor.efi), --bochsrc an extra
# bochsrc line for every boot (repeatable), --tv-config an extra line for
# tickvisor.cfg before the guests (repeatable: e.g. timer=hpet, apic=ept),
# --label a suffix for the verdict names (guest/NAME/MODE-LABEL), so that
# runs of one guest under several configurations stay apart.
#
# --msrs: strict (the default) runs Bochs with `cpu: ignore_bad_msrs=0` so
# that RDMSR/WRMSR of an MSR the CPU model lacks raises #GP(0), as the SDM
# says (RDMSR/WRMSR: "specifying a reserved or unimplemented MSR address in
# ECX will also cause a general protection exception").  Bochs's default,
# ignore_bad_msrs=1 (lenient), reads such MSRs as 0 and drops the writes,
# which hides bugs from tickvisor and fails the guests' unknown-MSR checks
# in native mode.  OVMF reads IA32_PLATFORM_ID (0x17), which Bochs 2.7 does
# not implement, so strict mode also gives Bochs an msrs= file defining it
# (read as 0, every bit reserved).
#
# --rejudge: boot nothing; judge the serial logs a previous run left in the
# work folder again (with the same selection).
#
# In vmx mode one more TAP test per boot checks tickvisor's final line: exactly one
# "end: status=N", with N = 0 when every guest exited with code 0 and 5
# (guest failure) otherwise, so a VMM failure after the last guest shows.
#
# Verdicts: PASS; FAIL (the guest reported, with the wrong exit code or
# failures, or was not stopped when it should have been, or was refused);
# CRASH (no report: no end line, or stopped / shut down when it should have
# run to its end); TIMEOUT (tickvisor's per-guest timeout, or the Bochs run
# timed out).  expect=stopped guests must be STOPPED in vmx mode and pass
# like any other natively; expect=refused images must be refused by
# tickvisor's loader, with a reason, in both modes.
#
# Timeouts: guests.cfg's timeout= is for QEMU TCG; each is multiplied by
# TV_BOCHS_TIMEOUT_SCALE (3) and given to tickvisor (vmx; tickvisor counts
# emulated time).  A native Bochs run is bounded by TV_BOCHS_BOOT_S (120)
# plus its guest's scaled timeout; the vmx run by TV_BOCHS_BOOT_S plus twice
# the sum of the scaled timeouts, so that tickvisor's own per-guest timeouts
# normally fire first and the next guests still run.  (A guest stuck in a
# VM-exit loop was measured at 0.43 emulated seconds per wall second: when
# every guest does that, the last ones end as TIMEOUT "not reached".)
#
# Exit status: 0 when every guest's verdict is PASS, 1 otherwise, 2 on a
# usage or setup error.
set -euo pipefail
TV_NAME="run-guests-tickvisor"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

mode=
cfg=$TV_REPO_DIR/tests/guests.cfg
dir=$TV_REPO_DIR/build/guests
group=
out=
results=
efi=$TV_REPO_DIR/build/tickvisor.efi
jobs=1
msrs=strict
rejudge=0
declare -a only=() bochsrc=() tvconfig=()
label=
while (($#)); do
	case $1 in
	--mode | --cfg | --dir | --group | --out | --results | --efi | --jobs | --bochsrc | --msrs | --tv-config | --label)
		(($# >= 2)) || usage ;;&
	--mode) mode=${2:-}; shift 2 ;;
	--cfg) cfg=${2:-}; shift 2 ;;
	--dir) dir=${2:-}; shift 2 ;;
	--group) group=${2:-}; shift 2 ;;
	--out) out=${2:-}; shift 2 ;;
	--results) results=${2:-}; shift 2 ;;
	--efi) efi=${2:-}; shift 2 ;;
	--jobs) jobs=${2:-}; shift 2 ;;
	--bochsrc) bochsrc+=("${2:-}"); shift 2 ;;
	--msrs) msrs=${2:-}; shift 2 ;;
	--tv-config) tvconfig+=("${2:-}"); shift 2 ;;
	--label) label=${2:-}; shift 2 ;;
	--rejudge) rejudge=1; shift ;;
	-h | --help) usage ;;
	-*) echo "$TV_NAME: unknown option $1" >&2; usage ;;
	*) only+=("$1"); shift ;;
	esac
done
[[ $mode == vmx || $mode == native ]] || usage
[[ $jobs =~ ^[1-9][0-9]*$ ]] || usage
[[ $msrs == strict || $msrs == lenient ]] || usage
out=${out:-$TV_REPO_DIR/build/test/guests-$mode}
results=${results:-$TV_REPO_DIR/build/results/guests-bochs-$mode.log}
scale=${TV_BOCHS_TIMEOUT_SCALE:-3}
boot_s=${TV_BOCHS_BOOT_S:-120}
[[ $scale =~ ^[1-9][0-9]*$ && $boot_s =~ ^[0-9]+$ ]] ||
	{ echo "$TV_NAME: TV_BOCHS_TIMEOUT_SCALE and TV_BOCHS_BOOT_S must be numbers" >&2; exit 2; }

# Setup errors are status 2, not a guest verdict.
setup_die() {
	echo "$TV_NAME: error: $*" >&2
	exit 2
}

[[ -r $efi ]] || setup_die "$efi not found: run make"
(tv_guests_cfg_parse "$cfg") || exit 2
tv_guests_cfg_parse "$cfg"

# --- the selection ----------------------------------------------------------
declare -a names=()
for n in "${only[@]}"; do
	[[ -n ${TV_GCFG[$n.defined]:-} ]] || setup_die "no guest [$n] in $cfg"
done
for n in "${TV_GCFG_NAMES[@]}"; do
	if ((${#only[@]})) && [[ " ${only[*]} " != *" $n "* ]]; then
		continue
	fi
	if [[ -n $group && " ${TV_GCFG[$n.groups]:-} " != *" $group "* ]]; then
		continue
	fi
	names+=("$n")
done
((${#names[@]})) || setup_die "no guest selected from $cfg${group:+ (group $group)}"
# vmm/config.h: TV_CONFIG_MAX_GUESTS (16) guests per boot,
# TV_CONFIG_MAX_MODULES (4) modules per guest, no '"' inside a value.
# vmx: guest NAME is guest number bidx[NAME] of boot bnum[NAME].
declare -A bnum=() bidx=()
nboots=1
if [[ $mode == vmx ]]; then
	for idx in "${!names[@]}"; do
		bnum[${names[$idx]}]=$((idx / 16 + 1))
		bidx[${names[$idx]}]=$((idx % 16))
	done
	nboots=$(((${#names[@]} + 15) / 16))
fi

declare -A image=() mem=() tmo=() want_exit=() expect=() args=() mods=()
for n in "${names[@]}"; do
	img=${TV_GCFG[$n.guest]:-$n.elf}
	[[ $img == /* ]] || img=$dir/$img
	[[ -r $img ]] || setup_die "[$n]: image $img not found: run make guests"
	image[$n]=$img
	mem[$n]=${TV_GCFG[$n.mem]:-64}
	tmo[$n]=$(( ${TV_GCFG[$n.timeout]:-30} * scale ))
	want_exit[$n]=${TV_GCFG[$n.exit]:-0}
	expect[$n]=${TV_GCFG[$n.expect]:-pass}
	args[$n]=${TV_GCFG[$n.args]:-}
	[[ ${args[$n]} != *'"'* ]] || setup_die "[$n]: args= cannot contain '\"' in a tickvisor config"
	mods[$n]=
	IFS=, read -ra ml <<<"${TV_GCFG[$n.module]:-}"
	((${#ml[@]} <= 4)) || setup_die "[$n]: ${#ml[@]} modules; tickvisor takes at most 4"
	for m in "${ml[@]}"; do
		[[ $m == /* ]] || m=$TV_REPO_DIR/$m
		[[ -r $m ]] || setup_die "[$n]: module $m not found"
		mods[$n]=${mods[$n]:+${mods[$n]},}$m
	done
done

if ((rejudge)); then
	[[ -d $out ]] || setup_die "--rejudge: no work folder $out"
else
	rm -rf "$out"
fi
mkdir -p "$out" "$(dirname "$results")"
out=$(cd "$out" && pwd)

if [[ $msrs == strict ]]; then
	cat >"$out/msrs.def" <<'EOF'
# Bochs configurable MSRs (written by scripts/run-guests-tickvisor.sh).
# ADDRESS TYPE RESET_HI RESET_LO RSRVD_HI RSRVD_LO IGNRD_HI IGNRD_LO
# IA32_PLATFORM_ID: read-only; OVMF reads it.
0x017     0    00000000 00000000 ffffffff ffffffff 00000000 00000000
EOF
	bochsrc=("cpu: ignore_bad_msrs=0, msrs=\"$out/msrs.def\"" ${bochsrc[@]+"${bochsrc[@]}"})
fi

# make_esp ESPDIR NAME...: tickvisor, the guests' images and modules, and a
# config with one guest block per NAME in order.  Images go to
# guests/IMAGE, modules to guests/NAME/FILE (two guests may share a file
# name).
make_esp() {
	local esp=$1 n m base
	shift
	rm -rf "$esp"
	mkdir -p "$esp/EFI/BOOT" "$esp/guests"
	cp "$efi" "$esp/EFI/BOOT/BOOTX64.EFI"
	{
		echo "# generated by scripts/run-guests-tickvisor.sh from $(basename "$cfg")"
		echo "mode=$mode"
		echo "log=info"
		for m in "${tvconfig[@]}"; do echo "$m"; done
		for n in "$@"; do
			base=$(basename "${image[$n]}")
			cp "${image[$n]}" "$esp/guests/$base"
			echo "# [$n]"
			echo "guest=guests/$base"
			echo "args=\"${args[$n]}\""
			echo "mem=${mem[$n]}M"
			IFS=, read -ra ml <<<"${mods[$n]}"
			for m in "${ml[@]}"; do
				mkdir -p "$esp/guests/$n"
				cp "$m" "$esp/guests/$n/$(basename "$m")"
				echo "module=guests/$n/$(basename "$m")"
			done
			# Natively nothing enforces it: the Bochs run is bounded instead.
			if [[ $mode == vmx ]]; then echo "timeout=${tmo[$n]}"; fi
		done
	} >"$esp/EFI/BOOT/tickvisor.cfg"
}

# bdir B: the folder of vmx boot B (the work folder itself for one boot).
bdir() {
	if ((nboots == 1)); then echo "$out"; else echo "$out/boot$1"; fi
}

# boot ESPDIR LOG TIMEOUT: one Bochs run through run-bochs.sh; its own
# messages go to LOG minus .log plus .runner, its exit status to .rc and the
# wall seconds to .secs.
boot() {
	local esp=$1 log=$2 timeout=$3 start=$SECONDS rc=0
	TV_STREAM=0 "$TV_SCRIPTS_DIR/run-bochs.sh" "$esp" "$log" "$timeout" \
		${bochsrc[@]+"${bochsrc[@]}"} >"${log%.log}.runner" 2>&1 || rc=$?
	echo "$rc" >"${log%.log}.rc"
	echo $((SECONDS - start)) >"${log%.log}.secs"
}

t0=$SECONDS
echo "=== ${#names[@]} guest(s) under tickvisor mode=$mode in Bochs ($(basename "$cfg")${group:+, group $group}, $msrs MSRs); work folder $out"

# --- run --------------------------------------------------------------------
if ((rejudge)); then
	echo "judging the serial logs of the last run again"
elif [[ $mode == vmx ]]; then
	for ((b = 1; b <= nboots; b++)); do
		d=$(bdir "$b")
		members=()
		total=$boot_s
		boot_want=0	# tickvisor's end status when every guest ends as guests.cfg expects
		for n in "${names[@]}"; do
			((bnum[$n] == b)) || continue
			members+=("$n")
			total=$((total + 2 * tmo[$n]))
			[[ ${expect[$n]} == pass && ${want_exit[$n]} == 0 ]] || boot_want=5
		done
		mkdir -p "$d"
		make_esp "$d/esp" "${members[@]}"
		echo "boot $b of $nboots: ${#members[@]} guest(s), bounded by ${total}s; serial log $d/serial.log"
		boot "$d/esp" "$d/serial.log" "$total" &
		bpid=$!
		# Progress: tickvisor's start and end line of every guest, as they come.
		shown=0
		while :; do
			running=1
			kill -0 "$bpid" 2>/dev/null || running=0
			mapfile -t lines < <({ tr -d '\r' <"$d/serial.log"; } 2>/dev/null |
				grep -a -E ' vmm: guest [0-9]+(: [^ ]+, [0-9]+ MiB| [^ ]+: )| end: status=[0-9]+ \(' |
				grep -a -v -E ' vmm: guest [0-9]+ exits: ' || true)
			while ((shown < ${#lines[@]})); do
				echo "  ${lines[$shown]}" | cut -c1-200
				shown=$((shown + 1))
			done
			((running)) || break
			sleep 1
		done
		wait "$bpid" || true
		rc=$(cat "$d/serial.rc")
		if ((rc == boot_want && rc != 0)); then
			echo "Bochs ended after $(cat "$d/serial.secs")s, run-bochs.sh status $rc ($(tv_status_name "$rc"): expected, this boot has guests that must be stopped, refused or exit non-zero; each is judged below)"
		else
			echo "Bochs ended after $(cat "$d/serial.secs")s, run-bochs.sh status $rc ($(tv_status_name "$rc")$( ((rc == boot_want)) || echo "; expected $boot_want"))"
		fi
	done
else
	echo "one boot per guest, $jobs at a time, each bounded by ${boot_s}s + ${scale}x its guests.cfg timeout"
	for n in "${names[@]}"; do
		while (($(jobs -rp | wc -l) >= jobs)); do
			wait -n || true
		done
		make_esp "$out/$n/esp" "$n"
		echo "  $n: booting (bound $((boot_s + tmo[$n]))s)"
		(
			boot "$out/$n/esp" "$out/$n/serial.log" "$((boot_s + tmo[$n]))"
			rc=$(cat "$out/$n/serial.rc")
			# mode=native: the guest ends the run itself (port 0x8900), so
			# tickvisor prints no end line: status 125 is what is expected.
			if [[ ${expect[$n]} == refused ]] && ((rc != 0 && rc != 124)); then
				echo "  $n: Bochs ended after $(cat "$out/$n/serial.secs")s, run-bochs.sh status $rc ($(tv_status_name "$rc"): expected, the image must be refused; judged below)"
			elif ((rc == 125)); then
				echo "  $n: Bochs ended after $(cat "$out/$n/serial.secs")s, run-bochs.sh status 125 (no end line: expected, the guest powers off itself; judged by its EXIT line below)"
			else
				echo "  $n: Bochs ended after $(cat "$out/$n/serial.secs")s, run-bochs.sh status $rc ($(tv_status_name "$rc"))"
			fi
		) &
	done
	wait
fi

# --- judge ------------------------------------------------------------------
# Each judge sets: V (PASS FAIL CRASH TIMEOUT), WHY, STATUS, SUMMARY, TIME,
# and writes the guest's own output (no prefixes) to $out/NAME.out.
hdr='^\[[^]]*\] +cpu[0-9]+ +[A-Z]+ +'

# summary_of FILE: SUMMARY (the text after "SUMMARY: ") and SUM_FAILS.
summary_of() {
	local line
	line=$(grep -a -E '^SUMMARY: ' "$1" | tail -n 1 || true)
	SUMMARY=${line#SUMMARY: }
	SUM_FAILS=
	if [[ $line =~ ^SUMMARY:\ ([0-9]+)\ tests,\ ([0-9]+)\ unexpected\ failures ]]; then
		SUM_FAILS=${BASH_REMATCH[2]}
	fi
	[[ -n $SUMMARY ]] || SUMMARY="-"
}

# code_name CODE: tests/guest/lib/guest.h's exit codes.
code_name() {
	case $1 in
	0) echo "pass" ;;
	1) echo "unexpected failures" ;;
	2) echo "abort" ;;
	3) echo "unhandled exception" ;;
	*) echo "code $1" ;;
	esac
}

# judge_exit NAME CODE STATUS: the guest ran to its end with CODE.
judge_exit() {
	local n=$1 code=$2 st=$3 nfail
	nfail=$(grep -a -c -E '^FAIL: ' "$out/$n.out" || true)
	if ((code != want_exit[$n])); then
		V=FAIL WHY="exit code $code: $(code_name "$code") (status $st), expected ${want_exit[$n]}"
	elif ((code == 0)) && [[ -z $SUM_FAILS ]]; then
		V=FAIL WHY="exit code 0 but no SUMMARY line"
	elif ((code == 0)) && ((SUM_FAILS != 0)); then
		V=FAIL WHY="exit code 0 but SUMMARY says $SUM_FAILS unexpected failures"
	elif ((code == 0)) && ((nfail != 0)); then
		V=FAIL WHY="exit code 0 but $nfail FAIL lines"
	else
		V=PASS WHY="exit code $code: $(code_name "$code"), status $st"
	fi
}

# ts LINE: the seconds of a "[   14.379210] ..." header, empty without one.
ts() {
	[[ $1 =~ ^\[\ *([0-9]+\.[0-9]+)\] ]] && echo "${BASH_REMATCH[1]}"
	return 0
}

judge_vmx() {
	local n=$1 i=$2 d=$3 f=$out/$1.log rc start end t1 t2 path msg
	rc=$(cat "$d/serial.rc")
	path=guests/$(basename "${image[$n]}")
	STATUS="-" SUMMARY="-" TIME="-" CLEAN=0
	sed -n -E "s/${hdr}G$i: //p" "$f" >"$out/$n.out"
	summary_of "$out/$n.out"
	start=$(grep -a -E " vmm: guest $i: [^ ]+, [0-9]+ MiB" "$f" | head -n 1 || true)
	end=$(grep -a -E " vmm: guest $i [^ ]+: (exited|STOPPED|TIMEOUT|shut down|ended|REFUSED|refused)" "$f" | head -n 1 || true)
	if [[ -z $start ]]; then
		if ((rc == 124)); then
			V=TIMEOUT WHY="not reached: the Bochs run timed out before it started"
		else
			V=CRASH WHY="not reached: tickvisor never started it (run-bochs.sh status $rc)"
			msg=$(tv_bochs_exit_msg "$d/serial.run")
			if [[ -n $msg ]]; then WHY="$WHY; Bochs said: $msg"; fi
		fi
		return
	fi
	if [[ $start != *" vmm: guest $i: $path, ${mem[$n]} MiB, "* ]]; then
		V=FAIL WHY="guest $i in the log is not $path with ${mem[$n]} MiB: ${start#*vmm: }"
		return
	fi
	t1=$(ts "$start")
	t2=$(ts "$end")
	[[ -n $t1 && -n $t2 ]] && TIME=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1fs", b - a }')
	if [[ -z $end ]]; then
		if ((rc == 124)); then
			V=TIMEOUT WHY="no end line: the whole Bochs run timed out while it ran"
		else
			V=CRASH WHY="no end line (run-bochs.sh status $rc: $(tv_status_name "$rc"))"
		fi
		return
	fi
	if [[ $end =~ vmm:\ guest\ $i\ [^\ ]+:\ exited\ \(([a-z -]+)\),\ exit\ code\ ([0-9]+)\ \(status\ ([0-9]+)\) ]]; then
		STATUS=${BASH_REMATCH[3]}
		((BASH_REMATCH[2] == 0)) && CLEAN=1
		if [[ ${expect[$n]} != pass ]]; then
			V=FAIL WHY="not ${expect[$n]}: exited (${BASH_REMATCH[1]}) with code ${BASH_REMATCH[2]}"
		else
			judge_exit "$n" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
			WHY+=" (${BASH_REMATCH[1]})"
		fi
		return
	fi
	[[ $end =~ vmm:\ guest\ $i\ [^\ ]+:\ (.*)$ ]]
	local what=${BASH_REMATCH[1]} nfail
	case $what in
	STOPPED:*)
		STATUS=stopped
		nfail=$(grep -a -c -E '^FAIL: ' "$out/$n.out" || true)
		if [[ ${expect[$n]} == refused ]]; then
			V=FAIL WHY="not refused: loaded, ran and was $what"
		elif [[ ${expect[$n]} != stopped ]]; then
			V=CRASH WHY=$what
		elif ((nfail)); then
			V=FAIL WHY="stopped as expected, but $nfail of its checks failed before: $what"
		else
			V=PASS WHY="stopped as expected: ${what#STOPPED: }"
		fi
		;;
	TIMEOUT:*) STATUS=timeout V=TIMEOUT WHY="after tickvisor's ${tmo[$n]}s timeout: ${what#TIMEOUT: timeout: }" ;;
	refused:* | REFUSED*)
		STATUS=refused
		if [[ ${expect[$n]} == refused && $what =~ ^refused:\ .*[^[:space:]] ]]; then
			V=PASS WHY="refused as expected: ${what#refused: }"
		else
			V=FAIL WHY=$what
		fi
		;;
	*) STATUS=${what%%:*} V=CRASH WHY=$what ;;
	esac
}

judge_native() {
	local n=$1 f=$out/$1.log rc d=$out/$1 line st msg
	rc=$(cat "$d/serial.rc")
	STATUS="-" SUMMARY="-" TIME="$(cat "$d/serial.secs")s"
	tv_clean <"$d/serial.log" >"$f"
	if [[ ${expect[$n]} == refused ]]; then
		# The same loader in mode=native: it must refuse the image, with a reason.
		: >"$out/$n.out"
		line=$(grep -a -E ' refused: .*[^[:space:]]' "$f" | head -n 1 | sed -E "s/${hdr}//" || true)
		if grep -a -q -E ' native: handing the machine to ' "$f"; then
			V=FAIL WHY="not refused: tickvisor handed the machine to it"
		elif [[ -n $line ]]; then
			STATUS=refused V=PASS WHY="refused as expected: ${line#* refused: }"
		else
			V=FAIL WHY="no refusal line (run-bochs.sh status $rc: $(tv_status_name "$rc"))"
		fi
		return
	fi
	if ! grep -a -q -E ' native: handing the machine to ' "$f"; then
		: >"$out/$n.out"
		line=$(grep -a -E '^\[[^]]*\] +cpu[0-9]+ +(ERR|WARN) ' "$f" | tail -n 1 | sed -E "s/${hdr}//" || true)
		if ((rc == 124)); then
			V=TIMEOUT WHY="the Bochs run timed out before tickvisor handed the machine over"
		else
			V=FAIL WHY="tickvisor did not hand the machine over (run-bochs.sh status $rc: $(tv_status_name "$rc"))${line:+: $line}"
			msg=$(tv_bochs_exit_msg "$d/serial.run")
			if [[ -n $msg ]]; then WHY="$WHY; Bochs said: $msg"; fi
		fi
		return
	fi
	sed -n '/ native: handing the machine to /,$p' "$f" | tail -n +2 >"$out/$n.out"
	summary_of "$out/$n.out"
	line=$(grep -a -E '^EXIT: STATUS=[0-9]+' "$out/$n.out" | tail -n 1 || true)
	if [[ -z $line ]]; then
		if ((rc == 124)); then
			V=TIMEOUT WHY="no EXIT line within the Bochs run's bound"
		else
			V=CRASH WHY="no EXIT line; Bochs ended (run-bochs.sh status $rc)"
			line=$(grep -a -i -E 'triple fault|PANIC|>>PANIC' "$d/serial.run/bochs.log" 2>/dev/null | tail -n 1 || true)
			if [[ -n $line ]]; then WHY+="; bochs.log: ${line:0:160}"; fi
		fi
		return
	fi
	st=${line#EXIT: STATUS=}
	st=${st%%[!0-9]*}
	STATUS=$st
	judge_exit "$n" $((st >> 1)) "$st"
	# The guest ends the run itself (port 0x8900): no end line, status 125.
	((rc == 124)) && WHY+="; but Bochs did not exit after it (run timed out)"
	return 0
}

declare -A verdict=() why=() status=() summ=() took=() all_clean=()
for idx in "${!names[@]}"; do
	n=${names[$idx]}
	if [[ $mode == vmx ]]; then
		b=${bnum[$n]} i=${bidx[$n]} d=$(bdir "${bnum[$n]}")
		if ((i == 0)); then
			all_clean[$b]=1
			tv_clean <"$d/serial.log" >"$d/serial.clean"
			# Split: a guest's lines run from its start line to the next
			# guest's start line or to the VMM's closing lines.
			awk -v dir="$d" '
				match($0, / vmm: guest [0-9]+: /) {
					cur = substr($0, RSTART + 12, RLENGTH - 14) + 0
				}
				/ vmm: [0-9]+ guest\(s\) ran/ || / end: status=[0-9]+ \(/ { cur = -1 }
				cur >= 0 { print > (dir "/split." cur) }
			' cur=-1 "$d/serial.clean"
		fi
		if [[ -f $d/split.$i ]]; then mv "$d/split.$i" "$out/$n.log"; else : >"$out/$n.log"; fi
		judge_vmx "$n" "$i" "$d"
		((CLEAN)) || all_clean[$b]=0
	else
		judge_native "$n"
	fi
	verdict[$n]=$V why[$n]=$WHY status[$n]=$STATUS summ[$n]=$SUMMARY took[$n]=$TIME
done

# vmx: tickvisor's own verdict on each boot.
ntests=${#names[@]}
nend_ok=0
declare -A end_ok=() end_why=() end_name=()
if [[ $mode == vmx ]]; then
	ntests=$((ntests + nboots))
	for ((b = 1; b <= nboots; b++)); do
		d=$(bdir "$b")
		want_end=$((all_clean[$b] ? 0 : 5))
		nend=$(tv_count_end_lines "$d/serial.clean")
		got_end=$(tv_end_status "$d/serial.clean" || echo none)
		end_why[$b]="$nend end line(s), status=$got_end; expected one, status=$want_end ($(tv_status_name "$want_end"))"
		end_ok[$b]=0
		if [[ $nend == 1 && $got_end == "$want_end" ]]; then
			end_ok[$b]=1
			nend_ok=$((nend_ok + 1))
		fi
		end_name[$b]="end-status"
		((nboots == 1)) || end_name[$b]="end-status-boot$b"
	done
fi

# --- report -----------------------------------------------------------------
# result_counts NAME: the guest's SUMMARY, or its own result lines counted
# when it printed none (stopped, or ended by an unhandled exception).
result_counts() {
	local p f s
	if [[ ${summ[$1]} != - ]]; then
		echo "${summ[$1]}"
		return
	fi
	if [[ ${status[$1]} == refused ]]; then
		echo "never ran"
		return
	fi
	p=$(grep -a -c -E '^PASS: ' "$out/$1.out" || true)
	f=$(grep -a -c -E '^FAIL: ' "$out/$1.out" || true)
	s=$(grep -a -c -E '^SKIP: ' "$out/$1.out" || true)
	echo "no SUMMARY; $p passed, $f failed, $s skipped before the end"
}

report=$out/report.tap
npass=0
{
	echo "TAP version 13"
	echo "1..$ntests"
	for idx in "${!names[@]}"; do
		n=${names[$idx]}
		k=$((idx + 1))
		if [[ ${verdict[$n]} == PASS ]]; then
			npass=$((npass + 1))
			echo "ok $k - $n (${why[$n]}; $(result_counts "$n"))"
			continue
		fi
		echo "not ok $k - $n # ${verdict[$n]}: ${why[$n]}"
		echo "  ---"
		echo "  verdict: ${verdict[$n]}"
		echo "  expected: ${expect[$n]}, exit code ${want_exit[$n]}"
		echo "  summary: \"${summ[$n]}\""
		echo "  log: $out/$n.log"
		if grep -a -q -E '^FAIL: ' "$out/$n.out"; then
			echo "  failed:"
			grep -a -E '^FAIL: ' "$out/$n.out" | head -n 20 | sed 's/"/\\"/g; s/^/    - "/; s/$/"/'
		fi
		echo "  last lines: |"
		tail -n 12 "$out/$n.log" | cut -c1-200 | sed 's/^/    /'
		echo "  ..."
	done
	k=${#names[@]}
	for ((b = 1; b <= ${#end_ok[@]}; b++)); do
		k=$((k + 1))
		d=$(bdir "$b")
		if ((end_ok[$b])); then
			echo "ok $k - tickvisor ${end_name[$b]} (${end_why[$b]})"
			continue
		fi
		echo "not ok $k - tickvisor ${end_name[$b]} # FAIL: ${end_why[$b]}"
		echo "  ---"
		echo "  log: $d/serial.log"
		echo "  last lines: |"
		tail -n 8 "$d/serial.clean" | cut -c1-200 | sed 's/^/    /'
		echo "  ..."
	done
	echo "#"
	echo "# guests under tickvisor mode=$mode in Bochs ($msrs MSRs): $npass of ${#names[@]} as expected ($((SECONDS - t0))s)"
	w=5
	for n in "${names[@]}"; do
		((${#n} > w)) && w=${#n}
	done
	if [[ $mode == vmx ]]; then
		echo "# (time: the guest's run in emulated seconds, from tickvisor's log)"
	else
		echo "# (time: wall seconds of the guest's Bochs boot)"
	fi
	printf "# %-${w}s  %-8s %-8s %-6s %-44s %s\n" guest verdict status time summary why
	for n in "${names[@]}"; do
		printf "# %-${w}s  %-8s %-8s %-6s %-44s %s\n" "$n" "${verdict[$n]}" "${status[$n]}" \
			"${took[$n]}" "${summ[$n]}" "${why[$n]}"
	done
} >"$report"
cat "$report"

{
	echo "# tickvisor mode=$mode in Bochs ($msrs MSRs): each guest's own result lines, then its verdict"
	for n in "${names[@]}"; do
		grep -a -E '^(PASS|FAIL|SKIP): ' "$out/$n.out" | sed "s/^/$n: /" || true
		if [[ ${verdict[$n]} == PASS ]]; then
			echo "PASS: guest/$n/$mode$label"
		else
			echo "FAIL: guest/$n/$mode$label (${verdict[$n]}: ${why[$n]})"
		fi
	done
	for ((b = 1; b <= ${#end_ok[@]}; b++)); do
		if ((end_ok[$b])); then
			echo "PASS: guest-run/$mode$label/${end_name[$b]}"
		else
			echo "FAIL: guest-run/$mode$label/${end_name[$b]} (${end_why[$b]})"
		fi
	done
} >"$results"
echo "# results: $report, $results; per-guest logs: $out/NAME.log"

((npass == ${#names[@]} && nend_ok == ${#end_ok[@]}))
