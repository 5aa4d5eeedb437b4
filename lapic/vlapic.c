/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The virtual local APIC: register file, the xAPIC and x2APIC faces, the
 * IA32_APIC_BASE state machine and interrupt acceptance.  The timer lives in
 * timer/vtimer.c; every timer-related write reaches it through one of the
 * vtimer_write_*() / vtimer_set_mode() calls, each with its contract in
 * vtimer.h.  See vlapic.h for the deviations from the SDM.
 */
#define pr_prefix "vlapic: "
#include <tv/assert.h>
#include <tv/errno.h>
#include <tv/log.h>
#include <tv/types.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "vlapic_priv.h"

#define VLAPIC_VEC_WORD(vec)	((vec) >> 5)
#define VLAPIC_VEC_BIT(vec)	(1U << ((vec) & 31U))
#define VLAPIC_MSR_SLOT(msr)	((msr) - MSR_IA32_X2APIC_BASE)

/* 256-bit registers (ISR, TMR, IRR) are eight 32-bit slots from `base`. */
static bool vlapic_test_vec(const struct vlapic *v, uint32_t base, uint32_t vec)
{
	return (v->regs[VLAPIC_SLOT(base) + VLAPIC_VEC_WORD(vec)] & VLAPIC_VEC_BIT(vec)) != 0;
}

static void vlapic_set_vec(struct vlapic *v, uint32_t base, uint32_t vec)
{
	v->regs[VLAPIC_SLOT(base) + VLAPIC_VEC_WORD(vec)] |= VLAPIC_VEC_BIT(vec);
}

static void vlapic_clear_vec(struct vlapic *v, uint32_t base, uint32_t vec)
{
	v->regs[VLAPIC_SLOT(base) + VLAPIC_VEC_WORD(vec)] &= ~VLAPIC_VEC_BIT(vec);
}

/* The highest set vector of a 256-bit register, or VLAPIC_NO_VECTOR. */
static int vlapic_find_highest(const struct vlapic *v, uint32_t base)
{
	for (int w = 7; w >= 0; w--) {
		uint32_t bits = v->regs[VLAPIC_SLOT(base) + (uint32_t)w];

		if (bits != 0)
			return w * 32 + 31 - __builtin_clz(bits);
	}
	return VLAPIC_NO_VECTOR;
}

enum vlapic_mode vlapic_get_mode(const struct vlapic *v)
{
	if (!(v->apic_base & APIC_BASE_EN))
		return VLAPIC_MODE_DISABLED;
	return (v->apic_base & APIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

uint64_t vlapic_get_base_address(const struct vlapic *v)
{
	return v->apic_base & APIC_BASE_ADDR_MASK;
}

static bool vlapic_is_sw_enabled(const struct vlapic *v)
{
	return (vlapic_get_reg(v, APIC_REG_SVR) & APIC_SVR_ENABLE) != 0;
}

/* SDM "Logical Destination Mode in x2APIC Mode": the logical x2APIC ID is
 * (x2APIC ID[19:4] << 16) | (1 << x2APIC ID[3:0]). */
static uint32_t vlapic_x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xfU));
}

/* "Local APIC State After Power-Up or Reset", in the current mode. */
static void vlapic_reset_regs(struct vlapic *v)
{
	bool is_x2apic = vlapic_get_mode(v) == VLAPIC_MODE_X2APIC;

	for (uint32_t i = 0; i < VLAPIC_REG_SLOTS; i++)
		v->regs[i] = 0;
	vlapic_set_reg(v, APIC_REG_ID, is_x2apic ? v->cfg.apic_id :
		       (v->cfg.apic_id & 0xffU) << APIC_ID_XAPIC_SHIFT);
	vlapic_set_reg(v, APIC_REG_VERSION, APIC_VERSION_XAPIC |
		       ((VLAPIC_LVT_COUNT - 1U) << APIC_VERSION_MAXLVT_SHIFT));
	if (is_x2apic)
		vlapic_set_reg(v, APIC_REG_LDR, vlapic_x2apic_ldr(v->cfg.apic_id));
	vlapic_set_reg(v, APIC_REG_DFR, APIC_DFR_RESET);
	vlapic_set_reg(v, APIC_REG_SVR, APIC_SVR_RESET);
	for (uint32_t i = 0; i < VLAPIC_LVT_COUNT; i++)
		vlapic_set_reg(v, vlapic_lvt_offsets[i], VLAPIC_LVT_RESET);
	v->esr_pending = 0;
	v->is_nmi_pending = false;
	vtimer_init(&v->timer, &v->cfg.timer);
}

void vlapic_config_default(struct vlapic_config *cfg, uint32_t apic_id,
			   bool is_bsp, uint64_t tsc_khz)
{
	*cfg = (struct vlapic_config){ 0 };
	cfg->apic_id = apic_id;
	cfg->is_bsp = is_bsp;
	cfg->has_x2apic = true;
	cfg->has_tsc_deadline = true;
	cfg->maxphyaddr = 39U;
	vtimer_config_default(&cfg->timer, tsc_khz);
}

int vlapic_init(struct vlapic *v, const struct vlapic_config *cfg)
{
	if (vtimer_check_config(&cfg->timer) != 0)
		return -TV_EINVAL;
	if (cfg->maxphyaddr < 36U || cfg->maxphyaddr > 52U)
		return -TV_EINVAL;
	if (!cfg->has_x2apic && cfg->apic_id > 0xffU)
		return -TV_EINVAL;
	*v = (struct vlapic){ 0 };
	v->cfg = *cfg;
	/* Table "IA-32 and Intel 64 Processor States Following Power-up,
	 * Reset, or INIT": IA32_APIC_BASE = FEE00000H, enabled, BSP flag. */
	v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | (cfg->is_bsp ? APIC_BASE_BSP : 0U);
	vlapic_reset_regs(v);
	return 0;
}

void vlapic_reset_init(struct vlapic *v)
{
	vlapic_reset_regs(v);
}

/*
 * SDM "Error Handling": record an error in the internal error status (the
 * ESR shows it after the next ESR write) and signal the LVT error entry.
 * An error entry with an illegal vector only adds "Received Illegal
 * Vector", so an error cannot recurse.
 */
static void vlapic_set_error(struct vlapic *v, uint32_t bits)
{
	uint32_t lvt = vlapic_get_reg(v, APIC_REG_LVT_ERROR);
	uint32_t vec = lvt & APIC_LVT_VECTOR_MASK;

	v->esr_pending |= bits;
	if (lvt & APIC_LVT_MASKED)
		return;
	if (vec < APIC_VECTOR_MIN_LEGAL) {
		v->esr_pending |= APIC_ESR_RECV_ILLEGAL;
		return;
	}
	vlapic_set_vec(v, APIC_REG_IRR0, vec);
	vlapic_clear_vec(v, APIC_REG_TMR0, vec);
}

/* An interrupt from a local source (an LVT entry): edge, fixed. */
static void vlapic_raise_local(struct vlapic *v, uint32_t vec)
{
	if (vec < APIC_VECTOR_MIN_LEGAL) {
		vlapic_set_error(v, APIC_ESR_RECV_ILLEGAL);
		return;
	}
	vlapic_set_vec(v, APIC_REG_IRR0, vec);
	vlapic_clear_vec(v, APIC_REG_TMR0, vec);
}

/* Bring the timer up to `now`: raise what fell due (vlapic_priv.h). */
void vlapic_sync_timer(struct vlapic *v, uint64_t now)
{
	uint32_t lvtt = vlapic_get_reg(v, APIC_REG_LVT_TIMER);
	uint32_t vec = lvtt & APIC_LVT_VECTOR_MASK;
	bool is_pending = vec >= APIC_VECTOR_MIN_LEGAL &&
			  vlapic_test_vec(v, APIC_REG_IRR0, vec);
	bool is_masked = (lvtt & APIC_LVT_MASKED) ||
			 vlapic_get_mode(v) == VLAPIC_MODE_DISABLED;

	if (vtimer_expire(&v->timer, now, is_pending, is_masked))
		vlapic_raise_local(v, vec);
}

static void vlapic_finish(const struct vlapic *v, struct vlapic_result *r)
{
	r->next_deadline = vtimer_next_deadline(&v->timer);
}

uint32_t vlapic_get_ppr(const struct vlapic *v)
{
	uint32_t tpr = vlapic_get_reg(v, APIC_REG_TPR) & APIC_PRIO_MASK;
	int isrv = vlapic_find_highest(v, APIC_REG_ISR0);
	uint32_t isr_class = isrv < 0 ? 0U : (uint32_t)isrv & APIC_PRIO_CLASS_MASK;

	/* SDM "Processor Priority Register (PPR)": PPR = TPR if TPR[7:4] >=
	 * ISRV[7:4], else ISRV[7:4] with sub-class 0. */
	if ((tpr & APIC_PRIO_CLASS_MASK) >= isr_class)
		return tpr;
	return isr_class;
}

int vlapic_highest_irr(const struct vlapic *v)
{
	return vlapic_find_highest(v, APIC_REG_IRR0);
}

bool vlapic_irr_test(const struct vlapic *v, uint32_t vector)
{
	return vector < 256U && vlapic_test_vec(v, APIC_REG_IRR0, vector);
}

uint32_t vlapic_timer_vector(const struct vlapic *v)
{
	return vlapic_get_reg(v, APIC_REG_LVT_TIMER) & APIC_LVT_VECTOR_MASK;
}

int vlapic_pending_vector(const struct vlapic *v)
{
	int irrv;

	if (vlapic_get_mode(v) == VLAPIC_MODE_DISABLED)
		return VLAPIC_NO_VECTOR;
	irrv = vlapic_find_highest(v, APIC_REG_IRR0);
	if (irrv < 0)
		return VLAPIC_NO_VECTOR;
	/* SDM "Interrupt, Task, and Processor Priority": the interrupt is
	 * delivered only if its priority class is above PPR[7:4]. */
	if (((uint32_t)irrv & APIC_PRIO_CLASS_MASK) <=
	    (vlapic_get_ppr(v) & APIC_PRIO_CLASS_MASK))
		return VLAPIC_NO_VECTOR;
	return irrv;
}

int vlapic_ack_vector(struct vlapic *v, uint32_t vector)
{
	uint32_t lvtt = vlapic_get_reg(v, APIC_REG_LVT_TIMER);

	if (vlapic_pending_vector(v) != (int)vector)
		return -TV_EINVAL;
	vlapic_clear_vec(v, APIC_REG_IRR0, vector);
	vlapic_set_vec(v, APIC_REG_ISR0, vector);
	/* The timer's IRR bit is free again: a tick owed under the delay and
	 * one-missed policies takes it now, to be delivered after the EOI. */
	if ((lvtt & APIC_LVT_VECTOR_MASK) == vector && !(lvtt & APIC_LVT_MASKED) &&
	    vtimer_take_backlog(&v->timer))
		vlapic_raise_local(v, vector);
	return 0;
}

/* SDM "End of Interrupt (EOI)": clear the highest-priority ISR bit. */
static int vlapic_do_eoi(struct vlapic *v, struct vlapic_result *r)
{
	int isrv = vlapic_find_highest(v, APIC_REG_ISR0);

	if (isrv < 0)
		return VLAPIC_NO_VECTOR;
	vlapic_clear_vec(v, APIC_REG_ISR0, (uint32_t)isrv);
	if (vlapic_test_vec(v, APIC_REG_TMR0, (uint32_t)isrv)) {
		r->effects |= VLAPIC_EFFECT_EOI_LEVEL;
		r->eoi_vector = (uint32_t)isrv;
	}
	return isrv;
}

int vlapic_eoi(struct vlapic *v)
{
	struct vlapic_result r = { 0 };

	return vlapic_do_eoi(v, &r);
}

bool vlapic_accept_irq(struct vlapic *v, uint32_t vector, bool is_level)
{
	if (vlapic_get_mode(v) == VLAPIC_MODE_DISABLED || !vlapic_is_sw_enabled(v))
		return false;
	if (vector >= APIC_VECTOR_COUNT)
		return false;
	if (vector < APIC_VECTOR_MIN_LEGAL) {
		/* SDM "Error Handling": "Received Illegal Vector". */
		vlapic_set_error(v, APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	vlapic_set_vec(v, APIC_REG_IRR0, vector);
	if (is_level)
		vlapic_set_vec(v, APIC_REG_TMR0, vector);
	else
		vlapic_clear_vec(v, APIC_REG_TMR0, vector);
	return true;
}

void vlapic_accept_nmi(struct vlapic *v)
{
	if (vlapic_get_mode(v) == VLAPIC_MODE_DISABLED)
		return;
	v->is_nmi_pending = true;
}

bool vlapic_has_nmi(const struct vlapic *v)
{
	return v->is_nmi_pending;
}

bool vlapic_take_nmi(struct vlapic *v)
{
	bool was = v->is_nmi_pending;

	v->is_nmi_pending = false;
	return was;
}

/*
 * Does a no-shorthand IPI's destination name this local APIC?  SDM
 * "Determining IPI Destination": physical mode compares the APIC ID, and the
 * all-ones ID (0xFF in xAPIC mode) is a broadcast; logical mode compares the
 * message destination address with the LDR under the DFR's model: flat (DFR
 * 31:28 = 1111B) when the two 8-bit masks share a bit, cluster (0000B) when
 * the cluster nibbles are equal (or the MDA's is 0xF, all clusters) and the
 * low nibbles share a bit.  x2APIC mode ("Logical Destination Mode in
 * x2APIC Mode"): cluster ID in 31:16 equal and the 16-bit masks share a bit;
 * 0xFFFFFFFF is a broadcast in both modes ("x2APIC ... Broadcast").
 */
static bool vlapic_is_ipi_dest(const struct vlapic *v, uint32_t dest, bool is_logical)
{
	uint32_t ldr = vlapic_get_reg(v, APIC_REG_LDR);

	if (vlapic_get_mode(v) == VLAPIC_MODE_X2APIC) {
		if (dest == 0xffffffffU)
			return true;
		if (!is_logical)
			return dest == vlapic_get_reg(v, APIC_REG_ID);
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffffU) != 0;
	}
	dest &= 0xffU;
	if (dest == 0xffU)
		return true;
	if (!is_logical)
		return dest == vlapic_get_reg(v, APIC_REG_ID) >> APIC_ID_XAPIC_SHIFT;
	ldr >>= 24;
	if ((vlapic_get_reg(v, APIC_REG_DFR) & APIC_DFR_MODEL_MASK) == APIC_DFR_MODEL_MASK)
		return (dest & ldr) != 0;
	return ((dest >> 4) == 0xfU || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xfU) != 0;
}

/* SDM "Interrupt Command Register (ICR)": send the IPI the ICR describes. */
static void vlapic_send_ipi(struct vlapic *v, struct vlapic_result *r)
{
	uint32_t low = vlapic_get_reg(v, APIC_REG_ICR_LOW);
	uint32_t high = vlapic_get_reg(v, APIC_REG_ICR_HIGH);
	uint32_t dm = low & APIC_ICR_DM_MASK;
	uint32_t vec = low & APIC_ICR_VECTOR_MASK;
	uint32_t sh = low & APIC_ICR_SH_MASK;
	bool is_x2apic = vlapic_get_mode(v) == VLAPIC_MODE_X2APIC;
	bool is_vectored = dm == APIC_ICR_DM_FIXED || dm == APIC_ICR_DM_LOWEST;
	bool is_logical = (low & APIC_ICR_DEST_LOGICAL) != 0;
	uint32_t dest = is_x2apic ? high : high >> APIC_ICR_DEST_XAPIC_SHIFT;
	bool is_local;

	if (dm == APIC_ICR_DM_RESERVED3 || dm == APIC_ICR_DM_RESERVED7) {
		pr_dbg_ratelimited("ICR with reserved delivery mode %#x ignored\n", dm >> 8);
		return;
	}
	if (is_vectored && vec < APIC_VECTOR_MIN_LEGAL) {
		/* "Send Illegal Vector": the IPI is not sent. */
		vlapic_set_error(v, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	/*
	 * This APIC's own share: shorthand self or all-including-self, or a
	 * destination that names it (a guest may IPI itself by its own ID).
	 * Lowest priority to a set that names us is taken here too, which is
	 * exact with one vCPU per VM (the only candidate); an SMP vmm/ would
	 * have to arbitrate before this point.
	 */
	is_local = sh == APIC_ICR_SH_SELF || sh == APIC_ICR_SH_ALL ||
		   (sh == APIC_ICR_SH_NONE && vlapic_is_ipi_dest(v, dest, is_logical));
	if (is_local) {
		if (is_vectored)
			(void)vlapic_accept_irq(v, vec, (low & APIC_ICR_TRIGGER_LEVEL) != 0);
		else if (dm == APIC_ICR_DM_NMI)
			vlapic_accept_nmi(v);
	}
	/*
	 * An INIT that reaches this APIC puts the processor in wait-for-SIPI
	 * (SDM Vol. 3A, "INIT Reset"): the model has no such state, so it is
	 * reported for vmm/ to act on.  The INIT level de-assert (trigger
	 * level, level 0) is ignored by processors since the Pentium 4 ("Level"
	 * in "Interrupt Command Register (ICR)").  Deviation: the table "Valid
	 * Combinations for the ... Local xAPIC Interrupt Command Register"
	 * calls INIT with the self or all-including-self shorthand invalid,
	 * with no defined outcome; it is reported the same way, the strictest
	 * reading, rather than dropped.
	 */
	if (dm == APIC_ICR_DM_INIT && is_local &&
	    (low & (APIC_ICR_TRIGGER_LEVEL | APIC_ICR_LEVEL_ASSERT)) != APIC_ICR_TRIGGER_LEVEL)
		r->effects |= VLAPIC_EFFECT_INIT_SELF;
	if (sh == APIC_ICR_SH_SELF) {
		/* Table "Valid Combinations for the ... Local xAPIC Interrupt
		 * Command Register": self takes fixed only; we also take NMI. */
		if (!is_vectored && dm != APIC_ICR_DM_NMI && dm != APIC_ICR_DM_INIT)
			pr_dbg_ratelimited("self IPI with delivery mode %#x ignored\n", dm >> 8);
		return;
	}
	r->effects |= VLAPIC_EFFECT_IPI;
	r->ipi = (struct vlapic_ipi){
		.dest = dest,
		.vector = vec,
		.delivery_mode = dm,
		.shorthand = sh,
		.is_logical = is_logical,
		.is_level_trigger = (low & APIC_ICR_TRIGGER_LEVEL) != 0,
		.is_assert = (low & APIC_ICR_LEVEL_ASSERT) != 0,
		.is_x2apic = is_x2apic,
	};
}

/* The LVTT write: mode changes go to vtimer_set_mode(), the one entry. */
static void vlapic_write_lvtt(struct vlapic *v, uint32_t val, uint64_t now)
{
	uint32_t old = vlapic_get_reg(v, APIC_REG_LVT_TIMER);

	/* No TSC-deadline mode: bit 18 is reserved, ignored on an xAPIC write (vlapic.h). */
	if (!v->cfg.has_tsc_deadline)
		val &= ~APIC_LVT_TIMER_TSCDEADLINE;
	/* Timer mode 3 is reserved ("LVT Timer Register"): in xAPIC mode the
	 * write keeps the previous mode (x2APIC mode raised #GP already). */
	if ((val & APIC_LVT_TIMER_MODE_MASK) == APIC_LVT_TIMER_RESERVED) {
		pr_dbg_ratelimited("reserved LVT timer mode ignored\n");
		val = (val & ~APIC_LVT_TIMER_MODE_MASK) | (old & APIC_LVT_TIMER_MODE_MASK);
	}
	vlapic_set_reg(v, APIC_REG_LVT_TIMER, val);
	vtimer_set_mode(&v->timer,
			(enum vtimer_mode)((val & APIC_LVT_TIMER_MODE_MASK) >>
					   APIC_LVT_TIMER_MODE_SHIFT), now);
}

/* The value a register reads at `now`. */
static uint32_t vlapic_read_slot(const struct vlapic *v, uint32_t off, uint64_t now)
{
	switch (off) {
	case APIC_REG_APR:
		return 0;
	case APIC_REG_PPR:
		return vlapic_get_ppr(v);
	case APIC_REG_TMICT:
		return vtimer_read_tmict(&v->timer);
	case APIC_REG_TMCCT:
		return vtimer_read_tmcct(&v->timer, now);
	default:
		return vlapic_get_reg(v, off);
	}
}

/* A write the face has accepted; `value` is cut to the writable bits here. */
static void vlapic_write_slot(struct vlapic *v, uint32_t off, uint32_t value,
			      uint64_t now, struct vlapic_result *r)
{
	uint32_t val = value & vlapic_reg_table[VLAPIC_SLOT(off)].write_mask;

	switch (off) {
	case APIC_REG_EOI:
		(void)vlapic_do_eoi(v, r);
		return;
	case APIC_REG_DFR:
		vlapic_set_reg(v, off, val | ~APIC_DFR_MODEL_MASK);
		return;
	case APIC_REG_SVR:
		vlapic_set_reg(v, off, val);
		/* "Local APIC State After It Has Been Software Disabled": "The
		 * mask bits for all the LVT entries are set." */
		if (!(val & APIC_SVR_ENABLE))
			for (uint32_t i = 0; i < VLAPIC_LVT_COUNT; i++)
				v->regs[VLAPIC_SLOT(vlapic_lvt_offsets[i])] |= APIC_LVT_MASKED;
		return;
	case APIC_REG_ESR:
		/* SDM "Error Handling": a write to the ESR makes it show the
		 * errors detected since the previous write, and clears those. */
		vlapic_set_reg(v, off, v->esr_pending & APIC_ESR_MASK);
		v->esr_pending = 0;
		return;
	case APIC_REG_ICR_LOW:
		vlapic_set_reg(v, off, val);
		vlapic_send_ipi(v, r);
		return;
	case APIC_REG_LVT_TIMER:
	case APIC_REG_LVT_THERMAL:
	case APIC_REG_LVT_PERF:
	case APIC_REG_LVT_LINT0:
	case APIC_REG_LVT_LINT1:
	case APIC_REG_LVT_ERROR:
		/* Software disabled: "Attempts to reset these bits will be
		 * ignored." */
		if (!vlapic_is_sw_enabled(v))
			val |= APIC_LVT_MASKED;
		if (off == APIC_REG_LVT_TIMER)
			vlapic_write_lvtt(v, val, now);
		else
			vlapic_set_reg(v, off, val);
		return;
	case APIC_REG_TMICT:
		vtimer_write_tmict(&v->timer, val, now);
		return;
	case APIC_REG_TDCR:
		vlapic_set_reg(v, off, val);
		vtimer_write_tdcr(&v->timer, val, now);
		return;
	case APIC_REG_SELF_IPI:
		if (val < APIC_VECTOR_MIN_LEGAL)
			vlapic_set_error(v, APIC_ESR_SEND_ILLEGAL);
		else
			(void)vlapic_accept_irq(v, val, false);
		return;
	default:
		/* ID, TPR, LDR, ICR high: plain storage.  A TPR change needs no
		 * action: vlapic_pending_vector() derives PPR on every call. */
		vlapic_set_reg(v, off, val);
		return;
	}
}

static bool vlapic_is_mmio_width_ok(uint32_t offset, uint32_t width, bool is_write)
{
	if (offset >= APIC_PAGE_SIZE)
		return false;
	if (is_write)
		return width == 4U && (offset & 0xfU) == 0;
	return (width == 1U || width == 2U || width == 4U) && (offset & 0xfU) + width <= 4U;
}

struct vlapic_result vlapic_mmio_read(struct vlapic *v, uint32_t offset,
				      uint32_t width, uint64_t *value, uint64_t now)
{
	struct vlapic_result r = { 0 };
	uint32_t slot = offset >> 4, reg;

	*value = 0;
	vlapic_sync_timer(v, now);
	if (vlapic_get_mode(v) != VLAPIC_MODE_XAPIC) {
		/* SDM "x2APIC Register Address Space": in x2APIC mode the
		 * registers are reached through MSRs only, not the xAPIC page. */
		r.status = VLAPIC_NOT_APIC;
	} else if (!vlapic_is_mmio_width_ok(offset, width, false)) {
		pr_dbg_ratelimited("MMIO read of %u bytes at %#x refused\n", width, offset);
		r.status = VLAPIC_BAD_ACCESS;
	} else if (slot >= VLAPIC_REG_SLOTS ||
		   !(vlapic_reg_table[slot].flags & (VLAPIC_XR | VLAPIC_XW))) {
		vlapic_set_error(v, APIC_ESR_ILLEGAL_REG);
	} else if (vlapic_reg_table[slot].flags & VLAPIC_XR) {
		reg = vlapic_read_slot(v, slot << 4, now);
		reg >>= (offset & 3U) * 8U;
		*value = width == 4U ? reg : reg & ((1U << (width * 8U)) - 1U);
	}
	vlapic_finish(v, &r);
	return r;
}

struct vlapic_result vlapic_mmio_write(struct vlapic *v, uint32_t offset,
				       uint32_t width, uint64_t value, uint64_t now)
{
	struct vlapic_result r = { 0 };
	uint32_t slot = offset >> 4;

	vlapic_sync_timer(v, now);
	if (vlapic_get_mode(v) != VLAPIC_MODE_XAPIC) {
		r.status = VLAPIC_NOT_APIC;
	} else if (!vlapic_is_mmio_width_ok(offset, width, true)) {
		pr_dbg_ratelimited("MMIO write of %u bytes at %#x refused\n", width, offset);
		r.status = VLAPIC_BAD_ACCESS;
	} else if (slot >= VLAPIC_REG_SLOTS ||
		   !(vlapic_reg_table[slot].flags & (VLAPIC_XR | VLAPIC_XW))) {
		vlapic_set_error(v, APIC_ESR_ILLEGAL_REG);
	} else if (vlapic_reg_table[slot].flags & VLAPIC_XW) {
		/* Read-only registers ignore writes in xAPIC mode. */
		vlapic_write_slot(v, slot << 4, (uint32_t)value, now, &r);
		vlapic_sync_timer(v, now);
	}
	vlapic_finish(v, &r);
	return r;
}

/* Whether `msr` may be accessed (`flag`: VLAPIC_2R or VLAPIC_2W) now. */
static bool vlapic_is_x2apic_msr_ok(const struct vlapic *v, uint32_t msr, uint32_t flag)
{
	uint32_t slot = VLAPIC_MSR_SLOT(msr);

	/* SDM "x2APIC Register Address Space": RDMSR/WRMSR of the x2APIC
	 * range outside x2APIC mode, of a reserved MSR, a write-only MSR
	 * (read) or a read-only MSR (write) raise #GP. */
	if (vlapic_get_mode(v) != VLAPIC_MODE_X2APIC)
		return false;
	if (slot >= VLAPIC_REG_SLOTS)
		return false;
	return (vlapic_reg_table[slot].flags & flag) != 0;
}

static bool vlapic_is_x2apic_msr(uint32_t msr)
{
	return msr >= MSR_IA32_X2APIC_BASE && msr <= MSR_IA32_X2APIC_LAST;
}

struct vlapic_result vlapic_msr_read(struct vlapic *v, uint32_t msr,
				     uint64_t *value, uint64_t now)
{
	struct vlapic_result r = { 0 };
	uint32_t slot;

	*value = 0;
	vlapic_sync_timer(v, now);
	if (msr == MSR_IA32_APIC_BASE) {
		*value = v->apic_base;
	} else if (msr == MSR_IA32_TSC_DEADLINE && !v->cfg.has_tsc_deadline) {
		r.status = VLAPIC_GP;	/* an MSR this CPU does not have */
	} else if (msr == MSR_IA32_TSC_DEADLINE) {
		if (vlapic_get_mode(v) != VLAPIC_MODE_DISABLED)
			*value = vtimer_read_tsc_deadline(&v->timer);
	} else if (!vlapic_is_x2apic_msr(msr)) {
		r.status = VLAPIC_NOT_APIC;
	} else if (!vlapic_is_x2apic_msr_ok(v, msr, VLAPIC_2R)) {
		r.status = VLAPIC_GP;
	} else if (msr == APIC_MSR_ICR) {
		/* The x2APIC ICR is one 64-bit MSR, destination in 63:32. */
		*value = ((uint64_t)vlapic_get_reg(v, APIC_REG_ICR_HIGH) << 32) |
			 vlapic_get_reg(v, APIC_REG_ICR_LOW);
	} else {
		slot = VLAPIC_MSR_SLOT(msr);
		*value = vlapic_read_slot(v, slot << 4, now);
	}
	vlapic_finish(v, &r);
	return r;
}

/* x2APIC writes: reserved bits, including 63:32 of all but the ICR, #GP. */
static enum vlapic_status vlapic_write_x2apic(struct vlapic *v, uint32_t msr,
					      uint64_t value, uint64_t now,
					      struct vlapic_result *r)
{
	uint32_t slot = VLAPIC_MSR_SLOT(msr);
	uint32_t low = (uint32_t)value;

	if (!vlapic_is_x2apic_msr_ok(v, msr, VLAPIC_2W))
		return VLAPIC_GP;
	if (low & ~vlapic_reg_table[slot].write_mask)
		return VLAPIC_GP;
	if (msr == APIC_MSR_ICR) {
		vlapic_set_reg(v, APIC_REG_ICR_HIGH, (uint32_t)(value >> 32));
		vlapic_write_slot(v, APIC_REG_ICR_LOW, low, now, r);
		return VLAPIC_OK;
	}
	if (value >> 32)
		return VLAPIC_GP;
	if (slot == VLAPIC_SLOT(APIC_REG_LVT_TIMER) &&
	    (low & APIC_LVT_TIMER_MODE_MASK) == APIC_LVT_TIMER_RESERVED)
		return VLAPIC_GP;
	/* Without TSC-deadline mode bit 18 is a reserved bit (vlapic.h). */
	if (slot == VLAPIC_SLOT(APIC_REG_LVT_TIMER) && !v->cfg.has_tsc_deadline &&
	    (low & APIC_LVT_TIMER_TSCDEADLINE))
		return VLAPIC_GP;
	vlapic_write_slot(v, slot << 4, low, now, r);
	return VLAPIC_OK;
}

struct vlapic_result vlapic_msr_write(struct vlapic *v, uint32_t msr,
				      uint64_t value, uint64_t now)
{
	struct vlapic_result r = { 0 };

	if (msr == MSR_IA32_APIC_BASE)
		return vlapic_write_apic_base(v, value, now);
	vlapic_sync_timer(v, now);
	if (msr == MSR_IA32_TSC_DEADLINE && !v->cfg.has_tsc_deadline) {
		r.status = VLAPIC_GP;	/* an MSR this CPU does not have */
	} else if (msr == MSR_IA32_TSC_DEADLINE) {
		if (vlapic_get_mode(v) != VLAPIC_MODE_DISABLED)
			vtimer_write_tsc_deadline(&v->timer, value, now);
	} else if (!vlapic_is_x2apic_msr(msr)) {
		r.status = VLAPIC_NOT_APIC;
	} else {
		r.status = vlapic_write_x2apic(v, msr, value, now, &r);
	}
	/* A TSC deadline already past fires at once. */
	vlapic_sync_timer(v, now);
	vlapic_finish(v, &r);
	return r;
}

enum vlapic_mode vlapic_decode_mode(uint64_t base)
{
	if (!(base & APIC_BASE_EN))
		return VLAPIC_MODE_DISABLED;
	return (base & APIC_BASE_EXTD) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

/* The IA32_APIC_BASE bits a write may set under this configuration. */
uint64_t vlapic_apic_base_bits(const struct vlapic *v)
{
	uint64_t addr = TV_BITS(v->cfg.maxphyaddr - 1U, 12);

	return addr | APIC_BASE_BSP | APIC_BASE_EN | (v->cfg.has_x2apic ? APIC_BASE_EXTD : 0U);
}

struct vlapic_result vlapic_write_apic_base(struct vlapic *v, uint64_t value,
					    uint64_t now)
{
	struct vlapic_result r = { 0 };
	enum vlapic_mode old = vlapic_get_mode(v), new;

	vlapic_sync_timer(v, now);
	new = vlapic_decode_mode(value);
	/* SDM "x2APIC State Transitions": EN=0 with EXTD=1 is invalid;
	 * x2APIC -> xAPIC and disabled -> x2APIC are illegal; reserved bits
	 * (above MAXPHYADDR, 9, 7:0, EXTD without x2APIC) raise #GP. */
	if ((value & ~vlapic_apic_base_bits(v)) ||
	    (!(value & APIC_BASE_EN) && (value & APIC_BASE_EXTD)) ||
	    (old == VLAPIC_MODE_X2APIC && new == VLAPIC_MODE_XAPIC) ||
	    (old == VLAPIC_MODE_DISABLED && new == VLAPIC_MODE_X2APIC)) {
		pr_dbg_ratelimited("IA32_APIC_BASE write %#llx refused (mode %d)\n",
				   (unsigned long long)value, (int)old);
		r.status = VLAPIC_GP;
		vlapic_finish(v, &r);
		return r;
	}
	/* The BSP flag belongs to the configuration (vlapic.h). */
	value = (value & ~APIC_BASE_BSP) | (v->cfg.is_bsp ? APIC_BASE_BSP : 0U);
	if (value != v->apic_base)
		r.effects |= VLAPIC_EFFECT_BASE;
	v->apic_base = value;
	if (new != old) {
		if (new == VLAPIC_MODE_DISABLED || old == VLAPIC_MODE_DISABLED) {
			/* Disabling the APIC loses its state; re-enabling it
			 * starts from the power-up state ("x2APIC State
			 * Transitions"). */
			vlapic_reset_regs(v);
		} else {
			/* xAPIC -> x2APIC: the ID becomes the x2APIC ID, the
			 * LDR the logical ID derived from it; the rest of the
			 * state carries over. */
			vlapic_set_reg(v, APIC_REG_ID, v->cfg.apic_id);
			vlapic_set_reg(v, APIC_REG_LDR, vlapic_x2apic_ldr(v->cfg.apic_id));
			vlapic_set_reg(v, APIC_REG_DFR, APIC_DFR_RESET);
			vlapic_set_reg(v, APIC_REG_ICR_HIGH, 0);
		}
	}
	vlapic_finish(v, &r);
	return r;
}

struct vlapic_result vlapic_expire(struct vlapic *v, uint64_t now)
{
	struct vlapic_result r = { 0 };

	vlapic_sync_timer(v, now);
	vlapic_finish(v, &r);
	return r;
}

uint64_t vlapic_next_deadline(const struct vlapic *v)
{
	return vtimer_next_deadline(&v->timer);
}

const struct vtimer *vlapic_get_timer(const struct vlapic *v)
{
	return &v->timer;
}
