/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * 128-bit unsigned division: one implementation for the whole image
 * (lib/udiv128.c), used by the pure timer model and, through
 * lib/udiv128_builtin.c, by every `unsigned __int128` division gcc turns
 * into a libgcc call (__udivti3/__umodti3/__udivmodti4).  libgcc is not
 * built with -mno-red-zone, so the image links its own.
 */
#ifndef TV_TV_UDIV128_H
#define TV_TV_UDIV128_H

#include <tv/types.h>

/*
 * @brief n / d and n % d, exactly.
 * @param[out] rem the remainder, or NULL when it is not wanted.
 * @pre d != 0 (the builtins follow the compiler's contract: undefined for 0).
 */
unsigned __int128 tv_udivmod128(unsigned __int128 n, unsigned __int128 d,
				unsigned __int128 *rem);

#endif /* TV_TV_UDIV128_H */
