#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# tvcfg-test.sh TVCFG WORKDIR: the host config checker (tools/tvcfg.c) on
# small configs and a fake ESP.  Each case checks the exit status and the
# exact first output line; one PASS:/FAIL: line per case, then a SUMMARY.
set -uo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 TVCFG WORKDIR" >&2; exit 2; }
tvcfg=$1 work=$2
rm -rf "$work"
mkdir -p "$work/guests" "$work/esp/guests" "$work/esp/modules"
: >"$work/guests/hello.elf"
: >"$work/esp/guests/hello.elf"
: >"$work/esp/modules/env.txt"
mkdir -p "$work/guests/dir.elf"

pass=0 fail=0

# check NAME WANT_STATUS WANT_FIRST_LINE CONFIG_TEXT TVCFG_ARGS...
# The config text goes to $work/NAME.cfg, passed last (@missing: no file).
check() {
	local name=$1 want_rc=$2 want=$3 text=$4
	shift 4
	local cfg=$work/$name.cfg out rc
	[[ $text == @missing ]] || printf '%s' "$text" >"$cfg"
	out=$("$tvcfg" "$@" "$cfg" 2>&1)
	rc=$?
	out=${out//$work\//WORK\/}
	if [[ $rc -eq $want_rc && ${out%%$'\n'*} == "$want" ]]; then
		echo "PASS: tvcfg/$name"
		pass=$((pass + 1))
	else
		echo "FAIL: tvcfg/$name (exit $rc, want $want_rc)"
		echo "    want: $want"
		echo "     got: ${out//$'\n'/$'\n'          }"
		fail=$((fail + 1))
	fi
}

map=(--map "guests=$work/guests")

check good 0 "tvcfg: WORK/good.cfg: ok, 1 guest(s), every guest and module file (1) found" \
	$'log=debug\nguest=guests/hello.elf\nmem=32M\n' "${map[@]}"
check syntax-only 0 "tvcfg: WORK/syntax-only.cfg: ok, 1 guest(s)" \
	$'guest=guests/not-built.elf\n'
check bad-key 2 "WORK/bad-key.cfg:3: unknown key 'tv_no_such_key'" \
	$'# a comment\nlog=info\ntv_no_such_key=1\n' "${map[@]}"
check bad-value 2 "WORK/bad-value.cfg:2: bad value 'loud' for 'log' (expected error|warn|info|debug)" \
	$'mode=vmx\nlog=loud\n' "${map[@]}"
check bad-mem 2 "WORK/bad-mem.cfg:2: bad value '5G' for 'mem' (expected a size from 1M to 4G in 4K units, e.g. 64M)" \
	$'guest=guests/hello.elf\nmem=5G\n' "${map[@]}"
check missing-guest 2 "WORK/missing-guest.cfg:4: guest=guests/nope.elf: no such file on the ESP (looked for WORK/guests/nope.elf)" \
	$'log=info\nguest=guests/hello.elf\n\nguest=guests/nope.elf\n' "${map[@]}"
check guest-is-a-dir 2 "WORK/guest-is-a-dir.cfg:1: guest=guests/dir.elf: no such file on the ESP (looked for WORK/guests/dir.elf)" \
	$'guest=guests/dir.elf\n' "${map[@]}"
check missing-module 2 "WORK/missing-module.cfg:3: module=modules/env.txt: not on the ESP make builds (it holds EFI/BOOT/ and guests/ from WORK/guests)" \
	$'guest=guests/hello.elf\n\nmodule=modules/env.txt\n' "${map[@]}"
check name-option 2 "my.cfg:1: unknown key 'foo'" $'foo=1\n' --name my.cfg
check esp-fat-names 0 "tvcfg: WORK/esp-fat-names.cfg: ok, 2 guest(s), every guest and module file (3) found" \
	$'guest=\\GUESTS\\Hello.ELF\nmodule=/modules/ENV.txt\nguest=guests/hello.elf\n' --esp "$work/esp"
check esp-missing 2 "WORK/esp-missing.cfg:2: module=modules/none.txt: no such file on the ESP (looked for WORK/esp/modules/none.txt)" \
	$'guest=guests/hello.elf\nmodule=modules/none.txt\n' --esp "$work/esp"
check options-bad 2 "load options: bad value 'x' for 'halt' (expected 0|1|yes|no|true|false)" \
	$'log=info\n' --options "timer=poll halt=x"
check options-guest 2 "load options: guest=guests/opt.elf: no such file on the ESP (looked for WORK/esp/guests/opt.elf)" \
	$'guest=guests/hello.elf\n' --options "guest=guests/opt.elf" --esp "$work/esp"
check unreadable 2 "WORK/unreadable.cfg: cannot read: No such file or directory" @missing
check usage 1 "usage: tvcfg [--name NAME] [--options 'k=v ...'] [--esp DIR] [--map PREFIX=DIR]... FILE" \
	"" --bogus

echo "SUMMARY: tvcfg: $((pass + fail)) tests, $fail unexpected failures, 0 skipped"
[[ $fail -eq 0 ]]
