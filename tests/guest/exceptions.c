/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * exceptions: faults and traps reach the guest's own IDT with the right
 * vector, error code, saved RIP and CR2 ("Exception and Interrupt
 * Reference", Intel SDM Vol. 3A).  Under a hypervisor this checks that they
 * are reflected (or not intercepted) correctly.
 */
#include "exception.h"
#include "libc.h"
#include "processor.h"
#include "report.h"
#include "vm.h"

#define MSR_IA32_PKRS		0x000006e1U	/* bits 63:32 reserved */
#define NONCANONICAL_ADDR	0x8000000000000000ULL
#define PF_OFFSET		0x123U
#define PF_PATTERN		0xa5U

static uint8_t pf_page[VM_PAGE_SIZE] __attribute__((aligned(4096)));

/* Checks the last caught exception against what the test expected. */
static void check_caught(const char *what, int vector, uint64_t rip, uint64_t error_code)
{
	const volatile struct ex_record *ex = ex_last();

	report(ex->vector == vector && ex->count == 1, "%s raises %s (got %s, %lu caught)", what,
	       ex_name(vector), ex->vector == EX_NONE ? "nothing" : ex_name(ex->vector),
	       (unsigned long)ex->count);
	report(ex->rip == rip, "%s: saved RIP 0x%lx is 0x%lx", what, ex->rip, rip);
	report(ex->error_code == error_code, "%s: error code 0x%lx is 0x%lx", what, ex->error_code,
	       error_code);
}

static void test_ud(void)
{
	uint64_t rip, rbx = 0x1111222233334444ULL, r12 = 0x5555666677778888ULL;
	uint64_t rbx0 = rbx, r12_0 = r12;

	report_prefix_push("#UD");
	ex_clear();
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: ud2\n"
			 "2:\n"
			 EX_TABLE(1b, 2b)
			 : "=&r"(rip), "+b"(rbx), "+r"(r12) : : "memory");
	check_caught("ud2", EX_UD, rip, 0);
	report(rbx == rbx0 && r12 == r12_0, "RBX and R12 survive the handler");
	report(!(read_rflags() & RFLAGS_IF), "RFLAGS.IF is still clear after IRETQ");
	report_prefix_pop();
}

static void test_gp(void)
{
	uint64_t rip, val = 0;

	report_prefix_push("#GP");
	ex_clear();
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: wrmsr\n"
			 "2:\n"
			 EX_TABLE(1b, 2b)
			 : "=&r"(rip) : "c"(MSR_IA32_PKRS), "a"(0U), "d"(1U) : "memory");
	check_caught("WRMSR IA32_PKRS with reserved bit 32", EX_GP, rip, 0);

	ex_clear();
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: movq (%2), %1\n"
			 "2:\n"
			 EX_TABLE(1b, 2b)
			 : "=&r"(rip), "+r"(val) : "r"(NONCANONICAL_ADDR) : "memory");
	check_caught("read of non-canonical 0x8000000000000000", EX_GP, rip, 0);
	report_prefix_pop();
}

static void test_pf(void)
{
	uint64_t rip, va = (uintptr_t)&pf_page[PF_OFFSET];
	uint8_t val = 0;

	report_prefix_push("#PF");
	pf_page[PF_OFFSET] = PF_PATTERN;
	if (vm_unmap_page(va) != 0) {
		report(false, "unmap the page at 0x%lx", va);
		report_prefix_pop();
		return;
	}

	ex_clear();
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: movb (%2), %1\n"
			 "2:\n"
			 EX_TABLE(1b, 2b)
			 : "=&r"(rip), "+q"(val) : "r"(va) : "memory");
	check_caught("read of an unmapped page", EX_PF, rip, 0);
	report(ex_last()->cr2 == va, "read: CR2 0x%lx is the address 0x%lx", ex_last()->cr2, va);

	ex_clear();
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: movb $0x5a, (%1)\n"
			 "2:\n"
			 EX_TABLE(1b, 2b)
			 : "=&r"(rip) : "r"(va) : "memory");
	check_caught("write to an unmapped page", EX_PF, rip, PFERR_W);
	report(ex_last()->cr2 == va, "write: CR2 0x%lx is the address 0x%lx", ex_last()->cr2, va);

	report(vm_map_page(va) == 0, "map the page again");
	ex_clear();
	val = *(volatile uint8_t *)(uintptr_t)va;
	report(ex_vector() == EX_NONE && val == PF_PATTERN,
	       "mapped again: no fault, contents kept (0x%x)", val);
	report_prefix_pop();
}

static void test_de(void)
{
	uint64_t rip, rax = 1, rdx = 0, divisor = 0;

	report_prefix_push("#DE");
	ex_clear();
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "1: divq %3\n"
			 "2:\n"
			 EX_TABLE(1b, 2b)
			 : "=&r"(rip), "+a"(rax), "+d"(rdx) : "r"(divisor) : "memory");
	check_caught("divide by zero", EX_DE, rip, 0);
	report_prefix_pop();
}

static void test_bp(void)
{
	uint64_t at, next;

	report_prefix_push("#BP");
	ex_clear();
	/* INT3 is a trap: the saved RIP is the next instruction's. */
	__asm__ volatile("lea 1f(%%rip), %0\n"
			 "lea 2f(%%rip), %1\n"
			 "1: int3\n"
			 "2:\n"
			 EX_TABLE(2b, 2b)
			 : "=&r"(at), "=&r"(next) : : "memory");
	check_caught("int3", EX_BP, next, 0);
	report(next == at + 1, "int3 is one byte: the trap RIP is the following instruction");
	report_prefix_pop();
}

int main(void)
{
	test_ud();
	test_gp();
	test_pf();
	test_de();
	test_bp();
	return report_summary();
}
