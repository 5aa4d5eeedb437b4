/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * bench_latency: timer interrupt latency (issue 6), in guest TSC ticks from
 * the deadline to the ISR entry TSC (lib/isr.c reads it at the third
 * instruction of the stub), for the TSC-deadline timer ("TSC-Deadline
 * Mode", Intel SDM Vol. 3A) and the one-shot timer ("APIC Timer"), with the
 * guest busy-spinning (interrupts enabled) and halted (STI; HLT).
 *
 * Each variant arms SAMPLES deadlines one after the other, each a
 * pseudo-random SPREAD_LO..SPREAD_LO+SPREAD_SPAN ticks ahead, so that no
 * fixed period in the host (a poll loop, a tick) aliases with them.  The
 * one-shot deadline is the TSC just before the TMICT write plus TMICT x
 * divide in TSC ticks, rounded up (divide 1).  Nothing is printed until a
 * variant's samples are all in.
 *
 * print=1 (issue 11): instead, the spin variants with a full text line
 * printed over COM1 (port 0x3F8, polling LSR.THRE like any driver) right
 * after each arm, so that every deadline falls while the guest prints:
 * the latency of a guest that logs, which a hypervisor writing guest
 * output synchronously to a slow host UART inside the VM exit delays by
 * the length of a line.  samples defaults to PRINT_SAMPLES_DEFAULT there
 * (a line costs ~350,000 ticks natively in Bochs) and is the number wanted.
 *
 * Command line: x2apic=1 selects the x2APIC face (default xAPIC);
 * samples=N (default 10000); print=1.
 */
#include "apic.h"
#include "bench.h"
#include "guest.h"
#include "isr.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define TIMER_VEC		0x62U
#define SAMPLES_DEFAULT		10000U
#define SAMPLES_WANT		10000U
#define PRINT_SAMPLES_DEFAULT	1000U
#define WARMUP			16U
#define SPREAD_LO		5000U
#define SPREAD_SPAN		10000U
#define TIMEOUTS_MAX		3U
#define SEED			0x13579bdfU

enum lat_timer { LAT_TSCDL, LAT_ONESHOT };

static struct apic_timer_rate rate;
static struct bench_acc acc;
static uint64_t nsamples;
static bool print_mode;

/* The line a print variant writes between arming and taking the interrupt. */
static void print_line(const char *name, uint64_t i)
{
	char line[128];
	int n = snprintf(line, sizeof(line),
			 "INFO: %s: sample %lu: a line printed while the deadline is due\n", name, i);

	if (n > 0)
		serial_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* TSC ticks -> APIC-timer ticks at divide 1, at least 1. */
static uint32_t tsc_to_apic(uint64_t tsc)
{
	uint64_t t = tsc * rate.den / rate.num;

	return t ? (uint32_t)t : 1U;
}

/* ceil(ticks x num / den): the first TSC value at which the count is done. */
static uint64_t apic_to_tsc_ceil(uint64_t ticks)
{
	return (ticks * rate.num + rate.den - 1U) / rate.den;
}

/*
 * Arm one deadline `delta` ticks ahead and return it.  The spin variant
 * arms with interrupts enabled; the halt variant with them off, so the
 * interrupt is taken out of the HLT (or at the STI just before it).
 */
static uint64_t arm(enum lat_timer kind, uint64_t delta)
{
	uint64_t t;
	uint32_t ticks;

	if (kind == LAT_TSCDL) {
		t = rdtsc() + delta;
		wrmsr(MSR_IA32_TSC_DEADLINE, t);
		return t;
	}
	ticks = tsc_to_apic(delta);
	t = apic_write_tsc(APIC_TMICT, ticks);
	return t + apic_to_tsc_ceil(ticks);
}

/* Wait until vector count moves past c; false on timeout. */
static bool wait_fire(uint64_t c, bool halt, uint64_t limit)
{
	if (!halt) {
		irq_enable();
		while (isr_count(TIMER_VEC) == c && rdtsc() < limit)
			cpu_relax();
		return isr_count(TIMER_VEC) != c;
	}
	while (isr_count(TIMER_VEC) == c && rdtsc() < limit) {
		safe_halt();
		irq_disable();
	}
	return isr_count(TIMER_VEC) != c;
}

static void run_variant(enum lat_timer kind, bool halt, const char *name)
{
	uint64_t i, c, deadline, fire, timeouts = 0, t0;
	bool exact = kind == LAT_TSCDL || rate.exact;

	bench_srand(SEED);
	bench_begin(&acc, name, 1);
	isr_reset();
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, TIMER_VEC | (kind == LAT_TSCDL ? APIC_LVT_TIMER_TSCDL :
							     APIC_LVT_TIMER_ONESHOT));
	if (halt)
		irq_disable();
	else
		irq_enable();
	t0 = rdtsc();
	for (i = 0; i < nsamples + WARMUP; i++) {
		c = isr_count(TIMER_VEC);
		deadline = arm(kind, bench_spread(SPREAD_LO, SPREAD_SPAN));
		if (print_mode)
			print_line(name, i);
		if (!wait_fire(c, halt, deadline + APIC_LATE_TSC)) {
			if (++timeouts >= TIMEOUTS_MAX)
				break;
			continue;
		}
		if (i < WARMUP)
			continue;
		fire = isr_last_tsc(TIMER_VEC);
		if ((int64_t)(fire - deadline) < 0)
			bench_add_early(&acc);
		else
			bench_add(&acc, fire - deadline);
	}
	t0 = rdtsc() - t0;
	irq_disable();
	if (kind == LAT_TSCDL)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	irq_enable();
	report_info("%s: %lu samples in %lu TSC ticks (spread %u..%u, %lu warm-up)", name, acc.n,
		    t0, SPREAD_LO, SPREAD_LO + SPREAD_SPAN, (uint64_t)WARMUP);
	bench_report(&acc, print_mode ? nsamples : SAMPLES_WANT, exact);
	report(timeouts == 0, "%s: every deadline delivered (%lu timeouts)", name, timeouts);
}

int main(void)
{
	static const char *const plain_names[2][2][2] = {
		{ { "latency-tscdl-spin-xapic", "latency-tscdl-spin-x2apic" },
		  { "latency-tscdl-halt-xapic", "latency-tscdl-halt-x2apic" } },
		{ { "latency-oneshot-spin-xapic", "latency-oneshot-spin-x2apic" },
		  { "latency-oneshot-halt-xapic", "latency-oneshot-halt-x2apic" } },
	};
	/* print=1: the spin variants only ([0]), printing between samples. */
	static const char *const print_names[2][2][2] = {
		{ { "latency-tscdl-print-xapic", "latency-tscdl-print-x2apic" }, { NULL, NULL } },
		{ { "latency-oneshot-print-xapic", "latency-oneshot-print-x2apic" }, { NULL, NULL } },
	};
	const char *const (*names)[2][2] = plain_names;
	unsigned int k, h, nh;
	char val[8];
	bool x2;

	print_mode = mb_cmdline_get("print", val, sizeof(val)) && val[0] == '1';
	nsamples = bench_arg_u64("samples", print_mode ? PRINT_SAMPLES_DEFAULT : SAMPLES_DEFAULT);
	x2 = mb_cmdline_get("x2apic", val, sizeof(val)) && val[0] == '1';
	if (print_mode)
		names = print_names;
	nh = print_mode ? 1U : 2U;
	if (x2 && !apic_has_x2apic()) {
		for (k = 0; k < 2; k++)
			for (h = 0; h < nh; h++)
				report_skip("%s: CPUID.1:ECX[21] clear: no x2APIC", names[k][h][1]);
		return report_summary();
	}
	if (apic_setup(x2))
		guest_abort("could not put the local APIC in %s mode (IA32_APIC_BASE 0x%lx)",
			    x2 ? "x2APIC" : "xAPIC", rdmsr(MSR_IA32_APIC_BASE));
	apic_timer_rate_measure(&rate);
	report_info("APIC timer: TSC ticks = APIC ticks x %lu / %lu (%s)", rate.num, rate.den,
		    rate.source);
	for (k = 0; k < 2; k++) {
		for (h = 0; h < nh; h++) {
			if (k == LAT_TSCDL && !apic_has_tsc_deadline()) {
				report_skip("%s: CPUID.1:ECX[24] clear: no TSC-deadline mode",
					    names[k][h][x2]);
				continue;
			}
			run_variant((enum lat_timer)k, h, names[k][h][x2]);
		}
	}
	irq_disable();
	return report_summary();
}
