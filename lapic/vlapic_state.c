/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The vLAPIC's saved state (struct vlapic_state in vlapic.h): taking a
 * snapshot, and checking one before a restore, so that a restored model is
 * always one the register interface could have produced.  Split from
 * vlapic.c (issue 10: files under 800 lines); the register file and its
 * faces stay there.
 */
#include <tv/errno.h>
#include <tv/types.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "vlapic_priv.h"

void vlapic_save(struct vlapic *v, uint64_t now, struct vlapic_state *s)
{
	vlapic_sync_timer(v, now);
	*s = (struct vlapic_state){ 0 };
	s->version = VLAPIC_STATE_VERSION;
	s->esr_pending = v->esr_pending;
	s->apic_base = v->apic_base;
	for (uint32_t i = 0; i < VLAPIC_REG_SLOTS; i++)
		s->regs[i] = v->regs[i];
	s->is_nmi_pending = v->is_nmi_pending ? 1U : 0U;
	vtimer_save(&v->timer, now, &s->timer);
}

/* Whether the register values could have come from this model. */
static bool vlapic_are_regs_valid(const struct vlapic *v, const struct vlapic_state *s)
{
	uint32_t lvtt = s->regs[VLAPIC_SLOT(APIC_REG_LVT_TIMER)];
	bool is_sw_enabled = (s->regs[VLAPIC_SLOT(APIC_REG_SVR)] & APIC_SVR_ENABLE) != 0;
	bool is_x2apic = vlapic_decode_mode(s->apic_base) == VLAPIC_MODE_X2APIC;

	for (uint32_t i = 0; i < VLAPIC_REG_SLOTS; i++) {
		const struct vlapic_reg_info *info = &vlapic_reg_table[i];
		uint32_t off = i << 4, val = s->regs[i];

		if (off == APIC_REG_VERSION) {
			if (val != vlapic_get_reg(v, APIC_REG_VERSION))
				return false;
		} else if (off == APIC_REG_DFR) {
			if ((val | APIC_DFR_MODEL_MASK) != APIC_DFR_RESET)
				return false;
		} else if (off == APIC_REG_ESR) {
			if (val & ~APIC_ESR_MASK)
				return false;
		} else if ((off == APIC_REG_ID || off == APIC_REG_LDR || off == APIC_REG_ICR_HIGH) &&
			   is_x2apic) {
			continue;
		} else if (off >= APIC_REG_ISR0 && off < APIC_REG_ESR) {
			/* Vectors 0-15 never enter ISR, TMR or IRR. */
			if (((off - APIC_REG_ISR0) & 0x70U) == 0 && (val & 0xffffU))
				return false;
		} else if (info->flags & (VLAPIC_XW | VLAPIC_2W)) {
			if (val & ~info->write_mask)
				return false;
		} else if (val != 0) {
			/* Reserved and derived slots hold 0. */
			return false;
		}
	}
	if ((lvtt & APIC_LVT_TIMER_MODE_MASK) == APIC_LVT_TIMER_RESERVED)
		return false;
	/* Without TSC-deadline mode no write leaves bit 18 set (vlapic.h). */
	if (!v->cfg.has_tsc_deadline && (lvtt & APIC_LVT_TIMER_TSCDEADLINE))
		return false;
	if (((lvtt & APIC_LVT_TIMER_MODE_MASK) >> APIC_LVT_TIMER_MODE_SHIFT) != s->timer.mode)
		return false;
	if (vtimer_tdcr_to_shift(s->regs[VLAPIC_SLOT(APIC_REG_TDCR)]) != s->timer.div_shift)
		return false;
	if (!is_sw_enabled)
		for (uint32_t i = 0; i < VLAPIC_LVT_COUNT; i++)
			if (!(s->regs[VLAPIC_SLOT(vlapic_lvt_offsets[i])] & APIC_LVT_MASKED))
				return false;
	return true;
}

int vlapic_restore(struct vlapic *v, const struct vlapic_state *s, uint64_t now)
{
	struct vlapic_config cfg = v->cfg;
	uint64_t base = s->apic_base;

	(void)vlapic_init(v, &cfg);
	if (s->version != VLAPIC_STATE_VERSION || (s->esr_pending & ~APIC_ESR_MASK) ||
	    s->is_nmi_pending > 1U || s->reserved != 0)
		return -TV_EINVAL;
	if ((base & ~vlapic_apic_base_bits(v)) ||
	    (!(base & APIC_BASE_EN) && (base & APIC_BASE_EXTD)) ||
	    (base & APIC_BASE_BSP) != (cfg.is_bsp ? APIC_BASE_BSP : 0U))
		return -TV_EINVAL;
	if (!vlapic_are_regs_valid(v, s))
		return -TV_EINVAL;
	/* A disabled APIC has no running timer: disabling resets it. */
	if (!(base & APIC_BASE_EN) && s->timer.is_armed)
		return -TV_EINVAL;
	if (vtimer_restore(&v->timer, &s->timer, now) != 0) {
		(void)vlapic_init(v, &cfg);
		return -TV_EINVAL;
	}
	v->apic_base = base;
	for (uint32_t i = 0; i < VLAPIC_REG_SLOTS; i++)
		v->regs[i] = s->regs[i];
	v->esr_pending = s->esr_pending;
	v->is_nmi_pending = s->is_nmi_pending != 0;
	return 0;
}
