#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# info.sh [CONFIG [BUILD]]   (make info)
#
# The tools and paths tickvisor's build and runners use here, with
# versions; the platform `make run` (PLATFORM=auto) would pick; and the
# effective settings of CONFIG (scripts/tickvisor.cfg by default), comments
# left out.  Exit status: 0 (a report, even when something is missing).
set -euo pipefail
TV_NAME="info"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

config=${1:-$TV_REPO_DIR/scripts/tickvisor.cfg}
build=${2:-$TV_REPO_DIR/build}

row() { printf '  %-14s %s\n' "$1" "$2"; }
tool() {
	local name=$1 cmd=$2 path ver
	if path=$(command -v "$cmd" 2>/dev/null); then
		ver=$("${@:3}" 2>&1 | head -n 1) || true
		row "$name" "$path: ${ver:-version unknown}"
	else
		row "$name" "not found (scripts/deps.sh installs it)"
	fi
}

echo "Tools:"
tool gcc gcc gcc --version
tool ld ld ld --version
tool nasm nasm nasm -v
tool make make make --version
tool mtools mformat mformat --version
tool sgdisk sgdisk sgdisk --version
tool bochs bochs-bin dpkg-query -W -f='bochs ${Version} (Debian package)' bochs
tool qemu qemu-system-x86_64 qemu-system-x86_64 --version
tool gdb gdb gdb --version
tool clang clang clang --version

echo "Paths:"
if [[ -r /usr/lib/crt0-efi-x86_64.o && -d /usr/include/efi ]]; then
	row gnu-efi "/usr/include/efi, /usr/lib/crt0-efi-x86_64.o, /usr/lib/libgnuefi.a, /usr/lib/libefi.a ($(dpkg-query -W -f='${Version}' gnu-efi 2>/dev/null || echo '?'))"
else
	row gnu-efi "not found (scripts/deps.sh build)"
fi
ovmf=$( (tv_find_ovmf && echo "$tv_ovmf_code${tv_ovmf_vars:+ + $tv_ovmf_vars}") 2>&1 || true)
row "OVMF (QEMU)" "$ovmf"
row "OVMF (Bochs)" "$( [[ -r ${OVMF_FD:-/usr/share/ovmf/OVMF.fd} ]] && echo "${OVMF_FD:-/usr/share/ovmf/OVMF.fd}" || echo "not found (scripts/deps.sh bochs)")"
vga=/usr/share/bochs/VGABIOS-lgpl-latest
row "VGA BIOS" "$( [[ -r $vga ]] && echo "$vga" || echo "not found (scripts/deps.sh bochs)")"
efi=$build/tickvisor.efi
row tickvisor.efi "$( [[ -r $efi ]] && echo "$efi ($(stat -c %s "$efi") bytes, $(date -r "$efi" '+%F %T'))" || echo "not built yet (make)")"

echo "Platform:"
read -r platform why < <(tv_pick_platform)
row "make run" "PLATFORM=auto picks $platform: $why"

echo "Configuration ($config, comments left out; EFI load options override it):"
if [[ -r $config ]]; then
	sed -e 's/\r$//' -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]\+#.*//' -e '/^[[:space:]]*$/d' -e 's/^/  /' "$config"
else
	row "" "$config not found"
fi
