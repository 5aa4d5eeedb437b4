/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Guest-side accessors for privileged x86 instructions, one static inline
 * each (the xv6 pattern).  Guest code runs at CPL 0 in 64-bit mode with the
 * identity map built by entry.asm.  The names follow kvm-unit-tests (inb,
 * rdmsr, ...) because guest selftests read best in that vocabulary.
 */
#ifndef TV_GUEST_PROCESSOR_H
#define TV_GUEST_PROCESSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSR_IA32_TSC		0x00000010U
#define MSR_IA32_APIC_BASE	0x0000001bU
#define MSR_IA32_EFER		0xc0000080U

#define APIC_BASE_BSP		0x00000100ULL	/* IA32_APIC_BASE[8]: processor is BSP */
#define APIC_BASE_EN		0x00000800ULL	/* IA32_APIC_BASE[11]: APIC global enable */
#define APIC_BASE_ADDR_MASK	0x000ffffffffff000ULL
#define APIC_DEFAULT_BASE	0xfee00000ULL

#define CPUID_1_ECX_HYPERVISOR	(1U << 31)
#define CPUID_1_EDX_TSC		(1U << 4)
#define CPUID_1_EDX_MSR		(1U << 5)
#define CPUID_1_EDX_APIC	(1U << 9)
#define CPUID_80000001_EDX_LM	(1U << 29)

#define RFLAGS_IF		0x200ULL

struct cpuid_result {
	uint32_t a, b, c, d;
};

static inline struct cpuid_result cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_result r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_result cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void invlpg(const volatile void *va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

static inline uint8_t mmio_read8(uint64_t addr)
{
	return *(volatile uint8_t *)(uintptr_t)addr;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	return *(volatile uint64_t *)(uintptr_t)addr;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)addr = v;
}

#endif /* TV_GUEST_PROCESSOR_H */
