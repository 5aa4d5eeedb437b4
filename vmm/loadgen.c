/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * load_timers=N: N-1 synthetic vCPU timers due on this pCPU besides the
 * guest's own, each a vLAPIC in TSC-deadline mode re-armed at a staggered
 * interval and handled exactly as a vCPU's timer would be (expire,
 * acknowledge, EOI, re-arm) whenever the host queue says it is due: the
 * benchmark's way to show how lateness grows with load before several VMs
 * share a pCPU.  It lives outside the run loop's files and does nothing
 * unless load_timers > 1.
 */
#include "loadgen.h"

#ifdef TV_LOADGEN

#include <x86/apicdef.h>
#include <x86/cpu.h>
#include <x86/msr.h>

#include "hosttimer.h"

#define LOADGEN_BASE_TICKS	7919U
#define LOADGEN_VECTOR		0x41U

static void loadgen_arm(struct loadgen *l, uint32_t i, uint64_t host_now)
{
	uint64_t next = host_now + LOADGEN_BASE_TICKS * (i + 3U) + 613U * i;

	(void)vlapic_msr_write(&l->timers[i], MSR_IA32_TSC_DEADLINE, next, host_now);
	hosttimer_set(l->ht, HOSTTIMER_ID_LOAD + i, next);
}

void loadgen_start(struct loadgen *l, struct hosttimer *ht, uint32_t n, uint64_t tsc_khz)
{
	uint64_t now = cpu_rdtsc();

	l->ht = ht;
	l->n = n > 1 ? n - 1 : 0;
	for (uint32_t i = 0; i < l->n; i++) {
		struct vlapic_config cfg;

		vlapic_config_default(&cfg, i + 1U, false, tsc_khz);
		(void)vlapic_init(&l->timers[i], &cfg);
		/* SVR: software-enabled; LVT timer: TSC-deadline mode, LOADGEN_VECTOR. */
		(void)vlapic_mmio_write(&l->timers[i], APIC_REG_SVR, 4, 0x1ffU, now);
		(void)vlapic_mmio_write(&l->timers[i], APIC_REG_LVT_TIMER, 4,
					LOADGEN_VECTOR | (2U << 17), now);
		loadgen_arm(l, i, now);
	}
}

void loadgen_stop(struct loadgen *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		hosttimer_set(l->ht, HOSTTIMER_ID_LOAD + i, HOSTTIMER_NONE);
	l->n = 0;
}

void loadgen_serve(struct loadgen *l)
{
	uint32_t ids[TV_CONFIG_LOAD_TIMERS_MAX + 2U];
	uint64_t now;
	size_t n;

	if (!l->n)
		return;
	now = cpu_rdtsc();
	n = hosttimer_pop_expired(l->ht, now, ids, TV_ARRAY_SIZE(ids));
	for (size_t k = 0; k < n; k++) {
		uint32_t i = ids[k] - HOSTTIMER_ID_LOAD;
		int vec;

		if (ids[k] < HOSTTIMER_ID_LOAD || i >= l->n)
			continue;	/* the guest's own ids are set again before every entry */
		(void)vlapic_expire(&l->timers[i], now);
		vec = vlapic_pending_vector(&l->timers[i]);
		if (vec != VLAPIC_NO_VECTOR) {
			(void)vlapic_ack_vector(&l->timers[i], (uint32_t)vec);
			(void)vlapic_eoi(&l->timers[i]);
		}
		l->served++;
		loadgen_arm(l, i, now);
	}
}

#endif /* TV_LOADGEN */
