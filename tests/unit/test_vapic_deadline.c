/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The deadline vmm/vapic.c keeps (issue 10): every call into the model that
 * can move the timer's deadline goes through a vapic_* face, which keeps the
 * deadline of the model's result and the guest TSC of the call that moved
 * it (arm_tsc).  vapic_next_deadline() only reads what was kept, so
 * guest_before_entry() asks once per entry and plan_arm() gets what
 * vapic_expire() returned.  These cases drive the faces the way vmm/ does,
 * from fixed seeds, and after every step compare the kept deadline with the
 * model's own (vlapic_next_deadline()), and arm_tsc with the step's time.
 */
#include <string.h>

#include <x86/apicdef.h>
#include <x86/msr.h>

#include "harness.h"
#include "../../lapic/vlapic.h"
#include "../../vmm/vapic.h"
#include "ut_rng.h"

#define TSC_KHZ		1000000ULL
#define STEPS		40000U

static uint64_t prng_state;
static struct vapic va, before;
static uint32_t page[1024];

static uint64_t prng_next(void)
{
	return ut_xorshift64s(&prng_state);
}

/* A register write through the face of the current mode, as a guest would. */
static void reg_wr(uint32_t off, uint64_t val, uint64_t now)
{
	bool gp;

	if (vlapic_get_mode(&va.lapic) == VLAPIC_MODE_X2APIC)
		(void)vapic_msr(&va, MSR_IA32_X2APIC_BASE + (off >> 4), true, &val, now, &gp);
	else
		(void)vapic_mmio(&va, vlapic_get_base_address(&va.lapic) + off, 4, true, &val,
				 now);
}

static uint64_t reg_rd(uint32_t off, uint64_t now)
{
	uint64_t val = 0;
	bool gp;

	if (vlapic_get_mode(&va.lapic) == VLAPIC_MODE_X2APIC)
		(void)vapic_msr(&va, MSR_IA32_X2APIC_BASE + (off >> 4), false, &val, now, &gp);
	else
		(void)vapic_mmio(&va, vlapic_get_base_address(&va.lapic) + off, 4, false, &val,
				 now);
	return val;
}

enum dl_op {
	OP_ADVANCE, OP_LVTT, OP_TMICT, OP_TDCR, OP_TSC_DEADLINE_WR, OP_TSC_DEADLINE_RD,
	OP_TMCCT_RD, OP_SVR, OP_APIC_BASE, OP_EXPIRE, OP_TAKE, OP_EOI, OP_PAGE_SYNC,
	OP_APIC_WRITE, OP_REBASE, OP_COUNT,
};

static const char *const op_names[OP_COUNT] = {
	"advance", "lvtt", "tmict", "tdcr", "tsc-deadline-wr", "tsc-deadline-rd",
	"tmcct-rd", "svr", "apic-base", "expire", "take", "eoi", "page-sync",
	"apic-write", "rebase",
};

static uint64_t pick_apic_base(uint32_t a)
{
	uint64_t base = APIC_BASE_DEFAULT | APIC_BASE_BSP;

	switch (a % 5U) {
	case 0: return base;				/* disabled */
	case 1: return base | APIC_BASE_EN | APIC_BASE_EXTD;
	default: return base | APIC_BASE_EN;		/* xAPIC */
	}
}

/* A timer write: LVTT, TMICT, TDCR or IA32_TSC_DEADLINE. */
static void timer_step(enum dl_op op, uint64_t r, uint64_t now)
{
	static const uint32_t modes[3] = { APIC_LVT_TIMER_ONESHOT, APIC_LVT_TIMER_PERIODIC,
					   APIC_LVT_TIMER_TSCDEADLINE };
	static const uint32_t tdcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	uint32_t a = (uint32_t)r;
	uint64_t val;
	bool gp;

	switch (op) {
	case OP_LVTT:
		reg_wr(APIC_REG_LVT_TIMER, (0x20U + (a >> 24) % 0xd0U) | modes[a % 3U] |
		       ((a & 0x300U) == 0x300U ? APIC_LVT_MASKED : 0U), now);
		break;
	case OP_TMICT:
		reg_wr(APIC_REG_TMICT, (a & 7U) == 0 ? 0U : (a >> 8) % 4000U, now);
		break;
	case OP_TDCR:
		reg_wr(APIC_REG_TDCR, tdcr[a % 8U], now);
		break;
	default:
		val = (a & 7U) == 0 ? 0U : now + (r >> 40) % 5000U - 800U;
		(void)vapic_msr(&va, MSR_IA32_TSC_DEADLINE, true, &val, now, &gp);
		break;
	}
}

/*
 * One step at *now through the vapic faces; returns the op and sets *at to
 * the guest TSC the step handed the model (where arm_tsc must be when the
 * deadline moved).
 */
static enum dl_op dl_step(uint64_t *now, uint64_t *at)
{
	enum dl_op op = (enum dl_op)(prng_next() % OP_COUNT);
	uint64_t r = prng_next(), d = vlapic_next_deadline(&va.lapic), val;
	uint32_t a = (uint32_t)r;
	bool gp;
	int vec;

	*at = *now;
	switch (op) {
	case OP_ADVANCE:
		if ((a & 3U) && d != VTIMER_NONE && d > *now)
			*now = d - ((a & 3U) == 1U ? 1U : 0U);	/* the edges */
		else
			*now += (r >> 32) % 3000U;
		break;
	case OP_LVTT: case OP_TMICT: case OP_TDCR: case OP_TSC_DEADLINE_WR:
		timer_step(op, r, *now);
		break;
	case OP_TSC_DEADLINE_RD:
		(void)vapic_msr(&va, MSR_IA32_TSC_DEADLINE, false, &val, *now, &gp);
		break;
	case OP_TMCCT_RD:
		(void)reg_rd(APIC_REG_TMCCT, *now);	/* brings the timer up to now */
		break;
	case OP_SVR:
		reg_wr(APIC_REG_SVR, (a & 1U) ? 0x1ffU : 0xffU, *now);
		break;
	case OP_APIC_BASE:
		val = pick_apic_base(a);
		(void)vapic_msr(&va, MSR_IA32_APIC_BASE, true, &val, *now, &gp);
		break;
	case OP_EXPIRE:
		/* As guest_before_entry(): at now, or at a deadline just ahead (the spin). */
		if ((a & 1U) && d != VTIMER_NONE && d > *now && d - *now < 500U)
			*at = d;
		UT_EQ(vapic_expire(&va, *at, (enum vapic_notice)((a >> 1) % VAPIC_NOTICE_COUNT),
				   *now), vlapic_next_deadline(&va.lapic));
		break;
	case OP_TAKE:
		vec = vapic_take_vector(&va, *now);
		if (vec != VLAPIC_NO_VECTOR)
			vapic_note_entry(&va, *now);
		break;
	case OP_EOI:
		reg_wr(APIC_REG_EOI, 0, *now);
		break;
	case OP_PAGE_SYNC:
		vapic_sync_to_page(&va, page);
		page[APIC_REG_ICR_HIGH / 4U] = a & 0xff000000U;
		vapic_sync_from_page(&va, page, *now);
		break;
	case OP_APIC_WRITE:
		if (vlapic_get_mode(&va.lapic) != VLAPIC_MODE_XAPIC)
			break;
		vapic_sync_to_page(&va, page);
		page[APIC_REG_TMICT / 4U] = (a >> 8) % 4000U;
		(void)vapic_apic_write(&va, page, APIC_REG_TMICT, *now);
		break;
	case OP_REBASE:
		/* A WRMSR of the TSC: forward or back by up to 5000 ticks. */
		*at = *now + 5000U - (r >> 32) % 10000U;
		(void)vapic_rebase_tsc(&va, *now, *at);
		*now = *at;
		break;
	case OP_COUNT:
		break;
	}
	return op;
}

/* After every step, the kept deadline is the model's; arm_tsc moved with it only. */
static void kept_deadline_is_the_models(void)
{
	static const uint64_t seeds[] = { 1, 0x9e3779b97f4a7c15ULL, 0xdeadbeefULL, 42 };
	unsigned int moved = 0, kept = 0;

	for (unsigned int s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		uint64_t now = 1000000, at, old_deadline, old_arm;
		bool ok = true;

		prng_state = seeds[s];
		UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
		UT_EQ(vapic_next_deadline(&va), vlapic_next_deadline(&va.lapic));
		for (unsigned int i = 0; i < STEPS && ok; i++) {
			enum dl_op op;

			old_deadline = va.next_deadline;
			old_arm = va.arm_tsc;
			op = dl_step(&now, &at);
			ok = UT_CHECK_MSG(vapic_next_deadline(&va) == vlapic_next_deadline(&va.lapic),
					  "seed %u step %u (%s): kept %#llx, model %#llx", s, i,
					  op_names[op], (unsigned long long)vapic_next_deadline(&va),
					  (unsigned long long)vlapic_next_deadline(&va.lapic));
			if (op == OP_REBASE || va.next_deadline != old_deadline) {
				/* A TSC jump re-stamps on the new time base even for the same value. */
				ok = ok && UT_CHECK_MSG(va.arm_tsc == at, "seed %u step %u (%s): "
							"arm_tsc %llu, step at %llu", s, i,
							op_names[op],
							(unsigned long long)va.arm_tsc,
							(unsigned long long)at);
				moved++;
			} else {
				ok = ok && UT_CHECK_MSG(va.arm_tsc == old_arm, "seed %u step %u (%s): "
							"arm_tsc moved without the deadline", s, i,
							op_names[op]);
				kept++;
			}
		}
	}
	/* The sequences must exercise both outcomes, or they prove little. */
	UT_CHECK_MSG(moved > 1000U && kept > 1000U, "moved %u, kept %u", moved, kept);
}

/* The getter neither calls the model nor changes anything: the whole struct is unchanged. */
static void getter_has_no_side_effect(void)
{
	uint64_t now = 5000, at, d;

	prng_state = 7;
	UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
	for (unsigned int i = 0; i < 2000U; i++) {
		(void)dl_step(&now, &at);
		memcpy(&before, &va, sizeof(va));
		d = vapic_next_deadline(&va);
		if (!UT_CHECK_MSG(memcmp(&before, &va, sizeof(va)) == 0 &&
				  d == vapic_next_deadline(&va) && d == vlapic_next_deadline(&va.lapic),
				  "step %u: vapic_next_deadline() changed the vapic", i))
			return;
	}
}

/*
 * arm_tsc is the instant of the write that set the deadline, not of a later
 * look at it; an expiry hands on the next deadline and counts lateness from
 * the one it fired.
 */
static void arm_tsc_is_the_write(void)
{
	uint64_t val = 0x1ffU, d;
	bool gp;

	UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
	UT_EQ(vapic_next_deadline(&va), VTIMER_NONE);
	(void)vapic_mmio(&va, APIC_BASE_DEFAULT + APIC_REG_SVR, 4, true, &val, 100);
	val = 0x40U | APIC_LVT_TIMER_TSCDEADLINE;
	(void)vapic_mmio(&va, APIC_BASE_DEFAULT + APIC_REG_LVT_TIMER, 4, true, &val, 200);
	UT_EQ(vapic_next_deadline(&va), VTIMER_NONE);
	val = 5000;
	UT_CHECK(vapic_msr(&va, MSR_IA32_TSC_DEADLINE, true, &val, 1000, &gp) && !gp);
	UT_EQ(vapic_next_deadline(&va), 5000U);
	UT_EQ(va.arm_tsc, 1000U);
	/* Not due: nothing fires, the deadline is handed back. */
	UT_EQ(vapic_expire(&va, 4999, VAPIC_NOTICE_OTHER_EXIT, 4999), 5000U);
	UT_EQ(va.stats.fires[VAPIC_NOTICE_OTHER_EXIT], 0U);
	/* Due: one fire, disarmed (TSC-deadline mode is one-shot). */
	d = vapic_expire(&va, 5000, VAPIC_NOTICE_PREEMPT, 4900);
	UT_EQ(d, VTIMER_NONE);
	UT_EQ(d, vlapic_next_deadline(&va.lapic));
	UT_EQ(va.stats.fires[VAPIC_NOTICE_PREEMPT], 1U);
	UT_EQ(va.fire_deadline, 5000U);
	UT_EQ(va.arm_tsc, 5000U);
	UT_EQ(vapic_take_vector(&va, 5010), 0x40);
	vapic_note_entry(&va, 5010);
	UT_EQ(va.stats.injected, 1U);
	UT_EQ(va.stats.early, 0U);
	UT_EQ(va.stats.late_max, 10U);
}

/* A jump of the guest TSC keeps a TSC deadline absolute and re-stamps arm_tsc. */
static void rebase_keeps_the_models_deadline(void)
{
	uint64_t val = 0x1ffU;
	bool gp;

	UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
	(void)vapic_mmio(&va, APIC_BASE_DEFAULT + APIC_REG_SVR, 4, true, &val, 100);
	val = 0x41U | APIC_LVT_TIMER_TSCDEADLINE;
	(void)vapic_mmio(&va, APIC_BASE_DEFAULT + APIC_REG_LVT_TIMER, 4, true, &val, 100);
	val = 90000;
	(void)vapic_msr(&va, MSR_IA32_TSC_DEADLINE, true, &val, 1000, &gp);
	UT_EQ(vapic_rebase_tsc(&va, 2000, 50000), 0);
	UT_EQ(vapic_next_deadline(&va), 90000U);
	UT_EQ(vlapic_next_deadline(&va.lapic), 90000U);
	UT_EQ(va.arm_tsc, 50000U);
	/* Forward past it: still the model's, and due at the entry's expiry. */
	UT_EQ(vapic_rebase_tsc(&va, 50000, 100000), 0);
	UT_EQ(vapic_next_deadline(&va), vlapic_next_deadline(&va.lapic));
	UT_EQ(vapic_expire(&va, 100000, VAPIC_NOTICE_OTHER_EXIT, 100000), VTIMER_NONE);
	UT_EQ(va.stats.fires[VAPIC_NOTICE_OTHER_EXIT], 1U);
	UT_CHECK(va.fire_pending && va.fire_blocked == false);
}

static const struct ut_case cases[] = {
	UT_CASE(kept_deadline_is_the_models),
	UT_CASE(getter_has_no_side_effect),
	UT_CASE(arm_tsc_is_the_write),
	UT_CASE(rebase_keeps_the_models_deadline),
};

UT_MAIN("vapic_deadline", cases)
