/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/vmsr: XSETBV, one SDM rule per case (Vol. 2C XSETBV "Protected Mode
 * Exceptions"; Vol. 1 "Enabling the XSAVE Feature Set and XSAVE-Enabled
 * Features"), against the CPUID leaf 0DH the guest sees (issue 16 item 1).
 */
#include "harness.h"

#include <string.h>

#include <tv/errno.h>

#include "fake_log.h"
#include "../../vmm/vmsr.h"

/* What Bochs 2.7's tigerlake model reports in CPUID.(EAX=0DH,ECX=0): x87 SSE AVX AVX-512 PKRU. */
#define TIGERLAKE_XCR0	0x2e7ULL
/* Every component the rules below name, for the cases about pairs and triples. */
#define ALL_XCR0	(0x2ffULL | VMSR_XCR0_TILECFG | VMSR_XCR0_TILEDATA)

static struct vmsr_state st;

static void fresh(uint64_t supported)
{
	memset(&st, 0x5a, sizeof(st));
	vmsr_init(&st);
	st.xcr0_supported = supported;
	fake_log_reset();
}

/* Accepted: recorded, and 0 returned. */
static bool accepts(uint64_t val)
{
	return vmsr_xsetbv(&st, 0, val, 0) == 0 && st.xcr0 == val;
}

/* Refused: #GP, and XCR0 keeps its value. */
static bool refuses(uint32_t xcr, uint64_t val, unsigned int cpl)
{
	uint64_t before = st.xcr0;

	return vmsr_xsetbv(&st, xcr, val, cpl) == -TV_EINVAL && st.xcr0 == before;
}

/* SDM reset table: XCR0 is 1 after power-up and reset. */
static void xcr0_reset_value_is_x87_only(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_EQ(st.xcr0, 1);
	UT_EQ(st.xcr0, VMSR_XCR0_RESET);
}

/* Issue 16 item 1: every bit the guest's CPUID reports can be set, 0xe7 and 0x2e7 included. */
static void every_cpuid_reported_bit_is_accepted(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(accepts(0x3));
	UT_CHECK(accepts(0x7));
	UT_CHECK(accepts(0xe7));
	UT_CHECK(accepts(0x207));
	UT_CHECK(accepts(0x2e7));
	UT_CHECK(accepts(0x1));
}

/* "#GP(0) If the current privilege level is not 0." */
static void cpl_above_0_raises_gp(void)
{
	fresh(TIGERLAKE_XCR0);
	for (unsigned int cpl = 1; cpl <= 3; cpl++)
		UT_CHECK(refuses(0, 0x7, cpl));
	UT_CHECK(fake_log_contains("CPL > 0"));	/* logged, at debug level */
}

/* "#GP(0) If an invalid XCR is specified in ECX": only XCR0 is writable. */
static void ecx_not_0_raises_gp(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(refuses(1, 0x7, 0));
	UT_CHECK(refuses(0xffffffffU, 0x7, 0));
	UT_CHECK(refuses(0x80000000U, 0x1, 0));
}

/* "#GP(0) If the value in EDX:EAX sets bits that are reserved": unreported bits. */
static void bits_the_cpuid_does_not_report_raise_gp(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(refuses(0, 0x1 | (1ULL << 8), 0));	/* PT: supervisor state, never XCR0 */
	UT_CHECK(refuses(0, 0x1 | (1ULL << 63), 0));
	UT_CHECK(refuses(0, 0x7 | VMSR_XCR0_BNDREGS | VMSR_XCR0_BNDCSR, 0));	/* no MPX here */
	UT_CHECK(refuses(0, 0x7 | VMSR_XCR0_TILECFG | VMSR_XCR0_TILEDATA, 0));
	fresh(0x7);	/* a CPU with AVX and nothing newer */
	UT_CHECK(refuses(0, 0xe7, 0));
	UT_CHECK(refuses(0, 0x207, 0));
	UT_CHECK(accepts(0x7));
	fresh(0);	/* xstate_start_guest() not called: nothing may be set */
	UT_CHECK(refuses(0, 0x1, 0));
}

/* "#GP(0) If an attempt is made to clear bit 0 of XCR0." */
static void clearing_bit_0_raises_gp(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(refuses(0, 0x0, 0));
	UT_CHECK(refuses(0, 0x2, 0));
	UT_CHECK(refuses(0, 0x6, 0));
	UT_CHECK(refuses(0, 0x2e6, 0));
}

/* "#GP(0) If an attempt is made to set XCR0[2] (AVX state) while clearing XCR0[1] (SSE state)." */
static void avx_without_sse_raises_gp(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(refuses(0, 0x5, 0));
	UT_CHECK(refuses(0, 0x205, 0));
	UT_CHECK(accepts(0x3));		/* SSE without AVX is fine */
}

/* XCR0[7:5] are all 0 or all 1, and all 1 needs XCR0[2:1] = 11b. */
static void avx512_bits_all_or_none_and_need_avx(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(refuses(0, 0x27, 0));	/* opmask alone */
	UT_CHECK(refuses(0, 0x47, 0));
	UT_CHECK(refuses(0, 0x87, 0));
	UT_CHECK(refuses(0, 0x67, 0));
	UT_CHECK(refuses(0, 0xc7, 0));
	UT_CHECK(refuses(0, 0xe3, 0));	/* without AVX */
	UT_CHECK(refuses(0, 0xe1, 0));	/* without SSE and AVX */
	UT_CHECK(accepts(0xe7));
}

/* XCR0[4:3] (MPX) are both 0 or both 1; so are XCR0[18:17] (AMX). */
static void mpx_and_amx_pairs_must_match(void)
{
	fresh(ALL_XCR0);
	UT_CHECK(refuses(0, 0x7 | VMSR_XCR0_BNDREGS, 0));
	UT_CHECK(refuses(0, 0x7 | VMSR_XCR0_BNDCSR, 0));
	UT_CHECK(accepts(0x7 | VMSR_XCR0_BNDREGS | VMSR_XCR0_BNDCSR));
	UT_CHECK(refuses(0, 0x7 | VMSR_XCR0_TILECFG, 0));
	UT_CHECK(refuses(0, 0x7 | VMSR_XCR0_TILEDATA, 0));
	UT_CHECK(accepts(0x7 | VMSR_XCR0_TILECFG | VMSR_XCR0_TILEDATA));
	UT_CHECK(accepts(ALL_XCR0));
}

/* A refused write leaves the last accepted value. */
static void refused_write_keeps_previous_value(void)
{
	fresh(TIGERLAKE_XCR0);
	UT_CHECK(accepts(0xe7));
	UT_CHECK(refuses(0, 0x5, 0));
	UT_EQ(st.xcr0, 0xe7);
	UT_CHECK(refuses(2, 0x7, 0));
	UT_CHECK(refuses(0, 0x7, 3));
	UT_EQ(st.xcr0, 0xe7);
}

static const struct ut_case cases[] = {
	UT_CASE(xcr0_reset_value_is_x87_only),
	UT_CASE(every_cpuid_reported_bit_is_accepted),
	UT_CASE(cpl_above_0_raises_gp),
	UT_CASE(ecx_not_0_raises_gp),
	UT_CASE(bits_the_cpuid_does_not_report_raise_gp),
	UT_CASE(clearing_bit_0_raises_gp),
	UT_CASE(avx_without_sse_raises_gp),
	UT_CASE(avx512_bits_all_or_none_and_need_avx),
	UT_CASE(mpx_and_amx_pairs_must_match),
	UT_CASE(refused_write_keeps_previous_value),
};

UT_MAIN("vmsr_xcr0", cases)
