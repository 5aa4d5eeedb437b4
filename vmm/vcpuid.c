/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "vcpuid.h"

#include <hv/hypercall_abi.h>

#include <hv/string.h>

/* CPUID.1:ECX */
#define C1_ECX_MONITOR		(1U << 3)
#define C1_ECX_DSCPL		(1U << 4)
#define C1_ECX_VMX		(1U << 5)
#define C1_ECX_SMX		(1U << 6)
#define C1_ECX_EST		(1U << 7)
#define C1_ECX_TM2		(1U << 8)
#define C1_ECX_PDCM		(1U << 15)
#define C1_ECX_X2APIC		(1U << 21)
#define C1_ECX_TSC_DEADLINE	(1U << 24)
#define C1_ECX_OSXSAVE		(1U << 27)
#define C1_ECX_HYPERVISOR	(1U << 31)
/* CPUID.1:EDX */
#define C1_EDX_APIC		(1U << 9)
#define C1_EDX_DS		(1U << 21)
#define C1_EDX_ACPI		(1U << 22)
#define C1_EDX_HTT		(1U << 28)
#define C1_EDX_TM		(1U << 29)
#define C1_EDX_PBE		(1U << 31)
/* CPUID.7.0 */
#define C7_EBX_SGX		(1U << 2)
#define C7_EBX_INVPCID		(1U << 10)
#define C7_EBX_INTEL_PT		(1U << 25)
#define C7_ECX_WAITPKG		(1U << 5)
#define C7_ECX_CET_SS		(1U << 7)
#define C7_ECX_RDPID		(1U << 22)
#define C7_ECX_SGX_LC		(1U << 30)
#define C7_ECX_PKS		(1U << 31)
#define C7_EDX_CET_IBT		(1U << 20)
/*
 * IBRS/IBPB (26), STIBP (27), L1D_FLUSH (28: IA32_FLUSH_CMD),
 * ARCH_CAPABILITIES (29), CORE_CAPABILITIES (30), SSBD (31): each names an
 * MSR that vmm/vmsr.c does not offer, so a guest that saw the bit would take
 * a #GP on its first access.
 */
#define C7_EDX_SPEC_MSRS	((1U << 26) | (1U << 27) | (1U << 28) | (1U << 29) | \
				 (1U << 30) | (1U << 31))
#define C6_EAX_ARAT		(1U << 2)
#define CD1_EAX_XSAVES		(1U << 3)
#define CE7_EDX_INVARIANT_TSC	(1U << 8)
#define CE1_EDX_NX		(1U << 20)
#define CE1_EDX_RDTSCP		(1U << 27)
#define CR4_OSXSAVE_BIT		(1ULL << 18)
#define VCPUID_MIN_BASIC	0x16U	/* we always answer the TSC leaves 0x15/0x16 */

static void vcpuid_signature(struct cpuid_regs *out)
{
	const char sig[12] = TV_SIGNATURE;

	out->eax = TV_CPUID_TIMING;
	hv_memcpy(&out->ebx, sig, 4);
	hv_memcpy(&out->ecx, sig + 4, 4);
	hv_memcpy(&out->edx, sig + 8, 4);
}

static void vcpuid_topology(const struct vcpuid_config *cfg, uint32_t subleaf,
			    struct cpuid_regs *out)
{
	/*
	 * One thread, one core: SDM Vol. 2A, CPUID leaf 0BH "Extended Topology
	 * Enumeration".  ECX[7:0] echoes only the low byte of the input ECX, and
	 * every sub-leaf past the first invalid one (level type 0) is invalid
	 * too, so sub-leaf 0x100 must not read back as level type SMT.
	 */
	out->eax = 0;
	out->ebx = subleaf < 2 ? 1U : 0U;
	out->ecx = subleaf < 2 ? (subleaf | ((subleaf + 1U) << 8)) : (subleaf & 0xffU);
	out->edx = cfg->apic_id;
}

void vcpuid_emulate(const struct vcpuid_config *cfg, uint32_t leaf, uint32_t subleaf,
		    vcpuid_host_fn host, struct cpuid_regs *out)
{
	struct cpuid_regs max;

	hv_memset(out, 0, sizeof(*out));
	if (leaf >= 0x40000000U && leaf < 0x50000000U) {
		if (leaf == TV_CPUID_SIGNATURE) {
			vcpuid_signature(out);
		} else if (leaf == TV_CPUID_TIMING) {
			out->eax = (uint32_t)cfg->tsc_khz;
			out->ebx = (uint32_t)cfg->apic_timer_khz;
		}
		return;
	}
	/*
	 * SDM Vol. 4, IA32_MISC_ENABLE[22] "Limit CPUID Maxval": CPUID.00H
	 * reports 2.  The leaves above it then answer as for a CPU whose
	 * highest basic leaf is 2 (zeros, as every leaf past the maximum here).
	 */
	if (cfg->is_cpuid_limited && leaf > 2U && leaf < 0x80000000U)
		return;
	host(leaf & 0x80000000U, 0, &max);
	if (leaf < 0x80000000U && leaf > HV_MAX(max.eax, VCPUID_MIN_BASIC))
		return;	/* deviation: real CPUs repeat the highest leaf; we answer zeros */
	if (leaf >= 0x80000000U && leaf > max.eax)
		return;
	if (leaf < 0x80000000U && leaf > max.eax && leaf != 0x15U && leaf != 0x16U)
		return;
	if (leaf != 0x15U && leaf != 0x16U)
		host(leaf, subleaf, out);

	switch (leaf) {
	case 0x0:
		out->eax = HV_MAX(out->eax, VCPUID_MIN_BASIC);
		if (cfg->is_cpuid_limited)
			out->eax = 2;
		break;
	case 0x1:
		out->ecx &= ~(C1_ECX_MONITOR | C1_ECX_DSCPL | C1_ECX_VMX | C1_ECX_SMX |
			      C1_ECX_EST | C1_ECX_TM2 | C1_ECX_PDCM | C1_ECX_X2APIC |
			      C1_ECX_TSC_DEADLINE | C1_ECX_OSXSAVE);
		out->ecx |= C1_ECX_HYPERVISOR;
		if (cfg->has_x2apic)
			out->ecx |= C1_ECX_X2APIC;
		if (cfg->has_tsc_deadline)
			out->ecx |= C1_ECX_TSC_DEADLINE;
		if (cfg->guest_cr4 & CR4_OSXSAVE_BIT)
			out->ecx |= C1_ECX_OSXSAVE;
		out->edx &= ~(C1_EDX_DS | C1_EDX_ACPI | C1_EDX_HTT | C1_EDX_TM | C1_EDX_PBE |
			      C1_EDX_APIC);
		/*
		 * SDM Vol. 3A, "Enabling or Disabling the Local APIC": with
		 * IA32_APIC_BASE[11] 0, "the processor is functionally
		 * equivalent to an IA-32 processor without an on-chip APIC. The
		 * CPUID feature flag for the APIC ... is also set to 0".  The APIC is emulated, so the host's bit does not
		 * matter: the guest's enable decides.
		 */
		if (cfg->is_apic_enabled)
			out->edx |= C1_EDX_APIC;
		/* EBX: initial APIC ID in 31:24, one logical processor in 23:16. */
		out->ebx = (out->ebx & 0xffffU) | (1U << 16) | (cfg->apic_id << 24);
		break;
	case 0x4:
		/* One core per package, one thread per cache. */
		out->eax &= 0x3fffU;
		break;
	case 0x5:	/* MONITOR/MWAIT are not offered */
	case 0xa:	/* no PMU: architectural performance monitoring leaf empty */
	case 0x12:	/* no SGX: its enumeration leaf is empty (7.EBX[2] is clear) */
	case 0x14:	/* no Intel PT: its MSRs #GP (7.EBX[25] is clear) */
		hv_memset(out, 0, sizeof(*out));
		break;
	case 0x6:
		out->eax &= C6_EAX_ARAT;
		out->ebx = out->ecx = out->edx = 0;
		break;
	case 0x7:
		if (subleaf == 0) {
			/*
			 * Each hidden bit promises state the guest does not get:
			 * SGX and SGX launch control (ENCLS exits, the SGX MSRs),
			 * Intel PT (IA32_RTIT_* MSRs), CET shadow stacks and IBT
			 * (IA32_U_CET, IA32_S_CET, IA32_PL*_SSP: vmm/vmsr.c #GPs
			 * them, and CR4.CET needs the VM-entry/exit CET controls).
			 */
			out->ebx &= ~(C7_EBX_SGX | C7_EBX_INTEL_PT);
			if (!cfg->has_invpcid)
				out->ebx &= ~C7_EBX_INVPCID;
			out->ecx &= ~(C7_ECX_WAITPKG | C7_ECX_CET_SS | C7_ECX_SGX_LC | C7_ECX_PKS);
			out->edx &= ~C7_EDX_CET_IBT;
			/*
			 * RDPID is governed by the "enable RDTSCP" control: with it
			 * 0, RDPID raises #UD in VMX non-root operation (SDM Vol. 3C,
			 * "Changes to Instruction Behavior in VMX Non-Root Operation").
			 */
			if (!cfg->has_rdtscp)
				out->ecx &= ~C7_ECX_RDPID;
			out->edx &= ~C7_EDX_SPEC_MSRS;
		}
		break;
	case 0xb:
	case 0x1f:
		vcpuid_topology(cfg, subleaf, out);
		break;
	case 0xd:
		/*
		 * XSAVES/XRSTORS raise #UD in VMX non-root operation unless the
		 * "enable XSAVES/XRSTORS" control is 1 (SDM Vol. 3C, "Changes to
		 * Instruction Behavior in VMX Non-Root Operation"); we leave it 0,
		 * and IA32_XSS is not offered, so no supervisor state components.
		 */
		if (subleaf == 1) {
			out->eax &= ~CD1_EAX_XSAVES;
			out->ecx = out->edx = 0;
		}
		break;
	case 0x15:
		/* TSC Hz = ECX * EBX / EAX: a 1 kHz "crystal" makes it exact in kHz. */
		out->eax = 1;
		out->ebx = (uint32_t)cfg->tsc_khz;
		out->ecx = 1000;
		out->edx = 0;
		break;
	case 0x16:
		out->eax = (uint32_t)(cfg->tsc_khz / 1000U);
		out->ebx = out->eax;
		out->ecx = (uint32_t)(cfg->apic_timer_khz / 1000U);
		out->edx = 0;
		break;
	case 0x80000001U:
		if (!cfg->has_rdtscp)
			out->edx &= ~CE1_EDX_RDTSCP;
		/* SDM Vol. 4, IA32_MISC_ENABLE[34] "XD Bit Disable": the XD flag is clear. */
		if (cfg->is_xd_disabled)
			out->edx &= ~CE1_EDX_NX;
		break;
	case 0x80000007U:
		out->eax = out->ebx = out->ecx = 0;
		out->edx &= CE7_EDX_INVARIANT_TSC;
		break;
	default:
		break;
	}
}
