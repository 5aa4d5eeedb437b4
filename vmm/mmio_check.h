/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Which trapped MMIO accesses tickvisor may emulate (issue 12 item 1).
 *
 * tickvisor emulates an access by decoding the instruction at RIP and
 * performing its memory operand.  That is right only when the access that
 * exited IS that operand: a data read or write by the current instruction,
 * at the address the instruction names.  A VM exit on the APIC page or on
 * the empty bus may also come from a walk of the guest's paging structures,
 * an accessed/dirty-flag update, the delivery of an event through the IDT
 * (gate, descriptor or stack accesses), an instruction fetch, or an access
 * the instruction makes implicitly; emulating the instruction's operand
 * then would hand the guest an APIC register as a page-table entry or
 * perform a store it never made.  The rule: emulate only a data access by
 * the current instruction whose address and direction match the decoded
 * operand; anything else stops the VM with a report naming the access.
 *
 * Pure C (no VMCS, no clock): the caller passes the exit's fields and the
 * operand it decoded and translated; tests/unit/test_mmio_check.c tests it.
 */
#ifndef TV_VMM_MMIO_CHECK_H
#define TV_VMM_MMIO_CHECK_H

#include <tv/types.h>

/* The VM exit that trapped the access. */
enum mmio_exit_kind {
	MMIO_EXIT_APIC_ACCESS,		/* basic exit reason 44 */
	MMIO_EXIT_EPT_VIOLATION,	/* basic exit reason 48 */
};

/* What the exit says the access was. */
enum mmio_access {
	MMIO_ACCESS_READ = 0,		/* data read during instruction execution */
	MMIO_ACCESS_WRITE,		/* data write during instruction execution */
	MMIO_ACCESS_FETCH,		/* instruction fetch (linear) */
	MMIO_ACCESS_EVENT,		/* linear access during event delivery */
	MMIO_ACCESS_EVENT_PHYS,		/* guest-physical access during event delivery */
	MMIO_ACCESS_PAGE_WALK,		/* a paging-structure entry: walk or A/D update */
	MMIO_ACCESS_PHYS,		/* guest-physical access for a fetch or during execution */
	MMIO_ACCESS_NO_LINEAR,		/* EPT: no linear address (PDPTE load by MOV to CR) */
	MMIO_ACCESS_ASYNC,		/* EPT: asynchronous to instruction execution */
	MMIO_ACCESS_UNKNOWN,		/* a qualification the SDM does not define */
};

/* The exit's fields the rule looks at (vmx/'s exit snapshot holds them all). */
struct mmio_exit {
	enum mmio_exit_kind kind;
	uint64_t qualification;
	bool is_event_delivery;		/* IDT-vectoring information valid (bit 31) */
	uint64_t addr;			/* guest-physical address of the access */
};

/*
 * One piece of the decoded memory operand: a run of bytes inside one 4-KiB
 * page, at the guest-physical address the guest's own paging gives it.
 * An operand that crosses a page boundary is two pieces.
 */
struct mmio_piece {
	uint64_t gpa;
	uint32_t len;
	bool is_write;
};

/* The decision on a decoded operand. */
enum mmio_match {
	MMIO_MATCH = 0,			/* emulate */
	MMIO_MISMATCH_ADDR,		/* the exit's address is in no piece of the operand */
	MMIO_MISMATCH_DIR,		/* the address matches, the direction does not */
	MMIO_MISMATCH_LIMIT,		/* an operand or the instruction is outside its segment's limit */
};

/*
 * @brief Classify a trapped access from the exit alone.
 *
 * APIC access (SDM Vol. 3C, "Exit Qualification for APIC-Access VM Exits
 * from Linear Accesses and Guest-Physical Accesses"): bits 15:12 give the
 * type: 0 linear data read, 1 linear data write, 2 linear instruction
 * fetch, 3 linear access during event delivery, 10 guest-physical access
 * during event delivery, 15 guest-physical access for an instruction fetch
 * or during instruction execution; the others are not defined here.
 *
 * EPT violation (SDM Vol. 3C, "Exit Qualification for EPT Violations"):
 * bit 2 instruction fetch; bit 7 the guest-linear address is valid (clear
 * only for a PDPTE load by MOV to CR or trace-address pre-translation);
 * bit 8, with bit 7, set when the access is to the translation of a linear
 * address and clear for an access to a paging-structure entry (a walk or
 * an accessed/dirty update); bit 16 set when the access was asynchronous to
 * instruction execution; bit 1 data write, else bit 0 data read.
 *
 * Both: IDT-vectoring information valid means the access was part of
 * delivering an event (SDM Vol. 3C, "Information for VM Exits During Event
 * Delivery"; an APIC-access exit sets it exactly for types 3 and 10), so
 * it is never the current instruction's access, whatever the type says.
 * @return the access; only MMIO_ACCESS_READ and MMIO_ACCESS_WRITE may be
 *	   emulated.
 */
enum mmio_access mmio_classify_exit(const struct mmio_exit *x);

/* @return whether a could be the current instruction's own data access. */
bool mmio_access_is_data(enum mmio_access a);

/*
 * @brief The cross-check of the decoded operand against the exit: the
 *	  exit's address must lie in one of the operand's pieces, and that
 *	  piece's direction must be the exit's.
 * @pre mmio_access_is_data(mmio_classify_exit(x)).
 * @param pieces the operand's pieces (a MOVS has a source and a
 *	  destination, each of one or two pieces); n of them, n >= 1.
 */
enum mmio_match mmio_check_operand(const struct mmio_exit *x, const struct mmio_piece *pieces,
				   unsigned int n);

/*
 * @brief Whether the exit was a walk of the guest's paging structures that
 *	  the CPU reported as a data access: the walk of the operand's own
 *	  linear address needs the entry at entry_gpa, one outside guest RAM
 *	  (gwalk could not read it), and the exit's address lies in the 8
 *	  bytes from there (an entry is 8 bytes, or 4 in 32-bit paging).
 */
bool mmio_is_walk_entry(const struct mmio_exit *x, uint64_t entry_gpa);

/* @return a short name of a, for stop reports ("page walk", ...); never NULL. */
const char *mmio_access_name(enum mmio_access a);

#endif /* TV_VMM_MMIO_CHECK_H */
