/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The virtual-APIC page against the model (issue 11, bugs 2-4).  With
 * APIC-register virtualization the CPU serves guest reads of most xAPIC
 * registers from the virtual-APIC page without a VM exit (SDM Vol. 3C,
 * "Virtualizing Reads from the APIC-Access Page"), and MOV from CR8 reads
 * VTPR in every APIC mode.  vmm/ rewrites the page before every entry
 * (vapic_sync_to_page) and takes what the guest stored there without an
 * exit after every exit (vapic_sync_from_page).  These cases run random
 * operation sequences from fixed seeds, the way vmm/ drives the model, and
 * after every step compare each served page offset with the model's own
 * read of that register.
 */
#include <string.h>

#include <tv/errno.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "harness.h"
#include "../../lapic/vlapic.h"
#include "../../vmm/vapic.h"
#include "ut_rng.h"

#define TSC_KHZ		1000000ULL
#define STEPS		40000U

/* SDM "Virtualizing Reads from the APIC-Access Page", APIC-register
 * virtualization 1: the offsets served from the virtual-APIC page.  PPR
 * (0A0H), APR (090H) and TMCCT (390H) are not in the list: they exit. */
static const uint32_t served[] = {
	0x020, 0x030, 0x080, 0x0b0, 0x0d0, 0x0e0, 0x0f0,
	0x100, 0x110, 0x120, 0x130, 0x140, 0x150, 0x160, 0x170,
	0x180, 0x190, 0x1a0, 0x1b0, 0x1c0, 0x1d0, 0x1e0, 0x1f0,
	0x200, 0x210, 0x220, 0x230, 0x240, 0x250, 0x260, 0x270,
	0x280, 0x300, 0x310, 0x320, 0x330, 0x340, 0x350, 0x360, 0x370,
	0x380, 0x3e0,
};

static uint64_t prng_state;

static uint64_t prng_next(void)
{
	return ut_xorshift64s(&prng_state);
}

static uint32_t prng_below(uint32_t n)
{
	return (uint32_t)(prng_next() % n);
}

static struct vapic va;
static uint32_t page[1024];

static uint32_t mmio_rd(struct vlapic *v, uint32_t off, uint64_t now)
{
	uint64_t val = 0;

	UT_EQ(vlapic_mmio_read(v, off, 4, &val, now).status, VLAPIC_OK);
	return (uint32_t)val;
}

/* A register write through the face of the current mode, as a guest would. */
static void reg_wr(struct vlapic *v, uint32_t off, uint32_t val, uint64_t now)
{
	if (vlapic_get_mode(v) == VLAPIC_MODE_X2APIC)
		(void)vlapic_msr_write(v, MSR_IA32_X2APIC_BASE + (off >> 4), val, now);
	else
		(void)vlapic_mmio_write(v, off, 4, val, now);
}

enum page_op {
	OP_ADVANCE, OP_LVTT, OP_TMICT, OP_TDCR, OP_TSC_DEADLINE, OP_SVR, OP_TPR,
	OP_EOI, OP_SELF_IPI, OP_ACK, OP_APIC_BASE, OP_CR8, OP_VTPR, OP_LVT_OTHER,
	OP_ESR, OP_ICR_HIGH, OP_COUNT,
};

static const char *const op_names[OP_COUNT] = {
	"advance", "lvtt", "tmict", "tdcr", "tsc-deadline", "svr", "tpr", "eoi",
	"self-ipi", "ack", "apic-base", "cr8", "vtpr", "lvt", "esr", "icr-high",
};

/* IA32_APIC_BASE values a guest might write: disable, xAPIC (at the default
 * base or relocated), x2APIC; the model refuses the illegal transitions. */
static uint64_t pick_apic_base(uint32_t a)
{
	static const uint64_t bases[] = {
		APIC_BASE_DEFAULT, APIC_BASE_DEFAULT - 0x100000ULL,
	};
	uint64_t base = bases[(a >> 4) & 1U] | APIC_BASE_BSP;

	switch (a % 5U) {
	case 0: return base;				/* disabled */
	case 1: return base | APIC_BASE_EN | APIC_BASE_EXTD;
	default: return base | APIC_BASE_EN;		/* xAPIC */
	}
}

/*
 * One step at *now.  Returns the op.  Every step ends as vmm/ ends a VM
 * exit: the timer expired at now (guest_before_entry's vapic_expire), then
 * whatever may be delivered taken for injection.
 */
static enum page_op page_step(uint64_t *now)
{
	static const uint32_t modes[3] = { APIC_LVT_TIMER_ONESHOT, APIC_LVT_TIMER_PERIODIC,
					   APIC_LVT_TIMER_TSCDEADLINE };
	static const uint32_t tdcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	static const uint32_t lvts[] = { APIC_REG_LVT_THERMAL, APIC_REG_LVT_PERF,
					 APIC_REG_LVT_LINT0, APIC_REG_LVT_LINT1,
					 APIC_REG_LVT_ERROR };
	enum page_op op = (enum page_op)prng_below(OP_COUNT);
	uint64_t r = prng_next();
	uint32_t a = (uint32_t)r;
	struct vlapic *v = &va.lapic;
	uint64_t d;
	int vec;

	switch (op) {
	case OP_ADVANCE:
		d = vlapic_next_deadline(v);
		if ((a & 3U) && d != VTIMER_NONE && d > *now)
			*now = d - ((a & 3U) == 1U ? 1U : 0U);	/* the edges */
		else
			*now += (r >> 32) % 3000U;
		break;
	case OP_LVTT:
		reg_wr(v, APIC_REG_LVT_TIMER, (0x20U + (a >> 24) % 0xd0U) | modes[a % 3U] |
		       ((a & 0x300U) == 0x300U ? APIC_LVT_MASKED : 0U), *now);
		break;
	case OP_TMICT:
		reg_wr(v, APIC_REG_TMICT, (a & 7U) == 0 ? 0U : (a >> 8) % 4000U, *now);
		break;
	case OP_TDCR:
		reg_wr(v, APIC_REG_TDCR, tdcr[a % 8U], *now);
		break;
	case OP_TSC_DEADLINE:
		(void)vlapic_msr_write(v, MSR_IA32_TSC_DEADLINE, (a & 7U) == 0 ? 0U :
				       *now + (r >> 40) % 5000U - 800U, *now);
		break;
	case OP_SVR:
		reg_wr(v, APIC_REG_SVR, (a & 7U) == 0 ? 0xffU : 0x1ffU, *now);
		break;
	case OP_TPR:
		reg_wr(v, APIC_REG_TPR, a & 0xffU, *now);
		break;
	case OP_EOI:
		reg_wr(v, APIC_REG_EOI, 0, *now);
		break;
	case OP_SELF_IPI:
		/* ICR with shorthand self: the model delivers it to itself. */
		if (vlapic_get_mode(v) == VLAPIC_MODE_X2APIC)
			(void)vlapic_msr_write(v, APIC_MSR_ICR, APIC_ICR_SH_SELF |
					       (0x20U + (a >> 8) % 0xe0U), *now);
		else
			reg_wr(v, APIC_REG_ICR_LOW, APIC_ICR_SH_SELF | (0x20U + (a >> 8) % 0xe0U),
			       *now);
		break;
	case OP_ACK:
		vec = vlapic_pending_vector(v);
		if (vec >= 0)
			UT_EQ(vlapic_ack_vector(v, (uint32_t)vec), 0);
		break;
	case OP_APIC_BASE:
		(void)vlapic_write_apic_base(v, pick_apic_base(a), *now);
		break;
	case OP_CR8:
		/* MOV to CR8 without a TPR shadow (apic=access|ept). */
		UT_EQ(vlapic_write_cr8(v, a & 0xfU), VLAPIC_OK);
		break;
	case OP_VTPR:
		/* With a TPR shadow: the guest stores VTPR (MOV to CR8 or MMIO
		 * 080H) without an exit; the next exit takes it. */
		page[APIC_REG_TPR / 4U] = (a & 1U) ? (a & 0xf0U) : (a & 0xffU);
		vapic_sync_from_page(&va, page, *now);
		break;
	case OP_LVT_OTHER:
		reg_wr(v, lvts[a % TV_ARRAY_SIZE(lvts)], (a >> 8) & 0x1ffffU, *now);
		break;
	case OP_ESR:
		reg_wr(v, APIC_REG_ESR, 0, *now);
		break;
	case OP_ICR_HIGH:
		/* 310H completes into the page without an exit (xAPIC only). */
		page[APIC_REG_ICR_HIGH / 4U] = a & 0xff000000U;
		vapic_sync_from_page(&va, page, *now);
		break;
	case OP_COUNT:
		break;
	}
	(void)vlapic_expire(v, *now);
	if ((a >> 28) == 0) {
		vec = vlapic_pending_vector(v);
		if (vec >= 0)
			UT_EQ(vlapic_ack_vector(v, (uint32_t)vec), 0);
	}
	return op;
}

/* After vapic_sync_to_page(): every served offset equals the model's read at now. */
static unsigned int page_mismatches(uint64_t now, enum page_op op, uint32_t step)
{
	struct vlapic *v = &va.lapic;
	unsigned int bad = 0;
	uint64_t cr8 = page[APIC_REG_TPR / 4U] >> 4 & 0xfU;

	/* MOV from CR8 under a TPR shadow reads VTPR[7:4], in every mode. */
	if (cr8 != vlapic_read_cr8(v)) {
		UT_CHECK_MSG(false, "step %u after %s: CR8 from the page %llu, model %llu", step,
			     op_names[op], (unsigned long long)cr8,
			     (unsigned long long)vlapic_read_cr8(v));
		bad++;
	}
	if (vlapic_get_mode(v) == VLAPIC_MODE_X2APIC) {
		uint64_t tpr = 0;

		(void)vlapic_msr_read(v, MSR_IA32_X2APIC_BASE + (APIC_REG_TPR >> 4), &tpr, now);
		if (tpr != page[APIC_REG_TPR / 4U]) {
			UT_CHECK_MSG(false, "step %u after %s: x2APIC TPR %#llx, page %#x", step,
				     op_names[op], (unsigned long long)tpr,
				     page[APIC_REG_TPR / 4U]);
			bad++;
		}
		return bad;
	}
	if (vlapic_get_mode(v) != VLAPIC_MODE_XAPIC)
		return bad;
	for (unsigned int i = 0; i < TV_ARRAY_SIZE(served); i++) {
		uint32_t want = mmio_rd(v, served[i], now);

		if (page[served[i] / 4U] != want) {
			UT_CHECK_MSG(false, "step %u after %s: page %#x holds %#x, model reads %#x",
				     step, op_names[op], served[i], page[served[i] / 4U], want);
			if (++bad > 8)
				return bad;
		}
	}
	return bad;
}

static void run_sequence(uint64_t seed, enum vtimer_policy policy)
{
	uint64_t now = 1000;
	unsigned int bad = 0, tmict_nonzero = 0, x2apic = 0, disabled = 0;

	prng_state = seed;
	UT_EQ(vapic_init(&va, TSC_KHZ, prng_below(2) ? 0 : 1, policy), 0);
	memset(page, 0, sizeof(page));
	vapic_sync_to_page(&va, page);
	for (uint32_t i = 0; i < STEPS && bad < 8; i++) {
		enum page_op op = page_step(&now);

		vapic_sync_to_page(&va, page);
		bad += page_mismatches(now, op, i);
		if (page[APIC_REG_TMICT / 4U])
			tmict_nonzero++;
		if (vlapic_get_mode(&va.lapic) == VLAPIC_MODE_X2APIC)
			x2apic++;
		if (vlapic_get_mode(&va.lapic) == VLAPIC_MODE_DISABLED)
			disabled++;
	}
	UT_EQ(bad, 0);
	/* The sequence reached the states it is about. */
	UT_CHECK_MSG(tmict_nonzero > STEPS / 20U, "TMICT non-zero after only %u steps",
		     tmict_nonzero);
	UT_CHECK_MSG(x2apic > STEPS / 50U && disabled > STEPS / 50U,
		     "x2APIC for %u steps, disabled for %u", x2apic, disabled);
}

static void page_equals_model_after_every_step(void)
{
	for (unsigned int p = 0; p < 4U; p++)
		run_sequence(0x9a6e0001ULL + p, (enum vtimer_policy)p);
}

/* Bug 3 as written: TMICT read back under apicv while the timer counts. */
static void tmict_on_page_is_the_written_count(void)
{
	uint64_t now = 5000;

	UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
	(void)vlapic_mmio_write(&va.lapic, APIC_REG_SVR, 4, 0x1ff, now);
	(void)vlapic_mmio_write(&va.lapic, APIC_REG_LVT_TIMER, 4, 0x40, now);
	(void)vlapic_mmio_write(&va.lapic, APIC_REG_TMICT, 4, 123456, now);
	vapic_sync_to_page(&va, page);
	UT_EQ(page[APIC_REG_TMICT / 4U], 123456U);
	/* Still the written value while counting, and after reaching 0. */
	(void)vlapic_expire(&va.lapic, now + 1000);
	vapic_sync_to_page(&va, page);
	UT_EQ(page[APIC_REG_TMICT / 4U], 123456U);
	(void)vlapic_expire(&va.lapic, now + 100000000ULL);
	vapic_sync_to_page(&va, page);
	UT_EQ(page[APIC_REG_TMICT / 4U], 123456U);
	/* Entering TSC-deadline mode clears TMICT ("TSC-Deadline Mode"). */
	(void)vlapic_mmio_write(&va.lapic, APIC_REG_LVT_TIMER, 4, 0x40 | APIC_LVT_TIMER_TSCDEADLINE,
				now + 100000001ULL);
	vapic_sync_to_page(&va, page);
	UT_EQ(page[APIC_REG_TMICT / 4U], 0U);
	/* PPR, which the page also carries, is derived, not stored. */
	(void)vlapic_mmio_write(&va.lapic, APIC_REG_TPR, 4, 0x45, now + 100000002ULL);
	vapic_sync_to_page(&va, page);
	UT_EQ(page[APIC_REG_PPR / 4U], 0x45U);
}

/* Bug 2: CR8 in every mode, on both paths (exiting, and VTPR in the page). */
static void cr8_is_tpr_in_every_mode(void)
{
	static const uint64_t bases[3] = {
		APIC_BASE_DEFAULT | APIC_BASE_BSP | APIC_BASE_EN,
		APIC_BASE_DEFAULT | APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD,
		APIC_BASE_DEFAULT | APIC_BASE_BSP,
	};

	for (unsigned int m = 0; m < 3; m++) {
		UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
		if (m == 2)
			UT_EQ(vlapic_write_apic_base(&va.lapic, bases[2], 10).status, VLAPIC_OK);
		else
			UT_EQ(vlapic_write_apic_base(&va.lapic, bases[m], 10).status, VLAPIC_OK);
		for (uint64_t cr8 = 0; cr8 < 16; cr8++) {
			uint64_t tpr = 0;

			UT_EQ(vlapic_write_cr8(&va.lapic, cr8), VLAPIC_OK);
			UT_EQ(vlapic_read_cr8(&va.lapic), cr8);
			UT_EQ(vlapic_get_tpr(&va.lapic), (uint32_t)cr8 << 4);
			if (m == 0) {
				UT_EQ(mmio_rd(&va.lapic, APIC_REG_TPR, 10), (uint32_t)cr8 << 4);
			} else if (m == 1) {
				UT_EQ(vlapic_msr_read(&va.lapic, 0x808, &tpr, 10).status, VLAPIC_OK);
				UT_EQ(tpr, cr8 << 4);
			}
			/* The TPR-shadow path: the guest's store lands in VTPR. */
			page[APIC_REG_TPR / 4U] = (uint32_t)(15U - cr8) << 4;
			vapic_sync_from_page(&va, page, 10);
			UT_EQ(vlapic_read_cr8(&va.lapic), 15U - cr8);
			vapic_sync_to_page(&va, page);
			UT_EQ(page[APIC_REG_TPR / 4U] >> 4, 15U - cr8);
		}
		/* Reserved CR8 bits: #GP, TPR unchanged. */
		UT_EQ(vlapic_write_cr8(&va.lapic, 0x10), VLAPIC_GP);
		UT_EQ(vlapic_read_cr8(&va.lapic), 0U);
	}
	/* Re-enabling after a disable starts from the power-up TPR 0. */
	UT_EQ(vlapic_write_cr8(&va.lapic, 9), VLAPIC_OK);
	UT_EQ(vlapic_write_apic_base(&va.lapic, bases[0], 20).status, VLAPIC_OK);
	UT_EQ(vlapic_read_cr8(&va.lapic), 0U);
}

/* ICR high stored into the page without an exit survives an unrelated exit. */
static void icr_high_from_page_survives_an_exit(void)
{
	UT_EQ(vapic_init(&va, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
	vapic_sync_to_page(&va, page);
	page[APIC_REG_ICR_HIGH / 4U] = 0x5a000000U;
	/* An unrelated exit, then the entry after it. */
	vapic_sync_from_page(&va, page, 100);
	vapic_sync_to_page(&va, page);
	UT_EQ(page[APIC_REG_ICR_HIGH / 4U], 0x5a000000U);
	UT_EQ(mmio_rd(&va.lapic, APIC_REG_ICR_HIGH, 100), 0x5a000000U);
}

static const struct ut_case cases[] = {
	UT_CASE(page_equals_model_after_every_step),
	UT_CASE(tmict_on_page_is_the_written_count),
	UT_CASE(cr8_is_tpr_in_every_mode),
	UT_CASE(icr_high_from_page_survives_an_exit),
};

UT_MAIN("vapic_page", cases)
