/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Byte and string helpers for code that runs both in the freestanding image
 * (no libc) and in the host tests.  They carry the hv_ prefix so that they
 * never clash with the host libc; lib/string_builtin.c provides the plain
 * memcpy/memset/memmove/memcmp that the compiler may call in the image.
 */
#ifndef HV_HV_STRING_H
#define HV_HV_STRING_H

#include <hv/types.h>

void *hv_memcpy(void *dst, const void *src, size_t n);
void *hv_memmove(void *dst, const void *src, size_t n);
void *hv_memset(void *dst, int c, size_t n);
int hv_memcmp(const void *a, const void *b, size_t n);
size_t hv_strlen(const char *s);
/* Length of s, but at most max (s need not be terminated within max). */
size_t hv_strnlen(const char *s, size_t max);
int hv_strcmp(const char *a, const char *b);
int hv_strncmp(const char *a, const char *b, size_t n);
/* First occurrence of c in s (c may be '\0'), or NULL. */
char *hv_strchr(const char *s, int c);

/*
 * @brief Copy src into dst[size] truncating, always terminated when size > 0.
 * @return hv_strlen(src), so a return >= size means truncation (BSD strlcpy).
 */
size_t hv_strlcpy(char *dst, const char *src, size_t size);

#endif /* HV_HV_STRING_H */
