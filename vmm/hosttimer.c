/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "timer: "

/* The first lead of a comparator write over the main counter (ht_program_hpet()), HPET ticks. */
#define HT_HPET_MIN_LEAD	4U
/* ... and how many writes, the lead doubled each time, before the counter is taken for broken. */
#define HT_HPET_MAX_TRIES	19U

#include "hosttimer.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/cpu.h>

#include "../hw/cpu.h"
#include "../hw/host_lapic.h"
#include "../hw/hpet.h"
#include "../timer/tqueue.h"
#include "pcpu.h"


const char *hosttimer_backend_name(enum hosttimer_backend b)
{
	switch (b) {
	case HOSTTIMER_PREEMPT: return "preempt";
	case HOSTTIMER_HPET: return "hpet";
	case HOSTTIMER_TSC_DEADLINE: return "tsc-deadline";
	case HOSTTIMER_POLL: return "poll";
	}
	return "?";
}

/* In VMX root: the interrupted CPU's own host timers take it. */
static void ht_irq(uint64_t vector, struct exc_frame *f)
{
	(void)f;
	(void)hosttimer_handle_vector(&pcpu_this()->ht, (uint8_t)vector);
}

bool hosttimer_handle_vector(struct hosttimer *ht, uint8_t vector)
{
	if (vector == HOST_VECTOR_HPET) {
		hpet_ack();
		host_lapic_eoi();
	} else if (vector == HOST_VECTOR_TSC_DEADLINE) {
		host_lapic_eoi();
	} else if (vector == HOST_VECTOR_SPURIOUS) {
		return true;	/* SDM: no EOI for the spurious vector */
	} else {
		return false;
	}
	ht->irqs++;
	return true;
}

int hosttimer_init(struct hosttimer *ht, enum tv_timer want, bool has_preemption_timer,
		   bool preempt_broken, bool has_tsc_deadline, bool has_hpet, uint64_t hpet_freq_hz,
		   uint64_t ioapic_base, uint64_t tsc_khz, struct hosttimer_choice *out)
{
	bool preempt_ok = has_preemption_timer && !preempt_broken;
	bool tscdl_ok, hpet_ok = false;

	(void)tqueue_init(&ht->queue, ht->heap, ht->timers, HOSTTIMER_IDS);
	ht->hpet_freq_hz = hpet_freq_hz;
	ht->tsc_khz = tsc_khz;
	ht->irqs = 0;
	tscdl_ok = host_lapic_init(has_tsc_deadline) == 0 && has_tsc_deadline;
	cpu_set_irq_handler(HOST_VECTOR_TSC_DEADLINE, ht_irq);
	cpu_set_irq_handler(HOST_VECTOR_HPET, ht_irq);
	cpu_set_irq_handler(HOST_VECTOR_SPURIOUS, ht_irq);
	if (has_hpet && hpet_freq_hz)
		hpet_ok = hpet_route_comparator(ioapic_base, HOST_VECTOR_HPET,
						(uint8_t)host_lapic_id()) == 0;

	out->preempt_safety_net = false;
	switch (want) {
	case TV_TIMER_AUTO:
		out->running = preempt_ok ? HOSTTIMER_PREEMPT :
			       tscdl_ok ? HOSTTIMER_TSC_DEADLINE :
			       hpet_ok ? HOSTTIMER_HPET : HOSTTIMER_POLL;
		out->halted = tscdl_ok ? HOSTTIMER_TSC_DEADLINE :
			      hpet_ok ? HOSTTIMER_HPET : HOSTTIMER_POLL;
		break;
	case TV_TIMER_PREEMPT:
		if (!preempt_ok) {
			pr_err("timer=preempt: the VMX-preemption timer is %s\n",
			       has_preemption_timer ? "on KVM's list of broken ones" : "absent");
			return -TV_ENODEV;
		}
		out->running = out->halted = HOSTTIMER_PREEMPT;
		break;
	case TV_TIMER_HPET:
		if (!hpet_ok) {
			pr_err("timer=hpet: no HPET comparator can interrupt this CPU\n");
			return -TV_ENODEV;
		}
		out->running = out->halted = HOSTTIMER_HPET;
		break;
	case TV_TIMER_TSC_DEADLINE:
		if (!tscdl_ok) {
			pr_err("timer=tsc-deadline: the host LAPIC has no TSC-deadline mode\n");
			return -TV_ENODEV;
		}
		out->running = out->halted = HOSTTIMER_TSC_DEADLINE;
		break;
	case TV_TIMER_POLL:
		/*
		 * Polling cannot take a running guest out by itself: the
		 * preemption timer (or, without one, any exit) is what ends a run.
		 */
		out->running = preempt_ok ? HOSTTIMER_PREEMPT : HOSTTIMER_POLL;
		out->halted = HOSTTIMER_POLL;
		break;
	}
	/*
	 * A host interrupt cannot force out a guest that runs with RFLAGS.IF = 0
	 * under Bochs (platform.md, Bochs bug 1), nor one that never enables
	 * interrupts on real hardware with a broken external-interrupt path:
	 * the preemption timer stays armed as a safety net where it works.
	 */
	if (out->running != HOSTTIMER_PREEMPT && preempt_ok)
		out->preempt_safety_net = true;
	pr_info("timer=%s: running guests use %s, halted vCPUs wake by %s%s "
		"(preemption timer %s, TSC-deadline %s, HPET %s)\n", config_timer_name(want),
		hosttimer_backend_name(out->running), hosttimer_backend_name(out->halted),
		out->preempt_safety_net ? ", preemption timer as safety net" : "",
		preempt_ok ? "usable" : has_preemption_timer ? "broken" : "absent",
		tscdl_ok ? "usable" : "absent", hpet_ok ? "usable" : "absent");
	return 0;
}

void hosttimer_set(struct hosttimer *ht, uint32_t id, uint64_t host_tsc)
{
	if (host_tsc == HOSTTIMER_NONE) {
		(void)tqueue_cancel(&ht->queue, id);
		return;
	}
	if (tqueue_is_queued(&ht->queue, id))
		(void)tqueue_update(&ht->queue, id, host_tsc);
	else
		(void)tqueue_insert(&ht->queue, id, host_tsc, NULL);
}

uint64_t hosttimer_earliest(const struct hosttimer *ht)
{
	uint64_t e = tqueue_earliest(&ht->queue);

	return e == TQUEUE_NONE ? HOSTTIMER_NONE : e;
}

/* HPET ticks for a TSC distance, rounded up: an HPET fire is never early. */
static uint64_t ht_tsc_to_hpet(const struct hosttimer *ht, uint64_t ticks)
{
	unsigned __int128 n = (unsigned __int128)ticks * ht->hpet_freq_hz;
	uint64_t d = ht->tsc_khz * 1000U;

	return (uint64_t)((n + d - 1U) / d);
}

/*
 * Comparator 0 to fire `delta` HPET ticks from now (0: as soon as it can).
 * A one-shot comparator fires when the main counter becomes equal to it
 * (IA-PC HPET 1.0a, "Non-Periodic Mode"): one written after the counter
 * has passed it never fires (a 64-bit counter does not wrap), and a read,
 * an add and a write take more than one tick (70 ns) on silicon and about
 * three instructions' worth in Bochs.  So the counter is read again after
 * the write: while it has reached the comparator the write is repeated
 * further ahead, the lead doubled.  Never earlier than asked; later only
 * when the target was within the lead, by at most the lead.
 */
static void ht_program_hpet(uint64_t delta)
{
	uint64_t lead = HT_HPET_MIN_LEAD, at;

	for (unsigned int i = 0; i < HT_HPET_MAX_TRIES; i++, lead *= 2U) {
		at = hpet_read_counter() + TV_MAX(delta, lead);
		hpet_arm(at);
		if (hpet_read_counter() < at)
			return;
	}
	/* A counter that outruns a lead of 2^20 ticks (~70 ms) is broken: say so, never spin on it. */
	pr_warn_ratelimited("HPET main counter passed the comparator %u times in a row: the timer "
			    "may not fire\n", HT_HPET_MAX_TRIES);
}

static void ht_program(const struct hosttimer *ht, enum hosttimer_backend b, uint64_t at)
{
	uint64_t now;

	if (b == HOSTTIMER_TSC_DEADLINE) {
		host_lapic_arm_tsc_deadline(at == HOSTTIMER_NONE ? 0 : at);
	} else if (b == HOSTTIMER_HPET) {
		if (at == HOSTTIMER_NONE) {
			hpet_arm(0);
			return;
		}
		now = cpu_rdtsc();
		ht_program_hpet(at > now ? ht_tsc_to_hpet(ht, at - now) : 0);
	}
}

void hosttimer_arm_for_run(struct hosttimer *ht, enum hosttimer_backend b, uint64_t early)
{
	uint64_t at = hosttimer_earliest(ht);

	if (at != HOSTTIMER_NONE && at > early)
		at -= early;
	ht_program(ht, b, at);
}

bool hosttimer_wait(struct hosttimer *ht, enum hosttimer_backend b, uint64_t until,
		    uint64_t early)
{
	uint64_t irqs = ht->irqs, wake = until - TV_MIN(until, early);
	bool by_irq = false;

	if (b == HOSTTIMER_HPET || b == HOSTTIMER_TSC_DEADLINE) {
		ht_program(ht, b, wake);
		/* STI; HLT back to back: the STI shadow keeps the wake-up from slipping in between. */
		while (cpu_rdtsc() < wake && ht->irqs == irqs)
			cpu_sti_hlt_cli();
		by_irq = ht->irqs != irqs;
		ht_program(ht, b, HOSTTIMER_NONE);
	}
	while (cpu_rdtsc() < wake)
		cpu_pause();
	return by_irq;
}

size_t hosttimer_pop_expired(struct hosttimer *ht, uint64_t host_tsc, uint32_t *ids, size_t max)
{
	struct tqueue_expired exp[8];
	size_t n = 0;

	while (n < max) {
		size_t got = tqueue_pop_expired(&ht->queue, host_tsc, exp,
						TV_MIN(max - n, TV_ARRAY_SIZE(exp)));

		for (size_t i = 0; i < got; i++)
			ids[n++] = exp[i].id;
		if (got < TV_ARRAY_SIZE(exp))
			break;
	}
	return n;
}
