/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The two views of the model that do not go through a register face: the
 * task priority as CR8 sees it, in every APIC mode, and the image of the
 * registers that a processor with APIC virtualization serves from the
 * virtual-APIC page without a VM exit.  Both are pure reads and writes of
 * the model; vmm/ copies the image into the page before every VM entry.
 */
#include <tv/types.h>
#include <x86/apicdef.h>

#include "vlapic_priv.h"

/* CR8 holds TPR[7:4]: bits 63:4 of CR8 are reserved. */
#define VLAPIC_CR8_MASK		0xfULL
#define VLAPIC_CR8_SHIFT	4U

uint32_t vlapic_get_tpr(const struct vlapic *v)
{
	return v->regs[VLAPIC_SLOT(APIC_REG_TPR)] & APIC_PRIO_MASK;
}

void vlapic_set_tpr(struct vlapic *v, uint32_t tpr)
{
	/*
	 * Plain storage in every mode, as the xAPIC and x2APIC faces store it:
	 * vlapic_pending_vector() derives PPR from TPR on every call.  With
	 * the APIC disabled the value is kept too (vlapic.h), and the next
	 * enable resets it with the other registers.
	 */
	v->regs[VLAPIC_SLOT(APIC_REG_TPR)] = tpr & APIC_PRIO_MASK;
}

enum vlapic_status vlapic_write_cr8(struct vlapic *v, uint64_t cr8)
{
	/* SDM Vol. 3A, "Task Priority in IA-32e Mode": a write of a reserved
	 * CR8 bit raises #GP(0). */
	if (cr8 & ~VLAPIC_CR8_MASK)
		return VLAPIC_GP;
	/* SDM "Interaction of Task Priorities between CR8 and APIC":
	 * TPR[7:4] = CR8[3:0], TPR[3:0] = 0. */
	vlapic_set_tpr(v, (uint32_t)cr8 << VLAPIC_CR8_SHIFT);
	return VLAPIC_OK;
}

uint64_t vlapic_read_cr8(const struct vlapic *v)
{
	/* "A read of CR8 returns ... TPR[bits 7:4], zero extended to 64 bits." */
	return vlapic_get_tpr(v) >> VLAPIC_CR8_SHIFT;
}

uint32_t vlapic_read_for_page(const struct vlapic *v, uint32_t offset)
{
	uint32_t slot = offset >> 4;

	if (offset >= APIC_PAGE_SIZE || (offset & 0xfU) != 0 || slot >= VLAPIC_REG_SLOTS)
		return 0;
	switch (offset) {
	case APIC_REG_APR:
		return 0;	/* vlapic.h: APR reads 0 */
	case APIC_REG_PPR:
		return vlapic_get_ppr(v);
	case APIC_REG_TMICT:
		/* The initial count lives in the timer, not in regs[]: it is
		 * cleared there when the timer enters or leaves TSC-deadline
		 * mode, and the page must show it (issue 11, bug 3). */
		return vtimer_read_tmict(&v->timer);
	case APIC_REG_TMCCT:
		/* Counts down with time; SDM "Virtualizing Reads from the
		 * APIC-Access Page" never serves 390H from the page (the read
		 * exits), so the image holds 0 here rather than a stale count. */
		return 0;
	default:
		break;
	}
	/* Write-only (EOI, SELF IPI) and reserved slots read 0; regs[] holds
	 * 0 for them, but the table is the authority. */
	if (!(vlapic_reg_table[slot].flags & (VLAPIC_XR | VLAPIC_2R)))
		return 0;
	return v->regs[slot];
}

void vlapic_page_image(const struct vlapic *v, uint32_t *page)
{
	/*
	 * What vlapic_read_for_page() gives for every offset, done in one pass
	 * (it runs before every VM entry with a virtual-APIC page): regs[] as it
	 * is, since the model keeps 0 in its write-only and reserved slots, then
	 * the four registers regs[] does not hold.  Register i sits at byte offset i * 16: dword i * 4.  Bytes
	 * 4-15 of each line are never read by the CPU's virtualization (reads
	 * must lie in bytes 0-3) and are left as they are.  test_vapic_page
	 * checks the result against vlapic_read_for_page() after every step.
	 */
	/* Unrolled: it runs on every entry, and each loop step costs as much as the copy. */
#pragma GCC unroll 16
	for (uint32_t i = 0; i < VLAPIC_REG_SLOTS; i++)
		page[i * 4U] = v->regs[i];
	page[APIC_REG_APR / 4U] = 0;
	page[APIC_REG_PPR / 4U] = vlapic_get_ppr(v);
	page[APIC_REG_TMICT / 4U] = vtimer_read_tmict(&v->timer);
	page[APIC_REG_TMCCT / 4U] = 0;
}
