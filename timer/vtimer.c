/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The virtual APIC timer model; the contract and the decisions are in
 * vtimer.h.  Exact arithmetic: a time is `tsc + frac / clock_num` with
 * 0 <= frac < clock_num, and calculations that need it widen to 128 bits
 * ("scaled" values, in units of 1 / clock_num TSC tick).
 */
#define pr_prefix "vtimer: "
#include <tv/assert.h>
#include <tv/errno.h>
#include <tv/log.h>
#include <tv/types.h>
#include <tv/udiv128.h>

#include "vtimer.h"

typedef unsigned __int128 vtimer_u128;

/* The latest exact time we represent; later deadlines saturate here. */
#define VTIMER_TSC_SATURATED	(UINT64_MAX - 1ULL)
/* Largest time left a save may carry: 2^32 counts * 128 * 65536 < 2^56. */
#define VTIMER_MAX_LEFT_TSC	(1ULL << 56)
#define VTIMER_MAX_DIV_SHIFT	7U

/*
 * 128-bit division by the image's one implementation (include/tv/udiv128.h;
 * the image also routes gcc's __udivti3 there).  A zero divisor would be a
 * model bug: assert, and answer 0 in a release build rather than trap
 * (tv_udivmod128 leaves division by 0 undefined).
 */
static vtimer_u128 vtimer_divmod(vtimer_u128 n, vtimer_u128 d, vtimer_u128 *rem)
{
	TV_ASSERT(d != 0);
	if (d == 0) {
		*rem = 0;
		return 0;
	}
	return tv_udivmod128(n, d, rem);
}

static vtimer_u128 vtimer_div(vtimer_u128 n, vtimer_u128 d)
{
	vtimer_u128 rem;

	return vtimer_divmod(n, d, &rem);
}

void vtimer_config_default(struct vtimer_config *cfg, uint64_t tsc_khz)
{
	cfg->tsc_khz = tsc_khz;
	cfg->clock_num = 1U;
	cfg->clock_den = 1U;
	/* tsc_khz ticks per ms: 200 us is tsc_khz / 5 ticks. */
	cfg->min_period_tsc = tsc_khz * VTIMER_DEFAULT_MIN_PERIOD_US / 1000ULL;
	cfg->policy = VTIMER_POLICY_COALESCE;
	cfg->max_backlog = VTIMER_DEFAULT_MAX_BACKLOG;
}

int vtimer_check_config(const struct vtimer_config *cfg)
{
	if (cfg->tsc_khz == 0 || cfg->clock_num == 0 || cfg->clock_den == 0)
		return -TV_EINVAL;
	if (cfg->clock_num > cfg->clock_den)
		return -TV_EINVAL;
	if ((uint64_t)cfg->clock_den > (uint64_t)cfg->clock_num * VTIMER_MAX_CLOCK_RATIO)
		return -TV_EINVAL;
	if ((unsigned int)cfg->policy > (unsigned int)VTIMER_POLICY_DROP)
		return -TV_EINVAL;
	if (cfg->max_backlog == 0)
		return -TV_EINVAL;
	/* A minimum period beyond 2^56 ticks (years) is a typo, not a policy. */
	if (cfg->min_period_tsc > VTIMER_MAX_LEFT_TSC)
		return -TV_EINVAL;
	return 0;
}

static vtimer_u128 vtimer_scale(const struct vtimer *t, uint64_t tsc, uint32_t frac)
{
	return (vtimer_u128)tsc * t->cfg.clock_num + frac;
}

/* Split a scaled time into tsc + frac, saturating far-future values. */
static void vtimer_unscale(const struct vtimer *t, vtimer_u128 v, uint64_t *tsc,
			   uint32_t *frac)
{
	vtimer_u128 rem, q = vtimer_divmod(v, t->cfg.clock_num, &rem);

	if (q >= VTIMER_TSC_SATURATED) {
		*tsc = VTIMER_TSC_SATURATED;
		*frac = 0;
		return;
	}
	*tsc = (uint64_t)q;
	*frac = (uint32_t)rem;
}

static vtimer_u128 vtimer_deadline_scaled(const struct vtimer *t)
{
	return vtimer_scale(t, t->deadline_tsc, t->deadline_frac);
}

static vtimer_u128 vtimer_period_scaled(const struct vtimer *t)
{
	return vtimer_scale(t, t->period_tsc, t->period_frac);
}

/* One timer count in scaled units: divide value * clock_den. */
static uint64_t vtimer_count_scaled(const struct vtimer *t)
{
	return ((uint64_t)1U << t->div_shift) * t->cfg.clock_den;
}

/* TMICT counts at the current divide value, in scaled units. */
static vtimer_u128 vtimer_counts_scaled(const struct vtimer *t, uint32_t counts)
{
	return (vtimer_u128)counts * vtimer_count_scaled(t);
}

/*
 * The periodic reload period: TMICT counts, raised to min_period_tsc
 * (STYLE.md: KVM's limit_periodic_timer_frequency) so a guest cannot make
 * the host take an exit every few ticks.
 */
static void vtimer_update_period(struct vtimer *t)
{
	vtimer_u128 p = vtimer_counts_scaled(t, t->tmict);
	vtimer_u128 min = (vtimer_u128)t->cfg.min_period_tsc * t->cfg.clock_num;

	if (p < min) {
		pr_warn_ratelimited("periodic timer of %u counts (divide %u) below the minimum period of %llu TSC ticks: raised\n",
				    t->tmict, 1U << t->div_shift,
				    (unsigned long long)t->cfg.min_period_tsc);
		p = min;
	}
	vtimer_unscale(t, p, &t->period_tsc, &t->period_frac);
}

/* Arm the countdown to expire `left` scaled units after `now`. */
static void vtimer_arm_after(struct vtimer *t, uint64_t now, vtimer_u128 left)
{
	vtimer_unscale(t, vtimer_scale(t, now, 0) + left, &t->deadline_tsc,
		       &t->deadline_frac);
	t->is_armed = true;
}

/* Ticks owed from before a guest restart of the timer are stale: drop them. */
static void vtimer_drop_backlog(struct vtimer *t)
{
	t->stats.dropped += t->backlog;
	t->backlog = 0;
}

void vtimer_init(struct vtimer *t, const struct vtimer_config *cfg)
{
	TV_ASSERT(vtimer_check_config(cfg) == 0);
	*t = (struct vtimer){ 0 };
	t->cfg = *cfg;
	t->mode = VTIMER_MODE_ONESHOT;
	/* "Local APIC State After Power-Up or Reset": TDCR = 0, divide by 2. */
	t->div_shift = vtimer_tdcr_to_shift(0);
}

uint32_t vtimer_tdcr_to_shift(uint32_t tdcr)
{
	/* "Divide Configuration Register": bits 3,1:0 = 000 is /2 ... 110 is
	 * /128 and 111 is /1; so the shift is the 3-bit value plus one, mod 8. */
	uint32_t v = ((tdcr & 0x8U) >> 1) | (tdcr & 0x3U);

	return (v + 1U) & 0x7U;
}

void vtimer_set_mode(struct vtimer *t, enum vtimer_mode mode, uint64_t now)
{
	(void)now;	/* the countdown is absolute: nothing to rebase */
	if (mode == t->mode)
		return;
	if (mode == VTIMER_MODE_TSC_DEADLINE || t->mode == VTIMER_MODE_TSC_DEADLINE) {
		/* SDM "TSC-Deadline Mode": "Transitions between TSC-deadline
		 * mode and other timer modes also disarm the timer."  TMICT
		 * and the deadline MSR read 0 afterwards (KVM and Xen agree). */
		t->mode = mode;
		t->is_armed = false;
		t->tmict = 0;
		t->tsc_deadline = 0;
		vtimer_drop_backlog(t);
		return;
	}
	/* One-shot <-> periodic: the count runs on (vtimer.h); only the
	 * reload at 0 changes. */
	t->mode = mode;
	if (mode == VTIMER_MODE_PERIODIC && t->tmict != 0)
		vtimer_update_period(t);
}

void vtimer_write_tmict(struct vtimer *t, uint32_t value, uint64_t now)
{
	/* SDM "TSC-Deadline Mode": "writes to the initial-count register are
	 * ignored". */
	if (t->mode == VTIMER_MODE_TSC_DEADLINE)
		return;
	vtimer_drop_backlog(t);
	t->tmict = value;
	/* SDM "APIC Timer": "A write of 0 to the initial-count register
	 * effectively stops the local APIC timer, in both one-shot and
	 * periodic mode." */
	if (value == 0) {
		t->is_armed = false;
		return;
	}
	/* SDM "APIC Timer": writing the initial count starts the timer; the
	 * value is copied to the current count, which counts down from now. */
	if (t->mode == VTIMER_MODE_PERIODIC) {
		vtimer_update_period(t);
		vtimer_arm_after(t, now, vtimer_period_scaled(t));
	} else {
		vtimer_arm_after(t, now, vtimer_counts_scaled(t, value));
	}
}

void vtimer_write_tdcr(struct vtimer *t, uint32_t tdcr, uint64_t now)
{
	uint32_t shift = vtimer_tdcr_to_shift(tdcr);
	vtimer_u128 d, n, left;

	if (shift == t->div_shift)
		return;
	if (t->is_armed && t->mode != VTIMER_MODE_TSC_DEADLINE) {
		/* Keep the count, change the rate (vtimer.h): left * new/old,
		 * rounded up so the interrupt is never early. */
		d = vtimer_deadline_scaled(t);
		n = vtimer_scale(t, now, 0);
		left = d > n ? d - n : 0;
		if (shift > t->div_shift)
			left <<= shift - t->div_shift;
		else
			left = (left + ((vtimer_u128)1 << (t->div_shift - shift)) - 1U) >>
			       (t->div_shift - shift);
		t->div_shift = shift;
		vtimer_arm_after(t, now, left);
		if (t->mode == VTIMER_MODE_PERIODIC)
			vtimer_update_period(t);
		return;
	}
	t->div_shift = shift;
	if (t->mode == VTIMER_MODE_PERIODIC && t->tmict != 0)
		vtimer_update_period(t);
}

void vtimer_write_tsc_deadline(struct vtimer *t, uint64_t value, uint64_t now)
{
	(void)now;	/* the deadline is absolute; expire() compares it */
	/* SDM "TSC-Deadline Mode": outside that mode the MSR reads 0 and
	 * writes to it are ignored; writing 0 disarms; non-zero arms. */
	if (t->mode != VTIMER_MODE_TSC_DEADLINE)
		return;
	t->tsc_deadline = value;
	t->is_armed = value != 0;
}

uint32_t vtimer_read_tmict(const struct vtimer *t)
{
	return t->mode == VTIMER_MODE_TSC_DEADLINE ? 0U : t->tmict;
}

uint32_t vtimer_read_tmcct(const struct vtimer *t, uint64_t now)
{
	vtimer_u128 d, n, left, p, count;

	/* SDM "TSC-Deadline Mode": "the current-count register always reads 0". */
	if (!t->is_armed || t->mode == VTIMER_MODE_TSC_DEADLINE)
		return 0;
	d = vtimer_deadline_scaled(t);
	n = vtimer_scale(t, now, 0);
	if (n < d) {
		left = d - n;
	} else if (t->mode == VTIMER_MODE_PERIODIC) {
		/* Not yet expired by vmm/: read where the reloads have got to. */
		p = vtimer_period_scaled(t);
		if (p == 0)
			return 0;
		(void)vtimer_divmod(n - d, p, &left);
		left = p - left;
	} else {
		return 0;
	}
	/* The count drops by one at the end of each counting period: counts
	 * left is the time left in counts, rounded up. */
	count = vtimer_div(left + vtimer_count_scaled(t) - 1U, vtimer_count_scaled(t));
	return count > t->tmict ? t->tmict : (uint32_t)count;
}

uint64_t vtimer_read_tsc_deadline(const struct vtimer *t)
{
	/* SDM "TSC-Deadline Mode": reads 0 outside it and after firing. */
	return t->mode == VTIMER_MODE_TSC_DEADLINE ? t->tsc_deadline : 0U;
}

uint64_t vtimer_next_deadline(const struct vtimer *t)
{
	if (!t->is_armed)
		return VTIMER_NONE;
	if (t->mode == VTIMER_MODE_TSC_DEADLINE)
		return t->tsc_deadline;
	/* The exact expiry rounded up: never early. */
	return t->deadline_tsc + (t->deadline_frac != 0 ? 1U : 0U);
}

/* Account `k` due ticks under the policy; returns 1 to raise one now. */
static uint32_t vtimer_account(struct vtimer *t, uint64_t k, bool is_pending,
			       bool is_masked)
{
	uint32_t cap, room, raise = 0;
	uint64_t add;

	t->stats.due += k;
	/* SDM "Local Vector Table": a masked entry "inhibits reception of the
	 * interrupt"; the timer still counts and reloads. */
	if (is_masked) {
		t->stats.dropped += k;
		return 0;
	}
	switch (t->cfg.policy) {
	case VTIMER_POLICY_COALESCE:
	case VTIMER_POLICY_DROP:
		if (!is_pending) {
			t->stats.delivered++;
			k--;
			raise = 1;
		}
		if (t->cfg.policy == VTIMER_POLICY_COALESCE)
			t->stats.merged += k;
		else
			t->stats.dropped += k;
		return raise;
	case VTIMER_POLICY_DELAY:
	case VTIMER_POLICY_ONE_MISSED:
		if (!is_pending) {
			/* The oldest owed tick goes first. */
			if (t->backlog > 0)
				t->backlog--;
			else
				k--;
			t->stats.delivered++;
			raise = 1;
		}
		cap = t->cfg.policy == VTIMER_POLICY_DELAY ? t->cfg.max_backlog : 1U;
		room = cap > t->backlog ? cap - t->backlog : 0U;
		add = k < room ? k : room;
		t->backlog += (uint32_t)add;
		if (t->cfg.policy == VTIMER_POLICY_DELAY)
			t->stats.dropped += k - add;
		else
			t->stats.merged += k - add;
		return raise;
	}
	TV_ASSERT(false);
	return 0;
}

uint32_t vtimer_expire(struct vtimer *t, uint64_t now, bool is_pending,
		       bool is_masked)
{
	vtimer_u128 d, n, p, k;

	if (!t->is_armed)
		return 0;
	if (t->mode == VTIMER_MODE_TSC_DEADLINE) {
		/* "An interrupt is generated when the logical processor's
		 * time-stamp counter equals or exceeds the target value"; then
		 * the timer "disarms itself and clears the IA32_TSC_DEADLINE
		 * MSR". */
		if (now < t->tsc_deadline)
			return 0;
		t->is_armed = false;
		t->tsc_deadline = 0;
		return vtimer_account(t, 1, is_pending, is_masked);
	}
	d = vtimer_deadline_scaled(t);
	n = vtimer_scale(t, now, 0);
	if (n < d)
		return 0;
	if (t->mode == VTIMER_MODE_ONESHOT) {
		/* SDM "APIC Timer": in one-shot mode the interrupt is raised
		 * when the count reaches zero, and the count stays at 0 until
		 * the initial count is written again. */
		t->is_armed = false;
		return vtimer_account(t, 1, is_pending, is_masked);
	}
	/* Periodic: k deadlines are due, the last at d + (k-1) * p <= n. */
	p = vtimer_period_scaled(t);
	TV_ASSERT(p != 0);
	if (p == 0)
		p = 1;
	k = vtimer_div(n - d, p) + 1U;
	if (t->cfg.policy == VTIMER_POLICY_DROP && k > 1U) {
		/* No catch-up: the period restarts at now. */
		vtimer_arm_after(t, now, p);
	} else {
		vtimer_unscale(t, d + k * p, &t->deadline_tsc, &t->deadline_frac);
	}
	/* A k beyond 2^64 would need a pause of 2^64 ticks; clamp anyway. */
	return vtimer_account(t, k > UINT64_MAX ? UINT64_MAX : (uint64_t)k,
			      is_pending, is_masked);
}

uint32_t vtimer_take_backlog(struct vtimer *t)
{
	if (t->backlog == 0)
		return 0;
	t->backlog--;
	t->stats.delivered++;
	return 1;
}

void vtimer_save(const struct vtimer *t, uint64_t now, struct vtimer_state *s)
{
	vtimer_u128 d, n, rem, left = 0;

	*s = (struct vtimer_state){ 0 };
	s->mode = (uint32_t)t->mode;
	s->is_armed = t->is_armed ? 1U : 0U;
	s->tmict = t->tmict;
	s->div_shift = t->div_shift;
	s->backlog = t->backlog;
	s->tsc_deadline = t->tsc_deadline;
	s->stats = t->stats;
	if (t->is_armed && t->mode != VTIMER_MODE_TSC_DEADLINE) {
		d = vtimer_deadline_scaled(t);
		n = vtimer_scale(t, now, 0);
		left = d > n ? d - n : 0;
		if (left > (vtimer_u128)VTIMER_MAX_LEFT_TSC * t->cfg.clock_num)
			left = (vtimer_u128)VTIMER_MAX_LEFT_TSC * t->cfg.clock_num;
	}
	s->left_tsc = (uint64_t)vtimer_divmod(left, t->cfg.clock_num, &rem);
	s->left_frac = (uint32_t)rem;
}

static bool vtimer_is_state_valid(const struct vtimer *t, const struct vtimer_state *s)
{
	uint32_t cap = t->cfg.policy == VTIMER_POLICY_DELAY ? t->cfg.max_backlog : 1U;

	if (s->mode > (uint32_t)VTIMER_MODE_TSC_DEADLINE || s->is_armed > 1U)
		return false;
	if (s->div_shift > VTIMER_MAX_DIV_SHIFT || s->left_frac >= t->cfg.clock_num)
		return false;
	if (s->left_tsc > VTIMER_MAX_LEFT_TSC)
		return false;
	if (s->backlog > cap)
		return false;
	/* The accounting of struct vtimer_stats balances in every save. */
	if ((vtimer_u128)s->stats.due != (vtimer_u128)s->stats.delivered + s->stats.merged +
					  s->stats.dropped + s->backlog)
		return false;
	if (s->mode == VTIMER_MODE_TSC_DEADLINE)
		return s->tmict == 0 && s->is_armed == (s->tsc_deadline != 0 ? 1U : 0U) &&
		       s->left_tsc == 0 && s->left_frac == 0;
	if (s->tsc_deadline != 0)
		return false;
	return !(s->is_armed && s->tmict == 0);
}

int vtimer_restore(struct vtimer *t, const struct vtimer_state *s, uint64_t now)
{
	struct vtimer_config cfg = t->cfg;

	vtimer_init(t, &cfg);
	if (!vtimer_is_state_valid(t, s))
		return -TV_EINVAL;
	t->mode = (enum vtimer_mode)s->mode;
	t->tmict = s->tmict;
	t->div_shift = s->div_shift;
	t->tsc_deadline = s->tsc_deadline;
	t->backlog = s->backlog;
	t->stats = s->stats;
	t->is_armed = s->is_armed != 0;
	if (t->mode == VTIMER_MODE_PERIODIC && t->tmict != 0)
		vtimer_update_period(t);
	if (t->is_armed && t->mode != VTIMER_MODE_TSC_DEADLINE)
		vtimer_arm_after(t, now, vtimer_scale(t, s->left_tsc, s->left_frac));
	return 0;
}

const struct vtimer_stats *vtimer_get_stats(const struct vtimer *t)
{
	return &t->stats;
}

uint32_t vtimer_get_backlog(const struct vtimer *t)
{
	return t->backlog;
}
