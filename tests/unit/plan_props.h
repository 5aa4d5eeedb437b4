/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The delivery planner's rules (timer/plan.h) as checks over one input,
 * shared by the property test (test_plan.c) and the fuzz target
 * (fuzz_plan.c).  Each check states the rule from the outside, in terms of
 * the plan's effect (when the entry happens, when the hardware fires), not
 * by re-running the planner's own arithmetic.
 */
#ifndef TV_TESTS_UNIT_PLAN_PROPS_H
#define TV_TESTS_UNIT_PLAN_PROPS_H

#include "../../timer/plan.h"

static inline uint64_t plan_props_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Rules 1 and 2 for one expiry decided at guest time `now` on path p. */
static inline const char *plan_props_expiry(const struct plan_timing *t, uint64_t now_host,
					    uint64_t off, uint64_t d, enum plan_path p,
					    const struct plan_expiry *e)
{
	uint64_t now = now_host + off;
	uint64_t bound = plan_props_sat_add(t->margin[p], t->spin_slack);

	if (e->expire_at_guest != now) {
		/* Expiring later than now: only at the deadline, and only with a spin to it. */
		if (e->expire_at_guest != d || d == PLAN_NONE)
			return "expiry at a time that is neither now nor the deadline";
		if (e->spin_until_host + off != d)
			return "never early: expired ahead of now without spinning to the deadline";
		if (d < now)
			return "expired at a deadline that already passed instead of now";
	} else if (e->spin_until_host != 0) {
		return "a spin without expiring at the deadline";
	}
	if (e->spin_until_host != 0) {
		if (p == PLAN_PATH_OTHER_EXIT)
			return "an unrelated exit spun";
		if (e->spin_until_host - now_host > bound)
			return "spin longer than margin + slack";
	}
	/* Minimally late: a deadline within reach on a timer path is met exactly. */
	if (p != PLAN_PATH_OTHER_EXIT && d != PLAN_NONE && d > now && d - now <= bound &&
	    e->expire_at_guest != d)
		return "a deadline within margin + slack was not spun to";
	return NULL;
}

/* Rule 3 for the preemption timer and the host queue. */
static inline const char *plan_props_arm(const struct plan_timing *t, const struct plan_input *in,
					 const struct plan_arm *a)
{
	uint64_t off = in->tsc_offset, d = in->deadline_guest, dh = d - off;
	uint64_t limit = in->timeout_host;	/* earliest deadline the preemption timer owns */
	bool own_by_preempt = d != PLAN_NONE &&
			      (t->running == PLAN_BACKEND_PREEMPT || in->halted);

	if (own_by_preempt) {
		uint64_t m = t->margin[in->halted ? PLAN_PATH_HALT_PREEMPT : PLAN_PATH_PREEMPT];

		limit = limit < (dh > m ? dh - m : 0) ? limit : (dh > m ? dh - m : 0);
		if (a->host_deadline != PLAN_NONE)
			return "the preemption timer's deadline also queued for a host interrupt";
	} else if (d != PLAN_NONE) {
		if (a->host_deadline != dh)
			return "the host queue does not hold the vCPU's deadline";
		if (a->host_early != t->margin[PLAN_PATH_HOST_IRQ])
			return "host interrupt not armed margin[HOST_IRQ] early";
		if (t->preempt_safety_net && !in->guest_if && dh < limit)
			limit = dh;
	} else if (a->host_deadline != PLAN_NONE) {
		return "a host-queue entry without a deadline";
	}
	if (t->running == PLAN_BACKEND_PREEMPT && in->queue_host < limit)
		limit = in->queue_host;
	if (limit == PLAN_NONE)
		return a->preempt_ticks ? "preemption timer armed with nothing to wait for" : NULL;
	if (!a->preempt_ticks)
		return "preemption timer not armed for a deadline it owns";
	if (a->preempt_ticks > (limit > in->now_host ? limit - in->now_host : 1))
		return "preemption timer armed past the earliest deadline";
	if (limit > in->now_host && a->preempt_ticks < limit - in->now_host)
		return "preemption timer armed earlier than the margin asks";
	return NULL;
}

/* Rule 4 and the halted wait. */
static inline const char *plan_props_halt(const struct plan_timing *t, const struct plan_input *in,
					  const struct plan_halt *h)
{
	uint64_t d = in->deadline_guest, until = in->timeout_host, m = t->margin[PLAN_PATH_HALT_WAKE];

	if (in->event_pending)
		return h->action == PLAN_HALT_RUN ? NULL : "pending event did not end the halt";
	if (h->action == PLAN_HALT_RUN)
		return "left HLT with nothing pending";
	if (d == PLAN_NONE)
		return h->action == PLAN_HALT_STOP && h->stop == PLAN_STOP_NEVER_WAKES ? NULL :
		       "a vCPU that can never wake was not stopped";
	if (h->action == PLAN_HALT_STOP)
		return "stopped a vCPU that has something to wake it";
	if (t->halted == PLAN_BACKEND_PREEMPT)
		return h->action == PLAN_HALT_IN_GUEST ? NULL : "preempt backend did not halt in the guest";
	if (h->action == PLAN_HALT_IN_GUEST)
		return "halted in the guest without the preemption timer to wake it";
	if (d != PLAN_NONE && d - in->tsc_offset < until)
		until = d - in->tsc_offset;
	if (h->action == PLAN_HALT_SERVE_QUEUE) {
		if (in->queue_host == PLAN_NONE || h->wait_until_host != in->queue_host)
			return "served the host queue at a time it holds nothing";
		if (in->queue_host >= (until >= m ? until - m : 0))
			return "served the host queue although the own deadline is as early";
		return NULL;
	}
	if (h->wait_until_host > until)
		return "a halted wait that ends after the deadline";
	if (until - h->wait_until_host > m)
		return "a halted wait that ends earlier than the margin asks";
	if (in->queue_host < h->wait_until_host)
		return "a halted wait past an earlier host-queue deadline";
	return NULL;
}

/* Every rule over one input; NULL when all hold. */
static inline const char *plan_props_check(const struct plan_timing *t, const struct plan_input *in)
{
	struct plan_expiry e = plan_expire(t, in);
	struct plan_arm a = plan_arm(t, in);
	struct plan_halt h = plan_halt(t, in);
	struct plan_wake w = plan_wake(t, in);
	const char *why;

	why = plan_props_expiry(t, in->now_host, in->tsc_offset, in->deadline_guest, in->path, &e);
	if (!why)
		why = plan_props_arm(t, in, &a);
	if (!why)
		why = plan_props_halt(t, in, &h);
	if (!why && in->timeout_host != PLAN_NONE && in->now_host >= in->timeout_host &&
	    w.stop != PLAN_STOP_TIMEOUT)
		why = "woke after the timeout and went on";
	if (!why && w.stop == PLAN_STOP_NONE)
		why = plan_props_expiry(t, in->now_host, in->tsc_offset, in->deadline_guest,
					PLAN_PATH_HALT_WAKE, &w.expiry);
	return why;
}

/* Rule 5 over one console question; NULL when it holds. */
static inline const char *plan_props_console(const struct plan_console_in *c)
{
	struct plan_console r = plan_console(c);
	uint64_t armed = c->preempt_at_host < c->queue_host ? c->preempt_at_host : c->queue_host;
	uint64_t bound = plan_props_sat_add(c->now_host, c->max_wait);
	bool free = c->queued && !c->event_due && !c->halting && !c->spinning;

	if (!r.serve)
		return free && (armed < bound ? armed : bound) > c->now_host ?
		       "the console left waiting at an entry where nothing was due" : NULL;
	if (!free)
		return "the console served at an entry that delivers something, or with nothing queued";
	if (r.until_host > armed)
		return "the console served past an armed target";
	if (r.until_host <= c->now_host || r.until_host - c->now_host > c->max_wait)
		return "the console served outside now .. now + max_wait";
	if (r.by_bound != (bound <= armed))
		return "the console's bound flag is wrong";
	return NULL;
}

#endif /* TV_TESTS_UNIT_PLAN_PROPS_H */
