/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/vcpuid: the guest's CPUID, derived from recorded host CPUs through a
 * fake host callback.  One rule per case.
 *
 * Host records (numbers copied from tests/unit/data, which names their sources):
 *   bochs_tigerlake.txt   Bochs 2.7 "tigerlake" model as tickvisor saw it at boot
 *   ivybridge_i7_3770.txt a real Core i7-3770 (highest basic leaf 0xd, so no
 *                         leaf 0x15/0x16 of its own)
 * Leaves a record does not list read as zeros, as the README there says.
 * A third fake host answers all ones for every leaf: it shows that a bit the
 * rules clear is cleared whatever the host says.
 */
#include "harness.h"

#include <string.h>

#include <tv/hypercall_abi.h>

#include "../../vmm/vcpuid.h"

struct cpuid_record {
	uint32_t leaf;
	struct cpuid_regs r;
};

static const struct cpuid_record bochs_tigerlake[] = {
	{ 0x0U, { 0x0000001bU, 0x756e6547U, 0x6c65746eU, 0x49656e69U } },
	{ 0x1U, { 0x000806c1U, 0x00010800U, 0x77faf3bfU, 0xbfebfbffU } },
	{ 0x6U, { 0x0017eff7U, 0x00000002U, 0x00000009U, 0x00000000U } },
	{ 0x7U, { 0x00000000U, 0xf1bf27ebU, 0x00405fceU, 0xfc100510U } },
	{ 0x15U, { 0x00000002U, 0x0000007eU, 0x0249f000U, 0x00000000U } },
	{ 0x16U, { 0x00000960U, 0x00001068U, 0x00000064U, 0x00000000U } },
	{ 0x80000000U, { 0x80000008U, 0x00000000U, 0x00000000U, 0x00000000U } },
	{ 0x80000001U, { 0x00000000U, 0x00000000U, 0x00000121U, 0x2c100800U } },
	{ 0x80000007U, { 0x00000000U, 0x00000000U, 0x00000000U, 0x00000100U } },
	{ 0x80000008U, { 0x00003028U, 0x00000000U, 0x00000000U, 0x00000000U } },
};

static const struct cpuid_record ivybridge_i7_3770[] = {
	{ 0x0U, { 0x0000000dU, 0x756e6547U, 0x6c65746eU, 0x49656e69U } },
	{ 0x1U, { 0x000306a9U, 0x03100800U, 0x7fbae3ffU, 0xbfebfbffU } },
	{ 0x6U, { 0x00000077U, 0x00000002U, 0x00000009U, 0x00000000U } },
	{ 0x7U, { 0x00000000U, 0x00000281U, 0x00000000U, 0x9c000400U } },
	{ 0x80000000U, { 0x80000008U, 0x00000000U, 0x00000000U, 0x00000000U } },
	{ 0x80000001U, { 0x00000000U, 0x00000000U, 0x00000001U, 0x28100800U } },
	{ 0x80000007U, { 0x00000000U, 0x00000000U, 0x00000000U, 0x00000100U } },
	{ 0x80000008U, { 0x00003024U, 0x00000000U, 0x00000000U, 0x00000000U } },
};

/* The host the callback answers for; NULL records means "all ones". */
static const struct cpuid_record *host_recs;
static size_t host_nrecs;
static unsigned int host_calls;

static void host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	host_calls++;
	if (!host_recs) {
		out->eax = out->ebx = out->ecx = out->edx = 0xffffffffU;
		return;
	}
	memset(out, 0, sizeof(*out));
	/* The records hold sub-leaf 0 only; other sub-leaves were not read. */
	if (subleaf != 0 && (leaf == 0x4U || leaf == 0x7U || leaf == 0xbU || leaf == 0xdU ||
			     leaf == 0x1fU))
		return;
	for (size_t i = 0; i < host_nrecs; i++)
		if (host_recs[i].leaf == leaf)
			*out = host_recs[i].r;
}

#define USE_HOST(recs)	do { host_recs = (recs); host_nrecs = TV_ARRAY_SIZE(recs); } while (0)

static void use_all_ones_host(void)
{
	host_recs = NULL;
	host_nrecs = 0;
}

/* A plausible configuration; cases change the fields they are about. */
static struct vcpuid_config base_cfg(void)
{
	struct vcpuid_config c = {
		.tsc_khz = 2400000U,
		.apic_timer_khz = 1000000U,
		.apic_id = 0,
		.is_apic_enabled = true,	/* power-up: IA32_APIC_BASE.EN set */
	};
	return c;
}

static struct cpuid_regs guest(const struct vcpuid_config *cfg, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	memset(&r, 0xa5, sizeof(r));
	vcpuid_emulate(cfg, leaf, subleaf, host_cpuid, &r);
	return r;
}

static bool regs_zero(const struct cpuid_regs *r)
{
	return !r->eax && !r->ebx && !r->ecx && !r->edx;
}

/* CPUID.(7,0):EDX 31:26, the six speculation-control bits that name MSRs. */
#define SPEC_MSR_BITS	(CPUID_7_EDX_IBRS_IBPB | CPUID_7_EDX_STIBP | CPUID_7_EDX_L1D_FLUSH | \
			 CPUID_7_EDX_ARCH_CAPABILITIES | CPUID_7_EDX_CORE_CAPABILITIES | \
			 CPUID_7_EDX_SSBD)

/* CPUID.1:ECX[31] is the hypervisor-present bit guests detect us with. */
static void leaf1_sets_hypervisor_present_bit(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_CHECK(!(bochs_tigerlake[1].r.ecx & CPUID_1_ECX_HYPERVISOR));
	UT_CHECK(guest(&c, 1, 0).ecx & CPUID_1_ECX_HYPERVISOR);
	USE_HOST(ivybridge_i7_3770);
	UT_CHECK(guest(&c, 1, 0).ecx & CPUID_1_ECX_HYPERVISOR);
}

/* VMX, SMX, MONITOR, EST, TM2, PDCM (and DS-CPL) name features we do not virtualize. */
static void leaf1_clears_vmx_smx_monitor_est_tm2_pdcm(void)
{
	const uint32_t hidden = CPUID_1_ECX_MONITOR | CPUID_1_ECX_DSCPL | CPUID_1_ECX_VMX | CPUID_1_ECX_SMX |
				CPUID_1_ECX_EST | CPUID_1_ECX_TM2 | CPUID_1_ECX_PDCM;
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	/* The recorded host has all of them but SMX: the case tests a real clearing. */
	UT_EQ(bochs_tigerlake[1].r.ecx & hidden, hidden & ~CPUID_1_ECX_SMX);
	UT_EQ(guest(&c, 1, 0).ecx & hidden, 0);
	use_all_ones_host();
	UT_EQ(guest(&c, 1, 0).ecx & hidden, 0);
}

/* DS, ACPI (thermal MSRs), HTT, TM and PBE are hidden in CPUID.1:EDX. */
static void leaf1_clears_ds_acpi_htt_tm_pbe(void)
{
	const uint32_t hidden = CPUID_1_EDX_DS | CPUID_1_EDX_ACPI | CPUID_1_EDX_HTT | CPUID_1_EDX_TM |
				CPUID_1_EDX_PBE;
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_EQ(bochs_tigerlake[1].r.edx & hidden, hidden);
	UT_EQ(guest(&c, 1, 0).edx & hidden, 0);
	/* Everything else in EDX (FPU, TSC, MSR, APIC, SSE, SSE2, ...) passes through. */
	UT_EQ(guest(&c, 1, 0).edx, bochs_tigerlake[1].r.edx & ~hidden);
}

/*
 * CPUID.1:EDX.APIC (bit 9) follows IA32_APIC_BASE.EN (SDM Vol. 3A, "Enabling
 * or Disabling the Local APIC"): clear while the guest has the APIC globally
 * disabled, set again after it re-enables it, whatever the host says (the
 * APIC is emulated).  Nothing else in leaf 1 moves with it.
 */
static void leaf1_edx_apic_follows_apic_base_enable(void)
{
	const uint32_t apic = CPUID_1_EDX_APIC;
	static const struct cpuid_record no_apic_host[] = {
		{ 0x0U, { 0x0000000dU, 0, 0, 0 } },
		{ 0x1U, { 0x000306a9U, 0x00010800U, 0x7fbae3ffU, 0xbfebfbffU & ~CPUID_1_EDX_APIC } },
	};
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs on, off;

	USE_HOST(bochs_tigerlake);
	UT_CHECK(bochs_tigerlake[1].r.edx & apic);
	on = guest(&c, 1, 0);
	UT_EQ(on.edx & apic, apic);
	c.is_apic_enabled = false;
	off = guest(&c, 1, 0);
	UT_EQ(off.edx & apic, 0);
	UT_EQ(off.edx, on.edx & ~apic);
	UT_EQ(off.eax, on.eax);
	UT_EQ(off.ebx, on.ebx);
	UT_EQ(off.ecx, on.ecx);
	c.is_apic_enabled = true;
	UT_EQ(guest(&c, 1, 0).edx, on.edx);
	/* A host without the bit: the emulated APIC still sets it while enabled. */
	USE_HOST(no_apic_host);
	UT_EQ(guest(&c, 1, 0).edx & apic, apic);
	c.is_apic_enabled = false;
	UT_EQ(guest(&c, 1, 0).edx & apic, 0);
}

/* The family/model/stepping and the features we keep pass through untouched. */
static void leaf1_keeps_signature_and_other_features(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(ivybridge_i7_3770);
	r = guest(&c, 1, 0);
	UT_EQ(r.eax, 0x000306a9U);
	/* SSE3 (0), PCLMULQDQ (1), SSSE3 (9), SSE4.1 (19), SSE4.2 (20), AES (25), XSAVE (26), AVX (28). */
	UT_EQ(r.ecx & 0x16180203U, 0x16180203U);
}

static void leaf1_x2apic_only_when_configured(void)
{
	static const struct cpuid_record no_x2apic_host[] = {
		{ 0x0U, { 0x0000000dU, 0, 0, 0 } },
		{ 0x1U, { 0x000306a9U, 0x00010800U, ~CPUID_1_ECX_X2APIC, 0xbfebfbffU } },
	};
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_CHECK(bochs_tigerlake[1].r.ecx & CPUID_1_ECX_X2APIC);
	c.has_x2apic = false;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_X2APIC, 0);
	c.has_x2apic = true;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_X2APIC, CPUID_1_ECX_X2APIC);
	/* The emulated LAPIC provides it even when the host lacks it. */
	USE_HOST(no_x2apic_host);
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_X2APIC, CPUID_1_ECX_X2APIC);
	c.has_x2apic = false;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_X2APIC, 0);
}

static void leaf1_tsc_deadline_only_when_configured(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_CHECK(bochs_tigerlake[1].r.ecx & CPUID_1_ECX_TSC_DEADLINE);
	c.has_tsc_deadline = false;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE, 0);
	c.has_tsc_deadline = true;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE, CPUID_1_ECX_TSC_DEADLINE);
	/* The two bits are independent. */
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_X2APIC, 0);
}

/* CPUID.1:ECX.OSXSAVE[27] reflects CR4.OSXSAVE, not the host's bit. */
static void leaf1_osxsave_mirrors_guest_cr4(void)
{
	struct vcpuid_config c = base_cfg();

	use_all_ones_host();
	c.guest_cr4 = 0;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_OSXSAVE, 0);
	c.guest_cr4 = CPUID_CR4_OSXSAVE | 0x20U;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_OSXSAVE, CPUID_1_ECX_OSXSAVE);
	USE_HOST(bochs_tigerlake);
	UT_CHECK(!(bochs_tigerlake[1].r.ecx & CPUID_1_ECX_OSXSAVE));
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_OSXSAVE, CPUID_1_ECX_OSXSAVE);
	c.guest_cr4 = ~CPUID_CR4_OSXSAVE;
	UT_EQ(guest(&c, 1, 0).ecx & CPUID_1_ECX_OSXSAVE, 0);
}

/* CPUID.1:EBX: initial APIC ID in 31:24, one logical processor in 23:16, CLFLUSH size and brand kept. */
static void leaf1_ebx_apic_id_and_one_logical_processor(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(ivybridge_i7_3770);	/* host EBX 0x03100800: APIC ID 3, 16 logical */
	c.apic_id = 0;
	r = guest(&c, 1, 0);
	UT_EQ(r.ebx >> 24, 0);
	UT_EQ((r.ebx >> 16) & 0xffU, 1);
	UT_EQ((r.ebx >> 8) & 0xffU, 8);	/* CLFLUSH line 8 * 8 = 64 bytes */
	UT_EQ(r.ebx & 0xffU, 0);
	c.apic_id = 0x5aU;
	r = guest(&c, 1, 0);
	UT_EQ(r.ebx, 0x5a010800U);
}

/* Leaf 0 reports at least 0x16 so that the TSC leaves are reachable; the vendor is the host's. */
static void leaf0_max_basic_leaf_at_least_0x16(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(ivybridge_i7_3770);
	r = guest(&c, 0, 0);
	UT_EQ(r.eax, 0x16U);
	UT_EQ(r.ebx, 0x756e6547U);	/* "Genu" */
	UT_EQ(r.edx, 0x49656e69U);	/* "ineI" */
	UT_EQ(r.ecx, 0x6c65746eU);	/* "ntel" */
	USE_HOST(bochs_tigerlake);
	UT_EQ(guest(&c, 0, 0).eax, 0x1bU);
}

/*
 * IA32_MISC_ENABLE[22] Limit CPUID Maxval: leaf 0 reports 2, leaves 1 and 2
 * are unchanged, leaves 3 and up read as past the maximum (zeros here), and
 * the extended and hypervisor leaves are untouched.
 */
static void misc_limit_cpuid_maxval_ends_basic_leaves_at_2(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs lim, r1;
	static const uint32_t hidden[] = { 3, 4, 7, 0xb, 0xd, 0x15, 0x16, 0x1b, 0x1c };
	unsigned int i;

	USE_HOST(bochs_tigerlake);
	r1 = guest(&c, 1, 0);
	c.is_cpuid_limited = true;
	lim = guest(&c, 0, 0);
	UT_EQ(lim.eax, 2);
	UT_EQ(lim.ebx, 0x756e6547U);	/* the vendor string stays */
	lim = guest(&c, 1, 0);
	UT_CHECK(memcmp(&lim, &r1, sizeof(lim)) == 0);
	for (i = 0; i < TV_ARRAY_SIZE(hidden); i++) {
		lim = guest(&c, hidden[i], 0);
		UT_CHECK_MSG(regs_zero(&lim), "leaf %#x reads zeros under the limit", hidden[i]);
	}
	UT_EQ(guest(&c, 0x80000000U, 0).eax, 0x80000008U);
	UT_EQ(guest(&c, TV_CPUID_TIMING, 0).eax, 2400000U);
	c.is_cpuid_limited = false;
	UT_EQ(guest(&c, 0, 0).eax, 0x1bU);
	UT_EQ(guest(&c, 0x15, 0).ebx, 2400000U);
}

/* IA32_MISC_ENABLE[34] XD Bit Disable: CPUID.80000001H:EDX[20] (NX) reads 0, nothing else moves. */
static void misc_xd_disable_hides_nx(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs on, off;

	USE_HOST(bochs_tigerlake);
	c.has_rdtscp = true;
	on = guest(&c, 0x80000001U, 0);
	UT_EQ((on.edx >> 20) & 1U, 1);
	c.is_xd_disabled = true;
	off = guest(&c, 0x80000001U, 0);
	UT_EQ((off.edx >> 20) & 1U, 0);
	UT_EQ(off.edx, on.edx & ~CPUID_80000001_EDX_NX);
	UT_EQ(off.ecx, on.ecx);
}

/* SDM Vol. 2A CPUID leaf 15H: TSC Hz = ECX * EBX / EAX; it must give the configured rate exactly. */
static void leaf15_gives_configured_tsc_exactly(void)
{
	static const uint64_t khz[] = { 2400000U, 1000000U, 2918400U, 3333333U, 1U, 4294967U };
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	for (size_t i = 0; i < TV_ARRAY_SIZE(khz); i++) {
		struct cpuid_regs r;
		uint64_t num;

		c.tsc_khz = khz[i];
		r = guest(&c, 0x15U, 0);
		if (!UT_CHECK(r.eax != 0 && r.ebx != 0 && r.ecx != 0))
			return;
		num = (uint64_t)r.ecx * r.ebx;
		UT_EQ(num % r.eax, 0);
		UT_EQ(num / r.eax, khz[i] * 1000U);
		UT_EQ(r.edx, 0);
	}
}

/* The Ivy Bridge host has no leaf 0x15: the guest still gets it, synthesized. */
static void leaf15_synthesized_above_host_max(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(ivybridge_i7_3770);
	c.tsc_khz = 3392144U;
	r = guest(&c, 0x15U, 0);
	UT_CHECK(r.eax != 0);
	UT_EQ((uint64_t)r.ecx * r.ebx / (r.eax ? r.eax : 1U), 3392144000ULL);
}

/* Leaf 16H: base and maximum frequency in MHz from the TSC rate, bus (reference) clock from the APIC timer. */
static void leaf16_gives_tsc_mhz_and_apic_bus_mhz(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(ivybridge_i7_3770);
	c.tsc_khz = 2400000U;
	c.apic_timer_khz = 100000U;
	r = guest(&c, 0x16U, 0);
	UT_EQ(r.eax, 2400);
	UT_EQ(r.ebx, 2400);
	UT_EQ(r.ecx, 100);
	UT_EQ(r.edx, 0);
	/* Not the host's numbers (Bochs says 2400/4200/100). */
	USE_HOST(bochs_tigerlake);
	c.tsc_khz = 1800000U;
	UT_EQ(guest(&c, 0x16U, 0).ebx, 1800);
}

/* Leaf 0x40000000: EAX = highest hypervisor leaf, EBX:ECX:EDX = "tickvisor\0\0\0". */
static void tv_leaf_signature_tickvisor(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;
	char sig[12];

	use_all_ones_host();
	r = guest(&c, 0x40000000U, 0);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	UT_CHECK(memcmp(sig, "tickvisor\0\0\0", 12) == 0);
	UT_EQ(r.eax, 0x40000010U);
}

/* The leaves answer exactly what include/tv/hypercall_abi.h documents for guests. */
static void tv_leaves_match_hypercall_abi(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	UT_EQ(TV_CPUID_SIGNATURE, 0x40000000U);
	UT_CHECK(TV_CPUID_TIMING >= 0x40000010U);
	UT_EQ(sizeof(TV_SIGNATURE), 13);	/* 12 signature bytes and the literal's NUL */
	USE_HOST(bochs_tigerlake);
	r = guest(&c, TV_CPUID_SIGNATURE, 0);
	UT_EQ(r.eax, TV_CPUID_TIMING);
	UT_CHECK(memcmp(&r.ebx, TV_SIGNATURE, 4) == 0);
	UT_CHECK(memcmp(&r.ecx, TV_SIGNATURE + 4, 4) == 0);
	UT_CHECK(memcmp(&r.edx, TV_SIGNATURE + 8, 4) == 0);
	/* The highest leaf the signature leaf names is the timing leaf, and it answers. */
	c.tsc_khz = 1234567U;
	UT_EQ(guest(&c, r.eax, 0).eax, 1234567U);
}

/* Leaf 0x40000010: EAX = TSC kHz, EBX = APIC-timer kHz, the rest zero. */
static void tv_leaf_timing_gives_tsc_and_apic_khz(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	c.tsc_khz = 2918400U;
	c.apic_timer_khz = 24000U;
	r = guest(&c, TV_CPUID_TIMING, 0);
	UT_EQ(r.eax, 2918400U);
	UT_EQ(r.ebx, 24000U);
	UT_EQ(r.ecx, 0);
	UT_EQ(r.edx, 0);
}

/* Every other leaf in the hypervisor range is zero (never the host's, never a KVM/Hyper-V leaf). */
static void tv_other_leaves_zero(void)
{
	static const uint32_t leaves[] = {
		0x40000001U, 0x40000003U, 0x4000000fU, 0x40000011U, 0x400000ffU,
		0x40000100U, 0x40000110U, 0x4fffffffU,
	};
	struct vcpuid_config c = base_cfg();

	use_all_ones_host();
	for (size_t i = 0; i < TV_ARRAY_SIZE(leaves); i++) {
		struct cpuid_regs r = guest(&c, leaves[i], 0);

		UT_CHECK_MSG(regs_zero(&r), "leaf %#x is zero", leaves[i]);
	}
}

/* No PMU: leaf 0AH (architectural performance monitoring) reports version 0 and nothing else. */
static void leafa_pmu_reported_empty(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	r = guest(&c, 0xaU, 0);
	UT_CHECK(regs_zero(&r));
}

/* MONITOR/MWAIT are hidden, so their leaf 05H is empty too. */
static void leaf5_monitor_mwait_empty(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	r = guest(&c, 0x5U, 0);
	UT_CHECK(regs_zero(&r));
}

/* Leaf 06H keeps only ARAT (APIC timer always running): the model's timer does not stop in C-states. */
static void leaf6_keeps_only_arat(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(bochs_tigerlake);	/* EAX 0x0017eff7: turbo, HWP, ..., ARAT */
	r = guest(&c, 0x6U, 0);
	UT_EQ(r.eax, CPUID_6_EAX_ARAT);
	UT_EQ(r.ebx, 0);
	UT_EQ(r.ecx, 0);	/* no IA32_MPERF/APERF (bit 0), no energy bias (bit 3) */
	UT_EQ(r.edx, 0);
	use_all_ones_host();
	r = guest(&c, 0x6U, 0);
	UT_EQ(r.eax, CPUID_6_EAX_ARAT);
}

/* A host without ARAT does not get it invented. */
static void leaf6_arat_not_invented(void)
{
	static const struct cpuid_record no_arat[] = {
		{ 0x0U, { 0x0000000dU, 0, 0, 0 } },
		{ 0x6U, { 0x00000073U, 0x00000002U, 0x00000009U, 0x00000000U } },
	};
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(no_arat);
	r = guest(&c, 0x6U, 0);
	UT_CHECK(regs_zero(&r));
}

/*
 * CPUID.(7,0): SGX (EBX 2), Intel PT (EBX 25), WAITPKG (ECX 5), CET shadow
 * stacks (ECX 7), SGX launch control (ECX 30), PKS (ECX 31) and CET IBT
 * (EDX 20) are hidden.
 */
static void leaf7_hides_sgx_pt_waitpkg_cet_pks(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	r = guest(&c, 0x7U, 0);
	UT_EQ(r.ebx & CPUID_7_EBX_SGX, 0);
	UT_EQ(r.ebx & CPUID_7_EBX_INTEL_PT, 0);
	UT_EQ(r.ecx & CPUID_7_ECX_WAITPKG, 0);
	UT_EQ(r.ecx & CPUID_7_ECX_CET_SS, 0);
	UT_EQ(r.ecx & CPUID_7_ECX_SGX_LC, 0);
	UT_EQ(r.ecx & CPUID_7_ECX_PKS, 0);
	UT_EQ(r.edx & CPUID_7_EDX_CET_IBT, 0);
	/* Nothing else in EBX or ECX goes with them (RDPID and INVPCID are off in base_cfg). */
	UT_EQ(r.ebx, ~(CPUID_7_EBX_SGX | CPUID_7_EBX_INVPCID | CPUID_7_EBX_INTEL_PT));
	UT_EQ(r.ecx, ~(CPUID_7_ECX_WAITPKG | CPUID_7_ECX_CET_SS | CPUID_7_ECX_RDPID |
			CPUID_7_ECX_SGX_LC | CPUID_7_ECX_PKS));
	UT_EQ(r.edx, ~(CPUID_7_EDX_CET_IBT | SPEC_MSR_BITS));
}

/* Bochs tigerlake offers CET (7.ECX[7], 7.EDX[20]): the guest does not see it. */
static void leaf7_hides_cet_of_bochs_tigerlake(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_CHECK(bochs_tigerlake[3].r.ecx & CPUID_7_ECX_CET_SS);
	UT_CHECK(bochs_tigerlake[3].r.edx & CPUID_7_EDX_CET_IBT);
	UT_EQ(guest(&c, 0x7U, 0).ecx & CPUID_7_ECX_CET_SS, 0);
	UT_EQ(guest(&c, 0x7U, 0).edx & CPUID_7_EDX_CET_IBT, 0);
}

/* Leaves 12H (SGX) and 14H (Intel PT) read as zeros whatever the host has. */
static void leaf12_leaf14_empty(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	r = guest(&c, 0x12U, 0);
	UT_CHECK(regs_zero(&r));
	r = guest(&c, 0x12U, 2);
	UT_CHECK(regs_zero(&r));
	r = guest(&c, 0x14U, 0);
	UT_CHECK(regs_zero(&r));
}

/*
 * Leaf 0DH sub-leaf 1: XSAVES is hidden (the "enable XSAVES/XRSTORS"
 * control is 0, so it would #UD) and no IA32_XSS state components are
 * listed; XSAVEOPT/XSAVEC/XGETBV1 (EAX 0-2) and the other sub-leaves pass.
 */
static void leafd_hides_xsaves_and_xss_components(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	r = guest(&c, 0xdU, 1);
	UT_EQ(r.eax, ~CPUID_D_1_EAX_XSAVES);
	UT_EQ(r.ecx, 0);
	UT_EQ(r.edx, 0);
	r = guest(&c, 0xdU, 0);
	UT_EQ(r.eax, 0xffffffffU);
	UT_EQ(r.ecx, 0xffffffffU);
	r = guest(&c, 0xdU, 2);
	UT_EQ(r.eax, 0xffffffffU);
}

/*
 * CPUID.(7,0):EDX bits 26-31 each promise an MSR (IA32_SPEC_CTRL,
 * IA32_PRED_CMD, IA32_FLUSH_CMD, IA32_ARCH_CAPABILITIES,
 * IA32_CORE_CAPABILITIES, SSBD in IA32_SPEC_CTRL) that the guest does not get.
 */
static void leaf7_hides_speculation_control_msr_bits(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);	/* EDX 0xfc100510: all six set */
	UT_EQ(bochs_tigerlake[3].r.edx & SPEC_MSR_BITS, SPEC_MSR_BITS);
	UT_EQ(guest(&c, 0x7U, 0).edx & SPEC_MSR_BITS, 0);
	/* MD_CLEAR (10) promises no MSR and stays. */
	UT_EQ(guest(&c, 0x7U, 0).edx & CPUID_7_EDX_MD_CLEAR, CPUID_7_EDX_MD_CLEAR);
	USE_HOST(ivybridge_i7_3770);	/* EDX 0x9c000400 */
	UT_EQ(guest(&c, 0x7U, 0).edx, 0x00000400U);
}

/* INVPCID (EBX 10) only when the "enable INVPCID" control is set; otherwise INVPCID raises #UD. */
static void leaf7_invpcid_only_when_enabled(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_CHECK(bochs_tigerlake[3].r.ebx & CPUID_7_EBX_INVPCID);
	c.has_invpcid = false;
	UT_EQ(guest(&c, 0x7U, 0).ebx & CPUID_7_EBX_INVPCID, 0);
	c.has_invpcid = true;
	UT_EQ(guest(&c, 0x7U, 0).ebx & CPUID_7_EBX_INVPCID, CPUID_7_EBX_INVPCID);
	/* Not invented for a host without it. */
	USE_HOST(ivybridge_i7_3770);
	UT_EQ(guest(&c, 0x7U, 0).ebx & CPUID_7_EBX_INVPCID, 0);
}

/* RDPID (ECX 22) hangs on the "enable RDTSCP" control, as RDTSCP does. */
static void leaf7_rdpid_only_with_rdtscp(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);	/* ECX 0x00405fce: RDPID set */
	UT_CHECK(bochs_tigerlake[3].r.ecx & CPUID_7_ECX_RDPID);
	c.has_rdtscp = false;
	UT_EQ(guest(&c, 0x7U, 0).ecx & CPUID_7_ECX_RDPID, 0);
	c.has_rdtscp = true;
	UT_EQ(guest(&c, 0x7U, 0).ecx & CPUID_7_ECX_RDPID, CPUID_7_ECX_RDPID);
}

/* The other leaf-7 features pass through (AVX2, SMEP, BMI2, ERMS, AVX-512F, ...). */
static void leaf7_keeps_other_features(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	c.has_invpcid = true;
	UT_EQ(guest(&c, 0x7U, 0).ebx, 0xf1bf27ebU & ~CPUID_7_EBX_SGX);
	c.has_rdtscp = true;
	UT_EQ(guest(&c, 0x7U, 0).ecx, 0x00405fceU & ~CPUID_7_ECX_CET_SS);
}

/* Leaf 0BH: level 0 SMT with 1 thread, level 1 Core with 1 logical processor, then invalid. */
static void leafb_one_thread_one_core_topology(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	c.apic_id = 7;
	r = guest(&c, 0xbU, 0);
	UT_EQ(r.eax & 0x1fU, 0);
	UT_EQ(r.ebx & 0xffffU, 1);
	UT_EQ(r.ecx, 0x100U);	/* level type 1 (SMT), level number 0 */
	UT_EQ(r.edx, 7);
	r = guest(&c, 0xbU, 1);
	UT_EQ(r.eax & 0x1fU, 0);
	UT_EQ(r.ebx & 0xffffU, 1);
	UT_EQ(r.ecx, 0x201U);	/* level type 2 (Core), level number 1 */
	UT_EQ(r.edx, 7);
	r = guest(&c, 0xbU, 2);
	UT_EQ(r.eax, 0);
	UT_EQ(r.ebx, 0);
	UT_EQ(r.ecx, 0x2U);	/* level type 0: invalid */
	UT_EQ(r.edx, 7);	/* EDX is valid for every sub-leaf */
}

/*
 * SDM: "Output value in ECX[7:0] always equals input value in ECX[7:0]", and
 * once a sub-leaf is invalid, every higher one is invalid too.
 */
static void leafb_ecx_echoes_low_byte_and_stays_invalid(void)
{
	static const uint32_t subleaves[] = { 3U, 0xffU, 0x100U, 0x101U, 0x201U, 0xffffffffU };
	struct vcpuid_config c = base_cfg();

	use_all_ones_host();
	for (size_t i = 0; i < TV_ARRAY_SIZE(subleaves); i++) {
		struct cpuid_regs r = guest(&c, 0xbU, subleaves[i]);

		UT_EQ(r.ecx, subleaves[i] & 0xffU);
		UT_EQ(r.ebx, 0);
	}
}

/* Leaf 1FH (V2 extended topology) answers like 0BH on a host that has it. */
static void leaf1f_same_topology_as_leafb(void)
{
	struct vcpuid_config c = base_cfg();

	use_all_ones_host();
	c.apic_id = 3;
	for (uint32_t sub = 0; sub < 4; sub++) {
		struct cpuid_regs b = guest(&c, 0xbU, sub), f = guest(&c, 0x1fU, sub);

		UT_CHECK_MSG(memcmp(&b, &f, sizeof(b)) == 0, "sub-leaf %u", sub);
	}
	/* Bochs tigerlake's highest leaf is 0x1b: no leaf 0x1f there. */
	USE_HOST(bochs_tigerlake);
	{
		struct cpuid_regs r = guest(&c, 0x1fU, 0);

		UT_CHECK(regs_zero(&r));
	}
}

/* Leaf 04H: one core per package and one thread per cache (EAX 31:26 and 25:14 zero). */
static void leaf4_one_core_one_thread_per_cache(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	use_all_ones_host();
	r = guest(&c, 0x4U, 0);
	UT_EQ(r.eax, 0x3fffU);
	UT_EQ(r.ebx, 0xffffffffU);	/* line size, partitions, ways: host's */
}

/* RDTSCP (CPUID.80000001H:EDX[27]) only when the "enable RDTSCP" control is set. */
static void ext1_rdtscp_only_when_enabled(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);	/* EDX 0x2c100800 */
	UT_CHECK(bochs_tigerlake[7].r.edx & CPUID_80000001_EDX_RDTSCP);
	c.has_rdtscp = false;
	UT_EQ(guest(&c, 0x80000001U, 0).edx, 0x2c100800U & ~CPUID_80000001_EDX_RDTSCP);
	c.has_rdtscp = true;
	UT_EQ(guest(&c, 0x80000001U, 0).edx, 0x2c100800U);
	UT_EQ(guest(&c, 0x80000001U, 0).ecx, 0x121U);	/* LAHF, LZCNT, PREFETCHW */
}

/* 80000007H: only the invariant TSC bit (EDX 8) survives. */
static void ext7_keeps_only_invariant_tsc(void)
{
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(ivybridge_i7_3770);
	r = guest(&c, 0x80000007U, 0);
	UT_EQ(r.edx, CPUID_80000007_EDX_INVARIANT_TSC);
	use_all_ones_host();
	r = guest(&c, 0x80000007U, 0);
	UT_EQ(r.eax, 0);
	UT_EQ(r.ebx, 0);
	UT_EQ(r.ecx, 0);
	UT_EQ(r.edx, CPUID_80000007_EDX_INVARIANT_TSC);
}

/* A host without invariant TSC does not get it invented. */
static void ext7_invariant_tsc_not_invented(void)
{
	static const struct cpuid_record no_itsc[] = {
		{ 0x80000000U, { 0x80000008U, 0, 0, 0 } },
		{ 0x80000007U, { 0, 0, 0, 0xfffffeffU } },
	};
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(no_itsc);
	r = guest(&c, 0x80000007U, 0);
	UT_CHECK(regs_zero(&r));
}

/*
 * Basic leaves above the maximum give zeros.  A deviation, documented in
 * vmm/vcpuid.c: real CPUs return the highest basic leaf's data there.
 */
static void basic_leaf_above_max_gives_zeros(void)
{
	static const uint32_t bochs_leaves[] = { 0x1cU, 0x1fU, 0x20U, 0x3fffffffU };
	static const uint32_t ivy_leaves[] = { 0xeU, 0x14U, 0x17U, 0x3fffffffU };
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	for (size_t i = 0; i < TV_ARRAY_SIZE(bochs_leaves); i++) {
		struct cpuid_regs r = guest(&c, bochs_leaves[i], 0);

		UT_CHECK_MSG(regs_zero(&r), "bochs leaf %#x is zero", bochs_leaves[i]);
	}
	USE_HOST(ivybridge_i7_3770);
	for (size_t i = 0; i < TV_ARRAY_SIZE(ivy_leaves); i++) {
		struct cpuid_regs r = guest(&c, ivy_leaves[i], 0);

		UT_CHECK_MSG(regs_zero(&r), "ivybridge leaf %#x is zero", ivy_leaves[i]);
	}
}

/* Extended leaves above 80000000H's EAX give zeros; those up to it pass through. */
static void ext_leaf_above_max_gives_zeros(void)
{
	static const uint32_t leaves[] = {
		0x80000009U, 0x8000000aU, 0x8000001fU, 0x8fffffffU, 0xc0000000U, 0xffffffffU,
	};
	struct vcpuid_config c = base_cfg();
	struct cpuid_regs r;

	USE_HOST(bochs_tigerlake);
	for (size_t i = 0; i < TV_ARRAY_SIZE(leaves); i++) {
		r = guest(&c, leaves[i], 0);
		UT_CHECK_MSG(regs_zero(&r), "leaf %#x is zero", leaves[i]);
	}
	r = guest(&c, 0x80000000U, 0);
	UT_EQ(r.eax, 0x80000008U);
	r = guest(&c, 0x80000008U, 0);
	UT_EQ(r.eax, 0x00003028U);	/* 40-bit physical, 48-bit linear */
}

/* MAXPHYADDR is CPUID.80000008H:EAX[7:0] as the guest sees it: 40 on Bochs tigerlake, 36 on the i7. */
static void maxphyaddr_from_leaf_80000008(void)
{
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	UT_EQ(vcpuid_maxphyaddr(&c, host_cpuid), 40U);
	USE_HOST(ivybridge_i7_3770);
	UT_EQ(vcpuid_maxphyaddr(&c, host_cpuid), 36U);
}

/* Without leaf 80000008H: 36 with PAE, 32 without (SDM Vol. 3A, "Enumeration of Paging Features"). */
static void maxphyaddr_without_leaf_80000008(void)
{
	static const struct cpuid_record pae[] = {
		{ 0x0U, { 0x0000000dU, 0, 0, 0 } },
		{ 0x1U, { 0x000306a9U, 0, 0, 0x00000040U } },
		{ 0x80000000U, { 0x80000004U, 0, 0, 0 } },
	};
	static const struct cpuid_record no_pae[] = {
		{ 0x0U, { 0x0000000dU, 0, 0, 0 } },
		{ 0x1U, { 0x000306a9U, 0, 0, 0 } },
	};
	struct vcpuid_config c = base_cfg();

	USE_HOST(pae);
	UT_EQ(vcpuid_maxphyaddr(&c, host_cpuid), 36U);
	USE_HOST(no_pae);
	UT_EQ(vcpuid_maxphyaddr(&c, host_cpuid), 32U);
}

/* A host width outside 32..52 is kept in range (the all-ones host says 255). */
static void maxphyaddr_kept_in_architectural_range(void)
{
	static const struct cpuid_record narrow[] = {
		{ 0x80000000U, { 0x80000008U, 0, 0, 0 } },
		{ 0x80000008U, { 0x00003010U, 0, 0, 0 } },
	};
	struct vcpuid_config c = base_cfg();

	use_all_ones_host();
	UT_EQ(vcpuid_maxphyaddr(&c, host_cpuid), VCPUID_MAXPHYADDR_MAX);
	USE_HOST(narrow);
	UT_EQ(vcpuid_maxphyaddr(&c, host_cpuid), VCPUID_MAXPHYADDR_MIN);
}

/* Leaves between the basic and hypervisor ranges, or between hypervisor and extended, are zeros. */
static void leaves_outside_known_ranges_give_zeros(void)
{
	static const uint32_t leaves[] = { 0x20000000U, 0x3fffffffU, 0x50000000U, 0x7fffffffU };
	struct vcpuid_config c = base_cfg();

	USE_HOST(bochs_tigerlake);
	for (size_t i = 0; i < TV_ARRAY_SIZE(leaves); i++) {
		struct cpuid_regs r = guest(&c, leaves[i], 0);

		UT_CHECK_MSG(regs_zero(&r), "leaf %#x is zero", leaves[i]);
	}
}

/* The hypervisor leaves are ours alone: the host is not asked. */
static void tv_leaves_do_not_ask_host(void)
{
	struct vcpuid_config c = base_cfg();

	use_all_ones_host();
	host_calls = 0;
	(void)guest(&c, TV_CPUID_SIGNATURE, 0);
	(void)guest(&c, TV_CPUID_TIMING, 0);
	(void)guest(&c, 0x40000005U, 0);
	UT_EQ(host_calls, 0);
}

static const struct ut_case cases[] = {
	UT_CASE(leaf1_sets_hypervisor_present_bit),
	UT_CASE(leaf1_clears_vmx_smx_monitor_est_tm2_pdcm),
	UT_CASE(leaf1_clears_ds_acpi_htt_tm_pbe),
	UT_CASE(leaf1_edx_apic_follows_apic_base_enable),
	UT_CASE(leaf1_keeps_signature_and_other_features),
	UT_CASE(leaf1_x2apic_only_when_configured),
	UT_CASE(leaf1_tsc_deadline_only_when_configured),
	UT_CASE(leaf1_osxsave_mirrors_guest_cr4),
	UT_CASE(leaf1_ebx_apic_id_and_one_logical_processor),
	UT_CASE(leaf0_max_basic_leaf_at_least_0x16),
	UT_CASE(leaf15_gives_configured_tsc_exactly),
	UT_CASE(leaf15_synthesized_above_host_max),
	UT_CASE(leaf16_gives_tsc_mhz_and_apic_bus_mhz),
	UT_CASE(tv_leaf_signature_tickvisor),
	UT_CASE(tv_leaves_match_hypercall_abi),
	UT_CASE(tv_leaf_timing_gives_tsc_and_apic_khz),
	UT_CASE(tv_other_leaves_zero),
	UT_CASE(tv_leaves_do_not_ask_host),
	UT_CASE(leafa_pmu_reported_empty),
	UT_CASE(leaf5_monitor_mwait_empty),
	UT_CASE(leaf6_keeps_only_arat),
	UT_CASE(leaf6_arat_not_invented),
	UT_CASE(leaf7_hides_sgx_pt_waitpkg_cet_pks),
	UT_CASE(leaf7_hides_cet_of_bochs_tigerlake),
	UT_CASE(leaf12_leaf14_empty),
	UT_CASE(leafd_hides_xsaves_and_xss_components),
	UT_CASE(leaf7_hides_speculation_control_msr_bits),
	UT_CASE(leaf7_invpcid_only_when_enabled),
	UT_CASE(leaf7_rdpid_only_with_rdtscp),
	UT_CASE(leaf7_keeps_other_features),
	UT_CASE(leafb_one_thread_one_core_topology),
	UT_CASE(leafb_ecx_echoes_low_byte_and_stays_invalid),
	UT_CASE(leaf1f_same_topology_as_leafb),
	UT_CASE(leaf4_one_core_one_thread_per_cache),
	UT_CASE(ext1_rdtscp_only_when_enabled),
	UT_CASE(ext7_keeps_only_invariant_tsc),
	UT_CASE(ext7_invariant_tsc_not_invented),
	UT_CASE(basic_leaf_above_max_gives_zeros),
	UT_CASE(misc_limit_cpuid_maxval_ends_basic_leaves_at_2),
	UT_CASE(misc_xd_disable_hides_nx),
	UT_CASE(ext_leaf_above_max_gives_zeros),
	UT_CASE(leaves_outside_known_ranges_give_zeros),
	UT_CASE(maxphyaddr_from_leaf_80000008),
	UT_CASE(maxphyaddr_without_leaf_80000008),
	UT_CASE(maxphyaddr_kept_in_architectural_range),
};

UT_MAIN("vcpuid", cases)
