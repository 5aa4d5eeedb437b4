/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Basic types and helpers shared by every part of tickvisor, freestanding and
 * host builds alike.  Only compiler-provided freestanding headers are used.
 */
#ifndef TV_TV_TYPES_H
#define TV_TV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define TV_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TV_BIT(n)		(1ULL << (n))
#define TV_BITS(hi, lo)		((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1ULL))
#define TV_ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define TV_ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define TV_MIN(a, b)		((a) < (b) ? (a) : (b))
#define TV_MAX(a, b)		((a) > (b) ? (a) : (b))

#define TV_STATIC_ASSERT(cond, msg)	_Static_assert(cond, msg)

#define TV_UNUSED		__attribute__((unused))
#define TV_PACKED		__attribute__((packed))
#define TV_NORETURN		__attribute__((noreturn))
#define TV_PRINTF(f, a)		__attribute__((format(printf, f, a)))

#endif /* TV_TV_TYPES_H */
