/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The scheduler of one physical CPU: which of its vCPUs runs, and until
 * when (issue 14).  vmm/ owns the world switches and the clocks; it tells
 * the scheduler what happened (a run, a halt, a new timer deadline) and
 * asks it who runs next.  The scheduler decides from data and returns the
 * decision as data.
 *
 * PURE C: no clock reads (time is an argument), no globals, no allocation
 * (struct sched is the caller's), no asm.  One time base: host TSC ticks,
 * absolute, exact 64-bit integers; SCHED_NONE (equal to PLAN_NONE and
 * TQUEUE_NONE) is "never".
 *
 * The rules (tests/unit/test_sched.c has one case per rule; the property
 * test and tests/unit/fuzz_sched.c check them on random run sets):
 *  1. Fixed priority, preemptive: an eligible vCPU of a higher priority
 *     always runs before one of a lower priority.  Eligible = runnable and,
 *     for a server, with budget left.
 *  2. Round robin among equal priorities: every vCPU has a slice; the one at
 *     the head of its priority runs until its slice ends, then goes to the
 *     tail with a fresh slice.  A vCPU that becomes eligible (woken, started,
 *     replenished) joins the tail with a fresh slice, as of the instant it
 *     became eligible, so the order does not depend on when vmm/ asks.  A
 *     vCPU preempted by a higher priority keeps its place and what is left
 *     of its slice (POSIX SCHED_RR).
 *  3. Servers: a vCPU with a budget gets at most `budget` ticks of CPU in
 *     each window [origin + k * period, origin + (k + 1) * period), origin
 *     being the time it was added; the budget is reset to full at each
 *     window boundary (unused budget is not carried over).  With no budget
 *     left it is not eligible until the next boundary.
 *  4. Timers: a halted vCPU becomes runnable at its deadline.  Every vCPU
 *     due at `now` is woken by the same sched_pick() and reported in `due`,
 *     so vmm/ expires all their timers in one pass.
 *  5. run_until never lies past the instant the decision could change: the
 *     instant a higher-priority vCPU becomes eligible (its deadline, or the
 *     replenishment of an exhausted server), the chosen vCPU's budget end,
 *     and its slice end when an equal-priority vCPU is eligible by then.
 *  6. host_deadline is the earliest timer deadline of every vCPU that is not
 *     chosen (and not stopped): the host fallback queue's job.  The chosen
 *     vCPU's own deadline is the delivery planner's (timer/plan.h).
 *
 * Protocol: d = sched_pick(s, now); run d.vcpu from now; at the exit at t,
 * sched_account(s, d.vcpu, now, t) before the next sched_pick(s, t).  Any
 * sched_set_*() makes the last decision stale: pick again (picking twice at
 * the same `now` is cheap and gives the same answer).  vmm/ expires the
 * timers named in `due` and gives each its next deadline with
 * sched_set_deadline() (SCHED_NONE for a one-shot), or the fallback queue
 * would keep firing at a deadline that has passed.  A caller that runs a vCPU
 * past run_until is charged for it: the excess counts in `overrun_ticks`
 * and a server's exactness (rule 3) then holds only up to that excess.
 */
#ifndef TV_TIMER_SCHED_H
#define TV_TIMER_SCHED_H

#include <tv/types.h>

/* The most vCPUs one pCPU's run set holds (one bit each in `due`). */
#define SCHED_MAX_VCPUS		16U
/* No time: no deadline, no bound on a run, never eligible. */
#define SCHED_NONE		UINT64_MAX
/* sched_decision.vcpu when nothing can run: the pCPU idles. */
#define SCHED_IDLE		UINT32_MAX

TV_STATIC_ASSERT(SCHED_MAX_VCPUS <= 32U, "sched_decision.due has one bit per vCPU");

enum sched_state {
	SCHED_STOPPED = 0,	/* never runs, its timer is not watched */
	SCHED_RUNNABLE,		/* wants the CPU (eligible unless out of budget) */
	SCHED_HALTED,		/* waits for its timer deadline (or a wake from vmm/) */
};

/* What vmm/ configures per vCPU (config prio=, slice_us=, budget_us=, period_us=). */
struct sched_params {
	uint32_t prio;		/* higher runs first */
	uint64_t slice;		/* round-robin slice, ticks, >= 1 */
	uint64_t budget;	/* ticks per period; 0 with period 0: no server */
	uint64_t period;	/* ticks; budget <= period */
};

/* Per-vCPU accounting for the run report. */
struct sched_stats {
	uint64_t cpu_ticks;	/* all the time charged by sched_account() */
	uint64_t preempted;	/* picks that put a higher priority in its place */
	uint64_t slice_ends;	/* slices used up (round-robin turns) */
	uint64_t throttled;	/* windows in which its budget ran out */
	uint64_t overrun_ticks;	/* ticks charged while it had no budget left */
};

/* One vCPU of the run set.  vmm/ reads it; only sched_*() write it. */
struct sched_vcpu {
	struct sched_params params;
	enum sched_state state;
	uint64_t deadline;	/* guest timer, absolute host TSC, or SCHED_NONE */
	uint64_t slice_left;	/* >= 1 */
	uint64_t budget_left;	/* servers only */
	uint64_t window_end;	/* servers: the next replenishment */
	uint64_t rr_time;	/* when it last joined the tail of its priority */
	struct sched_stats stats;
};

struct sched {
	struct sched_vcpu vcpu[SCHED_MAX_VCPUS];
	uint32_t count;
	uint32_t current;	/* the last pick, or SCHED_IDLE */
	uint64_t now;		/* the latest time sched_pick() was given */
};

struct sched_decision {
	uint32_t vcpu;		/* who runs, or SCHED_IDLE */
	/*
	 * Running: stop it (VMX-preemption timer) no later than this; idle:
	 * the instant a vCPU becomes eligible by itself.  SCHED_NONE: no bound.
	 */
	uint64_t run_until;
	uint64_t host_deadline;	/* earliest deadline of the vCPUs not chosen */
	uint32_t due;		/* bit i: vCPU i's deadline <= now (not stopped) */
};

/* @brief An empty run set at time `now`. */
void sched_init(struct sched *s, uint64_t now);

/*
 * @brief Add a vCPU, runnable from `now` (a server's first window starts at
 *        `now`), with no deadline.
 * @param id  set to the new vCPU's index (0, 1, ... in the order added).
 * @retval 0 on success.
 * @retval -TV_EINVAL slice 0, budget > period, or only one of them 0.
 * @retval -TV_ENOMEM the run set already holds SCHED_MAX_VCPUS.
 */
int sched_add(struct sched *s, const struct sched_params *p, uint64_t now, uint32_t *id);

/*
 * @brief Set a vCPU's state at `now` (halt on HLT, wake on an interrupt
 *        other than its timer, stop when the VM ends).  Becoming runnable
 *        joins the tail of its priority (rule 2).
 * @retval 0, or -TV_EINVAL for an unknown id or state.
 */
int sched_set_state(struct sched *s, uint32_t id, enum sched_state state, uint64_t now);

/*
 * @brief Set a vCPU's guest-timer deadline at `now` (absolute host TSC;
 *        SCHED_NONE: none).  A halted vCPU wakes at it.  A halted vCPU
 *        whose old deadline had passed by `now` has woken at that deadline,
 *        whatever the new one, even if no sched_pick() saw it yet.
 * @retval 0, or -TV_EINVAL for an unknown id.
 */
int sched_set_deadline(struct sched *s, uint32_t id, uint64_t deadline, uint64_t now);

/*
 * @brief Charge vCPU `id` for running from `from` to `to`: CPU time, its
 *        slice (a used-up slice sends it to the tail, rule 2) and its budget
 *        (split at its window boundaries, rule 3).
 * @pre   called for the run that the last sched_pick() started, before the
 *        next sched_pick().
 * @retval 0, or -TV_EINVAL for an unknown id or to < from.
 */
int sched_account(struct sched *s, uint32_t id, uint64_t from, uint64_t to);

/*
 * @brief Bring the run set to `now` (wake the vCPUs due, replenish servers)
 *        and decide who runs and until when.  A `now` earlier than one
 *        already given is taken as that one: time does not run backwards.
 */
struct sched_decision sched_pick(struct sched *s, uint64_t now);

/*
 * @return the instant vCPU `id` becomes eligible by itself, as of the run
 *         set's last pick: that pick's time if it is eligible, SCHED_NONE if
 *         only vmm/ can make it so (stopped, or halted with no deadline).
 */
uint64_t sched_eligible_at(const struct sched *s, uint32_t id);

#endif /* TV_TIMER_SCHED_H */
