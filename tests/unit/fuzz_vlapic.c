/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * libFuzzer target for the virtual local APIC and its timer: the input is
 * a configuration followed by a sequence of operations (MMIO and MSR
 * accesses at any offset and width, IA32_APIC_BASE writes, clock advances,
 * expiry, interrupt acceptance and delivery, INIT, save/restore, restores of
 * corrupted states).  After every operation the invariants of the model are
 * checked; a violation aborts, which libFuzzer reports as a crash:
 *  - no timer tick counted before the deadline announced for it;
 *  - a periodic timer left alone stays on its grid: its exact deadline
 *    moves by whole periods only (except the drop policy's resync);
 *  - after the timer was brought up to `now`, its next deadline is later;
 *  - TMCCT <= TMICT;
 *  - tick accounting: due == delivered + merged + dropped + backlog;
 *  - the pending vector is legal, in IRR and above PPR's class;
 *  - vectors 0-15 never enter IRR, ISR or TMR;
 *  - IA32_APIC_BASE never holds the invalid EN=0/EXTD=1 state;
 *  - a saved state restores, and a restore at the same `now` reproduces
 *    the registers and the deadline.
 * Build and run: `make fuzz FUZZ_SECONDS=N`, `make fuzz-short`; replay a
 * crash with `FUZZ_VLAPIC_TRACE=1 build/fuzz/fuzz_vlapic crash-file`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86/apicdef.h>
#include <x86/msr.h>

#include "../../lapic/vlapic.h"
#include "ut_rng.h"

/* Keep the clock far from 2^64 so deadlines never saturate. */
#define FUZZ_NOW_LIMIT	(1ULL << 60)


static void fuzz_fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_vlapic: invariant broken: %s (0x%llx, 0x%llx)\n", what,
		(unsigned long long)a, (unsigned long long)b);
	abort();
}

#define FUZZ_CHECK(cond, a, b) do { if (!(cond)) fuzz_fail(#cond, (a), (b)); } while (0)

static bool fuzz_vec_set(const struct vlapic *v, uint32_t base, uint32_t vec)
{
	return (v->regs[(base >> 4) + (vec >> 5)] >> (vec & 31U)) & 1U;
}

static void fuzz_check_state(const struct vlapic *v, uint64_t now, bool is_synced)
{
	const struct vtimer *t = vlapic_get_timer(v);
	const struct vtimer_stats *s = vtimer_get_stats(t);
	uint64_t next = vlapic_next_deadline(v);
	int pend = vlapic_pending_vector(v);

	FUZZ_CHECK(vtimer_read_tmcct(t, now) <= vtimer_read_tmict(t),
		   vtimer_read_tmcct(t, now), vtimer_read_tmict(t));
	FUZZ_CHECK(s->due == s->delivered + s->merged + s->dropped + vtimer_get_backlog(t),
		   s->due, s->delivered);
	if (is_synced)
		FUZZ_CHECK(next == VTIMER_NONE || next > now, next, now);
	if (pend != VLAPIC_NO_VECTOR) {
		FUZZ_CHECK(pend >= 16 && pend < 256, (uint64_t)pend, 0);
		FUZZ_CHECK(fuzz_vec_set(v, APIC_REG_IRR0, (uint32_t)pend), (uint64_t)pend, 0);
		FUZZ_CHECK(((uint32_t)pend & 0xf0U) > (vlapic_get_ppr(v) & 0xf0U),
			   (uint64_t)pend, vlapic_get_ppr(v));
	}
	FUZZ_CHECK((v->regs[APIC_REG_IRR0 >> 4] & 0xffffU) == 0, v->regs[APIC_REG_IRR0 >> 4], 0);
	FUZZ_CHECK((v->regs[APIC_REG_ISR0 >> 4] & 0xffffU) == 0, v->regs[APIC_REG_ISR0 >> 4], 0);
	FUZZ_CHECK((v->regs[APIC_REG_TMR0 >> 4] & 0xffffU) == 0, v->regs[APIC_REG_TMR0 >> 4], 0);
	FUZZ_CHECK((v->apic_base & APIC_BASE_EN) || !(v->apic_base & APIC_BASE_EXTD),
		   v->apic_base, 0);
	FUZZ_CHECK(vlapic_get_mode(v) != VLAPIC_MODE_X2APIC || v->cfg.has_x2apic, v->apic_base, 0);
}

/* A save restores into a fresh APIC with the same registers and deadline. */
static void fuzz_check_round_trip(struct vlapic *v, uint64_t now, struct vlapic_state *st)
{
	static struct vlapic copy;

	vlapic_save(v, now, st);
	FUZZ_CHECK(vlapic_init(&copy, &v->cfg) == 0, 0, 0);
	FUZZ_CHECK(vlapic_restore(&copy, st, now) == 0, st->apic_base, st->timer.mode);
	FUZZ_CHECK(memcmp(copy.regs, v->regs, sizeof(v->regs)) == 0, 0, 0);
	FUZZ_CHECK(vlapic_next_deadline(&copy) == vlapic_next_deadline(v),
		   vlapic_next_deadline(&copy), vlapic_next_deadline(v));
	FUZZ_CHECK(vtimer_read_tmcct(vlapic_get_timer(&copy), now) ==
		   vtimer_read_tmcct(vlapic_get_timer(v), now), 0, 0);
}

/* The exact deadline of the timer, in 1/clock_num ticks. */
static unsigned __int128 fuzz_exact(const struct vtimer *t, uint64_t tsc, uint32_t frac)
{
	return (unsigned __int128)tsc * t->cfg.clock_num + frac;
}

static bool fuzz_is_periodic_armed(const struct vtimer *t)
{
	return t->is_armed && t->mode == VTIMER_MODE_PERIODIC;
}

static const uint32_t fuzz_msrs[] = {
	MSR_IA32_APIC_BASE, MSR_IA32_TSC_DEADLINE, 0x802, 0x803, 0x808, 0x80a, 0x80b,
	0x80d, 0x80e, 0x80f, 0x828, 0x830, 0x831, 0x832, 0x835, 0x837, 0x838, 0x839,
	0x83e, 0x83f,
};

static const uint64_t fuzz_bases[] = {
	APIC_BASE_DEFAULT | APIC_BASE_EN,
	APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD,
	APIC_BASE_DEFAULT,
	APIC_BASE_DEFAULT | APIC_BASE_EXTD,
	0xfed00000ULL | APIC_BASE_EN,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vlapic v;
	static struct vlapic_state st;
	struct ut_fuzz_input in = { data, size, 0 };
	struct vlapic_config cfg;
	uint64_t now = 1000, val;
	uint32_t c = (uint32_t)ut_fuzz_get(&in, 4);
	bool have_state = false;
	/* FUZZ_VLAPIC_TRACE=1 prints every operation, to read a crash input. */
	bool trace = getenv("FUZZ_VLAPIC_TRACE") != NULL;

	vlapic_config_default(&cfg, c >> 24, true, 1000U + (c & 0xfffU) * 1000U);
	cfg.timer.policy = (enum vtimer_policy)((c >> 12) & 3U);
	cfg.timer.clock_num = 1U + ((c >> 14) & 7U);
	cfg.timer.clock_den = cfg.timer.clock_num * (1U + ((c >> 17) & 3U)) + ((c >> 19) & 1U);
	if ((c >> 23) & 1U) {
		/* A large fraction: the 128-bit paths of the arithmetic. */
		cfg.timer.clock_num = 0x80000000U | (uint32_t)ut_fuzz_get(&in, 4);
		cfg.timer.clock_den = cfg.timer.clock_num + ((uint32_t)ut_fuzz_get(&in, 4) &
							     (0xffffffffU - cfg.timer.clock_num));
		now = ut_fuzz_get(&in, 7) & (FUZZ_NOW_LIMIT / 2U - 1U);
	}
	cfg.timer.min_period_tsc = (c & 0x100000U) ? 0 : cfg.timer.min_period_tsc;
	cfg.timer.max_backlog = 1U + ((c >> 21) & 7U);
	cfg.has_x2apic = ((c >> 20) & 1U) == 0 || (c >> 24) == 0;
	if (vlapic_init(&v, &cfg) != 0)
		return 0;

	while (in.pos < in.size) {
		uint32_t op = (uint32_t)ut_fuzz_get(&in, 1);
		const struct vtimer_stats *s = vtimer_get_stats(vlapic_get_timer(&v));
		uint64_t due_before = s->due, deadline_before = vlapic_next_deadline(&v);
		bool may_fire_early = false, is_synced = true, is_reset = false;
		const struct vtimer *t = vlapic_get_timer(&v);
		bool was_periodic = fuzz_is_periodic_armed(t);
		unsigned __int128 old_d = fuzz_exact(t, t->deadline_tsc, t->deadline_frac);
		unsigned __int128 old_p = fuzz_exact(t, t->period_tsc, t->period_frac);
		int vec;

		switch (op % 16U) {
		case 0: {	/* MMIO read, any offset and width */
			uint32_t off = (uint32_t)ut_fuzz_get(&in, 2) & 0x1fffU;

			(void)vlapic_mmio_read(&v, off, 1U + (op >> 4) % 8U, &val, now);
			break;
		}
		case 1:		/* MMIO write to a register, aligned 32-bit */
		case 2: {
			uint32_t off = ((uint32_t)ut_fuzz_get(&in, 1) & 0x3fU) << 4;

			(void)vlapic_mmio_write(&v, off, 4, ut_fuzz_get(&in, 4), now);
			break;
		}
		case 3: {	/* MMIO write, any offset and width */
			uint32_t off = (uint32_t)ut_fuzz_get(&in, 2) & 0x1fffU;

			(void)vlapic_mmio_write(&v, off, 1U + (op >> 4) % 8U, ut_fuzz_get(&in, 4), now);
			break;
		}
		case 4: {	/* MSR read */
			uint32_t msr = fuzz_msrs[(op >> 4) % TV_ARRAY_SIZE(fuzz_msrs)];

			(void)vlapic_msr_read(&v, (op & 0x80U) ? 0x800U + (uint32_t)ut_fuzz_get(&in, 1) : msr,
					      &val, now);
			break;
		}
		case 5: {	/* MSR write */
			uint32_t sel = (uint32_t)ut_fuzz_get(&in, 1);
			uint32_t msr = fuzz_msrs[sel % TV_ARRAY_SIZE(fuzz_msrs)];
			uint64_t value = ut_fuzz_get(&in, (op & 0x80U) ? 8 : 4);

			/* Small values pass the reserved-bit checks more often. */
			if (op & 0x40U)
				value &= (op & 0x20U) ? 0xffU : 0x000effffU;
			if (msr == MSR_IA32_TSC_DEADLINE) {
				/* Keep deadlines near now, on both sides. */
				value = (op & 0x80U) ? value : now + (value & 0xffffU) - 0x100U;
				may_fire_early = true;
			}
			if (msr == MSR_IA32_APIC_BASE)
				is_reset = true;
			(void)vlapic_msr_write(&v, msr, value, now);
			break;
		}
		case 6:		/* IA32_APIC_BASE through the state machine */
			(void)vlapic_write_apic_base(&v, fuzz_bases[(op >> 4) % TV_ARRAY_SIZE(fuzz_bases)],
						     now);
			is_reset = true;
			break;
		case 7: {	/* advance the clock */
			uint64_t d = ut_fuzz_get(&in, 1 + (op >> 4) % 4U);

			if ((op & 0x80U) && deadline_before != VTIMER_NONE && deadline_before > now)
				d = deadline_before - now - ((op >> 4) & 1U);
			if (now + d < FUZZ_NOW_LIMIT)
				now += d;
			is_synced = false;
			break;
		}
		case 8:
			(void)vlapic_expire(&v, now);
			break;
		case 9:		/* the guest takes the pending interrupt */
			vec = vlapic_pending_vector(&v);
			if (vec >= 0) {
				FUZZ_CHECK(vlapic_ack_vector(&v, (uint32_t)vec) == 0, (uint64_t)vec, 0);
				if (op & 0x10U)
					(void)vlapic_eoi(&v);
			}
			is_synced = false;
			break;
		case 10:
			(void)vlapic_eoi(&v);
			is_synced = false;
			break;
		case 11:
			(void)vlapic_accept_irq(&v, (uint32_t)ut_fuzz_get(&in, 1), (op & 0x10U) != 0);
			is_synced = false;
			break;
		case 12:
			if (op & 0x10U)
				vlapic_accept_nmi(&v);
			else
				(void)vlapic_take_nmi(&v);
			is_synced = false;
			break;
		case 13:	/* save, with a round trip check */
			fuzz_check_round_trip(&v, now, &st);
			have_state = true;
			break;
		case 14:	/* restore (possibly corrupted) at a later now */
			if (have_state) {
				struct vlapic_state bad = st;

				if (op & 0x10U) {
					size_t at = (size_t)ut_fuzz_get(&in, 2) % sizeof(bad);

					((uint8_t *)&bad)[at] ^= (uint8_t)ut_fuzz_get(&in, 1);
				}
				if (now + 1000U < FUZZ_NOW_LIMIT)
					now += ut_fuzz_get(&in, 1) * 16U;
				(void)vlapic_restore(&v, &bad, now);
				(void)vlapic_expire(&v, now);
				is_reset = true;
			} else {
				is_synced = false;
			}
			break;
		case 15:
			vlapic_reset_init(&v);
			is_reset = true;
			break;
		}
		if (trace)
			fprintf(stderr, "op %u/%u now %llu next %llu tmict %u mode %d\n", op % 16U, op,
				(unsigned long long)now,
				(unsigned long long)vlapic_next_deadline(&v),
				vtimer_read_tmict(vlapic_get_timer(&v)), (int)vlapic_get_mode(&v));
		fuzz_check_state(&v, now, is_synced);
		/* Periodic exactness: ops that write no timer register keep the
		 * deadline on start + N * period. */
		if (was_periodic && fuzz_is_periodic_armed(t) && !is_reset &&
		    (op % 16U == 0 || op % 16U >= 7U) && op % 16U != 14U && op % 16U != 15U &&
		    t->cfg.policy != VTIMER_POLICY_DROP && t->deadline_tsc < UINT64_MAX - 1U) {
			unsigned __int128 new_d = fuzz_exact(t, t->deadline_tsc, t->deadline_frac);

			FUZZ_CHECK(fuzz_exact(t, t->period_tsc, t->period_frac) == old_p, 0, 0);
			FUZZ_CHECK(new_d >= old_d && (new_d - old_d) % old_p == 0,
				   (uint64_t)(new_d - old_d), (uint64_t)old_p);
		}
		/* No tick before its deadline (a reset or restore restarts the
		 * accounting). */
		if (!is_reset && !may_fire_early &&
		    vtimer_get_stats(vlapic_get_timer(&v))->due != due_before)
			FUZZ_CHECK(now >= deadline_before, now, deadline_before);
	}
	return 0;
}
