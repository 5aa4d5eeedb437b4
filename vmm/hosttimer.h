/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The pCPU's host timer: the fallback queue (timer/tqueue.h) of absolute
 * host-TSC deadlines, and the hardware that makes the earliest one happen
 * while a vCPU is halted in VMX root or runs without a usable VMX-preemption
 * timer: an HPET comparator through the I/O APIC, the host LAPIC in
 * TSC-deadline mode, or polling the TSC.  The design follows KVM's split:
 * the VMX-preemption timer while the guest runs (KVM's hv_timer), a host timer
 * while it cannot (hrtimer).
 */
#ifndef TV_VMM_HOSTTIMER_H
#define TV_VMM_HOSTTIMER_H

#include <tv/types.h>

#include "../timer/tqueue.h"
#include "config.h"

enum hosttimer_backend {
	HOSTTIMER_PREEMPT = 0,		/* VMX-preemption timer (running), HLT activity state (halted) */
	HOSTTIMER_HPET,
	HOSTTIMER_TSC_DEADLINE,
	HOSTTIMER_POLL,
};

struct hosttimer_choice {
	enum hosttimer_backend running;	/* what brings a running guest out at a deadline */
	enum hosttimer_backend halted;	/* what wakes a halted vCPU */
	bool preempt_safety_net;	/* also arm the preemption timer while running */
};

/*
 * @brief Bring up the backends the machine has and choose per config `timer=`;
 *        report the choice and why.  A backend asked for but missing is an error.
 */
struct hosttimer;
int hosttimer_init(struct hosttimer *ht, enum tv_timer want, bool has_preemption_timer,
		   bool preempt_broken, bool has_tsc_deadline, bool has_hpet, uint64_t hpet_freq_hz,
		   uint64_t ioapic_base, uint64_t tsc_khz, struct hosttimer_choice *out);
const char *hosttimer_backend_name(enum hosttimer_backend b);

/*
 * Queue ids: the vCPU's APIC timer, then the load_timers= synthetic timers.
 * Id 1 is unused: a guest's timeout= is not a queued timer but
 * vm->deadline_tsc, which the delivery plan (timeout_host) and the exit
 * path check directly.
 */
#define HOSTTIMER_ID_VTIMER	0U
#define HOSTTIMER_ID_LOAD	2U	/* first of the load_timers= synthetic timers */
#define HOSTTIMER_IDS		64U

/*
 * One pCPU's host timers (it lives in struct pcpu): the deadline queue of
 * every timer due on that CPU, and what programming its backends needs.
 */
struct hosttimer {
	struct tqueue queue;
	struct tqueue_node heap[HOSTTIMER_IDS];
	struct tqueue_timer timers[HOSTTIMER_IDS];
	uint64_t hpet_freq_hz;
	uint64_t tsc_khz;
	volatile uint64_t irqs;		/* host timer interrupts taken (VMX root or exit) */
};

/* @brief Queue (or move) a deadline; HOSTTIMER_NONE cancels it. */
void hosttimer_set(struct hosttimer *ht, uint32_t id, uint64_t host_tsc);
uint64_t hosttimer_earliest(const struct hosttimer *ht);
/* @brief Take up to max expired ids (deadline <= host_tsc) off the queue. */
size_t hosttimer_pop_expired(struct hosttimer *ht, uint64_t host_tsc, uint32_t *ids, size_t max);
#define HOSTTIMER_NONE	UINT64_MAX

/*
 * @brief Program the chosen interrupt backend for the earliest queued
 *        deadline (armed early by `early` ticks), for a guest about to run.
 */
void hosttimer_arm_for_run(struct hosttimer *ht, enum hosttimer_backend b, uint64_t early);

/*
 * @brief Wait in VMX root until the host TSC reaches `until - early` (the
 *        caller's earliest deadline, less the time it needs to get ready),
 *        using backend b; the caller spins the rest just before VM entry.
 * @return true if a host timer interrupt ended the wait (false: polled).
 */
bool hosttimer_wait(struct hosttimer *ht, enum hosttimer_backend b, uint64_t until, uint64_t early);

/* @brief Handle a host timer vector that arrived as an external-interrupt exit. */
bool hosttimer_handle_vector(struct hosttimer *ht, uint8_t vector);

#endif /* TV_VMM_HOSTTIMER_H */
