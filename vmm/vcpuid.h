/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * What CPUID tells a guest: the host's leaves, minus what tickvisor does not
 * virtualize, plus the hypervisor leaves (include/hv/hypercall_abi.h).
 * Pure: the host's values come in through a callback, so every rule is
 * tested on the host.
 */
#ifndef HV_VMM_VCPUID_H
#define HV_VMM_VCPUID_H

#include <hv/types.h>
#include <x86/cpuid.h>

struct vcpuid_config {
	uint64_t tsc_khz;		/* guest TSC rate */
	uint64_t apic_timer_khz;	/* the virtual APIC timer's clock at divide 1 */
	uint32_t apic_id;
	bool has_x2apic;		/* advertised only once the LAPIC is emulated */
	bool is_apic_enabled;		/* IA32_APIC_BASE.EN now: CPUID.1:EDX.APIC follows it */
	bool has_tsc_deadline;
	bool has_rdtscp;		/* the RDTSCP control is enabled */
	bool has_invpcid;
	uint64_t guest_cr4;		/* CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE */
	/* IA32_MISC_ENABLE[22] Limit CPUID Maxval: basic leaves end at 2. */
	bool is_cpuid_limited;
	/* IA32_MISC_ENABLE[34] XD Bit Disable: CPUID.80000001H:EDX.NX reads 0. */
	bool is_xd_disabled;
};

typedef void (*vcpuid_host_fn)(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);

/* @brief The guest's view of CPUID(leaf, subleaf). */
void vcpuid_emulate(const struct vcpuid_config *cfg, uint32_t leaf, uint32_t subleaf,
		    vcpuid_host_fn host, struct cpuid_regs *out);

#endif /* HV_VMM_VCPUID_H */
