/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "cpuid: "

#include "vcpuid_vm.h"

#include <tv/log.h>
#include <tv/string.h>

#include "vcpuid.h"
#include "vm.h"

void vcpuid_vm_maxphyaddr(struct vm *vm, unsigned int maxphyaddr)
{
	struct vlapic_config cfg = vm->apic.lapic.cfg;

	vm->maxphyaddr = maxphyaddr;
	/*
	 * IA32_APIC_BASE's address field ends at MAXPHYADDR (SDM Vol. 3A,
	 * "Local APIC Status and Location"): the model's width must be the
	 * guest's.  The model takes 36..52; below 36 (no PAE, no leaf
	 * 80000008H) it keeps 36, a deviation no guest that can address the
	 * APIC base above 4 GiB can see.
	 */
	cfg.maxphyaddr = TV_MAX(maxphyaddr, 36U);
	if (cfg.maxphyaddr == vm->apic.lapic.cfg.maxphyaddr)
		return;
	if (vlapic_init(&vm->apic.lapic, &cfg)) {
		vm->end = VM_END_STOPPED;
		tv_strlcpy(vm->end_why, "its LAPIC refused the CPUID's MAXPHYADDR", sizeof(vm->end_why));
	}
}

void vcpuid_vm_start(struct vm *vm, uint32_t hide)
{
	struct vlapic_config cfg = vm->apic.lapic.cfg;

	hide = vcpuid_hide_closure(hide);
	vm->cpuid_hide = hide;
	vm->msrs.xcr0_hidden = vcpuid_hide_xcr0(hide);
	if (!hide)
		return;
	pr_info("cpuid_hide: %#x (after dependencies), XCR0 bits refused %#llx\n", hide,
		(unsigned long long)vm->msrs.xcr0_hidden);
	/*
	 * The LAPIC follows what CPUID says (lapic/vlapic.h): no EXTD, no
	 * x2APIC MSRs, no TSC-deadline mode or MSR.  Still at power-up, so
	 * initializing it again loses nothing.
	 */
	cfg.has_x2apic = !(hide & VCPUID_HIDE_X2APIC);
	cfg.has_tsc_deadline = !(hide & VCPUID_HIDE_TSC_DEADLINE);
	if (vlapic_init(&vm->apic.lapic, &cfg)) {
		vm->end = VM_END_STOPPED;
		tv_strlcpy(vm->end_why, "its LAPIC refused the cpuid_hide= configuration",
			   sizeof(vm->end_why));
	}
}
