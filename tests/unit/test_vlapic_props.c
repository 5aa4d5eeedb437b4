/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Property tests: random register sequences and clock advances from a
 * fixed seed, so every run is the same run.  Each case checks one
 * invariant of the timer model over thousands of random steps:
 *  - no timer interrupt before its deadline;
 *  - TMCCT <= TMICT, always;
 *  - a periodic timer lands exactly on start + N * period, whatever the
 *    APIC clock ratio and divide value;
 *  - no tick lost and none counted twice, under each missed-tick policy;
 *  - a restore at a later `now` behaves exactly as the original, shifted.
 */
#include <tv/errno.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "harness.h"
#include "../../lapic/vlapic.h"
#include "ut_rng.h"

#define TSC_KHZ		1000000ULL
#define STEPS		20000U

static uint64_t prng_state;

static void prng_seed(uint64_t seed)
{
	prng_state = seed ? seed : 1U;
}

/* xorshift64*: small, fixed, good enough to pick register writes. */
static uint64_t prng_next(void)
{
	return ut_xorshift64s(&prng_state);
}

static uint32_t prng_below(uint32_t n)
{
	return (uint32_t)(prng_next() % n);
}

static const uint32_t tdcr_values[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };

static void make_cfg(struct vlapic_config *cfg, enum vtimer_policy policy)
{
	vlapic_config_default(cfg, 0, true, TSC_KHZ);
	cfg->timer.min_period_tsc = prng_below(2) ? 0 : 2000;
	cfg->timer.clock_num = 1U + prng_below(5);
	cfg->timer.clock_den = cfg->timer.clock_num + prng_below(4 * cfg->timer.clock_num);
	cfg->timer.policy = policy;
	cfg->timer.max_backlog = 1U + prng_below(4);
}

static void mmio_wr(struct vlapic *v, uint32_t off, uint32_t val, uint64_t now)
{
	(void)vlapic_mmio_write(v, off, 4, val, now);
}

static uint32_t mmio_rd(struct vlapic *v, uint32_t off, uint64_t now)
{
	uint64_t val = 0;

	(void)vlapic_mmio_read(v, off, 4, &val, now);
	return (uint32_t)val;
}

enum prop_op {
	OP_ADVANCE, OP_LVTT, OP_TMICT, OP_TDCR, OP_TSC_DEADLINE, OP_TAKE,
	OP_SVR, OP_TPR, OP_EXPIRE, OP_COUNT,
};

struct prop_step {
	enum prop_op op;
	uint64_t arg;
};

static struct prop_step prop_random_step(void)
{
	struct prop_step s = { (enum prop_op)prng_below(OP_COUNT), prng_next() };

	return s;
}

/*
 * Apply one step to `v` at `*now`; time-valued arguments are relative to
 * *now, so the same step applied to a copy running `gap` ticks later does
 * the same thing.  Returns the timer vector taken by the guest, or -1.
 */
static int prop_apply(struct vlapic *v, const struct prop_step *s, uint64_t *now)
{
	static const uint32_t modes[3] = { APIC_LVT_TIMER_ONESHOT, APIC_LVT_TIMER_PERIODIC,
					   APIC_LVT_TIMER_TSCDEADLINE };
	uint32_t a = (uint32_t)s->arg;
	int vec;

	switch (s->op) {
	case OP_ADVANCE:
		/* Often to just before or exactly at the deadline: the edges. */
		if ((a & 0x3U) != 0 && vlapic_next_deadline(v) != VTIMER_NONE &&
		    vlapic_next_deadline(v) > *now + 1U)
			*now = vlapic_next_deadline(v) - ((a & 0x3U) == 1U ? 1U : 0U);
		else
			*now += s->arg % 5000U;
		break;
	case OP_LVTT:
		mmio_wr(v, APIC_REG_LVT_TIMER, 0x40U | modes[a % 3U] |
			((a & 0x100U) && (a & 0x200U) ? APIC_LVT_MASKED : 0U), *now);
		break;
	case OP_TMICT:
		mmio_wr(v, APIC_REG_TMICT, (a >> 8) % 3000U, *now);
		break;
	case OP_TDCR:
		mmio_wr(v, APIC_REG_TDCR, tdcr_values[a % 8U], *now);
		break;
	case OP_TSC_DEADLINE:
		(void)vlapic_msr_write(v, MSR_IA32_TSC_DEADLINE,
				       (a & 0x7U) == 0 ? 0U :
				       *now + (s->arg >> 40) % 6000U - 1000U, *now);
		break;
	case OP_TAKE:
		vec = vlapic_pending_vector(v);
		if (vec >= 0 && vlapic_ack_vector(v, (uint32_t)vec) == 0) {
			(void)vlapic_eoi(v);
			return vec;
		}
		break;
	case OP_SVR:
		mmio_wr(v, APIC_REG_SVR, (a & 0x7U) == 0 ? 0xffU : 0x1ffU, *now);
		break;
	case OP_TPR:
		mmio_wr(v, APIC_REG_TPR, (a & 0x3U) == 0 ? 0x50U : 0U, *now);
		break;
	case OP_EXPIRE:
	case OP_COUNT:
		(void)vlapic_expire(v, *now);
		break;
	}
	return -1;
}

static struct vlapic pa, pb;

static void prop_setup(struct vlapic *v, const struct vlapic_config *cfg)
{
	UT_EQ(vlapic_init(v, cfg), 0);
	mmio_wr(v, APIC_REG_SVR, 0x1ffU, 0);
}

static void no_interrupt_before_its_deadline(void)
{
	struct vlapic_config cfg;
	uint64_t now = 1000, deadline, delivered;
	unsigned int bad = 0, fired = 0;

	prng_seed(0x5eed0001U);
	make_cfg(&cfg, VTIMER_POLICY_COALESCE);
	prop_setup(&pa, &cfg);
	for (uint32_t i = 0; i < STEPS * 5U; i++) {
		struct prop_step s = prop_random_step();

		deadline = vlapic_next_deadline(&pa);
		delivered = vlapic_get_timer(&pa)->stats.delivered +
			    vlapic_get_timer(&pa)->stats.merged +
			    vlapic_get_timer(&pa)->stats.dropped;
		(void)prop_apply(&pa, &s, &now);
		if (vlapic_get_timer(&pa)->stats.delivered + vlapic_get_timer(&pa)->stats.merged +
		    vlapic_get_timer(&pa)->stats.dropped == delivered)
			continue;
		fired++;
		/* A tick may fire only at or after the deadline announced
		 * before the step, or at a TSC deadline written in the past. */
		if (s.op == OP_TSC_DEADLINE && deadline > now)
			continue;
		if (now < deadline && s.op != OP_TAKE)
			bad++;
	}
	UT_EQ(bad, 0);
	UT_CHECK_MSG(fired > 500, "only %u ticks fired", fired);
}

static void tmcct_never_exceeds_tmict(void)
{
	unsigned int bad = 0, nonzero = 0;

	prng_seed(0x5eed0002U);
	for (uint32_t run = 0; run < 20; run++) {
		struct vlapic_config cfg;
		uint64_t now = 1000;

		make_cfg(&cfg, (enum vtimer_policy)(run % 4U));
		prop_setup(&pa, &cfg);
		for (uint32_t i = 0; i < STEPS / 4U; i++) {
			struct prop_step s = prop_random_step();
			uint32_t tmcct, tmict;

			(void)prop_apply(&pa, &s, &now);
			tmcct = mmio_rd(&pa, APIC_REG_TMCCT, now);
			tmict = mmio_rd(&pa, APIC_REG_TMICT, now);
			if (tmcct > tmict)
				bad++;
			if (tmcct != 0)
				nonzero++;
		}
	}
	UT_EQ(bad, 0);
	UT_CHECK(nonzero > 1000);
}

static void periodic_lands_exactly_on_start_plus_n_periods(void)
{
	unsigned int bad = 0;

	prng_seed(0x5eed0003U);
	for (uint32_t run = 0; run < 200; run++) {
		struct vlapic_config cfg;
		uint32_t tmict = 1U + prng_below(100000), tdcr = tdcr_values[prng_below(8)];
		uint64_t start = prng_next() >> 8, div, periods = 1U + prng_below(500);
		unsigned __int128 period_scaled;

		make_cfg(&cfg, (enum vtimer_policy)prng_below(4));
		cfg.timer.min_period_tsc = 0;
		if (run % 2U) {
			/* Large fractions: the 128-bit arithmetic paths. */
			cfg.timer.clock_num = 0x80000000U | (uint32_t)prng_next();
			cfg.timer.clock_den = cfg.timer.clock_num +
					      prng_below(0xffffffffU - cfg.timer.clock_num + 1U);
		}
		prop_setup(&pa, &cfg);
		mmio_wr(&pa, APIC_REG_TDCR, tdcr, start);
		mmio_wr(&pa, APIC_REG_LVT_TIMER, 0x40U | APIC_LVT_TIMER_PERIODIC, start);
		mmio_wr(&pa, APIC_REG_TMICT, tmict, start);
		div = 1ULL << vtimer_tdcr_to_shift(tdcr);
		/* Period = tmict * div * den / num TSC ticks, exactly. */
		period_scaled = (unsigned __int128)tmict * div * cfg.timer.clock_den;
		for (uint64_t n = 1; n <= periods; n++) {
			unsigned __int128 exact = (unsigned __int128)start * cfg.timer.clock_num +
						  n * period_scaled;
			uint64_t want = (uint64_t)((exact + cfg.timer.clock_num - 1U) /
						   cfg.timer.clock_num);
			uint64_t got = vlapic_next_deadline(&pa);
			/* Serve late, but within the period: the grid must hold. */
			uint64_t late = prng_below(2) ? 0U :
					prng_below((uint32_t)TV_MIN(period_scaled / cfg.timer.clock_num,
								    1000U) + 1U) / 2U;

			if (got != want) {
				bad++;
				break;
			}
			(void)vlapic_expire(&pa, want + late);
			if (vlapic_pending_vector(&pa) != 0x40 ||
			    vlapic_ack_vector(&pa, 0x40U) != 0 || vlapic_eoi(&pa) != 0x40)
				bad++;
		}
	}
	UT_EQ(bad, 0);
}

/*
 * One policy: a periodic timer served at random times by a guest that
 * sometimes leaves interrupts pending for a while.  Every deadline must be
 * counted once (due == number of grid points passed, for the policies that
 * keep the grid); each counted tick is delivered, merged, dropped or owed;
 * the guest takes no more interrupts than were delivered.
 */
static void prop_policy(enum vtimer_policy policy, uint64_t seed)
{
	struct vlapic_config cfg;
	const struct vtimer *t = vlapic_get_timer(&pa);
	uint64_t now = 0, taken = 0, period = 1000;
	unsigned int unbalanced = 0;

	prng_seed(seed);
	make_cfg(&cfg, policy);
	cfg.timer.clock_num = 1;
	cfg.timer.clock_den = 1;
	cfg.timer.min_period_tsc = 0;
	prop_setup(&pa, &cfg);
	mmio_wr(&pa, APIC_REG_TDCR, 0xbU, now);
	mmio_wr(&pa, APIC_REG_LVT_TIMER, 0x40U | APIC_LVT_TIMER_PERIODIC, now);
	mmio_wr(&pa, APIC_REG_TMICT, (uint32_t)period, now);
	for (uint32_t i = 0; i < STEPS; i++) {
		uint32_t r = prng_below(100);

		if (r < 60)
			now += prng_below(r < 5 ? 20000U : 1500U);
		(void)vlapic_expire(&pa, now);
		if (r % 3U != 0) {
			int vec = vlapic_pending_vector(&pa);

			if (vec == 0x40 && vlapic_ack_vector(&pa, 0x40U) == 0 &&
			    vlapic_eoi(&pa) == 0x40)
				taken++;
		}
		if (t->stats.due != t->stats.delivered + t->stats.merged + t->stats.dropped +
				    vtimer_get_backlog(t))
			unbalanced++;
	}
	UT_EQ(unbalanced, 0);
	/* No duplicate: the guest took at most what was delivered. */
	UT_CHECK_MSG(taken <= t->stats.delivered && t->stats.delivered <= taken + 1U,
		     "taken %llu delivered %llu", (unsigned long long)taken,
		     (unsigned long long)t->stats.delivered);
	/* No loss: every grid deadline up to now was counted. */
	if (policy != VTIMER_POLICY_DROP)
		UT_EQ(t->stats.due, now / period);
	else
		UT_CHECK(t->stats.due <= now / period && t->stats.due > 0);
	UT_CHECK(t->stats.delivered > 1000);
}

static void no_lost_no_duplicate_tick_coalesce(void)
{
	prop_policy(VTIMER_POLICY_COALESCE, 0x5eed0010U);
}

static void no_lost_no_duplicate_tick_delay(void)
{
	prop_policy(VTIMER_POLICY_DELAY, 0x5eed0011U);
}

static void no_lost_no_duplicate_tick_one_missed(void)
{
	prop_policy(VTIMER_POLICY_ONE_MISSED, 0x5eed0012U);
}

static void no_lost_no_duplicate_tick_drop(void)
{
	prop_policy(VTIMER_POLICY_DROP, 0x5eed0013U);
}

/* Under prompt service every policy delivers every tick: none is lost. */
static void prompt_service_delivers_every_tick_under_each_policy(void)
{
	for (uint32_t p = 0; p < 4; p++) {
		struct vlapic_config cfg;
		uint64_t taken = 0;

		prng_seed(0x5eed0020U + p);
		make_cfg(&cfg, (enum vtimer_policy)p);
		cfg.timer.min_period_tsc = 0;
		prop_setup(&pa, &cfg);
		mmio_wr(&pa, APIC_REG_TDCR, 0x1U, 0);
		mmio_wr(&pa, APIC_REG_LVT_TIMER, 0x40U | APIC_LVT_TIMER_PERIODIC, 0);
		mmio_wr(&pa, APIC_REG_TMICT, 777, 0);
		for (uint32_t i = 0; i < 3000; i++) {
			(void)vlapic_expire(&pa, vlapic_next_deadline(&pa));
			if (vlapic_ack_vector(&pa, 0x40U) == 0 && vlapic_eoi(&pa) == 0x40)
				taken++;
		}
		UT_EQ(taken, 3000);
		UT_EQ(vlapic_get_timer(&pa)->stats.due, 3000);
	}
}

/* Observable state of one APIC at `now`, for comparing two of them. */
static bool prop_same(struct vlapic *a, uint64_t now_a, struct vlapic *b, uint64_t now_b)
{
	static const uint32_t offs[] = { APIC_REG_TMCCT, APIC_REG_TMICT, APIC_REG_LVT_TIMER,
					 APIC_REG_TDCR, APIC_REG_PPR, APIC_REG_IRR0 + 0x20U,
					 APIC_REG_ISR0 + 0x20U, APIC_REG_SVR };
	uint64_t da = vlapic_next_deadline(a), db = vlapic_next_deadline(b);
	uint64_t ma = 0, mb = 0;

	for (size_t i = 0; i < TV_ARRAY_SIZE(offs); i++)
		if (mmio_rd(a, offs[i], now_a) != mmio_rd(b, offs[i], now_b))
			return false;
	(void)vlapic_msr_read(a, MSR_IA32_TSC_DEADLINE, &ma, now_a);
	(void)vlapic_msr_read(b, MSR_IA32_TSC_DEADLINE, &mb, now_b);
	if ((ma == 0) != (mb == 0) || (ma != 0 && ma - now_a != mb - now_b))
		return false;
	if ((da == VTIMER_NONE) != (db == VTIMER_NONE))
		return false;
	return da == VTIMER_NONE || da - now_a == db - now_b;
}

static void restore_at_later_now_resumes_exactly(void)
{
	unsigned int bad = 0, runs_armed = 0;

	prng_seed(0x5eed0030U);
	for (uint32_t run = 0; run < 300; run++) {
		struct vlapic_config cfg;
		struct vlapic_state st;
		uint64_t now = 1000 + prng_below(100000), gap, now_b;

		make_cfg(&cfg, (enum vtimer_policy)prng_below(4));
		prop_setup(&pa, &cfg);
		for (uint32_t i = prng_below(200); i > 0; i--) {
			struct prop_step s = prop_random_step();

			(void)prop_apply(&pa, &s, &now);
		}
		vlapic_save(&pa, now, &st);
		/* The guest TSC deadline is absolute: no gap in that mode. */
		gap = st.timer.mode == VTIMER_MODE_TSC_DEADLINE ? 0 : prng_next() >> 20;
		now_b = now + gap;
		UT_EQ(vlapic_init(&pb, &cfg), 0);
		if (vlapic_restore(&pb, &st, now_b) != 0) {
			bad++;
			continue;
		}
		if (vlapic_next_deadline(&pa) != VTIMER_NONE)
			runs_armed++;
		for (uint32_t i = 0; i < 300; i++) {
			struct prop_step s = prop_random_step();

			/* Both copies see the same step at the same relative time. */
			(void)prop_apply(&pa, &s, &now);
			(void)prop_apply(&pb, &s, &now_b);
			if (!prop_same(&pa, now, &pb, now_b)) {
				bad++;
				break;
			}
		}
	}
	UT_EQ(bad, 0);
	UT_CHECK(runs_armed > 30);
}

static const struct ut_case cases[] = {
	UT_CASE(no_interrupt_before_its_deadline),
	UT_CASE(tmcct_never_exceeds_tmict),
	UT_CASE(periodic_lands_exactly_on_start_plus_n_periods),
	UT_CASE(no_lost_no_duplicate_tick_coalesce),
	UT_CASE(no_lost_no_duplicate_tick_delay),
	UT_CASE(no_lost_no_duplicate_tick_one_missed),
	UT_CASE(no_lost_no_duplicate_tick_drop),
	UT_CASE(prompt_service_delivers_every_tick_under_each_policy),
	UT_CASE(restore_at_later_now_resumes_exactly),
};

UT_MAIN("vlapic_props", cases)
