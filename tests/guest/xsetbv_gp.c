/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * xsetbv_gp: XSETBV as the SDM has it (Vol. 2C, XSETBV, "Protected Mode
 * Exceptions"; Vol. 1, "Enabling the XSAVE Feature Set and XSAVE-Enabled
 * Features"), against the CPUID leaf 0DH this guest sees (issue 12 item 4,
 * issue 16 item 1).  Every bad write raises #GP(0) and leaves XCR0 as it
 * was; every combination CPUID reports is accepted and reads back, 0xe7
 * (x87, SSE, AVX, AVX-512) and the full reported set included; and
 * CPUID.(EAX=0DH,ECX=0):EBX follows the XCR0 just written.  The same checks
 * hold natively.  CPL > 0 is not provoked: the guest runtime has no ring 3
 * (the rule is a host test, tests/unit/test_vmsr_xcr0.c).
 */
#include "exception.h"
#include "guest.h"
#include "libc.h"
#include "processor.h"
#include "report.h"
#include "xstate_util.h"

static uint8_t area[16384] __attribute__((aligned(64)));

/*
 * The size CPUID.(EAX=0DH,ECX=0):EBX reports for xcr0 ("maximum size ...
 * required by enabled features in XCR0"): the legacy region and header, then
 * the end of the last enabled component (offset EBX plus size EAX of
 * sub-leaf i).  Bochs 2.7 reads 2752 for 0x2e7 while its sub-leaf 9 (PKRU)
 * reads size 0 at offset 0: its enumeration contradicts itself there.
 * @return the size, or 0 when an enabled component's sub-leaf reports size 0
 *         (the CPU's own enumeration is broken: nothing to compare with).
 */
static uint32_t size_for(uint64_t xcr0)
{
	uint32_t size = 576;

	for (unsigned int i = 2; i < 63; i++)
		if (xcr0 & (1ULL << i)) {
			struct cpuid_result r = cpuid_count(0xd, i);

			if (r.a == 0)
				return 0;
			if (r.b + r.a > size)
				size = r.b + r.a;
		}
	return size;
}

static void check_size(const char *reg, uint32_t seen, uint64_t xcr0)
{
	uint32_t need = size_for(xcr0);

	if (!need)
		report_skip("CPUID.(EAX=0DH,ECX=0):%s = %u for XCR0 0x%llx: a component's sub-leaf "
			    "reports size 0 on this CPU (Bochs 2.7: PKRU), no size to compare", reg,
			    seen, (unsigned long long)xcr0);
	else
		report(seen == need, "CPUID.(EAX=0DH,ECX=0):%s = %u for XCR0 0x%llx (the "
		       "components' end: %u)", reg, seen, (unsigned long long)xcr0, need);
}

static void expect_gp(uint32_t xcr, uint64_t val, const char *why)
{
	uint64_t before = xu_xgetbv(0);
	int vec = xu_xsetbv_safe(xcr, val);

	report(vec == EX_GP && ex_last()->error_code == 0 && xu_xgetbv(0) == before,
	       "XSETBV XCR%u = 0x%llx (%s): %s(%llu), XCR0 stays 0x%llx", xcr,
	       (unsigned long long)val, why, vec == EX_NONE ? "no fault" : ex_name(vec),
	       (unsigned long long)ex_last()->error_code, (unsigned long long)xu_xgetbv(0));
}

static void expect_ok(uint64_t val, const char *what)
{
	int vec = xu_xsetbv_safe(0, val);
	uint32_t ebx = cpuid_count(0xd, 0).b;

	report(vec == EX_NONE && xu_xgetbv(0) == val, "XSETBV XCR0 = 0x%llx (%s) accepted: %s, "
	       "reads back 0x%llx", (unsigned long long)val, what,
	       vec == EX_NONE ? "no fault" : ex_name(vec), (unsigned long long)xu_xgetbv(0));
	check_size("EBX", ebx, val);
}

/* The lowest bit at or above from that sup does not report (bit 63 if none). */
static unsigned int unreported_bit(uint64_t sup, unsigned int from)
{
	for (unsigned int i = from; i < 63; i++)
		if (!(sup & (1ULL << i)))
			return i;
	return 63;
}

int main(void)
{
	uint64_t sup;
	unsigned int bit;

	report_prefix_push("xsetbv");
	if (!xu_has_xsave()) {
		report_skip("no XSAVE on this CPU (CPUID.1:ECX[26] clear)");
		report_prefix_pop();
		return report_summary();
	}
	xu_enable_sse();
	/* SDM: #UD if CR4.OSXSAVE = 0 (the CPU raises it before any VM exit). */
	xu_write_cr4(read_cr4() & ~XU_CR4_OSXSAVE);
	report(xu_xsetbv_safe(0, 1) == EX_UD, "CR4.OSXSAVE = 0: XSETBV raises #UD");
	xu_enable_osxsave();
	sup = xu_xcr0_supported();
	report_info("CPUID.(EAX=0DH,ECX=0): EDX:EAX 0x%llx, ECX %u", (unsigned long long)sup,
		    cpuid_count(0xd, 0).c);
	for (unsigned int i = 2; i < 63; i++)
		if (sup & (1ULL << i))
			report_info("CPUID.(EAX=0DH,ECX=%u): size %u at offset %u", i,
				    cpuid_count(0xd, i).a, cpuid_count(0xd, i).b);
	report(sup & XU_XCR0_X87, "CPUID reports x87 state (bit 0)");
	check_size("ECX (every reported component)", cpuid_count(0xd, 0).c, sup);

	expect_ok(XU_XCR0_X87, "x87 only");
	expect_gp(1, XU_XCR0_X87, "ECX 1: only XCR0 is writable");
	expect_gp(0x80000000U, XU_XCR0_X87, "ECX 0x80000000");
	expect_gp(0, 0, "bit 0 clear");
	expect_gp(0, XU_XCR0_SSE, "bit 0 clear, SSE set");
	expect_gp(0, XU_XCR0_X87 | XU_XCR0_AVX, "AVX without SSE");
	bit = unreported_bit(sup, 1);
	expect_gp(0, XU_XCR0_X87 | (1ULL << bit), "a bit CPUID does not report");
	expect_gp(0, XU_XCR0_X87 | (1ULL << 63), "bit 63");
	expect_gp(0, XU_XCR0_X87 | (1ULL << 8), "bit 8, supervisor state (PT)");
	expect_gp(0, XU_XCR0_X87 | XU_XCR0_SSE | XU_XCR0_AVX | 0x20, "opmask without ZMM");
	expect_gp(0, XU_XCR0_X87 | XU_XCR0_SSE | XU_XCR0_AVX512, "AVX-512 without AVX");

	if (sup & XU_XCR0_SSE)
		expect_ok(XU_XCR0_X87 | XU_XCR0_SSE, "x87, SSE");
	if ((sup & (XU_XCR0_SSE | XU_XCR0_AVX)) == (XU_XCR0_SSE | XU_XCR0_AVX))
		expect_ok(XU_XCR0_X87 | XU_XCR0_SSE | XU_XCR0_AVX, "x87, SSE, AVX");
	else
		report_skip("no AVX state reported: 0x7 not tried");
	if ((sup & 0xe7ULL) == 0xe7ULL)
		expect_ok(0xe7ULL, "x87, SSE, AVX, AVX-512: what Linux sets");
	else
		report_skip("no AVX-512 state reported: 0xe7 not tried");
	expect_ok(sup, "everything CPUID reports");
	expect_gp(0, XU_XCR0_SSE | XU_XCR0_AVX, "bit 0 clear after a full XCR0");

	/* The state the full XCR0 enables can be saved, in the size CPUID gives. */
	if (cpuid_count(0xd, 0).b <= sizeof(area)) {
		ex_clear();
		__asm__ volatile("1: xsave64 (%0)\n2:\n" EX_TABLE(1b, 2b)
				 : : "r"(area), "a"((uint32_t)sup), "d"((uint32_t)(sup >> 32))
				 : "memory");
		report(ex_vector() == EX_NONE, "XSAVE of XCR0 0x%llx into %u bytes: %s",
		       (unsigned long long)sup, cpuid_count(0xd, 0).b,
		       ex_vector() == EX_NONE ? "no fault" : ex_name(ex_vector()));
	} else {
		report_skip("XSAVE area of %u bytes: more than this test's buffer",
			    cpuid_count(0xd, 0).b);
	}
	report_skip("XSETBV at CPL 3: the guest runtime has no ring 3 (host test "
		    "vmsr_xcr0/cpl_above_0_raises_gp)");
	report_prefix_pop();
	return report_summary();
}
