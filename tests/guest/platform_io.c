/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * platform_io: what an ordinary OS touches on a PC besides the APIC
 * (issue 16 items 2, 6, 7): IA32_MISC_ENABLE and its CPUID effects, the
 * CMOS clock and NVRAM (ports 0x70/0x71), System Control Port A (0x92), and
 * a hypercall numbered as KVM numbers them.
 *
 * Under tickvisor every check is strict.  Natively the emulator is the
 * reference only where it models the SDM: QEMU TCG stores any
 * IA32_MISC_ENABLE value and ignores Limit CPUID Maxval, Bochs (with
 * ignore_bad_msrs) may read the MSR as 0 and drop writes; where the native
 * platform deviates the check is skipped with what was seen, never passed.
 * Natively the RTC runs on the emulator's own clock (QEMU: host wall time),
 * so the exact tick count per second is checked under tickvisor only.
 */
#include "exception.h"
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

#define MSR_IA32_MISC_ENABLE	0x1A0U
#define MISC_FAST_STRINGS	(1ULL << 0)
#define MISC_MONITOR_FSM	(1ULL << 18)
#define MISC_LIMIT_CPUID	(1ULL << 22)
#define MISC_XD_DISABLE		(1ULL << 34)
#define CPUID_1_ECX_MONITOR	(1U << 3)
#define CPUID_E1_EDX_NX		(1U << 20)

#define RTC_INDEX		0x70U
#define RTC_DATA		0x71U
#define RTC_A_UIP		0x80U
#define RTC_B_BINARY		0x04U
#define RTC_B_24H		0x02U
#define RTC_NVRAM_PROBE		0x5FU	/* an NVRAM byte no PC BIOS assigns */

#define PORT92			0x92U
#define PORT92_A20		0x02U

#define KVM_HC_VAPIC_POLL_IRQ	1UL
#define KVM_HC_SEND_IPI		10UL
#define KVM_HC_SCHED_YIELD	11UL

static bool under_tv;

/* Strict under tickvisor; natively a deviation of the emulator is a skip, not a pass. */
static void check(bool cond, const char *what, const char *seen)
{
	if (under_tv || cond)
		report(cond, "%s", what);
	else
		report_skip("%s: natively not so (%s): the emulator deviates here", what, seen);
}

/* ---- IA32_MISC_ENABLE --------------------------------------------------- */

static void test_misc_enable(void)
{
	uint64_t v0 = 0, v = 0;
	char seen[64];
	int vec;
	uint32_t max0;

	report_prefix_push("misc_enable");
	vec = rdmsr_safe(MSR_IA32_MISC_ENABLE, &v0);
	snprintf(seen, sizeof(seen), "RDMSR raised %s", ex_name(vec));
	check(vec == 0, "RDMSR IA32_MISC_ENABLE succeeds", seen);
	if (vec) {
		/* Bochs 2.7 has no IA32_MISC_ENABLE (with ignore_bad_msrs=0 it #GPs). */
		if (!under_tv)
			report_skip("the rest of IA32_MISC_ENABLE: this CPU model lacks the MSR");
		report_prefix_pop();
		return;
	}
	report_info("IA32_MISC_ENABLE reads 0x%llx", (unsigned long long)v0);
	/* An ordinary bit: fast strings off and on again. */
	vec = wrmsr_safe(MSR_IA32_MISC_ENABLE, v0 ^ MISC_FAST_STRINGS);
	report(vec == 0, "toggling Fast-Strings Enable (bit 0) succeeds");
	(void)rdmsr_safe(MSR_IA32_MISC_ENABLE, &v);
	snprintf(seen, sizeof(seen), "read 0x%llx", (unsigned long long)v);
	check(v == (v0 ^ MISC_FAST_STRINGS), "bit 0 reads back as written", seen);
	report(wrmsr_safe(MSR_IA32_MISC_ENABLE, v0) == 0, "writing the first value back succeeds");

	/* ENABLE MONITOR FSM: writable; tickvisor offers no MONITOR/MWAIT either way. */
	vec = wrmsr_safe(MSR_IA32_MISC_ENABLE, v0 | MISC_MONITOR_FSM);
	report(vec == 0, "setting ENABLE MONITOR FSM (bit 18) succeeds");
	if (under_tv)
		report(!(cpuid(1).c & CPUID_1_ECX_MONITOR),
		       "CPUID.1:ECX.MONITOR stays 0 (tickvisor offers no MONITOR/MWAIT)");
	(void)wrmsr_safe(MSR_IA32_MISC_ENABLE, v0);

	/* Reserved bits: #GP and no change. */
	vec = wrmsr_safe(MSR_IA32_MISC_ENABLE, v0 | (1ULL << 1));
	snprintf(seen, sizeof(seen), "%s", vec == EX_GP ? "#GP" : vec ? ex_name(vec) : "accepted");
	check(vec == EX_GP, "setting reserved bit 1 raises #GP", seen);
	vec = wrmsr_safe(MSR_IA32_MISC_ENABLE, v0 | (1ULL << 63));
	snprintf(seen, sizeof(seen), "%s", vec == EX_GP ? "#GP" : vec ? ex_name(vec) : "accepted");
	check(vec == EX_GP, "setting reserved bit 63 raises #GP", seen);
	(void)wrmsr_safe(MSR_IA32_MISC_ENABLE, v0);
	(void)rdmsr_safe(MSR_IA32_MISC_ENABLE, &v);
	report(v == v0, "IA32_MISC_ENABLE unchanged after the refused writes (0x%llx)",
	       (unsigned long long)v);

	/* Limit CPUID Maxval: CPUID.0:EAX reports 2. */
	max0 = cpuid(0).a;
	vec = wrmsr_safe(MSR_IA32_MISC_ENABLE, v0 | MISC_LIMIT_CPUID);
	report(vec == 0, "setting Limit CPUID Maxval (bit 22) succeeds");
	snprintf(seen, sizeof(seen), "CPUID.0:EAX 0x%x", cpuid(0).a);
	check(cpuid(0).a == 2, "with bit 22, CPUID.0:EAX reads 2", seen);
	if (under_tv) {
		struct cpuid_result r7 = cpuid_count(7, 0);

		report(!r7.a && !r7.b && !r7.c && !r7.d,
		       "with bit 22, leaf 7 answers as beyond the maximum (zeros)");
	}
	(void)wrmsr_safe(MSR_IA32_MISC_ENABLE, v0);
	report(cpuid(0).a == max0, "clearing bit 22 restores CPUID.0:EAX (0x%x)", cpuid(0).a);

	/* XD Bit Disable: CPUID.80000001H:EDX.NX reads 0. */
	if (cpuid(0x80000001U).d & CPUID_E1_EDX_NX) {
		vec = wrmsr_safe(MSR_IA32_MISC_ENABLE, v0 | MISC_XD_DISABLE);
		report(vec == 0, "setting XD Bit Disable (bit 34) succeeds");
		snprintf(seen, sizeof(seen), "EDX 0x%x", cpuid(0x80000001U).d);
		check(!(cpuid(0x80000001U).d & CPUID_E1_EDX_NX),
		      "with bit 34, CPUID.80000001H:EDX.NX reads 0", seen);
		(void)wrmsr_safe(MSR_IA32_MISC_ENABLE, v0);
		report(cpuid(0x80000001U).d & CPUID_E1_EDX_NX, "clearing bit 34 shows NX again");
	} else {
		report_skip("XD Bit Disable: this CPU reports no NX");
	}
	report_prefix_pop();
}

/* ---- CMOS RTC and NVRAM -------------------------------------------------- */

static uint8_t cmos_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, v);
}

static unsigned int cmos_bin(uint8_t v, uint8_t reg_b)
{
	return (reg_b & RTC_B_BINARY) ? v : (v >> 4) * 10U + (v & 0x0FU);
}

/*
 * Wait for the seconds register to change.  *before is the TSC of the last
 * read that still showed the old value, the return value the TSC of the
 * first read showing the new one: the change happened in between.
 */
static uint64_t cmos_next_second(uint64_t *before, bool *ok)
{
	uint8_t s0, s;
	uint64_t t = rdtsc(), prev = t, limit = 0;

	outb(RTC_INDEX, 0x00);
	s0 = inb(RTC_DATA);
	/* Bounded by reads, not time: 2 s of polling is far fewer than 2^26 reads. */
	for (limit = 0; limit < (1ULL << 26); limit++) {
		prev = t;
		s = inb(RTC_DATA);
		t = rdtsc();
		if (s != s0) {
			*before = prev;
			return t;
		}
	}
	*ok = false;
	*before = prev;
	return t;
}

static void test_rtc_time(void)
{
	uint8_t b, a;
	unsigned int sec, min, hour, day, month, year, i;
	uint64_t hz = 0;

	report_prefix_push("rtc");
	b = cmos_read(0x0B);
	for (i = 0; i < 1000000U && (cmos_read(0x0A) & RTC_A_UIP); i++)
		;
	sec = cmos_bin(cmos_read(0x00), b);
	min = cmos_bin(cmos_read(0x02), b);
	hour = cmos_bin(cmos_read(0x04) & 0x7FU, b);
	day = cmos_bin(cmos_read(0x07), b);
	month = cmos_bin(cmos_read(0x08), b);
	year = cmos_bin(cmos_read(0x09), b);
	report_info("CMOS time %02x%02u-%02u-%02u %02u:%02u:%02u (century from NVRAM 0x32), "
		    "register B 0x%x", cmos_read(0x32), year, month, day, hour, min, sec, b);
	report(sec < 60 && min < 60 && hour < 24 && day >= 1 && day <= 31 && month >= 1 &&
	       month <= 12 && year < 100, "the time and date registers hold a possible date");
	report(cmos_read(0x0D) == 0x80, "register D reads VRT (0x80)");

	if (under_tv)
		hz = (uint64_t)cpuid(TV_CPUID_TIMING).a * 1000U;
	{
		uint64_t b1, t1, b2, t2, b3, t3, lo, hi;
		bool ok = true;

		(void)cmos_next_second(&b1, &ok);	/* align to an update */
		t1 = cmos_next_second(&b1, &ok);
		t2 = cmos_next_second(&b2, &ok);
		t3 = cmos_next_second(&b3, &ok);
		report(ok, "the seconds register advances");
		/* The true second lies in [b2 - t1, t2 - b1]. */
		lo = b2 - t1;
		hi = t2 - b1;
		report_info("one RTC second took between %llu and %llu TSC ticks (next: %llu-%llu)",
			    (unsigned long long)lo, (unsigned long long)hi,
			    (unsigned long long)(b3 - t2), (unsigned long long)(t3 - b2));
		if (under_tv) {
			report(lo <= hz && hz <= hi,
			       "one RTC second is exactly the TSC rate (%llu ticks) of guest time",
			       (unsigned long long)hz);
			report(b3 - t2 <= hz && hz <= t3 - b2,
			       "and so is the next one");
		} else {
			report_skip("exact ticks per RTC second: natively the RTC runs on the "
				    "emulator's clock, not on the TSC");
		}
	}
	/* UIP is up for 244 us before an update, then the seconds change. */
	if (under_tv) {
		uint64_t window = hz * 244U / 1000000U, up_before = 0, up = 0, down_before = 0;
		uint64_t down = 0, last0 = 0, last1 = 0;
		uint8_t s_during;

		outb(RTC_INDEX, 0x0A);
		for (i = 0; i < (1U << 26) && (inb(RTC_DATA) & RTC_A_UIP); i++)
			;
		/*
		 * UIP was 0 just now, and an update comes only 244 us after UIP
		 * rises: this read is still before the next update.
		 */
		s_during = cmos_read(0x00);
		outb(RTC_INDEX, 0x0A);
		/*
		 * UIP rose after the last read that showed 0 (started after
		 * last0) and by the first read that showed 1 (done by up); it
		 * fell after the last read that showed 1 (started after last1)
		 * and by the first that showed 0 (done by down).
		 */
		for (i = 0; i < (1U << 26); i++) {
			last0 = up_before;
			up_before = rdtsc();
			a = inb(RTC_DATA);
			up = rdtsc();
			if (a & RTC_A_UIP)
				break;
		}
		down_before = up_before;	/* the last read known to show 1 */
		for (i = 0; i < (1U << 26); i++) {
			last1 = down_before;
			down_before = rdtsc();
			a = inb(RTC_DATA);
			down = rdtsc();
			if (!(a & RTC_A_UIP))
				break;
		}
		report(cmos_read(0x00) != s_during, "the seconds change by the time UIP falls");
		last1 = last1 > up ? last1 - up : 0;	/* the shortest UIP window seen */
		report(last1 <= window && window <= down - last0,
		       "UIP stays up 244 us: %llu ticks, seen as %llu-%llu",
		       (unsigned long long)window, (unsigned long long)last1,
		       (unsigned long long)(down - last0));
	}
	report_prefix_pop();
}

static void test_nvram(void)
{
	uint8_t old = cmos_read(RTC_NVRAM_PROBE);
	uint8_t a, b;

	report_prefix_push("nvram");
	cmos_write(RTC_NVRAM_PROBE, 0xA5);
	a = cmos_read(RTC_NVRAM_PROBE);
	cmos_write(RTC_NVRAM_PROBE, 0x5A);
	b = cmos_read(RTC_NVRAM_PROBE);
	cmos_write(RTC_NVRAM_PROBE, old);
	report(a == 0xA5 && b == 0x5A, "NVRAM byte 0x%x reads back 0xA5 and 0x5A (0x%x, 0x%x)",
	       RTC_NVRAM_PROBE, a, b);
	report(cmos_read(RTC_NVRAM_PROBE) == old, "and is restored");
	report_prefix_pop();
}

/* ---- port 0x92 ----------------------------------------------------------- */

static void test_port92(void)
{
	uint8_t v = inb(PORT92);

	report_prefix_push("port 0x92");
	report(v & PORT92_A20, "A20 reads enabled (0x%x)", v);
	outb(PORT92, v & (uint8_t)~1U);	/* the same, never the reset bit */
	report((inb(PORT92) & PORT92_A20) == (v & PORT92_A20), "A20 reads back after a write");
	if (under_tv) {
		/* Safe only in a VM, where A20 is always on: natively memory would alias. */
		outb(PORT92, 0);
		report(!(inb(PORT92) & PORT92_A20), "a cleared A20 bit reads back 0");
		outb(PORT92, PORT92_A20);
		report(inb(PORT92) & PORT92_A20, "a set A20 bit reads back 1");
	}
	report_prefix_pop();
}

/* ---- hypercalls KVM guests make ------------------------------------------ */

static void test_kvm_numbers(void)
{
	static const unsigned long nrs[] = { 0, KVM_HC_VAPIC_POLL_IRQ, KVM_HC_SEND_IPI,
					     KVM_HC_SCHED_YIELD };
	unsigned int i;

	report_prefix_push("hypercall");
	if (!under_tv) {
		report_skip("KVM-numbered VMCALL: not under tickvisor (VMCALL would raise #UD)");
		report_prefix_pop();
		return;
	}
	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		long ret = tv_hypercall(nrs[i], 0, 16, 0);

		report(ret == -TV_KVM_ENOSYS, "VMCALL %lu (a KVM number) returns -KVM_ENOSYS (%ld)",
		       nrs[i], ret);
	}
	report(tv_info() == TV_HC_ABI_VERSION, "TV_HC_INFO (0x%lx) still answers", TV_HC_INFO);
	report_prefix_pop();
}

int main(void)
{
	under_tv = tv_is_present();
	report_info("%s", under_tv ? "under tickvisor: every check strict" :
		    "native: emulator deviations are skipped, not passed");
	test_misc_enable();
	test_rtc_time();
	test_nvram();
	test_port92();
	test_kvm_numbers();
	return report_summary();
}
