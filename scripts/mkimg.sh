#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# mkimg.sh ESPDIR OUT: a FAT32 "superfloppy" image (no partition table)
# holding ESPDIR's files, made with mtools (no root, no loop devices).
# OVMF boots it directly (Bochs disk, or dd to a USB stick that firmware
# treats as removable media).  Size: 64 MiB, or more when ESPDIR needs it;
# IMG_MIB overrides.
set -euo pipefail
TV_NAME="mkimg"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tv_image_args "$@"
esp=$1
out=$2
command -v mformat >/dev/null || tv_die "mtools not installed: run scripts/deps.sh build"

# FAT32 wants at least 65525 clusters: 64 MiB with 512-byte clusters is
# comfortably above that.  Leave room for twice the content.
need_kib=$(du -s -k "$esp" | cut -f1)
mib=$(( (need_kib * 2) / 1024 + 16 ))
(( mib < 64 )) && mib=64
mib=${IMG_MIB:-$mib}

export MTOOLS_SKIP_CHECK=1
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
rm -f "$tmp"
truncate -s "${mib}M" "$tmp"
mformat -i "$tmp" -F -v TICKVISOR ::
# Copy folder by folder so empty ones exist too.
(cd "$esp" && find . -mindepth 1 -type d | sort) | while read -r d; do
	mmd -i "$tmp" "::/${d#./}"
done
(cd "$esp" && find . -type f | sort) | while read -r f; do
	mcopy -i "$tmp" -o "$esp/${f#./}" "::/${f#./}"
done
mv -f "$tmp" "$out"
trap - EXIT
