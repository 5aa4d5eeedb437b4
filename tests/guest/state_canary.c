/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * state_canary: runs right after state_writer in the same boot, and after
 * every case of the hostile suite (tests/hostile.cfg, canary=), and checks,
 * one line per register, that everything the guest before it could dirty is
 * at its reset value (docs/security.md, "State a guest can change"; issue 12
 * item 4), and that its RAM is all zero.
 * Reset values: SDM Vol. 3A, table "IA-32 and Intel 64 Processor States
 * Following Power-up, Reset, or INIT", except x87, which tickvisor hands
 * over as FNINIT leaves it (FCW 037FH, all tags empty: vmm/xstate.c says
 * why).  Its first instructions touch none of these registers.
 *
 * Under tickvisor every check is strict.  Natively (QEMU, Bochs without
 * tickvisor) no writer ran before it and the firmware's values are what
 * it finds: a value at reset passes, any other is a SKIP naming the value,
 * never a pass.
 */
#include "apic.h"
#include "exception.h"
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "xstate_util.h"

static uint8_t fx[512] __attribute__((aligned(64)));
static uint8_t regs[32 * 64] __attribute__((aligned(64)));
static uint16_t kregs[8];
static bool strict;
static bool quiet;		/* quiet=1: values at reset are counted, not printed */
static unsigned int quiet_passes;

/*
 * Strict under tickvisor; natively a mismatch is the firmware's value,
 * reported as a SKIP.  With quiet=1 (the hostile suite, tests/hostile.cfg,
 * where the canary runs 126 times a path and each printed line costs an
 * I/O exit per byte) a value at reset is only counted: one PASS line at the
 * end gives the count, and every value not at reset still has its own line.
 */
static void check(bool at_reset, const char *what, unsigned long long seen)
{
	if (at_reset && quiet) {
		quiet_passes++;
		return;
	}
	if (at_reset || strict)
		report(at_reset, "%s at reset (0x%llx)", what, seen);
	else
		report_skip("%s: 0x%llx natively, the firmware's value (no hypervisor resets it)",
			    what, seen);
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }

static void check_x87_sse(void)
{
	/* FXSAVE first: it reads the registers without changing them. */
	xu_enable_sse();
	xu_fxsave(fx);
	check(rd16(fx + 0) == XU_FCW_FNINIT, "x87 FCW", rd16(fx + 0));
	check(rd16(fx + 2) == 0, "x87 FSW (TOP 0, no exception)", rd16(fx + 2));
	check(fx[4] == 0, "x87 tags (abridged FTW: all empty)", fx[4]);
	check(xu_all_zero(fx + 32, 8 * 16), "x87 ST0-ST7 (all 0)", rd32(fx + 32));
	check(rd32(fx + 24) == XU_MXCSR_RESET, "MXCSR", rd32(fx + 24));
	check(xu_all_zero(fx + 160, 16 * 16), "XMM0-XMM15 (all 0)", rd32(fx + 160));
}

static void check_xcr0_and_wide_regs(void)
{
	uint64_t sup, xcr0;

	if (!xu_has_xsave()) {
		report_skip("XCR0, YMM, ZMM, PKRU: no XSAVE on this CPU");
		return;
	}
	xu_enable_osxsave();
	xcr0 = xu_xgetbv(0);
	check(xcr0 == XU_XCR0_X87, "XCR0", xcr0);
	sup = xu_xcr0_supported();
	if ((sup & XU_XCR0_AVX) && xu_has_avx() &&
	    xu_xsetbv_safe(0, XU_XCR0_X87 | XU_XCR0_SSE | XU_XCR0_AVX) == EX_NONE) {
		xu_store_ymm(regs);
		check(xu_all_zero(regs, 16 * 32), "YMM0-YMM15 (all 0, upper halves included)",
		      rd32(regs + 16));
	} else {
		report_skip("YMM: no AVX state on this CPU (XCR0 bits 0x%llx)",
			    (unsigned long long)sup);
	}
	if ((sup & XU_XCR0_AVX512) == XU_XCR0_AVX512 && xu_has_avx512f() &&
	    xu_xsetbv_safe(0, XU_XCR0_X87 | XU_XCR0_SSE | XU_XCR0_AVX | XU_XCR0_AVX512) ==
	    EX_NONE) {
		xu_store_zmm(regs);
		check(xu_all_zero(regs, 32 * 64), "ZMM0-ZMM31 (all 0)", rd32(regs + 32));
		xu_store_k(kregs);
		check(xu_all_zero(kregs, sizeof(kregs)), "opmask k0-k7 (all 0)", kregs[1]);
	} else {
		report_skip("ZMM and opmask: no AVX-512 state on this CPU");
	}
	if ((sup & XU_XCR0_PKRU) && xu_has_pku()) {
		xu_write_cr4(read_cr4() | XU_CR4_PKE);
		check(xu_rdpkru() == 0, "PKRU", xu_rdpkru());
	} else {
		report_skip("PKRU: no protection keys on this CPU");
	}
}

static void check_debug_regs(void)
{
	check(xu_read_dr0() == 0, "DR0", xu_read_dr0());
	check(xu_read_dr1() == 0, "DR1", xu_read_dr1());
	check(xu_read_dr2() == 0, "DR2", xu_read_dr2());
	check(xu_read_dr3() == 0, "DR3", xu_read_dr3());
	check(xu_read_dr6() == XU_DR6_RESET, "DR6", xu_read_dr6());
	check(xu_read_dr7() == XU_DR7_RESET, "DR7", xu_read_dr7());
}

static void check_msr(uint32_t msr, const char *name, uint64_t reset)
{
	uint64_t v = 0;
	int vec = rdmsr_safe(msr, &v);

	if (vec != 0) {
		report_skip("%s: RDMSR raised %s here", name, ex_name(vec));
		return;
	}
	check(v == reset, name, v);
}

static void check_msrs(void)
{
	if (xu_has_rdtscp()) {
		check_msr(XU_MSR_TSC_AUX, "IA32_TSC_AUX", 0);
		check(xu_rdtscp_aux() == 0, "TSC_AUX as RDTSCP reads it", xu_rdtscp_aux());
	} else {
		report_skip("IA32_TSC_AUX: no RDTSCP on this CPU");
	}
	check_msr(XU_MSR_STAR, "IA32_STAR", 0);
	check_msr(XU_MSR_LSTAR, "IA32_LSTAR", 0);
	check_msr(XU_MSR_CSTAR, "IA32_CSTAR", 0);
	check_msr(XU_MSR_FMASK, "IA32_FMASK", 0);
	check_msr(XU_MSR_KERNEL_GS_BASE, "IA32_KERNEL_GS_BASE", 0);
	check_msr(XU_MSR_SYSENTER_CS, "IA32_SYSENTER_CS", 0);
	check_msr(XU_MSR_SYSENTER_ESP, "IA32_SYSENTER_ESP", 0);
	check_msr(XU_MSR_SYSENTER_EIP, "IA32_SYSENTER_EIP", 0);
	check_msr(XU_MSR_PAT, "IA32_PAT", XU_PAT_RESET);
	check_msr(XU_MSR_DEBUGCTL, "IA32_DEBUGCTL", 0);
	check_msr(XU_MSR_TSC_ADJUST, "IA32_TSC_ADJUST", 0);
	/* Fast strings, BTS and PEBS unavailable: tickvisor's reset value (vmm/vmsr.c). */
	check_msr(XU_MSR_MISC_ENABLE, "IA32_MISC_ENABLE", 0x1801ULL);
}

/*
 * The local APIC as the guest before left it, after tickvisor's reset: read
 * only, nothing written first.  Power-up values (SDM Vol. 3A, "Local APIC
 * State After Power-Up or Reset"): IRR, ISR, TMR, ICR, LDR, TPR, the timer's
 * counts and divide configuration 0; DFR all ones; every LVT masked and
 * otherwise 0; SVR 0FFH (software disabled); ESR 0; the BSP's IA32_APIC_BASE
 * FEE00900H (xAPIC at the default base, enabled, BSP).
 */
static void check_apic(void)
{
	static const struct { uint32_t reg; const char *name; uint32_t reset; } regs[] = {
		{ APIC_ID, "APIC ID", 0 },
		{ APIC_TPR, "APIC TPR", 0 },
		{ APIC_PPR, "APIC PPR", 0 },
		{ APIC_LDR, "APIC LDR", 0 },
		{ APIC_DFR, "APIC DFR", 0xffffffffU },
		{ APIC_SVR, "APIC SVR (software disabled, vector 0FFH)", 0xffU },
		{ APIC_ESR, "APIC ESR", 0 },
		{ APIC_ICR, "APIC ICR low", 0 },
		{ APIC_ICR2, "APIC ICR high", 0 },
		{ APIC_LVTT, "APIC LVT timer (masked)", APIC_LVT_MASKED },
		{ APIC_LVTTHMR, "APIC LVT thermal (masked)", APIC_LVT_MASKED },
		{ APIC_LVTPC, "APIC LVT performance counter (masked)", APIC_LVT_MASKED },
		{ APIC_LVT0, "APIC LVT LINT0 (masked)", APIC_LVT_MASKED },
		{ APIC_LVT1, "APIC LVT LINT1 (masked)", APIC_LVT_MASKED },
		{ APIC_LVTERR, "APIC LVT error (masked)", APIC_LVT_MASKED },
		{ APIC_TMICT, "APIC timer initial count", 0 },
		{ APIC_TMCCT, "APIC timer current count", 0 },
		{ APIC_TDCR, "APIC timer divide configuration", 0 },
	};
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	uint32_t isr = 0, tmr = 0, irr = 0;

	check(base == 0xfee00900ULL, "IA32_APIC_BASE (xAPIC at FEE00000H, enabled, BSP)", base);
	/* Reads IA32_APIC_BASE only: nothing is written while EN is set and EXTD clear. */
	if (apic_set_global_mode(false)) {
		if (strict)
			report(false, "local APIC in xAPIC mode (IA32_APIC_BASE 0x%llx)",
			       (unsigned long long)base);
		else
			report_skip("local APIC not in xAPIC mode natively (IA32_APIC_BASE 0x%llx)",
				    (unsigned long long)base);
		return;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++)
		check(apic_read(regs[i].reg) == regs[i].reset, regs[i].name, apic_read(regs[i].reg));
	for (unsigned int r = 0; r < 8; r++) {
		isr |= apic_read(APIC_ISR + r * 0x10U);
		tmr |= apic_read(APIC_TMR + r * 0x10U);
		irr |= apic_read(APIC_IRR + r * 0x10U);
	}
	check(isr == 0, "APIC ISR (all 256 bits 0; the OR of the 8 words shown)", isr);
	check(tmr == 0, "APIC TMR (all 256 bits 0)", tmr);
	check(irr == 0, "APIC IRR (all 256 bits 0)", irr);
}

static void check_cr2_apic_ram(void)
{
	uint64_t from = (mb_first_free() + 63) & ~63ULL, to = mb_ram_end(), bad = 0;

	check(read_cr2() == 0, "CR2", read_cr2());
	check_apic();
	/*
	 * Every byte of RAM above this guest's image, Multiboot information and
	 * modules: a new VM's RAM is zero (docs/security.md), whatever the guest
	 * before it wrote there (state_writer's pattern at XU_RAM_FROM, a hostile
	 * case's).  The value shown is the first non-zero address, 0 if none.
	 */
	for (const uint64_t *p = (const uint64_t *)from; p < (const uint64_t *)to && !bad; p += 8) {
		/* Eight words a step (to is KiB aligned, from 64-byte aligned). */
		if (p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7])
			for (unsigned int i = 0; i < 8 && !bad; i++)
				bad = p[i] ? (uintptr_t)&p[i] : 0;
	}
	if (!quiet)
		report_info("RAM checked: 0x%llx-0x%llx", (unsigned long long)from,
			    (unsigned long long)to);
	check(!bad && to > from, "RAM above the image (all 0: first non-zero address shown)", bad);
}

int main(void)
{
	char sig[13], q[4];

	/* CPUID and VMCALL only: no x87/SSE register is touched before check_x87_sse(). */
	strict = tv_is_present();
	quiet = mb_cmdline_get("quiet", q, sizeof(q)) && q[0] == '1';
	if (!strict)
		report_info("no tickvisor (%s): values other than reset are the firmware's",
			    tv_read_signature(sig) ? sig : "no hypervisor bit");
	report_prefix_push("state canary");
	check_x87_sse();
	check_xcr0_and_wide_regs();
	check_debug_regs();
	check_msrs();
	check_cr2_apic_ram();
	if (quiet)
		report(quiet_passes > 0, "%u values at reset (quiet=1: those not at reset are listed "
		       "above)", quiet_passes);
	report_prefix_pop();
	return report_summary();
}
