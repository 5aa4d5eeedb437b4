/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * triple_fault: a guest that cannot deliver an exception must be stopped by
 * the hypervisor with a report, and the next guest still runs.
 *
 * With an IDT limit of 0 every vector lies outside the IDT: UD2's #UD
 * cannot be delivered, which raises #GP, which cannot be delivered either,
 * which raises #DF; "If another exception occurs while attempting to call
 * the double-fault handler, the processor enters shutdown mode" (Intel SDM
 * Vol. 3A, "Interrupt 8--Double Fault Exception (#DF)").  In VMX non-root
 * operation that triple fault is a VM exit (basic exit reason 2), so
 * tests/guests.cfg says expect=stopped.  Natively a triple fault resets the
 * machine, so there the fault is not provoked and the check is skipped.
 */
#include "exception.h"
#include "hypercall.h"
#include "libc.h"
#include "report.h"
#include "serial.h"

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

int main(void)
{
	static const struct idt_ptr empty_idt = { 0, 0 };
	char sig[13];

	report_prefix_push("triple fault");
	/* First the contrast: with the runtime's IDT the same UD2 is caught. */
	ex_clear();
	__asm__ volatile("1: ud2\n2:\n" EX_TABLE(1b, 2b));
	report(ex_vector() == EX_UD, "with an IDT, UD2 raises #UD and is handled (%s)",
	       ex_vector() == EX_NONE ? "nothing" : ex_name(ex_vector()));

	if (!tv_is_present()) {
		report_skip("no tickvisor (%s): a triple fault would reset this machine; not provoked",
			    tv_read_signature(sig) ? sig : "no hypervisor bit");
		report_prefix_pop();
		return report_summary();
	}
	report_info("loading an IDT with limit 0 and executing UD2: #UD -> #GP -> #DF -> "
		    "triple fault; tickvisor must stop this VM");
	serial_drain();
	__asm__ volatile("lidt %0\n\tud2" : : "m"(empty_idt) : "memory");
	report(false, "still running after a triple fault");
	report_prefix_pop();
	return report_summary();
}
