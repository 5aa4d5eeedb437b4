/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "vcpuid.h"

#include <hv/hypercall_abi.h>

#include "string.h"

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

/*
 * Each leaf group's rule: edit the host's answer (already in `out`; zeros
 * for the synthesized leaves 15H and 16H) into the guest's.
 */
typedef void (*vcpuid_leaf_fn)(const struct vcpuid_config *cfg, uint32_t subleaf,
			       struct cpuid_regs *out);

static void vcpuid_leaf0(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)subleaf;
	out->eax = HV_MAX(out->eax, VCPUID_MIN_BASIC);
	if (cfg->is_cpuid_limited)
		out->eax = 2;
}

static void vcpuid_leaf1(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)subleaf;
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
}

static void vcpuid_leaf4(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)cfg;
	(void)subleaf;
	/* One core per package, one thread per cache. */
	out->eax &= 0x3fffU;
}

/*
 * 05H: MONITOR/MWAIT are not offered; 0AH: no PMU, the architectural
 * performance monitoring leaf is empty; 12H: no SGX, its enumeration leaf is
 * empty (7.EBX[2] is clear); 14H: no Intel PT, its MSRs #GP (7.EBX[25] is
 * clear).
 */
static void vcpuid_leaf_empty(const struct vcpuid_config *cfg, uint32_t subleaf,
			      struct cpuid_regs *out)
{
	(void)cfg;
	(void)subleaf;
	hv_memset(out, 0, sizeof(*out));
}

static void vcpuid_leaf6(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)cfg;
	(void)subleaf;
	out->eax &= C6_EAX_ARAT;
	out->ebx = out->ecx = out->edx = 0;
}

static void vcpuid_leaf7(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	if (subleaf != 0)
		return;
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

static void vcpuid_leafd(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)cfg;
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
}

static void vcpuid_leaf15(const struct vcpuid_config *cfg, uint32_t subleaf,
			  struct cpuid_regs *out)
{
	(void)subleaf;
	/* TSC Hz = ECX * EBX / EAX: a 1 kHz "crystal" makes it exact in kHz. */
	out->eax = 1;
	out->ebx = (uint32_t)cfg->tsc_khz;
	out->ecx = 1000;
	out->edx = 0;
}

static void vcpuid_leaf16(const struct vcpuid_config *cfg, uint32_t subleaf,
			  struct cpuid_regs *out)
{
	(void)subleaf;
	out->eax = (uint32_t)(cfg->tsc_khz / 1000U);
	out->ebx = out->eax;
	out->ecx = (uint32_t)(cfg->apic_timer_khz / 1000U);
	out->edx = 0;
}

static void vcpuid_leaf80000001(const struct vcpuid_config *cfg, uint32_t subleaf,
				struct cpuid_regs *out)
{
	(void)subleaf;
	if (!cfg->has_rdtscp)
		out->edx &= ~CE1_EDX_RDTSCP;
	/* SDM Vol. 4, IA32_MISC_ENABLE[34] "XD Bit Disable": the XD flag is clear. */
	if (cfg->is_xd_disabled)
		out->edx &= ~CE1_EDX_NX;
}

static void vcpuid_leaf80000007(const struct vcpuid_config *cfg, uint32_t subleaf,
				struct cpuid_regs *out)
{
	(void)cfg;
	(void)subleaf;
	out->eax = out->ebx = out->ecx = 0;
	out->edx &= CE7_EDX_INVARIANT_TSC;
}

/* The leaves with a rule; every other leaf passes the host's answer through. */
static const struct {
	uint32_t leaf;
	vcpuid_leaf_fn edit_fn;
} vcpuid_leaves[] = {
	{ 0x0U, vcpuid_leaf0 },
	{ 0x1U, vcpuid_leaf1 },
	{ 0x4U, vcpuid_leaf4 },
	{ 0x5U, vcpuid_leaf_empty },
	{ 0x6U, vcpuid_leaf6 },
	{ 0x7U, vcpuid_leaf7 },
	{ 0xaU, vcpuid_leaf_empty },
	{ 0xbU, vcpuid_topology },
	{ 0xdU, vcpuid_leafd },
	{ 0x12U, vcpuid_leaf_empty },
	{ 0x14U, vcpuid_leaf_empty },
	{ 0x15U, vcpuid_leaf15 },
	{ 0x16U, vcpuid_leaf16 },
	{ 0x1fU, vcpuid_topology },
	{ 0x80000001U, vcpuid_leaf80000001 },
	{ 0x80000007U, vcpuid_leaf80000007 },
};

/* The hypervisor range 40000000H-4FFFFFFFH: ours, whatever the host has. */
static void vcpuid_hypervisor_leaf(const struct vcpuid_config *cfg, uint32_t leaf,
				   struct cpuid_regs *out)
{
	if (leaf == TV_CPUID_SIGNATURE) {
		vcpuid_signature(out);
	} else if (leaf == TV_CPUID_TIMING) {
		out->eax = (uint32_t)cfg->tsc_khz;
		out->ebx = (uint32_t)cfg->apic_timer_khz;
	}
}

/* Whether `leaf` exists for the guest (else it reads as zeros). */
static bool vcpuid_has_leaf(const struct vcpuid_config *cfg, uint32_t leaf, vcpuid_host_fn host)
{
	struct cpuid_regs max;

	/*
	 * SDM Vol. 4, IA32_MISC_ENABLE[22] "Limit CPUID Maxval": CPUID.00H
	 * reports 2.  The leaves above it then answer as for a CPU whose
	 * highest basic leaf is 2 (zeros, as every leaf past the maximum here).
	 */
	if (cfg->is_cpuid_limited && leaf > 2U && leaf < 0x80000000U)
		return false;
	host(leaf & 0x80000000U, 0, &max);
	if (leaf < 0x80000000U && leaf > HV_MAX(max.eax, VCPUID_MIN_BASIC))
		return false;	/* deviation: real CPUs repeat the highest leaf; we answer zeros */
	if (leaf >= 0x80000000U && leaf > max.eax)
		return false;
	if (leaf < 0x80000000U && leaf > max.eax && leaf != 0x15U && leaf != 0x16U)
		return false;
	return true;
}

void vcpuid_emulate(const struct vcpuid_config *cfg, uint32_t leaf, uint32_t subleaf,
		    vcpuid_host_fn host, struct cpuid_regs *out)
{
	hv_memset(out, 0, sizeof(*out));
	if (leaf >= 0x40000000U && leaf < 0x50000000U) {
		vcpuid_hypervisor_leaf(cfg, leaf, out);
		return;
	}
	if (!vcpuid_has_leaf(cfg, leaf, host))
		return;
	if (leaf != 0x15U && leaf != 0x16U)
		host(leaf, subleaf, out);
	for (size_t i = 0; i < HV_ARRAY_SIZE(vcpuid_leaves); i++) {
		if (vcpuid_leaves[i].leaf == leaf) {
			vcpuid_leaves[i].edit_fn(cfg, subleaf, out);
			return;
		}
	}
}
