/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The libgcc entry points for 128-bit division, for the image only (the
 * host tests use the real libgcc and test tv_udivmod128 against it).
 */
#include <tv/udiv128.h>

unsigned __int128 __udivti3(unsigned __int128 n, unsigned __int128 d);
unsigned __int128 __umodti3(unsigned __int128 n, unsigned __int128 d);
unsigned __int128 __udivmodti4(unsigned __int128 n, unsigned __int128 d,
			       unsigned __int128 *rem);

unsigned __int128 __udivti3(unsigned __int128 n, unsigned __int128 d)
{
	return tv_udivmod128(n, d, NULL);
}

unsigned __int128 __umodti3(unsigned __int128 n, unsigned __int128 d)
{
	unsigned __int128 r;

	(void)tv_udivmod128(n, d, &r);
	return r;
}

unsigned __int128 __udivmodti4(unsigned __int128 n, unsigned __int128 d,
			       unsigned __int128 *rem)
{
	return tv_udivmod128(n, d, rem);
}
