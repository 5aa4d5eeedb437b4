/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The registers of one CPUID leaf (no instructions here: see x86/cpu.h). */
#ifndef HV_X86_CPUID_H
#define HV_X86_CPUID_H

#include <hv/types.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

#endif /* HV_X86_CPUID_H */
