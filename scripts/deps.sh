#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# deps.sh [--check] [GROUP...]
#
# Make sure the Debian packages tickvisor needs are installed, and install
# the missing ones with apt-get (as root, or through sudo).  Groups:
#   build  compiler, assembler, gnu-efi, binutils, mtools
#   bochs  Bochs with its BIOS images, OVMF, mtools
#   qemu   QEMU (x86) and OVMF
#   test   clang, its runtime, zydis, gnuplot (fuzzing and benchmarks)
#   usb    gdisk and mtools (make usb.img)
#   debug  QEMU, OVMF and gdb (make debug)
#   all    every group (the default)
# --check only reports what is missing.
# Exit status: 0 when everything is (now) installed; 1 when something is
# missing (--check) or could not be installed; 2 on a usage error.
set -euo pipefail
TV_NAME="deps"

usage() {
	echo "usage: $0 [--check] [build|bochs|qemu|test|usb|debug|all]..." >&2
	exit 2
}

check_only=0
groups=()
for a in "$@"; do
	case "$a" in
	--check) check_only=1 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) groups+=("$a") ;;
	esac
done
((${#groups[@]})) || groups=(all)

pkgs=()
for g in "${groups[@]}"; do
	case "$g" in
	build) pkgs+=(gcc make nasm gnu-efi binutils mtools) ;;
	bochs) pkgs+=(bochs bochsbios vgabios ovmf mtools) ;;
	qemu) pkgs+=(qemu-system-x86 ovmf) ;;
	test) pkgs+=(clang libclang-rt-14-dev libzydis-dev gnuplot-nox) ;;
	usb) pkgs+=(gdisk mtools) ;;
	debug) pkgs+=(qemu-system-x86 ovmf gdb) ;;
	all) pkgs+=(gcc make nasm gnu-efi binutils mtools bochs bochsbios vgabios ovmf
		    qemu-system-x86 clang libclang-rt-14-dev libzydis-dev gnuplot-nox gdisk gdb) ;;
	*) echo "$TV_NAME: error: unknown group '$g'" >&2; usage ;;
	esac
done
# Each package once, in order.
declare -A seen=()
uniq=()
for p in "${pkgs[@]}"; do
	[[ -n ${seen[$p]:-} ]] && continue
	seen[$p]=1
	uniq+=("$p")
done

command -v dpkg-query >/dev/null 2>&1 ||
	{ echo "$TV_NAME: error: not a Debian system (no dpkg-query): install by hand: ${uniq[*]}" >&2; exit 1; }

# One dpkg-query for all: lines "name ii " for installed ones.
missing_pkgs() {
	local installed
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${uniq[@]}" 2>/dev/null |
		awk '$2 == "ii" { print $1 }' || true)
	local p
	for p in "${uniq[@]}"; do
		grep -q -x -F "$p" <<<"$installed" || echo "$p"
	done
}

mapfile -t missing < <(missing_pkgs)
if ((${#missing[@]} == 0)); then
	((check_only)) && echo "$TV_NAME: all installed (${groups[*]}): ${uniq[*]}"
	exit 0
fi
if ((check_only)); then
	echo "$TV_NAME: missing (${groups[*]}): ${missing[*]}"
	exit 1
fi

sudo=()
if ((EUID != 0)); then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
	else
		echo "$TV_NAME: error: need to install ${missing[*]} but not root and no password-less sudo: run 'sudo $0 ${groups[*]}' or 'sudo apt-get install ${missing[*]}'" >&2
		exit 1
	fi
fi

echo "$TV_NAME: installing missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! "${sudo[@]}" apt-get update -q >"$out" 2>&1; then
	echo "$TV_NAME: error: apt-get update failed: $(grep -E '^(E|W):' "$out" | head -n 1)" >&2
	exit 1
fi
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$out" 2>&1; then
	echo "$TV_NAME: error: apt-get install ${missing[*]} failed: $(grep -E '^E:' "$out" | head -n 1)" >&2
	exit 1
fi
mapfile -t still < <(missing_pkgs)
if ((${#still[@]})); then
	echo "$TV_NAME: error: still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
echo "$TV_NAME: installed ${missing[*]}"
