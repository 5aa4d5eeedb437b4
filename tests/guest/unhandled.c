/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * unhandled: an exception that no test expects must end the guest with a
 * report (vector, error code, RIP, CR2, registers) and exit code
 * GUEST_EXIT_EXCEPTION (3), never hang or reset.  tests/guests.cfg expects
 * exit=3; a guest that stops without that code is a failure of the
 * runtime's exception path (or, under tickvisor, of #GP reflection).
 */
#include "exception.h"
#include "guest.h"
#include "libc.h"
#include "report.h"

#define NONCANONICAL_ADDR	0x8000000000000000ULL

int main(void)
{
	uint64_t val = 0;

	report_info("reading non-canonical 0x%llx with no fixup: expect a #GP(0) report and exit "
		    "code %d", NONCANONICAL_ADDR, GUEST_EXIT_EXCEPTION);
	__asm__ volatile("movq (%1), %0" : "=r"(val) : "r"(NONCANONICAL_ADDR) : "memory");
	report(false, "the #GP did not end the guest (read 0x%lx)", val);
	return report_summary();
}
