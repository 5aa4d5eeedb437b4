/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hv_udivmod128() is declared in include/hv/udiv128.h, where the pure timer
 * model may include it.  This forwarder keeps the existing includes of
 * vmm/udiv128.c, udiv128_builtin.c and test_udiv128.c working until the
 * library moves to lib/ (issue 10); drop it then.
 */
#ifndef HV_VMM_UDIV128_H
#define HV_VMM_UDIV128_H

#include <hv/udiv128.h>

#endif /* HV_VMM_UDIV128_H */
