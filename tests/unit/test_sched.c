/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The pCPU scheduler (timer/sched.c): one case per rule of sched.h, named
 * after the rule, then random run sets simulated step by step with every
 * rule checked at each step (tests/unit/sched_props.h).  Time is plain
 * host-TSC ticks chosen by the test; nothing here reads a clock.
 */
#include <tv/errno.h>

#include "harness.h"
#include "sched_props.h"
#include "ut_rng.h"

static uint32_t add(struct sched *s, uint32_t prio, uint64_t slice, uint64_t budget,
		    uint64_t period, uint64_t now)
{
	struct sched_params p = { .prio = prio, .slice = slice, .budget = budget, .period = period };
	uint32_t id = SCHED_IDLE;

	UT_EQ(sched_add(s, &p, now, &id), 0);
	return id;
}

static void halt(struct sched *s, uint32_t id, uint64_t deadline, uint64_t now)
{
	UT_EQ(sched_set_deadline(s, id, deadline, now), 0);
	UT_EQ(sched_set_state(s, id, SCHED_HALTED, now), 0);
}

/*
 * Run busy vCPUs from *now to `until` as vmm/ would: each to its run_until
 * or the host deadline, whichever is first; idle to the next instant
 * anything can run.  Due timers are expired (one-shot: no next deadline).
 * Records per-vCPU CPU time in `ran` (may be NULL).
 */
static void run_busy(struct sched *s, uint64_t *now, uint64_t until, uint64_t *ran)
{
	while (*now < until) {
		struct sched_decision d = sched_pick(s, *now);
		uint64_t end;

		for (uint32_t i = 0; i < s->count; i++)
			if (d.due & (1U << i))
				UT_EQ(sched_set_deadline(s, i, SCHED_NONE, *now), 0);
		if (d.due)
			d = sched_pick(s, *now);
		end = TV_MIN(TV_MIN(d.run_until, d.host_deadline), until);
		if (d.vcpu != SCHED_IDLE) {
			UT_EQ(sched_account(s, d.vcpu, *now, end), 0);
			if (ran)
				ran[d.vcpu] += end - *now;
		}
		*now = end;
	}
}

static void priority_order_highest_eligible_runs_first(void)
{
	struct sched s;
	uint32_t lo, hi, mid;
	struct sched_decision d;

	sched_init(&s, 0);
	lo = add(&s, 1, 100, 0, 0, 0);
	hi = add(&s, 5, 100, 0, 0, 0);
	mid = add(&s, 3, 100, 0, 0, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, hi);
	/* Alone at its priority and nobody higher: no bound at all. */
	UT_EQ(d.run_until, SCHED_NONE);
	UT_EQ(sched_account(&s, hi, 0, 10), 0);
	halt(&s, hi, SCHED_NONE, 10);
	UT_EQ(sched_pick(&s, 10).vcpu, mid);
	UT_EQ(sched_set_state(&s, mid, SCHED_STOPPED, 10), 0);
	UT_EQ(sched_pick(&s, 10).vcpu, lo);
	UT_EQ(sched_set_state(&s, hi, SCHED_RUNNABLE, 20), 0);
	UT_EQ(sched_pick(&s, 20).vcpu, hi);
}

static void equal_priorities_take_turns_slice_by_slice(void)
{
	struct sched s;
	uint32_t a, b, c;
	struct sched_decision d;

	sched_init(&s, 0);
	a = add(&s, 2, 100, 0, 0, 0);
	b = add(&s, 2, 100, 0, 0, 0);
	c = add(&s, 2, 100, 0, 0, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, a);
	UT_EQ(d.run_until, 100);
	UT_EQ(sched_account(&s, a, 0, 100), 0);
	d = sched_pick(&s, 100);
	UT_EQ(d.vcpu, b);
	UT_EQ(d.run_until, 200);
	/* An exit halfway through the slice: the rest of it, not a new turn. */
	UT_EQ(sched_account(&s, b, 100, 150), 0);
	d = sched_pick(&s, 150);
	UT_EQ(d.vcpu, b);
	UT_EQ(d.run_until, 200);
	UT_EQ(sched_account(&s, b, 150, 200), 0);
	UT_EQ(sched_pick(&s, 200).vcpu, c);
	UT_EQ(sched_account(&s, c, 200, 300), 0);
	UT_EQ(sched_pick(&s, 300).vcpu, a);
	UT_EQ(s.vcpu[a].stats.slice_ends, 1);
	UT_EQ(s.vcpu[b].stats.slice_ends, 1);
	UT_EQ(s.vcpu[b].stats.preempted, 0);
}

/* Four busy equal-priority vCPUs, 1,000,000 ticks, exits at random: CPU times never more than one slice apart. */
static void round_robin_fair_within_one_slice_over_a_long_run(void)
{
	struct sched s;
	uint64_t now = 0, rng = 20261203U, ran[4] = { 0 };
	uint64_t worst = 0;

	sched_init(&s, 0);
	for (int i = 0; i < 4; i++)
		add(&s, 7, 250, 0, 0, 0);
	while (now < 1000000U) {
		struct sched_decision d = sched_pick(&s, now);
		uint64_t exit_at = now + 1U + ut_splitmix64(&rng) % 400U;
		uint64_t end = TV_MIN(d.run_until, exit_at);
		uint64_t lo = UINT64_MAX, hi = 0;

		UT_CHECK(d.vcpu < 4);
		UT_EQ(sched_account(&s, d.vcpu, now, end), 0);
		ran[d.vcpu] += end - now;
		now = end;
		for (int i = 0; i < 4; i++) {
			lo = TV_MIN(lo, ran[i]);
			hi = TV_MAX(hi, ran[i]);
		}
		worst = TV_MAX(worst, hi - lo);
	}
	UT_CHECK_MSG(worst <= 250, "CPU times drifted %llu ticks apart (slice 250)",
		     (unsigned long long)worst);
	for (int i = 0; i < 4; i++)
		UT_EQ(s.vcpu[i].stats.cpu_ticks, ran[i]);
}

static void preemption_exactly_at_a_higher_priority_deadline(void)
{
	struct sched s;
	uint32_t lo, hi;
	struct sched_decision d;

	sched_init(&s, 0);
	lo = add(&s, 1, 5000, 0, 0, 0);
	hi = add(&s, 9, 5000, 0, 0, 0);
	halt(&s, hi, 1000, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, lo);
	UT_EQ(d.run_until, 1000);
	UT_EQ(d.host_deadline, 1000);
	UT_EQ(sched_account(&s, lo, 0, 1000), 0);
	d = sched_pick(&s, 1000);
	UT_EQ(d.vcpu, hi);
	UT_EQ(d.due, 1U << hi);
	UT_EQ(s.vcpu[lo].stats.preempted, 1);
	/* The bound holds inside a slice too: never past the deadline. */
	UT_EQ(sched_set_deadline(&s, hi, SCHED_NONE, 1000), 0);
	UT_EQ(sched_account(&s, hi, 1000, 1001), 0);
	halt(&s, hi, 1777, 1001);
	d = sched_pick(&s, 1001);
	UT_EQ(d.vcpu, lo);
	UT_EQ(d.run_until, 1777);
}

static void preempted_vcpu_keeps_its_place_and_the_rest_of_its_slice(void)
{
	struct sched s;
	uint32_t first, a, hi;
	struct sched_decision d;

	sched_init(&s, 0);
	first = add(&s, 1, 500, 0, 0, 0);
	a = add(&s, 1, 500, 0, 0, 0);
	hi = add(&s, 4, 500, 0, 0, 0);
	halt(&s, hi, 700, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, first);
	UT_EQ(d.run_until, 500);
	UT_EQ(sched_account(&s, first, 0, 500), 0);
	d = sched_pick(&s, 500);
	UT_EQ(d.vcpu, a);
	UT_EQ(d.run_until, 700);
	UT_EQ(sched_account(&s, a, 500, 700), 0);
	UT_EQ(sched_pick(&s, 700).vcpu, hi);
	UT_EQ(s.vcpu[a].stats.preempted, 1);
	UT_EQ(sched_set_deadline(&s, hi, SCHED_NONE, 700), 0);
	UT_EQ(sched_account(&s, hi, 700, 800), 0);
	halt(&s, hi, SCHED_NONE, 800);
	/* a is still ahead of `first` (back at 500), with 300 of its 500 left. */
	d = sched_pick(&s, 800);
	UT_EQ(d.vcpu, a);
	UT_EQ(d.run_until, 1100);
	UT_EQ(s.vcpu[first].stats.preempted, 0);
}

static void woken_vcpu_joins_the_tail_of_its_priority(void)
{
	struct sched s;
	uint32_t a, b, c;
	struct sched_decision d;

	sched_init(&s, 0);
	a = add(&s, 3, 100, 0, 0, 0);
	b = add(&s, 3, 100, 0, 0, 0);
	c = add(&s, 3, 100, 0, 0, 0);
	halt(&s, a, 50, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, b);
	UT_EQ(sched_account(&s, b, 0, 100), 0);
	/* a woke at 50, after c (0) and before b went back at 100. */
	d = sched_pick(&s, 100);
	UT_EQ(d.vcpu, c);
	UT_EQ(sched_account(&s, c, 100, 200), 0);
	UT_EQ(sched_set_deadline(&s, a, SCHED_NONE, 200), 0);
	UT_EQ(sched_pick(&s, 200).vcpu, a);
	UT_EQ(sched_account(&s, a, 200, 300), 0);
	UT_EQ(sched_pick(&s, 300).vcpu, b);
}

/* The order is that of the instants, not of the picks: one pick late gives the same turns. */
static void turn_order_does_not_depend_on_when_vmm_picks(void)
{
	struct sched early, late;
	uint32_t order_early[4], order_late[4];

	sched_init(&early, 0);
	sched_init(&late, 0);
	for (int k = 0; k < 2; k++) {
		struct sched *s = k ? &late : &early;

		add(s, 1, 1000, 0, 0, 0);
		add(s, 1, 1000, 0, 0, 0);
		add(s, 1, 1000, 0, 0, 0);
		halt(s, 1, 300, 0);
		halt(s, 2, 200, 0);
		UT_EQ(sched_pick(s, 0).vcpu, 0);
	}
	/* early: exits at each host deadline; late: one exit at the slice end. */
	UT_EQ(sched_account(&early, 0, 0, 200), 0);
	UT_EQ(sched_pick(&early, 200).vcpu, 0);
	UT_EQ(sched_account(&early, 0, 200, 300), 0);
	UT_EQ(sched_pick(&early, 300).vcpu, 0);
	UT_EQ(sched_account(&early, 0, 300, 1000), 0);
	UT_EQ(sched_account(&late, 0, 0, 1000), 0);
	for (int k = 0; k < 2; k++) {
		struct sched *s = k ? &late : &early;
		uint32_t *order = k ? order_late : order_early;
		uint64_t now = 1000;

		UT_EQ(sched_set_deadline(s, 1, SCHED_NONE, now), 0);
		UT_EQ(sched_set_deadline(s, 2, SCHED_NONE, now), 0);
		for (int t = 0; t < 4; t++) {
			struct sched_decision d = sched_pick(s, now);

			order[t] = d.vcpu;
			UT_EQ(sched_account(s, d.vcpu, now, d.run_until), 0);
			now = d.run_until;
		}
	}
	UT_EQ(order_early[0], 2);
	UT_EQ(order_early[1], 1);
	UT_EQ(order_early[2], 0);
	for (int t = 0; t < 4; t++)
		UT_EQ(order_late[t], order_early[t]);
}

/* A peer that halts and wakes every few ticks, always rejoining at the tail, cannot starve the busy ones. */
static void starvation_free_among_equal_priorities(void)
{
	struct sched s;
	uint64_t now = 0, last_run[3] = { 0 }, worst = 0, ran[3] = { 0 };
	uint32_t chatty;

	sched_init(&s, 0);
	add(&s, 2, 300, 0, 0, 0);
	add(&s, 2, 300, 0, 0, 0);
	chatty = add(&s, 2, 300, 0, 0, 0);
	while (now < 500000U) {
		struct sched_decision d = sched_pick(&s, now);
		uint64_t end;

		if (d.due & (1U << chatty))
			UT_EQ(sched_set_deadline(&s, chatty, SCHED_NONE, now), 0);
		d = sched_pick(&s, now);
		end = TV_MIN(d.run_until, d.host_deadline);
		if (d.vcpu == chatty)
			end = TV_MIN(end, now + 2U);
		UT_CHECK(d.vcpu != SCHED_IDLE);
		if (d.vcpu == SCHED_IDLE)
			return;
		if (d.vcpu != chatty) {
			worst = TV_MAX(worst, now - last_run[d.vcpu]);
			last_run[d.vcpu] = end;
		}
		UT_EQ(sched_account(&s, d.vcpu, now, end), 0);
		ran[d.vcpu] += end - now;
		now = end;
		if (d.vcpu == chatty)
			halt(&s, chatty, now + 3U, now);
	}
	/* Between two turns of a busy vCPU: one slice of the other and the chatty one's 2 ticks. */
	UT_CHECK_MSG(worst <= 302, "a busy vCPU waited %llu ticks", (unsigned long long)worst);
	UT_CHECK(ran[chatty] > 0);
	UT_CHECK_MSG(ran[0] > ran[1] ? ran[0] - ran[1] <= 300 : ran[1] - ran[0] <= 300,
		     "busy peers %llu and %llu", (unsigned long long)ran[0], (unsigned long long)ran[1]);
}

/* A busy server over 20 windows, with random early exits: at most its budget in any window. */
static void server_never_gets_more_than_its_budget_per_period(void)
{
	struct sched s;
	uint64_t now = 0, rng = 7, used[20] = { 0 };
	uint32_t srv;

	sched_init(&s, 0);
	srv = add(&s, 5, 50, 300, 1000, 0);
	add(&s, 1, 50, 0, 0, 0);
	while (now < 20000U) {
		struct sched_decision d = sched_pick(&s, now);
		uint64_t exit_at = now + 1U + ut_splitmix64(&rng) % 120U;
		uint64_t end = TV_MIN(d.run_until, exit_at);

		end = TV_MIN(end, 20000U);
		UT_EQ(sched_account(&s, d.vcpu, now, end), 0);
		/* Split the run at window boundaries, as the budget's windows are. */
		for (uint64_t t = now; d.vcpu == srv && t < end;) {
			uint64_t w_end = TV_MIN(end, (t / 1000U + 1U) * 1000U);

			used[t / 1000U] += w_end - t;
			t = w_end;
		}
		now = end;
	}
	for (int w = 0; w < 20; w++)
		UT_CHECK_MSG(used[w] <= 300, "window %d: %llu ticks", w, (unsigned long long)used[w]);
	UT_EQ(s.vcpu[srv].stats.overrun_ticks, 0);
}

static void server_gets_its_whole_budget_when_it_asks(void)
{
	struct sched s;
	uint64_t now = 0, ran[2] = { 0 };
	uint32_t srv, fill;
	struct sched_decision d;

	sched_init(&s, 0);
	srv = add(&s, 5, 5000, 300, 1000, 0);
	fill = add(&s, 1, 5000, 0, 0, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, srv);
	UT_EQ(d.run_until, 300);
	UT_EQ(sched_account(&s, srv, 0, 300), 0);
	/* Out of budget: the filler runs, and only until the replenishment. */
	d = sched_pick(&s, 300);
	UT_EQ(d.vcpu, fill);
	UT_EQ(d.run_until, 1000);
	UT_EQ(sched_eligible_at(&s, srv), 1000);
	UT_EQ(sched_account(&s, fill, 300, 1000), 0);
	now = 1000;
	run_busy(&s, &now, 10000, ran);
	UT_EQ(ran[srv], 9 * 300);
	UT_EQ(ran[fill], 9 * 700);
	UT_EQ(s.vcpu[srv].stats.throttled, 10);
	UT_EQ(s.vcpu[fill].stats.preempted, 9);
}

/* Unused budget is lost at the boundary; a run across it is charged to both windows. */
static void server_budget_is_reset_at_each_boundary_not_carried_over(void)
{
	struct sched s;
	uint32_t srv, fill;
	struct sched_decision d;

	sched_init(&s, 0);
	srv = add(&s, 5, 5000, 300, 1000, 0);
	fill = add(&s, 1, 5000, 0, 0, 0);
	halt(&s, srv, 2900, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, fill);
	UT_EQ(d.run_until, 2900);
	UT_EQ(sched_account(&s, fill, 0, 2900), 0);
	d = sched_pick(&s, 2900);
	UT_EQ(d.vcpu, srv);
	UT_EQ(d.run_until, 3200);
	UT_EQ(sched_set_deadline(&s, srv, SCHED_NONE, 2900), 0);
	UT_EQ(sched_account(&s, srv, 2900, 3200), 0);
	/* 100 ticks in [2000, 3000), 200 of the fresh 300 in [3000, 4000). */
	UT_EQ(s.vcpu[srv].budget_left, 100);
	d = sched_pick(&s, 3200);
	UT_EQ(d.vcpu, srv);
	UT_EQ(d.run_until, 3300);
	UT_EQ(sched_account(&s, srv, 3200, 3300), 0);
	d = sched_pick(&s, 3300);
	UT_EQ(d.vcpu, fill);
	UT_EQ(d.run_until, 4000);
}

/* An exhausted server at equal priority waits for its boundary, then joins the tail as of it. */
static void exhausted_server_rejoins_the_tail_at_its_replenishment(void)
{
	struct sched s;
	uint32_t srv, a, b;
	struct sched_decision d;

	sched_init(&s, 0);
	a = add(&s, 2, 400, 0, 0, 0);
	b = add(&s, 2, 400, 0, 0, 0);
	srv = add(&s, 2, 100, 100, 1000, 0);
	UT_EQ(sched_pick(&s, 0).vcpu, a);
	UT_EQ(sched_account(&s, a, 0, 400), 0);
	UT_EQ(sched_pick(&s, 400).vcpu, b);
	UT_EQ(sched_account(&s, b, 400, 800), 0);
	d = sched_pick(&s, 800);
	UT_EQ(d.vcpu, srv);
	UT_EQ(d.run_until, 900);
	UT_EQ(sched_account(&s, srv, 800, 900), 0);
	UT_EQ(sched_eligible_at(&s, srv), 1000);
	d = sched_pick(&s, 900);
	UT_EQ(d.vcpu, a);
	/* srv joins at 1000, inside a's slice: a keeps the whole slice. */
	UT_EQ(d.run_until, 1300);
	UT_EQ(sched_account(&s, a, 900, 1300), 0);
	/* Turns: b (back at 800), srv (1000), a (1300), though the pick came at 1300. */
	UT_EQ(sched_pick(&s, 1300).vcpu, b);
	UT_EQ(sched_account(&s, b, 1300, 1700), 0);
	UT_EQ(sched_pick(&s, 1700).vcpu, srv);
}

static void halted_vcpus_cost_nothing_idle_until_the_earliest_deadline(void)
{
	struct sched s;
	struct sched_decision d;

	sched_init(&s, 0);
	add(&s, 1, 100, 0, 0, 0);
	add(&s, 2, 100, 0, 0, 0);
	add(&s, 3, 100, 0, 0, 0);
	halt(&s, 0, 500, 0);
	halt(&s, 1, 300, 0);
	halt(&s, 2, SCHED_NONE, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, SCHED_IDLE);
	UT_EQ(d.run_until, 300);
	UT_EQ(d.host_deadline, 300);
	UT_EQ(d.due, 0);
	d = sched_pick(&s, 300);
	UT_EQ(d.vcpu, 1);
	UT_EQ(d.due, 1U << 1);
	UT_EQ(d.host_deadline, 500);
	for (uint32_t i = 0; i < 3; i++)
		UT_EQ(s.vcpu[i].stats.cpu_ticks, 0);
	UT_EQ(s.vcpu[0].state, SCHED_HALTED);
	UT_EQ(s.vcpu[2].state, SCHED_HALTED);
}

static void all_halted_without_deadlines_idle_with_no_bound(void)
{
	struct sched s;
	struct sched_decision d;

	sched_init(&s, 0);
	add(&s, 1, 100, 0, 0, 0);
	add(&s, 1, 100, 50, 100, 0);
	halt(&s, 0, SCHED_NONE, 0);
	halt(&s, 1, SCHED_NONE, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, SCHED_IDLE);
	UT_EQ(d.run_until, SCHED_NONE);
	UT_EQ(d.host_deadline, SCHED_NONE);
	/* Woken from outside (an IPI): picked at once. */
	UT_EQ(sched_set_state(&s, 1, SCHED_RUNNABLE, 70), 0);
	d = sched_pick(&s, 70);
	UT_EQ(d.vcpu, 1);
	UT_EQ(d.run_until, 120);
}

static void deadlines_at_the_same_instant_all_wake_in_one_pick(void)
{
	struct sched s;
	struct sched_decision d;

	sched_init(&s, 0);
	for (uint32_t i = 0; i < SCHED_MAX_VCPUS; i++) {
		add(&s, i % 5U, 100, 0, 0, 0);
		halt(&s, i, 1000, 0);
	}
	d = sched_pick(&s, 999);
	UT_EQ(d.vcpu, SCHED_IDLE);
	UT_EQ(d.run_until, 1000);
	d = sched_pick(&s, 1000);
	UT_EQ(d.due, (1U << SCHED_MAX_VCPUS) - 1U);
	for (uint32_t i = 0; i < SCHED_MAX_VCPUS; i++)
		UT_EQ(s.vcpu[i].state, SCHED_RUNNABLE);
	UT_EQ(d.vcpu, 4);
	UT_EQ(d.run_until, 1100);
	for (uint32_t i = 0; i < SCHED_MAX_VCPUS; i++)
		UT_EQ(sched_set_deadline(&s, i, SCHED_NONE, 1000), 0);
	d = sched_pick(&s, 1000);
	UT_EQ(d.vcpu, 4);
	UT_EQ(d.due, 0);
	UT_EQ(d.host_deadline, SCHED_NONE);
}

static void host_deadline_is_the_earliest_of_the_vcpus_not_chosen(void)
{
	struct sched s;
	struct sched_decision d;

	sched_init(&s, 0);
	add(&s, 9, 100, 0, 0, 0);
	add(&s, 1, 100, 0, 0, 0);
	add(&s, 1, 100, 0, 0, 0);
	add(&s, 1, 100, 0, 0, 0);
	UT_EQ(sched_set_deadline(&s, 0, 10, 0), 0);
	UT_EQ(sched_set_deadline(&s, 1, 700, 0), 0);
	halt(&s, 2, 400, 0);
	UT_EQ(sched_set_deadline(&s, 3, 20, 0), 0);
	UT_EQ(sched_set_state(&s, 3, SCHED_STOPPED, 0), 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.vcpu, 0);
	/* The chosen vCPU's own 10 is the planner's; stopped vCPU 3's 20 is nobody's. */
	UT_EQ(d.host_deadline, 400);
}

static void stopped_vcpu_never_runs_and_its_timer_is_ignored(void)
{
	struct sched s;
	struct sched_decision d;

	sched_init(&s, 0);
	add(&s, 9, 100, 0, 0, 0);
	halt(&s, 0, 50, 0);
	UT_EQ(sched_set_state(&s, 0, SCHED_STOPPED, 0), 0);
	d = sched_pick(&s, 100);
	UT_EQ(d.vcpu, SCHED_IDLE);
	UT_EQ(d.due, 0);
	UT_EQ(d.run_until, SCHED_NONE);
	UT_EQ(d.host_deadline, SCHED_NONE);
}

static void add_rejects_bad_parameters_and_a_full_run_set(void)
{
	struct sched s;
	struct sched_params p = { .prio = 1, .slice = 10 };
	uint32_t id;

	sched_init(&s, 0);
	p.slice = 0;
	UT_EQ(sched_add(&s, &p, 0, &id), -TV_EINVAL);
	p.slice = 10;
	p.budget = 5;
	UT_EQ(sched_add(&s, &p, 0, &id), -TV_EINVAL);
	p.budget = 0;
	p.period = 5;
	UT_EQ(sched_add(&s, &p, 0, &id), -TV_EINVAL);
	p.budget = 6;
	UT_EQ(sched_add(&s, &p, 0, &id), -TV_EINVAL);
	UT_EQ(sched_add(&s, NULL, 0, &id), -TV_EINVAL);
	p.budget = 5;
	for (uint32_t i = 0; i < SCHED_MAX_VCPUS; i++) {
		UT_EQ(sched_add(&s, &p, 0, &id), 0);
		UT_EQ(id, i);
	}
	UT_EQ(sched_add(&s, &p, 0, &id), -TV_ENOMEM);
	UT_EQ(sched_set_state(&s, SCHED_MAX_VCPUS, SCHED_RUNNABLE, 0), -TV_EINVAL);
	UT_EQ(sched_set_state(&s, 0, (enum sched_state)7, 0), -TV_EINVAL);
	UT_EQ(sched_set_deadline(&s, SCHED_MAX_VCPUS, 1, 0), -TV_EINVAL);
	UT_EQ(sched_account(&s, 0, 10, 9), -TV_EINVAL);
	UT_EQ(sched_account(&s, SCHED_MAX_VCPUS, 0, 1), -TV_EINVAL);
}

static void running_past_run_until_is_counted_as_overrun(void)
{
	struct sched s;
	uint32_t srv;
	struct sched_decision d;

	sched_init(&s, 0);
	srv = add(&s, 5, 1000, 100, 1000, 0);
	d = sched_pick(&s, 0);
	UT_EQ(d.run_until, 100);
	UT_EQ(sched_account(&s, srv, 0, 130), 0);
	UT_EQ(s.vcpu[srv].stats.overrun_ticks, 30);
	UT_EQ(s.vcpu[srv].stats.throttled, 1);
	UT_EQ(sched_pick(&s, 130).vcpu, SCHED_IDLE);
	/* Across three boundaries: 900 over in each full window, 50 of 100 in the last. */
	d = sched_pick(&s, 1000);
	UT_EQ(d.vcpu, srv);
	UT_EQ(sched_account(&s, srv, 1000, 4050), 0);
	UT_EQ(s.vcpu[srv].stats.overrun_ticks, 30 + 3 * 900);
	UT_EQ(s.vcpu[srv].budget_left, 50);
	UT_EQ(s.vcpu[srv].window_end, 5000);
}

/* A time anywhere: near the last one, or at the far end of the 64-bit range. */
static uint64_t any_time(uint64_t *rng, uint64_t base)
{
	uint64_t r = ut_splitmix64(rng);

	switch (r % 4U) {
	case 0: return UINT64_MAX - ut_splitmix64(rng) % 4096U;
	case 1: return ut_splitmix64(rng);
	default: return base + ut_splitmix64(rng) % 3000U;
	}
}

/*
 * Calls in any order with any times, overruns and times near 2^64 included
 * (what the simulation never does): under ASan and UBSan nothing overflows,
 * and each decision still names an eligible vCPU and a bound ahead of now.
 */
static void calls_in_any_order_keep_the_decision_sane(void)
{
	uint64_t rng = 99, bad = 0;

	for (unsigned int set = 0; set < 2000U; set++) {
		struct sched s;
		uint64_t now = ut_splitmix64(&rng) % 2U ? 0 : ut_splitmix64(&rng);
		uint32_t n = 1U + (uint32_t)(ut_splitmix64(&rng) % SCHED_MAX_VCPUS), id;

		sched_init(&s, now);
		for (uint32_t i = 0; i < n; i++) {
			struct sched_params p = { .prio = (uint32_t)(ut_splitmix64(&rng) % 3U),
						  .slice = 1U + ut_splitmix64(&rng) % 500U };

			if (ut_splitmix64(&rng) % 2U) {
				p.period = 1U + (ut_splitmix64(&rng) % 4U ? ut_splitmix64(&rng) % 2000U :
						 ut_splitmix64(&rng) / 2U);
				p.budget = 1U + ut_splitmix64(&rng) % p.period;
			}
			UT_EQ(sched_add(&s, &p, now, &id), 0);
		}
		for (unsigned int k = 0; k < 200U; k++) {
			uint32_t i = (uint32_t)(ut_splitmix64(&rng) % n);
			uint64_t t = any_time(&rng, now);
			struct sched_decision d;

			switch (ut_splitmix64(&rng) % 4U) {
			case 0:
				UT_EQ(sched_set_deadline(&s, i, any_time(&rng, now), t), 0);
				break;
			case 1:
				UT_EQ(sched_set_state(&s, i, (enum sched_state)(ut_splitmix64(&rng) % 3U), t), 0);
				break;
			case 2:
				UT_EQ(sched_account(&s, i, TV_MIN(now, t), TV_MAX(now, t)), 0);
				break;
			default:
				break;
			}
			now = TV_MAX(now, t);
			d = sched_pick(&s, now);
			now = s.now;
			if (d.vcpu != SCHED_IDLE &&
			    (d.vcpu >= n || s.vcpu[d.vcpu].state != SCHED_RUNNABLE ||
			     (s.vcpu[d.vcpu].params.period && s.vcpu[d.vcpu].budget_left == 0) ||
			     (d.run_until <= now && d.run_until != SCHED_NONE)))
				bad++;
			for (uint32_t j = 0; j < n; j++)
				bad += s.vcpu[j].slice_left == 0 || s.vcpu[j].slice_left > s.vcpu[j].params.slice;
		}
	}
	UT_CHECK_MSG(bad == 0, "%llu insane decisions or slices", (unsigned long long)bad);
}

static uint64_t rng_src(void *ctx)
{
	return ut_splitmix64((uint64_t *)ctx);
}

/* 400 random run sets, 2,500 steps each: every rule of sched_props.h at every step. */
static void random_run_sets_keep_every_rule(void)
{
	static struct sched_props_sim sim;
	uint64_t seed = 20261203U, steps = 0, picks_idle = 0;
	unsigned int broken = 0;

	for (unsigned int set = 0; set < 400U; set++) {
		struct sched_props_src src = { .next = rng_src, .ctx = &seed };
		bool ok = sched_props_setup(&sim, &src, ut_splitmix64(&seed) % (1ULL << 40));

		for (unsigned int k = 0; ok && k < 2500U; k++) {
			ok = sched_props_step(&sim, &src);
			picks_idle += sim.s.current == SCHED_IDLE;
		}
		steps += sim.steps;
		if (!ok && broken++ < 5)
			UT_CHECK_MSG(false, "run set %u (%u vCPUs), step %llu: %s", set, sim.n,
				     (unsigned long long)sim.steps, sim.why);
	}
	UT_CHECK_MSG(broken == 0, "%u run sets broke a rule", broken);
	UT_CHECK_MSG(steps == 400ULL * 2500U, "%llu steps", (unsigned long long)steps);
	/* The simulation did reach idle pCPUs, not only busy ones. */
	UT_CHECK(picks_idle > 0);
}

static const struct ut_case cases[] = {
	UT_CASE(priority_order_highest_eligible_runs_first),
	UT_CASE(equal_priorities_take_turns_slice_by_slice),
	UT_CASE(round_robin_fair_within_one_slice_over_a_long_run),
	UT_CASE(preemption_exactly_at_a_higher_priority_deadline),
	UT_CASE(preempted_vcpu_keeps_its_place_and_the_rest_of_its_slice),
	UT_CASE(woken_vcpu_joins_the_tail_of_its_priority),
	UT_CASE(turn_order_does_not_depend_on_when_vmm_picks),
	UT_CASE(starvation_free_among_equal_priorities),
	UT_CASE(server_never_gets_more_than_its_budget_per_period),
	UT_CASE(server_gets_its_whole_budget_when_it_asks),
	UT_CASE(server_budget_is_reset_at_each_boundary_not_carried_over),
	UT_CASE(exhausted_server_rejoins_the_tail_at_its_replenishment),
	UT_CASE(halted_vcpus_cost_nothing_idle_until_the_earliest_deadline),
	UT_CASE(all_halted_without_deadlines_idle_with_no_bound),
	UT_CASE(deadlines_at_the_same_instant_all_wake_in_one_pick),
	UT_CASE(host_deadline_is_the_earliest_of_the_vcpus_not_chosen),
	UT_CASE(stopped_vcpu_never_runs_and_its_timer_is_ignored),
	UT_CASE(add_rejects_bad_parameters_and_a_full_run_set),
	UT_CASE(running_past_run_until_is_counted_as_overrun),
	UT_CASE(calls_in_any_order_keep_the_decision_sane),
	UT_CASE(random_run_sets_keep_every_rule),
};

UT_MAIN("sched", cases)
