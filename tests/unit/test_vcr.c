/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/vcr: MOV to CR0/CR4 and LMSW against the SDM, one case per rule,
 * named after it.  The guest's CPUID is the Bochs 2.7 "tigerlake" record
 * (tests/unit/data/bochs_tigerlake.txt) after vmm/vcpuid.c took VMX, SMX
 * and OSXSAVE out, or a CPU with nothing but the basic EDX flags.
 */
#include "harness.h"

#include "../../vmm/vcr.h"

/* CPUID.01H ECX without VMX (5), SMX (6), OSXSAVE (27); leaf 7 as recorded. */
static const struct vcr_cpuid tigerlake = {
	.leaf1 = { 0x000806c1U, 0x00010800U, 0x77faf3bfU & ~((1U << 5) | (1U << 6) | (1U << 27)),
		   0xbfebfbffU },
	.leaf7 = { 0x00000000U, 0xf1bf27ebU, 0x00405fceU, 0xfc100510U },
	.leaf7_1 = { 0, 0, 0, 0 },
};

/* A CPU with FPU, VME, DE, PSE, TSC, PAE, MCE, PGE, FXSR, SSE and nothing else. */
static const struct vcr_cpuid bare = {
	.leaf1 = { 0, 0, 0, (1U << 0) | (1U << 1) | (1U << 2) | (1U << 3) | (1U << 4) |
		   (1U << 6) | (1U << 7) | (1U << 13) | (1U << 24) | (1U << 25) },
};

/* 64-bit mode as the guest runtime runs: PE, PG, PAE, LME/LMA, CS.L. */
static const struct vcr_state long64 = {
	.cr0 = VCR_CR0_PE | VCR_CR0_ET | VCR_CR0_NE | VCR_CR0_WP | VCR_CR0_PG,
	.cr3 = 0x100000, .cr4 = VCR_CR4_PAE | VCR_CR4_OSFXSR, .efer = VCR_EFER_LME | VCR_EFER_LMA,
	.is_cs_l = true,
};

/* Multiboot entry state: 32-bit protected mode, no paging. */
static const struct vcr_state prot32 = {
	.cr0 = VCR_CR0_PE | VCR_CR0_ET, .cr3 = 0, .cr4 = 0, .efer = 0, .is_cs_l = false,
};

static bool gp(const struct vcr_state *s, const struct vcr_cpuid *c, unsigned int cr, uint64_t v)
{
	return vcr_check_write(s, c, cr, v).is_gp;
}

static void test_cr4_reserved_bits(void)
{
	static const unsigned int bits[] = { 15, 26, 29, 30, 31, 33, 40, 63 };

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		UT_CHECK_MSG(gp(&long64, &tigerlake, 4, long64.cr4 | (1ULL << bits[i])),
			     "CR4 bit %u is reserved", bits[i]);
	UT_CHECK(vcr_check_write(&long64, &tigerlake, 4, long64.cr4 | (1ULL << 15)).rule != NULL);
}

static void test_cr4_feature_not_reported(void)
{
	/* VMXE and SMXE: tickvisor's CPUID reports neither. */
	UT_CHECK(gp(&long64, &tigerlake, 4, long64.cr4 | VCR_CR4_VMXE));
	UT_CHECK(gp(&long64, &tigerlake, 4, long64.cr4 | VCR_CR4_SMXE));
	/* LASS, LAM, FRED: leaf (7,1) reports none of them here. */
	UT_CHECK(gp(&long64, &tigerlake, 4, long64.cr4 | VCR_CR4_LASS));
	UT_CHECK(gp(&long64, &tigerlake, 4, long64.cr4 | VCR_CR4_FRED));
	/* The bare CPU: every leaf-7 and leaf-1-ECX bit. */
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_OSXSAVE));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_PKE));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_FSGSBASE));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_UMIP));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_SMEP));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_SMAP));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_KL));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_PKS));
	UT_CHECK(gp(&long64, &bare, 4, long64.cr4 | VCR_CR4_UINTR));
	UT_CHECK(gp(&prot32, &bare, 4, VCR_CR4_PCIDE));
}

static void test_cr4_feature_follows_cpuid_hide(void)
{
	struct vcr_cpuid c = tigerlake;

	UT_CHECK(!gp(&long64, &c, 4, long64.cr4 | VCR_CR4_OSXSAVE));
	UT_CHECK(!gp(&long64, &c, 4, long64.cr4 | VCR_CR4_PKE));
	UT_CHECK(!gp(&long64, &c, 4, long64.cr4 | VCR_CR4_PCIDE));
	c.leaf1.ecx &= ~((1U << 26) | (1U << 17));	/* cpuid_hide=xsave,pcid */
	c.leaf7.ecx &= ~(1U << 3);			/* cpuid_hide=pku */
	UT_CHECK(gp(&long64, &c, 4, long64.cr4 | VCR_CR4_OSXSAVE));
	UT_CHECK(gp(&long64, &c, 4, long64.cr4 | VCR_CR4_PKE));
	UT_CHECK(gp(&long64, &c, 4, long64.cr4 | VCR_CR4_PCIDE));
}

static void test_cr4_cet_either_flag(void)
{
	struct vcr_cpuid c = bare;

	UT_CHECK(!(vcr_cr4_allowed(&c) & VCR_CR4_CET));
	c.leaf7.edx = 1U << 20;		/* CET_IBT only */
	UT_CHECK(vcr_cr4_allowed(&c) & VCR_CR4_CET);
	c.leaf7.edx = 0;
	c.leaf7.ecx = 1U << 7;		/* CET_SS only */
	UT_CHECK(vcr_cr4_allowed(&c) & VCR_CR4_CET);
	UT_CHECK(vcr_cr4_allowed(&c) & VCR_CR4_PCE);
}

static void test_cr4_pae_cleared_in_ia32e_mode(void)
{
	struct vcr_state compat = long64;

	UT_CHECK(gp(&long64, &tigerlake, 4, long64.cr4 & ~VCR_CR4_PAE));
	compat.is_cs_l = false;
	UT_CHECK(gp(&compat, &tigerlake, 4, long64.cr4 & ~VCR_CR4_PAE));
	UT_CHECK(!gp(&prot32, &tigerlake, 4, 0));
}

static void test_cr4_la57_changed_in_ia32e_mode(void)
{
	struct vcr_cpuid c = tigerlake;
	struct vcr_state s = long64;

	c.leaf7.ecx |= 1U << 16;
	UT_CHECK(gp(&s, &c, 4, s.cr4 | VCR_CR4_LA57));
	s.cr4 |= VCR_CR4_LA57;
	UT_CHECK(gp(&s, &c, 4, s.cr4 & ~VCR_CR4_LA57));
	UT_CHECK(!gp(&s, &c, 4, s.cr4));
	/* Outside IA-32e mode LA57 may change (it takes effect when paging starts). */
	UT_CHECK(!gp(&prot32, &c, 4, VCR_CR4_LA57));
	/* Without the feature it is reserved everywhere. */
	UT_CHECK(gp(&prot32, &bare, 4, VCR_CR4_LA57));
}

static void test_cr4_pcide_set_outside_ia32e_mode(void)
{
	UT_CHECK(gp(&prot32, &tigerlake, 4, VCR_CR4_PCIDE));
	UT_CHECK(!gp(&long64, &tigerlake, 4, long64.cr4 | VCR_CR4_PCIDE));
}

static void test_cr4_pcide_set_with_cr3_low_bits(void)
{
	struct vcr_state s = long64;

	s.cr3 |= 0x18;		/* PWT, PCD */
	UT_CHECK(gp(&s, &tigerlake, 4, s.cr4 | VCR_CR4_PCIDE));
	/* Already set: keeping it is no 0 -> 1 change. */
	s.cr4 |= VCR_CR4_PCIDE;
	s.cr3 = long64.cr3 | 5;	/* a PCID */
	UT_CHECK(!gp(&s, &tigerlake, 4, s.cr4 | VCR_CR4_PGE));
}

static void test_cr4_cet_set_with_wp_clear(void)
{
	struct vcr_cpuid c = tigerlake;
	struct vcr_state s = long64;

	c.leaf7.ecx |= 1U << 7;
	UT_CHECK(!gp(&s, &c, 4, s.cr4 | VCR_CR4_CET));
	s.cr0 &= ~VCR_CR0_WP;
	UT_CHECK(gp(&s, &c, 4, s.cr4 | VCR_CR4_CET));
}

static void test_cr4_legal_writes_read_back(void)
{
	uint64_t v = long64.cr4 | VCR_CR4_PGE | VCR_CR4_OSXMMEXCPT | VCR_CR4_OSXSAVE |
		     VCR_CR4_FSGSBASE | VCR_CR4_UMIP | VCR_CR4_SMEP | VCR_CR4_SMAP;
	struct vcr_verdict r = vcr_check_write(&long64, &tigerlake, 4, v);

	UT_CHECK(!r.is_gp && r.rule == NULL);
	UT_EQ(r.value, v);
}

static void test_cr4_operand_32_bits_outside_64_bit_mode(void)
{
	struct vcr_verdict r = vcr_check_write(&prot32, &tigerlake, 4, (1ULL << 40) | VCR_CR4_PSE);

	UT_CHECK(!r.is_gp);
	UT_EQ(r.value, VCR_CR4_PSE);
	UT_CHECK(gp(&long64, &tigerlake, 4, long64.cr4 | (1ULL << 40)));
}

static void test_cr0_bits_63_32_set(void)
{
	UT_CHECK(gp(&long64, &tigerlake, 0, long64.cr0 | (1ULL << 32)));
	UT_CHECK(gp(&long64, &tigerlake, 0, long64.cr0 | (1ULL << 63)));
}

static void test_cr0_pg_without_pe(void)
{
	UT_CHECK(gp(&prot32, &tigerlake, 0, VCR_CR0_PG | VCR_CR0_ET));
	UT_CHECK(gp(&long64, &tigerlake, 0, long64.cr0 & ~VCR_CR0_PE));
}

static void test_cr0_nw_without_cd(void)
{
	UT_CHECK(gp(&long64, &tigerlake, 0, long64.cr0 | VCR_CR0_NW));
	UT_CHECK(!gp(&long64, &tigerlake, 0, long64.cr0 | VCR_CR0_NW | VCR_CR0_CD));
	UT_CHECK(!gp(&long64, &tigerlake, 0, long64.cr0 | VCR_CR0_CD));
}

static void test_cr0_pg_cleared_in_64_bit_mode(void)
{
	struct vcr_state compat = long64;

	UT_CHECK(gp(&long64, &tigerlake, 0, long64.cr0 & ~VCR_CR0_PG));
	/* From compatibility mode clearing PG is how IA-32e mode is left. */
	compat.is_cs_l = false;
	UT_CHECK(!gp(&compat, &tigerlake, 0, long64.cr0 & ~VCR_CR0_PG));
}

static void test_cr0_pg_cleared_with_pcide(void)
{
	struct vcr_state compat = long64;

	compat.is_cs_l = false;
	compat.cr4 |= VCR_CR4_PCIDE;
	UT_CHECK(gp(&compat, &tigerlake, 0, long64.cr0 & ~VCR_CR0_PG));
}

static void test_cr0_pg_set_with_lme_and_no_pae(void)
{
	struct vcr_state s = prot32;

	s.efer = VCR_EFER_LME;
	UT_CHECK(gp(&s, &tigerlake, 0, s.cr0 | VCR_CR0_PG));
	s.cr4 = VCR_CR4_PAE;
	UT_CHECK(!gp(&s, &tigerlake, 0, s.cr0 | VCR_CR0_PG));
	/* Without LME, 32-bit paging needs no PAE. */
	UT_CHECK(!gp(&prot32, &tigerlake, 0, prot32.cr0 | VCR_CR0_PG));
}

static void test_cr0_wp_cleared_with_cet(void)
{
	struct vcr_state s = long64;

	s.cr4 |= VCR_CR4_CET;
	UT_CHECK(gp(&s, &tigerlake, 0, s.cr0 & ~VCR_CR0_WP));
	UT_CHECK(!gp(&long64, &tigerlake, 0, long64.cr0 & ~VCR_CR0_WP));
}

static void test_cr0_reserved_low_bits_ignored_et_hardwired(void)
{
	struct vcr_verdict r = vcr_check_write(&long64, &tigerlake, 0,
					      (long64.cr0 & ~VCR_CR0_ET) | (1ULL << 7) | (1ULL << 20));

	UT_CHECK(!r.is_gp);
	UT_EQ(r.value, long64.cr0);
}

static void test_cr0_legal_writes_read_back(void)
{
	uint64_t v = long64.cr0 | VCR_CR0_TS | VCR_CR0_MP | VCR_CR0_AM;
	struct vcr_verdict r = vcr_check_write(&long64, &tigerlake, 0, v);

	UT_CHECK(!r.is_gp);
	UT_EQ(r.value, v);
	r = vcr_check_write(&long64, &tigerlake, 0, long64.cr0 & ~VCR_CR0_NE);
	UT_CHECK(!r.is_gp);
	UT_EQ(r.value, long64.cr0 & ~VCR_CR0_NE);
}

static void test_not_cr0_or_cr4(void)
{
	UT_CHECK(gp(&long64, &tigerlake, 3, 0));
}

static const struct ut_case cases[] = {
	UT_CASE(test_cr4_reserved_bits),
	UT_CASE(test_cr4_feature_not_reported),
	UT_CASE(test_cr4_feature_follows_cpuid_hide),
	UT_CASE(test_cr4_cet_either_flag),
	UT_CASE(test_cr4_pae_cleared_in_ia32e_mode),
	UT_CASE(test_cr4_la57_changed_in_ia32e_mode),
	UT_CASE(test_cr4_pcide_set_outside_ia32e_mode),
	UT_CASE(test_cr4_pcide_set_with_cr3_low_bits),
	UT_CASE(test_cr4_cet_set_with_wp_clear),
	UT_CASE(test_cr4_legal_writes_read_back),
	UT_CASE(test_cr4_operand_32_bits_outside_64_bit_mode),
	UT_CASE(test_cr0_bits_63_32_set),
	UT_CASE(test_cr0_pg_without_pe),
	UT_CASE(test_cr0_nw_without_cd),
	UT_CASE(test_cr0_pg_cleared_in_64_bit_mode),
	UT_CASE(test_cr0_pg_cleared_with_pcide),
	UT_CASE(test_cr0_pg_set_with_lme_and_no_pae),
	UT_CASE(test_cr0_wp_cleared_with_cet),
	UT_CASE(test_cr0_reserved_low_bits_ignored_et_hardwired),
	UT_CASE(test_cr0_legal_writes_read_back),
	UT_CASE(test_not_cr0_or_cr4),
};

UT_MAIN("vcr", cases)
