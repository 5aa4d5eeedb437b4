/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * single_step: RFLAGS.TF across every instruction tickvisor emulates (issue
 * 16 item 4).  SDM Vol. 3B, "Single-Step Exception Condition": with TF = 1
 * the processor raises #DB, a trap, after each instruction, DR6.BS set
 * ("Debug Status Register (DR6)"); not after the POPF that sets TF.  So each
 * check sets TF with POPF right before the instruction and expects exactly
 * one #DB, with DR6.BS and no B3-B0 bit, its saved RIP the instruction's
 * end.  The #DB handler below logs the RIP and DR6, resets DR6 (its bits
 * are sticky) and clears TF in the saved RFLAGS once the expected number of
 * traps arrived, so a lost trap shows as a #DB one instruction late and a
 * doubled one as a second #DB.
 *
 * The instructions: CPUID, OUT and IN (the 16550's scratch register 0x3FF),
 * RDMSR IA32_APIC_BASE, WRMSR IA32_TSC_DEADLINE (0 in one-shot mode:
 * ignored), VMCALL (TV_HC_INFO; natively Bochs has no hypervisor and VMCALL
 * raises #UD: skipped by name), XSETBV of XCR0's own value, MOV to CR4
 * (flipping OSXMMEXCPT, an owned bit, and back), MOV to and from CR8, an
 * xAPIC MMIO read of TMCCT and write of TDCR, CPUID in a MOV-SS shadow (the
 * trap of the MOV SS is held to the end of the CPUID: one #DB), and
 * STI; HLT with the APIC timer armed.  STI's trap comes at once (STI
 * blocking holds interrupts, not debug traps), at the HLT; HLT's at the
 * instruction after it.  When is deliberately not checked: the SDM has a
 * debug exception resume a halted processor (Vol. 2A, HLT), so tickvisor
 * delivers it at once, whereas Bochs 2.7 natively holds it until the
 * timer's interrupt ends the halt; the timer must arrive in either case.
 *
 * Data breakpoints: an I/O breakpoint on port 0x3FF (CR4.DE, DR0, DR7) must
 * trap after an OUT or IN of it, DR6.B0 set (with BS too when single-
 * stepped), and not after an access of the port beside it; a read/write
 * breakpoint on TMCCT and a write breakpoint on TDCR must trap after a read
 * of the one and a write of the other (B0, B1), not after a read of TDCR.
 * Natively, an emulator that matches no breakpoint of a kind is skipped.
 * QEMU 7.2 TCG, run natively, deviates twice, each skipped by name with
 * what it did: no single-step trap after STI or after HLT, and B0 without
 * BS in DR6 when both conditions are met.
 *
 * DEBUGCTL.BTF (IA32_DEBUGCTL bit 1) with TF: CPUID, OUT to port 0x80, IN
 * from 0x3FF and RDMSR, each followed by a taken JMP, trap once, at the
 * jump target.  A NOP; JMP probe goes first and must also leave BTF clear.
 * Where DEBUGCTL faults (Bochs 2.7 has no such MSR: natively, and under
 * tickvisor, which passes the MSR through to it), does not keep BTF (QEMU
 * 7.2 TCG reads it back 0) or the probe traps after the NOP, the checks are
 * skipped, naming the platform.  Repeated string instructions are
 * single_step_string.c's.
 */
#include "apic.h"
#include "exception.h"
#include "hypercall.h"
#include "isr.h"
#include "libc.h"
#include "processor.h"
#include "report.h"
#include "xstate_util.h"

#define SS_LOG_MAX		8U
#define SS_RFLAGS_TF		0x100ULL
#define SS_DR6_BS		(1ULL << 14)
#define SS_DR6_B0_3		0xfULL
#define SS_TIMER_VECTOR		0x40U
#define SS_TIMER_TICKS		2000000U	/* far past the HLT, natively too */
#define SS_TIMER_WAIT_TSC	200000000ULL
#define SS_PORT_SCRATCH		0x3ffU
#define SS_PORT_POST		0x80U
#define SS_DEBUGCTL_BTF		0x2ULL	/* IA32_DEBUGCTL bit 1 */
#define SS_MSR_APIC_BASE	0x1bU
#define SS_MSR_TSC_DEADLINE	0x6e0U
#define SS_CR4_DE		(1ULL << 3)
#define SS_DR7_L0		0x1ULL
#define SS_DR7_L1		0x4ULL
#define SS_DR7_RW0_IO		(2ULL << 16)	/* LEN0 = 00B: one byte */
#define SS_DR7_RW0_ACCESS4	((3ULL << 16) | (3ULL << 18))	/* reads or writes, 4 bytes */
#define SS_DR7_RW1_WRITE4	((1ULL << 20) | (3ULL << 22))	/* writes, 4 bytes */

/* POPF with TF set: the trap starts after the next instruction. */
#define SS_TF_ON	"pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"

struct ss_hit {
	uint64_t rip;
	uint64_t dr6;
};

static volatile struct ss_hit ss_log[SS_LOG_MAX];
static volatile unsigned int ss_hits;
static volatile unsigned int ss_left;	/* traps still expected: TF is cleared at the last */

void ss_record(uint64_t *frame);

/* Interrupt gate for #DB: caller-saved registers around ss_record(frame). */
__asm__(".text\n"
	".globl ss_db_stub\n"
	"ss_db_stub:\n\t"
	"push %rax\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\t"
	"push %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\t"
	"mov %rsp, %rdi\n\t"
	"cld\n\t"
	"call ss_record\n\t"
	"pop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\t"
	"pop %rdi\n\tpop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpop %rax\n\t"
	"iretq\n");

void ss_db_stub(void);

/* frame: the 9 saved registers, then RIP, CS, RFLAGS, RSP, SS as the CPU pushed them. */
void ss_record(uint64_t *frame)
{
	uint64_t dr6;

	__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
	if (ss_hits < SS_LOG_MAX) {
		ss_log[ss_hits].rip = frame[9];
		ss_log[ss_hits].dr6 = dr6;
	}
	ss_hits++;
	__asm__ volatile("mov %0, %%dr6" : : "r"(XU_DR6_RESET));
	if (ss_left)
		ss_left--;
	if (!ss_left)
		frame[11] &= ~SS_RFLAGS_TF;
}

static void ss_begin(unsigned int expected)
{
	ss_hits = 0;
	for (unsigned int i = 0; i < SS_LOG_MAX; i++) {
		ss_log[i].rip = 0;
		ss_log[i].dr6 = 0;
	}
	__asm__ volatile("mov %0, %%dr6" : : "r"(XU_DR6_RESET));
	ss_left = expected;
}

static bool ss_is_step(unsigned int i, uint64_t rip)
{
	return ss_log[i].rip == rip && (ss_log[i].dr6 & SS_DR6_BS) &&
	       !(ss_log[i].dr6 & SS_DR6_B0_3);
}

/* Exactly one single-step #DB, at RIP after. */
static void ss_check(const char *what, uint64_t after)
{
	report(ss_hits == 1 && ss_is_step(0, after),
	       "%s: one #DB with DR6.BS at the next RIP 0x%lx (%u #DB, first at 0x%lx, DR6 0x%lx)",
	       what, after, ss_hits, ss_log[0].rip, ss_log[0].dr6);
}

static void test_cpuid(void)
{
	uint32_t a = 0, b, c = 0, d;
	uint64_t after;

	ss_begin(1);
	__asm__ volatile(SS_TF_ON "cpuid\n1:\n\tlea 1b(%%rip), %4"
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "=&r"(after) : : "memory", "cc");
	ss_check("CPUID", after);
}

static void test_io(void)
{
	uint64_t after;
	uint8_t v = 0x5a;

	ss_begin(1);
	__asm__ volatile(SS_TF_ON "outb %%al, %%dx\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "a"(v), "d"(SS_PORT_SCRATCH) : "memory", "cc");
	ss_check("OUT to port 0x3ff", after);
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "inb %%dx, %%al\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "+a"(v) : "d"(SS_PORT_SCRATCH) : "memory", "cc");
	ss_check("IN from port 0x3ff", after);
	report(v == 0x5a, "IN under single-step reads back 0x5a (0x%x)", v);
}

static void test_msr(void)
{
	uint32_t lo, hi;
	uint64_t after;

	ss_begin(1);
	__asm__ volatile(SS_TF_ON "rdmsr\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "=a"(lo), "=d"(hi) : "c"(SS_MSR_APIC_BASE) : "memory", "cc");
	ss_check("RDMSR IA32_APIC_BASE", after);
	if (!apic_has_tsc_deadline()) {
		report_skip("WRMSR IA32_TSC_DEADLINE: CPUID offers no TSC-deadline");
		return;
	}
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "wrmsr\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "c"(SS_MSR_TSC_DEADLINE), "a"(0U), "d"(0U) : "memory", "cc");
	ss_check("WRMSR IA32_TSC_DEADLINE", after);
}

static void test_vmcall(void)
{
	uint64_t after, rax = TV_HC_INFO;

	if (!tv_is_present()) {
		report_skip("VMCALL: no tickvisor here (natively VMCALL raises #UD)");
		return;
	}
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "vmcall\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "+a"(rax) : "b"(0UL), "c"(0UL), "d"(0UL) : "memory", "cc");
	ss_check("VMCALL TV_HC_INFO", after);
}

static void test_xsetbv(void)
{
	uint64_t after, xcr0;

	if (!xu_has_xsave()) {
		report_skip("XSETBV: CPUID offers no XSAVE");
		return;
	}
	xu_enable_osxsave();
	xcr0 = xu_xgetbv(0);
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "xsetbv\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "c"(0U), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
			 : "memory", "cc");
	ss_check("XSETBV XCR0 (its own value)", after);
}

static void ss_write_cr4(const char *what, uint64_t cr4)
{
	uint64_t after;

	ss_begin(1);
	__asm__ volatile(SS_TF_ON "mov %1, %%cr4\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "r"(cr4) : "memory", "cc");
	ss_check(what, after);
}

static void test_cr(void)
{
	uint64_t cr4 = read_cr4(), after, cr8 = 0;

	ss_write_cr4("MOV to CR4 (OSXMMEXCPT flipped)", cr4 ^ XU_CR4_OSXMMEXCPT);
	ss_write_cr4("MOV to CR4 (OSXMMEXCPT back)", cr4);
	report(read_cr4() == cr4, "CR4 is back to 0x%lx (0x%lx)", cr4, read_cr4());
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "mov %1, %%cr8\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "r"(0UL) : "memory", "cc");
	ss_check("MOV to CR8", after);
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "mov %%cr8, %1\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "=r"(cr8) : : "memory", "cc");
	ss_check("MOV from CR8", after);
}

static void test_apic_mmio(void)
{
	uint64_t after, base = apic_mmio_base();
	uint32_t v = 0;

	ss_begin(1);
	__asm__ volatile(SS_TF_ON "movl (%2), %1\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "=r"(v) : "r"(base + APIC_TMCCT) : "memory", "cc");
	ss_check("xAPIC MMIO read of TMCCT", after);
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "movl %2, (%1)\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "r"(base + APIC_TDCR), "r"(APIC_TDCR_DIV1) : "memory", "cc");
	ss_check("xAPIC MMIO write of TDCR", after);
}

/* MOV SS holds the debug traps of its own instruction to the end of the next one. */
static void test_mov_ss_shadow(void)
{
	uint32_t a = 0, b, c = 0, d;
	uint64_t after, ss;

	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "mov %k5, %%ss\n\tcpuid\n1:\n\tlea 1b(%%rip), %4"
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "=&r"(after) : "r"(ss)
			 : "memory", "cc");
	ss_check("MOV SS; CPUID (trap held by the MOV-SS shadow)", after);
}

static void ss_write_dr7(uint64_t v) { __asm__ volatile("mov %0, %%dr7" : : "r"(v) : "memory"); }

/* One #DB at after whose DR6 has the B bits b and, with TF, BS. */
static void ss_check_bp(const char *what, uint64_t after, uint64_t b, bool tf)
{
	uint64_t want = b | (tf ? SS_DR6_BS : 0);

	if (!tv_is_present() && ss_hits == 0) {
		report_skip("%s: no #DB natively (this emulator matches no such breakpoint)", what);
		return;
	}
	if (tf && apic_is_qemu_tcg() && ss_hits == 1 && ss_log[0].rip == after &&
	    (ss_log[0].dr6 & (SS_DR6_B0_3 | SS_DR6_BS)) == b) {
		/* DR6 reports every condition met ("Debug Status Register (DR6)"). */
		report_skip("%s: QEMU TCG reports B0 without BS (DR6 0x%lx)", what, ss_log[0].dr6);
		return;
	}
	report(ss_hits == 1 && ss_log[0].rip == after &&
	       (ss_log[0].dr6 & (SS_DR6_B0_3 | SS_DR6_BS)) == want,
	       "%s: one #DB at the next RIP 0x%lx, DR6 B3-B0 0x%lx%s (%u #DB, first at 0x%lx, "
	       "DR6 0x%lx)", what, after, b, tf ? " and BS" : ", no BS", ss_hits, ss_log[0].rip,
	       ss_log[0].dr6);
}

/*
 * An I/O breakpoint on port 0x3FF (SDM Vol. 3B, "Debug Control Register
 * (DR7)": R/W0 = 10B with CR4.DE = 1, LEN0 = 1 byte, L0): a trap after the
 * OUT or IN that touches it, DR6.B0 set, and with TF also DR6.BS, one #DB.
 */
static void test_io_breakpoint(void)
{
	uint64_t cr4 = read_cr4(), after;
	uint8_t v = 0x3c;

	if (!(cpuid(1).d & (1U << 2))) {
		report_skip("I/O breakpoints: CPUID offers no DE");
		return;
	}
	xu_write_cr4(cr4 | SS_CR4_DE);
	__asm__ volatile("mov %0, %%dr0" : : "r"((uint64_t)SS_PORT_SCRATCH));
	ss_write_dr7(XU_DR7_RESET | SS_DR7_L0 | SS_DR7_RW0_IO);
	ss_begin(1);
	__asm__ volatile("outb %%al, %%dx\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "a"(v), "d"(SS_PORT_SCRATCH) : "memory", "cc");
	ss_check_bp("OUT to port 0x3ff with an I/O breakpoint on it", after, 0x1U, false);
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "inb %%dx, %%al\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "+a"(v) : "d"(SS_PORT_SCRATCH) : "memory", "cc");
	ss_check_bp("IN from port 0x3ff, single-stepped, with an I/O breakpoint on it", after,
		    0x1U, true);
	ss_begin(0);
	__asm__ volatile("outb %%al, %%dx" : : "a"(v), "d"(SS_PORT_SCRATCH - 1U) : "memory");
	report(ss_hits == 0, "OUT to port 0x3fe, next to the breakpoint: no #DB (%u)", ss_hits);
	ss_write_dr7(XU_DR7_RESET);
	xu_write_cr4(cr4);
}

/*
 * Data breakpoints on the xAPIC page (R/W = 11B on TMCCT, read or write;
 * R/W = 01B on TDCR, write only; LEN = 4 bytes): a trap after the MOV that
 * touches it, DR6.Bn set, whether the CPU or tickvisor did the access.
 */
static void test_mmio_breakpoint(void)
{
	uint64_t after, addr, base = apic_mmio_base();
	uint32_t v = 0;

	__asm__ volatile("mov %0, %%dr0\n\tmov %1, %%dr1"
			 : : "r"(base + APIC_TMCCT), "r"(base + APIC_TDCR));
	ss_write_dr7(XU_DR7_RESET | SS_DR7_L0 | SS_DR7_L1 | SS_DR7_RW0_ACCESS4 |
		     SS_DR7_RW1_WRITE4);
	/* The address register is the load's destination too: matched before it changes. */
	ss_begin(1);
	addr = base + APIC_TMCCT;
	__asm__ volatile("movl (%1), %k1\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after), "+r"(addr) : : "memory", "cc");
	ss_check_bp("xAPIC MMIO read of TMCCT with a read/write breakpoint on it", after, 0x1U,
		    false);
	ss_begin(1);
	__asm__ volatile("movl %2, (%1)\n1:\n\tlea 1b(%%rip), %0"
			 : "=&r"(after) : "r"(base + APIC_TDCR), "r"(APIC_TDCR_DIV1) : "memory", "cc");
	ss_check_bp("xAPIC MMIO write of TDCR with a write breakpoint on it", after, 0x2U, false);
	ss_begin(0);
	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(base + APIC_TDCR) : "memory");
	report(ss_hits == 0, "xAPIC MMIO read of TDCR, its breakpoint write-only: no #DB (%u)",
	       ss_hits);
	ss_write_dr7(XU_DR7_RESET);
}

/* The platform, for a skip that names it. */
static const char *ss_platform(void)
{
	if (tv_is_present())
		return "tickvisor";
	if (apic_is_qemu_tcg())
		return "QEMU TCG";
	return apic_is_bochs_native() ? "Bochs" : "this platform";
}

/* DEBUGCTL.BTF = 1: the next single-step trap waits for a branch.  False if it would not stick. */
static bool ss_set_btf(void)
{
	uint64_t v = 0;

	return wrmsr_safe(XU_MSR_DEBUGCTL, SS_DEBUGCTL_BTF) == 0 &&
	       rdmsr_safe(XU_MSR_DEBUGCTL, &v) == 0 && (v & SS_DEBUGCTL_BTF);
}

/* Exactly one single-step #DB, at the jump target, none at the JMP after what. */
static void ss_check_btf(const char *what, uint64_t at_jmp, uint64_t target)
{
	(void)wrmsr_safe(XU_MSR_DEBUGCTL, 0);
	report(ss_hits == 1 && ss_is_step(0, target),
	       "%s; JMP with BTF: one #DB with DR6.BS at the jump target 0x%lx, none at the JMP "
	       "0x%lx (%u #DB, first at 0x%lx, DR6 0x%lx)", what, target, at_jmp, ss_hits,
	       ss_log[0].rip, ss_log[0].dr6);
}

/*
 * Whether this platform implements BTF, probed with NOP; JMP: one trap at
 * the jump target, BTF cleared by it (SDM Vol. 3B, "Single-Stepping on
 * Branches": "The processor clears the BTF flag when it generates a debug
 * exception").  A platform that refuses DEBUGCTL or ignores BTF is skipped
 * by name.
 */
static bool ss_probe_btf(void)
{
	uint64_t at_jmp, target, v = 0;
	int vec = wrmsr_safe(XU_MSR_DEBUGCTL, SS_DEBUGCTL_BTF);

	if (vec != 0) {
		report_skip("DEBUGCTL.BTF: WRMSR IA32_DEBUGCTL raises %s on %s%s", ex_name(vec),
			    ss_platform(), tv_is_present() ? " (it passes the MSR through: its host CPU has none)" : "");
		return false;
	}
	if (rdmsr_safe(XU_MSR_DEBUGCTL, &v) != 0 || !(v & SS_DEBUGCTL_BTF)) {
		report_skip("DEBUGCTL.BTF: %s drops it (IA32_DEBUGCTL reads back 0x%lx)",
			    ss_platform(), v);
		return false;
	}
	v = ~0ULL;
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "nop\n1:\tjmp 2f\n\tnop\n2:\n\t"
			 "lea 1b(%%rip), %0\n\tlea 2b(%%rip), %1"
			 : "=&r"(at_jmp), "=&r"(target) : : "memory", "cc");
	(void)rdmsr_safe(XU_MSR_DEBUGCTL, &v);
	if (ss_hits == 1 && ss_log[0].rip == at_jmp) {
		(void)wrmsr_safe(XU_MSR_DEBUGCTL, 0);
		report_skip("DEBUGCTL.BTF: %s ignores it (single-step trap after the NOP at 0x%lx)",
			    ss_platform(), at_jmp);
		return false;
	}
	ss_check_btf("NOP", at_jmp, target);
	report(!(v & SS_DEBUGCTL_BTF), "NOP; JMP with BTF: the #DB cleared DEBUGCTL.BTF (0x%lx)", v);
	return true;
}

/*
 * SDM Vol. 3B, "Single-Stepping on Branches": with BTF and TF set, "the
 * processor generates a single-step debug exception only after instructions
 * that cause a branch".  So an emulated instruction followed by a taken JMP
 * traps once, at the jump target, not after the emulated instruction.
 */
static void test_btf(void)
{
	uint32_t a = 0, b, c = 0, d;
	uint64_t at_jmp, target;
	uint8_t v = 0;

	if (!ss_probe_btf())
		return;
	(void)ss_set_btf();
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "cpuid\n1:\tjmp 2f\n\tnop\n2:\n\t"
			 "lea 1b(%%rip), %4\n\tlea 2b(%%rip), %5"
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "=&r"(at_jmp), "=&r"(target)
			 : : "memory", "cc");
	ss_check_btf("CPUID", at_jmp, target);
	(void)ss_set_btf();
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "outb %%al, %%dx\n1:\tjmp 2f\n\tnop\n2:\n\t"
			 "lea 1b(%%rip), %0\n\tlea 2b(%%rip), %1"
			 : "=&r"(at_jmp), "=&r"(target) : "a"(v), "d"(SS_PORT_POST) : "memory", "cc");
	ss_check_btf("OUT to port 0x80", at_jmp, target);
	(void)ss_set_btf();
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "inb %%dx, %%al\n1:\tjmp 2f\n\tnop\n2:\n\t"
			 "lea 1b(%%rip), %0\n\tlea 2b(%%rip), %1"
			 : "=&r"(at_jmp), "=&r"(target), "+a"(v) : "d"(SS_PORT_SCRATCH) : "memory", "cc");
	ss_check_btf("IN from port 0x3ff", at_jmp, target);
	(void)ss_set_btf();
	ss_begin(1);
	__asm__ volatile(SS_TF_ON "rdmsr\n1:\tjmp 2f\n\tnop\n2:\n\t"
			 "lea 1b(%%rip), %0\n\tlea 2b(%%rip), %1"
			 : "=&r"(at_jmp), "=&r"(target), "=a"(a), "=d"(d) : "c"(SS_MSR_APIC_BASE)
			 : "memory", "cc");
	ss_check_btf("RDMSR IA32_APIC_BASE", at_jmp, target);
}

static void test_sti_hlt(void)
{
	uint64_t at_hlt, after, limit;
	bool fired, ok;

	isr_reset();
	apic_write(APIC_TDCR, APIC_TDCR_DIV1);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | SS_TIMER_VECTOR);
	ss_begin(2);
	irq_disable();
	apic_write(APIC_TMICT, SS_TIMER_TICKS);
	__asm__ volatile("lea 1f(%%rip), %0\n\t" SS_TF_ON "sti\n1:\thlt\n2:\n\tlea 2b(%%rip), %1"
			 : "=&r"(at_hlt), "=&r"(after) : : "memory", "cc");
	limit = rdtsc() + SS_TIMER_WAIT_TSC;
	fired = isr_wait(SS_TIMER_VECTOR, 1, limit);
	irq_disable();
	ok = ss_hits == 2 && ss_is_step(0, at_hlt) && ss_is_step(1, after);
	if (!ok && apic_is_qemu_tcg())
		report_skip("STI; HLT: QEMU TCG raises no single-step trap after STI or HLT "
			    "(%u #DB at 0x%lx/0x%lx, expected 0x%lx/0x%lx)", ss_hits, ss_log[0].rip,
			    ss_log[1].rip, at_hlt, after);
	else
		report(ok, "STI; HLT: one #DB with DR6.BS at the HLT 0x%lx, one after it at 0x%lx "
		       "(%u #DB at 0x%lx/0x%lx, DR6 0x%lx/0x%lx)", at_hlt, after, ss_hits,
		       ss_log[0].rip, ss_log[1].rip, ss_log[0].dr6, ss_log[1].dr6);
	report(fired && isr_count(SS_TIMER_VECTOR) == 1, "STI; HLT: the timer's interrupt "
	       "arrived once (%lu)", (unsigned long)isr_count(SS_TIMER_VECTOR));
	apic_write(APIC_TMICT, 0);
}

int main(void)
{
	report_prefix_push("single_step");
	if (apic_setup(false)) {
		report(false, "the local APIC in xAPIC mode");
		return report_summary();
	}
	ex_set_gate(EX_DB, ss_db_stub);
	test_cpuid();
	test_io();
	test_msr();
	test_vmcall();
	test_xsetbv();
	test_cr();
	test_apic_mmio();
	test_mov_ss_shadow();
	test_io_breakpoint();
	test_mmio_breakpoint();
	test_btf();
	test_sti_hlt();
	{
		unsigned int n = ss_hits;

		(void)cpuid(0);
		report(ss_hits == n && !(read_rflags() & SS_RFLAGS_TF),
		       "no stray #DB afterwards, RFLAGS.TF clear");
	}
	report_prefix_pop();
	return report_summary();
}
