/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * TV_ASSERT checks our own invariants (error class (c) of STYLE.md).  With
 * TV_NDEBUG it becomes `if (0 && (x))`, as Xen does, so the expression still
 * compiles and cannot rot.  tv_assert_fail() is a link-time seam: it panics
 * in the image and fails the current test in the host tests.
 */
#ifndef TV_TV_ASSERT_H
#define TV_TV_ASSERT_H

#include <tv/types.h>

void tv_assert_fail(const char *expr, const char *file, int line);

#ifdef TV_NDEBUG
#define TV_ASSERT(x)	do { if (0 && (x)) {} } while (0)
#else
#define TV_ASSERT(x)	do { if (!(x)) tv_assert_fail(#x, __FILE__, __LINE__); } while (0)
#endif

#endif /* TV_TV_ASSERT_H */
