/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tsc_deadline: the local APIC timer in TSC-deadline mode ("TSC-Deadline
 * Mode", Intel SDM Vol. 3A): fire at the deadline, a past deadline, 0
 * disarms, the MSR after firing and outside the mode, mode transitions,
 * HLT, 10,000 re-arms, and IA32_TSC / IA32_TSC_ADJUST writes.  All times
 * are TSC values, so every check here is exact on every platform.
 *
 * Command line: x2apic=1 runs the x2APIC face; default xAPIC.
 */
#include "apic.h"
#include "exception.h"
#include "guest.h"
#include "isr.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"

#define TIMER_VEC		0x61U
#define DEADLINE_DELTA		100000UL
#define REARMS			10000U
#define REARM_DELTA		2000000UL
#define TSC_JUMP		2000000UL
#define TSC_FAR			20000000UL	/* a deadline "at once" must not wait for */
#define ONESHOT_TICKS		100000U

static bool on_bochs;
static struct apic_timer_rate rate;

static void deadline_mode(void)
{
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
}

static void timer_stop(void)
{
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
}

static void test_fire(void)
{
	uint64_t deadline, msr_after, limit;
	uint32_t cc;
	bool fired;

	report_prefix_push("deadline");
	isr_reset();
	deadline_mode();
	irq_enable();
	deadline = rdtsc() + DEADLINE_DELTA;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	cc = apic_read(APIC_TMCCT);
	limit = deadline + APIC_LATE_TSC;
	fired = isr_wait(TIMER_VEC, 1, limit);
	msr_after = rdmsr(MSR_IA32_TSC_DEADLINE);
	tsc_wait_until(rdtsc() + 2 * DEADLINE_DELTA);
	report(fired && isr_first_tsc(TIMER_VEC) >= deadline,
	       "no interrupt before the deadline (\"when the TSC equals or exceeds the target\"): %ld after it",
	       fired ? (int64_t)(isr_first_tsc(TIMER_VEC) - deadline) : 0L);
	report(fired && isr_first_tsc(TIMER_VEC) - deadline <= APIC_LATE_TSC,
	       "interrupt within %lu TSC ticks of the deadline (generous for emulators)",
	       APIC_LATE_TSC);
	report(isr_count(TIMER_VEC) == 1,
	       "fires once (\"each write to the IA32_TSC_DEADLINE MSR generates at most one timer interrupt\"): %lu",
	       isr_count(TIMER_VEC));
	if (on_bochs && fired && msr_after == deadline)
		report_skip("IA32_TSC_DEADLINE reads 0 after firing: Bochs keeps the armed deadline in the MSR after it fired (0x%lx)",
			    msr_after);
	else
		report(msr_after == 0,
		       "IA32_TSC_DEADLINE reads 0 after firing (\"disarms itself and clears the IA32_TSC_DEADLINE MSR\"): 0x%lx",
		       msr_after);
	report(cc == 0, "TMCCT reads 0 in TSC-deadline mode (\"current-count register always reads 0\"): %u",
	       cc);
	if (fired)
		report_info("latency: %lu TSC ticks from deadline to ISR entry",
			    isr_first_tsc(TIMER_VEC) - deadline);
	timer_stop();
	report_prefix_pop();
}

static void test_past_and_zero(void)
{
	uint64_t arm, deadline, msr;
	bool fired;

	report_prefix_push("deadline");
	isr_reset();
	deadline_mode();
	irq_enable();
	arm = apic_write_tsc_deadline(rdtsc() - 1000);
	fired = isr_wait(TIMER_VEC, 1, arm + APIC_LATE_TSC);
	report(fired && isr_first_tsc(TIMER_VEC) - arm <= APIC_LATE_TSC,
	       "a deadline already past fires at once (\"TSC equals or exceeds the target\"): %ld ticks after the write",
	       fired ? (int64_t)(isr_first_tsc(TIMER_VEC) - arm) : 0L);
	timer_stop();

	isr_reset();
	deadline_mode();
	deadline = rdtsc() + DEADLINE_DELTA;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	msr = rdmsr(MSR_IA32_TSC_DEADLINE);
	tsc_wait_until(deadline + 2 * DEADLINE_DELTA);
	report(isr_count(TIMER_VEC) == 0 && msr == 0,
	       "writing 0 disarms (\"writing 0 to IA32_TSC_DEADLINE disarms the local-APIC timer\"): %lu interrupts, MSR 0x%lx",
	       isr_count(TIMER_VEC), msr);

	isr_reset();
	deadline = rdtsc() + DEADLINE_DELTA;
	apic_write(APIC_TMICT, ONESHOT_TICKS);
	tsc_wait_until(deadline + 2 * DEADLINE_DELTA);
	report(isr_count(TIMER_VEC) == 0,
	       "TMICT writes are ignored (\"writes to the initial-count register are ignored\"): %lu interrupts",
	       isr_count(TIMER_VEC));
	timer_stop();
	report_prefix_pop();
}

/*
 * The SDM only says the transition disarms the timer; KVM, Xen and
 * tickvisor's model (timer/vtimer.c) also clear TMICT, so a guest reads 0.
 */
static void report_tmict_zero(const char *way, uint32_t tmict)
{
	if (on_bochs && tmict)
		report_skip("%s TSC-deadline mode clears TMICT: Bochs keeps it (0x%x)", way, tmict);
	else
		report(tmict == 0, "%s TSC-deadline mode clears TMICT (as KVM and Xen do): 0x%x", way,
		       tmict);
}

static void test_other_modes(void)
{
	uint64_t deadline, msr;
	uint32_t cc, cc2, tmict;

	report_prefix_push("mode change");
	isr_reset();
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
	irq_enable();
	msr = rdmsr(MSR_IA32_TSC_DEADLINE);
	deadline = rdtsc() + DEADLINE_DELTA;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	tsc_wait_until(deadline + 2 * DEADLINE_DELTA);
	report(msr == 0 && rdmsr(MSR_IA32_TSC_DEADLINE) == 0 && isr_count(TIMER_VEC) == 0,
	       "one-shot mode: IA32_TSC_DEADLINE reads 0 and writes are ignored (%lu interrupts)",
	       isr_count(TIMER_VEC));

	/* "Transitioning between TSC-deadline mode and other timer modes also disarms the timer." */
	isr_reset();
	apic_write(APIC_TMICT, ONESHOT_TICKS);
	deadline_mode();
	cc = apic_read(APIC_TMCCT);
	tmict = apic_read(APIC_TMICT);
	tsc_wait_until(rdtsc() + 3 * apic_ticks_to_tsc(&rate, ONESHOT_TICKS));
	report(isr_count(TIMER_VEC) == 0 && cc == 0,
	       "entering TSC-deadline mode disarms a running one-shot (\"transitioning ... disarms the timer\"): %lu interrupts, TMCCT %u",
	       isr_count(TIMER_VEC), cc);
	report_tmict_zero("entering", tmict);

	isr_reset();
	deadline = rdtsc() + DEADLINE_DELTA;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
	msr = rdmsr(MSR_IA32_TSC_DEADLINE);
	cc = apic_read(APIC_TMCCT);
	tmict = apic_read(APIC_TMICT);
	tsc_wait_until(deadline + 2 * DEADLINE_DELTA);
	cc2 = apic_read(APIC_TMCCT);
	report_tmict_zero("leaving", tmict);
	report(isr_count(TIMER_VEC) == 0 && msr == 0,
	       "leaving TSC-deadline mode disarms an armed deadline: %lu interrupts, IA32_TSC_DEADLINE 0x%lx",
	       isr_count(TIMER_VEC), msr);
	report(cc == cc2, "leaving TSC-deadline mode starts no count (TMCCT %u, later %u)", cc, cc2);

	deadline_mode();
	msr = rdmsr(MSR_IA32_TSC_DEADLINE);
	if (on_bochs && msr == deadline)
		report_skip("re-entering TSC-deadline mode: IA32_TSC_DEADLINE reads 0: Bochs keeps the disarmed deadline (0x%lx)",
			    msr);
	else
		report(msr == 0,
		       "re-entering TSC-deadline mode: IA32_TSC_DEADLINE reads 0, the disarmed deadline is gone (0x%lx)",
		       msr);
	timer_stop();
	report_prefix_pop();
}

static void test_masked(void)
{
	uint64_t deadline;

	report_prefix_push("masked");
	isr_reset();
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL | APIC_LVT_MASKED);
	irq_enable();
	deadline = rdtsc() + DEADLINE_DELTA;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	tsc_wait_until(deadline + 2 * DEADLINE_DELTA);
	report(isr_count(TIMER_VEC) == 0 && !apic_test_vector(APIC_IRR, TIMER_VEC),
	       "a masked LVTT in TSC-deadline mode delivers nothing (\"1 inhibits reception\"): %lu",
	       isr_count(TIMER_VEC));
	timer_stop();
	report_prefix_pop();
}

static void test_hlt(void)
{
	uint64_t deadline, limit;
	unsigned int halts = 0;

	report_prefix_push("HLT");
	isr_reset();
	deadline_mode();
	irq_disable();
	deadline = rdtsc() + DEADLINE_DELTA;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	limit = deadline + APIC_LATE_TSC;
	while (!isr_count(TIMER_VEC) && rdtsc() < limit && halts < 1000) {
		safe_halt();
		irq_disable();
		halts++;
	}
	irq_enable();
	report(isr_count(TIMER_VEC) == 1 && isr_first_tsc(TIMER_VEC) >= deadline,
	       "a deadline passing during HLT wakes the CPU, not before the deadline (%u HLTs, %ld after it)",
	       halts, isr_count(TIMER_VEC) ? (int64_t)(isr_first_tsc(TIMER_VEC) - deadline) : 0L);
	timer_stop();
	report_prefix_pop();
}

static void test_rapid_rearm(void)
{
	uint64_t deadline = 0, t0;
	unsigned int i;

	report_prefix_push("re-arm");
	isr_reset();
	deadline_mode();
	irq_enable();
	t0 = rdtsc();
	for (i = 0; i < REARMS; i++) {
		deadline = rdtsc() + REARM_DELTA;
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	}
	isr_wait(TIMER_VEC, 2, deadline + 2 * REARM_DELTA + APIC_LATE_TSC / 10);
	report_info("%u deadline writes took %lu TSC ticks", REARMS, deadline - REARM_DELTA - t0);
	report(isr_count(TIMER_VEC) == 1, "%u rapid re-arms: exactly one interrupt (%lu)", REARMS,
	       isr_count(TIMER_VEC));
	report(isr_count(TIMER_VEC) && isr_first_tsc(TIMER_VEC) >= deadline,
	       "%u rapid re-arms: the interrupt is the last deadline's, not before it (%ld after it)",
	       REARMS, isr_count(TIMER_VEC) ? (int64_t)(isr_first_tsc(TIMER_VEC) - deadline) : 0L);
	timer_stop();
	report_prefix_pop();
}

/*
 * "At once" means well before the old distance to the deadline (TSC_FAR)
 * has passed again: a timer still counting raw time would wait that long.
 * The interrupt may even come before the RDTSC after the WRMSR (delivered
 * on the instruction boundary right after it), hence the signed compare.
 *
 * "TSC-Deadline Mode": the interrupt comes when the time-stamp counter
 * reaches the target, so moving the TSC (WRMSR IA32_TSC, or IA32_TSC_ADJUST,
 * which moves it by the same amount: "IA32_TSC_ADJUST MSR") moves the
 * expiry.  Both are restored afterwards.
 */
static void test_tsc_writes(void)
{
	uint64_t deadline, written, adj = 0, now;
	bool fired;

	report_prefix_push("TSC write");
	if (on_bochs) {
		report_skip("IA32_TSC forward past the deadline fires at once: Bochs compares deadlines with its raw tick count, not the TSC (platform.md)");
		report_skip("IA32_TSC backward delays the interrupt to the TSC deadline: Bochs (same reason)");
		report_skip("IA32_TSC_ADJUST forward past the deadline fires at once: Bochs (same reason)");
		goto out;
	}
	isr_reset();
	deadline_mode();
	irq_enable();
	deadline = rdtsc() + TSC_FAR;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	wrmsr(MSR_IA32_TSC, rdtsc() + 2 * TSC_FAR);
	written = rdtsc();
	fired = isr_wait(TIMER_VEC, 1, written + TSC_FAR);
	wrmsr(MSR_IA32_TSC, rdtsc() - 2 * TSC_FAR);
	report(fired && isr_first_tsc(TIMER_VEC) >= deadline &&
	       (int64_t)(isr_first_tsc(TIMER_VEC) - written) <= (int64_t)(TSC_FAR / 2),
	       "IA32_TSC written past an armed deadline fires at once (\"TSC equals or exceeds the target\"): %ld ticks after the write",
	       fired ? (int64_t)(isr_first_tsc(TIMER_VEC) - written) : 0L);
	timer_stop();

	isr_reset();
	deadline_mode();
	now = rdtsc();
	deadline = now + TSC_JUMP / 10;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	wrmsr(MSR_IA32_TSC, now - TSC_JUMP);
	fired = isr_wait(TIMER_VEC, 1, deadline + APIC_LATE_TSC);
	report(fired && isr_first_tsc(TIMER_VEC) >= deadline,
	       "IA32_TSC written back delays the interrupt until the TSC reaches the deadline (%ld after it)",
	       fired ? (int64_t)(isr_first_tsc(TIMER_VEC) - deadline) : 0L);
	now = rdtsc();
	wrmsr(MSR_IA32_TSC, now + TSC_JUMP);
	timer_stop();

	if (!apic_has_tsc_adjust() || rdmsr_safe(MSR_IA32_TSC_ADJUST, &adj)) {
		report_skip("IA32_TSC_ADJUST forward past the deadline fires at once: no IA32_TSC_ADJUST (CPUID.7:EBX[1])");
		goto out;
	}
	isr_reset();
	deadline_mode();
	deadline = rdtsc() + TSC_FAR;
	wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	wrmsr(MSR_IA32_TSC_ADJUST, adj + 2 * TSC_FAR);
	written = rdtsc();
	fired = isr_wait(TIMER_VEC, 1, written + TSC_FAR);
	wrmsr(MSR_IA32_TSC_ADJUST, adj);
	report(fired && isr_first_tsc(TIMER_VEC) >= deadline &&
	       (int64_t)(isr_first_tsc(TIMER_VEC) - written) <= (int64_t)(TSC_FAR / 2),
	       "IA32_TSC_ADJUST moved past an armed deadline fires at once (the adjusted TSC is compared): %ld ticks after the write",
	       fired ? (int64_t)(isr_first_tsc(TIMER_VEC) - written) : 0L);
	timer_stop();
out:
	report_prefix_pop();
}

int main(void)
{
	bool x2;

	if (apic_test_start(&x2))
		return report_summary();
	if (!apic_has_tsc_deadline()) {
		report_skip("CPUID.1:ECX[24] clear: no TSC-deadline mode, nothing to test");
		return report_summary();
	}
	apic_timer_rate_measure(&rate);
	on_bochs = apic_is_bochs_native();
	if (on_bochs)
		report_info("Bochs, run natively (Bochs VBE id at port 0x1CE, no hypervisor bit)");

	test_fire();
	test_past_and_zero();
	test_other_modes();
	test_masked();
	test_hlt();
	test_rapid_rearm();
	test_tsc_writes();
	irq_disable();
	return report_summary();
}
