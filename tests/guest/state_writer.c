/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * state_writer: dirties every register of docs/security.md's list "State a
 * guest can change" that a guest reaches, checks that each write took
 * effect, and exits leaving them dirty.  state_canary runs right after it
 * in the same boot (tests/guests.cfg keeps the order) and must find each one
 * at its reset value: a guest may not read what the guest before it wrote
 * (issue 12 item 4).  Writes the CPU does not support are reported as skips
 * with the reason.
 */
#include "apic.h"
#include "exception.h"
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"
#include "xstate_util.h"

static uint8_t pattern[32 * 64] __attribute__((aligned(64)));
static uint8_t readback[32 * 64] __attribute__((aligned(64)));
static uint16_t kpattern[8], kreadback[8];

static void fill_pattern(void)
{
	for (unsigned int i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(0xa5U ^ (i * 7U) ^ (i >> 6));
	for (unsigned int i = 0; i < 8; i++)
		kpattern[i] = (uint16_t)(0x5a00U | (i * 17U + 1U));
}

/* x87: a control word that is not FNINIT's, two values on the stack; SSE: every XMM and MXCSR. */
static void write_x87_sse(void)
{
	uint16_t fcw = 0x0c7f, fcw_read = 0, fsw = 0;

	__asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfldpi" : : "m"(fcw));
	__asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(fcw_read), "=m"(fsw));
	report(fcw_read == 0x0c7f && ((fsw >> 11) & 7U) == 6U,
	       "x87: FCW 0x%x, two registers in use (TOP %u)", fcw_read, (fsw >> 11) & 7U);
	xu_ldmxcsr(0xff80U);
	report(xu_stmxcsr() == 0xff80U, "MXCSR = 0x%x (FTZ, round toward zero, all masked)",
	       xu_stmxcsr());
	xu_load_xmm(pattern);
	xu_store_xmm(readback);
	report(!memcmp(pattern, readback, 16 * 16), "XMM0-XMM15 hold the pattern");
}

static uint64_t write_xcr0_and_wide_regs(void)
{
	uint64_t sup, want;

	if (!xu_has_xsave()) {
		report_skip("XCR0: no XSAVE on this CPU (CPUID.1:ECX[26] clear)");
		return 0;
	}
	xu_enable_osxsave();
	sup = xu_xcr0_supported();
	want = sup;
	report_info("CPUID.(EAX=0DH,ECX=0):EDX:EAX = 0x%llx", (unsigned long long)sup);
	{
		int vec = xu_xsetbv_safe(0, want);
		uint64_t back = xu_xgetbv(0);

		report(vec == EX_NONE && back == want,
		       "XSETBV XCR0 = 0x%llx (everything CPUID reports): %s, reads back 0x%llx",
		       (unsigned long long)want, vec == EX_NONE ? "no fault" : ex_name(vec),
		       (unsigned long long)back);
	}
	if ((xu_xgetbv(0) & (XU_XCR0_SSE | XU_XCR0_AVX)) == (XU_XCR0_SSE | XU_XCR0_AVX)) {
		xu_load_ymm(pattern);
		xu_store_ymm(readback);
		report(!memcmp(pattern, readback, 16 * 32), "YMM0-YMM15 hold the pattern");
	} else {
		report_skip("YMM: XCR0 has no AVX state (CPUID reports 0x%llx)",
			    (unsigned long long)sup);
	}
	if ((xu_xgetbv(0) & XU_XCR0_AVX512) == XU_XCR0_AVX512 && xu_has_avx512f()) {
		xu_load_zmm(pattern);
		xu_store_zmm(readback);
		report(!memcmp(pattern, readback, 32 * 64), "ZMM0-ZMM31 hold the pattern");
		xu_load_k(kpattern);
		xu_store_k(kreadback);
		report(!memcmp(kpattern, kreadback, sizeof(kpattern)), "k0-k7 hold the pattern");
	} else {
		report_skip("ZMM and opmask: no AVX-512 state on this CPU");
	}
	if ((xu_xgetbv(0) & XU_XCR0_PKRU) && xu_has_pku()) {
		xu_write_cr4(read_cr4() | XU_CR4_PKE);
		/* Keys 1-15 denied; key 0, the key of every page here, left open. */
		xu_wrpkru(0xfffffffcU);
		report(xu_rdpkru() == 0xfffffffcU, "PKRU = 0x%x", xu_rdpkru());
	} else {
		report_skip("PKRU: no protection keys on this CPU");
	}
	return want;
}

static void write_debug_regs(void)
{
	/* Instruction breakpoints at canonical addresses nothing executes. */
	xu_write_dr0(0x00007fffdead0000ULL);
	xu_write_dr1(0x00007fffdead1000ULL);
	xu_write_dr2(0x00007fffdead2000ULL);
	xu_write_dr3(0x00007fffdead3000ULL);
	xu_write_dr6(XU_DR6_RESET | 0xfULL);
	xu_write_dr7(XU_DR7_RESET | 0xffULL);
	report(xu_read_dr0() == 0x00007fffdead0000ULL && xu_read_dr1() == 0x00007fffdead1000ULL &&
	       xu_read_dr2() == 0x00007fffdead2000ULL && xu_read_dr3() == 0x00007fffdead3000ULL,
	       "DR0-DR3 hold four breakpoint addresses");
	report((xu_read_dr6() & 0xfULL) == 0xfULL, "DR6 = 0x%llx (B0-B3 set)",
	       (unsigned long long)xu_read_dr6());
	report(xu_read_dr7() == (XU_DR7_RESET | 0xffULL), "DR7 = 0x%llx (L0-L3, G0-G3)",
	       (unsigned long long)xu_read_dr7());
}

static void write_msr(uint32_t msr, const char *name, uint64_t val)
{
	uint64_t back = 0;
	int v = wrmsr_safe(msr, val);

	if (v != 0) {
		report_skip("%s: WRMSR raised %s here", name, ex_name(v));
		return;
	}
	(void)rdmsr_safe(msr, &back);
	/*
	 * Natively the platform decides what an MSR keeps (QEMU's TCG drops
	 * DEBUGCTL and TSC_ADJUST writes): the writer's job there is only to
	 * dirty what exists.  Under tickvisor the value must stick.
	 */
	if (back != val && !tv_is_present()) {
		report_skip("%s = 0x%llx reads back 0x%llx: this platform does not keep it", name,
			    (unsigned long long)val, (unsigned long long)back);
		return;
	}
	report(back == val, "%s = 0x%llx reads back 0x%llx", name, (unsigned long long)val,
	       (unsigned long long)back);
}

static void write_msrs(void)
{
	if (xu_has_rdtscp()) {
		write_msr(XU_MSR_TSC_AUX, "IA32_TSC_AUX", 0x5a5a0123ULL);
		report(xu_rdtscp_aux() == 0x5a5a0123U, "RDTSCP returns TSC_AUX 0x%x",
		       xu_rdtscp_aux());
	} else {
		report_skip("IA32_TSC_AUX: no RDTSCP on this CPU");
	}
	write_msr(XU_MSR_STAR, "IA32_STAR", 0x0023001000000000ULL);
	write_msr(XU_MSR_LSTAR, "IA32_LSTAR", 0xffffffff81000000ULL);
	write_msr(XU_MSR_CSTAR, "IA32_CSTAR", 0xffffffff82000000ULL);
	write_msr(XU_MSR_FMASK, "IA32_FMASK", 0x47700ULL);
	write_msr(XU_MSR_KERNEL_GS_BASE, "IA32_KERNEL_GS_BASE", 0xffff888012345000ULL);
	write_msr(XU_MSR_SYSENTER_CS, "IA32_SYSENTER_CS", 0x10ULL);
	write_msr(XU_MSR_SYSENTER_ESP, "IA32_SYSENTER_ESP", 0xffffffff83000000ULL);
	write_msr(XU_MSR_SYSENTER_EIP, "IA32_SYSENTER_EIP", 0xffffffff84000000ULL);
	/* PA4-PA7 only: no page of this guest selects them. */
	write_msr(XU_MSR_PAT, "IA32_PAT", 0x0101010100070406ULL);
	write_msr(XU_MSR_DEBUGCTL, "IA32_DEBUGCTL", 0x1ULL);	/* LBR */
	write_msr(XU_MSR_TSC_ADJUST, "IA32_TSC_ADJUST", 0x123456789ULL);
	{
		uint64_t misc = 0;

		if (rdmsr_safe(XU_MSR_MISC_ENABLE, &misc) == 0)
			write_msr(XU_MSR_MISC_ENABLE, "IA32_MISC_ENABLE",
				  misc ^ (1ULL << 0) ^ (1ULL << 16));	/* fast strings, EST */
		else
			report_skip("IA32_MISC_ENABLE: not readable here");
	}
}

static void write_cr2_apic_ram(void)
{
	uint64_t *p;
	bool ok = true;

	xu_write_cr2(0xfeedf00d000ULL);
	report(read_cr2() == 0xfeedf00d000ULL, "CR2 = 0x%llx", (unsigned long long)read_cr2());
	if (apic_setup(false)) {
		report_skip("local APIC: could not put it in xAPIC mode");
	} else {
		apic_write(APIC_TPR, 0x20);
		apic_write(APIC_LVTT, 0x30);	/* unmasked, TMICT stays 0: never fires */
		report(apic_read(APIC_TPR) == 0x20 && apic_read(APIC_LVTT) == 0x30,
		       "APIC TPR 0x%x, LVT timer 0x%x", apic_read(APIC_TPR), apic_read(APIC_LVTT));
	}
	for (p = (uint64_t *)XU_RAM_FROM; p < (uint64_t *)XU_RAM_TO; p++)
		*p = 0xa5a5a5a5a5a5a5a5ULL ^ (uint64_t)(uintptr_t)p;
	for (p = (uint64_t *)XU_RAM_FROM; p < (uint64_t *)XU_RAM_TO; p++)
		ok &= *p == (0xa5a5a5a5a5a5a5a5ULL ^ (uint64_t)(uintptr_t)p);
	report(ok, "RAM 0x%llx-0x%llx filled with a pattern", (unsigned long long)XU_RAM_FROM,
	       (unsigned long long)XU_RAM_TO);
}

int main(void)
{
	report_prefix_push("state writer");
	fill_pattern();
	xu_enable_sse();
	(void)write_xcr0_and_wide_regs();
	/* After XSETBV: the XMM/x87 writes must be what is left, whatever XCR0 did. */
	write_x87_sse();
	write_debug_regs();
	write_msrs();
	write_cr2_apic_ram();
	report_prefix_pop();
	return report_summary();
}
