/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * reset92: a guest that resets the machine through System Control Port A
 * (port 0x92, bit 0 from 0 to 1) must be stopped by tickvisor with the
 * reason "the guest reset itself through port 0x92" (tests/guests.cfg:
 * expect=stopped).  tickvisor cannot restart a guest from its entry point,
 * so the reset ends the VM instead of rebooting it.
 *
 * Natively the same write resets the emulated machine: QEMU with
 * -no-reboot exits with status 0, which no runner can tell from a pass, and
 * Bochs reboots the firmware (and tickvisor's mode=native with it).  So
 * natively the reset is not provoked: the guest reports a skip and passes,
 * as triple_fault does.
 */
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define PORT92			0x92U
#define PORT92_FAST_RESET	0x01U

int main(void)
{
	char sig[13];
	uint8_t v = inb(PORT92);

	report_prefix_push("port 0x92 reset");
	report(!(v & PORT92_FAST_RESET), "the reset bit reads 0 before the reset (0x%x)", v);
	if (!tv_is_present()) {
		report_skip("no tickvisor (%s): a port 0x92 reset would reboot this machine; "
			    "not provoked", tv_read_signature(sig) ? sig : "no hypervisor bit");
		report_prefix_pop();
		return report_summary();
	}
	report_info("writing 0x%x to port 0x92 (bit 0 from 0 to 1): tickvisor must stop this VM",
		    v | PORT92_FAST_RESET);
	serial_drain();
	outb(PORT92, (uint8_t)(v | PORT92_FAST_RESET));
	report(false, "still running after a port 0x92 reset");
	report_prefix_pop();
	return report_summary();
}
