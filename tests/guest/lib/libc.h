/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The small libc subset the guests use: byte/string helpers (the compiler
 * may also emit calls to memcpy/memset itself) and printf to the serial
 * port.  Standard names on purpose: these behave as the C standard says,
 * within the supported conversions.
 *
 * printf conversions: %d %i %u %x %X %p %s %c %%, length modifiers l, ll, z,
 * flags '-' and '0', and a decimal field width.
 */
#ifndef TV_GUEST_LIBC_H
#define TV_GUEST_LIBC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define PRINTF_FMT(f, a) __attribute__((format(printf, f, a)))

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/* Length of s, but at most max: s need not be terminated within max. */
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* First occurrence of needle in haystack, or NULL. */
char *strstr(const char *haystack, const char *needle);
/*
 * @brief Parse an unsigned number: decimal, or hex with a 0x prefix.
 * @return the value; *end (if not NULL) points after the last digit used.
 */
unsigned long strtoul(const char *s, const char **end, int base);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_FMT(3, 4);
/* Formats into a bounded buffer and writes it to the serial port. */
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) PRINTF_FMT(1, 2);
/* Writes s and a newline. */
int puts(const char *s);

#endif /* TV_GUEST_LIBC_H */
