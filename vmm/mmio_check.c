/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Which trapped MMIO accesses may be emulated (see mmio_check.h). */
#include "mmio_check.h"

/* SDM Vol. 3C, "Exit Qualification for APIC-Access VM Exits ...": bits 15:12. */
#define MMIO_APIC_TYPE_READ		0U
#define MMIO_APIC_TYPE_WRITE		1U
#define MMIO_APIC_TYPE_FETCH		2U
#define MMIO_APIC_TYPE_EVENT		3U
#define MMIO_APIC_TYPE_EVENT_PHYS	10U
#define MMIO_APIC_TYPE_PHYS		15U

/* SDM Vol. 3C, "Exit Qualification for EPT Violations". */
#define MMIO_EPT_READ			(1ULL << 0)
#define MMIO_EPT_WRITE			(1ULL << 1)
#define MMIO_EPT_FETCH			(1ULL << 2)
#define MMIO_EPT_LINEAR_VALID		(1ULL << 7)
#define MMIO_EPT_TRANSLATION		(1ULL << 8)
#define MMIO_EPT_ASYNC			(1ULL << 16)

static enum mmio_access mmio_classify_apic(uint64_t q)
{
	switch ((unsigned int)(q >> 12) & 0xfU) {
	case MMIO_APIC_TYPE_READ:	return MMIO_ACCESS_READ;
	case MMIO_APIC_TYPE_WRITE:	return MMIO_ACCESS_WRITE;
	case MMIO_APIC_TYPE_FETCH:	return MMIO_ACCESS_FETCH;
	case MMIO_APIC_TYPE_EVENT:	return MMIO_ACCESS_EVENT;
	case MMIO_APIC_TYPE_EVENT_PHYS:	return MMIO_ACCESS_EVENT_PHYS;
	case MMIO_APIC_TYPE_PHYS:	return MMIO_ACCESS_PHYS;
	default:			return MMIO_ACCESS_UNKNOWN;
	}
}

static enum mmio_access mmio_classify_ept(uint64_t q)
{
	if (q & MMIO_EPT_ASYNC)
		return MMIO_ACCESS_ASYNC;
	if (!(q & MMIO_EPT_LINEAR_VALID))
		return MMIO_ACCESS_NO_LINEAR;
	if (!(q & MMIO_EPT_TRANSLATION))
		return MMIO_ACCESS_PAGE_WALK;
	if (q & MMIO_EPT_FETCH)
		return MMIO_ACCESS_FETCH;
	if (q & MMIO_EPT_WRITE)
		return MMIO_ACCESS_WRITE;
	if (q & MMIO_EPT_READ)
		return MMIO_ACCESS_READ;
	return MMIO_ACCESS_UNKNOWN;
}

enum mmio_access mmio_classify_exit(const struct mmio_exit *x)
{
	enum mmio_access a = x->kind == MMIO_EXIT_APIC_ACCESS ? mmio_classify_apic(x->qualification)
							      : mmio_classify_ept(x->qualification);

	/*
	 * An access made while the CPU delivered an event is the delivery's
	 * (gate, descriptor, stack), not the interrupted instruction's, even
	 * when the qualification alone would read as a data access.
	 */
	if (x->is_event_delivery && mmio_access_is_data(a))
		return MMIO_ACCESS_EVENT;
	return a;
}

bool mmio_access_is_data(enum mmio_access a)
{
	return a == MMIO_ACCESS_READ || a == MMIO_ACCESS_WRITE;
}

enum mmio_match mmio_check_operand(const struct mmio_exit *x, const struct mmio_piece *pieces,
				   unsigned int n)
{
	bool is_write = mmio_classify_exit(x) == MMIO_ACCESS_WRITE;
	bool addr_seen = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct mmio_piece *p = &pieces[i];

		/* Written so that a piece ending at 2^64 cannot wrap. */
		if (p->len == 0 || x->addr < p->gpa || x->addr - p->gpa >= p->len)
			continue;
		if (p->is_write == is_write)
			return MMIO_MATCH;
		addr_seen = true;
	}
	return addr_seen ? MMIO_MISMATCH_DIR : MMIO_MISMATCH_ADDR;
}

bool mmio_is_walk_entry(const struct mmio_exit *x, uint64_t entry_gpa)
{
	return x->addr >= entry_gpa && x->addr - entry_gpa < 8U;
}

const char *mmio_access_name(enum mmio_access a)
{
	switch (a) {
	case MMIO_ACCESS_READ:		return "data read";
	case MMIO_ACCESS_WRITE:		return "data write";
	case MMIO_ACCESS_FETCH:		return "instruction fetch";
	case MMIO_ACCESS_EVENT:		return "access during event delivery";
	case MMIO_ACCESS_EVENT_PHYS:	return "guest-physical access during event delivery";
	case MMIO_ACCESS_PAGE_WALK:	return "page walk (paging-structure entry)";
	case MMIO_ACCESS_PHYS:		return "guest-physical access (page walk or fetch)";
	case MMIO_ACCESS_NO_LINEAR:	return "access with no linear address (PDPTE load)";
	case MMIO_ACCESS_ASYNC:		return "access asynchronous to instruction execution";
	case MMIO_ACCESS_UNKNOWN:	break;
	}
	return "access of an undefined type";
}
