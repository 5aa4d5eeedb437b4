/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * apic_path_choose() (vmm/apic_path.h): apic=auto takes the best path the
 * CPU offers (apicv, else access, else ept); an explicit choice the CPU
 * cannot honour is refused with a reason, never silently replaced.  Every
 * request is tried against all eight capability sets.
 */
#include <string.h>

#include "harness.h"
#include "../../vmm/apic_path.h"

/* The capability set of combination c: bit 0 APIC-access page, 1 TPR shadow, 2 register virt. */
#define HAS_ACCESS(c)	(((c) & 1U) != 0)
#define HAS_TPR(c)	(((c) & 2U) != 0)
#define HAS_REGV(c)	(((c) & 4U) != 0)

static const char *choose(enum apic_path want, unsigned int c, enum apic_path *out)
{
	*out = (enum apic_path)0x5a;	/* must be overwritten on success, kept on refusal */
	return apic_path_choose(want, HAS_ACCESS(c), HAS_TPR(c), HAS_REGV(c), out);
}

static void auto_picks_apicv_then_access_then_ept(void)
{
	for (unsigned int c = 0; c < 8U; c++) {
		enum apic_path out;
		enum apic_path want = HAS_ACCESS(c) && HAS_TPR(c) && HAS_REGV(c) ? APIC_PATH_APICV :
				      HAS_ACCESS(c) ? APIC_PATH_ACCESS : APIC_PATH_EPT;

		UT_CHECK_MSG(choose(APIC_PATH_AUTO, c, &out) == NULL, "auto refused (caps %u)", c);
		UT_CHECK_MSG(out == want, "caps %u: auto chose %d, want %d", c, (int)out, (int)want);
	}
}

static void apicv_needs_all_three(void)
{
	for (unsigned int c = 0; c < 8U; c++) {
		enum apic_path out;
		const char *why = choose(APIC_PATH_APICV, c, &out);

		if (c == 7U) {
			UT_CHECK_MSG(why == NULL && out == APIC_PATH_APICV, "caps 7: apicv refused");
			continue;
		}
		UT_CHECK_MSG(why != NULL && strstr(why, "apic=apicv") != NULL,
			     "caps %u: apicv not refused, or the reason does not name it", c);
		UT_CHECK_MSG(out == (enum apic_path)0x5a, "caps %u: refused, yet *out written", c);
	}
}

static void access_needs_the_access_page(void)
{
	for (unsigned int c = 0; c < 8U; c++) {
		enum apic_path out;
		const char *why = choose(APIC_PATH_ACCESS, c, &out);

		if (HAS_ACCESS(c)) {
			/* Honoured as asked, even where apicv would be available. */
			UT_CHECK_MSG(why == NULL && out == APIC_PATH_ACCESS, "caps %u: access refused",
				     c);
			continue;
		}
		UT_CHECK_MSG(why != NULL && strstr(why, "apic=access") != NULL,
			     "caps %u: access not refused, or the reason does not name it", c);
		UT_CHECK_MSG(out == (enum apic_path)0x5a, "caps %u: refused, yet *out written", c);
	}
}

static void ept_is_always_available(void)
{
	for (unsigned int c = 0; c < 8U; c++) {
		enum apic_path out;

		UT_CHECK_MSG(choose(APIC_PATH_EPT, c, &out) == NULL && out == APIC_PATH_EPT,
			     "caps %u: ept refused", c);
	}
}

static const struct ut_case cases[] = {
	UT_CASE(auto_picks_apicv_then_access_then_ept),
	UT_CASE(apicv_needs_all_three),
	UT_CASE(access_needs_the_access_page),
	UT_CASE(ept_is_always_available),
};

UT_MAIN("apic_path", cases)
