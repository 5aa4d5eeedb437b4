/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * apic_readback: the timer registers and LVT entries read back what was
 * written, whatever else was written in between and whatever exits came in
 * between (issue 11, bug 3: under apic=apicv the CPU serves these reads from
 * the virtual-APIC page, so the page must hold the model's values at every
 * VM entry).  TMICT keeps the written count while the timer counts and after
 * it reached 0; entering or leaving TSC-deadline mode clears it.
 *
 * Command line: x2apic=1 runs the x2APIC face; default xAPIC.
 */
#include "apic.h"
#include "guest.h"
#include "isr.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

#define TIMER_VEC	0x63U
#define COUNT		0x7654321U	/* long: still counting at the reads */
#define SHORT_COUNT	2000U

static bool on_bochs;

/* A CPUID between a write and its read: under a hypervisor, a VM exit and entry. */
static void force_exit(void)
{
	(void)cpuid(0);
}

static void test_timer_registers(void)
{
	static const unsigned int divides[] = { 1, 2, 4, 8, 16, 32, 64, 128 };
	uint32_t lvtt = TIMER_VEC | APIC_LVT_MASKED | APIC_LVT_TIMER_ONESHOT;
	uint32_t tmict, tdcr, got, cc, bad_tdcr = 0;
	unsigned int i;

	report_prefix_push("timer");
	for (i = 0; i < ARRAY_SIZE(divides); i++) {
		uint32_t enc = apic_tdcr_encode(divides[i]);

		apic_write(APIC_TDCR, enc);
		force_exit();
		got = apic_read(APIC_TDCR);
		if ((got & 0xbU) != enc && !bad_tdcr)
			bad_tdcr = enc | 0x100U;
	}
	report(!bad_tdcr, "TDCR reads back each of the 8 divide encodings (first bad: 0x%x)",
	       bad_tdcr & 0xffU);

	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, lvtt);
	apic_write(APIC_TMICT, COUNT);
	tmict = apic_read(APIC_TMICT);
	report(tmict == COUNT, "TMICT reads back the written count at once (0x%x, wrote 0x%x)",
	       tmict, COUNT);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	cc = apic_read(APIC_TMCCT);
	report(tmict == COUNT, "TMICT still the written count after a VM exit, while counting (0x%x)",
	       tmict);
	report(cc > 0 && cc < COUNT, "TMCCT is counting down below TMICT (0x%x)", cc);

	/* Other registers written in between: nothing moves TMICT, LVTT or TDCR. */
	apic_write(APIC_TPR, 0x10U);
	apic_write(APIC_LVT0, APIC_LVT_MASKED | 0x41U);
	apic_write(APIC_LVT1, APIC_LVT_MASKED | 0x42U);
	apic_write(APIC_LVTERR, APIC_LVT_MASKED | 0x43U);
	apic_write(APIC_ESR, 0);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	tdcr = apic_read(APIC_TDCR);
	got = apic_read(APIC_LVTT);
	report(tmict == COUNT && (tdcr & 0xbU) == APIC_TDCR_DIV1 && got == lvtt,
	       "after writes of TPR, LINT0, LINT1, LVT error, ESR: TMICT 0x%x, TDCR 0x%x, LVTT 0x%x",
	       tmict, tdcr, got);
	report(apic_read(APIC_LVT0) == (APIC_LVT_MASKED | 0x41U) &&
	       apic_read(APIC_LVT1) == (APIC_LVT_MASKED | 0x42U) &&
	       apic_read(APIC_LVTERR) == (APIC_LVT_MASKED | 0x43U) &&
	       (apic_read(APIC_TPR) & 0xffU) == 0x10U,
	       "LINT0 0x%x, LINT1 0x%x, LVT error 0x%x, TPR 0x%x read back", apic_read(APIC_LVT0),
	       apic_read(APIC_LVT1), apic_read(APIC_LVTERR), apic_read(APIC_TPR));
	apic_write(APIC_TPR, 0);

	/* A new count restarts; one that ran out keeps TMICT. */
	apic_write(APIC_TMICT, SHORT_COUNT);
	force_exit();
	report(apic_read(APIC_TMICT) == SHORT_COUNT, "a rewritten TMICT reads the new count (0x%x)",
	       apic_read(APIC_TMICT));
	for (i = 0; i < 1000000U && apic_read(APIC_TMCCT) != 0; i++)
		tsc_wait_until(rdtsc() + 1000U);
	cc = apic_read(APIC_TMCCT);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	report(cc == 0 && tmict == SHORT_COUNT,
	       "one-shot ran out: TMCCT 0x%x, TMICT still the written 0x%x (0x%x)", cc,
	       SHORT_COUNT, tmict);

	/* Periodic: TMICT is the period, read back while it reloads. */
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC);
	apic_write(APIC_TMICT, SHORT_COUNT);
	tsc_wait_until(rdtsc() + 5U * SHORT_COUNT);
	force_exit();
	got = apic_read(APIC_LVTT);
	tmict = apic_read(APIC_TMICT);
	report(tmict == SHORT_COUNT && got == (TIMER_VEC | APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC),
	       "periodic, after several periods: TMICT 0x%x, LVTT 0x%x", tmict, got);
	apic_write(APIC_TMICT, 0);
	report_prefix_pop();
}

/*
 * TSC-deadline mode clears TMICT on the way in and out (as KVM and Xen do,
 * and tickvisor's timer model, timer/vtimer.c); the SDM says the transition
 * disarms the timer and that TMICT writes are ignored in the mode.
 */
static void test_tsc_deadline_transitions(void)
{
	uint32_t tmict;

	report_prefix_push("TSC-deadline");
	if (!apic_has_tsc_deadline()) {
		report_skip("CPUID.1:ECX[24] clear: no TSC-deadline mode");
		goto out;
	}
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_MASKED | APIC_LVT_TIMER_ONESHOT);
	apic_write(APIC_TMICT, COUNT);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_MASKED | APIC_LVT_TIMER_TSCDL);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	if (on_bochs && tmict)
		report_skip("entering TSC-deadline mode clears TMICT: Bochs keeps it (0x%x)", tmict);
	else
		report(tmict == 0, "entering TSC-deadline mode clears TMICT (0x%x)", tmict);
	apic_write(APIC_TMICT, SHORT_COUNT);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	if (on_bochs && tmict)
		report_skip("TMICT writes in TSC-deadline mode are ignored: Bochs stores them (0x%x)",
			    tmict);
	else
		report(tmict == 0, "TMICT writes in TSC-deadline mode are ignored (0x%x)", tmict);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_MASKED | APIC_LVT_TIMER_ONESHOT);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	if (on_bochs && tmict)
		report_skip("leaving TSC-deadline mode leaves TMICT 0: Bochs keeps it (0x%x)", tmict);
	else
		report(tmict == 0, "leaving TSC-deadline mode leaves TMICT 0 (0x%x)", tmict);
	apic_write(APIC_TMICT, SHORT_COUNT);
	force_exit();
	tmict = apic_read(APIC_TMICT);
	report(tmict == SHORT_COUNT, "back in one-shot mode a TMICT write reads back (0x%x)", tmict);
	apic_write(APIC_TMICT, 0);
out:
	report_prefix_pop();
}

int main(void)
{
	bool x2;

	if (apic_test_start(&x2))
		return report_summary();
	on_bochs = apic_is_bochs_native();
	test_timer_registers();
	test_tsc_deadline_transitions();
	report_prefix_pop();
	return report_summary();
}
