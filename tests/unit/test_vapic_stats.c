/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Lateness statistics (issue 11): p50/p99 are measured samples, never a
 * histogram bucket bound.  Checked against the exact nearest-rank
 * percentile of the same samples, sorted on the host.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../vmm/vapic.h"
#include "ut_rng.h"

#define NSAMPLES	3000U

static struct vapic_stats st;
static uint64_t samples[NSAMPLES], sorted[NSAMPLES];
static uint64_t prng_state;

static uint64_t prng_next(void)
{
	return ut_xorshift64s(&prng_state);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats_reset(void)
{
	memset(&st, 0, sizeof(st));
	st.late_min = UINT64_MAX;	/* as vapic_init() */
}

/* The exact nearest-rank percentile of samples[0..n). */
static uint64_t exact_percentile(unsigned int n, unsigned int pct)
{
	uint64_t rank = ((uint64_t)n * pct + 99U) / 100U;

	memcpy(sorted, samples, n * sizeof(sorted[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_u64);
	return sorted[rank ? rank - 1U : 0];
}

static bool is_sample(unsigned int n, uint64_t v)
{
	for (unsigned int i = 0; i < n; i++)
		if (samples[i] == v)
			return true;
	return false;
}

/* The issue's run: every busy sample near 67,482; the old code printed 131071. */
static void issue_run_reports_measured_values(void)
{
	static const uint64_t run[] = { 40498, 67482, 67482, 67482, 67482, 67482, 67482 };

	stats_reset();
	for (unsigned int i = 0; i < TV_ARRAY_SIZE(run); i++)
		vapic_stats_add(&st, run[i]);
	UT_EQ(vapic_lateness_percentile(&st, 50), 67482U);
	UT_EQ(vapic_lateness_percentile(&st, 99), 67482U);
	UT_EQ(vapic_lateness_percentile(&st, 0), 40498U);
	UT_EQ(st.late_min, 40498U);
	UT_EQ(st.late_max, 67482U);
}

static void empty_reports_zero(void)
{
	stats_reset();
	UT_EQ(vapic_lateness_percentile(&st, 50), 0U);
}

/* Below 4096 ticks every percentile is exact. */
static void small_lateness_exact(void)
{
	prng_state = 0x1a7e0001U;
	stats_reset();
	for (unsigned int i = 0; i < NSAMPLES; i++) {
		samples[i] = prng_next() % 4096U;
		vapic_stats_add(&st, samples[i]);
	}
	for (unsigned int pct = 0; pct <= 100; pct++)
		UT_EQ(vapic_lateness_percentile(&st, pct), exact_percentile(NSAMPLES, pct));
}

/*
 * Any spread: the answer is one of the samples, never below the exact
 * percentile, and at most 1/64 of it above; exact for the extremes.
 */
static void any_lateness_is_a_sample_within_one_64th(void)
{
	unsigned int exact = 0;

	prng_state = 0x1a7e0002U;
	for (unsigned int run = 0; run < 20; run++) {
		unsigned int n = 1U + (unsigned int)(prng_next() % NSAMPLES);

		stats_reset();
		for (unsigned int i = 0; i < n; i++) {
			unsigned int shift = (unsigned int)(prng_next() % 40U);

			samples[i] = prng_next() >> (24U + shift);
			vapic_stats_add(&st, samples[i]);
		}
		for (unsigned int pct = 0; pct <= 100; pct += 1) {
			uint64_t want = exact_percentile(n, pct);
			uint64_t got = vapic_lateness_percentile(&st, pct);

			UT_CHECK_MSG(is_sample(n, got), "p%u = %llu is no sample", pct,
				     (unsigned long long)got);
			UT_CHECK_MSG(got >= want && got - want <= want / 64U,
				     "p%u = %llu, exact %llu", pct, (unsigned long long)got,
				     (unsigned long long)want);
			exact += got == want;
		}
		UT_EQ(vapic_lateness_percentile(&st, 100), sorted[n - 1U]);
		UT_EQ(vapic_lateness_percentile(&st, 0), sorted[0]);
	}
	UT_CHECK(exact > 0);
}

static const struct ut_case cases[] = {
	UT_CASE(issue_run_reports_measured_values),
	UT_CASE(empty_reports_zero),
	UT_CASE(small_lateness_exact),
	UT_CASE(any_lateness_is_a_sample_within_one_64th),
};

UT_MAIN("vapic_stats", cases)
