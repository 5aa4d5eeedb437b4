/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The four functions gcc may emit calls to even with -ffreestanding (struct
 * copies, zero-initialisers): "GCC requires the freestanding environment
 * provide memcpy, memmove, memset and memcmp" (gcc manual, "C Language").
 * Image only: the host tests take these from libc, so this file is not in
 * HOST_SRCS.
 */
#include "string.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
	return hv_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
	return hv_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	return hv_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return hv_memcmp(a, b, n);
}
