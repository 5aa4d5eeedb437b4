/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The delivery planner (timer/plan.c): one case per rule of plan.h, on a
 * fake clock, then a property test over random inputs (the checks of
 * plan_props.h, shared with fuzz_plan.c).
 */
#include "harness.h"
#include "plan_props.h"
#include "ut_rng.h"

/* Host TSC at the "exit", and a TSC offset that puts the guest behind the host. */
#define NOW	1000000ULL
#define OFF	((uint64_t)-400000LL)
#define GNOW	(NOW + OFF)		/* the guest's now: 600000 */
#define SLACK	64U

static uint64_t margins[PLAN_PATH_COUNT] = {
	[PLAN_PATH_PREEMPT] = 300U,
	[PLAN_PATH_HOST_IRQ] = 500U,
	[PLAN_PATH_HALT_WAKE] = 700U,
	[PLAN_PATH_HALT_PREEMPT] = 200U,
	[PLAN_PATH_OTHER_EXIT] = 0U,
};

static struct plan_timing timing(enum plan_backend running, enum plan_backend halted, bool net)
{
	struct plan_timing t = {
		.margin = margins, .spin_slack = SLACK,
		.running = running, .halted = halted, .preempt_safety_net = net,
	};

	return t;
}

static struct plan_input input(enum plan_path path, uint64_t deadline_guest)
{
	struct plan_input in = {
		.now_host = NOW, .tsc_offset = OFF, .deadline_guest = deadline_guest,
		.path = path, .halted = false, .guest_if = true, .event_pending = false,
		.timeout_host = PLAN_NONE, .queue_host = PLAN_NONE,
	};

	return in;
}

/* Rule 1: expired ahead of now only at the deadline, and the entry waits for it. */
static void never_early_spin_reaches_the_deadline(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_PREEMPT, GNOW + 250U);
	struct plan_expiry e = plan_expire(&t, &in);

	UT_EQ(e.expire_at_guest, GNOW + 250U);
	UT_EQ(e.spin_until_host, GNOW + 250U - OFF);
	UT_CHECK(e.spin_until_host + OFF >= in.deadline_guest);
}

static void timer_exit_armed_margin_early_is_handled_at_the_deadline(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);

	for (enum plan_path p = PLAN_PATH_PREEMPT; p < PLAN_PATH_OTHER_EXIT; p++) {
		struct plan_input in = input(p, GNOW + margins[p]);
		struct plan_expiry e = plan_expire(&t, &in);

		UT_EQ(e.expire_at_guest, in.deadline_guest);
		UT_EQ(e.spin_until_host, NOW + margins[p]);
	}
}

/* Rule 2: up to margin + slack short is still spun; one tick more is not. */
static void spin_is_bounded_by_margin_plus_slack(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_HOST_IRQ, GNOW + 500U + SLACK);
	struct plan_expiry e = plan_expire(&t, &in);

	UT_EQ(e.spin_until_host, NOW + 500U + SLACK);
	in.deadline_guest++;
	e = plan_expire(&t, &in);
	UT_EQ(e.spin_until_host, 0);
	UT_EQ(e.expire_at_guest, GNOW);
}

static void other_exits_never_spin(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 1U);
	struct plan_expiry e = plan_expire(&t, &in);

	UT_EQ(e.spin_until_host, 0);
	UT_EQ(e.expire_at_guest, GNOW);
}

static void deadline_already_due_expires_now_without_spin(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_PREEMPT, GNOW);
	struct plan_expiry e = plan_expire(&t, &in);

	UT_EQ(e.expire_at_guest, GNOW);
	UT_EQ(e.spin_until_host, 0);
	in.deadline_guest = GNOW - 5U;
	e = plan_expire(&t, &in);
	UT_EQ(e.expire_at_guest, GNOW);
	UT_EQ(e.spin_until_host, 0);
	in.deadline_guest = PLAN_NONE;
	e = plan_expire(&t, &in);
	UT_EQ(e.spin_until_host, 0);
}

/* Both time bases: a guest TSC ahead of the host (offset > 0) spins to the same guest instant. */
static void spin_target_follows_the_tsc_offset(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_PREEMPT, 0);
	struct plan_expiry e;

	in.tsc_offset = 7000U;
	in.deadline_guest = NOW + 7000U + 100U;
	e = plan_expire(&t, &in);
	UT_EQ(e.spin_until_host, NOW + 100U);
}

static void halted_vcpu_waits_until_deadline_minus_margin(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 50000U);
	struct plan_halt h;

	in.halted = true;
	h = plan_halt(&t, &in);
	UT_EQ(h.action, PLAN_HALT_WAIT);
	UT_EQ(h.wait_until_host, NOW + 50000U - margins[PLAN_PATH_HALT_WAKE]);
}

static void halted_wait_ends_at_the_timeout_when_it_is_first(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_POLL, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 50000U);
	struct plan_halt h;

	in.halted = true;
	in.timeout_host = NOW + 9000U;
	h = plan_halt(&t, &in);
	UT_EQ(h.action, PLAN_HALT_WAIT);
	UT_EQ(h.wait_until_host, NOW + 9000U - margins[PLAN_PATH_HALT_WAKE]);
}

static void halted_vcpu_with_an_event_pending_runs(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, PLAN_NONE);

	in.halted = true;
	in.event_pending = true;
	UT_EQ(plan_halt(&t, &in).action, PLAN_HALT_RUN);
}

static void halted_vcpu_with_nothing_armed_never_wakes(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_PREEMPT, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, PLAN_NONE);
	struct plan_halt h;

	in.halted = true;
	h = plan_halt(&t, &in);
	UT_EQ(h.action, PLAN_HALT_STOP);
	UT_EQ(h.stop, PLAN_STOP_NEVER_WAKES);
	/* A timeout does not change that: the VM is stopped now, with the cause. */
	in.timeout_host = NOW + 1U;
	UT_EQ(plan_halt(&t, &in).action, PLAN_HALT_STOP);
}

static void preempt_backend_halts_in_the_guest(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_PREEMPT, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 50000U);
	struct plan_arm a;

	in.halted = true;
	UT_EQ(plan_halt(&t, &in).action, PLAN_HALT_IN_GUEST);
	/* ... and the preemption timer wakes it margin[HALT_PREEMPT] early. */
	a = plan_arm(&t, &in);
	UT_EQ(a.preempt_ticks, 50000U - margins[PLAN_PATH_HALT_PREEMPT]);
	UT_EQ(a.host_deadline, PLAN_NONE);
}

static void halted_vcpu_serves_an_earlier_host_queue_deadline_first(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 50000U);
	struct plan_halt h;

	in.halted = true;
	in.queue_host = NOW + 2000U;
	h = plan_halt(&t, &in);
	UT_EQ(h.action, PLAN_HALT_SERVE_QUEUE);
	UT_EQ(h.wait_until_host, NOW + 2000U);
	/* A queue deadline inside the margin does not cut the wait short. */
	in.queue_host = NOW + 50000U - margins[PLAN_PATH_HALT_WAKE];
	h = plan_halt(&t, &in);
	UT_EQ(h.action, PLAN_HALT_WAIT);
}

static void wake_after_the_timeout_stops_the_vm(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 100U);

	in.timeout_host = NOW;
	UT_EQ(plan_wake(&t, &in).stop, PLAN_STOP_TIMEOUT);
	in.timeout_host = NOW + 1U;
	UT_EQ(plan_wake(&t, &in).stop, PLAN_STOP_NONE);
}

static void wake_within_the_margin_spins_to_the_deadline(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 690U);
	struct plan_wake w = plan_wake(&t, &in);

	/* The path of the exit before the HLT does not matter: the wake-up is a timer path. */
	UT_EQ(w.stop, PLAN_STOP_NONE);
	UT_EQ(w.expiry.expire_at_guest, GNOW + 690U);
	UT_EQ(w.expiry.spin_until_host, NOW + 690U);
	in.deadline_guest = GNOW + 700U + SLACK + 1U;
	w = plan_wake(&t, &in);
	UT_EQ(w.expiry.expire_at_guest, GNOW);
	UT_EQ(w.expiry.spin_until_host, 0);
}

static void preempt_armed_margin_before_the_own_deadline(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 10000U);
	struct plan_arm a = plan_arm(&t, &in);

	UT_EQ(a.preempt_ticks, 10000U - margins[PLAN_PATH_PREEMPT]);
	UT_EQ(a.host_deadline, PLAN_NONE);
	UT_EQ(a.host_early, 0);
}

static void preempt_never_armed_past_the_vm_timeout(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 10000U);

	in.timeout_host = NOW + 3000U;
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 3000U);
	in.deadline_guest = PLAN_NONE;
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 3000U);
	/* The timeout bounds the host-interrupt backends too. */
	t.running = PLAN_BACKEND_HOST_IRQ;
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 3000U);
}

static void preempt_never_armed_past_the_load_queue(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 10000U);

	in.queue_host = NOW + 1234U;
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 1234U);
	/* With a host-interrupt backend the queue arms the host timer instead. */
	t.running = PLAN_BACKEND_HOST_IRQ;
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 0);
}

static void preempt_for_a_passed_deadline_fires_at_once(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_HOST_IRQ, false);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 10U);

	/* 0 would mean "not armed": one tick is the soonest exit. */
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 1);
	in.deadline_guest = 5U;	/* below the margin in host time, too */
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 1);
}

static void host_irq_backend_queues_the_deadline_armed_margin_early(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, true);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 10000U);
	struct plan_arm a = plan_arm(&t, &in);

	UT_EQ(a.host_deadline, NOW + 10000U);
	UT_EQ(a.host_early, margins[PLAN_PATH_HOST_IRQ]);
	UT_EQ(a.preempt_ticks, 0);	/* IF = 1: the host interrupt forces the exit */
}

static void safety_net_with_if0_arms_preempt_at_the_deadline(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_HOST_IRQ, PLAN_BACKEND_HOST_IRQ, true);
	struct plan_input in = input(PLAN_PATH_OTHER_EXIT, GNOW + 10000U);
	struct plan_arm a;

	in.guest_if = false;
	a = plan_arm(&t, &in);
	UT_EQ(a.preempt_ticks, 10000U);
	UT_EQ(a.host_deadline, NOW + 10000U);
	/* Without a working preemption timer there is no net. */
	t.preempt_safety_net = false;
	UT_EQ(plan_arm(&t, &in).preempt_ticks, 0);
}

static void no_deadline_no_timeout_leaves_every_timer_off(void)
{
	struct plan_timing t = timing(PLAN_BACKEND_PREEMPT, PLAN_BACKEND_PREEMPT, true);
	struct plan_input in = input(PLAN_PATH_PREEMPT, PLAN_NONE);
	struct plan_arm a = plan_arm(&t, &in);

	UT_EQ(a.preempt_ticks, 0);
	UT_EQ(a.host_deadline, PLAN_NONE);
}

static void nmi_goes_first_and_the_interrupt_waits_for_a_window(void)
{
	struct plan_events ev = { .nmi_pending = true, .nmi_open = true, .intr_pending = true,
				  .intr_open = true, .timer_fire_pending = true };
	struct plan_inject p = plan_inject(&ev);

	UT_CHECK(p.inject_nmi);
	UT_EQ(p.nmi_window, PLAN_WINDOW_CLEAR);
	UT_CHECK(!p.take_intr);
	UT_CHECK(p.intr_window);
	UT_CHECK(p.note_blocked);
}

static void blocked_nmi_opens_the_nmi_window_and_the_interrupt_goes(void)
{
	struct plan_events ev = { .nmi_pending = true, .nmi_open = false, .intr_pending = true,
				  .intr_open = true };
	struct plan_inject p = plan_inject(&ev);

	UT_CHECK(!p.inject_nmi);
	UT_EQ(p.nmi_window, PLAN_WINDOW_SET);
	UT_CHECK(p.take_intr);
	UT_CHECK(!p.intr_window);
}

static void interrupt_held_off_by_the_guest_is_noted_blocked(void)
{
	struct plan_events ev = { .intr_pending = true, .intr_open = false, .timer_fire_pending = true };
	struct plan_inject p = plan_inject(&ev);

	UT_EQ(p.nmi_window, PLAN_WINDOW_KEEP);
	UT_CHECK(!p.take_intr);
	UT_CHECK(p.intr_window);
	UT_CHECK(p.note_blocked);
	/* Pending in IRR but masked by TPR: no window, still the guest's wait. */
	ev.intr_pending = false;
	p = plan_inject(&ev);
	UT_CHECK(!p.intr_window);
	UT_CHECK(p.note_blocked);
}

static void margins_are_learnt_only_from_timer_paths_that_delivered(void)
{
	UT_EQ(plan_adapt_path(PLAN_PATH_PREEMPT, true), PLAN_PATH_PREEMPT);
	UT_EQ(plan_adapt_path(PLAN_PATH_HALT_WAKE, true), PLAN_PATH_HALT_WAKE);
	UT_EQ(plan_adapt_path(PLAN_PATH_OTHER_EXIT, true), (uint64_t)-1);
	UT_EQ(plan_adapt_path(PLAN_PATH_PREEMPT, false), (uint64_t)-1);
}

static void console_waits_only_where_nothing_is_due(void)
{
	struct plan_console_in c = { .queued = true, .now_host = 1000, .preempt_at_host = PLAN_NONE,
				     .queue_host = PLAN_NONE, .max_wait = 500 };
	struct plan_console r = plan_console(&c);

	/* Nothing armed: the bound. */
	UT_CHECK(r.serve);
	UT_EQ(r.until_host, 1500);
	UT_CHECK(r.by_bound);
	/* The preemption timer's target, or the host queue's, when earlier. */
	c.preempt_at_host = 1200;
	r = plan_console(&c);
	UT_CHECK(r.serve && !r.by_bound);
	UT_EQ(r.until_host, 1200);
	c.queue_host = 1100;
	r = plan_console(&c);
	UT_EQ(r.until_host, 1100);
	/* A target already reached: no time for the console. */
	c.queue_host = 1000;
	UT_CHECK(!plan_console(&c).serve);
	c.queue_host = PLAN_NONE;
	/* Anything due at this entry, or nothing queued: not at this entry. */
	c.event_due = true;
	UT_CHECK(!plan_console(&c).serve);
	c.event_due = false;
	c.spinning = true;
	UT_CHECK(!plan_console(&c).serve);
	c.spinning = false;
	c.halting = true;
	UT_CHECK(!plan_console(&c).serve);
	c.halting = false;
	c.queued = false;
	UT_CHECK(!plan_console(&c).serve);
	/* The bound saturates instead of wrapping. */
	c.queued = true;
	c.preempt_at_host = PLAN_NONE;
	c.now_host = PLAN_NONE - 10;
	r = plan_console(&c);
	UT_EQ(r.until_host, PLAN_NONE);
}

static uint64_t rng_next(uint64_t *state)
{
	return ut_splitmix64(state);
}

/* A value near `base` (within +-span), or anywhere, or PLAN_NONE. */
static uint64_t near(uint64_t *s, uint64_t base, uint64_t span)
{
	uint64_t r = rng_next(s);

	switch (r % 8U) {
	case 0: return PLAN_NONE;
	case 1: return rng_next(s);
	default: return base + (rng_next(s) % (2U * span + 1U)) - span;
	}
}

/* Every rule over 2,000,000 random inputs clustered around the boundaries. */
static void random_inputs_keep_every_rule(void)
{
	uint64_t s = 20261202U, m[PLAN_PATH_COUNT];
	unsigned long broken = 0;

	for (unsigned int i = 0; i < 2000000U; i++) {
		struct plan_timing t;
		struct plan_input in;
		const char *why;

		for (unsigned int p = 0; p < PLAN_PATH_COUNT; p++)
			m[p] = rng_next(&s) % 16U ? rng_next(&s) % 2048U : rng_next(&s);
		t.margin = m;
		t.spin_slack = rng_next(&s) % 4U ? SLACK : rng_next(&s) % 512U;
		t.running = (enum plan_backend)(rng_next(&s) % 3U);
		t.halted = (enum plan_backend)(rng_next(&s) % 3U);
		t.preempt_safety_net = rng_next(&s) & 1U;
		in.now_host = rng_next(&s) % 4U ? rng_next(&s) % (1ULL << 40) : rng_next(&s);
		in.tsc_offset = rng_next(&s) % 3U ? (uint64_t)-(int64_t)(rng_next(&s) % (1ULL << 30)) :
				rng_next(&s);
		in.deadline_guest = near(&s, in.now_host + in.tsc_offset, 4096U);
		in.path = (enum plan_path)(rng_next(&s) % PLAN_PATH_COUNT);
		in.halted = rng_next(&s) & 1U;
		in.guest_if = rng_next(&s) & 1U;
		in.event_pending = rng_next(&s) % 4U == 0;
		in.timeout_host = near(&s, in.now_host, 8192U);
		in.queue_host = near(&s, in.now_host, 8192U);
		why = plan_props_check(&t, &in);
		if (!why) {
			uint64_t f = rng_next(&s);
			struct plan_console_in c = {
				.queued = f & 1U, .event_due = (f & 6U) == 6U, .halting = (f & 24U) == 24U,
				.spinning = (f & 96U) == 96U, .now_host = in.now_host,
				.preempt_at_host = in.timeout_host, .queue_host = in.queue_host,
				.max_wait = f >> 60 ? rng_next(&s) % 16384U : rng_next(&s),
			};

			why = plan_props_console(&c);
		}
		if (why && broken++ < 5)
			UT_CHECK_MSG(false, "input %u: %s (now %#llx off %#llx d %#llx path %d)", i, why,
				     (unsigned long long)in.now_host, (unsigned long long)in.tsc_offset,
				     (unsigned long long)in.deadline_guest, (int)in.path);
	}
	UT_CHECK_MSG(broken == 0, "%lu inputs broke a rule", broken);
}

static const struct ut_case cases[] = {
	UT_CASE(never_early_spin_reaches_the_deadline),
	UT_CASE(timer_exit_armed_margin_early_is_handled_at_the_deadline),
	UT_CASE(spin_is_bounded_by_margin_plus_slack),
	UT_CASE(other_exits_never_spin),
	UT_CASE(deadline_already_due_expires_now_without_spin),
	UT_CASE(spin_target_follows_the_tsc_offset),
	UT_CASE(halted_vcpu_waits_until_deadline_minus_margin),
	UT_CASE(halted_wait_ends_at_the_timeout_when_it_is_first),
	UT_CASE(halted_vcpu_with_an_event_pending_runs),
	UT_CASE(halted_vcpu_with_nothing_armed_never_wakes),
	UT_CASE(preempt_backend_halts_in_the_guest),
	UT_CASE(halted_vcpu_serves_an_earlier_host_queue_deadline_first),
	UT_CASE(wake_after_the_timeout_stops_the_vm),
	UT_CASE(wake_within_the_margin_spins_to_the_deadline),
	UT_CASE(preempt_armed_margin_before_the_own_deadline),
	UT_CASE(preempt_never_armed_past_the_vm_timeout),
	UT_CASE(preempt_never_armed_past_the_load_queue),
	UT_CASE(preempt_for_a_passed_deadline_fires_at_once),
	UT_CASE(host_irq_backend_queues_the_deadline_armed_margin_early),
	UT_CASE(safety_net_with_if0_arms_preempt_at_the_deadline),
	UT_CASE(no_deadline_no_timeout_leaves_every_timer_off),
	UT_CASE(nmi_goes_first_and_the_interrupt_waits_for_a_window),
	UT_CASE(blocked_nmi_opens_the_nmi_window_and_the_interrupt_goes),
	UT_CASE(interrupt_held_off_by_the_guest_is_noted_blocked),
	UT_CASE(margins_are_learnt_only_from_timer_paths_that_delivered),
	UT_CASE(console_waits_only_where_nothing_is_due),
	UT_CASE(random_inputs_keep_every_rule),
};

UT_MAIN("plan", cases)
