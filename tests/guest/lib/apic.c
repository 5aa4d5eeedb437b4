/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "apic.h"
#include "exception.h"
#include "hypercall.h"
#include "isr.h"
#include "guest.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"

#define PIC1_DATA		0x21U
#define PIC2_DATA		0xa1U
#define VBE_DISPI_INDEX		0x1ceU
#define VBE_DISPI_DATA		0x1cfU
#define VBE_DISPI_ID_MASK	0xfff0U
#define VBE_DISPI_ID_BOCHS	0xb0c0U
#define APIC_EOI_DRAIN_MAX	256U

static bool apic_x2;
static uint64_t apic_base = APIC_DEFAULT_BASE;

bool apic_has_x2apic(void)
{
	return cpuid(1).c & CPUID_1_ECX_X2APIC;
}

bool apic_has_tsc_deadline(void)
{
	return cpuid(1).c & CPUID_1_ECX_TSC_DEADLINE;
}

bool apic_has_tsc_adjust(void)
{
	return cpuid(0).a >= 7 && (cpuid_count(7, 0).b & CPUID_7_EBX_TSC_ADJUST);
}

bool apic_is_qemu_tcg(void)
{
	char sig[13];

	return tv_read_signature(sig) && !memcmp(sig, QEMU_TCG_SIGNATURE, 12);
}

bool apic_is_bochs_native(void)
{
	uint16_t id;

	if (tv_has_hypervisor_bit())
		return false;
	outw(VBE_DISPI_INDEX, 0);
	id = inw(VBE_DISPI_DATA);
	return (id & VBE_DISPI_ID_MASK) == VBE_DISPI_ID_BOCHS;
}

bool apic_is_x2apic(void)
{
	return apic_x2;
}

uint64_t apic_mmio_base(void)
{
	return apic_base;
}

void apic_set_mmio_base(uint64_t base)
{
	apic_base = base;
}

/*
 * xAPIC accesses are one 32-bit MOV with the address in a register: the
 * form every APIC trap path of tickvisor decodes, and what compilers emit.
 */
static inline uint32_t apic_mmio_read(uint32_t reg)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(apic_base + reg) : "memory");
	return v;
}

static inline void apic_mmio_write(uint32_t reg, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(apic_base + reg) : "memory");
}

uint32_t apic_read(uint32_t reg)
{
	if (apic_x2)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return apic_mmio_read(reg);
}

void apic_write(uint32_t reg, uint32_t val)
{
	if (apic_x2)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		apic_mmio_write(reg, val);
}

uint64_t apic_write_tsc(uint32_t reg, uint32_t val)
{
	uint32_t lo, hi;

	if (apic_x2) {
		__asm__ volatile("rdtsc\n\t"
				 "mov %%eax, %k[lo]\n\t"
				 "mov %%edx, %k[hi]\n\t"
				 "mov %k[v], %%eax\n\t"
				 "xor %%edx, %%edx\n\t"
				 "wrmsr"
				 : [lo] "=&r"(lo), [hi] "=&r"(hi)
				 : [v] "r"(val), "c"(MSR_X2APIC_BASE + (reg >> 4))
				 : "rax", "rdx", "memory");
	} else {
		__asm__ volatile("rdtsc\n\t"
				 "movl %k[v], (%[a])"
				 : "=&a"(lo), "=&d"(hi)
				 : [v] "r"(val), [a] "r"(apic_base + reg)
				 : "memory");
	}
	return ((uint64_t)hi << 32) | lo;
}

uint64_t apic_write_tsc_deadline(uint64_t deadline)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc\n\t"
			 "mov %%eax, %k[lo]\n\t"
			 "mov %%edx, %k[hi]\n\t"
			 "mov %k[dl], %%eax\n\t"
			 "mov %k[dh], %%edx\n\t"
			 "wrmsr"
			 : [lo] "=&r"(lo), [hi] "=&r"(hi)
			 : [dl] "r"((uint32_t)deadline), [dh] "r"((uint32_t)(deadline >> 32)),
			   "c"(MSR_IA32_TSC_DEADLINE)
			 : "rax", "rdx", "memory");
	return ((uint64_t)hi << 32) | lo;
}

void apic_write_icr(uint32_t lo, uint32_t dest)
{
	if (apic_x2) {
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)dest << 32) | lo);
		return;
	}
	apic_mmio_write(APIC_ICR2, dest << 24);
	apic_mmio_write(APIC_ICR, lo);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_self_ipi(uint8_t vector)
{
	apic_write_icr(APIC_ICR_DEST_SELF | APIC_ICR_LEVEL_ASSERT | APIC_ICR_DM_FIXED | vector, 0);
}

bool apic_test_vector(uint32_t base, uint8_t vector)
{
	return (apic_read(base + (vector / 32U) * 0x10U) >> (vector % 32U)) & 1U;
}

uint32_t apic_tdcr_encode(unsigned int divide)
{
	unsigned int shift = 0;

	while ((1U << shift) < divide)
		shift++;
	/* "Divide Configuration Register": value = divide by 2^((bits 3,1,0) + 1), 111b = 1. */
	shift = (shift + 7U) & 7U;
	return ((shift & 4U) << 1) | (shift & 3U);
}

unsigned int apic_tdcr_divide(uint32_t tdcr)
{
	unsigned int v = ((tdcr >> 1) & 4U) | (tdcr & 3U);

	return v == 7U ? 1U : 2U << v;
}

int apic_set_global_mode(bool x2apic)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (x2apic) {
		if (!apic_has_x2apic())
			return -1;
		/* "x2APIC State Transitions": xAPIC -> x2APIC sets EXTD with EN. */
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
		base = rdmsr(MSR_IA32_APIC_BASE);
		if (!(base & APIC_BASE_EXTD))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else {
		if (base & APIC_BASE_EXTD)
			return -1;
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	}
	base = rdmsr(MSR_IA32_APIC_BASE);
	if (!(base & APIC_BASE_EN) || !!(base & APIC_BASE_EXTD) != x2apic)
		return -1;
	apic_x2 = x2apic;
	apic_base = base & APIC_BASE_ADDR_MASK;
	return 0;
}

int apic_setup(bool x2apic)
{
	static const uint32_t lvts[] = {
		APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
	};
	unsigned int i;

	irq_disable();
	/* Firmware may leave the PIT on the 8259 and LINT0 in ExtINT mode. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	isr_init();
	if (apic_set_global_mode(x2apic))
		return -1;
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		apic_write(lvts[i], APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_ESR, 0);
	for (i = 0; i < APIC_EOI_DRAIN_MAX; i++) {
		unsigned int r;
		bool any = false;

		for (r = 0; r < 8; r++)
			any |= apic_read(APIC_ISR + r * 0x10U) != 0;
		if (!any)
			break;
		apic_eoi();
	}
	isr_reset();
	return 0;
}

static uint64_t apic_round_div(uint64_t a, uint64_t b)
{
	return (a + b / 2) / b;
}

/* |a - k*b| <= b * k * ppm / 1e6, i.e. a/b within ppm of the integer k. */
static bool apic_near_multiple(uint64_t a, uint64_t b, uint64_t *k)
{
	uint64_t m = apic_round_div(a, b), diff;

	if (!m)
		return false;
	diff = a > m * b ? a - m * b : m * b - a;
	*k = m;
	return diff * 1000000ULL <= m * b * APIC_RATE_PPM;
}

void apic_timer_rate_measure(struct apic_timer_rate *r)
{
	uint64_t t0a, t0b, t1a, t1b, dt, dc, k;
	uint32_t c0, c1, lvtt = apic_read(APIC_LVTT), tdcr = apic_read(APIC_TDCR);
	struct cpuid_result c15;

	if (tv_is_present()) {
		struct cpuid_result t = cpuid(TV_CPUID_TIMING);

		if (t.a && t.b) {
			r->num = t.a;
			r->den = t.b;
			r->exact = true;
			r->source = "tickvisor CPUID 0x40000010";
			return;
		}
	}
	apic_write(APIC_LVTT, APIC_LVT_MASKED | APIC_LVT_TIMER_ONESHOT);
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_TMICT, 0xffffffffU);
	t0a = rdtsc();
	c0 = apic_read(APIC_TMCCT);
	t0b = rdtsc();
	tsc_wait_until(t0a + APIC_RATE_WINDOW);
	t1a = rdtsc();
	c1 = apic_read(APIC_TMCCT);
	t1b = rdtsc();
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_TDCR, tdcr);
	apic_write(APIC_LVTT, lvtt);
	dt = ((t1a + t1b) - (t0a + t0b)) / 2;
	dc = (uint64_t)(c0 - c1);
	if (!dc)
		dc = 1;
	r->num = dt;
	r->den = dc;
	r->exact = false;
	r->source = "measured, approximate";
	if (dt >= dc && apic_near_multiple(dt, dc, &k)) {
		r->num = k;
		r->den = 1;
		r->exact = true;
		r->source = "measured, integer ratio";
		return;
	}
	if (dc > dt && apic_near_multiple(dc, dt, &k)) {
		r->num = 1;
		r->den = k;
		r->exact = true;
		r->source = "measured, integer ratio";
		return;
	}
	/* "Time Stamp Counter and Core Crystal Clock Information Leaf" */
	if (cpuid(0).a >= 0x15) {
		c15 = cpuid(0x15);
		if (c15.a && c15.b) {
			uint64_t want = dc * c15.b / c15.a;
			uint64_t diff = dt > want ? dt - want : want - dt;

			if (diff * 200 <= want) {
				r->num = c15.b;
				r->den = c15.a;
				r->exact = true;
				r->source = "CPUID 0x15 (crystal = APIC timer), agrees with measurement";
			}
		}
	}
}

uint64_t apic_ticks_to_tsc(const struct apic_timer_rate *r, uint64_t ticks)
{
	return ticks * r->num / r->den;
}

uint64_t apic_late_tsc(const struct apic_timer_rate *r)
{
	return r->exact ? APIC_LATE_TSC : APIC_LATE_TSC_APPROX;
}

void apic_report_not_before(const struct apic_timer_rate *r, bool fired, uint64_t arm,
			    uint64_t fire, uint64_t ticks, bool approx_ok, const char *rule)
{
	uint64_t want = apic_ticks_to_tsc(r, ticks);
	int64_t dt = fired ? (int64_t)(fire - arm) : 0;

	if (r->exact) {
		report(fired && dt >= (int64_t)want, "%s: %lu ticks = %lu TSC ticks, came after %ld%s",
		       rule, ticks, want, dt, fired ? "" : " (never came)");
		return;
	}
	if (!approx_ok) {
		report_skip("%s: needs the exact APIC-timer/TSC ratio, only measured (%lu/%lu)",
			    rule, r->num, r->den);
		return;
	}
	want = want - want / 10;
	report(fired && dt >= (int64_t)want,
	       "%s: >= 90%% of %lu ticks (ratio only measured): %ld TSC >= %lu%s", rule, ticks, dt,
	       want, fired ? "" : " (never came)");
}

void apic_report_not_late(const struct apic_timer_rate *r, bool fired, uint64_t arm,
			  uint64_t fire, uint64_t ticks, const char *rule)
{
	uint64_t want = apic_ticks_to_tsc(r, ticks);
	int64_t dt = fired ? (int64_t)(fire - arm) : 0;

	if (!r->exact)
		want += want / 10;
	want += apic_late_tsc(r);
	report(fired && dt >= 0 && dt <= (int64_t)want,
	       "%s: %ld TSC ticks <= %lu (expiry + %lu, generous for emulators)%s", rule, dt, want,
	       apic_late_tsc(r), fired ? "" : " (never came)");
}

int apic_test_start(bool *x2apic)
{
	char val[8];
	bool x2 = mb_cmdline_get("x2apic", val, sizeof(val)) && val[0] == '1';

	*x2apic = x2;
	report_prefix_push(x2 ? "x2apic" : "xapic");
	if (x2 && !apic_has_x2apic()) {
		report_skip("CPUID.1:ECX[21] clear: no x2APIC, nothing to test in this face");
		return -1;
	}
	if (apic_setup(x2))
		guest_abort("could not put the local APIC in %s mode (IA32_APIC_BASE 0x%lx)",
			    x2 ? "x2APIC" : "xAPIC", rdmsr(MSR_IA32_APIC_BASE));
	return 0;
}
