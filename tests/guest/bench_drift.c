/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * bench_drift: the periodic LAPIC timer over N periods (issue 6).  "In
 * periodic mode, the current-count register is automatically reloaded from
 * the initial-count register when the count reaches 0" ("APIC Timer",
 * Intel SDM Vol. 3A), so tick k is due at start + k x period, start being
 * the TSC just before the TMICT write; a reload that slips accumulates.
 *
 * Per period the lateness (ISR entry TSC minus start + k x period) goes
 * into the BENCH/HIST lines (min, max, mean, early and the histogram over
 * all N periods; p50/p99 over every ceil(N / 10,000)-th one), and at the
 * end one line
 *
 *   DRIFT: name=drift-periodic periods=<N> period=<ticks> last_minus_expected=<ticks>
 *
 * Checks: N ticks, none lost (each tick seen by the waiting loop), none
 * before its time, and no accumulated drift (the last tick no later than
 * the latest of the first half).
 *
 * Needs the exact APIC-timer/TSC ratio (Bochs, tickvisor); skips elsewhere.
 *
 * Command line: periods=N (default 1,000,000: 1e10 ticks at the default
 * period, hours of Bochs time: the bench configuration runs a lower N
 * there); period_ticks=T TSC ticks (default 10,000: tickvisor's default
 * timer_min_period_us of 200 us at Bochs's 50 MHz TSC); halt=1 waits in
 * STI; HLT instead of spinning; x2apic=1 selects the x2APIC face.
 */
#include "apic.h"
#include "bench.h"
#include "guest.h"
#include "isr.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"

#define TIMER_VEC		0x64U
#define PERIODS_DEFAULT		1000000U
#define PERIOD_TICKS_DEFAULT	10000U
#define NAME			"drift-periodic"

static struct apic_timer_rate rate;
static struct bench_acc acc;

/* Current count and the TSC of that tick, read consistently. */
static uint64_t read_tick(uint64_t *tsc)
{
	uint64_t c;

	do {
		c = isr_count(TIMER_VEC);
		*tsc = isr_last_tsc(TIMER_VEC);
	} while (c != isr_count(TIMER_VEC));
	return c;
}

static bool wait_next(uint64_t seen, bool halt, uint64_t limit)
{
	if (!halt) {
		while (isr_count(TIMER_VEC) == seen && rdtsc() < limit)
			cpu_relax();
		return isr_count(TIMER_VEC) != seen;
	}
	irq_disable();
	while (isr_count(TIMER_VEC) == seen && rdtsc() < limit) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
	return isr_count(TIMER_VEC) != seen;
}

int main(void)
{
	char val[8];
	bool x2 = mb_cmdline_get("x2apic", val, sizeof(val)) && val[0] == '1';
	bool halt = mb_cmdline_get("halt", val, sizeof(val)) && val[0] == '1';
	uint64_t n = bench_arg_u64("periods", PERIODS_DEFAULT);
	uint64_t want_period = bench_arg_u64("period_ticks", PERIOD_TICKS_DEFAULT);
	uint64_t period, tmict, start, seen = 0, c, tsc = 0, lost = 0, late, t;
	uint64_t half_max = 0, last_late = 0;
	int64_t last_minus;
	bool timed_out = false;

	if (!n || !want_period)
		guest_abort("periods and period_ticks must be > 0");
	if (x2 && !apic_has_x2apic()) {
		report_skip(NAME ": CPUID.1:ECX[21] clear: no x2APIC");
		return report_summary();
	}
	if (apic_setup(x2))
		guest_abort("could not put the local APIC in %s mode (IA32_APIC_BASE 0x%lx)",
			    x2 ? "x2APIC" : "xAPIC", rdmsr(MSR_IA32_APIC_BASE));
	apic_timer_rate_measure(&rate);
	if (!rate.exact) {
		report_skip(NAME ": needs the exact APIC-timer/TSC ratio, only measured (%lu/%lu)",
			    rate.num, rate.den);
		return report_summary();
	}
	tmict = want_period * rate.den / rate.num;
	if (!tmict || tmict > 0xffffffffULL)
		guest_abort("period_ticks=%lu does not fit TMICT at ratio %lu/%lu", want_period,
			    rate.num, rate.den);
	period = apic_ticks_to_tsc(&rate, tmict);
	if (tmict * rate.num % rate.den)
		report_info("period %lu APIC ticks is %lu.x TSC ticks: expected times use the floor",
			    tmict, period);
	report_info("%s face, %s, %lu periods of %lu TSC ticks (TMICT %lu, ratio %lu/%lu, %s)",
		    x2 ? "x2APIC" : "xAPIC", halt ? "halted" : "spinning", n, period, tmict,
		    rate.num, rate.den, rate.source);

	bench_begin(&acc, NAME, (n + BENCH_KEEP_MAX - 1) / BENCH_KEEP_MAX);
	isr_reset();
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_PERIODIC);
	irq_enable();
	start = apic_write_tsc(APIC_TMICT, (uint32_t)tmict);
	t = start;
	while (seen < n) {
		if (!wait_next(seen, halt, start + (seen + 1) * period + APIC_LATE_TSC)) {
			timed_out = true;
			break;
		}
		c = read_tick(&tsc);
		lost += c - seen - 1;
		seen = c;
		if ((int64_t)(tsc - (start + c * period)) < 0) {
			bench_add_early(&acc);
			late = 0;
		} else {
			late = tsc - (start + c * period);
			bench_add(&acc, late);
		}
		if (c <= n / 2 && late > half_max)
			half_max = late;
		last_late = late;
	}
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	t = rdtsc() - t;
	last_minus = seen ? (int64_t)(tsc - (start + seen * period)) : 0;

	report_info(NAME ": %lu ticks seen in %lu TSC ticks", seen, t);
	printf("DRIFT: name=" NAME " periods=%lu period=%lu last_minus_expected=%ld\n", seen,
	       period, last_minus);
	bench_report(&acc, n, true);
	report(!timed_out && seen >= n, NAME ": %lu periodic interrupts arrived (%lu)%s", n, seen,
	       timed_out ? ", then none for the timeout" : "");
	report(lost == 0, NAME ": no tick missed by the waiting loop (%lu)", lost);
	report(seen >= 2 && last_late <= half_max,
	       NAME ": no accumulated drift: the last tick's lateness %lu <= the first half's max %lu",
	       last_late, half_max);
	irq_disable();
	return report_summary();
}
