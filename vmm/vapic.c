/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "vapic: "

#include "vapic.h"

#include <tv/log.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include <tv/string.h>

#define VAPIC_MARGIN_MAX	20000U	/* never arm earlier than this: a bad sample must not spin long */

const char *vapic_notice_name(enum vapic_notice path)
{
	switch (path) {
	case VAPIC_NOTICE_PREEMPT: return "preemption-timer";
	case VAPIC_NOTICE_HOST_IRQ: return "host-interrupt";
	case VAPIC_NOTICE_HALT_WAKE: return "halt-wake";
	case VAPIC_NOTICE_HALT_PREEMPT: return "halt-preemption-timer";
	case VAPIC_NOTICE_OTHER_EXIT: return "other-exit";
	case VAPIC_NOTICE_COUNT: break;
	}
	return "?";
}

int vapic_init(struct vapic *a, uint64_t tsc_khz, uint32_t min_period_us,
	       enum vtimer_policy policy)
{
	struct vlapic_config cfg;

	tv_memset(a, 0, sizeof(*a));
	vlapic_config_default(&cfg, 0, true, tsc_khz);
	cfg.timer.min_period_tsc = (uint64_t)min_period_us * tsc_khz / 1000U;
	cfg.timer.policy = policy;
	a->stats.late_min = UINT64_MAX;
	a->next_deadline = VTIMER_NONE;	/* power-up: the timer is stopped */
	return vlapic_init(&a->lapic, &cfg);
}

/*
 * Keep the deadline of a result of the model, whatever its status (even a
 * refused access brings the timer up to now first), and when it moved, the
 * instant it was set: a deadline already past when armed is due from then.
 */
static void vapic_note_deadline(struct vapic *a, const struct vlapic_result *r, uint64_t now)
{
	if (r->next_deadline == a->next_deadline)
		return;
	a->next_deadline = r->next_deadline;
	a->arm_tsc = now;
}

static void vapic_apply(struct vapic *a, const struct vlapic_result *r)
{
	/* The model delivered this vCPU's own share already (vlapic.h). */
	if (r->effects & VLAPIC_EFFECT_IPI)
		pr_dbg_ratelimited("IPI to %#x vector %#x mode %u shorthand %u: no other vCPU "
				   "to reach (one vCPU per VM)\n", r->ipi.dest, r->ipi.vector,
				   r->ipi.delivery_mode, r->ipi.shorthand);
	/* INIT is the one share the model cannot take itself: kept for the exit handler. */
	if (r->effects & VLAPIC_EFFECT_INIT_SELF)
		a->init_self = true;
}

bool vapic_take_init_self(struct vapic *a)
{
	bool was = a->init_self;

	a->init_self = false;
	return was;
}

bool vapic_msr(struct vapic *a, uint32_t msr, bool is_write, uint64_t *val, uint64_t now,
	       bool *gp)
{
	struct vlapic_result r;

	if (msr == MSR_IA32_APIC_BASE) {
		if (!is_write) {
			*val = a->lapic.apic_base;
			*gp = false;
			return true;
		}
		r = vlapic_write_apic_base(&a->lapic, *val, now);
	} else if (msr == MSR_IA32_TSC_DEADLINE ||
		   (msr >= MSR_IA32_X2APIC_BASE && msr <= MSR_IA32_X2APIC_LAST)) {
		r = is_write ? vlapic_msr_write(&a->lapic, msr, *val, now) :
			       vlapic_msr_read(&a->lapic, msr, val, now);
	} else {
		return false;
	}
	vapic_note_deadline(a, &r, now);
	*gp = r.status != VLAPIC_OK;
	if (!*gp)
		vapic_apply(a, &r);
	return true;
}

bool vapic_is_mmio(const struct vapic *a, uint64_t gpa)
{
	uint64_t base = vlapic_get_base_address(&a->lapic);

	return vlapic_get_mode(&a->lapic) == VLAPIC_MODE_XAPIC && gpa >= base &&
	       gpa < base + 4096U;
}

enum vlapic_status vapic_mmio(struct vapic *a, uint64_t gpa, unsigned int width,
			      bool is_write, uint64_t *val, uint64_t now)
{
	uint32_t off = (uint32_t)(gpa - vlapic_get_base_address(&a->lapic));
	struct vlapic_result r;

	r = is_write ? vlapic_mmio_write(&a->lapic, off, width, *val, now) :
		       vlapic_mmio_read(&a->lapic, off, width, val, now);
	vapic_note_deadline(a, &r, now);
	if (r.status == VLAPIC_OK)
		vapic_apply(a, &r);
	return r.status;
}

uint64_t vapic_next_deadline(const struct vapic *a)
{
	return a->next_deadline;
}

int vapic_rebase_tsc(struct vapic *a, uint64_t old_now, uint64_t new_now)
{
	struct vlapic_state st;		/* ~370 bytes: the host stack has room */
	int rc;

	vlapic_save(&a->lapic, old_now, &st);
	rc = vlapic_restore(&a->lapic, &st, new_now);
	/* No result to keep: ask the model, and count the deadline as set now on the new time base. */
	a->next_deadline = vlapic_next_deadline(&a->lapic);
	a->arm_tsc = new_now;
	vapic_note_blocked(a);
	return rc;
}

void vapic_note_blocked(struct vapic *a)
{
	if (a->fire_pending)
		a->fire_blocked = true;
}

uint64_t vapic_expire(struct vapic *a, uint64_t now, enum vapic_notice path, uint64_t exit_tsc)
{
	uint64_t d = a->next_deadline, armed = a->arm_tsc;
	struct vlapic_result r;

	if (d == VTIMER_NONE || d > now)
		return d;
	r = vlapic_expire(&a->lapic, now);
	vapic_note_deadline(a, &r, now);
	a->stats.fires[path]++;
	/* Lateness is measured to delivery; a masked tick (no IRR bit) has none. */
	if (!a->fire_pending && vlapic_irr_test(&a->lapic, vlapic_timer_vector(&a->lapic))) {
		a->fire_pending = true;
		/*
		 * A deadline that was already past when it was armed (a past
		 * TSC deadline, or the guest moving its TSC forward) is due from
		 * the moment it was set: lateness counts from then.
		 */
		a->fire_deadline = TV_MAX(d, armed);
		a->fire_tsc = now;
		a->fire_exit_tsc = TV_MIN(exit_tsc, now);
		a->fire_path = path;
		a->fire_blocked = false;
	}
	return a->next_deadline;
}

bool vapic_has_deliverable(const struct vapic *a)
{
	return vlapic_pending_vector(&a->lapic) != VLAPIC_NO_VECTOR;
}

static void vapic_record(struct vapic *a, uint64_t now, uint32_t vector)
{
	struct vapic_stats *s = &a->stats;
	struct vapic_trace_entry *t = &a->trace[a->trace_next];
	uint64_t late;

	a->fire_pending = false;
	s->injected++;
	if (now < a->fire_deadline) {
		s->early++;
		pr_err_ratelimited("timer vector %#x delivered %llu ticks EARLY\n", vector,
				   (unsigned long long)(a->fire_deadline - now));
			late = 0;
	} else {
		late = now - a->fire_deadline;
	}
	if (a->fire_blocked) {
		/* The guest held it off: the wait is the guest's, not the hypervisor's lateness. */
		s->blocked++;
		goto trace;
	}
	vapic_stats_add(s, late);
trace:
	t->arm = a->arm_tsc;
	t->deadline = a->fire_deadline;
	t->fire = a->fire_tsc;
	t->inject = now;
	t->path = (uint8_t)a->fire_path;
	t->vector = (uint8_t)vector;
	a->trace_next = (a->trace_next + 1U) % VAPIC_TRACE_SIZE;
	a->trace_total++;
}

int vapic_take_vector(struct vapic *a, uint64_t now)
{
	int vec = vlapic_pending_vector(&a->lapic);

	if (vec == VLAPIC_NO_VECTOR)
		return vec;
	(void)vlapic_ack_vector(&a->lapic, (uint32_t)vec);
	(void)now;
	if (a->fire_pending && (uint32_t)vec == vlapic_timer_vector(&a->lapic)) {
		a->inject_pending = true;
		a->inject_vector = (uint32_t)vec;
	} else if ((uint32_t)vec == vlapic_timer_vector(&a->lapic)) {
		/* Raised inside the register write (already due): no deadline to be late for. */
		a->stats.injected++;
		a->stats.immediate++;
	}
	return vec;
}

void vapic_note_entry(struct vapic *a, uint64_t now)
{
	if (!a->inject_pending)
		return;
	a->inject_pending = false;
	vapic_record(a, now, a->inject_vector);
}

void vapic_adapt_margin(struct vapic *a, enum vapic_notice path, uint64_t cost)
{
	uint64_t *m = &a->margin[path];

	/*
	 * A slow average of the exit-to-ready cost: arming that much early and
	 * spinning the rest puts the entry right at the deadline, never before.
	 */
	*m = *m ? (*m * 7U + cost) / 8U : cost;	/* the first sample sets it outright */
	*m = TV_MIN(*m, (uint64_t)VAPIC_MARGIN_MAX);
}

/* The tail sub-bucket of a sample >= VAPIC_HIST_LINEAR. */
static unsigned int vapic_tail_index(uint64_t late)
{
	unsigned int e = 63U - (unsigned int)__builtin_clzll(late);
	unsigned int octave = e - VAPIC_HIST_LINEAR_BITS;
	unsigned int sub = (unsigned int)(late >> (e - VAPIC_HIST_SUB_BITS)) & (VAPIC_HIST_SUB - 1U);

	if (octave >= VAPIC_HIST_OCTAVES)
		return VAPIC_HIST_TAIL - 1U;	/* open-ended: min/max keep it measured */
	return octave * VAPIC_HIST_SUB + sub;
}

void vapic_stats_add(struct vapic_stats *s, uint64_t late)
{
	unsigned int i;

	s->late_min = TV_MIN(s->late_min, late);	/* vapic_init() starts it at UINT64_MAX */
	s->late_max = TV_MAX(s->late_max, late);
	s->late_sum += late;
	if (late < VAPIC_HIST_LINEAR) {
		s->hist[late]++;
		return;
	}
	i = vapic_tail_index(late);
	if (!s->tail[i] || late < s->tail_min[i])
		s->tail_min[i] = late;
	s->tail_max[i] = TV_MAX(s->tail_max[i], late);
	s->tail[i]++;
}

uint64_t vapic_lateness_percentile(const struct vapic_stats *s, unsigned int pct)
{
	uint64_t total = 0, want, seen = 0;

	for (unsigned int i = 0; i < VAPIC_HIST_LINEAR; i++)
		total += s->hist[i];
	for (unsigned int i = 0; i < VAPIC_HIST_TAIL; i++)
		total += s->tail[i];
	if (!total)
		return 0;
	/* Nearest rank: the smallest sample with at least pct% at or below it. */
	want = TV_MAX((total * TV_MIN(pct, 100U) + 99U) / 100U, 1ULL);
	for (unsigned int i = 0; i < VAPIC_HIST_LINEAR; i++) {
		seen += s->hist[i];
		if (seen >= want)
			return i;
	}
	for (unsigned int i = 0; i < VAPIC_HIST_TAIL; i++) {
		if (!s->tail[i])
			continue;
		if (seen + 1U == want)
			return s->tail_min[i];	/* the rank is this bucket's first sample */
		seen += s->tail[i];
		if (seen >= want)
			return s->tail_max[i];
	}
	return s->late_max;
}

void vapic_sync_from_page(struct vapic *a, const uint32_t *page, uint64_t now)
{
	uint32_t tpr = page[APIC_REG_TPR / 4U] & APIC_PRIO_MASK;
	uint32_t icr_high = page[APIC_REG_ICR_HIGH / 4U];

	/*
	 * TPR virtualization (MMIO 080H, and MOV to CR8 in every APIC mode)
	 * stores into the page without an exit: the model takes it whatever
	 * its mode, so CR8 under x2APIC or with the APIC disabled is kept.
	 */
	if (tpr != vlapic_get_tpr(&a->lapic))
		vlapic_set_tpr(&a->lapic, tpr);
	/*
	 * SDM "APIC-Write Emulation": a write to 310H (ICR high) only clears
	 * bytes 2:0 of VICR_HI, with no exit.  Take it now, or the next
	 * vapic_sync_to_page() would put the model's old value back before
	 * the ICR low write that uses it.  xAPIC mode only: in x2APIC mode
	 * the APIC-access page is unmapped and the ICR is one MSR.
	 */
	if (vlapic_get_mode(&a->lapic) == VLAPIC_MODE_XAPIC &&
	    icr_high != vlapic_read_for_page(&a->lapic, APIC_REG_ICR_HIGH)) {
		struct vlapic_result r = vlapic_mmio_write(&a->lapic, APIC_REG_ICR_HIGH, 4,
							   icr_high, now);

		vapic_note_deadline(a, &r, now);
	}
}

void vapic_sync_to_page(const struct vapic *a, uint32_t *page)
{
	vlapic_page_image(&a->lapic, page);
}

enum vlapic_status vapic_apic_write(struct vapic *a, const uint32_t *page, uint32_t offset,
				    uint64_t now)
{
	struct vlapic_result r;

	/* ICR high completes into the page without an exit: the model needs it before ICR low. */
	if (offset == APIC_REG_ICR_LOW) {
		r = vlapic_mmio_write(&a->lapic, APIC_REG_ICR_HIGH, 4,
				      page[APIC_REG_ICR_HIGH / 4U], now);
		vapic_note_deadline(a, &r, now);
	}
	r = vlapic_mmio_write(&a->lapic, offset, 4, page[offset / 4U], now);
	vapic_note_deadline(a, &r, now);
	if (r.status == VLAPIC_OK)
		vapic_apply(a, &r);
	return r.status;
}

uint32_t vapic_tpr_threshold(const struct vapic *a)
{
	int irr = vlapic_highest_irr(&a->lapic);
	uint32_t irr_class = irr == VLAPIC_NO_VECTOR ? 0U : (uint32_t)irr >> 4;

	/* A vector that is pending but blocked by TPR: exit once TPR drops below its class. */
	if (!irr_class || vlapic_pending_vector(&a->lapic) != VLAPIC_NO_VECTOR)
		return 0;
	return TV_MIN(irr_class, vlapic_get_tpr(&a->lapic) >> 4);
}
