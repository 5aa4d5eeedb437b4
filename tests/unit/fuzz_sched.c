/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * libFuzzer target for the pCPU scheduler (timer/sched.c).  The input is
 * the simulation's source of choices (tests/unit/sched_props.h): the run
 * set (how many vCPUs, their priorities, slices, budgets and periods), the
 * start time, and then at every step the deadlines, the early exits, the
 * halts, wakes and stops.  Every rule of sched.h is checked after every
 * pick; a broken rule aborts, which libFuzzer reports as a crash.
 * Replay: `build/fuzz/fuzz_sched crash-file`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sched_props.h"
#include "ut_rng.h"

/* Two input bytes per choice: every range the simulation draws from fits. */
static uint64_t fuzz_src(void *ctx)
{
	return ut_fuzz_get(ctx, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sched_props_sim sim;
	struct ut_fuzz_input in = { .data = data, .size = size, .pos = 0 };
	struct sched_props_src src = { .next = fuzz_src, .ctx = &in };
	/* Start anywhere below 2^62, so that the shadow's window arithmetic cannot wrap. */
	uint64_t start = ut_fuzz_get(&in, 8) >> 2;

	if (!sched_props_setup(&sim, &src, start))
		goto broken;
	/* One step per two bytes of input left, at least one; past the end the choices are 0. */
	for (size_t steps = 1U + (size - TV_MIN(size, in.pos)) / 2U; steps > 0; steps--)
		if (!sched_props_step(&sim, &src))
			goto broken;
	return 0;
broken:
	fprintf(stderr, "fuzz_sched: invariant broken: %s (%u vCPUs, step %llu, now %llu)\n",
		sim.why, sim.n, (unsigned long long)sim.steps, (unsigned long long)sim.now);
	abort();
}
