/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "bench.h"
#include "libc.h"
#include "multiboot.h"
#include "report.h"

static uint64_t bench_kept[BENCH_KEEP_MAX];
static uint32_t bench_seed = 0x2545f491U;

void bench_begin(struct bench_acc *a, const char *name, uint64_t stride)
{
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->min = ~0ULL;
	a->stride = stride ? stride : 1;
}

static unsigned int bench_bucket(uint64_t v)
{
	unsigned int lg = 63U - (unsigned int)__builtin_clzll(v | 1U);

	if (v < BENCH_LINEAR_BUCKETS)
		return (unsigned int)v;
	return BENCH_LINEAR_BUCKETS + lg - 4U;
}

static uint64_t bench_bucket_lo(unsigned int b)
{
	if (b < BENCH_LINEAR_BUCKETS)
		return b;
	return 1ULL << (b - BENCH_LINEAR_BUCKETS + 4U);
}

void bench_add(struct bench_acc *a, uint64_t v)
{
	if (a->n % a->stride == 0 && a->nkept < BENCH_KEEP_MAX)
		bench_kept[a->nkept++] = v;
	a->n++;
	a->sum += v;
	if (v < a->min)
		a->min = v;
	if (v > a->max)
		a->max = v;
	a->hist[bench_bucket(v)]++;
}

void bench_add_early(struct bench_acc *a)
{
	a->early++;
	bench_add(a, 0);
}

/* Heap sort: no recursion, no allocation, n log n on 10,000 samples. */
static void bench_sift(uint64_t *v, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t c = 2 * root + 1;
		uint64_t t;

		if (c >= n)
			return;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[root] >= v[c])
			return;
		t = v[root];
		v[root] = v[c];
		v[c] = t;
		root = c;
	}
}

static void bench_sort(uint64_t *v, uint32_t n)
{
	uint32_t i;

	for (i = n / 2; i-- > 0;)
		bench_sift(v, i, n);
	for (i = n; i-- > 1;) {
		uint64_t t = v[0];

		v[0] = v[i];
		v[i] = t;
		bench_sift(v, 0, i);
	}
}

/* Nearest-rank percentile: the smallest kept value with >= p% at or below it. */
uint64_t bench_percentile(const struct bench_acc *a, unsigned int p)
{
	uint64_t rank;

	if (!a->nkept)
		return 0;
	rank = ((uint64_t)a->nkept * p + 99U) / 100U;
	if (rank)
		rank--;
	return bench_kept[rank];
}

void bench_report(struct bench_acc *a, uint64_t want, bool early_exact)
{
	unsigned int b;

	bench_sort(bench_kept, a->nkept);
	printf("BENCH: name=%s unit=ticks samples=%lu min=%lu p50=%lu p99=%lu max=%lu mean=%lu early=%lu\n",
	       a->name, a->n, a->n ? a->min : 0, bench_percentile(a, 50), bench_percentile(a, 99),
	       a->max, a->n ? a->sum / a->n : 0, a->early);
	for (b = 0; b < BENCH_BUCKETS; b++)
		if (a->hist[b])
			printf("HIST: name=%s lo=%lu count=%lu\n", a->name, bench_bucket_lo(b),
			       a->hist[b]);
	report(a->n >= want, "%s: samples >= %lu (%lu)", a->name, want, a->n);
	if (!early_exact)
		report_skip("%s: early == 0: deadlines only approximate (APIC-timer/TSC ratio measured, not exact): %lu of %lu before",
			    a->name, a->early, a->n);
	else
		report(a->early == 0, "%s: early == 0 (%lu of %lu samples before their deadline)",
		       a->name, a->early, a->n);
}

void bench_srand(uint32_t seed)
{
	bench_seed = seed ? seed : 1;
}

uint32_t bench_rand(void)
{
	uint32_t x = bench_seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	bench_seed = x;
	return x;
}

uint64_t bench_spread(uint64_t lo, uint64_t span)
{
	return lo + bench_rand() % (span + 1);
}

uint64_t bench_arg_u64(const char *key, uint64_t def)
{
	char val[24];
	uint64_t v = 0;
	unsigned int i;

	if (!mb_cmdline_get(key, val, sizeof(val)) || !val[0])
		return def;
	for (i = 0; val[i]; i++) {
		if (val[i] < '0' || val[i] > '9')
			return def;
		v = v * 10U + (uint64_t)(val[i] - '0');
	}
	return v;
}
