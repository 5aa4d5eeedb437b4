/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The delivery planner: what the hypervisor does with a vCPU's LAPIC timer
 * between a VM exit and the next VM entry, decided from data.  vmm/ reads
 * the clock and the model, asks the planner, and executes the plan
 * (vapic_expire, hosttimer_*, vmx_vcpu_*); it decides nothing itself.
 *
 * PURE C: no clock reads, no globals, no asm.  Every time is an argument.
 *
 * Two time bases, always named in the field:
 *  - *_guest: the guest's TSC, the model's time (lapic/, timer/vtimer.h).
 *  - *_host:  the host TSC, what the VMX-preemption timer, the host timer
 *             queue (timer/tqueue.h) and the host timer hardware count.
 *  guest = host + tsc_offset, modulo 2^64 (SDM Vol. 3C, "Timestamp Counter
 *  Offsetting": "the value read is the sum of the TSC and the TSC offset").
 *
 * The rules (tests/unit/test_plan.c has one case per rule, and
 * tests/unit/fuzz_plan.c checks them on random inputs):
 *  1. Never early.  A timer exit is armed `margin` ticks before its deadline
 *     so that the hypervisor is ready in time; the deadline is then handled
 *     as of itself (expire_at_guest = deadline) and the entry spins until
 *     the host TSC reaches the deadline's host time.  Expiring at a time
 *     later than now is allowed only with such a spin.
 *  2. The spin is bounded: at most margin[path] + spin_slack ticks, and only
 *     on the timer paths (an unrelated exit never spins).
 *  3. Never later than the margin allows: the VMX-preemption timer and a
 *     halted vCPU's wait end `margin` ticks before the deadline (never after
 *     it), and the preemption timer is never armed past the earliest
 *     deadline it is responsible for: the vCPU's own timer (when it is the
 *     timer's backend, or the safety net with IF = 0), the VM's timeout, and
 *     the other deadlines of this pCPU's host queue (the load generator).
 *  4. A halted vCPU that has no timer and nothing pending can never wake:
 *     the VM stops at once, with or without a timeout.
 *  5. The console never holds what is due: an entry gives the UART time
 *     only when it delivers nothing (no event injected, pending or waiting
 *     for a window, no spin, not halted), and never up to the earliest
 *     armed target (the preemption timer's, the host queue's).
 */
#ifndef TV_TIMER_PLAN_H
#define TV_TIMER_PLAN_H

#include <tv/types.h>

/* No deadline, no timeout, no host-queue entry (equals VTIMER_NONE and HOSTTIMER_NONE). */
#define PLAN_NONE	UINT64_MAX

/* How the hypervisor noticed the timer; the order is vmm/vapic.h's enum vapic_notice. */
enum plan_path {
	PLAN_PATH_PREEMPT = 0,		/* VMX-preemption timer exit while running */
	PLAN_PATH_HOST_IRQ,		/* host timer interrupt forced an exit */
	PLAN_PATH_HALT_WAKE,		/* the vCPU was halted; woken in VMX root */
	PLAN_PATH_HALT_PREEMPT,		/* halted in the HLT activity state; preemption timer */
	PLAN_PATH_OTHER_EXIT,		/* noticed at an unrelated exit */
	PLAN_PATH_COUNT,
};

/* What takes the guest out (running) or wakes the vCPU (halted) at a deadline. */
enum plan_backend {
	PLAN_BACKEND_PREEMPT = 0,	/* VMX-preemption timer; halted: the HLT activity state */
	PLAN_BACKEND_HOST_IRQ,		/* a host timer interrupt (HPET, LAPIC TSC-deadline) */
	PLAN_BACKEND_POLL,		/* nothing: running ends at another exit, halted polls */
};

/* The calibrated, per-vCPU figures the planner works with. */
struct plan_timing {
	const uint64_t *margin;		/* [PLAN_PATH_COUNT]: ticks a path needs to get ready */
	uint64_t spin_slack;		/* ticks an early-armed exit may still be short by */
	enum plan_backend running;
	enum plan_backend halted;
	bool preempt_safety_net;	/* also arm the preemption timer when the guest has IF = 0 */
};

/* The state of one vCPU at one instant. */
struct plan_input {
	uint64_t now_host;
	uint64_t tsc_offset;		/* guest TSC = host TSC + tsc_offset */
	uint64_t deadline_guest;	/* the model's next timer deadline, PLAN_NONE: disarmed */
	enum plan_path path;		/* how this exit (or wake-up) came about */
	bool halted;			/* the guest executed HLT and waits */
	bool guest_if;			/* RFLAGS.IF at the last exit */
	bool event_pending;		/* an interrupt or NMI may be delivered: a halted vCPU wakes */
	uint64_t timeout_host;		/* when the VM's time is up, PLAN_NONE: never */
	uint64_t queue_host;		/* earliest other deadline of this pCPU's host queue, PLAN_NONE */
};

enum plan_stop {
	PLAN_STOP_NONE = 0,
	PLAN_STOP_NEVER_WAKES,		/* halted, nothing armed, nothing pending */
	PLAN_STOP_TIMEOUT,		/* the VM's time ran out while it was halted */
};

/* The timer expiry at an exit or wake-up (rule 1, rule 2). */
struct plan_expiry {
	uint64_t expire_at_guest;	/* pass to the model's expiry: now, or the deadline when spinning */
	uint64_t spin_until_host;	/* enter no earlier than this host TSC; 0: no spin */
};

enum plan_halt_action {
	PLAN_HALT_RUN = 0,		/* an event is pending: leave HLT and enter */
	PLAN_HALT_STOP,			/* stop the VM (plan_halt.stop says why) */
	PLAN_HALT_IN_GUEST,		/* enter in the HLT activity state; the preemption timer wakes it */
	PLAN_HALT_SERVE_QUEUE,		/* wait until wait_until_host, serve the host queue, plan again */
	PLAN_HALT_WAIT,			/* wait in VMX root until wait_until_host, then plan_wake() */
};

struct plan_halt {
	enum plan_halt_action action;
	enum plan_stop stop;
	uint64_t wait_until_host;	/* the instant the wait ends (the margin already taken off) */
};

/* After a halted wait: stop, or expire like any timer path. */
struct plan_wake {
	enum plan_stop stop;
	struct plan_expiry expiry;
};

/* The timer hardware for the next run (rule 3). */
struct plan_arm {
	uint64_t host_deadline;		/* the vCPU's entry in the host queue, PLAN_NONE: none */
	uint64_t host_early;		/* arm the host interrupt backend this many ticks early */
	uint64_t preempt_ticks;		/* VMX-preemption timer distance in host ticks, 0: none */
};

/* Event injection (SDM Vol. 3C, "Event Injection"): one event per VM entry. */
struct plan_events {
	bool nmi_pending;
	bool nmi_open;			/* no NMI blocking, no MOV-SS shadow, nothing queued */
	bool intr_pending;		/* the model has a deliverable vector */
	bool intr_open;			/* IF = 1, no STI/MOV-SS shadow, nothing queued */
	bool timer_fire_pending;	/* the timer's vector waits in IRR */
};

/* What to do with an event-window exit control at this entry. */
enum plan_window {
	PLAN_WINDOW_KEEP = 0,		/* leave it as it is */
	PLAN_WINDOW_CLEAR,
	PLAN_WINDOW_SET,		/* exit as soon as the event can be injected */
};

struct plan_inject {
	bool inject_nmi;
	enum plan_window nmi_window;	/* NMI-window exiting; kept when no NMI is pending */
	bool take_intr;			/* acknowledge the vector in the model and inject it */
	bool intr_window;		/* interrupt-window exiting: set, else cleared */
	bool note_blocked;		/* the guest held the timer's interrupt off at this entry */
};

/*
 * @brief Expiry at an exit (or wake-up) on in->path: rule 1 and rule 2.
 * @return expire_at_guest is the guest's now unless the deadline lies within
 *         margin[path] + spin_slack ahead on a timer path; then it is the
 *         deadline and spin_until_host its host time.
 */
struct plan_expiry plan_expire(const struct plan_timing *t, const struct plan_input *in);

/*
 * @brief One step of a halted vCPU's wait.  in->deadline_guest is read only
 *        when no event is pending (the caller may leave it unset then).
 */
struct plan_halt plan_halt(const struct plan_timing *t, const struct plan_input *in);

/*
 * @brief After a PLAN_HALT_WAIT: in->now_host is the wake-up time and
 *        in->deadline_guest the deadline the wait was planned for.
 */
struct plan_wake plan_wake(const struct plan_timing *t, const struct plan_input *in);

/* @brief Host queue entry, host backend and preemption timer for the next run. */
struct plan_arm plan_arm(const struct plan_timing *t, const struct plan_input *in);

/* @brief NMI first, then one external interrupt if the event slot is still free. */
struct plan_inject plan_inject(const struct plan_events *ev);

/* An entry's console question (rule 5); every time a host TSC. */
struct plan_console_in {
	bool queued;			/* the console ring holds something */
	bool event_due;			/* an event injected at this entry, pending or awaiting a window */
	bool halting;			/* the entry is in the HLT activity state */
	bool spinning;			/* the entry spins to a deadline */
	uint64_t now_host;
	uint64_t preempt_at_host;	/* the preemption timer's target, PLAN_NONE: not armed */
	uint64_t queue_host;		/* the host queue's earliest entry, PLAN_NONE: empty */
	uint64_t max_wait;		/* the longest one entry may wait for the console */
};

struct plan_console {
	bool serve;			/* give the UART time at this entry */
	uint64_t until_host;		/* not past this (the caller leaves one push's cost) */
	bool by_bound;			/* until_host is now + max_wait: nothing armed came first */
};

/* @brief Whether, and until when, this entry waits for the console (rule 5). */
struct plan_console plan_console(const struct plan_console_in *c);

/*
 * @brief Whose exit-to-entry cost the next entry teaches: the timer path
 *        that delivered its interrupt at this entry, or -1.
 */
int plan_adapt_path(enum plan_path path, bool timer_injected);

#endif /* TV_TIMER_PLAN_H */
