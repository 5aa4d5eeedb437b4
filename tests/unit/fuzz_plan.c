/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * libFuzzer target for the delivery planner (timer/plan.c).  Each input is
 * a sequence of records; one record is the full planner input (margins,
 * slack, backends, now, TSC offset, deadline, path, flags, VM timeout, host
 * queue).  Times are given relative to `now` in most records so that the
 * fuzzer reaches the boundaries (deadline exactly margin + slack ahead, a
 * timeout one tick away), and absolute in others so that the 2^64 wrap of
 * the TSC offset is reached too.  For every record the rules of plan.h are
 * checked (tests/unit/plan_props.h): never early (expired ahead of now only
 * with a spin to the deadline), the spin bounded by margin + slack and only
 * on timer paths, the preemption timer never armed past the earliest
 * deadline it owns (own, VM timeout, host queue) nor earlier than the margin
 * asks, a halted wait ending between deadline - margin and the deadline,
 * a vCPU that can never wake stopped.  A broken rule aborts, which
 * libFuzzer reports as a crash.  Replay: `build/fuzz/fuzz_plan crash-file`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "plan_props.h"
#include "ut_rng.h"


/* A time near `base` (signed 16-bit distance), absolute, or PLAN_NONE, as the selector says. */
static uint64_t fuzz_time(struct ut_fuzz_input *in, uint64_t base)
{
	uint8_t how = (uint8_t)ut_fuzz_get(in, 1);

	switch (how % 4U) {
	case 0: return PLAN_NONE;
	case 1: return ut_fuzz_get(in, 8);
	default: return base + (uint64_t)(int64_t)(int16_t)ut_fuzz_get(in, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ut_fuzz_input f = { .data = data, .size = size, .pos = 0 };

	while (f.pos < f.size) {
		uint64_t margin[PLAN_PATH_COUNT];
		struct plan_timing t = { .margin = margin };
		struct plan_input in;
		uint8_t flags;
		const char *why;

		for (unsigned int p = 0; p < PLAN_PATH_COUNT; p++)
			margin[p] = ut_fuzz_get(&f, 1) & 0x80U ? ut_fuzz_get(&f, 8) : ut_fuzz_get(&f, 2);
		t.spin_slack = ut_fuzz_get(&f, 2);
		flags = (uint8_t)ut_fuzz_get(&f, 1);
		t.running = (enum plan_backend)(flags % 3U);
		t.halted = (enum plan_backend)((flags / 3U) % 3U);
		t.preempt_safety_net = flags & 0x80U;
		flags = (uint8_t)ut_fuzz_get(&f, 1);
		in.path = (enum plan_path)(flags % PLAN_PATH_COUNT);
		in.halted = flags & 0x10U;
		in.guest_if = flags & 0x20U;
		in.event_pending = flags & 0x40U;
		in.now_host = ut_fuzz_get(&f, 8);
		in.tsc_offset = flags & 0x80U ? ut_fuzz_get(&f, 8) : (uint64_t)-(int64_t)ut_fuzz_get(&f, 4);
		in.deadline_guest = fuzz_time(&f, in.now_host + in.tsc_offset);
		in.timeout_host = fuzz_time(&f, in.now_host);
		in.queue_host = fuzz_time(&f, in.now_host);
		why = plan_props_check(&t, &in);
		if (!why) {
			/* Rule 5 with the same instants: the timeout as the preemption target. */
			struct plan_console_in c = {
				.queued = flags & 0x01U, .event_due = in.event_pending, .halting = in.halted,
				.spinning = flags & 0x02U, .now_host = in.now_host,
				.preempt_at_host = in.timeout_host, .queue_host = in.queue_host,
				.max_wait = ut_fuzz_get(&f, 1) & 0x80U ? ut_fuzz_get(&f, 8) : ut_fuzz_get(&f, 2),
			};

			why = plan_props_console(&c);
		}
		if (why) {
			fprintf(stderr, "fuzz_plan: invariant broken: %s (now %#llx off %#llx "
				"deadline %#llx path %d timeout %#llx queue %#llx)\n", why,
				(unsigned long long)in.now_host, (unsigned long long)in.tsc_offset,
				(unsigned long long)in.deadline_guest, (int)in.path,
				(unsigned long long)in.timeout_host, (unsigned long long)in.queue_host);
			abort();
		}
	}
	return 0;
}
