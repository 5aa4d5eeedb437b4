/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "exception.h"
#include "guest.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "serial.h"

void guest_start(uint32_t magic, uint32_t info)
{
	serial_init();
	ex_init();
	mb_init(magic, info);
	/* Start on a fresh line: firmware may have left one unfinished. */
	printf("\nSTART: %s cmdline \"%s\"\n", guest_name, mb_cmdline() ? mb_cmdline() : "");
	if (magic != MB_BOOT_MAGIC)
		printf("INFO: EAX was 0x%x, not the Multiboot magic: boot information ignored\n",
		       magic);
	guest_exit(main());
}

void guest_exit(int code)
{
	static const char bochs_shutdown[] = "Shutdown";
	unsigned int i;

	printf("EXIT: STATUS=%d\n", (code << 1) | 1);
	serial_drain();
	outl(GUEST_DEBUG_EXIT_PORT, (uint32_t)code);
	/* Still here: no isa-debug-exit (Bochs).  Its shutdown port ends the run. */
	for (i = 0; bochs_shutdown[i]; i++)
		outb(GUEST_BOCHS_SHUTDOWN_PORT, (uint8_t)bochs_shutdown[i]);
	for (;;) {
		cli();
		hlt();
	}
}

void guest_abort(const char *fmt, ...)
{
	va_list ap;

	printf("ABORT: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	guest_exit(GUEST_EXIT_ABORT);
}
