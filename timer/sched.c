/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The scheduler of one pCPU.  See sched.h for the rules and the protocol.
 *
 * Every event that changes the round-robin order (a wake, a start, a
 * replenishment, a used-up slice) is keyed by the instant it happened
 * (rr_time), not by the moment vmm/ reports it, so the order is the same
 * whether vmm/ picks at every event or once after several.  With at most
 * SCHED_MAX_VCPUS vCPUs a linear scan is both the simplest and the fastest
 * structure: no queue to keep in order, nothing to get out of step.
 */
#include <tv/assert.h>
#include <tv/errno.h>
#include <tv/types.h>

#include "sched.h"

/* Saturating: a time past 2^64 - 1 is "never" (centuries of TSC ticks away). */
static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > SCHED_NONE - b ? SCHED_NONE : a + b;
}

static inline uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? SCHED_NONE : r;
}

static inline bool is_server(const struct sched_vcpu *v)
{
	return v->params.period != 0;
}

/* Rule 1: runnable, and a server only while it has budget left. */
static inline bool is_eligible(const struct sched_vcpu *v)
{
	return v->state == SCHED_RUNNABLE && (!is_server(v) || v->budget_left > 0);
}

/* Rule 3: the budget is full again at every window boundary up to `t`. */
static void advance_window(struct sched_vcpu *v, uint64_t t)
{
	uint64_t windows;

	if (!is_server(v) || t < v->window_end)
		return;
	windows = (t - v->window_end) / v->params.period + 1U;
	v->window_end = sat_add(v->window_end, sat_mul(windows, v->params.period));
	v->budget_left = v->params.budget;
}

/* Rule 2: joining the tail of its priority as of `t`, with a fresh slice. */
static void join_tail(struct sched_vcpu *v, uint64_t t)
{
	v->rr_time = t;
	v->slice_left = v->params.slice;
}

/*
 * Apply every event of one vCPU up to `now`, each as of its own instant.
 * A halted vCPU's rr_time holds when it halted: a deadline that had already
 * passed then wakes it at the halt, never before it.
 */
static void refresh_vcpu(struct sched_vcpu *v, uint64_t now)
{
	if (v->state == SCHED_HALTED && v->deadline <= now) {
		uint64_t woke = TV_MAX(v->deadline, v->rr_time);

		advance_window(v, woke);
		v->state = SCHED_RUNNABLE;
		if (is_eligible(v))
			join_tail(v, woke);
	}
	/* An exhausted server rejoins at its replenishment, not when seen. */
	if (v->state == SCHED_RUNNABLE && !is_eligible(v) && v->window_end <= now) {
		uint64_t refill = v->window_end;

		advance_window(v, refill);
		join_tail(v, refill);
	}
	advance_window(v, now);
}

/* When `v` becomes eligible by itself, given that it was refreshed to `now`. */
static uint64_t eligible_at(const struct sched_vcpu *v, uint64_t now)
{
	uint64_t woke;

	switch (v->state) {
	case SCHED_RUNNABLE:
		return is_eligible(v) ? now : v->window_end;
	case SCHED_HALTED:
		if (v->deadline == SCHED_NONE)
			return SCHED_NONE;
		woke = TV_MAX(v->deadline, v->rr_time);
		/* Woken with no budget left: it waits for the boundary. */
		if (is_server(v) && v->budget_left == 0 && woke < v->window_end)
			return v->window_end;
		return woke;
	case SCHED_STOPPED:
	default:
		return SCHED_NONE;
	}
}

/* Rules 1 and 2: highest priority, then earliest to join, then lowest index. */
static uint32_t choose(const struct sched *s)
{
	uint32_t best = SCHED_IDLE;

	for (uint32_t i = 0; i < s->count; i++) {
		const struct sched_vcpu *v = &s->vcpu[i];
		const struct sched_vcpu *b;

		if (!is_eligible(v))
			continue;
		if (best == SCHED_IDLE) {
			best = i;
			continue;
		}
		b = &s->vcpu[best];
		if (v->params.prio > b->params.prio ||
		    (v->params.prio == b->params.prio && v->rr_time < b->rr_time))
			best = i;
	}
	return best;
}

/* The first end of c's slices at or after `t`, its current slice ending at now + slice_left. */
static uint64_t slice_end_from(const struct sched_vcpu *c, uint64_t now, uint64_t t)
{
	uint64_t end = sat_add(now, c->slice_left);
	uint64_t turns;

	if (t <= end)
		return end;
	turns = (t - end) / c->params.slice + ((t - end) % c->params.slice != 0U);
	return sat_add(end, sat_mul(turns, c->params.slice));
}

/* Rule 5 for the chosen vCPU `c`. */
static uint64_t run_bound(const struct sched *s, uint32_t c, uint64_t now)
{
	const struct sched_vcpu *cv = &s->vcpu[c];
	uint64_t until = SCHED_NONE;

	if (is_server(cv))
		until = sat_add(now, cv->budget_left);
	for (uint32_t i = 0; i < s->count; i++) {
		const struct sched_vcpu *v = &s->vcpu[i];
		uint64_t e;

		if (i == c || v->params.prio < cv->params.prio)
			continue;
		e = eligible_at(v, now);
		if (e == SCHED_NONE)
			continue;
		/* An equal priority waits for the end of the slice it joins during. */
		if (v->params.prio == cv->params.prio)
			e = slice_end_from(cv, now, e);
		/* A higher priority preempts the instant it can run. */
		until = TV_MIN(until, e);
	}
	return until;
}

/* Idle: the first instant any vCPU becomes eligible by itself. */
static uint64_t idle_bound(const struct sched *s, uint64_t now)
{
	uint64_t until = SCHED_NONE;

	for (uint32_t i = 0; i < s->count; i++) {
		uint64_t e = eligible_at(&s->vcpu[i], now);

		until = TV_MIN(until, e);
	}
	return until;
}

void sched_init(struct sched *s, uint64_t now)
{
	*s = (struct sched){ .count = 0, .current = SCHED_IDLE, .now = now };
}

int sched_add(struct sched *s, const struct sched_params *p, uint64_t now, uint32_t *id)
{
	struct sched_vcpu *v;

	if (!s || !p || !id || p->slice == 0 || (p->budget == 0) != (p->period == 0) ||
	    p->budget > p->period)
		return -TV_EINVAL;
	if (s->count >= SCHED_MAX_VCPUS)
		return -TV_ENOMEM;
	now = TV_MAX(now, s->now);
	v = &s->vcpu[s->count];
	*v = (struct sched_vcpu){
		.params = *p,
		.state = SCHED_RUNNABLE,
		.deadline = SCHED_NONE,
		.budget_left = p->budget,
		.window_end = p->period ? sat_add(now, p->period) : SCHED_NONE,
	};
	join_tail(v, now);
	*id = s->count++;
	return 0;
}

int sched_set_state(struct sched *s, uint32_t id, enum sched_state state, uint64_t now)
{
	struct sched_vcpu *v;

	if (id >= s->count || (state != SCHED_STOPPED && state != SCHED_RUNNABLE &&
			       state != SCHED_HALTED))
		return -TV_EINVAL;
	now = TV_MAX(now, s->now);
	s->now = now;
	v = &s->vcpu[id];
	/* Its own past events first, so that a wake already due keeps its instant. */
	refresh_vcpu(v, now);
	if (v->state == state)
		return 0;
	v->state = state;
	if (state == SCHED_RUNNABLE)
		join_tail(v, now);
	else if (state == SCHED_HALTED)
		v->rr_time = now;
	return 0;
}

int sched_set_deadline(struct sched *s, uint32_t id, uint64_t deadline, uint64_t now)
{
	if (id >= s->count)
		return -TV_EINVAL;
	now = TV_MAX(now, s->now);
	s->now = now;
	/* A wake at the old deadline that already passed stays a wake, at its instant. */
	refresh_vcpu(&s->vcpu[id], now);
	s->vcpu[id].deadline = deadline;
	return 0;
}

/* Rule 2: a used-up slice sends the vCPU to the tail as of the instant it ended. */
static void charge_slice(struct sched_vcpu *v, uint64_t from, uint64_t ran)
{
	uint64_t slice = v->params.slice;
	uint64_t over, turns;

	if (ran < v->slice_left) {
		v->slice_left -= ran;
		return;
	}
	over = ran - v->slice_left;
	turns = over / slice;
	v->stats.slice_ends += 1U + turns;
	/* At most from + ran: no wrap. */
	v->rr_time = from + v->slice_left + turns * slice;
	v->slice_left = slice - over % slice;
}

/* Rule 3 inside one window: `ticks` of CPU against what is left of the budget. */
static void use_budget(struct sched_vcpu *v, uint64_t ticks)
{
	if (ticks == 0)
		return;
	if (ticks < v->budget_left) {
		v->budget_left -= ticks;
		return;
	}
	if (v->budget_left > 0)
		v->stats.throttled++;
	v->stats.overrun_ticks = sat_add(v->stats.overrun_ticks, ticks - v->budget_left);
	v->budget_left = 0;
}

/*
 * Rule 3 over a run from `from` to `to`, split at the window boundaries.
 * Only a run past run_until crosses a boundary with the budget used up; it
 * then rejoins the tail at the last boundary, as an exhausted server would.
 */
static void charge_budget(struct sched_vcpu *v, uint64_t from, uint64_t to)
{
	uint64_t period = v->params.period;
	uint64_t past, full;
	bool ran_dry;

	advance_window(v, from);
	if (to <= v->window_end) {
		use_budget(v, to - from);
		return;
	}
	use_budget(v, v->window_end - from);
	past = to - v->window_end;
	full = past / period;
	ran_dry = v->budget_left == 0 || (full > 0 && v->params.budget < period);
	if (full > 0) {
		v->stats.throttled = sat_add(v->stats.throttled, full);
		v->stats.overrun_ticks = sat_add(v->stats.overrun_ticks,
						 sat_mul(full, period - v->params.budget));
	}
	v->window_end = sat_add(v->window_end, sat_mul(full + 1U, period));
	v->budget_left = v->params.budget;
	if (ran_dry && v->window_end != SCHED_NONE)
		v->rr_time = TV_MAX(v->rr_time, v->window_end - period);
	use_budget(v, past % period);
}

int sched_account(struct sched *s, uint32_t id, uint64_t from, uint64_t to)
{
	struct sched_vcpu *v;

	if (id >= s->count || to < from)
		return -TV_EINVAL;
	v = &s->vcpu[id];
	v->stats.cpu_ticks = sat_add(v->stats.cpu_ticks, to - from);
	charge_slice(v, from, to - from);
	if (is_server(v))
		charge_budget(v, from, to);
	return 0;
}

/* A pick that puts a higher priority in place of a vCPU that could go on counts against it. */
static void count_preemption(struct sched *s, uint32_t chosen)
{
	struct sched_vcpu *prev;

	if (s->current == SCHED_IDLE || s->current >= s->count || s->current == chosen ||
	    chosen == SCHED_IDLE)
		return;
	prev = &s->vcpu[s->current];
	if (is_eligible(prev) && s->vcpu[chosen].params.prio > prev->params.prio)
		prev->stats.preempted++;
}

struct sched_decision sched_pick(struct sched *s, uint64_t now)
{
	struct sched_decision d = {
		.vcpu = SCHED_IDLE,
		.run_until = SCHED_NONE,
		.host_deadline = SCHED_NONE,
		.due = 0,
	};

	now = TV_MAX(now, s->now);
	s->now = now;
	/* Rule 4: every vCPU due by now wakes here, all in this one pass. */
	for (uint32_t i = 0; i < s->count; i++)
		refresh_vcpu(&s->vcpu[i], now);
	d.vcpu = choose(s);
	count_preemption(s, d.vcpu);
	s->current = d.vcpu;
	for (uint32_t i = 0; i < s->count; i++) {
		const struct sched_vcpu *v = &s->vcpu[i];

		if (v->state == SCHED_STOPPED)
			continue;
		if (v->deadline <= now)
			d.due |= 1U << i;
		/* Rule 6: the deadlines no preemption timer is watching. */
		if (i != d.vcpu)
			d.host_deadline = TV_MIN(d.host_deadline, v->deadline);
	}
	if (d.vcpu == SCHED_IDLE) {
		d.run_until = idle_bound(s, now);
	} else {
		d.run_until = run_bound(s, d.vcpu, now);
		/* Every bound lies ahead: the budget and slice are >= 1, the rest not eligible yet. */
		TV_ASSERT(d.run_until > now || d.run_until == SCHED_NONE);
	}
	return d;
}

uint64_t sched_eligible_at(const struct sched *s, uint32_t id)
{
	if (id >= s->count)
		return SCHED_NONE;
	return eligible_at(&s->vcpu[id], s->now);
}
