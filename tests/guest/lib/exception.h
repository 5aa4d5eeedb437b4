/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * IDT for the 32 architectural exceptions.  An exception nobody expects
 * prints the vector, error code, RIP, CR2 and registers and ends the guest
 * with GUEST_EXIT_EXCEPTION.  A test that expects one marks the instruction
 * with EX_TABLE(from, to) in its inline asm: when an exception arrives with
 * RIP == from, the handler records it (ex_last()) and resumes at `to`.
 *
 * Faults report the RIP of the faulting instruction, traps (#BP, INT n) the
 * RIP after it ("Exception Classifications", Intel SDM Vol. 3A), so for a
 * trap `from` is the label after the instruction.
 *
 * Example, #UD caught and skipped:
 *	ex_clear();
 *	asm volatile("1: ud2\n2:\n" EX_TABLE(1b, 2b));
 *	report(ex_vector() == EX_UD, "ud2 raises #UD");
 */
#ifndef TV_GUEST_EXCEPTION_H
#define TV_GUEST_EXCEPTION_H

#include <stdbool.h>
#include <stdint.h>

#define EX_DE	0	/* divide error */
#define EX_DB	1
#define EX_NMI	2
#define EX_BP	3	/* breakpoint (INT3), a trap */
#define EX_OF	4
#define EX_BR	5
#define EX_UD	6	/* invalid opcode */
#define EX_NM	7
#define EX_DF	8
#define EX_TS	10
#define EX_NP	11
#define EX_SS	12
#define EX_GP	13	/* general protection */
#define EX_PF	14	/* page fault */
#define EX_MF	16
#define EX_AC	17
#define EX_MC	18
#define EX_XM	19
#define EX_VE	20
#define EX_CP	21
#define EX_NONE	(-1)	/* ex_vector() when nothing was caught */

/* #PF error code bits ("Page-Fault Exception (#PF)", Intel SDM Vol. 3A). */
#define PFERR_P		0x1U	/* 1: protection violation, 0: not present */
#define PFERR_W		0x2U	/* 1: write access */
#define PFERR_U		0x4U	/* 1: user-mode access */

#define EX_TABLE(from, to)						\
	".pushsection .ex_table, \"a\"\n\t"				\
	".balign 8\n\t"							\
	".quad " #from ", " #to "\n\t"					\
	".popsection\n\t"

/* Frame built by entry.asm's ex_common: GPRs, vector, error code, CPU frame. */
struct ex_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* What the last caught exception looked like. */
struct ex_record {
	int vector;		/* EX_NONE until something is caught */
	uint64_t error_code;	/* 0 for vectors without one */
	uint64_t rip;		/* as pushed by the CPU */
	uint64_t cr2;		/* read in the handler; #PF only, else 0 */
	uint64_t count;		/* caught since ex_clear() */
};

/* Loads the IDT (all 32 exception vectors). */
void ex_init(void);
/*
 * Points vector of the IDT in use (ex_init()'s, or isr_init()'s copy) at
 * handler: a present 64-bit interrupt gate, DPL 0, in the code segment.
 * For a test that needs its own handler (single_step's #DB recorder).
 */
void ex_set_gate(unsigned int vector, void (*handler)(void));
/* Forgets the last caught exception: ex_vector() becomes EX_NONE. */
void ex_clear(void);
/* Vector of the last caught exception, or EX_NONE. */
int ex_vector(void);
const volatile struct ex_record *ex_last(void);
/*
 * NMIs arrive between any two instructions, so no EX_TABLE entry can name
 * them: with ex_expect_nmi(true) each NMI is counted (ex_nmi_count()) and
 * the interrupted code resumes; otherwise an NMI is unexpected and ends the
 * guest like any other exception.  ex_expect_nmi(true) resets the count.
 */
void ex_expect_nmi(bool on);
uint64_t ex_nmi_count(void);

/* Mnemonic of an exception vector ("#GP"), "#??" when unknown. */
const char *ex_name(int vector);

/*
 * @brief RDMSR / WRMSR that survive a fault.
 * @return 0 on success, else the vector raised (EX_GP for an unknown MSR;
 *         RDMSR/WRMSR never raise #DE, so 0 is unambiguous).
 */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);

/* Called by entry.asm's ex_common only. */
void ex_handle(struct ex_regs *regs);

#endif /* TV_GUEST_EXCEPTION_H */
