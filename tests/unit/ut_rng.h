/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The test programs' random numbers: small fixed generators, seeded by each
 * test, so that a failure reproduces.  Header-only, so that host tests,
 * fuzz targets, the decoder diff and the host benchmarks share one copy.
 */
#ifndef TV_TESTS_UNIT_UT_RNG_H
#define TV_TESTS_UNIT_UT_RNG_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: any seed, 0 included. */
static inline uint64_t ut_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift64*: the seed must not be 0. */
static inline uint64_t ut_xorshift64s(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

/* A fuzz target's input read as big-endian numbers; past its end, zeros. */
struct ut_fuzz_input {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline uint64_t ut_fuzz_get(struct ut_fuzz_input *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v <<= 8;
		if (in->pos < in->size)
			v |= in->data[in->pos++];
	}
	return v;
}

#endif /* TV_TESTS_UNIT_UT_RNG_H */
