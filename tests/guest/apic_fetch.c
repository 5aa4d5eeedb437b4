/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * apic_fetch: a guest that jumps into its own xAPIC page must be stopped by
 * the hypervisor with a report naming the instruction fetch, and the next
 * guest still runs (issue 12, item 5).  Before, the APIC-access page was
 * mapped executable and the fetch reached the APIC-access machinery, which
 * panics Bochs 2.7 and ended every later guest of the run.  The SDM gives a
 * fetch from the APIC-access page no meaning a guest could rely on ("APIC-
 * Access VM Exits": access type 2, instruction fetch), so tests/guests.cfg
 * says expect=stopped.  Natively (QEMU, Bochs without tickvisor) the fetch
 * would run whatever the APIC's registers decode as: not provoked there.
 */
#include "apic.h"
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "report.h"
#include "serial.h"

int main(void)
{
	char sig[13];
	void (*into_apic)(void);

	report_prefix_push("apic fetch");
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	/* The contrast: the page answers data reads (the version register). */
	report((apic_read(APIC_LVR) & 0xffU) != 0, "the xAPIC page answers a data read (LVR 0x%x)",
	       apic_read(APIC_LVR));
	if (!tv_is_present()) {
		report_skip("no tickvisor (%s): a fetch from the APIC page is not provoked natively",
			    tv_read_signature(sig) ? sig : "no hypervisor bit");
		report_prefix_pop();
		return report_summary();
	}
	report_info("calling into the xAPIC page at 0x%lx: tickvisor must stop this VM",
		    (unsigned long)apic_mmio_base());
	serial_drain();
	into_apic = (void (*)(void))(uintptr_t)apic_mmio_base();
	into_apic();
	report(false, "still running after an instruction fetch from the APIC page");
	report_prefix_pop();
	return report_summary();
}
