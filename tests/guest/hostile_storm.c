/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hostile_storm (issue 12): storms and dead ends.  A guest that floods the
 * VMM with interrupts, timer writes or exceptions must still get the SDM's
 * answers and keep running; a guest that can never make progress again must
 * be stopped by tickvisor with a named reason.
 *
 * how= picks one case (how=all: every case that is not expected to be
 * stopped, one after another; the x2APIC one late, as it leaves the APIC in
 * x2APIC mode, and the pile-up last, as Bochs run natively gets it wrong
 * and cannot be brought back).  n=COUNT overrides a storm's default count.
 *
 * Interrupt storms (SDM Vol. 3A, "Advanced Programmable Interrupt
 * Controller (APIC)"):
 *   selfipi_xapic    100,000 fixed self-IPIs through the xAPIC ICR, each
 *                    EOI'd by the handler, vectors cycling: every one
 *                    delivered exactly once, ISR, IRR and ESR empty after.
 *   selfipi_x2apic   the same through the x2APIC SELF IPI and ICR MSRs
 *                    (a skip without x2APIC).
 *   selfipi_pileup   no EOI: vectors 32-255 sent in ascending order nest
 *                    one in-service vector per priority class, the rest
 *                    wait in IRR; 100,000 more with IF=0 fill IRR; then
 *                    EOI until both are empty.  Every vector delivered
 *                    once per IRR setting, ISR and IRR empty at the end.
 *   nmi_storm        NMIs to the APIC's own ID (the self shorthand takes
 *                    fixed only): each one delivered once, then a burst.
 *   vectors_all      every vector 16-255 once, each delivered once; vectors
 *                    0-15 are illegal: ESR "Send Illegal Vector", nothing
 *                    delivered ("Error Handling").
 * Timer storms (SDM Vol. 3A, "APIC Timer"), every check in guest TSC:
 *   timer_periodic_min  periodic, TMICT 1, divide by 1: tickvisor stretches
 *                    the period to timer_min_period_us (200 us by default,
 *                    docs/configuration.md); the guest makes progress and
 *                    no interrupt comes sooner.  Natively the SDM sets no
 *                    minimum: not provoked (a skip).
 *   tscdl_past       a TSC deadline in the past re-armed 50,000 times: one
 *                    interrupt per arm, then a future deadline not early.
 *   tmict_rewrite    TMICT rewritten in a tight loop (1 and a huge count
 *                    alternately), then expired arms must not be lost to
 *                    the next write, then one final arm not early.
 *   timer_mode_switch  one-shot -> periodic -> TSC-deadline -> one-shot in
 *                    a loop: a switch to or from TSC-deadline disarms, no
 *                    interrupt from a disarmed count.
 * Exception storms (SDM Vol. 3A, "Exception and Interrupt Reference"):
 *   exc_de, exc_ud, exc_bp  100,000 #DE (divide by 0 and overflow), #UD
 *                    (UD2), #BP (INT3) each, resumed by the handler, with
 *                    a periodic timer running so some arrive mid-delivery.
 *   double_fault     a #PF whose delivery faults again (its IDT gate on a
 *                    page not present): #DF, error code 0 ("Interrupt 8").
 * Dead ends, stopped by tickvisor (natively not provoked, a skip):
 *   loop_cli         CLI, JMP $: only the per-guest timeout= ends it.
 *   pause_loop       CLI, then PAUSE in a loop: the same.
 *   cli_hlt          CLI, HLT: "HLT ... with RFLAGS.IF=0 and no NMI
 *                    pending: the vCPU can never wake".
 *   hlt_notimer      STI, HLT with every LVT masked and no timer: "halted
 *                    with IF=1 but no timer armed ...".
 *   triple_pf        a #PF whose delivery faults, then the #DF's too: a
 *                    triple fault ("triple fault at RIP ...").
 */
#include "apic.h"
#include "exception.h"
#include "guest.h"
#include "hypercall.h"
#include "isr.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define IPI_STORM		100000U
#define NMI_STORM		20000U
#define NMI_BURST		1000U
#define TSCDL_REARMS		50000U
#define TMICT_REWRITES		20000U
#define TMICT_EXPIRED		1000U
#define MODE_SWITCHES		2000U
#define EXC_STORM		100000U
#define TIMER_VEC		0x30U
#define VEC_FIRST		0x20U
#define VEC_COUNT		224U	/* 0x20-0xFF */
#define APIC_ESR_SEND_ILLEGAL	0x20U
#define APIC_ESR_RECV_ILLEGAL	0x40U
#define APIC_ICR_DEST_NONE	0x00000000U
#define HUGE_COUNT		0xffffffffU
/* Polling bounds in guest TSC ticks: generous for Bochs, where a tick is an instruction. */
#define WAIT_TSC		50000000ULL
#define QUIET_TSC		2000000ULL
#define PTE_P			0x001ULL
#define PTE_RW			0x002ULL
/* 2 GiB: identity-mapped by entry.asm, above every guest's RAM, free for 4-KiB tricks. */
#define TRAP_VA			0x80000000ULL
#define TSC_KHZ_LEAF		0x40000010U

extern uint64_t guest_pd[4 * 512];
extern const uint64_t ex_stub_table[32];

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static struct apic_timer_rate rate;
static uint32_t storm_n;	/* n= from the command line, 0: the case's default */

static uint32_t count_or(uint32_t def)
{
	return storm_n ? storm_n : def;
}

static uint64_t to_tsc(uint64_t ticks)
{
	return apic_ticks_to_tsc(&rate, ticks);
}

/* IF=1 for a few instructions: whatever is pending and deliverable arrives. */
static void deliver_pending(void)
{
	__asm__ volatile("sti\n\tnop\n\tnop\n\tnop\n\tcli" ::: "memory");
}

static uint32_t apic_bits(uint32_t base, unsigned int i)
{
	return apic_read(base + i * 0x10U);
}

/*
 * Number of set bits among vectors 16-255 of ISR, IRR or TMR (0-15 are
 * reserved; vectors_all looks at them itself).
 */
static unsigned int apic_popcount(uint32_t base)
{
	unsigned int i, n = 0;
	uint32_t w;

	/* No libgcc here: clear the lowest set bit until none is left. */
	for (i = 0; i < 8; i++)
		for (w = apic_bits(base, i) & (i ? ~0U : ~0xffffU); w; w &= w - 1U)
			n++;
	return n;
}

/* "Error Status Register": write, then read what was found since the last write. */
static uint32_t esr_read(void)
{
	apic_write(APIC_ESR, 0);
	return apic_read(APIC_ESR);
}

static void timer_stop(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
}

static uint32_t own_apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return apic_is_x2apic() ? id : id >> 24;
}

/* ---- interrupt storms ---- */

/* The highest vector set in ISR or IRR, -1 when none. */
static int apic_highest(uint32_t base)
{
	int v;

	for (v = 255; v >= 16; v--)
		if (apic_test_vector(base, (uint8_t)v))
			return v;
	return -1;
}

static void check_apic_quiet(const char *after)
{
	unsigned int isr = apic_popcount(APIC_ISR), irr = apic_popcount(APIC_IRR);
	uint32_t esr = esr_read();

	report(isr == 0 && irr == 0, "after %s: ISR and IRR empty (%u and %u bits set, highest "
	       "%d and %d)", after, isr, irr, apic_highest(APIC_ISR), apic_highest(APIC_IRR));
	report(esr == 0, "after %s: ESR 0 (0x%x)", after, esr);
}

/* Fixed self-IPIs, vectors cycling over 0x40-0xEF, each EOI'd by the ISR. */
static void selfipi_storm(bool x2apic)
{
	uint32_t n = count_or(IPI_STORM), i, per_vec_bad = 0;
	uint64_t t0, t1;
	unsigned int v;

	report_prefix_push(x2apic ? "selfipi_x2apic" : "selfipi_xapic");
	if (x2apic && !apic_has_x2apic()) {
		report_skip("CPUID.1:ECX[21] clear: no x2APIC");
		report_prefix_pop();
		return;
	}
	if (apic_setup(x2apic))
		guest_abort("could not put the local APIC in %s mode", x2apic ? "x2APIC" : "xAPIC");
	(void)esr_read();
	isr_reset();
	isr_set_auto_eoi(true);
	irq_enable();
	t0 = rdtsc();
	for (i = 0; i < n; i++) {
		uint32_t vec = 0x40U + i % 0xb0U;

		if (!x2apic)
			apic_write(APIC_ICR, APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT | vec);
		else if (i & 1U)
			wrmsr(MSR_X2APIC_SELF_IPI, vec);
		else
			wrmsr(MSR_X2APIC_ICR, APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT | vec);
	}
	isr_wait(0x40, (n + 0xafU) / 0xb0U, rdtsc() + WAIT_TSC);
	t1 = rdtsc();
	irq_disable();
	for (v = 0x40; v < 0xf0; v++) {
		uint64_t want = n / 0xb0U + (v - 0x40U < n % 0xb0U ? 1U : 0U);

		if (isr_count((uint8_t)v) != want)
			per_vec_bad++;
	}
	report_info("%u self-IPIs%s in %lu TSC ticks", n,
		    x2apic ? " (SELF IPI and ICR MSRs alternately)" : "", t1 - t0);
	report(isr_total() == n, "every self-IPI delivered once: %lu of %u", isr_total(), n);
	report(per_vec_bad == 0, "each vector delivered as often as sent (%u vectors off)",
	       per_vec_bad);
	check_apic_quiet("the storm");
	report_prefix_pop();
}

/* Which vectors are set in base (ISR or IRR), against the expected predicate. */
static unsigned int apic_bits_mismatch(uint32_t base, bool (*want)(unsigned int))
{
	unsigned int v, bad = 0;

	for (v = VEC_FIRST; v < 256; v++)
		if (apic_test_vector(base, (uint8_t)v) != want(v))
			bad++;
	return bad;
}

static bool is_class_first(unsigned int v) { return (v & 0xfU) == 0; }
static bool is_not_class_first(unsigned int v) { return (v & 0xfU) != 0; }
static bool is_any(unsigned int v) { (void)v; return true; }

static void selfipi_pileup(void)
{
	uint32_t n = count_or(IPI_STORM), i;
	unsigned int v, eois = 0, bad = 0, isr_bits, irr_bits;
	uint32_t ppr;

	report_prefix_push("selfipi_pileup");
	/* The face in use: how=all runs this last, after selfipi_x2apic. */
	if (apic_setup(apic_is_x2apic()))
		guest_abort("could not reset the local APIC");
	isr_reset();
	isr_set_auto_eoi(false);
	/*
	 * "Interrupt, Task, and Processor Priority": a vector is delivered only
	 * when its class (bits 7:4) is above PPR's.  Ascending, each class's
	 * first vector preempts the one in service; the other 15 wait.
	 */
	irq_enable();
	for (v = VEC_FIRST; v < 256; v++)
		apic_write(APIC_ICR, APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT | v);
	irq_disable();
	ppr = apic_read(APIC_PPR);
	if (isr_total() > 14 && apic_is_bochs_native()) {
		/* Its ISR and IRR are then beyond repair in this boot: this case comes last. */
		report_skip("ascending vectors without EOI: Bochs delivered %lu, vectors of the class "
			    "in service among them (it compares vectors, not priority classes)",
			    isr_total());
		report_prefix_pop();
		return;
	}
	report(isr_total() == 14, "ascending vectors 0x20-0xff without EOI: one delivered per "
	       "priority class (%lu, expected 14)", isr_total());
	report(apic_bits_mismatch(APIC_ISR, is_class_first) == 0,
	       "ISR holds the 14 class-first vectors (%u bits set, %u wrong)",
	       apic_popcount(APIC_ISR), apic_bits_mismatch(APIC_ISR, is_class_first));
	report(apic_bits_mismatch(APIC_IRR, is_not_class_first) == 0,
	       "IRR holds the other 210 (%u bits set, %u wrong)", apic_popcount(APIC_IRR),
	       apic_bits_mismatch(APIC_IRR, is_not_class_first));
	report((ppr & 0xf0U) == 0xf0U, "PPR follows the highest vector in service: 0x%x", ppr);

	/* With IF=0, every vector again, many times: IRR is a bit per vector. */
	for (i = 0; i < n; i++)
		apic_write(APIC_ICR, APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT |
			   (VEC_FIRST + i % VEC_COUNT));
	isr_bits = apic_popcount(APIC_ISR);
	irr_bits = apic_popcount(APIC_IRR);
	report(isr_total() == 14 && apic_bits_mismatch(APIC_IRR, is_any) == 0 && isr_bits == 14,
	       "%u more with IF=0: nothing delivered, IRR all 224 vectors (%u), ISR unchanged (%u)",
	       n, irr_bits, isr_bits);

	/* EOI until nothing is left; each EOI lets the next priority class in. */
	irq_enable();
	while ((apic_popcount(APIC_ISR) || apic_popcount(APIC_IRR)) && eois < 4 * VEC_COUNT) {
		apic_eoi();
		eois++;
	}
	irq_disable();
	for (v = VEC_FIRST; v < 256; v++)
		if (isr_count((uint8_t)v) != (is_class_first(v) ? 2U : 1U))
			bad++;
	report(isr_total() == 14 + VEC_COUNT && bad == 0,
	       "after %u EOIs: %lu deliveries (expected 238), %u vectors with the wrong count",
	       eois, isr_total(), bad);
	report(apic_read(APIC_PPR) == 0, "PPR 0 again (0x%x)", apic_read(APIC_PPR));
	check_apic_quiet("the pile-up");
	isr_set_auto_eoi(true);
	report_prefix_pop();
}

static void nmi_storm(void)
{
	uint32_t n = count_or(NMI_STORM), i, lost = 0, id;
	uint64_t c, burst;

	report_prefix_push("nmi_storm");
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	id = own_apic_id();
	/*
	 * "Valid Combinations for the ... Local xAPIC Interrupt Command
	 * Register": the self shorthand takes fixed only, so the NMI names
	 * this APIC by its physical ID.
	 */
	ex_expect_nmi(true);
	for (i = 0; i < n; i++) {
		uint64_t limit = rdtsc() + WAIT_TSC;

		c = ex_nmi_count();
		apic_write_icr(APIC_ICR_DM_NMI | APIC_ICR_LEVEL_ASSERT | APIC_ICR_DEST_NONE, id);
		while (ex_nmi_count() == c && rdtsc() < limit)
			cpu_relax();
		if (ex_nmi_count() != c + 1) {
			lost++;
			if (ex_nmi_count() == c)
				break;
		}
	}
	report(lost == 0 && ex_nmi_count() == n, "%u NMI IPIs to APIC ID %u, each awaited: %lu "
	       "delivered", n, id, ex_nmi_count());
	/* "NMI Handling": while one is handled, at most one more is held. */
	ex_expect_nmi(true);
	for (i = 0; i < NMI_BURST; i++)
		apic_write_icr(APIC_ICR_DM_NMI | APIC_ICR_LEVEL_ASSERT, id);
	tsc_wait_until(rdtsc() + QUIET_TSC);
	burst = ex_nmi_count();
	report(burst >= 1 && burst <= NMI_BURST, "a burst of %u NMIs back to back: %lu delivered "
	       "(1 to %u)", NMI_BURST, burst, NMI_BURST);
	tsc_wait_until(rdtsc() + QUIET_TSC);
	report(ex_nmi_count() == burst, "no NMI after the burst was over (%lu)", ex_nmi_count());
	ex_expect_nmi(false);
	check_apic_quiet("the NMIs");
	report_prefix_pop();
}

/*
 * Vectors 0-31: gates of our own while vectors_all runs (the runtime's
 * treat them as exceptions), counting, no EOI.  An illegal vector an
 * emulator delivers anyway is counted, not an unexpected exception.
 */
static volatile uint64_t low_count[32];

void storm_low_vector(uint64_t vec);
void storm_low_vector(uint64_t vec)
{
	low_count[vec & 0x1fU]++;
}

__asm__(".pushsection .text\n"
	".balign 16\n"
	"storm_low_stubs:\n"
	".set storm_vec, 0\n"
	".rept 32\n"
	".balign 16\n"
	"push %rdi\n"
	"mov $storm_vec, %edi\n"
	"jmp storm_low_common\n"
	".set storm_vec, storm_vec + 1\n"
	".endr\n"
	"storm_low_common:\n"
	/* RSP = 0 mod 16 after the CPU's 5 words and RDI; 8 more pushes, 8 bytes pad. */
	"push %rax\n"
	"push %rcx\n"
	"push %rdx\n"
	"push %rsi\n"
	"push %r8\n"
	"push %r9\n"
	"push %r10\n"
	"push %r11\n"
	"cld\n"
	"call storm_low_vector\n"
	"pop %r11\n"
	"pop %r10\n"
	"pop %r9\n"
	"pop %r8\n"
	"pop %rsi\n"
	"pop %rdx\n"
	"pop %rcx\n"
	"pop %rax\n"
	"pop %rdi\n"
	"iretq\n"
	".popsection\n");
extern const uint8_t storm_low_stubs[];

static void vectors_all(void)
{
	unsigned int v, not_pending = 0, not_once = 0, stuck = 0, no_esr = 0, delivered_ill = 0;
	uint32_t esr_legal, esr, esr_seen = 0;
	uint64_t total;

	report_prefix_push("vectors_all");
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	for (v = 0; v < 32; v++)
		ex_set_gate(v, (void (*)(void))(uintptr_t)(storm_low_stubs + v * 16));
	isr_reset();
	isr_set_auto_eoi(false);
	(void)esr_read();
	for (v = 16; v < 256; v++) {
		uint64_t before = v < 32 ? low_count[v] : isr_count((uint8_t)v);
		uint64_t after;

		if (v == APIC_SPURIOUS_VECTOR && apic_is_bochs_native()) {
			/* Seen: ISR[0xff] stays set after the EOI and blocks all later delivery. */
			report_skip("vector 0xff not sent: Bochs keeps it (the SVR's spurious vector) "
				    "in ISR after its EOI");
			continue;
		}
		apic_self_ipi((uint8_t)v);
		if (!apic_test_vector(APIC_IRR, (uint8_t)v))
			not_pending++;
		deliver_pending();
		after = v < 32 ? low_count[v] : isr_count((uint8_t)v);
		if (after != before + 1)
			not_once++;
		apic_eoi();
		if (apic_test_vector(APIC_ISR, (uint8_t)v) || apic_test_vector(APIC_IRR, (uint8_t)v))
			stuck++;
	}
	esr_legal = esr_read();
	report(not_pending == 0, "vectors 16-255 each pend in IRR when sent with IF=0 (%u did not)",
	       not_pending);
	report(not_once == 0, "vectors 16-255 each delivered exactly once (%u were not)", not_once);
	report(stuck == 0, "each cleared from ISR and IRR by its EOI (%u stuck)", stuck);
	report(esr_legal == 0, "no APIC error for legal vectors (ESR 0x%x)", esr_legal);

	/*
	 * "Error Handling": "Send Illegal Vector. Set when the local APIC
	 * detects an illegal vector (one in the range 0 to 15) in the message
	 * that it is sending."  Receive Illegal may come with it (the message is
	 * also received here); the interrupt itself is not delivered: an
	 * exception gate that ran would end the guest.
	 */
	total = 0;
	for (v = 0; v < 16; v++)
		total += low_count[v];
	for (v = 0; v < 16; v++) {
		apic_self_ipi((uint8_t)v);
		esr = esr_read();
		esr_seen |= esr;
		if (!(esr & APIC_ESR_SEND_ILLEGAL))
			no_esr++;
		if (apic_bits(APIC_IRR, 0) & 0xffffU)
			delivered_ill++;
		deliver_pending();
		if (low_count[v])
			delivered_ill++;
		apic_eoi();
	}
	if (no_esr && (apic_is_qemu_tcg() || apic_is_bochs_native()))
		report_skip("vectors 0-15: ESR \"send illegal vector\": %s did not set it for %u "
			    "of them (bits seen 0x%x)", apic_is_qemu_tcg() ? "QEMU TCG" : "Bochs",
			    no_esr, esr_seen);
	else
		report(no_esr == 0, "vectors 0-15: ESR \"send illegal vector\" (bit 5) after each "
		       "(%u without; bits seen 0x%x)", no_esr, esr_seen);
	if (delivered_ill && apic_is_qemu_tcg())
		report_skip("vectors 0-15: nothing pended or delivered: QEMU TCG delivered %u of "
			    "them through the IDT", delivered_ill);
	else
		report(delivered_ill == 0 && total == 0,
		       "vectors 0-15: nothing pended or delivered (%u pended or delivered)",
		       delivered_ill);
	report_info("ESR bits seen for illegal vectors: 0x%x (receive illegal, bit 6: %s)",
		    esr_seen, esr_seen & APIC_ESR_RECV_ILLEGAL ? "set" : "clear");
	for (v = 0; v < 32; v++)
		ex_set_gate(v, (void (*)(void))(uintptr_t)ex_stub_table[v]);
	isr_set_auto_eoi(true);
	check_apic_quiet("every vector");
	report_prefix_pop();
}

/* ---- timer storms ---- */

/* tickvisor's TSC kHz (CPUID 0x40000010 EAX), 0 when not told. */
static uint64_t tv_tsc_khz(void)
{
	if (cpuid(0x40000000U).a < TSC_KHZ_LEAF)
		return 0;
	return cpuid(TSC_KHZ_LEAF).a;
}

static void timer_periodic_min(void)
{
	uint64_t khz, min_tsc, arm, end, loops = 0, n, bound, first, last;
	uint32_t cc, cc_max = 0;

	report_prefix_push("timer_periodic_min");
	if (!tv_present_or_skip()) {
		report_prefix_pop();
		return;
	}
	khz = tv_tsc_khz();
	if (!khz) {
		report(false, "tickvisor gives no TSC frequency (CPUID 0x40000010)");
		report_prefix_pop();
		return;
	}
	/* vmm/vapic.c: min_period_tsc = min_period_us * tsc_khz / 1000, the default 200 us. */
	min_tsc = 200ULL * khz / 1000ULL;
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	isr_reset();
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_PERIODIC);
	irq_enable();
	arm = apic_write_tsc(APIC_TMICT, 1);
	end = arm + 50 * min_tsc;
	/* Mostly plain work; TMCCT (an exit on some paths) every 64th pass. */
	while (rdtsc() < end) {
		if (!(loops & 63U)) {
			cc = apic_read(APIC_TMCCT);
			if (cc > cc_max)
				cc_max = cc;
		}
		loops++;
	}
	irq_disable();
	timer_stop();
	n = isr_count(TIMER_VEC);
	first = isr_first_tsc(TIMER_VEC);
	last = isr_last_tsc(TIMER_VEC);
	bound = (end - arm) / min_tsc + 1;
	report_info("TMICT 1 periodic for %lu TSC ticks: %lu interrupts, %lu loop passes, "
		    "minimum period %lu TSC ticks (%lu kHz)", end - arm, n, loops, min_tsc, khz);
	report(loops >= 1000, "the guest still makes progress (%lu passes of its loop)", loops);
	report(n >= 1 && first - arm >= min_tsc,
	       "no interrupt before the minimum period (first %lu TSC ticks after the arm)",
	       n ? first - arm : 0);
	report(n >= 1 && last - arm >= n * min_tsc,
	       "the k-th interrupt not before k minimum periods (the %lu-th at %lu, needs %lu)",
	       n, n ? last - arm : 0, n * min_tsc);
	report(n <= bound && n >= bound / 4, "interrupt count plausible for the clamped period: "
	       "%lu in %lu..%lu", n, bound / 4, bound);
	report(cc_max <= 1, "TMCCT reads at most TMICT (max %u)", cc_max);
	report_prefix_pop();
}

static void tscdl_past(void)
{
	uint32_t n = count_or(TSCDL_REARMS), i, lost = 0;
	uint64_t dl, arm, c, t0;

	report_prefix_push("tscdl_past");
	if (!apic_has_tsc_deadline()) {
		report_skip("CPUID.1:ECX[24] clear: no TSC-deadline mode");
		report_prefix_pop();
		return;
	}
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	isr_reset();
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
	irq_enable();
	t0 = rdtsc();
	for (i = 0; i < n; i++) {
		uint64_t limit;

		c = isr_count(TIMER_VEC);
		/* 1 (nonzero arms) or just behind now: both already passed. */
		wrmsr(MSR_IA32_TSC_DEADLINE, (i & 1U) ? 1 : rdtsc() - 1);
		limit = rdtsc() + WAIT_TSC;
		while (isr_count(TIMER_VEC) == c && rdtsc() < limit)
			cpu_relax();
		if (isr_count(TIMER_VEC) != c + 1) {
			lost++;
			if (isr_count(TIMER_VEC) == c)
				break;
		}
	}
	report_info("%u past deadlines in %lu TSC ticks", i, rdtsc() - t0);
	tsc_wait_until(rdtsc() + QUIET_TSC);
	report(lost == 0 && isr_count(TIMER_VEC) == n,
	       "%u deadlines in the past: one interrupt each (%lu)", n, isr_count(TIMER_VEC));
	/* "TSC-Deadline Mode": the interrupt when the TSC reaches the deadline, not before. */
	isr_reset();
	dl = rdtsc() + QUIET_TSC;
	arm = apic_write_tsc_deadline(dl);
	isr_wait(TIMER_VEC, 2, dl + QUIET_TSC + apic_late_tsc(&rate));
	report(isr_count(TIMER_VEC) == 1 && isr_first_tsc(TIMER_VEC) >= dl,
	       "then a deadline %lu TSC ticks ahead: one interrupt (%lu), not early (at %ld)",
	       dl - arm, isr_count(TIMER_VEC), (long)(isr_first_tsc(TIMER_VEC) - dl));
	irq_disable();
	timer_stop();
	check_apic_quiet("the deadlines");
	report_prefix_pop();
}

static void tmict_rewrite(void)
{
	uint32_t n = count_or(TMICT_REWRITES), i, lost = 0;
	uint64_t during, arm, final_ticks = 1000000U, c;

	report_prefix_push("tmict_rewrite");
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	isr_reset();
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
	/* Tight: no pause between writes; each 1 may expire, each huge one never. */
	irq_enable();
	for (i = 0; i < n; i++)
		apic_write(APIC_TMICT, (i & 1U) ? HUGE_COUNT : 1U);
	irq_disable();
	apic_write(APIC_TMICT, 0);
	deliver_pending();
	during = isr_count(TIMER_VEC);
	report(during <= n / 2, "%u TMICT writes, 1 and 0x%x alternately: %lu interrupts, at "
	       "most one per short arm (%u)", n, HUGE_COUNT, during, n / 2);

	/*
	 * "APIC Timer": the count reaching 0 generates the interrupt; a later
	 * TMICT write starts a new count but cannot take back an expiry that
	 * already happened.
	 */
	for (i = 0; i < TMICT_EXPIRED; i++) {
		uint64_t limit;

		c = isr_count(TIMER_VEC);
		arm = apic_write_tsc(APIC_TMICT, 1);
		limit = arm + WAIT_TSC;
		tsc_wait_until(arm + to_tsc(1) + 1);
		while (!apic_test_vector(APIC_IRR, TIMER_VEC) && rdtsc() < limit)
			cpu_relax();
		apic_write(APIC_TMICT, HUGE_COUNT);
		deliver_pending();
		if (isr_count(TIMER_VEC) != c + 1)
			lost++;
	}
	apic_write(APIC_TMICT, 0);
	report(lost == 0, "%u expired one-shots followed by a TMICT write: each delivered once "
	       "(%u not)", TMICT_EXPIRED, lost);

	isr_reset();
	irq_enable();
	arm = apic_write_tsc(APIC_TMICT, (uint32_t)final_ticks);
	isr_wait(TIMER_VEC, 2, arm + 2 * to_tsc(final_ticks) + apic_late_tsc(&rate));
	irq_disable();
	apic_report_not_before(&rate, isr_count(TIMER_VEC) > 0, arm, isr_first_tsc(TIMER_VEC),
			       final_ticks, false, "after the storm, a one-shot not before TMICT ticks");
	report(isr_count(TIMER_VEC) == 1, "after the storm, one one-shot gives one interrupt (%lu)",
	       isr_count(TIMER_VEC));
	timer_stop();
	check_apic_quiet("the rewrites");
	report_prefix_pop();
}

static void timer_mode_switch(void)
{
	uint32_t n = count_or(MODE_SWITCHES), i, cc_dl_bad = 0, cc_carry_bad = 0;
	uint32_t mid_ticks = 1000000U;
	uint64_t could_fire = 0, arm, sw, dl;
	bool has_dl = apic_has_tsc_deadline();

	report_prefix_push("timer_mode_switch");
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	if (!has_dl)
		report_skip("CPUID.1:ECX[24] clear: no TSC-deadline mode, one-shot <-> periodic only");
	isr_reset();
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	irq_enable();
	for (i = 0; i < n; i++) {
		uint32_t cc;

		apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
		arm = apic_write_tsc(APIC_TMICT, mid_ticks);
		apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_PERIODIC);
		/* "does not start the timer": the count carries on. */
		cc = apic_read(APIC_TMCCT);
		if (cc == 0 || cc > mid_ticks)
			cc_carry_bad++;
		if (has_dl) {
			/* "transitions between TSC-deadline mode and other timer modes also disarm the timer" */
			sw = apic_write_tsc(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
			if (apic_read(APIC_TMCCT) != 0)
				cc_dl_bad++;
			wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + to_tsc(mid_ticks));
			apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
		} else {
			sw = apic_write_tsc(APIC_TMICT, 0);
		}
		/* An arm whose switch came after its expiry may have fired: that is allowed. */
		if (sw - arm >= to_tsc(mid_ticks))
			could_fire++;
	}
	/* Past every count and deadline the loop armed. */
	tsc_wait_until(rdtsc() + 2 * to_tsc(mid_ticks) + QUIET_TSC);
	irq_disable();
	report(cc_carry_bad == 0, "%u one-shot -> periodic switches keep the count (%u did not)",
	       n, cc_carry_bad);
	if (has_dl)
		report(cc_dl_bad == 0, "TMCCT reads 0 in TSC-deadline mode (%u times not)",
		       cc_dl_bad);
	report(isr_count(TIMER_VEC) <= could_fire,
	       "no interrupt from a count or deadline disarmed by a mode switch (%lu interrupts, "
	       "%lu arms outlived)", isr_count(TIMER_VEC), could_fire);

	if (has_dl) {
		isr_reset();
		apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
		irq_enable();
		dl = rdtsc() + to_tsc(mid_ticks);
		(void)apic_write_tsc_deadline(dl);
		isr_wait(TIMER_VEC, 2, dl + QUIET_TSC + apic_late_tsc(&rate));
		irq_disable();
		report(isr_count(TIMER_VEC) == 1 && isr_first_tsc(TIMER_VEC) >= dl,
		       "after the loop, a TSC deadline: one interrupt (%lu), not early (at %ld)",
		       isr_count(TIMER_VEC), (long)(isr_first_tsc(TIMER_VEC) - dl));
	}
	isr_reset();
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
	irq_enable();
	arm = apic_write_tsc(APIC_TMICT, mid_ticks);
	isr_wait(TIMER_VEC, 2, arm + 2 * to_tsc(mid_ticks) + apic_late_tsc(&rate));
	irq_disable();
	apic_report_not_before(&rate, isr_count(TIMER_VEC) > 0, arm, isr_first_tsc(TIMER_VEC),
			       mid_ticks, false, "after the loop, a one-shot not before TMICT ticks");
	report(isr_count(TIMER_VEC) == 1, "after the loop, one one-shot gives one interrupt (%lu)",
	       isr_count(TIMER_VEC));
	timer_stop();
	check_apic_quiet("the mode switches");
	report_prefix_pop();
}

/* ---- exception storms ---- */

/*
 * A periodic timer runs through each storm, so that some interrupts (and
 * under tickvisor their VM exits) land in the middle of exception delivery.
 */
static void background_timer(bool on)
{
	if (on) {
		if (apic_setup(false))
			guest_abort("could not put the local APIC in xAPIC mode");
		isr_reset();
		apic_write(APIC_TDCR, APIC_TDCR_DIV1);
		apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_PERIODIC);
		apic_write(APIC_TMICT, 50000U);
		irq_enable();
	} else {
		irq_disable();
		timer_stop();
		report(isr_count(TIMER_VEC) > 0, "the periodic timer kept running (%lu interrupts)",
		       isr_count(TIMER_VEC));
	}
}

/* One #DE: divide by 0 (odd i) or INT64_MIN / -1, whose quotient does not fit. */
static uint64_t raise_de(uint32_t i, uint64_t *skipped)
{
	uint64_t at, rax = (i & 1U) ? 7U : 0x8000000000000000ULL, div = (i & 1U) ? 0 : ~0ULL;

	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "cqo\n"
			 "1: idivq %3\n\t"
			 "incq %1\n"
			 "2:\n" EX_TABLE(1b, 2b)
			 : "=&r"(at), "+m"(*skipped), "+a"(rax)
			 : "r"(div)
			 : "rdx", "cc", "memory");
	return at;
}

static uint64_t raise_ud(uint64_t *skipped)
{
	uint64_t at;

	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: ud2\n\t"
			 "incq %1\n"
			 "2:\n" EX_TABLE(1b, 2b)
			 : "=&r"(at), "+m"(*skipped) : : "memory");
	return at;
}

/* INT3 is a trap: the CPU pushes the RIP after it, which is the table's `from`. */
static uint64_t raise_bp(uint64_t *skipped)
{
	uint64_t at;

	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "int3\n"
			 "1: jmp 2f\n\t"
			 "incq %1\n"
			 "2:\n" EX_TABLE(1b, 1b)
			 : "=&r"(at), "+m"(*skipped) : : "memory");
	return at;
}

static void exception_storm(int vector)
{
	uint32_t n = count_or(EXC_STORM), i, wrong_rip = 0, wrong_vec = 0;
	uint64_t skipped = 0, at, t0, t1;
	uint64_t r12 = 0x1212121212121212ULL, r13 = 0x1313131313131313ULL;
	char name[16];

	snprintf(name, sizeof(name), "exc_%s", vector == EX_DE ? "de" : vector == EX_UD ? "ud" : "bp");
	report_prefix_push(name);
	background_timer(true);
	ex_clear();
	t0 = rdtsc();
	for (i = 0; i < n; i++) {
		at = vector == EX_DE ? raise_de(i, &skipped) : vector == EX_UD ?
		     raise_ud(&skipped) : raise_bp(&skipped);
		if (ex_last()->rip != at)
			wrong_rip++;
		if (ex_vector() != vector)
			wrong_vec++;
	}
	t1 = rdtsc();
	/* Callee-saved registers across the storm: the handler restores every GPR. */
	__asm__ volatile("" : "+r"(r12), "+r"(r13));
	background_timer(false);
	report_info("%u %s in %lu TSC ticks", n, ex_name(vector), t1 - t0);
	report(ex_last()->count == n, "%u %s raised and handled (%lu)", n, ex_name(vector),
	       ex_last()->count);
	report(wrong_vec == 0 && wrong_rip == 0, "each at its own RIP with its vector (%u wrong "
	       "RIP, %u wrong vector)", wrong_rip, wrong_vec);
	report(skipped == 0, "the instruction after the %s never ran (%lu times)",
	       vector == EX_BP ? "trap's resume point" : "fault", skipped);
	report(ex_last()->error_code == 0, "no error code (0x%lx)", ex_last()->error_code);
	report(r12 == 0x1212121212121212ULL && r13 == 0x1313131313131313ULL,
	       "registers kept across the storm");
	report_prefix_pop();
}

/* ---- #DF and the triple fault ---- */

static uint64_t trap_pt[512] __attribute__((aligned(4096)));
static uint8_t trap_page[4096] __attribute__((aligned(4096)));
/* Set by the #DF handler, read after it jumped back. */
volatile uint64_t storm_df_err, storm_df_cr2, storm_df_count, storm_df_rsp;
struct desc_ptr storm_idt_saved;

/*
 * #DF is an abort: the saved RIP is undefined, so the handler does not
 * return.  It records the error code and CR2, reloads the runtime's IDT and
 * the stack of storm_provoke_df(), and jumps to its resume label.
 */
__asm__(".pushsection .text\n"
	".balign 16\n"
	"storm_df_handler:\n"
	"pop %rax\n"
	"mov %rax, storm_df_err(%rip)\n"
	"mov %cr2, %rax\n"
	"mov %rax, storm_df_cr2(%rip)\n"
	"incq storm_df_count(%rip)\n"
	"lidt storm_idt_saved(%rip)\n"
	"mov storm_df_rsp(%rip), %rsp\n"
	"jmp storm_df_resume\n"
	".popsection\n");
extern const uint8_t storm_df_handler[];

/* Map TRAP_VA: its first page present (trap_page), the second not. */
static void trap_map(void)
{
	memset(trap_pt, 0, sizeof(trap_pt));
	trap_pt[0] = (uintptr_t)trap_page | PTE_P | PTE_RW;
	guest_pd[TRAP_VA >> 21] = (uintptr_t)trap_pt | PTE_P | PTE_RW;
	write_cr3(read_cr3());
}

/*
 * Load idt, touch the page that is not present; back here only through the
 * #DF handler, which changes RAX and nothing else but the stack below RSP.
 */
static void __attribute__((noinline)) storm_provoke_df(const struct desc_ptr *idt)
{
	__asm__ volatile("sidt storm_idt_saved(%%rip)\n\t"
			 "mov %%rsp, storm_df_rsp(%%rip)\n\t"
			 "lidt (%0)\n\t"
			 "movl (%1), %%eax\n\t"
			 "ud2\n"
			 "storm_df_resume:\n"
			 : : "r"(idt), "r"((uintptr_t)(TRAP_VA + 0x1800U))
			 : "rax", "cc", "memory");
}

/* A 64-bit interrupt gate for handler at gate (16 bytes). */
static void write_gate(uint8_t *gate, const void *handler)
{
	uint64_t a = (uintptr_t)handler;

	memset(gate, 0, 16);
	gate[0] = (uint8_t)a;
	gate[1] = (uint8_t)(a >> 8);
	gate[2] = 0x08;		/* the 64-bit code segment */
	gate[5] = 0x8e;		/* present, DPL 0, interrupt gate */
	gate[6] = (uint8_t)(a >> 16);
	gate[7] = (uint8_t)(a >> 24);
	gate[8] = (uint8_t)(a >> 32);
	gate[9] = (uint8_t)(a >> 40);
	gate[10] = (uint8_t)(a >> 48);
	gate[11] = (uint8_t)(a >> 56);
}

static void double_fault(void)
{
	/* Gate 8 ends the present page, gate 14 lies on the one that is not. */
	uint64_t base = TRAP_VA + 0x1000U - 9U * 16U;
	struct desc_ptr idt = { .limit = 0xff, .base = base };
	uint64_t gate14 = base + 14U * 16U;

	report_prefix_push("double_fault");
	trap_map();
	write_gate(trap_page + 0x1000U - 16U, storm_df_handler);
	storm_df_count = 0;
	storm_df_err = ~0ULL;
	/*
	 * "Interrupt 14--Page-Fault Exception (#PF)" then reading gate 14
	 * faults: a page fault while delivering a page fault is a double
	 * fault ("Conditions for Generating a Double Fault").
	 */
	storm_provoke_df(&idt);
	report(storm_df_count == 1, "#PF whose delivery faults again: #DF (%lu)", storm_df_count);
	report(storm_df_err == 0, "#DF error code 0 (0x%lx)", storm_df_err);
	report_info("CR2 in the #DF handler 0x%lx (the first fault at 0x%llx, gate 14 at 0x%lx)",
		    storm_df_cr2, TRAP_VA + 0x1800U, gate14);
	guest_pd[TRAP_VA >> 21] = TRAP_VA | PTE_P | PTE_RW | 0x80U;
	write_cr3(read_cr3());
	ex_clear();
	__asm__ volatile("1: ud2\n2:\n" EX_TABLE(1b, 2b));
	report(ex_vector() == EX_UD, "the runtime's IDT is back: UD2 caught (%s)",
	       ex_name(ex_vector()));
	report_prefix_pop();
}

static void triple_pf(void)
{
	/* The whole IDT on the page that is not present: #PF -> #DF -> shutdown. */
	struct desc_ptr idt = { .limit = 0xfff, .base = TRAP_VA + 0x1000U };

	trap_map();
	report_info("#PF with the IDT on a page that is not present: #PF -> #DF -> triple "
		    "fault; tickvisor must stop this VM");
	serial_drain();
	storm_df_count = 0;
	storm_provoke_df(&idt);
	report(false, "still running after a triple fault (#DF handler ran %lu times)",
	       storm_df_count);
}

/* ---- dead ends ---- */

static void dead_end(const char *how)
{
	report_info("%s: tickvisor must stop this VM", how);
	serial_drain();
	if (!strcmp(how, "loop_cli")) {
		__asm__ volatile("cli\n1: jmp 1b" ::: "memory");
	} else if (!strcmp(how, "pause_loop")) {
		__asm__ volatile("cli\n1: pause\n\tjmp 1b" ::: "memory");
	} else if (!strcmp(how, "cli_hlt")) {
		__asm__ volatile("cli\n\thlt" ::: "memory");
	} else {
		/* Every LVT masked, the timer stopped (apic_setup): nothing can wake it. */
		if (apic_setup(false))
			guest_abort("could not put the local APIC in xAPIC mode");
		__asm__ volatile("sti\n\thlt" ::: "memory");
	}
	irq_disable();
	report(false, "still running after %s", how);
}

struct storm_case {
	const char *name;
	void (*run)(void);
	bool is_stopped;	/* tickvisor must stop the VM: left out of how=all */
};

static void run_selfipi_xapic(void) { selfipi_storm(false); }
static void run_selfipi_x2apic(void) { selfipi_storm(true); }
static void run_exc_de(void) { exception_storm(EX_DE); }
static void run_exc_ud(void) { exception_storm(EX_UD); }
static void run_exc_bp(void) { exception_storm(EX_BP); }

static const struct storm_case cases[] = {
	{ "selfipi_xapic", run_selfipi_xapic, false },
	{ "nmi_storm", nmi_storm, false },
	{ "vectors_all", vectors_all, false },
	{ "timer_periodic_min", timer_periodic_min, false },
	{ "tscdl_past", tscdl_past, false },
	{ "tmict_rewrite", tmict_rewrite, false },
	{ "timer_mode_switch", timer_mode_switch, false },
	{ "exc_de", run_exc_de, false },
	{ "exc_ud", run_exc_ud, false },
	{ "exc_bp", run_exc_bp, false },
	{ "double_fault", double_fault, false },
	{ "selfipi_x2apic", run_selfipi_x2apic, false },	/* leaves x2APIC mode */
	/* Last: Bochs run natively leaves its ISR and IRR broken after it. */
	{ "selfipi_pileup", selfipi_pileup, false },
	{ "loop_cli", NULL, true },
	{ "pause_loop", NULL, true },
	{ "cli_hlt", NULL, true },
	{ "hlt_notimer", NULL, true },
	{ "triple_pf", triple_pf, true },
};

int main(void)
{
	char how[24] = "all", nbuf[16];
	const struct storm_case *c = NULL;
	size_t i;

	(void)mb_cmdline_get("how", how, sizeof(how));
	if (mb_cmdline_get("n", nbuf, sizeof(nbuf)))
		storm_n = (uint32_t)strtoul(nbuf, NULL, 10);
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	apic_timer_rate_measure(&rate);
	if (!strcmp(how, "all")) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (!cases[i].is_stopped)
				cases[i].run();
		return report_summary();
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(how, cases[i].name))
			c = &cases[i];
	if (!c) {
		report(false, "how=%s: no such case", how);
		return report_summary();
	}
	if (!c->is_stopped) {
		c->run();
	} else {
		report_prefix_push(how);
		if (tv_present_or_skip()) {
			if (c->run)
				c->run();
			else
				dead_end(how);
		}
		report_prefix_pop();
	}
	return report_summary();
}
