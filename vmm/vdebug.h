/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The debug traps an instruction tickvisor emulates owes the guest (issue 16
 * item 4): the single-step trap, and the data and I/O breakpoints its access
 * matches in the guest's DR0-DR3 and DR7, as the CPU would have raised them
 * had it run the instruction itself.  The answer is in the layout of the
 * VMCS pending-debug-exceptions field (x86/vmcs_fields.h, PENDING_DBG_*),
 * which vmx/ hands to the CPU for delivery after the entry.  Pure:
 * tests/unit/test_vdebug.c has one case per rule.
 */
#ifndef TV_VMM_VDEBUG_H
#define TV_VMM_VDEBUG_H

#include <tv/types.h>

/* DR7 (SDM Vol. 3B, "Debug Control Register (DR7)"): L0/G0 in bits 1:0, then 2 bits per n. */
#define VDEBUG_DR7_ENABLES	0xffULL
#define VDEBUG_RW_EXEC		0U	/* instruction fetch: a fault, never an emulated access's */
#define VDEBUG_RW_WRITE		1U
#define VDEBUG_RW_IO		2U	/* I/O reads or writes, with CR4.DE = 1 */
#define VDEBUG_RW_ACCESS	3U	/* data reads or writes */

/* What an emulated instruction did. */
enum vdebug_access {
	VDEBUG_DATA_READ = 0,		/* a read of linear address addr */
	VDEBUG_DATA_WRITE,		/* a write of linear address addr */
	VDEBUG_IO,			/* IN or OUT of port addr */
};

/* The guest's debug registers, as they stand when the access completes. */
struct vdebug_regs {
	uint64_t dr[4];			/* DR0-DR3: breakpoint addresses (ports for I/O) */
	uint64_t dr7;
	bool is_de;			/* CR4.DE: R/W = 10B means I/O breakpoints */
};

/*
 * @brief Whether an instruction run with these RFLAGS and IA32_DEBUGCTL is
 *        followed by a single-step trap: RFLAGS.TF = 1 and DEBUGCTL.BTF = 0
 *        (SDM Vol. 3B, "Single-Step Exception Condition"; with BTF = 1 the
 *        trap follows branches only, "Single-Stepping on Branches").
 */
bool vdebug_is_single_step(uint64_t rflags, uint64_t debugctl);

/* @brief Whether DR7 enables any breakpoint at all (L0-L3, G0-G3): nothing to match otherwise. */
bool vdebug_has_enabled(uint64_t dr7);

/*
 * @brief The breakpoints an access of size bytes at addr matches.
 * @return pending-debug-exception bits: Bn for each breakpoint enabled in
 *         DR7 whose condition the access meets, with PENDING_DBG_ENABLED_BP;
 *         0 when none is met, and then no #DB is owed.
 */
uint64_t vdebug_match(const struct vdebug_regs *r, enum vdebug_access kind, uint64_t addr,
		      unsigned int size);

#endif /* TV_VMM_VDEBUG_H */
