/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * A physical CPU and everything tickvisor keeps per physical CPU: its
 * capabilities, its VMXON region and host stack, the VMX settings chosen from
 * its capabilities, its host timer backends, what the boot calibration
 * measured on it, its run queue, the VM it runs now and its run totals.
 * Guests run one after another on one pCPU today; per-CPU state lives here,
 * never in file statics, so that more pCPUs (issue 15) are more array slots.
 */
#ifndef TV_VMM_PCPU_H
#define TV_VMM_PCPU_H

#include <tv/types.h>

#include "../vmx/caps.h"
#include "../vmx/vcpu.h"
#include "../vmx/vmx.h"
#include "config.h"
#include "hosttimer.h"
#include "loadgen.h"
#include "vm.h"

#define PCPU_MAX	1U	/* the boot CPU only, until SMP */

/*
 * The guests a pCPU runs, by their index in the configuration, in run order.
 * Today each runs to its end before the next (first in, first out); the
 * scheduler of issue 14 (timer/sched.h) is to pick from this queue instead.
 */
struct pcpu_runq {
	unsigned int guest[TV_CONFIG_MAX_GUESTS];
	unsigned int nr;	/* guests queued */
	unsigned int next;	/* the next one to run: guest[next] */
};

struct pcpu {
	unsigned int id;
	struct cpu_caps caps;			/* what CPUID and the VMX MSRs report on it */
	struct vmx_root root;			/* its VMXON region, VMX root operation on/off */
	uint64_t stack_bottom, stack_top;	/* the host stack its VMM code runs on */
	struct vmx_setup vmx;			/* the VMX controls for this CPU's VMs */
	struct hosttimer_choice timers;		/* its host timer backends, running and halted */
	struct hosttimer ht;			/* its host timer queue (every timer due here) */
	uint64_t tsc_khz;			/* its TSC rate (= every guest's TSC rate) */
	uint64_t boot_margin[VAPIC_NOTICE_COUNT];	/* calibrated exit-to-entry cost per path */
	uint64_t early_total, timer_total;	/* across all guests run here */
	struct pcpu_runq runq;			/* the guests it runs, in order */
	struct vm vm;				/* the VM it runs now (one at a time) */
	struct loadgen load;			/* load_timers: synthetic timers (benchmark) */
};

/* @brief Queue guests 0..nr-1 of the configuration on @p, in that order. */
static inline void pcpu_runq_fill(struct pcpu *p, unsigned int nr)
{
	p->runq.nr = 0;
	p->runq.next = 0;
	for (unsigned int i = 0; i < nr && i < TV_CONFIG_MAX_GUESTS; i++)
		p->runq.guest[p->runq.nr++] = i;
}

/* @brief The pCPU the caller runs on (the boot CPU: there is one). */
struct pcpu *pcpu_this(void);

#endif /* TV_VMM_PCPU_H */
