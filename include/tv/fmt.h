/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * printf-style formatting without libc, for the image and the host tests.
 *
 * Conversions: d i u x X o c s p %.  Flags: - 0 + space #.  Width and
 * precision, both also as `*`.  Length modifiers: hh h l ll z t j.  No
 * floating point (the image is built with -mgeneral-regs-only) and no %n.
 * Semantics follow C99 7.19.6.1 "The fprintf function", and glibc where C
 * leaves a choice: %p prints like %#lx and a NULL pointer as "(nil)"; a NULL
 * string prints "(null)" (nothing if the precision
 * is below 6).  An unknown conversion is copied to the output as
 * written.
 */
#ifndef TV_TV_FMT_H
#define TV_TV_FMT_H

#include <tv/types.h>

/*
 * @brief Format into buf[size].
 * @return the length the full output has (not counting the NUL), whether or
 *         not it fit; buf is NUL-terminated whenever size > 0.  Returns -1
 *         if that length would exceed INT_MAX.
 */
int tv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int tv_snprintf(char *buf, size_t size, const char *fmt, ...) TV_PRINTF(3, 4);

#endif /* TV_TV_FMT_H */
