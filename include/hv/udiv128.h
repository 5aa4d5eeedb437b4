/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * 128-bit unsigned division for the image.  gcc turns `unsigned __int128`
 * division into calls to libgcc's __udivti3/__umodti3/__udivmodti4; libgcc
 * is not built with -mno-red-zone, so the image brings its own
 * (lib/udiv128_builtin.c), built on this host-testable routine.
 */
#ifndef HV_HV_UDIV128_H
#define HV_HV_UDIV128_H

#include <hv/types.h>

/*
 * @brief n / d and n % d, exactly.
 * @pre d != 0 (the builtins follow the compiler's contract: undefined for 0).
 */
unsigned __int128 hv_udivmod128(unsigned __int128 n, unsigned __int128 d,
				unsigned __int128 *rem);

#endif /* HV_HV_UDIV128_H */
