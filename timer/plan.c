/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The delivery planner (plan.h): the rules, each in one small function.
 */
#include "plan.h"

static uint64_t plan_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* a + b, held at PLAN_NONE instead of wrapping. */
static uint64_t plan_add_sat(uint64_t a, uint64_t b)
{
	return a > PLAN_NONE - b ? PLAN_NONE : a + b;
}

static bool plan_is_timer_path(enum plan_path p)
{
	return p < PLAN_PATH_OTHER_EXIT;
}

/* Rule 1 and rule 2 for the exit (or wake-up) in, noticed on path p. */
static struct plan_expiry plan_expire_on(const struct plan_timing *t, const struct plan_input *in,
					 enum plan_path p)
{
	uint64_t now = in->now_host + in->tsc_offset, d = in->deadline_guest;
	struct plan_expiry r = { .expire_at_guest = now, .spin_until_host = 0 };

	/*
	 * Rule 1: a timer exit armed margin[path] ticks before the deadline
	 * arrives (almost) that much early.  Handle it as of the deadline and
	 * make the entry wait for it: the guest then cannot observe the
	 * interrupt before its TSC reached the deadline.  An unrelated exit
	 * that happens to come shortly before a deadline does not spin: the
	 * timer's own exit is still armed and will come.
	 */
	if (plan_is_timer_path(p) && d != PLAN_NONE && d > now &&
	    d - now <= plan_add_sat(t->margin[p], t->spin_slack)) {
		r.expire_at_guest = d;
		r.spin_until_host = d - in->tsc_offset;
	}
	return r;
}

struct plan_expiry plan_expire(const struct plan_timing *t, const struct plan_input *in)
{
	return plan_expire_on(t, in, in->path);
}

struct plan_halt plan_halt(const struct plan_timing *t, const struct plan_input *in)
{
	struct plan_halt r = { .action = PLAN_HALT_RUN, .stop = PLAN_STOP_NONE, .wait_until_host = 0 };
	uint64_t until, m, ready;

	/*
	 * SDM Vol. 3A, "HLT--Halt": "An enabled interrupt (including NMI and
	 * SMI), a debug exception, the BINIT# signal, the INIT# signal, or the
	 * RESET# signal will resume execution."
	 */
	if (in->event_pending)
		return r;
	/*
	 * Nothing armed and nothing pending: with one vCPU per VM nothing else
	 * can wake it (no device of ours raises an interrupt on its own).  Stop
	 * it now, timeout or not: waiting for the timeout only ends the same VM
	 * later and names the cause less well ("timeout while halted").
	 */
	if (in->deadline_guest == PLAN_NONE) {
		r.action = PLAN_HALT_STOP;
		r.stop = PLAN_STOP_NEVER_WAKES;
		return r;
	}
	if (t->halted == PLAN_BACKEND_PREEMPT) {
		r.action = PLAN_HALT_IN_GUEST;
		return r;
	}
	until = in->deadline_guest == PLAN_NONE ? PLAN_NONE : in->deadline_guest - in->tsc_offset;
	until = plan_min(until, in->timeout_host);
	m = t->margin[PLAN_PATH_HALT_WAKE];
	ready = until - plan_min(until, m);
	if (in->queue_host != PLAN_NONE && in->queue_host < ready) {
		/* Another timer of this pCPU is due first: serve it, then wait again. */
		r.action = PLAN_HALT_SERVE_QUEUE;
		r.wait_until_host = in->queue_host;
		return r;
	}
	r.action = PLAN_HALT_WAIT;
	r.wait_until_host = ready;
	return r;
}

struct plan_wake plan_wake(const struct plan_timing *t, const struct plan_input *in)
{
	struct plan_wake r = { .stop = PLAN_STOP_NONE };

	if (in->timeout_host != PLAN_NONE && in->now_host >= in->timeout_host) {
		r.stop = PLAN_STOP_TIMEOUT;
		r.expiry.expire_at_guest = in->now_host + in->tsc_offset;
		r.expiry.spin_until_host = 0;
		return r;
	}
	/* The wait ended margin[HALT_WAKE] early on purpose: rule 1 as for an exit. */
	r.expiry = plan_expire_on(t, in, PLAN_PATH_HALT_WAKE);
	return r;
}

struct plan_arm plan_arm(const struct plan_timing *t, const struct plan_input *in)
{
	struct plan_arm r = { .host_deadline = PLAN_NONE, .host_early = 0, .preempt_ticks = 0 };
	uint64_t preempt_at = in->timeout_host, dh = in->deadline_guest - in->tsc_offset;

	if (in->deadline_guest == PLAN_NONE) {
		/* Nothing of the vCPU's own to arm. */
	} else if (t->running == PLAN_BACKEND_PREEMPT || in->halted) {
		/*
		 * SDM Vol. 3C, "VMX-Preemption Timer": it counts down in VMX
		 * non-root operation, also in the HLT activity state, and causes
		 * a VM exit when it reaches zero.  Armed margin ticks early.
		 */
		uint64_t m = t->margin[in->halted ? PLAN_PATH_HALT_PREEMPT : PLAN_PATH_PREEMPT];

		preempt_at = plan_min(preempt_at, dh > m ? dh - m : 0);
	} else {
		r.host_deadline = dh;
		r.host_early = t->margin[PLAN_PATH_HOST_IRQ];
		/*
		 * A host interrupt cannot force out a guest running with IF = 0
		 * under Bochs (platform.md, Bochs bug 1): the preemption timer,
		 * where it works, is armed at the deadline itself as a safety net.
		 */
		if (t->preempt_safety_net && !in->guest_if)
			preempt_at = plan_min(preempt_at, dh);
	}
	if (t->running == PLAN_BACKEND_PREEMPT)
		preempt_at = plan_min(preempt_at, in->queue_host);
	if (preempt_at != PLAN_NONE)
		r.preempt_ticks = preempt_at > in->now_host ? preempt_at - in->now_host : 1;
	return r;
}

struct plan_inject plan_inject(const struct plan_events *ev)
{
	struct plan_inject r = { .nmi_window = PLAN_WINDOW_KEEP };

	if (ev->nmi_pending) {
		r.inject_nmi = ev->nmi_open;
		r.nmi_window = ev->nmi_open ? PLAN_WINDOW_CLEAR : PLAN_WINDOW_SET;
	}
	if (ev->intr_pending && ev->intr_open && !r.inject_nmi) {
		r.take_intr = true;
	} else if (ev->intr_pending) {
		/* Held off (IF, a shadow, or the NMI took this entry's event slot). */
		r.intr_window = true;
		r.note_blocked = ev->timer_fire_pending;
	} else {
		/* Pending in IRR but not deliverable (TPR, ISR): the guest holds it off. */
		r.note_blocked = ev->timer_fire_pending;
	}
	return r;
}

struct plan_console plan_console(const struct plan_console_in *c)
{
	struct plan_console r = { .serve = false };
	uint64_t armed = plan_min(c->preempt_at_host, c->queue_host);
	uint64_t bound = plan_add_sat(c->now_host, c->max_wait);

	if (!c->queued || c->event_due || c->halting || c->spinning)
		return r;
	r.until_host = plan_min(armed, bound);
	r.by_bound = bound <= armed;
	r.serve = r.until_host > c->now_host;
	return r;
}

int plan_adapt_path(enum plan_path path, bool timer_injected)
{
	return plan_is_timer_path(path) && timer_injected ? (int)path : -1;
}
