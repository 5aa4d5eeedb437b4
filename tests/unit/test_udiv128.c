/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* tv_udivmod128 against the compiler's own 128-bit division (libgcc on the host). */
#include "harness.h"

#include <tv/udiv128.h>

static uint64_t udiv_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t udiv_next(void)
{
	udiv_rng ^= udiv_rng << 13;
	udiv_rng ^= udiv_rng >> 7;
	udiv_rng ^= udiv_rng << 17;
	return udiv_rng;
}

static void check_one(unsigned __int128 n, unsigned __int128 d)
{
	unsigned __int128 r = 0, q = tv_udivmod128(n, d, &r);

	UT_CHECK_MSG(q == n / d && r == n % d, "n=%#llx:%016llx d=%#llx:%016llx",
		     (unsigned long long)(n >> 64), (unsigned long long)n,
		     (unsigned long long)(d >> 64), (unsigned long long)d);
}

static void divides_small_operands_exactly(void)
{
	check_one(0, 1);
	check_one(7, 7);
	check_one(6, 7);
	check_one(~0ULL, 3);
	check_one(1000000, 999999);
}

static void divides_full_width_operands_exactly(void)
{
	unsigned __int128 max = ~(unsigned __int128)0;

	check_one(max, 1);
	check_one(max, max);
	check_one(max, (unsigned __int128)1 << 64);
	check_one(max - 1, max);
	check_one((unsigned __int128)1 << 127, 3);
}

static void random_operands_match_the_compiler(void)
{
	for (int i = 0; i < 200000; i++) {
		unsigned __int128 n = ((unsigned __int128)udiv_next() << 64) | udiv_next();
		unsigned __int128 d = ((unsigned __int128)(udiv_next() >> (udiv_next() % 64))
				       << (udiv_next() % 2 ? 64 : 0)) | (udiv_next() >> (udiv_next() % 64));

		if (!d)
			d = 1;
		if (i % 3 == 0)
			n >>= udiv_next() % 128;
		check_one(n, d);
	}
}

static const struct ut_case udiv128_cases[] = {
	UT_CASE(divides_small_operands_exactly),
	UT_CASE(divides_full_width_operands_exactly),
	UT_CASE(random_operands_match_the_compiler),
};

UT_MAIN("udiv128", udiv128_cases)
