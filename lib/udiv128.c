/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include <tv/udiv128.h>

/* Bits to the left of the highest set bit. */
static unsigned int udiv128_clz(unsigned __int128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);

	if (hi)
		return (unsigned int)__builtin_clzll(hi);
	return 64U + (unsigned int)__builtin_clzll((uint64_t)x);
}

/*
 * Fast path: a 64-bit divisor and a quotient that fits the hardware's
 * 128/64 DIV once the high half is reduced; otherwise shift and subtract,
 * one quotient bit per step (at most 128 steps; timer maths is not hot).
 */
unsigned __int128 tv_udivmod128(unsigned __int128 n, unsigned __int128 d,
				unsigned __int128 *rem)
{
	unsigned __int128 q = 0;
	int shift;

	if (d > n) {
		if (rem)
			*rem = n;
		return 0;
	}
	if ((d >> 64) == 0 && (n >> 64) == 0) {
		if (rem)
			*rem = (uint64_t)n % (uint64_t)d;
		return (uint64_t)n / (uint64_t)d;
	}
	if ((d >> 64) == 0) {
		/*
		 * A 64-bit divisor: two hardware 128/64 divisions (high half, then
		 * remainder:low half), each of which cannot overflow.  Under Bochs a
		 * DIV is one instruction, the bit loop below about a thousand.
		 */
		uint64_t dd = (uint64_t)d, hi = (uint64_t)(n >> 64), lo = (uint64_t)n;
		uint64_t qhi = hi / dd, r = hi % dd, qlo;

		__asm__("divq %[d]" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), [d] "rm"(dd));
		if (rem)
			*rem = r;
		return ((unsigned __int128)qhi << 64) | qlo;
	}
	shift = (int)udiv128_clz(d) - (int)udiv128_clz(n);
	d <<= shift;
	for (; shift >= 0; shift--) {
		q <<= 1;
		if (n >= d) {
			n -= d;
			q |= 1;
		}
		d >>= 1;
	}
	if (rem)
		*rem = n;
	return q;
}
