#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# check-host.sh: can this machine run tickvisor under QEMU with KVM (nested
# VMX)?  Reads /dev/kvm, the vmx flag, and kvm_intel's nested, enable_apicv
# and preemption_timer parameters, says how to fix each, and which platform
# `make run` (PLATFORM=auto) picks here.  Exit status: 0 when QEMU+KVM with
# nested VMX works, 1 otherwise (Bochs or QEMU TCG will be used).
set -euo pipefail
TV_NAME="check-host"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ok=1
say() { printf '  %-28s %s\n' "$1" "$2"; }
fix() { printf '  %-28s fix: %s\n' "" "$1"; }

echo "Host checks for QEMU with KVM and nested VT-x:"
vendor=$(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
say "CPU vendor" "${vendor:-unknown}"

if grep -q -w vmx /proc/cpuinfo; then
	say "vmx flag" "yes"
else
	ok=0
	say "vmx flag" "no"
	if [[ $vendor == AuthenticAMD ]]; then
		fix "none here: an AMD CPU has no VT-x; use Bochs (PLATFORM=bochs)"
	elif grep -q -w hypervisor /proc/cpuinfo; then
		fix "this machine is itself a VM: enable nested VT-x on its host (kvm_intel nested=1, -cpu host,+vmx), or use Bochs"
	else
		fix "enable Intel VT-x (\"Virtualization Technology\") in the firmware setup"
	fi
fi

# On an AMD CPU nothing below can make VT-x appear: say so once, suggest
# nothing that cannot work there (no modprobe kvm_intel), and stop.
if [[ $vendor == AuthenticAMD ]]; then
	say "kvm_intel checks" "not applicable: KVM on AMD (kvm_amd) cannot give a guest VT-x"
	read -r platform why < <(tv_pick_platform)
	echo "make run (PLATFORM=auto) picks $platform: $why"
	exit 1
fi

if [[ ! -e /dev/kvm ]]; then
	ok=0
	say "/dev/kvm" "missing"
	fix "modprobe kvm_intel (needs the vmx flag)"
elif { : <>/dev/kvm; } 2>/dev/null; then
	say "/dev/kvm" "opens read/write"
else
	ok=0
	say "/dev/kvm" "exists but cannot be opened by $(id -un)"
	fix "sudo usermod -aG kvm $(id -un), then log in again"
fi

param() { cat "/sys/module/kvm_intel/parameters/$1" 2>/dev/null || echo "n/a"; }
if [[ -d /sys/module/kvm_intel ]]; then
	nested=$(param nested)
	apicv=$(param enable_apicv)
	ptimer=$(param preemption_timer)
	case "$nested" in
	Y | y | 1) say "kvm_intel nested" "$nested" ;;
	*)
		ok=0
		say "kvm_intel nested" "$nested (tickvisor needs VMX inside the guest)"
		fix "echo 'options kvm_intel nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf; sudo modprobe -r kvm_intel; sudo modprobe kvm_intel"
		;;
	esac
	case "$apicv" in
	Y | y | 1) say "kvm_intel enable_apicv" "$apicv" ;;
	*)
		say "kvm_intel enable_apicv" "$apicv (the guest sees no APIC virtualization: tickvisor uses its fallback paths)"
		fix "add enable_apicv=1 to the 'options kvm_intel' line above (needs host APICv support)"
		;;
	esac
	case "$ptimer" in
	Y | y | 1) say "kvm_intel preemption_timer" "$ptimer" ;;
	*)
		say "kvm_intel preemption_timer" "$ptimer (KVM's own timer uses host hrtimers: guest timer latency is coarser)"
		fix "add preemption_timer=1 to the 'options kvm_intel' line above (KVM disables it on CPUs with a broken preemption timer)"
		;;
	esac
else
	ok=0
	say "kvm_intel module" "not loaded"
	fix "echo 'options kvm_intel nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf; sudo modprobe kvm_intel (Intel host with VT-x enabled)"
fi

read -r platform why < <(tv_pick_platform)
echo "make run (PLATFORM=auto) picks $platform: $why"
((ok)) && exit 0
exit 1
