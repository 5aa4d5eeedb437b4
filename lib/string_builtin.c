/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The four functions gcc may emit calls to even with -ffreestanding (struct
 * copies, zero-initialisers): "GCC requires the freestanding environment
 * provide memcpy, memmove, memset and memcmp" (gcc manual, "C Language").
 * Image only: the host tests take these from libc, so this file is not in
 * HOST_SRCS.  GNU-EFI's libefi (linked into the image for InitializeLib)
 * already defines memcpy and memset, so only the other two are here.
 */
#include <tv/string.h>

void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memmove(void *dst, const void *src, size_t n)
{
	return tv_memmove(dst, src, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	return tv_memcmp(a, b, n);
}
