/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Benchmark statistics for the bench_* guests (issue 6): samples in guest
 * TSC ticks go into an accumulator inside the measured loops (no printing
 * there), and bench_report() prints, at the end, the machine-readable lines
 * of the benchmark contract:
 *
 *   BENCH: name=<n> unit=ticks samples=<N> min= p50= p99= max= mean= early=<E>
 *   HIST: name=<n> lo=<bucket lower bound> count=<c>   (non-empty buckets)
 *
 * plus the PASS/FAIL checks "samples >= want" and "early == 0".
 *
 * min, max, mean, early and the histogram cover every sample added; p50 and
 * p99 come from the kept samples (every stride-th one, at most
 * BENCH_KEEP_MAX), which is every sample when stride is 1.  Histogram
 * buckets: one per value for 0-15, then powers of two [2^k, 2^(k+1)).
 */
#ifndef TV_GUEST_BENCH_H
#define TV_GUEST_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_KEEP_MAX		10000U
#define BENCH_LINEAR_BUCKETS	16U
#define BENCH_BUCKETS		(BENCH_LINEAR_BUCKETS + 64U - 4U)

struct bench_acc {
	const char *name;
	uint64_t n;		/* samples added */
	uint64_t min, max, sum;
	uint64_t early;		/* samples that came before their deadline (added as 0) */
	uint64_t stride;	/* keep every stride-th sample for the percentiles */
	uint32_t nkept;
	uint64_t hist[BENCH_BUCKETS];
};

/*
 * @brief Start an accumulator.  The kept samples live in one static array
 * shared by all accumulators: only one may be in use at a time.
 * @param stride keep every stride-th sample (>= 1) for p50/p99.
 */
void bench_begin(struct bench_acc *a, const char *name, uint64_t stride);
/* Add one sample, in ticks. */
void bench_add(struct bench_acc *a, uint64_t v);
/* Add a sample that came before its deadline: counted early, added as 0. */
void bench_add_early(struct bench_acc *a);
/*
 * @brief Sort the kept samples, print the BENCH and HIST lines, and report
 * "samples >= want" and "early == 0" (prefixed with the name).  With
 * early_exact false (deadlines only approximate, e.g. an APIC-timer rate
 * only measured) the early check is a SKIP that says why.
 */
void bench_report(struct bench_acc *a, uint64_t want, bool early_exact);
/* Percentile p (0-100) of the kept samples; valid after bench_report(). */
uint64_t bench_percentile(const struct bench_acc *a, unsigned int p);

/* Deterministic pseudo-random numbers (xorshift32), for deadline spreads. */
void bench_srand(uint32_t seed);
uint32_t bench_rand(void);
/* lo + a pseudo-random value in [0, span]. */
uint64_t bench_spread(uint64_t lo, uint64_t span);

/*
 * Serialised TSC reads around a measured operation: LFENCE; RDTSC; LFENCE
 * before, LFENCE; RDTSC after ("RDTSC", Intel SDM Vol. 2B: LFENCE keeps it
 * from running ahead of or behind the instructions around it).
 */
static inline uint64_t bench_tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t bench_tsc_end(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Parse a decimal command-line value KEY=N; def when absent or malformed. */
uint64_t bench_arg_u64(const char *key, uint64_t def);

#endif /* TV_GUEST_BENCH_H */
