/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The scheduler's rules (timer/sched.h) checked on a simulated pCPU, shared
 * by the property test (test_sched.c) and the fuzz target (fuzz_sched.c).
 *
 * The simulation keeps its own shadow of every vCPU, built only from what
 * it told the scheduler (states, deadlines, runs): which vCPUs are due,
 * which are eligible, how much of its budget each server used in each of
 * its windows.  The checks compare each decision with that shadow, not with
 * the scheduler's own fields, so they state the rules from the outside:
 *  - the due vCPUs all wake in the one pick, and `due` names exactly them;
 *  - nobody eligible of a higher priority waits, idle only when nobody is
 *    eligible;
 *  - run_until lies ahead and never past the instant a higher-priority
 *    vCPU becomes eligible (its deadline, or its server's next window);
 *    idle, never past the first instant anybody does;
 *  - host_deadline is the earliest deadline of the vCPUs not chosen;
 *  - a server never uses more than its budget in a window;
 *  - while a vCPU is eligible and waits, its equal-priority peers run at
 *    most (peers) x (largest slice) before it does: round robin is fair
 *    and nobody starves.
 * The simulation runs each vCPU up to run_until, the host deadline, its own
 * deadline, or an earlier exit the random source asks for, as vmm/ would.
 */
#ifndef TV_TESTS_UNIT_SCHED_PROPS_H
#define TV_TESTS_UNIT_SCHED_PROPS_H

#include <stdio.h>

#include "../../timer/sched.h"

/* Where the simulation's choices come from: a seeded RNG or fuzz input. */
struct sched_props_src {
	uint64_t (*next)(void *ctx);
	void *ctx;
};

struct sched_props_vcpu {
	struct sched_params p;
	enum sched_state state;
	uint64_t deadline;
	uint64_t origin;	/* its first window starts here */
	uint64_t window;	/* index of the window `used` counts */
	uint64_t used;		/* ticks run in that window */
	uint64_t cpu;		/* all ticks run */
	uint64_t peer_ticks;	/* equal-priority CPU time while it waited eligible */
};

struct sched_props_sim {
	struct sched s;
	struct sched_props_vcpu v[SCHED_MAX_VCPUS];
	uint32_t n;
	uint64_t now;
	uint64_t steps;
	char why[160];
};

static inline uint64_t sched_props_rand(struct sched_props_src *src, uint64_t bound)
{
	return bound ? src->next(src->ctx) % bound : 0;
}

static inline uint64_t sched_props_sat_add(uint64_t a, uint64_t b)
{
	return a > SCHED_NONE - b ? SCHED_NONE : a + b;
}

static inline bool sched_props_is_server(const struct sched_props_vcpu *v)
{
	return v->p.period != 0;
}

/* Ticks the server has used in the window that holds `t`. */
static inline uint64_t sched_props_used_at(const struct sched_props_vcpu *v, uint64_t t)
{
	if (!sched_props_is_server(v) || (t - v->origin) / v->p.period != v->window)
		return 0;
	return v->used;
}

static inline bool sched_props_is_throttled(const struct sched_props_vcpu *v, uint64_t t)
{
	return sched_props_is_server(v) && sched_props_used_at(v, t) >= v->p.budget;
}

static inline bool sched_props_is_eligible(const struct sched_props_vcpu *v, uint64_t t)
{
	return v->state == SCHED_RUNNABLE && !sched_props_is_throttled(v, t);
}

/* The end of the window that holds `t`. */
static inline uint64_t sched_props_window_end(const struct sched_props_vcpu *v, uint64_t t)
{
	return v->origin + ((t - v->origin) / v->p.period + 1U) * v->p.period;
}

/* The first instant after `now` at which `v` can be eligible by itself (SCHED_NONE: never). */
static inline uint64_t sched_props_eligible_from(const struct sched_props_vcpu *v, uint64_t now)
{
	uint64_t t;

	if (v->state == SCHED_STOPPED)
		return SCHED_NONE;
	if (v->state == SCHED_HALTED) {
		if (v->deadline == SCHED_NONE)
			return SCHED_NONE;
		t = v->deadline;
	} else {
		t = now;
	}
	return sched_props_is_throttled(v, t) ? sched_props_window_end(v, t) : t;
}

#define SCHED_PROPS_FAIL(sim, ...) \
	do { snprintf((sim)->why, sizeof((sim)->why), __VA_ARGS__); return false; } while (0)

static inline bool sched_props_add(struct sched_props_sim *sim, const struct sched_params *p)
{
	uint32_t id;
	struct sched_props_vcpu *v;

	if (sched_add(&sim->s, p, sim->now, &id) != 0 || id != sim->n)
		SCHED_PROPS_FAIL(sim, "sched_add refused valid parameters");
	v = &sim->v[sim->n++];
	*v = (struct sched_props_vcpu){ .p = *p, .state = SCHED_RUNNABLE,
					.deadline = SCHED_NONE, .origin = sim->now };
	return true;
}

/* Charge [a, b) to the shadow of `v`, window by window; false when a window overflows. */
static inline bool sched_props_charge(struct sched_props_sim *sim, uint32_t i, uint64_t a, uint64_t b)
{
	struct sched_props_vcpu *v = &sim->v[i];

	v->cpu += b - a;
	while (sched_props_is_server(v) && a < b) {
		uint64_t w = (a - v->origin) / v->p.period;
		uint64_t end = TV_MIN(b, sched_props_window_end(v, a));

		if (w != v->window) {
			v->window = w;
			v->used = 0;
		}
		v->used += end - a;
		if (v->used > v->p.budget)
			SCHED_PROPS_FAIL(sim, "vCPU %u used %llu ticks of a %llu-tick budget in window %llu",
					 i, (unsigned long long)v->used,
					 (unsigned long long)v->p.budget, (unsigned long long)w);
		a = end;
	}
	return true;
}

/* Every rule that one decision at sim->now must keep. */
static inline bool sched_props_check_pick(struct sched_props_sim *sim, const struct sched_decision *d)
{
	uint64_t now = sim->now, host = SCHED_NONE, first = SCHED_NONE;
	uint32_t due = 0, c = d->vcpu;

	for (uint32_t i = 0; i < sim->n; i++) {
		struct sched_props_vcpu *v = &sim->v[i];

		if (v->state == SCHED_STOPPED)
			continue;
		if (v->deadline <= now) {
			due |= 1U << i;
			if (sim->s.vcpu[i].state != SCHED_RUNNABLE)
				SCHED_PROPS_FAIL(sim, "vCPU %u due at %llu still not runnable", i,
						 (unsigned long long)v->deadline);
		}
		if (i != c)
			host = TV_MIN(host, v->deadline);
		first = TV_MIN(first, sched_props_eligible_from(v, now));
	}
	if (d->due != due)
		SCHED_PROPS_FAIL(sim, "due %#x, expected %#x", d->due, due);
	if (d->host_deadline != host)
		SCHED_PROPS_FAIL(sim, "host_deadline %llu, expected %llu",
				 (unsigned long long)d->host_deadline, (unsigned long long)host);
	if (c == SCHED_IDLE) {
		if (first <= now)
			SCHED_PROPS_FAIL(sim, "idle while a vCPU is eligible");
		if (d->run_until > first)
			SCHED_PROPS_FAIL(sim, "idle until %llu, past %llu when a vCPU is eligible",
					 (unsigned long long)d->run_until, (unsigned long long)first);
		return true;
	}
	if (c >= sim->n || !sched_props_is_eligible(&sim->v[c], now))
		SCHED_PROPS_FAIL(sim, "chose vCPU %u, which is not eligible", c);
	if (d->run_until <= now)
		SCHED_PROPS_FAIL(sim, "run_until %llu not ahead of now", (unsigned long long)d->run_until);
	for (uint32_t i = 0; i < sim->n; i++) {
		const struct sched_props_vcpu *v = &sim->v[i];

		if (v->p.prio <= sim->v[c].p.prio)
			continue;
		if (sched_props_is_eligible(v, now))
			SCHED_PROPS_FAIL(sim, "vCPU %u (prio %u) waits behind vCPU %u (prio %u)",
					 i, v->p.prio, c, sim->v[c].p.prio);
		if (d->run_until > sched_props_eligible_from(v, now))
			SCHED_PROPS_FAIL(sim, "run_until %llu past %llu when vCPU %u of higher priority "
					 "can run", (unsigned long long)d->run_until,
					 (unsigned long long)sched_props_eligible_from(v, now), i);
	}
	return true;
}

/* Fairness: account a run of `c` over [a, b) to its waiting equal-priority peers. */
static inline bool sched_props_check_wait(struct sched_props_sim *sim, uint32_t c, uint64_t a, uint64_t b)
{
	uint64_t max_slice = 0;
	uint32_t peers = 0;

	for (uint32_t i = 0; i < sim->n; i++)
		if (sim->v[i].p.prio == sim->v[c].p.prio) {
			peers++;
			max_slice = TV_MAX(max_slice, sim->v[i].p.slice);
		}
	for (uint32_t i = 0; i < sim->n; i++) {
		struct sched_props_vcpu *v = &sim->v[i];

		if (i == c || v->p.prio != sim->v[c].p.prio || !sched_props_is_eligible(v, a))
			continue;
		v->peer_ticks += b - a;
		if (v->peer_ticks > (uint64_t)(peers - 1U) * max_slice)
			SCHED_PROPS_FAIL(sim, "vCPU %u waited %llu ticks of its peers' CPU, more than "
					 "%u peers x %llu-tick slice", i,
					 (unsigned long long)v->peer_ticks, peers - 1U,
					 (unsigned long long)max_slice);
	}
	return true;
}

/* A deadline near now (some on a coarse grid, so that several fall due at once), or none. */
static inline uint64_t sched_props_deadline(struct sched_props_src *src, uint64_t now)
{
	switch (sched_props_rand(src, 4)) {
	case 0:
		return SCHED_NONE;
	case 1:
		return (now / 64U + 1U + sched_props_rand(src, 8)) * 64U;
	default:
		return now + 1U + sched_props_rand(src, 1500);
	}
}

static inline bool sched_props_set_state(struct sched_props_sim *sim, uint32_t i, enum sched_state st)
{
	if (sched_set_state(&sim->s, i, st, sim->now) != 0)
		SCHED_PROPS_FAIL(sim, "sched_set_state refused vCPU %u", i);
	sim->v[i].state = st;
	return true;
}

static inline bool sched_props_set_deadline(struct sched_props_sim *sim, uint32_t i, uint64_t dl)
{
	if (sched_set_deadline(&sim->s, i, dl, sim->now) != 0)
		SCHED_PROPS_FAIL(sim, "sched_set_deadline refused vCPU %u", i);
	sim->v[i].deadline = dl;
	return true;
}

/* One pick, the expiry of what is due, the run, and the events at its end. */
static inline bool sched_props_step(struct sched_props_sim *sim, struct sched_props_src *src)
{
	struct sched_decision d;
	uint64_t end;
	uint32_t c;

	/* The shadow's rule 4: a halted vCPU wakes at its deadline. */
	for (uint32_t i = 0; i < sim->n; i++)
		if (sim->v[i].state == SCHED_HALTED && sim->v[i].deadline <= sim->now)
			sim->v[i].state = SCHED_RUNNABLE;
	d = sched_pick(&sim->s, sim->now);
	if (!sched_props_check_pick(sim, &d))
		return false;
	if (d.due) {
		/* vmm/ expires every due timer in one pass, then picks again. */
		for (uint32_t i = 0; i < sim->n; i++)
			if (d.due & (1U << i) &&
			    !sched_props_set_deadline(sim, i, sched_props_deadline(src, sim->now)))
				return false;
		d = sched_pick(&sim->s, sim->now);
		if (!sched_props_check_pick(sim, &d))
			return false;
	}
	for (uint32_t i = 0; i < sim->n; i++)
		if (i == d.vcpu || !sched_props_is_eligible(&sim->v[i], sim->now))
			sim->v[i].peer_ticks = 0;
	c = d.vcpu;
	end = TV_MIN(d.run_until, d.host_deadline);
	if (c != SCHED_IDLE) {
		/* TV_MIN evaluates its arguments twice: draw the random exit first. */
		uint64_t exit_at = sim->now + 1U + sched_props_rand(src, 300);

		end = TV_MIN(end, sim->v[c].deadline);
		/* An exit for another reason; always one when nothing else bounds the run. */
		if (end == SCHED_NONE || sched_props_rand(src, 4) == 0)
			end = TV_MIN(end, exit_at);
		if (sched_account(&sim->s, c, sim->now, end) != 0)
			SCHED_PROPS_FAIL(sim, "sched_account refused a run");
		if (!sched_props_charge(sim, c, sim->now, end) ||
		    !sched_props_check_wait(sim, c, sim->now, end))
			return false;
	} else if (end == SCHED_NONE) {
		/* Nothing will happen by itself: an interrupt from outside. */
		end = sim->now + 1U + sched_props_rand(src, 500);
	}
	sim->now = end;
	/* Events at the end of the run: the guest halts, an IPI wakes one, a VM stops or starts. */
	if (c != SCHED_IDLE && sched_props_rand(src, 3) == 0) {
		if (!sched_props_set_deadline(sim, c, sched_props_deadline(src, sim->now)) ||
		    !sched_props_set_state(sim, c, SCHED_HALTED))
			return false;
	}
	if (sched_props_rand(src, 5) == 0) {
		uint32_t i = (uint32_t)sched_props_rand(src, sim->n);
		enum sched_state st = sched_props_rand(src, 8) == 0 ? SCHED_STOPPED : SCHED_RUNNABLE;

		if (sim->v[i].state != SCHED_STOPPED || sched_props_rand(src, 2) == 0)
			if (!sched_props_set_state(sim, i, st))
				return false;
	}
	for (uint32_t i = 0; i < sim->n; i++)
		if (sim->v[i].cpu != sim->s.vcpu[i].stats.cpu_ticks ||
		    sim->s.vcpu[i].stats.overrun_ticks != 0)
			SCHED_PROPS_FAIL(sim, "vCPU %u: cpu_ticks %llu vs %llu run, overrun %llu", i,
					 (unsigned long long)sim->s.vcpu[i].stats.cpu_ticks,
					 (unsigned long long)sim->v[i].cpu,
					 (unsigned long long)sim->s.vcpu[i].stats.overrun_ticks);
	sim->steps++;
	return true;
}

/* A random run set: 1..16 vCPUs, priorities 0..3, some of them servers. */
static inline bool sched_props_setup(struct sched_props_sim *sim, struct sched_props_src *src,
				     uint64_t start)
{
	uint32_t n = 1U + (uint32_t)sched_props_rand(src, SCHED_MAX_VCPUS);

	sched_init(&sim->s, start);
	sim->n = 0;
	sim->now = start;
	sim->steps = 0;
	sim->why[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		struct sched_params p = {
			.prio = (uint32_t)sched_props_rand(src, 4),
			.slice = 1U + sched_props_rand(src, 200),
		};

		if (sched_props_rand(src, 3) == 0) {
			p.period = 20U + sched_props_rand(src, 1000);
			p.budget = 1U + sched_props_rand(src, p.period);
		}
		if (!sched_props_add(sim, &p))
			return false;
	}
	return true;
}

#endif /* TV_TESTS_UNIT_SCHED_PROPS_H */
