#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# run-config.sh BASE_CFG GUESTS_CFG GUEST_DIR ESPDIR
#
# The configuration `make run` boots: BASE_CFG (scripts/tickvisor.cfg, or
# CONFIG=) followed by one guest block for every selftest in GUESTS_CFG
# (tests/guests.cfg) that is expected to pass with exit code 0 -- the
# default guest set; the guests that demonstrate faults and isolation run
# in `make test`.  Images and modules are copied into ESPDIR/guests/ and
# ESPDIR/modules/; the result is ESPDIR/EFI/BOOT/tickvisor.cfg.  Skipped
# when BASE_CFG already names a guest= (the user chose the guests).
set -euo pipefail
TV_NAME=run-config
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 4 ]] || { echo "usage: $0 BASE_CFG GUESTS_CFG GUEST_DIR ESPDIR" >&2; exit 2; }
base=$1 gcfg=$2 gdir=$3 esp=$4
out=$esp/EFI/BOOT/tickvisor.cfg

mkdir -p "$esp/EFI/BOOT"
cp "$base" "$out"
if grep -q -E '^[[:space:]]*guest[[:space:]]*=' "$base"; then
	exit 0
fi
tv_guests_cfg_parse "$gcfg"
mkdir -p "$esp/guests" "$esp/modules"
# One boot holds at most TV_CONFIG_MAX_GUESTS guests (vmm/config.h); the
# default set is the first 16 of them, so that make run stays about a minute.
lim=$(sed -n 's/^#define TV_CONFIG_MAX_GUESTS[[:space:]]*\([0-9]*\)U*.*/\1/p' "$TV_REPO_DIR/vmm/config.h")
[[ $lim =~ ^[0-9]+$ ]] || tv_die "cannot read TV_CONFIG_MAX_GUESTS from vmm/config.h"
max=$((lim < 16 ? lim : 16))
left=()
n=0
{
	echo
	echo "# The default guest set, from $gcfg (added by scripts/run-config.sh)"
	for name in "${TV_GCFG_NAMES[@]}"; do
		[[ ${TV_GCFG[$name.expect]:-pass} == pass && ${TV_GCFG[$name.exit]:-0} == 0 ]] || continue
		# Isolation demonstrations (forged log lines and the like) and the
		# hostile guests belong to make test.
		[[ " ${TV_GCFG[$name.groups]:-} " == *" isolation "* ]] && continue
		[[ " ${TV_GCFG[$name.groups]:-} " == *" hostile "* ]] && continue
		if ((n >= max)); then
			left+=("$name")
			continue
		fi
		n=$((n + 1))
		img=${TV_GCFG[$name.guest]:-$name.elf}
		[[ -r $gdir/$img ]] || tv_die "guest image $gdir/$img not built (make guests)"
		cp "$gdir/$img" "$esp/guests/$img"
		echo "guest=guests/$img"
		[[ -n ${TV_GCFG[$name.args]:-} ]] && echo "args=\"${TV_GCFG[$name.args]}\""
		echo "mem=${TV_GCFG[$name.mem]:-64}M"
		echo "timeout=$(( ${TV_GCFG[$name.timeout]:-30} * 3 ))"
		if [[ -n ${TV_GCFG[$name.module]:-} ]]; then
			IFS=, read -r -a mods <<<"${TV_GCFG[$name.module]}"
			for m in "${mods[@]}"; do
				cp "$m" "$esp/modules/$(basename "$m")"
				echo "module=modules/$(basename "$m")"
			done
		fi
	done
} >>"$out"
((${#left[@]} == 0)) ||
	echo "run-config: $n guests in this boot (the default set takes at most $max); left out, run by make test: ${left[*]}" >&2
