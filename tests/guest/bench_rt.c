/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * bench_rt: round-trip costs (issue 6) in guest TSC ticks per operation,
 * ITERS samples each, nothing printed until an operation's samples are in:
 *
 *   rt-vmcall            VMCALL TV_HC_INFO, the null exit (only with the
 *                        tickvisor CPUID signature: elsewhere VMCALL is #UD)
 *   rt-cpuid             CPUID leaf 0
 *   rt-wrmsr-tscdl-immed WRMSR IA32_TSC_DEADLINE with a deadline already
 *                        past (kvm-unit-tests' tscdeadline_immed shape):
 *                        TSC just before the WRMSR to the ISR entry TSC
 *   rt-tmict-write       TMICT write re-arming a one-shot that never fires
 *   rt-tmcct-read        TMCCT read while that one-shot counts
 *   rt-eoi               EOI of an in-service vector (a self-IPI taken
 *                        with the ISR's own EOI turned off)
 *   rt-self-ipi          ICR write (fixed, shorthand self) to ISR entry TSC
 *   rt-tpr-write         TPR write, alternating 0x10 and 0
 *
 * The single-instruction operations are timed LFENCE; RDTSC; LFENCE; op;
 * LFENCE; RDTSC (lib/bench.h), minus the same bracket timed around nothing
 * (its minimum over CALIBRATE runs, printed as INFO).  The two operations
 * that end in an interrupt are timed from the RDTSC just before the write
 * (lib/apic.c apic_write_tsc*) to the ISR's RDTSC, with no bracket.
 *
 * Command line: x2apic=1 selects the x2APIC face (default xAPIC);
 * iters=N (default 10000).
 */
#include "apic.h"
#include "bench.h"
#include "guest.h"
#include "hypercall.h"
#include "isr.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"

#define TIMER_VEC		0x62U
#define IPI_VEC			0x63U
#define ITERS_DEFAULT		10000U
#define ITERS_WANT		10000U
#define WARMUP			16U
#define CALIBRATE		1000U
#define TMICT_FAR		1000000000U	/* never expires during a run */
#define TPR_CLASS1		0x10U
#define WAIT_TSC		APIC_LATE_TSC

enum rt_op {
	RT_VMCALL, RT_CPUID, RT_WRMSR_TSCDL, RT_TMICT, RT_TMCCT, RT_EOI, RT_SELF_IPI, RT_TPR,
	RT_NOPS
};

static const char *const rt_names[RT_NOPS] = {
	"rt-vmcall", "rt-cpuid", "rt-wrmsr-tscdl-immed", "rt-tmict-write", "rt-tmcct-read",
	"rt-eoi", "rt-self-ipi", "rt-tpr-write",
};

static struct bench_acc acc;
static uint64_t iters, bracket;

static void cpuid0(void)
{
	uint32_t a = 0, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
}

/* The LFENCE/RDTSC bracket around nothing: its smallest cost. */
static uint64_t measure_bracket(void)
{
	uint64_t best = ~0ULL, t0, t1;
	unsigned int i;

	for (i = 0; i < CALIBRATE; i++) {
		t0 = bench_tsc_begin();
		t1 = bench_tsc_end();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

static void add_bracketed(uint64_t i, uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	if (i >= WARMUP)
		bench_add(&acc, d > bracket ? d - bracket : 0);
}

static bool wait_vec(uint8_t vec, uint64_t c, uint64_t start)
{
	return isr_wait(vec, c + 1, start + WAIT_TSC);
}

/* One sample of op, or false when its interrupt never came. */
static bool run_one(enum rt_op op, uint64_t i)
{
	uint64_t t0, t1, c;

	switch (op) {
	case RT_VMCALL:
		t0 = bench_tsc_begin();
		tv_hypercall(TV_HC_INFO, 0, 0, 0);
		t1 = bench_tsc_end();
		add_bracketed(i, t0, t1);
		return true;
	case RT_CPUID:
		t0 = bench_tsc_begin();
		cpuid0();
		t1 = bench_tsc_end();
		add_bracketed(i, t0, t1);
		return true;
	case RT_WRMSR_TSCDL:
		c = isr_count(TIMER_VEC);
		t0 = apic_write_tsc_deadline(rdtsc());
		if (!wait_vec(TIMER_VEC, c, t0))
			return false;
		if (i >= WARMUP)
			bench_add(&acc, isr_last_tsc(TIMER_VEC) - t0);
		return true;
	case RT_TMICT:
		t0 = bench_tsc_begin();
		apic_write(APIC_TMICT, TMICT_FAR - (uint32_t)(i & 1U));
		t1 = bench_tsc_end();
		add_bracketed(i, t0, t1);
		return true;
	case RT_TMCCT:
		t0 = bench_tsc_begin();
		(void)apic_read(APIC_TMCCT);
		t1 = bench_tsc_end();
		add_bracketed(i, t0, t1);
		return true;
	case RT_EOI:
		c = isr_count(IPI_VEC);
		apic_self_ipi(IPI_VEC);
		if (!wait_vec(IPI_VEC, c, rdtsc()))
			return false;
		t0 = bench_tsc_begin();
		apic_eoi();
		t1 = bench_tsc_end();
		add_bracketed(i, t0, t1);
		return true;
	case RT_SELF_IPI:
		c = isr_count(IPI_VEC);
		t0 = apic_write_tsc(APIC_ICR, APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT |
					      APIC_ICR_DM_FIXED | IPI_VEC);
		if (!wait_vec(IPI_VEC, c, t0))
			return false;
		if (i >= WARMUP)
			bench_add(&acc, isr_last_tsc(IPI_VEC) - t0);
		return true;
	case RT_TPR:
		t0 = bench_tsc_begin();
		apic_write(APIC_TPR, (i & 1U) ? 0U : TPR_CLASS1);
		t1 = bench_tsc_end();
		add_bracketed(i, t0, t1);
		return true;
	case RT_NOPS:
		break;
	}
	return false;
}

static void setup_op(enum rt_op op)
{
	isr_reset();
	isr_set_auto_eoi(op != RT_EOI);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	if (op == RT_WRMSR_TSCDL)
		apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
	if (op == RT_TMICT || op == RT_TMCCT) {
		apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
		apic_write(APIC_TMICT, TMICT_FAR);
	}
	irq_enable();
}

static void teardown_op(enum rt_op op)
{
	irq_disable();
	if (op == RT_WRMSR_TSCDL)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TPR, 0);
	isr_set_auto_eoi(true);
	irq_enable();
}

static void run_op(enum rt_op op)
{
	uint64_t i, t;
	bool ok = true;

	bench_begin(&acc, rt_names[op], 1);
	setup_op(op);
	t = rdtsc();
	for (i = 0; i < iters + WARMUP && ok; i++)
		ok = run_one(op, i);
	t = rdtsc() - t;
	teardown_op(op);
	report_info("%s: %lu samples in %lu TSC ticks", rt_names[op], acc.n, t);
	bench_report(&acc, ITERS_WANT, true);
	if (op == RT_WRMSR_TSCDL || op == RT_SELF_IPI || op == RT_EOI)
		report(ok, "%s: every interrupt delivered", rt_names[op]);
	if (op == RT_TMICT || op == RT_TMCCT)
		report(isr_count(TIMER_VEC) == 0, "%s: the far one-shot never fired (%lu)",
		       rt_names[op], isr_count(TIMER_VEC));
}

int main(void)
{
	char val[8];
	bool x2 = mb_cmdline_get("x2apic", val, sizeof(val)) && val[0] == '1';
	unsigned int op;

	iters = bench_arg_u64("iters", ITERS_DEFAULT);
	if (x2 && !apic_has_x2apic()) {
		for (op = 0; op < RT_NOPS; op++)
			report_skip("%s: CPUID.1:ECX[21] clear: no x2APIC", rt_names[op]);
		return report_summary();
	}
	if (apic_setup(x2))
		guest_abort("could not put the local APIC in %s mode (IA32_APIC_BASE 0x%lx)",
			    x2 ? "x2APIC" : "xAPIC", rdmsr(MSR_IA32_APIC_BASE));
	bracket = measure_bracket();
	report_info("%s face; LFENCE/RDTSC bracket: %lu ticks, subtracted from bracketed samples",
		    x2 ? "x2APIC" : "xAPIC", bracket);
	for (op = 0; op < RT_NOPS; op++) {
		if (op == RT_VMCALL && !tv_is_present()) {
			report_skip("%s: no tickvisor CPUID signature: VMCALL has no null exit here",
				    rt_names[op]);
			continue;
		}
		if (op == RT_WRMSR_TSCDL && !apic_has_tsc_deadline()) {
			report_skip("%s: CPUID.1:ECX[24] clear: no TSC-deadline mode", rt_names[op]);
			continue;
		}
		run_op((enum rt_op)op);
	}
	irq_disable();
	return report_summary();
}
