/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * HV_ASSERT checks our own invariants (error class (c) of STYLE.md).  With
 * HV_NDEBUG it becomes `if (0 && (x))`, as Xen does, so the expression still
 * compiles and cannot rot.  hv_assert_fail() is a link-time seam: it panics
 * in the image and fails the current test in the host tests.
 */
#ifndef HV_HV_ASSERT_H
#define HV_HV_ASSERT_H

#include <hv/types.h>

void hv_assert_fail(const char *expr, const char *file, int line);

#ifdef HV_NDEBUG
#define HV_ASSERT(x)	do { if (0 && (x)) {} } while (0)
#else
#define HV_ASSERT(x)	do { if (!(x)) hv_assert_fail(#x, __FILE__, __LINE__); } while (0)
#endif

#endif /* HV_HV_ASSERT_H */
