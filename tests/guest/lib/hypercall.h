/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tickvisor detection and hypercalls, for guests.  The ABI itself (numbers,
 * calling convention, errors, the exit port) is defined once, in
 * include/tv/hypercall_abi.h, which the VMM implements; this header takes
 * its constants from there so the two cannot drift apart.
 */
#ifndef TV_GUEST_HYPERCALL_H
#define TV_GUEST_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../include/tv/hypercall_abi.h"

static inline long tv_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
				unsigned long a2)
{
	long ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1), "d"(a2) : "memory");
	return ret;
}

/* CPUID.1:ECX[31]: some hypervisor says it is there. */
bool tv_has_hypervisor_bit(void);
/* The 12 signature bytes of leaf 0x40000000 into sig[13] (terminated); false without the bit. */
bool tv_read_signature(char sig[13]);
/* The tickvisor signature is present: hypercalls are allowed. */
bool tv_is_present(void);
/*
 * tv_is_present(); without it, a SKIP "no tickvisor (<signature>): not
 * provoked natively" first: for a case only tickvisor can answer (it must
 * stop the VM), which natively would end or reset the emulator.
 */
bool tv_present_or_skip(void);

long tv_print(const char *s, size_t len);
long tv_info(void);
/* Returns only if the hypervisor ignored the request. */
void tv_exit(int code);

#endif /* TV_GUEST_HYPERCALL_H */
