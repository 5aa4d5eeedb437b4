#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# mkusb.sh ESPDIR OUT: a GPT disk image with one EFI system partition
# (FAT32) holding ESPDIR's files and a startup.nsh, for `dd` to a USB
# stick.  Firmware boots \EFI\BOOT\BOOTX64.EFI from it as removable media;
# a firmware that drops to the UEFI shell instead runs startup.nsh, which
# finds the stick and starts tickvisor.  Made with sgdisk and mtools at an
# offset: no root, no loop devices.  Size: 64 MiB of FAT or more when
# ESPDIR needs it (IMG_MIB overrides), plus 2 MiB for the GPT.
set -euo pipefail
TV_NAME="mkusb"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tv_image_args "$@"
esp=$1
out=$2
command -v sgdisk >/dev/null || tv_die "sgdisk not installed: run scripts/deps.sh usb"
command -v mformat >/dev/null || tv_die "mtools not installed: run scripts/deps.sh usb"

need_kib=$(du -s -k "$esp" | cut -f1)
fat_mib=$(( (need_kib * 2) / 1024 + 16 ))
(( fat_mib < 64 )) && fat_mib=64
fat_mib=${IMG_MIB:-$fat_mib}
start=2048			# first sector of the partition: 1 MiB aligned
sectors=$((fat_mib * 2048))
offset=$((start * 512))

export MTOOLS_SKIP_CHECK=1
tmp="$out.tmp.$$"
nsh=$(mktemp)
trap 'rm -f "$tmp" "$nsh"' EXIT
rm -f "$tmp"
# The partition, then 1 MiB for the backup GPT at the end.
truncate -s "$(( (fat_mib + 2) * 1024 * 1024 ))" "$tmp"
sgdisk -o -n "1:$start:+$sectors" -t 1:ef00 -c "1:EFI system partition" "$tmp" >/dev/null
img="$tmp@@$offset"
mformat -i "$img" -F -T "$sectors" -H "$start" -v TICKVISOR ::
(cd "$esp" && find . -mindepth 1 -type d | sort) | while read -r d; do
	mmd -i "$img" "::/${d#./}"
done
(cd "$esp" && find . -type f | sort) | while read -r f; do
	mcopy -i "$img" -o "$esp/${f#./}" "::/${f#./}"
done

# The shell runs startup.nsh from the first file system it finds holding
# one; that may not be the stick, so look for ours on each.
{
	printf '@echo -off\r\n'
	for n in 0 1 2 3 4 5 6 7 8 9; do
		printf 'if exist fs%d:\\EFI\\BOOT\\tickvisor.cfg then\r\n' "$n"
		printf '  fs%d:\r\n' "$n"
		printf '  \\EFI\\BOOT\\BOOTX64.EFI\r\n'
		printf '  exit\r\n'
		printf 'endif\r\n'
	done
	printf 'echo "tickvisor: no file system holds \\EFI\\BOOT\\tickvisor.cfg"\r\n'
} >"$nsh"
mcopy -i "$img" -o "$nsh" ::/startup.nsh
sgdisk -v "$tmp" >/dev/null || tv_die "sgdisk reports a bad partition table in $tmp"
mv -f "$tmp" "$out"
trap 'rm -f "$nsh"' EXIT
