/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "vcpuid.h"

#include <tv/hypercall_abi.h>

#include <tv/string.h>

/*
 * CPUID.(7,0):EDX IBRS/IBPB, STIBP, L1D_FLUSH (IA32_FLUSH_CMD),
 * ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD: each names an MSR that
 * vmm/vmsr.c does not offer, so a guest that saw the bit would take a #GP on
 * its first access.
 */
#define VCPUID_7_EDX_SPEC_MSRS	(CPUID_7_EDX_IBRS_IBPB | CPUID_7_EDX_STIBP | \
				 CPUID_7_EDX_L1D_FLUSH | CPUID_7_EDX_ARCH_CAPABILITIES | \
				 CPUID_7_EDX_CORE_CAPABILITIES | CPUID_7_EDX_SSBD)
#define VCPUID_MIN_BASIC	0x16U	/* we always answer the TSC leaves 0x15/0x16 */

static void vcpuid_signature(struct cpuid_regs *out)
{
	const char sig[12] = TV_SIGNATURE;

	out->eax = TV_CPUID_TIMING;
	tv_memcpy(&out->ebx, sig, 4);
	tv_memcpy(&out->ecx, sig + 4, 4);
	tv_memcpy(&out->edx, sig + 8, 4);
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
	out->eax = TV_MAX(out->eax, VCPUID_MIN_BASIC);
	if (cfg->is_cpuid_limited)
		out->eax = 2;
}

static void vcpuid_leaf1(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)subleaf;
	out->ecx &= ~(CPUID_1_ECX_MONITOR | CPUID_1_ECX_DSCPL | CPUID_1_ECX_VMX | CPUID_1_ECX_SMX |
		      CPUID_1_ECX_EST | CPUID_1_ECX_TM2 | CPUID_1_ECX_PDCM | CPUID_1_ECX_X2APIC |
		      CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_OSXSAVE);
	out->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (cfg->has_x2apic)
		out->ecx |= CPUID_1_ECX_X2APIC;
	if (cfg->has_tsc_deadline)
		out->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	if (cfg->guest_cr4 & CPUID_CR4_OSXSAVE)
		out->ecx |= CPUID_1_ECX_OSXSAVE;
	out->edx &= ~(CPUID_1_EDX_DS | CPUID_1_EDX_ACPI | CPUID_1_EDX_HTT | CPUID_1_EDX_TM | CPUID_1_EDX_PBE |
		      CPUID_1_EDX_APIC);
	/*
	 * SDM Vol. 3A, "Enabling or Disabling the Local APIC": with
	 * IA32_APIC_BASE[11] 0, "the processor is functionally
	 * equivalent to an IA-32 processor without an on-chip APIC. The
	 * CPUID feature flag for the APIC ... is also set to 0".  The APIC is emulated, so the host's bit does not
	 * matter: the guest's enable decides.
	 */
	if (cfg->is_apic_enabled)
		out->edx |= CPUID_1_EDX_APIC;
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
	tv_memset(out, 0, sizeof(*out));
}

static void vcpuid_leaf6(const struct vcpuid_config *cfg, uint32_t subleaf,
			 struct cpuid_regs *out)
{
	(void)cfg;
	(void)subleaf;
	out->eax &= CPUID_6_EAX_ARAT;
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
	out->ebx &= ~(CPUID_7_EBX_SGX | CPUID_7_EBX_INTEL_PT);
	if (!cfg->has_invpcid)
		out->ebx &= ~CPUID_7_EBX_INVPCID;
	out->ecx &= ~(CPUID_7_ECX_WAITPKG | CPUID_7_ECX_CET_SS | CPUID_7_ECX_SGX_LC | CPUID_7_ECX_PKS);
	out->edx &= ~CPUID_7_EDX_CET_IBT;
	/*
	 * RDPID is governed by the "enable RDTSCP" control: with it
	 * 0, RDPID raises #UD in VMX non-root operation (SDM Vol. 3C,
	 * "Changes to Instruction Behavior in VMX Non-Root Operation").
	 */
	if (!cfg->has_rdtscp)
		out->ecx &= ~CPUID_7_ECX_RDPID;
	out->edx &= ~VCPUID_7_EDX_SPEC_MSRS;
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
		out->eax &= ~CPUID_D_1_EAX_XSAVES;
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
		out->edx &= ~CPUID_80000001_EDX_RDTSCP;
	/* SDM Vol. 4, IA32_MISC_ENABLE[34] "XD Bit Disable": the XD flag is clear. */
	if (cfg->is_xd_disabled)
		out->edx &= ~CPUID_80000001_EDX_NX;
}

static void vcpuid_leaf80000007(const struct vcpuid_config *cfg, uint32_t subleaf,
				struct cpuid_regs *out)
{
	(void)cfg;
	(void)subleaf;
	out->eax = out->ebx = out->ecx = 0;
	out->edx &= CPUID_80000007_EDX_INVARIANT_TSC;
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
	if (leaf < 0x80000000U && leaf > TV_MAX(max.eax, VCPUID_MIN_BASIC))
		return false;	/* deviation: real CPUs repeat the highest leaf; we answer zeros */
	if (leaf >= 0x80000000U && leaf > max.eax)
		return false;
	if (leaf < 0x80000000U && leaf > max.eax && leaf != 0x15U && leaf != 0x16U)
		return false;
	return true;
}

uint32_t vcpuid_hide_closure(uint32_t hide)
{
	/*
	 * AVX state is an XSAVE state component enabled through XCR0 (SDM
	 * Vol. 1, "Detection of Intel AVX Instructions": the OS must have set
	 * XCR0[2:1] with XSETBV), AVX-512 needs XCR0[2:1] too ("Detection of
	 * AVX-512 Foundation Instructions"), and PKRU and the MPX bounds are
	 * XSAVE-managed state (Linux's cpuid-deps table ties PKU and MPX to
	 * XSAVE the same way).
	 */
	if (hide & VCPUID_HIDE_XSAVE)
		hide |= VCPUID_HIDE_AVX | VCPUID_HIDE_PKU;
	if (hide & VCPUID_HIDE_AVX)
		hide |= VCPUID_HIDE_AVX512;
	return hide;
}

uint64_t vcpuid_hide_xcr0(uint32_t hide)
{
	uint64_t bits = 0;

	hide = vcpuid_hide_closure(hide);
	if (hide & VCPUID_HIDE_XSAVE)
		return ~0ULL;
	if (hide & VCPUID_HIDE_AVX)
		bits |= 1ULL << 2;
	if (hide & VCPUID_HIDE_AVX512)
		bits |= 7ULL << 5;	/* opmask, ZMM_Hi256, Hi16_ZMM */
	if (hide & VCPUID_HIDE_PKU)
		bits |= 1ULL << 9;
	return bits;
}

/*
 * CPUID.(EAX=0DH,ECX=0):ECX, "maximum size (bytes ...) of the XSAVE/XRSTOR
 * save area required by all supported features": recomputed over the
 * components still shown, as the end of the furthest one (its sub-leaf i:
 * EAX size, EBX offset), at least the legacy area and header (576 bytes).
 */
static uint32_t vcpuid_xsave_max_size(uint64_t shown, vcpuid_host_fn host)
{
	uint32_t size = 576U;
	struct cpuid_regs c;

	for (uint32_t i = 2; i < 63U; i++) {
		if (!(shown & (1ULL << i)))
			continue;
		host(0xdU, i, &c);
		if (c.ebx + c.eax > size)
			size = c.ebx + c.eax;
	}
	return size;
}

/* Leaf 0DH under cpuid_hide=: the hidden components are not supported. */
static void vcpuid_hide_leafd(uint64_t xcr0_hidden, uint32_t subleaf, vcpuid_host_fn host,
			      struct cpuid_regs *out)
{
	uint64_t shown;

	if (xcr0_hidden == ~0ULL) {
		/* No XSAVE: "CPUID leaf 0DH ... is valid only if CPUID.1:ECX.XSAVE = 1". */
		tv_memset(out, 0, sizeof(*out));
		return;
	}
	if (subleaf == 0) {
		out->eax &= ~(uint32_t)xcr0_hidden;
		out->edx &= ~(uint32_t)(xcr0_hidden >> 32);
		shown = ((uint64_t)out->edx << 32) | out->eax;
		out->ecx = vcpuid_xsave_max_size(shown, host);
	} else if (subleaf >= 2U && subleaf < 64U && (xcr0_hidden & (1ULL << subleaf))) {
		/* Sub-leaf i of an unsupported component i reads 0 ("...returns 0 in EAX"). */
		tv_memset(out, 0, sizeof(*out));
	}
}

/*
 * cpuid_hide=: clear what the VM is not shown, after the leaf's own rule.
 * Each flag's dependants go with it (vcpuid_hide_closure(); vcpuid.h).
 */
static void vcpuid_hide(uint32_t hide, uint32_t leaf, uint32_t subleaf, vcpuid_host_fn host,
			struct cpuid_regs *out)
{
	hide = vcpuid_hide_closure(hide);
	if (leaf == 1U) {
		if (hide & VCPUID_HIDE_X2APIC)
			out->ecx &= ~CPUID_1_ECX_X2APIC;
		if (hide & VCPUID_HIDE_TSC_DEADLINE)
			out->ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
		if (hide & VCPUID_HIDE_XSAVE)
			out->ecx &= ~(CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE);
		/* FMA and F16C are VEX-encoded: #UD unless XCR0 enables AVX state. */
		if (hide & VCPUID_HIDE_AVX)
			out->ecx &= ~(CPUID_1_ECX_AVX | CPUID_1_ECX_FMA | CPUID_1_ECX_F16C);
		if (hide & VCPUID_HIDE_PCID)
			out->ecx &= ~CPUID_1_ECX_PCID;
	} else if (leaf == 7U && subleaf == 0U) {
		if (hide & VCPUID_HIDE_XSAVE)
			out->ebx &= ~CPUID_7_EBX_MPX;
		if (hide & VCPUID_HIDE_AVX) {
			out->ebx &= ~CPUID_7_EBX_AVX2;
			out->ecx &= ~CPUID_7_ECX_VAES_VPCLMULQDQ;
		}
		if (hide & VCPUID_HIDE_AVX512) {
			out->ebx &= ~CPUID_7_EBX_AVX512;
			out->ecx &= ~CPUID_7_ECX_AVX512;
			out->edx &= ~CPUID_7_EDX_AVX512;
		}
		if (hide & VCPUID_HIDE_PKU)
			out->ecx &= ~(CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE);
		if (hide & VCPUID_HIDE_INVPCID)
			out->ebx &= ~CPUID_7_EBX_INVPCID;
		if (hide & VCPUID_HIDE_RDTSCP)
			out->ecx &= ~CPUID_7_ECX_RDPID;	/* reads IA32_TSC_AUX, as RDTSCP */
	} else if (leaf == 7U && subleaf == 1U) {
		if (hide & VCPUID_HIDE_AVX)
			out->eax &= ~CPUID_7_1_EAX_AVX_VNNI;
		if (hide & VCPUID_HIDE_AVX512)
			out->eax &= ~CPUID_7_1_EAX_AVX512_BF16;
	} else if (leaf == 0xdU) {
		vcpuid_hide_leafd(vcpuid_hide_xcr0(hide), subleaf, host, out);
	} else if (leaf == 0x80000001U && (hide & VCPUID_HIDE_RDTSCP)) {
		out->edx &= ~CPUID_80000001_EDX_RDTSCP;
	}
}

void vcpuid_emulate(const struct vcpuid_config *cfg, uint32_t leaf, uint32_t subleaf,
		    vcpuid_host_fn host, struct cpuid_regs *out)
{
	tv_memset(out, 0, sizeof(*out));
	if (leaf >= 0x40000000U && leaf < 0x50000000U) {
		vcpuid_hypervisor_leaf(cfg, leaf, out);
		return;
	}
	if (!vcpuid_has_leaf(cfg, leaf, host))
		return;
	if (leaf != 0x15U && leaf != 0x16U)
		host(leaf, subleaf, out);
	for (size_t i = 0; i < TV_ARRAY_SIZE(vcpuid_leaves); i++) {
		if (vcpuid_leaves[i].leaf == leaf) {
			vcpuid_leaves[i].edit_fn(cfg, subleaf, out);
			break;
		}
	}
	if (cfg->hide)
		vcpuid_hide(cfg->hide, leaf, subleaf, host, out);
}

/*
 * SDM Vol. 3A, "Enumeration of Paging Features by CPUID": "CPUID.80000008H:
 * EAX[7:0] reports the physical-address width supported by the processor.
 * (For processors that do not support CPUID function 80000008H, the width
 * is generally 36 if CPUID.01H:EDX.PAE [bit 6] = 1 and 32 otherwise.)"
 * Asked through vcpuid_emulate(), so it is the width this guest is told.
 */
unsigned int vcpuid_maxphyaddr(const struct vcpuid_config *cfg, vcpuid_host_fn host)
{
	struct cpuid_regs r;
	unsigned int m;

	vcpuid_emulate(cfg, 0x80000000U, 0, host, &r);
	if (r.eax < 0x80000008U) {
		vcpuid_emulate(cfg, 1, 0, host, &r);
		return (r.edx & CPUID_1_EDX_PAE) ? 36U : 32U;
	}
	vcpuid_emulate(cfg, 0x80000008U, 0, host, &r);
	m = r.eax & 0xffU;
	/* A width outside the architecture's 32..52 is the host's error: keep it in range. */
	return TV_MIN(TV_MAX(m, VCPUID_MAXPHYADDR_MIN), VCPUID_MAXPHYADDR_MAX);
}
