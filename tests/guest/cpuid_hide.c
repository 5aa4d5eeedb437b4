/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * cpuid_hide: run with cpuid_hide=x2apic,tsc-deadline (tests/guests.cfg),
 * the guest must see a CPU without x2APIC and TSC-deadline (issue 16 item 8)
 * and the APIC must behave as that CPU's:
 *  - CPUID.01H:ECX bits 21 (x2APIC) and 24 (TSC-deadline) read 0;
 *  - a WRMSR IA32_APIC_BASE setting EXTD raises #GP (SDM Vol. 3A, "x2APIC
 *    State Transitions": EXTD is reserved without x2APIC support), and the
 *    APIC stays in xAPIC mode;
 *  - RDMSR of an x2APIC MSR (0x802, the ID) raises #GP;
 *  - RDMSR and WRMSR of IA32_TSC_DEADLINE raise #GP (no such MSR);
 *  - LVT timer mode 2 reads back with bit 18 clear: the mode field is bit
 *    17 alone (lapic/vlapic.h), so the write selects one-shot.
 * Natively (QEMU, Bochs without tickvisor) the real CPUID shows whatever the
 * CPU has and nothing hides it: every check is a skip, with the reason.
 */
#include "apic.h"
#include "exception.h"
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

#define MSR_X2APIC_ID		0x802U
#define LVTT_MODE_TSC_DEADLINE	(2U << 17)
#define LVTT_MODE_MASK		(3U << 17)

static void test_cpuid_bits(void)
{
	uint32_t ecx = cpuid(1).c;

	report(!(ecx & CPUID_1_ECX_X2APIC), "CPUID.01H:ECX.x2APIC[21] reads 0 (ECX 0x%x)", ecx);
	report(!(ecx & CPUID_1_ECX_TSC_DEADLINE), "CPUID.01H:ECX.TSC_Deadline[24] reads 0 (ECX 0x%x)",
	       ecx);
}

static void test_extd_gp(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	int vec = wrmsr_safe(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	uint64_t after = rdmsr(MSR_IA32_APIC_BASE);

	report(vec == EX_GP, "WRMSR IA32_APIC_BASE with EXTD set raises #GP (got %s)",
	       vec ? ex_name(vec) : "no fault");
	report(after == base, "IA32_APIC_BASE unchanged, still xAPIC (0x%lx -> 0x%lx)", base, after);
}

static void test_x2apic_msr_gp(void)
{
	uint64_t val = 0;
	int vec = rdmsr_safe(MSR_X2APIC_ID, &val);

	report(vec == EX_GP, "RDMSR 0x802 (x2APIC ID) raises #GP (got %s)",
	       vec ? ex_name(vec) : "no fault");
}

static void test_tsc_deadline_msr_gp(void)
{
	uint64_t val = 0;
	int rd = rdmsr_safe(MSR_IA32_TSC_DEADLINE, &val);
	int wr = wrmsr_safe(MSR_IA32_TSC_DEADLINE, 0);

	report(rd == EX_GP, "RDMSR IA32_TSC_DEADLINE raises #GP (got %s)", rd ? ex_name(rd) : "no fault");
	report(wr == EX_GP, "WRMSR IA32_TSC_DEADLINE raises #GP (got %s)", wr ? ex_name(wr) : "no fault");
}

static void test_lvtt_mode_2(void)
{
	uint32_t lvtt;

	apic_write(APIC_SVR, 0x1ffU);
	apic_write(APIC_LVTT, APIC_LVT_MASKED | LVTT_MODE_TSC_DEADLINE | 0x40U);
	lvtt = apic_read(APIC_LVTT);
	report((lvtt & LVTT_MODE_MASK) == 0,
	       "LVT timer mode 2 without TSC-deadline: bit 18 is reserved, mode one-shot (0x%x)", lvtt);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
}

int main(void)
{
	if (!tv_is_present()) {
		report_skip("no tickvisor: nothing applies cpuid_hide=, the CPU shows what it has");
		return report_summary();
	}
	test_cpuid_bits();
	test_extd_gp();
	test_x2apic_msr_gp();
	test_tsc_deadline_msr_gp();
	test_lvtt_mode_2();
	return report_summary();
}
