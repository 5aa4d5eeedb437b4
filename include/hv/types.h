/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Basic types and helpers shared by every part of tickvisor, freestanding and
 * host builds alike.  Only compiler-provided freestanding headers are used.
 */
#ifndef HV_HV_TYPES_H
#define HV_HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define HV_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define HV_BIT(n)		(1ULL << (n))
#define HV_BITS(hi, lo)		((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1ULL))
#define HV_ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define HV_ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define HV_MIN(a, b)		((a) < (b) ? (a) : (b))
#define HV_MAX(a, b)		((a) > (b) ? (a) : (b))

#define HV_STATIC_ASSERT(cond, msg)	_Static_assert(cond, msg)

#define HV_UNUSED		__attribute__((unused))
#define HV_PACKED		__attribute__((packed))
#define HV_NORETURN		__attribute__((noreturn))
#define HV_PRINTF(f, a)		__attribute__((format(printf, f, a)))

#endif /* HV_HV_TYPES_H */
