/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * What CPUID tells a guest: the host's leaves, minus what tickvisor does not
 * virtualize, plus the hypervisor leaves (include/tv/hypercall_abi.h).
 * Pure: the host's values come in through a callback, so every rule is
 * tested on the host.
 */
#ifndef TV_VMM_VCPUID_H
#define TV_VMM_VCPUID_H

#include <tv/types.h>
#include <x86/cpuid.h>

/*
 * cpuid_hide= (vmm/config.c names bit i as its i-th name, in this order):
 * features a VM is not shown.  A hidden feature also hides what needs it
 * (vcpuid_hide_closure()): xsave -> avx, avx512, pku, MPX and leaf 0DH;
 * avx -> avx512.
 */
#define VCPUID_HIDE_X2APIC		(1U << 0)	/* 1:ECX.x2APIC; the LAPIC refuses x2APIC mode */
#define VCPUID_HIDE_TSC_DEADLINE	(1U << 1)	/* 1:ECX.TSC_DEADLINE; LVTT mode 2, the MSR */
#define VCPUID_HIDE_XSAVE		(1U << 2)	/* 1:ECX.XSAVE/OSXSAVE, leaf 0DH, MPX */
#define VCPUID_HIDE_AVX			(1U << 3)	/* AVX and every VEX/EVEX extension, XCR0[2] */
#define VCPUID_HIDE_AVX512		(1U << 4)	/* the AVX-512 flags, XCR0[7:5] */
#define VCPUID_HIDE_PKU			(1U << 5)	/* 7:ECX.PKU/OSPKE, XCR0[9] */
#define VCPUID_HIDE_PCID		(1U << 6)	/* 1:ECX.PCID */
#define VCPUID_HIDE_INVPCID		(1U << 7)	/* 7:EBX.INVPCID */
#define VCPUID_HIDE_RDTSCP		(1U << 8)	/* 80000001H:EDX.RDTSCP and 7:ECX.RDPID */
#define VCPUID_HIDE_COUNT		9U

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
	uint32_t hide;			/* VCPUID_HIDE_*, already closed (vcpuid_hide_closure()) */
};

typedef void (*vcpuid_host_fn)(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);

/* @brief The guest's view of CPUID(leaf, subleaf). */
void vcpuid_emulate(const struct vcpuid_config *cfg, uint32_t leaf, uint32_t subleaf,
		    vcpuid_host_fn host, struct cpuid_regs *out);

/* @return `hide` plus every feature that depends on one in it (the rules above). */
uint32_t vcpuid_hide_closure(uint32_t hide);

/*
 * @return the XCR0 bits that `hide` (closed) takes out of CPUID.(EAX=0DH,
 *         ECX=0):EDX:EAX: XSETBV refuses them (vmsr_state.xcr0_hidden).
 */
uint64_t vcpuid_hide_xcr0(uint32_t hide);

#define VCPUID_MAXPHYADDR_MIN	32U
#define VCPUID_MAXPHYADDR_MAX	52U

/*
 * @return the guest's MAXPHYADDR: CPUID.80000008H:EAX[7:0] as this guest
 *         sees it, 36 or 32 (PAE or not) without that leaf, kept in 32..52.
 */
unsigned int vcpuid_maxphyaddr(const struct vcpuid_config *cfg, vcpuid_host_fn host);

#endif /* TV_VMM_VCPUID_H */
