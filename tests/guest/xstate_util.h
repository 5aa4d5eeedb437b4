/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * What state_writer, state_canary and xsetbv_gp share: switching on the
 * x87/SSE/XSAVE features (the runtime enters main() with CR4.PAE only, and
 * is built -mgeneral-regs-only, so no compiled code touches these
 * registers), and reading and writing every XSAVE-managed register from
 * asm.  Each register file is moved through memory with one explicit
 * instruction per register, so what a check sees is the register itself.
 */
#ifndef TV_GUEST_XSTATE_UTIL_H
#define TV_GUEST_XSTATE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "exception.h"
#include "processor.h"

#define XU_CR0_MP		(1ULL << 1)
#define XU_CR0_EM		(1ULL << 2)
#define XU_CR0_TS		(1ULL << 3)
#define XU_CR4_OSFXSR		(1ULL << 9)
#define XU_CR4_OSXMMEXCPT	(1ULL << 10)
#define XU_CR4_OSXSAVE		(1ULL << 18)
#define XU_CR4_PKE		(1ULL << 22)

#define XU_XCR0_X87		0x1ULL
#define XU_XCR0_SSE		0x2ULL
#define XU_XCR0_AVX		0x4ULL
#define XU_XCR0_AVX512		0xe0ULL
#define XU_XCR0_PKRU		0x200ULL

/* SDM Vol. 3A, table "IA-32 and Intel 64 Processor States Following Power-up, Reset, or INIT". */
#define XU_DR6_RESET		0xffff0ff0ULL
#define XU_DR7_RESET		0x400ULL
#define XU_MXCSR_RESET		0x1f80U
#define XU_FCW_FNINIT		0x037fU
#define XU_PAT_RESET		0x0007040600070406ULL

#define XU_MSR_SYSENTER_CS	0x174U
#define XU_MSR_SYSENTER_ESP	0x175U
#define XU_MSR_SYSENTER_EIP	0x176U
#define XU_MSR_DEBUGCTL		0x1d9U
#define XU_MSR_MISC_ENABLE	0x1a0U
#define XU_MSR_TSC_ADJUST	0x3bU
#define XU_MSR_PAT		0x277U
#define XU_MSR_STAR		0xc0000081U
#define XU_MSR_LSTAR		0xc0000082U
#define XU_MSR_CSTAR		0xc0000083U
#define XU_MSR_FMASK		0xc0000084U
#define XU_MSR_KERNEL_GS_BASE	0xc0000102U
#define XU_MSR_TSC_AUX		0xc0000103U

static inline void xu_write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void xu_write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void xu_write_cr2(uint64_t v) { __asm__ volatile("mov %0, %%cr2" : : "r"(v) : "memory"); }

static inline bool xu_has_xsave(void) { return cpuid(1).c & (1U << 26); }
static inline bool xu_has_avx(void) { return cpuid(1).c & (1U << 28); }
static inline bool xu_has_avx512f(void) { return cpuid_count(7, 0).b & (1U << 16); }
static inline bool xu_has_pku(void) { return cpuid_count(7, 0).c & (1U << 3); }
static inline bool xu_has_rdtscp(void) { return cpuid(0x80000001U).d & (1U << 27); }

/* CPUID.(EAX=0DH,ECX=0):EDX:EAX, the XCR0 bits this CPU (or its VMM) supports. */
static inline uint64_t xu_xcr0_supported(void)
{
	struct cpuid_result r = cpuid_count(0xd, 0);

	return ((uint64_t)r.d << 32) | r.a;
}

/* CR0.MP = 1, EM = TS = 0, CR4.OSFXSR and OSXMMEXCPT: x87 and SSE usable (SDM Vol. 3A, "Initializing SSE/SSE2/..."). */
static inline void xu_enable_sse(void)
{
	xu_write_cr0((read_cr0() | XU_CR0_MP) & ~(XU_CR0_EM | XU_CR0_TS));
	xu_write_cr4(read_cr4() | XU_CR4_OSFXSR | XU_CR4_OSXMMEXCPT);
}

static inline void xu_enable_osxsave(void)
{
	xu_write_cr4(read_cr4() | XU_CR4_OSXSAVE);
}

static inline uint64_t xu_xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((uint64_t)hi << 32) | lo;
}

/* @return EX_NONE, or the vector XSETBV raised (the runtime resumes after it). */
static inline int xu_xsetbv_safe(uint32_t xcr, uint64_t val)
{
	ex_clear();
	__asm__ volatile("1: xsetbv\n2:\n" EX_TABLE(1b, 2b)
			 : : "c"(xcr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
	return ex_vector();
}

#define XU_R8(m)	m(0) m(1) m(2) m(3) m(4) m(5) m(6) m(7)
#define XU_R16(m)	XU_R8(m) m(8) m(9) m(10) m(11) m(12) m(13) m(14) m(15)
#define XU_R32(m)	XU_R16(m) m(16) m(17) m(18) m(19) m(20) m(21) m(22) m(23) \
			m(24) m(25) m(26) m(27) m(28) m(29) m(30) m(31)

#define XU_XMM_LOAD(n)	"movdqu " #n "*16(%0), %%xmm" #n "\n\t"
#define XU_XMM_STORE(n)	"movdqu %%xmm" #n ", " #n "*16(%0)\n\t"
#define XU_YMM_LOAD(n)	"vmovdqu " #n "*32(%0), %%ymm" #n "\n\t"
#define XU_YMM_STORE(n)	"vmovdqu %%ymm" #n ", " #n "*32(%0)\n\t"
#define XU_ZMM_LOAD(n)	"vmovdqu64 " #n "*64(%0), %%zmm" #n "\n\t"
#define XU_ZMM_STORE(n)	"vmovdqu64 %%zmm" #n ", " #n "*64(%0)\n\t"
#define XU_K_LOAD(n)	"kmovw " #n "*2(%0), %%k" #n "\n\t"
#define XU_K_STORE(n)	"kmovw %%k" #n ", " #n "*2(%0)\n\t"

/* 16 XMM registers, 16 bytes each. */
static inline void xu_load_xmm(const uint8_t *src) { __asm__ volatile(XU_R16(XU_XMM_LOAD) : : "r"(src) : "memory"); }
static inline void xu_store_xmm(uint8_t *dst) { __asm__ volatile(XU_R16(XU_XMM_STORE) : : "r"(dst) : "memory"); }
/* 16 YMM registers, 32 bytes each (needs XCR0.AVX). */
static inline void xu_load_ymm(const uint8_t *src) { __asm__ volatile(XU_R16(XU_YMM_LOAD) : : "r"(src) : "memory"); }
static inline void xu_store_ymm(uint8_t *dst) { __asm__ volatile(XU_R16(XU_YMM_STORE) : : "r"(dst) : "memory"); }
/* 32 ZMM registers, 64 bytes each, and opmask k0-k7, 16 bits each (needs XCR0[7:5]). */
static inline void xu_load_zmm(const uint8_t *src) { __asm__ volatile(XU_R32(XU_ZMM_LOAD) : : "r"(src) : "memory"); }
static inline void xu_store_zmm(uint8_t *dst) { __asm__ volatile(XU_R32(XU_ZMM_STORE) : : "r"(dst) : "memory"); }
static inline void xu_load_k(const uint16_t *src) { __asm__ volatile(XU_R8(XU_K_LOAD) : : "r"(src) : "memory"); }
static inline void xu_store_k(uint16_t *dst) { __asm__ volatile(XU_R8(XU_K_STORE) : : "r"(dst) : "memory"); }

static inline void xu_ldmxcsr(uint32_t v) { __asm__ volatile("ldmxcsr %0" : : "m"(v)); }

static inline uint32_t xu_stmxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

/* FXSAVE image (512 bytes, 16-aligned): FCW at 0, FSW 2, abridged FTW 4, MXCSR 24, ST0-7 at 32, XMM0-15 at 160. */
static inline void xu_fxsave(uint8_t *area) { __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory"); }

static inline uint32_t xu_rdpkru(void)
{
	uint32_t eax, edx;

	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static inline void xu_wrpkru(uint32_t v) { __asm__ volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory"); }

#define XU_DR_ACCESS(n) \
static inline uint64_t xu_read_dr##n(void) \
{ uint64_t v; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
static inline void xu_write_dr##n(uint64_t v) \
{ __asm__ volatile("mov %0, %%dr" #n : : "r"(v) : "memory"); }
XU_DR_ACCESS(0)
XU_DR_ACCESS(1)
XU_DR_ACCESS(2)
XU_DR_ACCESS(3)
XU_DR_ACCESS(6)
XU_DR_ACCESS(7)

/* RDTSCP's ECX: IA32_TSC_AUX. */
static inline uint32_t xu_rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	(void)lo;
	(void)hi;
	return aux;
}

static inline bool xu_all_zero(const void *p, unsigned long n)
{
	const uint8_t *b = p;

	for (unsigned long i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Guest-physical range the writer fills and the canary expects zeroed (both run with mem=64). */
#define XU_RAM_FROM	(32ULL << 20)
#define XU_RAM_TO	(40ULL << 20)

#endif /* TV_GUEST_XSTATE_UTIL_H */
