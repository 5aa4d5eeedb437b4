/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hostile_self_init (issue 12 item 7): the guest sends INIT to its own
 * local APIC.  The SDM's answer is wait-for-SIPI (Vol. 3A, "INIT Reset"),
 * which only another processor's SIPI ends; tickvisor runs one vCPU per VM,
 * so it must stop the VM with the reason "INIT to its own APIC ...:
 * wait-for-SIPI is not modelled until SMP" (tests/guests.cfg:
 * expect=stopped).  Before this, the INIT was silently ignored and the
 * guest ran on.
 *
 * how= picks the form: id (default: no shorthand, the APIC's own ID),
 * self (the self shorthand), all (all including self), x2apic (the x2APIC
 * ICR MSR to its own ID; needs x2APIC).
 *
 * Natively an INIT to the bootstrap processor resets the emulated CPU (QEMU
 * and Bochs reboot it): the INIT is not sent, the guest reports a skip and
 * passes, as reset92 does.
 */
#include "apic.h"
#include "hypercall.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define ICR_DM_INIT		0x00000500U
#define ICR_LEVEL_ASSERT	0x00004000U
#define ICR_SH_SELF		0x00040000U
#define ICR_SH_ALL		0x00080000U

int main(void)
{
	char how[16] = "id", sig[13];
	bool x2 = false;
	uint32_t lo = ICR_DM_INIT | ICR_LEVEL_ASSERT, id;

	(void)mb_cmdline_get("how", how, sizeof(how));
	report_prefix_push("INIT to self");
	if (!strcmp(how, "x2apic")) {
		if (!apic_has_x2apic()) {
			report_skip("no x2APIC in CPUID");
			goto out;
		}
		x2 = true;
	} else if (!strcmp(how, "self")) {
		lo |= ICR_SH_SELF;
	} else if (!strcmp(how, "all")) {
		lo |= ICR_SH_ALL;
	} else if (strcmp(how, "id")) {
		report(false, "how=%s: expected id, self, all or x2apic", how);
		goto out;
	}
	if (apic_setup(x2)) {
		report(false, "the APIC cannot be put in %s mode", x2 ? "x2APIC" : "xAPIC");
		goto out;
	}
	id = x2 ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
	report(true, "APIC set up in %s mode, own ID %u", x2 ? "x2APIC" : "xAPIC", id);
	if (!tv_is_present()) {
		report_skip("no tickvisor (%s): an INIT to the bootstrap processor would reset "
			    "this machine; not sent", tv_read_signature(sig) ? sig : "no hypervisor bit");
		goto out;
	}
	report_info("sending INIT (how=%s, ICR low 0x%x, destination %u) to its own APIC: "
		    "tickvisor must stop this VM", how, lo, id);
	serial_drain();
	apic_write_icr(lo, (lo & (ICR_SH_SELF | ICR_SH_ALL)) ? 0 : id);
	report(false, "still running after an INIT to its own APIC");
out:
	report_prefix_pop();
	return report_summary();
}
