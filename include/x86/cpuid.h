/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The registers of one CPUID leaf and the feature bits tickvisor reads or
 * edits (Intel SDM Vol. 2A, "CPUID-CPU Identification"), named
 * CPUID_<leaf>[_<sub-leaf>]_<register>_<flag>.  Constants only; the
 * instruction is in x86/cpu.h.
 */
#ifndef TV_X86_CPUID_H
#define TV_X86_CPUID_H

#include <tv/types.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* CPUID.01H:ECX */
#define CPUID_1_ECX_MONITOR		(1U << 3)
#define CPUID_1_ECX_DSCPL		(1U << 4)
#define CPUID_1_ECX_VMX			(1U << 5)
#define CPUID_1_ECX_SMX			(1U << 6)
#define CPUID_1_ECX_EST			(1U << 7)
#define CPUID_1_ECX_TM2			(1U << 8)
#define CPUID_1_ECX_FMA			(1U << 12)
#define CPUID_1_ECX_PDCM		(1U << 15)
#define CPUID_1_ECX_PCID		(1U << 17)
#define CPUID_1_ECX_X2APIC		(1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE	(1U << 24)
#define CPUID_1_ECX_XSAVE		(1U << 26)
#define CPUID_1_ECX_OSXSAVE		(1U << 27)
#define CPUID_1_ECX_AVX			(1U << 28)
#define CPUID_1_ECX_F16C		(1U << 29)
#define CPUID_1_ECX_HYPERVISOR		(1U << 31)
/* CPUID.01H:ECX.OSXSAVE reflects this bit: "the OS has set CR4.OSXSAVE[bit 18]". */
#define CPUID_CR4_OSXSAVE		(1ULL << 18)
/* CPUID.01H:EDX */
#define CPUID_1_EDX_PAE			(1U << 6)
#define CPUID_1_EDX_APIC		(1U << 9)
#define CPUID_1_EDX_DS			(1U << 21)
#define CPUID_1_EDX_ACPI		(1U << 22)
#define CPUID_1_EDX_HTT			(1U << 28)
#define CPUID_1_EDX_TM			(1U << 29)
#define CPUID_1_EDX_PBE			(1U << 31)
/* CPUID.06H:EAX */
#define CPUID_6_EAX_ARAT		(1U << 2)
/* CPUID.(EAX=07H,ECX=0) */
#define CPUID_7_EBX_SGX			(1U << 2)
#define CPUID_7_EBX_AVX2		(1U << 5)
#define CPUID_7_EBX_INVPCID		(1U << 10)
#define CPUID_7_EBX_MPX			(1U << 14)
/* AVX512F 16, DQ 17, IFMA 21, PF 26, ER 27, CD 28, BW 30, VL 31 */
#define CPUID_7_EBX_AVX512		0xdc230000U
#define CPUID_7_EBX_INTEL_PT		(1U << 25)
#define CPUID_7_ECX_PKU			(1U << 3)
#define CPUID_7_ECX_OSPKE		(1U << 4)
#define CPUID_7_ECX_WAITPKG		(1U << 5)
/* AVX512_VBMI 1, AVX512_VBMI2 6, AVX512_VNNI 11, AVX512_BITALG 12, AVX512_VPOPCNTDQ 14 */
#define CPUID_7_ECX_AVX512		0x00005842U
/* VAES 9, VPCLMULQDQ 10: VEX/EVEX forms only */
#define CPUID_7_ECX_VAES_VPCLMULQDQ	0x00000600U
#define CPUID_7_ECX_CET_SS		(1U << 7)
#define CPUID_7_ECX_RDPID		(1U << 22)
#define CPUID_7_ECX_SGX_LC		(1U << 30)
#define CPUID_7_ECX_PKS			(1U << 31)
/* AVX512_4VNNIW 2, AVX512_4FMAPS 3, AVX512_VP2INTERSECT 8, AVX512_FP16 23 */
#define CPUID_7_EDX_AVX512		0x0080010cU
#define CPUID_7_EDX_MD_CLEAR		(1U << 10)
#define CPUID_7_EDX_CET_IBT		(1U << 20)
#define CPUID_7_EDX_IBRS_IBPB		(1U << 26)
#define CPUID_7_EDX_STIBP		(1U << 27)
#define CPUID_7_EDX_L1D_FLUSH		(1U << 28)
#define CPUID_7_EDX_ARCH_CAPABILITIES	(1U << 29)
#define CPUID_7_EDX_CORE_CAPABILITIES	(1U << 30)
#define CPUID_7_EDX_SSBD		(1U << 31)
/* CPUID.(EAX=07H,ECX=1):EAX */
#define CPUID_7_1_EAX_AVX_VNNI		(1U << 4)
#define CPUID_7_1_EAX_AVX512_BF16	(1U << 5)
/* CPUID.(EAX=0DH,ECX=1):EAX */
#define CPUID_D_1_EAX_XSAVES		(1U << 3)
/* CPUID.80000001H:EDX */
#define CPUID_80000001_EDX_NX		(1U << 20)
#define CPUID_80000001_EDX_RDTSCP	(1U << 27)
#define CPUID_80000001_EDX_LM		(1U << 29)
/* CPUID.80000007H:EDX */
#define CPUID_80000007_EDX_INVARIANT_TSC (1U << 8)

#endif /* TV_X86_CPUID_H */
