/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Plain byte loops: these are called on boot and log paths where a few bytes
 * at a time are copied, so simplicity beats speed.
 */
#include <tv/string.h>

/*
 * gcc recognises these loops and would replace them by calls to memcpy and
 * memset, which in the image are implemented by calling these functions:
 * endless recursion.  Keep the loops as loops.
 */
#define TV_STRING_NO_LIBCALL	__attribute__((optimize("no-tree-loop-distribute-patterns")))

TV_STRING_NO_LIBCALL
void *tv_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

TV_STRING_NO_LIBCALL
void *tv_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	/* Compare as integers: ordering unrelated pointers is undefined in C. */
	if ((uintptr_t)d < (uintptr_t)s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

TV_STRING_NO_LIBCALL
void *tv_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int tv_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t tv_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t tv_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int tv_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x == *y ? 0 : (*x < *y ? -1 : 1);
}

int tv_strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
		if (!x[i])
			break;
	}
	return 0;
}

char *tv_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t tv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = tv_strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		tv_memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
