#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# run.sh PLATFORM ESPDIR SERIAL_LOG [TIMEOUT_S]
#
# PLATFORM: auto, qemu (QEMU with KVM and nested VMX), qemu-tcg, or bochs.
# auto takes QEMU+KVM when /dev/kvm opens, the host CPU has vmx and
# kvm_intel has nested=Y; else Bochs when installed; else QEMU TCG (which
# has no VMX: the app reports that and exits with status 1).
# Exit status: the runner's (run-qemu.sh, run-bochs.sh).
set -euo pipefail
TV_NAME="run"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $# -lt 3 || $# -gt 4 ]]; then
	echo "usage: $0 auto|qemu|qemu-tcg|bochs ESPDIR SERIAL_LOG [TIMEOUT_S]" >&2
	exit 2
fi
platform=$1
shift

case "$platform" in
auto)
	read -r platform why < <(tv_pick_platform)
	echo "$TV_NAME: platform $platform: $why" >&2
	;;
qemu)
	{ : <>/dev/kvm; } 2>/dev/null ||
		tv_die "PLATFORM=qemu needs KVM but /dev/kvm cannot be opened (see scripts/check-host.sh; PLATFORM=qemu-tcg or bochs run without it)"
	grep -q -w vmx /proc/cpuinfo ||
		tv_die "PLATFORM=qemu needs an Intel VT-x host (-cpu host,+vmx) but this CPU has no vmx flag (PLATFORM=bochs has software VMX)"
	echo "$TV_NAME: platform qemu (KVM): asked for" >&2
	;;
qemu-tcg | bochs)
	echo "$TV_NAME: platform $platform: asked for" >&2
	;;
*)
	tv_die "unknown PLATFORM '$platform' (auto, qemu, qemu-tcg or bochs)"
	;;
esac

case "$platform" in
qemu) QEMU_ACCEL=kvm exec "$TV_SCRIPTS_DIR/run-qemu.sh" "$@" ;;
qemu-tcg) QEMU_ACCEL=tcg exec "$TV_SCRIPTS_DIR/run-qemu.sh" "$@" ;;
bochs) exec "$TV_SCRIPTS_DIR/run-bochs.sh" "$@" ;;
esac
