/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "vdebug.h"

#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#define VDEBUG_RFLAGS_TF	0x100ULL

bool vdebug_is_single_step(uint64_t rflags, uint64_t debugctl)
{
	return (rflags & VDEBUG_RFLAGS_TF) && !(debugctl & DEBUGCTL_BTF);
}

bool vdebug_has_enabled(uint64_t dr7)
{
	return dr7 & VDEBUG_DR7_ENABLES;
}

/* LENn (SDM Vol. 3B, "Debug Control Register (DR7)"): 00B 1 byte, 01B 2, 10B 8, 11B 4. */
static uint64_t vdebug_len(unsigned int code)
{
	static const uint8_t bytes[4] = { 1, 2, 8, 4 };

	return bytes[code & 3U];
}

/* Whether the R/Wn condition covers this kind of access. */
static bool vdebug_kind_matches(unsigned int rw, enum vdebug_access kind, bool is_de)
{
	switch (kind) {
	case VDEBUG_DATA_READ:
		return rw == VDEBUG_RW_ACCESS;
	case VDEBUG_DATA_WRITE:
		return rw == VDEBUG_RW_WRITE || rw == VDEBUG_RW_ACCESS;
	case VDEBUG_IO:
		/* R/W = 10B is undefined with CR4.DE = 0: tickvisor matches nothing there. */
		return rw == VDEBUG_RW_IO && is_de;
	}
	return false;
}

uint64_t vdebug_match(const struct vdebug_regs *r, enum vdebug_access kind, uint64_t addr,
		      unsigned int size)
{
	uint64_t traps = 0;

	if (!vdebug_has_enabled(r->dr7) || !size)
		return 0;
	for (unsigned int n = 0; n < 4; n++) {
		unsigned int rw = (unsigned int)(r->dr7 >> (16 + 4 * n)) & 3U;
		uint64_t len = vdebug_len((unsigned int)(r->dr7 >> (18 + 4 * n)));
		/*
		 * SDM Vol. 3B, "Breakpoint Field Recognition": the low bits of
		 * the address that LENn covers are ignored (the range is
		 * aligned), and the breakpoint is met when any byte of the access
		 * falls in the range.  Ports are 16 bits wide.
		 */
		uint64_t lo = r->dr[n] & ~(len - 1);
		uint64_t a = kind == VDEBUG_IO ? (addr & 0xffffU) : addr;

		if (!((r->dr7 >> (2 * n)) & 3U) || !vdebug_kind_matches(rw, kind, r->is_de))
			continue;
		if (kind == VDEBUG_IO)
			lo &= 0xffffU;
		/* Overlap of [a, a + size) and [lo, lo + len), without wrapping. */
		if (a <= lo + (len - 1) && lo <= a + (size - 1))
			traps |= 1ULL << n;
	}
	return traps ? traps | PENDING_DBG_ENABLED_BP : 0;
}
