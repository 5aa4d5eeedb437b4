/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Host micro-benchmarks of the pure model: `make bench-host`.
 *
 * A benchmark, never a test: it prints a table and always exits 0 unless
 * the code under measurement misbehaves (an operation returning an error),
 * which would make the numbers meaningless.
 *
 * Method: each row runs its operation many times between two
 * clock_gettime(CLOCK_MONOTONIC) reads, divides by the count, and keeps the
 * minimum over BENCH_REPEATS repeats (the least disturbed run).  Results
 * flow into a volatile sink so that -O2 cannot drop the work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tv/errno.h>

#include "fake_log.h"
#include "../../timer/tqueue.h"
#include "../../timer/vtimer.h"
/* bench.mk defines BENCH_HAVE_VLAPIC once lapic/vlapic.c exists. */
#ifdef BENCH_HAVE_VLAPIC
#include <x86/apicdef.h>
#include <x86/msr.h>
#include "../../lapic/vlapic.h"
#include "ut_rng.h"
#endif

#define BENCH_REPEATS	5U

static volatile uint64_t bench_sink;
static unsigned int bench_errors;

static uint64_t rng_next(uint64_t *state)
{
	return ut_splitmix64(state);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void print_row(const char *what, double ns, uint64_t iters)
{
	printf("%-46s %10.1f %12llu\n", what, ns, (unsigned long long)iters);
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		if (bench_errors++ < 5)
			fprintf(stderr, "bench: unexpected result in %s\n", what);
	}
}

/* ---- Host timer queue ------------------------------------------------- */

struct queue_bench {
	struct tqueue q;
	struct tqueue_node *heap;
	struct tqueue_timer *timers;
	uint32_t *free_ids;	/* ids not queued, as a stack */
	uint32_t n_free;
	uint32_t size;
	uint64_t rng;
	uint64_t horizon;	/* deadlines are drawn from [base, base + horizon) */
	uint64_t base;
};

static bool queue_bench_setup(struct queue_bench *b, uint32_t size)
{
	memset(b, 0, sizeof(*b));
	b->size = size;
	b->heap = malloc(size * sizeof(*b->heap));
	b->timers = malloc(size * sizeof(*b->timers));
	b->free_ids = malloc(size * sizeof(*b->free_ids));
	if (!b->heap || !b->timers || !b->free_ids)
		return false;
	if (tqueue_init(&b->q, b->heap, b->timers, size) != 0)
		return false;
	b->rng = 0x62656e6368ULL + size;
	/* About one deadline per 1000 TSC ticks: realistic spacing, few ties. */
	b->horizon = (uint64_t)size * 1000U;
	for (uint32_t id = 0; id < size; id++)
		check(tqueue_insert(&b->q, id, rng_next(&b->rng) % b->horizon, NULL) == 0,
		      "queue fill");
	return true;
}

static void queue_bench_free(struct queue_bench *b)
{
	free(b->heap);
	free(b->timers);
	free(b->free_ids);
}

/*
 * One round at size N: pop the K earliest (N -> N - K), insert K new ones
 * after the popped deadlines (N - K -> N), re-key K random queued ones.
 * K = N / 10, so each round measures the operations within 10% of size N.
 */
static void queue_bench_round(struct queue_bench *b, uint64_t *t_pop, uint64_t *t_insert,
			      uint64_t *t_update, uint32_t k)
{
	struct tqueue_expired e;
	uint64_t t0, t1, last = b->base;

	t0 = now_ns();
	for (uint32_t i = 0; i < k; i++) {
		size_t n = tqueue_pop_expired(&b->q, TQUEUE_NONE - 1U, &e, 1);

		b->free_ids[b->n_free++] = e.id;
		last = e.deadline;
		bench_sink += n;
	}
	t1 = now_ns();
	*t_pop += t1 - t0;
	b->base = last;

	t0 = now_ns();
	for (uint32_t i = 0; i < k; i++) {
		uint32_t id = b->free_ids[--b->n_free];
		uint64_t d = b->base + rng_next(&b->rng) % b->horizon;

		bench_sink += (uint64_t)tqueue_insert(&b->q, id, d, NULL);
	}
	t1 = now_ns();
	*t_insert += t1 - t0;

	t0 = now_ns();
	for (uint32_t i = 0; i < k; i++) {
		uint32_t id = (uint32_t)(rng_next(&b->rng) % b->size);
		uint64_t d = b->base + rng_next(&b->rng) % b->horizon;

		bench_sink += (uint64_t)tqueue_update(&b->q, id, d);
	}
	t1 = now_ns();
	*t_update += t1 - t0;
}

static void bench_queue(uint32_t size, const char *label)
{
	struct queue_bench b;
	double best_pop = 1e30, best_insert = 1e30, best_update = 1e30;
	uint32_t k = size / 10U;
	/* At least ~1 million operations of each kind per repeat. */
	uint32_t rounds = (1000000U + k - 1U) / k;
	char what[64];
	uint64_t ops = (uint64_t)rounds * k;

	if (!queue_bench_setup(&b, size)) {
		check(false, "queue setup");
		queue_bench_free(&b);
		return;
	}
	for (uint32_t r = 0; r < BENCH_REPEATS; r++) {
		uint64_t t_pop = 0, t_insert = 0, t_update = 0;

		for (uint32_t i = 0; i < rounds; i++)
			queue_bench_round(&b, &t_pop, &t_insert, &t_update, k);
		best_pop = TV_MIN(best_pop, (double)t_pop / (double)ops);
		best_insert = TV_MIN(best_insert, (double)t_insert / (double)ops);
		best_update = TV_MIN(best_update, (double)t_update / (double)ops);
	}
	check(tqueue_count(&b.q) == size, "queue size after rounds");
	snprintf(what, sizeof(what), "tqueue insert          @ %s entries", label);
	print_row(what, best_insert, ops);
	snprintf(what, sizeof(what), "tqueue pop (1 expired) @ %s entries", label);
	print_row(what, best_pop, ops);
	snprintf(what, sizeof(what), "tqueue update (re-key) @ %s entries", label);
	print_row(what, best_update, ops);
	queue_bench_free(&b);
}

/* ---- Virtual timer (timer/vtimer.h) ----------------------------------- */

#define VT_ITERS	5000000U

static void vtimer_bench_init(struct vtimer *t, enum vtimer_mode mode)
{
	struct vtimer_config cfg;

	vtimer_config_default(&cfg, 2000000U);
	check(vtimer_check_config(&cfg) == 0, "vtimer config");
	vtimer_init(t, &cfg);
	vtimer_set_mode(t, mode, 0);
}

static void bench_vtimer(void)
{
	struct vtimer t;
	double best_tmict = 1e30, best_tmcct = 1e30, best_expire = 1e30;

	for (uint32_t r = 0; r < BENCH_REPEATS; r++) {
		uint64_t t0, t1, now = 1000;

		vtimer_bench_init(&t, VTIMER_MODE_ONESHOT);
		t0 = now_ns();
		for (uint32_t i = 0; i < VT_ITERS; i++) {
			vtimer_write_tmict(&t, 100000U + (i & 0xffU), now);
			now += 7;
		}
		t1 = now_ns();
		bench_sink += vtimer_next_deadline(&t);
		best_tmict = TV_MIN(best_tmict, (double)(t1 - t0) / VT_ITERS);

		vtimer_write_tmict(&t, 0xffffffffU, now);
		t0 = now_ns();
		for (uint32_t i = 0; i < VT_ITERS; i++) {
			bench_sink += vtimer_read_tmcct(&t, now);
			now += 3;
		}
		t1 = now_ns();
		best_tmcct = TV_MIN(best_tmcct, (double)(t1 - t0) / VT_ITERS);

		/* A periodic timer expired once per call, exactly at each deadline. */
		vtimer_bench_init(&t, VTIMER_MODE_PERIODIC);
		vtimer_write_tmict(&t, 1000000U, 0);
		{
			uint32_t raised = 0;

			t0 = now_ns();
			for (uint32_t i = 0; i < VT_ITERS; i++)
				raised += vtimer_expire(&t, vtimer_next_deadline(&t), false, false);
			t1 = now_ns();
			check(raised == VT_ITERS, "vtimer periodic expiry raises once per period");
			bench_sink += raised;
		}
		best_expire = TV_MIN(best_expire, (double)(t1 - t0) / VT_ITERS);
	}
	print_row("vtimer TMICT write (one-shot re-arm)", best_tmict, VT_ITERS);
	print_row("vtimer TMCCT read", best_tmcct, VT_ITERS);
	print_row("vtimer expire (periodic, 1 tick due)", best_expire, VT_ITERS);
}

#ifdef BENCH_HAVE_VLAPIC
/* ---- Virtual LAPIC registers (lapic/vlapic.h) ------------------------- */

#define VL_ITERS	2000000U
#define VL_VECTOR	0x40U
/*
 * Initial counts well above the minimum periodic period (200 us at the
 * 2 GHz TSC used here), so that no row measures the rate-limited warning.
 */
#define VL_COUNT	1000000U

static void vlapic_bench_init(struct vlapic *v)
{
	struct vlapic_config cfg;
	struct vlapic_result res;

	vlapic_config_default(&cfg, 0, true, 2000000U);
	check(vlapic_init(v, &cfg) == 0, "vlapic init");
	res = vlapic_mmio_write(v, APIC_REG_SVR, 4, APIC_SVR_ENABLE | 0xffU, 0);
	check(res.status == VLAPIC_OK, "vlapic SVR enable");
}

static void bench_vlapic(void)
{
	struct vlapic *v = malloc(sizeof(*v));
	double best_tmict = 1e30, best_lvtt = 1e30, best_tmcct = 1e30;
	double best_cycle = 1e30, best_msr = 1e30;
	uint32_t bad = 0;

	if (!v) {
		check(false, "vlapic allocation");
		return;
	}
	for (uint32_t r = 0; r < BENCH_REPEATS; r++) {
		struct vlapic_result res;
		uint64_t t0, t1, val, now = 1000;

		vlapic_bench_init(v);
		res = vlapic_mmio_write(v, APIC_REG_LVT_TIMER, 4, VL_VECTOR | APIC_LVT_TIMER_ONESHOT, now);
		bad += res.status != VLAPIC_OK;
		t0 = now_ns();
		for (uint32_t i = 0; i < VL_ITERS; i++) {
			res = vlapic_mmio_write(v, APIC_REG_TMICT, 4, VL_COUNT + (i & 0xffU), now);
			bad += res.status != VLAPIC_OK;
			now += 7;
		}
		t1 = now_ns();
		best_tmict = TV_MIN(best_tmict, (double)(t1 - t0) / VL_ITERS);

		/* One-shot <-> periodic: the countdown carries on. */
		t0 = now_ns();
		for (uint32_t i = 0; i < VL_ITERS; i++) {
			uint32_t mode = (i & 1U) ? APIC_LVT_TIMER_PERIODIC : APIC_LVT_TIMER_ONESHOT;

			res = vlapic_mmio_write(v, APIC_REG_LVT_TIMER, 4, VL_VECTOR | mode, now);
			bad += res.status != VLAPIC_OK;
			now += 3;
		}
		t1 = now_ns();
		best_lvtt = TV_MIN(best_lvtt, (double)(t1 - t0) / VL_ITERS);

		res = vlapic_mmio_write(v, APIC_REG_TMICT, 4, 0xffffffffU, now);
		bad += res.status != VLAPIC_OK;
		t0 = now_ns();
		for (uint32_t i = 0; i < VL_ITERS; i++) {
			res = vlapic_mmio_read(v, APIC_REG_TMCCT, 4, &val, now);
			bad += res.status != VLAPIC_OK;
			bench_sink += val;
			now += 3;
		}
		t1 = now_ns();
		best_tmcct = TV_MIN(best_tmcct, (double)(t1 - t0) / VL_ITERS);

		/* Periodic expiry at each deadline, then the guest takes it. */
		res = vlapic_mmio_write(v, APIC_REG_LVT_TIMER, 4, VL_VECTOR | APIC_LVT_TIMER_PERIODIC, now);
		bad += res.status != VLAPIC_OK;
		res = vlapic_mmio_write(v, APIC_REG_TMICT, 4, 1000000U, now);
		bad += res.status != VLAPIC_OK;
		t0 = now_ns();
		for (uint32_t i = 0; i < VL_ITERS; i++) {
			int vec;

			res = vlapic_expire(v, vlapic_next_deadline(v));
			vec = vlapic_pending_vector(v);
			bad += vec != (int)VL_VECTOR;
			bad += vlapic_ack_vector(v, VL_VECTOR) != 0;
			bad += vlapic_eoi(v) != (int)VL_VECTOR;
		}
		t1 = now_ns();
		best_cycle = TV_MIN(best_cycle, (double)(t1 - t0) / VL_ITERS);

		/* The x2APIC face: WRMSR to TMICT (MSR 0x838). */
		res = vlapic_write_apic_base(v, 0xfee00000ULL | 0xd00ULL, now);
		bad += res.status != VLAPIC_OK;
		t0 = now_ns();
		for (uint32_t i = 0; i < VL_ITERS; i++) {
			res = vlapic_msr_write(v, MSR_IA32_X2APIC_BASE + (APIC_REG_TMICT >> 4),
					       VL_COUNT + (i & 0xffU), now);
			bad += res.status != VLAPIC_OK;
			now += 7;
		}
		t1 = now_ns();
		best_msr = TV_MIN(best_msr, (double)(t1 - t0) / VL_ITERS);
	}
	check(bad == 0, "vlapic register accesses");
	print_row("vlapic MMIO TMICT write (one-shot re-arm)", best_tmict, VL_ITERS);
	print_row("vlapic MMIO LVTT write (one-shot<->periodic)", best_lvtt, VL_ITERS);
	print_row("vlapic MMIO TMCCT read", best_tmcct, VL_ITERS);
	print_row("vlapic expire + pending + ack + EOI", best_cycle, VL_ITERS);
	print_row("vlapic x2APIC WRMSR TMICT", best_msr, VL_ITERS);
	free(v);
}
#endif

int main(void)
{
	printf("tickvisor host benchmarks (-O2, no sanitizers; ns per operation, min of %u repeats)\n",
	       BENCH_REPEATS);
	printf("%-46s %10s %12s\n", "operation", "ns/op", "ops/repeat");
	bench_queue(1000U, "1e3");
	bench_queue(1000000U, "1e6");
	bench_vtimer();
#ifdef BENCH_HAVE_VLAPIC
	bench_vlapic();
#else
	printf("(lapic/vlapic.c not present yet: vLAPIC register rows left out)\n");
#endif
	/* A row that logs measures the log backend, not the model. */
	if (fake_log_lines_logged())
		printf("note: %u log lines were written during the runs; rows that log are slower\n",
		       fake_log_lines_logged());
	if (bench_errors)
		printf("bench: %u unexpected results: the numbers above are not valid\n", bench_errors);
	return bench_errors ? 1 : 0;
}
