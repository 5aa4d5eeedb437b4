/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * cpuid_msr: CPUID leaves and MSR behaviour a hypervisor must get right
 * (Intel SDM Vol. 2A "CPUID", "RDMSR", "WRMSR"; Vol. 4 "Model-Specific
 * Registers").
 */
#include "apic.h"
#include "exception.h"
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

/* In no Intel or AMD MSR range: RDMSR must raise #GP(0). */
#define MSR_UNKNOWN		0x12345678U
/* IA32_PKRS: bits 63:32 are reserved, so this WRMSR raises #GP(0) whether or not the MSR exists. */
#define MSR_IA32_PKRS		0x000006e1U
#define TSC_READS		8U
#define QEMU_TCG_SIGNATURE	"TCGTCGTCGTCG"

static bool is_printable(const char *s, size_t n)
{
	while (n--) {
		if (s[n] < 0x20 || s[n] > 0x7e)
			return false;
	}
	return true;
}

static void test_cpuid_basic(void)
{
	struct cpuid_result r0 = cpuid(0), r1 = cpuid(1), e0 = cpuid(0x80000000U);
	char vendor[13];

	report_prefix_push("cpuid");
	memcpy(vendor, &r0.b, 4);
	memcpy(vendor + 4, &r0.d, 4);
	memcpy(vendor + 8, &r0.c, 4);
	vendor[12] = '\0';
	report_info("vendor '%s', max basic leaf 0x%x, max extended leaf 0x%x, leaf 1 EAX 0x%x",
		    vendor, r0.a, e0.a, r1.a);
	report(is_printable(vendor, 12), "vendor string is 12 printable characters");
	report(r0.a >= 1 && r0.a < 0x100, "max basic leaf 0x%x is in 1..0xff", r0.a);
	report(e0.a >= 0x80000001U && e0.a < 0x80000100U,
	       "max extended leaf 0x%x is in 0x80000001..0x800000ff", e0.a);
	report(((r1.a >> 8) & 0xf) != 0, "leaf 1 gives a family (%u)", (r1.a >> 8) & 0xf);
	report((r1.d & (CPUID_1_EDX_TSC | CPUID_1_EDX_MSR | CPUID_1_EDX_APIC)) ==
	       (CPUID_1_EDX_TSC | CPUID_1_EDX_MSR | CPUID_1_EDX_APIC),
	       "leaf 1 EDX has TSC, MSR and APIC (0x%x)", r1.d);
	report(cpuid(0x80000001U).d & CPUID_80000001_EDX_LM,
	       "leaf 0x80000001 EDX has long mode (we run in it)");
	report_prefix_pop();
}

static void test_cpuid_hypervisor(void)
{
	struct cpuid_result sig, timing;
	char name[13];

	report_prefix_push("cpuid");
	report_prefix_push("hypervisor");
	if (!tv_read_signature(name)) {
		report_skip("CPUID.1:ECX[31] clear: no hypervisor leaves to check");
		goto out;
	}
	report_info("leaf 0x40000000 signature '%s'", name);
	if (!tv_is_present()) {
		report_skip("not tickvisor ('%s'): its leaves are not checked", name);
		goto out;
	}
	sig = cpuid(TV_CPUID_SIGNATURE);
	report(sig.a >= TV_CPUID_TIMING, "max hypervisor leaf 0x%x >= 0x40000010", sig.a);
	timing = cpuid(TV_CPUID_TIMING);
	report_info("leaf 0x40000010: TSC %u kHz, APIC timer %u kHz", timing.a, timing.b);
	report(timing.a != 0, "leaf 0x40000010 EAX (TSC kHz) is nonzero");
	report(timing.b != 0, "leaf 0x40000010 EBX (APIC timer kHz) is nonzero");
out:
	report_prefix_pop();
	report_prefix_pop();
}

/*
 * A CPUID feature bit is a promise: software that sees it may use the
 * feature's MSR at once (SDM Vol. 4, each MSR's "Comment" column names the
 * CPUID bit it depends on).  A hypervisor that passes the bit through but
 * #GPs the MSR breaks such a guest at its first access.  Each check is the
 * implication "advertised => RDMSR works"; an MSR that is not advertised
 * may do either.
 */
struct cpuid_promise {
	uint32_t leaf, subleaf;
	char reg;		/* 'b', 'c' or 'd' */
	unsigned int bit;
	uint32_t msr;
	const char *what;
	bool bochs_lacks;	/* Bochs 2.7 (tigerlake) sets the bit without the MSR */
};

static const struct cpuid_promise promises[] = {
	{ 7, 0, 'c', 7, 0x6a0, "CET shadow stacks (7.ECX[7]) -> IA32_U_CET", false },
	{ 7, 0, 'd', 20, 0x6a0, "CET IBT (7.EDX[20]) -> IA32_U_CET", false },
	{ 7, 0, 'b', 25, 0x570, "Intel PT (7.EBX[25]) -> IA32_RTIT_CTL", false },
	{ 7, 0, 'd', 26, 0x48, "IBRS/IBPB (7.EDX[26]) -> IA32_SPEC_CTRL", false },
	{ 7, 0, 'd', 29, 0x10a, "ARCH_CAPABILITIES (7.EDX[29]) -> IA32_ARCH_CAPABILITIES", false },
	{ 7, 0, 'd', 30, 0xcf, "CORE_CAPABILITIES (7.EDX[30]) -> IA32_CORE_CAPABILITIES", true },
};

static void test_cpuid_promises(void)
{
	const struct cpuid_promise *p;
	struct cpuid_result r;
	uint32_t word;
	uint64_t v;
	bool advertised, on_bochs = apic_is_bochs_native();
	int vec;

	report_prefix_push("cpuid");
	if (cpuid(0).a < 7) {
		report_skip("no leaf 7: no feature promises to check");
		report_prefix_pop();
		return;
	}
	for (p = promises; p < promises + sizeof(promises) / sizeof(promises[0]); p++) {
		r = cpuid_count(p->leaf, p->subleaf);
		word = p->reg == 'b' ? r.b : p->reg == 'c' ? r.c : r.d;
		advertised = word & (1U << p->bit);
		vec = rdmsr_safe(p->msr, &v);
		if (advertised && vec && p->bochs_lacks && on_bochs) {
			report_skip("%s: advertised, RDMSR 0x%x %s: Bochs 2.7 sets the bit but has "
				    "no such MSR", p->what, p->msr, ex_name(vec));
			continue;
		}
		report(!advertised || vec == 0, "%s: %s, RDMSR 0x%x %s", p->what,
		       advertised ? "advertised" : "not advertised", p->msr,
		       vec ? ex_name(vec) : "works");
	}
	report_prefix_pop();
}

static bool is_qemu_tcg(void)
{
	char name[13];

	return tv_read_signature(name) && !strcmp(name, QEMU_TCG_SIGNATURE);
}

static void test_msr(void)
{
	uint64_t v = 0, prev, before, after, apic_base;
	unsigned int i, increasing = 0;
	int vec;

	report_prefix_push("msr");

	vec = rdmsr_safe(MSR_UNKNOWN, &v);
	if (vec == 0 && is_qemu_tcg()) {
		/* QEMU's TCG helper_rdmsr returns 0 for MSRs it does not know. */
		report_skip("RDMSR 0x%x: QEMU TCG reads unknown MSRs as 0 instead of #GP",
			    MSR_UNKNOWN);
	} else {
		report(vec == EX_GP && ex_last()->error_code == 0,
		       "RDMSR 0x%x (unknown) raises #GP(0): got %s, error code 0x%lx",
		       MSR_UNKNOWN, vec ? ex_name(vec) : "no exception", ex_last()->error_code);
	}

	vec = wrmsr_safe(MSR_IA32_PKRS, 1ULL << 32);
	report(vec == EX_GP && ex_last()->error_code == 0,
	       "WRMSR IA32_PKRS with reserved bit 32 raises #GP(0): got %s",
	       vec ? ex_name(vec) : "no exception");

	prev = rdtsc();
	for (i = 0; i < TSC_READS; i++) {
		v = rdtsc();
		if (v > prev)
			increasing++;
		prev = v;
	}
	report(increasing == TSC_READS, "%u successive RDTSC reads increase (%u did)", TSC_READS,
	       increasing);

	before = rdtsc();
	vec = rdmsr_safe(MSR_IA32_TSC, &v);
	after = rdtsc();
	report(vec == 0, "IA32_TSC is readable");
	if (vec == 0 && v == 0 && is_qemu_tcg()) {
		/* QEMU 7.2's TCG helper_rdmsr has no case for IA32_TSC: it reads 0. */
		report_skip("IA32_TSC: QEMU TCG reads it as 0");
	} else {
		report(before < v && v < after,
		       "IA32_TSC (0x%lx) lies between the RDTSC before and after", v);
		increasing = 0;
		prev = v;
		for (i = 0; i < TSC_READS; i++) {
			if (rdmsr_safe(MSR_IA32_TSC, &v) == 0 && v > prev)
				increasing++;
			prev = v;
		}
		report(increasing == TSC_READS, "%u successive IA32_TSC reads increase (%u did)",
		       TSC_READS, increasing);
	}

	vec = rdmsr_safe(MSR_IA32_APIC_BASE, &apic_base);
	report(vec == 0, "IA32_APIC_BASE is readable (0x%lx)", apic_base);
	report((apic_base & APIC_BASE_ADDR_MASK) == APIC_DEFAULT_BASE,
	       "IA32_APIC_BASE holds the default base 0xfee00000");
	report(apic_base & APIC_BASE_BSP, "IA32_APIC_BASE.BSP is set on the boot processor");

	report_prefix_pop();
}

int main(void)
{
	test_cpuid_basic();
	test_cpuid_hypervisor();
	test_cpuid_promises();
	test_msr();
	return report_summary();
}
