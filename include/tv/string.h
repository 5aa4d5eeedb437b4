/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Byte and string helpers for code that runs both in the freestanding image
 * (no libc) and in the host tests.  They carry the tv_ prefix so that they
 * never clash with the host libc; lib/string_builtin.c provides the plain
 * memcpy/memset/memmove/memcmp that the compiler may call in the image.
 */
#ifndef TV_TV_STRING_H
#define TV_TV_STRING_H

#include <tv/types.h>

void *tv_memcpy(void *dst, const void *src, size_t n);
void *tv_memmove(void *dst, const void *src, size_t n);
void *tv_memset(void *dst, int c, size_t n);
int tv_memcmp(const void *a, const void *b, size_t n);
size_t tv_strlen(const char *s);
/* Length of s, but at most max (s need not be terminated within max). */
size_t tv_strnlen(const char *s, size_t max);
int tv_strcmp(const char *a, const char *b);
int tv_strncmp(const char *a, const char *b, size_t n);
/* First occurrence of c in s (c may be '\0'), or NULL. */
char *tv_strchr(const char *s, int c);

/*
 * @brief Copy src into dst[size] truncating, always terminated when size > 0.
 * @return tv_strlen(src), so a return >= size means truncation (BSD strlcpy).
 */
size_t tv_strlcpy(char *dst, const char *src, size_t size);

#endif /* TV_TV_STRING_H */
