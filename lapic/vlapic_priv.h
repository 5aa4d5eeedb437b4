/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Private to lapic/ (vlapic.c, vlapic_state.c, vlapic_page.c): the register
 * table, register access and the helpers the split files share.  The table
 * has one entry per 16-byte register line of the APIC page (SDM Vol. 3A,
 * "Local APIC Register Address Map" and "Local APIC Register Address Map
 * Supported by x2APIC"): in which
 * face it exists, whether it can be read and written, and which bits a
 * write may set.  A slot with no flags is reserved.  Dispatch is on this
 * data; vlapic.c's switch covers only registers with side effects
 * (STYLE.md rule 5).
 */
#ifndef TV_LAPIC_VLAPIC_PRIV_H
#define TV_LAPIC_VLAPIC_PRIV_H

#include <tv/types.h>
#include <x86/apicdef.h>

#include "vlapic.h"

#define VLAPIC_XR	0x01U	/* readable in xAPIC mode */
#define VLAPIC_XW	0x02U	/* writable in xAPIC mode */
#define VLAPIC_2R	0x04U	/* readable in x2APIC mode */
#define VLAPIC_2W	0x08U	/* writable in x2APIC mode */
#define VLAPIC_RW	(VLAPIC_XR | VLAPIC_XW | VLAPIC_2R | VLAPIC_2W)
#define VLAPIC_RO	(VLAPIC_XR | VLAPIC_2R)
#define VLAPIC_WO	(VLAPIC_XW | VLAPIC_2W)

struct vlapic_reg_info {
	uint32_t flags;
	uint32_t write_mask;	/* bits a write may set; others reserved */
};

#define VLAPIC_SLOT(off)	((off) >> 4)

/* Writable bits of the LVT entries ("Local Vector Table"). */
#define VLAPIC_LVT_TIMER_BITS	(APIC_LVT_VECTOR_MASK | APIC_LVT_MASKED | \
				 APIC_LVT_TIMER_MODE_MASK)
#define VLAPIC_LVT_DM_BITS	(APIC_LVT_VECTOR_MASK | APIC_LVT_DM_MASK | \
				 APIC_LVT_MASKED)
#define VLAPIC_LVT_LINT_BITS	(VLAPIC_LVT_DM_BITS | APIC_LVT_POLARITY | \
				 APIC_LVT_LEVEL)
#define VLAPIC_LVT_ERROR_BITS	(APIC_LVT_VECTOR_MASK | APIC_LVT_MASKED)
#define VLAPIC_ICR_LOW_BITS	(APIC_ICR_VECTOR_MASK | APIC_ICR_DM_MASK | \
				 APIC_ICR_DEST_LOGICAL | APIC_ICR_LEVEL_ASSERT | \
				 APIC_ICR_TRIGGER_LEVEL | APIC_ICR_SH_MASK)
#define VLAPIC_SVR_BITS		(APIC_SVR_VECTOR_MASK | APIC_SVR_ENABLE | \
				 APIC_SVR_FOCUS_DISABLE)

/* Reset values of the LVT entries: masked ("Local APIC State After
 * Power-Up or Reset"). */
#define VLAPIC_LVT_RESET	APIC_LVT_MASKED
/* Number of LVT entries we implement; the version register reports it - 1. */
#define VLAPIC_LVT_COUNT	6U

static const struct vlapic_reg_info vlapic_reg_table[VLAPIC_REG_SLOTS] = {
	/* The xAPIC ID is read/write, the x2APIC ID read-only. */
	[VLAPIC_SLOT(APIC_REG_ID)] = { VLAPIC_XR | VLAPIC_XW | VLAPIC_2R, 0xff000000U },
	[VLAPIC_SLOT(APIC_REG_VERSION)] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TPR)] = { VLAPIC_RW, APIC_PRIO_MASK },
	/* APR exists in xAPIC mode only; see vlapic.h. */
	[VLAPIC_SLOT(APIC_REG_APR)] = { VLAPIC_XR, 0 },
	[VLAPIC_SLOT(APIC_REG_PPR)] = { VLAPIC_RO, 0 },
	/* EOI takes no bits: an x2APIC WRMSR of non-zero is #GP. */
	[VLAPIC_SLOT(APIC_REG_EOI)] = { VLAPIC_WO, 0 },
	[VLAPIC_SLOT(APIC_REG_LDR)] = { VLAPIC_XR | VLAPIC_XW | VLAPIC_2R, APIC_LDR_XAPIC_MASK },
	/* "DFR ... not supported in x2APIC mode". */
	[VLAPIC_SLOT(APIC_REG_DFR)] = { VLAPIC_XR | VLAPIC_XW, APIC_DFR_MODEL_MASK },
	[VLAPIC_SLOT(APIC_REG_SVR)] = { VLAPIC_RW, VLAPIC_SVR_BITS },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 0] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 1] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 2] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 3] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 4] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 5] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 6] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_ISR0) + 7] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 0] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 1] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 2] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 3] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 4] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 5] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 6] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TMR0) + 7] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 0] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 1] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 2] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 3] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 4] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 5] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 6] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_IRR0) + 7] = { VLAPIC_RO, 0 },
	/* ESR: a write latches the errors; x2APIC writes must be 0. */
	[VLAPIC_SLOT(APIC_REG_ESR)] = { VLAPIC_RW, 0 },
	/* ICR: x2APIC is a single 64-bit MSR at the low slot (vlapic.c). */
	[VLAPIC_SLOT(APIC_REG_ICR_LOW)] = { VLAPIC_RW, VLAPIC_ICR_LOW_BITS },
	[VLAPIC_SLOT(APIC_REG_ICR_HIGH)] = { VLAPIC_XR | VLAPIC_XW, 0xff000000U },
	[VLAPIC_SLOT(APIC_REG_LVT_TIMER)] = { VLAPIC_RW, VLAPIC_LVT_TIMER_BITS },
	[VLAPIC_SLOT(APIC_REG_LVT_THERMAL)] = { VLAPIC_RW, VLAPIC_LVT_DM_BITS },
	[VLAPIC_SLOT(APIC_REG_LVT_PERF)] = { VLAPIC_RW, VLAPIC_LVT_DM_BITS },
	[VLAPIC_SLOT(APIC_REG_LVT_LINT0)] = { VLAPIC_RW, VLAPIC_LVT_LINT_BITS },
	[VLAPIC_SLOT(APIC_REG_LVT_LINT1)] = { VLAPIC_RW, VLAPIC_LVT_LINT_BITS },
	[VLAPIC_SLOT(APIC_REG_LVT_ERROR)] = { VLAPIC_RW, VLAPIC_LVT_ERROR_BITS },
	[VLAPIC_SLOT(APIC_REG_TMICT)] = { VLAPIC_RW, 0xffffffffU },
	[VLAPIC_SLOT(APIC_REG_TMCCT)] = { VLAPIC_RO, 0 },
	[VLAPIC_SLOT(APIC_REG_TDCR)] = { VLAPIC_RW, APIC_TDCR_MASK },
	[VLAPIC_SLOT(APIC_REG_SELF_IPI)] = { VLAPIC_2W, APIC_SELF_IPI_VECTOR_MASK },
};

/* The LVT slots, in the order of the version register's count. */
static const uint32_t vlapic_lvt_offsets[VLAPIC_LVT_COUNT] = {
	APIC_REG_LVT_TIMER, APIC_REG_LVT_THERMAL, APIC_REG_LVT_PERF,
	APIC_REG_LVT_LINT0, APIC_REG_LVT_LINT1, APIC_REG_LVT_ERROR,
};

static inline uint32_t vlapic_get_reg(const struct vlapic *v, uint32_t off)
{
	return v->regs[VLAPIC_SLOT(off)];
}

static inline void vlapic_set_reg(struct vlapic *v, uint32_t off, uint32_t val)
{
	v->regs[VLAPIC_SLOT(off)] = val;
}

/* vlapic.c: bring the timer up to `now`, raising what fell due. */
void vlapic_sync_timer(struct vlapic *v, uint64_t now);
/* vlapic.c: the mode an IA32_APIC_BASE value selects (EN, EXTD). */
enum vlapic_mode vlapic_decode_mode(uint64_t base);
/* vlapic.c: the IA32_APIC_BASE bits a write may set under v's configuration. */
uint64_t vlapic_apic_base_bits(const struct vlapic *v);

#endif /* TV_LAPIC_VLAPIC_PRIV_H */
