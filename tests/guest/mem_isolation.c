/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * mem_isolation: the guest's RAM is what the Multiboot information says,
 * all of it writable, and nothing beyond it.  Under tickvisor the final
 * write just past the end of RAM must end the VM (an EPT violation, so
 * tests/guests.cfg says expect=stopped); natively nothing isolates the
 * guest, so that write is not attempted and the check is skipped.
 */
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define MIB			0x100000ULL
#define BLOCK_BYTES		0x10000ULL	/* one 64-KiB block checked word by word */

static uint64_t pattern(uint64_t addr)
{
	return addr * 0x9e3779b97f4a7c15ULL ^ 0x5a5a5a5a5a5a5a5aULL;
}

/* Writes a pattern to one qword, reads it back, restores the old value. */
static bool check_qword(uint64_t addr)
{
	uint64_t old = mmio_read64(addr), got;

	mmio_write64(addr, pattern(addr));
	got = mmio_read64(addr);
	mmio_write64(addr, old);
	return got == pattern(addr);
}

static bool check_block(uint64_t base)
{
	uint64_t a;

	for (a = base; a < base + BLOCK_BYTES; a += 8)
		mmio_write64(a, pattern(a));
	for (a = base; a < base + BLOCK_BYTES; a += 8) {
		if (mmio_read64(a) != pattern(a))
			return false;
	}
	return true;
}

static void test_beyond_ram(uint64_t ram_end)
{
	char sig[13];

	report_prefix_push("beyond RAM");
	if (!tv_is_present()) {
		report_skip("no tickvisor (%s): nothing isolates this guest; no write at 0x%lx",
			    tv_read_signature(sig) ? sig : "no hypervisor bit", ram_end);
		report_prefix_pop();
		return;
	}
	report_info("writing at 0x%lx, the first byte past RAM: tickvisor must stop this VM",
		    ram_end);
	serial_drain();
	mmio_write64(ram_end, pattern(ram_end));
	report(false, "the write at 0x%lx was not stopped (read back 0x%lx)", ram_end,
	       mmio_read64(ram_end));
	report_prefix_pop();
}

int main(void)
{
	uint64_t ram_end = mb_ram_end(), mmap_end = mb_mmap_ram_end();
	uint64_t first = ALIGN_UP(mb_first_free(), 0x1000ULL), middle;

	if (mmap_end > ram_end)
		ram_end = mmap_end;
	report_info("RAM ends at 0x%lx (%lu MiB; mem_upper end 0x%lx, memory map end 0x%lx)",
		    ram_end, (unsigned long)(ram_end / MIB), mb_ram_end(), mmap_end);
	report(ram_end > first + 2 * BLOCK_BYTES,
	       "RAM end 0x%lx lies above the image and boot data (0x%lx)", ram_end, first);
	if (ram_end <= first + 2 * BLOCK_BYTES)
		return report_summary();

	middle = ALIGN_UP(first + (ram_end - first) / 2, 0x1000ULL);
	report_prefix_push("in RAM");
	report(check_qword(first), "first free page 0x%lx is writable", first);
	report(check_qword(middle), "0x%lx (middle) is writable", middle);
	report(check_qword(ram_end - 8), "last qword 0x%lx is writable", ram_end - 8);
	report(check_block(middle), "64 KiB at 0x%lx keep a distinct pattern per qword", middle);
	report(check_block(ram_end - BLOCK_BYTES), "last 64 KiB of RAM keep their pattern");
	report_prefix_pop();

	test_beyond_ram(ram_end);
	return report_summary();
}
