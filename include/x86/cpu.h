/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Tiny static inline accessors for privileged x86 instructions, in the xv6
 * manner: all inline asm of the VMM lives here (and in the NASM stubs).
 * Banned in the pure directories (lapic/, timer/ model): see
 * scripts/check-purity.py.
 */
#ifndef TV_X86_CPU_H
#define TV_X86_CPU_H

#include <tv/types.h>
#include <x86/cpuid.h>

static inline void cpu_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	__asm__ volatile("cpuid"
			 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(subleaf));
}

static inline uint64_t cpu_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

/*
 * RDMSR that survives a #GP: the exception handler sees the fixup marker
 * (vmm/idt.c) and resumes after the instruction with an error.
 * @return 0, or the exception vector that the read raised.
 */
int cpu_rdmsr_safe(uint32_t msr, uint64_t *val);
int cpu_wrmsr_safe(uint32_t msr, uint64_t val);

static inline uint64_t cpu_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDRAND (SDM Vol. 2B): false when the DRNG had no value ready (CF = 0); the caller retries. */
static inline bool cpu_rdrand(uint64_t *v)
{
	uint8_t ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}

/* RDTSC that does not run ahead of earlier instructions (LFENCE is dispatch-serializing on Intel). */
static inline uint64_t cpu_rdtsc_ordered(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return cpu_rdtsc();
}

static inline void cpu_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void cpu_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void cpu_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t cpu_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t cpu_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t cpu_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define CPU_DEFINE_CR(n) \
static inline uint64_t cpu_read_cr##n(void) \
{ uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
static inline void cpu_write_cr##n(uint64_t v) \
{ __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }

CPU_DEFINE_CR(0)
CPU_DEFINE_CR(2)
CPU_DEFINE_CR(3)
CPU_DEFINE_CR(4)

static inline uint64_t cpu_read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cpu_cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" ::: "memory"); }
/* STI's one-instruction shadow keeps an interrupt from landing between STI and HLT. */
static inline void cpu_sti_hlt_cli(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

/* XCR0 and the XSAVE-managed state (SDM Vol. 1, "Managing State Using the XSAVE Feature Set"). */
static inline uint64_t cpu_xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_write_xcr0(uint64_t val)
{
	__asm__ volatile("xsetbv" : : "c"(0U), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

/* XRSTOR of the components in rfbm from a 64-byte-aligned XSAVE area. */
static inline void cpu_xrstor(const void *area, uint64_t rfbm)
{
	__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)rfbm),
			 "d"((uint32_t)(rfbm >> 32)) : "memory");
}

static inline void cpu_fxrstor(const void *area)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

static inline void cpu_fninit(void) { __asm__ volatile("fninit" ::: "memory"); }

/* DR0-DR3 all set to dr0_3, and DR6. */
static inline void cpu_write_debug_regs(uint64_t dr0_3, uint64_t dr6)
{
	__asm__ volatile("mov %0, %%dr0\n\tmov %0, %%dr1\n\tmov %0, %%dr2\n\tmov %0, %%dr3\n\t"
			 "mov %1, %%dr6" : : "r"(dr0_3), "r"(dr6) : "memory");
}

/* DR0-DR3: the guest's while the VMM runs (vmm/xstate.h: the VMM never loads its own). */
static inline void cpu_read_dr0_3(uint64_t dr[4])
{
	__asm__ volatile("mov %%dr0, %0\n\tmov %%dr1, %1\n\tmov %%dr2, %2\n\tmov %%dr3, %3"
			 : "=r"(dr[0]), "=r"(dr[1]), "=r"(dr[2]), "=r"(dr[3]));
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static inline uint64_t mmio_read64(uint64_t addr)
{
	return *(volatile uint64_t *)(uintptr_t)addr;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)addr = v;
}

/*
 * Fill count quadwords with REP STOSQ: one instruction instead of a byte
 * loop, which matters under Bochs, where every retired instruction costs time.
 */
static inline void cpu_fill_qwords(void *dst, uint64_t val, size_t count)
{
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(count) : "a"(val) : "memory");
}

/* Copy bytes (a multiple of 8) between identity-mapped physical addresses, 0 included. */
static inline void cpu_copy_phys(uint64_t dst, uint64_t src, uint64_t bytes)
{
	uint64_t count = bytes / 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(count) : : "memory");
}

struct TV_PACKED cpu_dtr {
	uint16_t limit;
	uint64_t base;
};

static inline void cpu_lgdt(const struct cpu_dtr *d) { __asm__ volatile("lgdt %0" : : "m"(*d)); }
static inline void cpu_lidt(const struct cpu_dtr *d) { __asm__ volatile("lidt %0" : : "m"(*d)); }
static inline void cpu_sgdt(struct cpu_dtr *d) { __asm__ volatile("sgdt %0" : "=m"(*d)); }
static inline void cpu_sidt(struct cpu_dtr *d) { __asm__ volatile("sidt %0" : "=m"(*d)); }
static inline void cpu_ltr(uint16_t sel) { __asm__ volatile("ltr %0" : : "rm"(sel)); }

static inline uint16_t cpu_read_tr(void)
{
	uint16_t v;

	__asm__ volatile("str %0" : "=rm"(v));
	return v;
}

#define CPU_DEFINE_SEG(name) \
static inline uint16_t cpu_read_##name(void) \
{ uint16_t v; __asm__ volatile("mov %%" #name ", %0" : "=rm"(v)); return v; }

CPU_DEFINE_SEG(cs)
CPU_DEFINE_SEG(ds)
CPU_DEFINE_SEG(es)
CPU_DEFINE_SEG(ss)
CPU_DEFINE_SEG(fs)
CPU_DEFINE_SEG(gs)

/* CR0 and CR4 bits used by the VMM. */
#define CR0_PE		0x00000001ULL
#define CR0_MP		0x00000002ULL
#define CR0_TS		0x00000008ULL
#define CR0_ET		0x00000010ULL
#define CR0_NE		0x00000020ULL
#define CR0_WP		0x00010000ULL
#define CR0_NW		0x20000000ULL
#define CR0_CD		0x40000000ULL
#define CR0_PG		0x80000000ULL
#define CR4_TSD		0x00000004ULL
#define CR4_DE		0x00000008ULL
#define CR4_PAE		0x00000020ULL
#define CR4_PGE		0x00000080ULL
#define CR4_PCE		0x00000100ULL
#define CR4_OSFXSR	0x00000200ULL
#define CR4_VMXE	0x00002000ULL
#define RFLAGS_TF	0x00000100ULL	/* trap flag: single-step */
#define RFLAGS_RF	0x00010000ULL	/* resume flag: no instruction breakpoint for one instruction */
#define RFLAGS_IF	0x00000200ULL

#endif /* TV_X86_CPU_H */
